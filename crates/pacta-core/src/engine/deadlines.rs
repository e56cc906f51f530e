//! Letting time pass: every deadline due by an instant fires, in due order, at
//! its own due instant, before anything that happens at or after that instant.

use std::sync::Arc;

use jiff::Timestamp;

use super::actions::ActionContext;
use super::conditions::describe_condition;
use super::event::{DeadlinePurpose, EventKind, ObligationStatus, RuleKey};
use super::settle::Mode;
use super::state::{DeadlineEntry, DeadlineStatus};
use super::txn::Txn;
use crate::agreement::Rule;

/// A sweep far past any agreement's deadlines (an accrual left running for
/// decades) still finishes; more than this is a bug.
const MAX_FIRINGS: usize = 1_000_000;

impl Txn<'_> {
    /// Fires every pending deadline due at or before `until`.
    pub fn advance(&mut self, until: Timestamp) {
        for _ in 0..MAX_FIRINGS {
            let next = self
                .state
                .deadlines
                .values()
                .filter(|d| d.status == DeadlineStatus::Pending && d.deadline.due <= until)
                .min_by_key(|d| (d.deadline.due, d.id))
                .map(|d| (d.id, d.deadline.due));
            let Some((id, due)) = next else {
                self.at = until;
                return;
            };
            self.at = due;
            self.fire(id);
            // Nobody can refuse the passing of time, so rules it triggers never reject.
            self.settle(Mode::Lenient).expect("lenient settling records failures instead of returning them");
        }
        panic!("more than {MAX_FIRINGS} deadlines due at once");
    }

    fn fire(&mut self, id: u64) {
        // Marked fired before anything else holds the entry, so the mark changes it in place.
        self.emit(EventKind::DeadlineFired { id });
        let entry = Arc::clone(&self.state.deadlines[&id]);
        match &entry.purpose {
            DeadlinePurpose::Unless(key) => self.fire_unless(key, &entry),
            DeadlinePurpose::ObligationDue(name) => {
                self.emit(EventKind::ObligationChanged { name: name.clone(), status: ObligationStatus::Late });
            }
            DeadlinePurpose::WarrantIssue(_) => {}
            DeadlinePurpose::WaiverEnds(name) => {
                let reason = format!("its period ended: {}", entry.deadline);
                self.emit(EventKind::WaiverEnded { name: name.clone(), reason });
            }
            DeadlinePurpose::AccrualPeriod { rule, period } => self.accrue(rule, *period, &entry),
        }
    }

    fn fire_unless(&mut self, key: &RuleKey, entry: &DeadlineEntry) {
        let agreement = Arc::clone(&self.state.agreement);
        let Some(clause) = agreement.clauses.iter().find(|c| c.number == key.clause) else { return };
        let Some(Rule::Unless { condition, actions, .. }) = clause.rules.get(key.index) else { return };
        // Every instance of the agreement says the same here, so the words are written once.
        let cause = agreement.memo.deadline_cause(clause, key.index, condition, &entry.deadline, || {
            let because = format!("not {} within {} of {}", describe_condition(condition), entry.deadline.period, entry.deadline.anchor);
            let authority = vec![format!("deadline {}", entry.deadline)];
            ActionContext::new(clause, because, authority).cause
        });
        let mut context = ActionContext::with_cause(clause, cause);
        context.rule = Some(key.clone());
        context.anchor_day = Some(entry.deadline.last_day);
        if let Err(rejection) = self.run_rule(&context, actions) {
            // A hold only delays what the deadline decided: the action stays owed.
            let owed = rejection.code == "held";
            let blocked = EventKind::ActionBlocked { clause: clause.number.clone(), rule: Some(key.clone()), owed, reason: rejection.message };
            self.emit(blocked);
        }
    }

    fn accrue(&mut self, rule: &RuleKey, period: u32, entry: &DeadlineEntry) {
        let Some(accrual) = self.state.accruals.get(rule).cloned() else { return };
        let grown = accrual.total.checked_add(accrual.amount).expect("accrued damages fit in i64");
        let total = accrual.cap.map_or(grown, |cap| grown.min(cap));
        self.emit(EventKind::Accrued { rule: rule.clone(), period, total });
        let capped = accrual.cap.is_some_and(|cap| total >= cap);
        if capped {
            self.emit(EventKind::AccrualStopped { rule: rule.clone(), reason: "reached its cap".to_string() });
            return;
        }
        let anchor_day = entry.deadline.anchor;
        if self.schedule_accrual_period(rule.clone(), anchor_day, accrual.every, period + 1).is_err() {
            self.emit(EventKind::AccrualStopped { rule: rule.clone(), reason: "its next period is past the calendar's range".to_string() });
        }
    }
}
