//! After every event batch: mark deadlines met, set anchored deadlines, end
//! waivers, stop accruals and fire `when` rules, until nothing changes.
//!
//! Each step only ever moves something forward (a deadline from pending to met,
//! a rule from unfired to fired), so the loop ends; the bound turns a bug into a
//! loud failure instead of a hang.

use std::sync::Arc;

use super::actions::ActionContext;
use super::conditions::describe_condition;
use super::event::{DeadlinePurpose, EventKind, RuleKey};
use super::state::DeadlineStatus;
use super::txn::{Outcome, Txn};
use crate::agreement::{Action, Rule};

/// Whether a failing `when` rule rejects the command (a party's command) or is
/// recorded as blocked (a deadline firing, which nobody can refuse).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Strict,
    Lenient,
}

const MAX_ROUNDS: usize = 10_000;

impl Txn<'_> {
    pub fn settle(&mut self, mode: Mode) -> Outcome {
        // The last settling reached a fixed point; if nothing a rule reads has
        // changed since, there is nothing to do. This keeps a deposit O(1).
        if !self.facts_changed {
            return Ok(());
        }
        for _ in 0..MAX_ROUNDS {
            self.facts_changed = false;
            let mut progress = self.mark_met_deadlines();
            progress |= self.schedule_due_anchors()?;
            progress |= self.end_waivers();
            progress |= self.stop_accruals();
            progress |= self.fire_when_rules(mode)?;
            progress |= self.run_owed_actions();
            if !progress {
                self.facts_changed = false;
                return Ok(());
            }
        }
        panic!("settling did not converge in {MAX_ROUNDS} rounds");
    }

    fn mark_met_deadlines(&mut self) -> bool {
        let met: Vec<u64> = self
            .state
            .deadlines
            .values()
            .filter(|d| d.status == DeadlineStatus::Pending && self.deadline_is_met(&d.purpose))
            .map(|d| d.id)
            .collect();
        for &id in &met {
            let due = self.state.deadlines[&id].deadline.due;
            assert!(self.at < due, "a deadline due by now would have fired before this command");
            self.emit(EventKind::DeadlineMet { id });
        }
        !met.is_empty()
    }

    fn deadline_is_met(&self, purpose: &DeadlinePurpose) -> bool {
        let state = &self.state;
        match purpose {
            DeadlinePurpose::Unless(key) => match state.rule(key) {
                Some(Rule::Unless { condition, .. }) => state.holds(condition),
                _ => false,
            },
            DeadlinePurpose::ObligationDue(name) => state.holds(&crate::agreement::Condition::Paid(name.clone())),
            DeadlinePurpose::WarrantIssue(name) => state.warrants.get(name).is_some_and(|w| w.issued.is_some()),
            DeadlinePurpose::WaiverEnds(name) => state.waivers.get(name).is_some_and(|w| w.ended.is_some()),
            DeadlinePurpose::AccrualPeriod { .. } => false,
        }
    }

    fn end_waivers(&mut self) -> bool {
        let agreement = Arc::clone(&self.state.agreement);
        let mut progress = false;
        for (_, rule) in agreement.rules() {
            if let Rule::Waiver { name, ends_on, .. } = rule {
                let open = self.state.waivers.get(name).is_some_and(|w| w.ended.is_none());
                if open && self.state.holds(ends_on) {
                    let reason = format!("ended early: {}", describe_condition(ends_on));
                    self.emit(EventKind::WaiverEnded { name: name.clone(), reason });
                    progress = true;
                }
            }
        }
        progress
    }

    fn stop_accruals(&mut self) -> bool {
        let running: Vec<RuleKey> = self.state.accruals.iter().filter(|(_, a)| a.stopped.is_none()).map(|(k, _)| k.clone()).collect();
        let mut progress = false;
        for key in running {
            let Some(until) = self.accrual_until(&key) else { continue };
            if self.state.holds(&until) {
                let reason = format!("stopped: {}", describe_condition(&until));
                self.emit(EventKind::AccrualStopped { rule: key.clone(), reason });
                self.cancel_accrual_periods(&key, "the accrual stopped");
                progress = true;
            }
        }
        progress
    }

    fn accrual_until(&self, key: &RuleKey) -> Option<crate::agreement::Condition> {
        let Some(Rule::Unless { actions, .. }) = self.state.rule(key) else { return None };
        actions.iter().find_map(|a| match a {
            Action::Accrue { until, .. } => Some(until.clone()),
            _ => None,
        })
    }

    pub fn cancel_accrual_periods(&mut self, key: &RuleKey, reason: &str) {
        let pending: Vec<u64> = self
            .state
            .deadlines
            .values()
            .filter(|d| d.status == DeadlineStatus::Pending)
            .filter(|d| matches!(&d.purpose, DeadlinePurpose::AccrualPeriod { rule, .. } if rule == key))
            .map(|d| d.id)
            .collect();
        for id in pending {
            self.emit(EventKind::DeadlineCancelled { id, reason: reason.to_string() });
        }
    }

    fn fire_when_rules(&mut self, mode: Mode) -> Result<bool, super::txn::Rejection> {
        let agreement = Arc::clone(&self.state.agreement);
        let mut progress = false;
        for clause in &agreement.clauses {
            for (index, rule) in clause.rules.iter().enumerate() {
                let Rule::When { condition, actions } = rule else { continue };
                // A few rules ever fire, so a scan finds one without building its key.
                let fired = self.state.fired_rules.keys().any(|k| k.index == index && k.clause == clause.number);
                if fired || self.state.terminated.is_some() || !self.state.holds(condition) {
                    continue;
                }
                let key = RuleKey { clause: clause.number.clone(), index };
                let facts: Vec<String> = self.state.facts(condition).into_iter().map(|(_, f)| f).collect();
                let (because, authority) = match facts.split_last() {
                    Some((last, rest)) => (last.clone(), rest.to_vec()),
                    None => (describe_condition(condition), Vec::new()),
                };
                let mut context = ActionContext::new(clause, because, authority);
                context.rule = Some(key.clone());
                let fired = self.attempt(|txn| {
                    txn.emit(EventKind::RuleFired { rule: key.clone() });
                    txn.run_actions(&context, actions)
                });
                match (fired, mode) {
                    (Ok(()), _) => {}
                    (Err(rejection), Mode::Strict) => return Err(rejection),
                    (Err(rejection), Mode::Lenient) => {
                        self.emit(EventKind::RuleFired { rule: key.clone() });
                        let blocked = EventKind::ActionBlocked { clause: clause.number.clone(), rule: Some(key.clone()), owed: false, reason: rejection.message };
                        self.emit(blocked);
                    }
                }
                progress = true;
            }
        }
        Ok(progress)
    }
}

