//! Which rules set deadlines, and setting them.

use jiff::civil::Date;

use super::event::{DeadlinePurpose, EventKind, RuleKey};
use super::state::DeadlineStatus;
use super::txn::{Rejection, Txn};
use crate::agreement::{Agreement, Anchor, Rule};
use crate::calendar::{self, Period};

/// A rule that runs against a deadline: what it is for, how long, and from when.
pub struct DeadlineRule<'a> {
    pub purpose: DeadlinePurpose,
    pub period: Period,
    pub anchor: &'a Anchor,
}

pub fn deadline_rules(agreement: &Agreement) -> Vec<DeadlineRule<'_>> {
    let mut out = Vec::new();
    for clause in &agreement.clauses {
        for (index, rule) in clause.rules.iter().enumerate() {
            let key = RuleKey { clause: clause.number.clone(), index };
            let found = match rule {
                Rule::Unless { period, anchor, .. } => Some((DeadlinePurpose::Unless(key), *period, anchor)),
                Rule::Obligation(o) => Some((DeadlinePurpose::ObligationDue(o.name.clone()), o.period, &o.anchor)),
                Rule::Warrant(w) => Some((DeadlinePurpose::WarrantIssue(w.name.clone()), w.issue_period, &w.issue_anchor)),
                Rule::Waiver { name, period, anchor, .. } => Some((DeadlinePurpose::WaiverEnds(name.clone()), *period, anchor)),
                _ => None,
            };
            if let Some((purpose, period, anchor)) = found {
                out.push(DeadlineRule { purpose, period, anchor });
            }
        }
    }
    out
}

impl Txn<'_> {
    pub fn is_scheduled(&self, purpose: &DeadlinePurpose) -> bool {
        self.state.deadlines.values().any(|d| &d.purpose == purpose && !matches!(d.status, DeadlineStatus::Cancelled(_)))
    }

    /// Sets a deadline of `period` counted from `anchor` on the agreement's calendar.
    pub fn schedule(&mut self, purpose: DeadlinePurpose, anchor: Date, period: Period) -> Result<(), Rejection> {
        let agreement = &self.state.agreement;
        let deadline = calendar::deadline(agreement.calendar, &agreement.time_zone, anchor, period, agreement.cutoff)
            .map_err(|e| Rejection::new("calendar", e.to_string()))?;
        let id = self.state.next_id;
        self.emit(EventKind::DeadlineSet { id, purpose, deadline });
        Ok(())
    }

    /// Sets every deadline whose anchor has arrived and that is not set yet.
    /// Returns whether it set any.
    pub fn schedule_due_anchors(&mut self) -> Result<bool, Rejection> {
        let agreement = std::sync::Arc::clone(&self.state.agreement);
        let mut progress = false;
        for rule in deadline_rules(&agreement) {
            if self.is_scheduled(&rule.purpose) || self.state.terminated.is_some() {
                continue;
            }
            let anchor_day = match rule.anchor {
                Anchor::Dated => Some(agreement.dated),
                Anchor::When(condition) => match self.state.since(condition) {
                    Some(at) => Some(calendar::local_date(&agreement.time_zone, at).map_err(|e| Rejection::new("calendar", e.to_string()))?),
                    None => None,
                },
            };
            if let Some(day) = anchor_day {
                self.schedule(rule.purpose, day, rule.period)?;
                progress = true;
            }
        }
        Ok(progress)
    }
}
