//! Which rules set deadlines, and setting them.

use jiff::civil::Date;

use super::event::{DeadlinePurpose, EventKind, RuleKey};
use super::state::DeadlineStatus;
use super::txn::{Rejection, Txn};
use crate::agreement::{Agreement, Anchor, Rule};
use crate::calendar::{self, Period};

/// A rule that runs against a deadline: which rule, how long, and from when.
/// Settling looks at every such rule on every round, so this borrows from the
/// agreement and writes the rule's `DeadlinePurpose` only when one is set.
pub struct DeadlineRule<'a> {
    clause: &'a str,
    index: usize,
    rule: &'a Rule,
    pub period: Period,
    pub anchor: &'a Anchor,
}

impl DeadlineRule<'_> {
    /// What a deadline set for this rule is for.
    pub fn purpose(&self) -> DeadlinePurpose {
        match self.rule {
            Rule::Obligation(o) => DeadlinePurpose::ObligationDue(o.name.clone()),
            Rule::Warrant(w) => DeadlinePurpose::WarrantIssue(w.name.clone()),
            Rule::Waiver { name, .. } => DeadlinePurpose::WaiverEnds(name.clone()),
            Rule::Unless { .. } => DeadlinePurpose::Unless(RuleKey { clause: self.clause.to_string(), index: self.index }),
            _ => unreachable!("deadline_rules yields only rules that set deadlines"),
        }
    }

    /// Whether `purpose` is this rule's, without writing this rule's purpose.
    pub fn is(&self, purpose: &DeadlinePurpose) -> bool {
        match (purpose, self.rule) {
            (DeadlinePurpose::Unless(key), Rule::Unless { .. }) => key.index == self.index && key.clause == self.clause,
            (DeadlinePurpose::ObligationDue(name), Rule::Obligation(o)) => *name == o.name,
            (DeadlinePurpose::WarrantIssue(name), Rule::Warrant(w)) => *name == w.name,
            (DeadlinePurpose::WaiverEnds(name), Rule::Waiver { name: own, .. }) => name == own,
            _ => false,
        }
    }
}

pub fn deadline_rules(agreement: &Agreement) -> impl Iterator<Item = DeadlineRule<'_>> {
    agreement.clauses.iter().flat_map(|clause| {
        clause.rules.iter().enumerate().filter_map(move |(index, rule)| {
            let (period, anchor) = match rule {
                Rule::Unless { period, anchor, .. } => (*period, anchor),
                Rule::Obligation(o) => (o.period, &o.anchor),
                Rule::Warrant(w) => (w.issue_period, &w.issue_anchor),
                Rule::Waiver { period, anchor, .. } => (*period, anchor),
                _ => return None,
            };
            Some(DeadlineRule { clause: &clause.number, index, rule, period, anchor })
        })
    })
}

impl Txn<'_> {
    pub fn is_scheduled(&self, rule: &DeadlineRule<'_>) -> bool {
        self.state.deadlines.values().any(|d| rule.is(&d.purpose) && !matches!(d.status, DeadlineStatus::Cancelled(_)))
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
            if self.state.terminated.is_some() || self.is_scheduled(&rule) {
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
                self.schedule(rule.purpose(), day, rule.period)?;
                progress = true;
            }
        }
        Ok(progress)
    }
}