impl Txn<'_> {
    /// Runs each owed action whose accounts are no longer held, in the order they
    /// would have run without the hold (`State::owed_order`: the instant each fell
    /// due, then its deadline's id), so the first to fall due is the first carried
    /// out. One that still cannot act (the settlement or an earlier owed action
    /// left nothing) is recorded as blocked for good.
    fn run_owed_actions(&mut self) -> bool {
        // Each owed action's place, computed once: the sort and `check_not_owed` both use it.
        let mut owed: Vec<((jiff::Timestamp, u64), RuleKey)> =
            self.state.owed.iter().map(|(rule, since)| (self.state.owed_order(rule, *since), rule.clone())).collect();
        owed.sort();
        // An owed action that shares an account with an earlier one still held
        // waits for it (stays owed) rather than being refused for good.
        let mut waiting: Vec<String> = Vec::new();
        let mut ready: Vec<((jiff::Timestamp, u64), RuleKey)> = Vec::new();
        for (order, rule) in owed {
            let accounts = self.state.rule_accounts(&rule);
            let free = accounts.iter().all(|a| self.state.ledger.pending_hold(a).is_none() && !waiting.contains(a));
            if free {
                ready.push((order, rule));
            } else {
                waiting.extend(accounts);
            }
        }
        for (order, rule) in &ready {
            let since = order.0;
            self.emit(EventKind::OwedActionRan { rule: rule.clone() });
            let agreement = Arc::clone(&self.state.agreement);
            let Some(clause) = agreement.clauses.iter().find(|c| c.number == rule.clause) else { continue };
            let Some(Rule::Unless { actions, .. }) = clause.rules.get(rule.index) else { continue };
            let because = format!("fell due on {} while the funds were held; carried out once the hold was lifted", self.state.local_day(since));
            let mut context = ActionContext::new(clause, because, Vec::new());
            context.rule = Some(rule.clone());
            context.owed_order = Some(*order);
            if let Err(rejection) = self.run_rule(&context, actions) {
                let blocked = EventKind::ActionBlocked { clause: rule.clause.clone(), rule: Some(rule.clone()), owed: false, reason: rejection.message };
                self.emit(blocked);
            }
        }
        !ready.is_empty()
    }
}

impl super::state::State {
    /// Where an owed action stands among the owed: the instant it fell due, then
    /// the id of the deadline that fired it (deadlines due at one instant fire in id order).
    pub fn owed_order(&self, rule: &RuleKey, since: jiff::Timestamp) -> (jiff::Timestamp, u64) {
        let fired = self
            .deadlines
            .values()
            .find(|d| d.deadline.due == since && d.status == DeadlineStatus::Fired && matches!(&d.purpose, DeadlinePurpose::Unless(key) if key == rule));
        (since, fired.map_or(u64::MAX, |d| d.id))
    }

    /// The custody accounts a rule's actions pay from.
    pub fn rule_accounts(&self, key: &RuleKey) -> Vec<String> {
        let actions = match self.rule(key) {
            Some(Rule::Unless { actions, .. } | Rule::When { actions, .. }) => actions,
            _ => return Vec::new(),
        };
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Pay { from, .. } => Some(from.clone()),
                Action::Refund { account } => Some(account.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn rule(&self, key: &RuleKey) -> Option<&Rule> {
        self.agreement.clauses.iter().find(|c| c.number == key.clause)?.rules.get(key.index)
    }

    pub fn clause_title(&self, number: &str) -> String {
        self.agreement.clauses.iter().find(|c| c.number == number).map(|c| c.title.clone()).unwrap_or_default()
    }
}
