//! Letting only time pass. Deadlines fire one due instant at a time, exactly as
//! the engine fires them for a `Tick`.
//!
//! Accrual periods are stepped over rather than aimed at: they only grow damages
//! owed outside the agreement's accounts, never move custody money or make a
//! condition true, and an uncapped accrual would otherwise never run out of
//! deadlines. They still fire, as the engine fires them, on the way to the next
//! deadline that matters.

use jiff::Timestamp;

use crate::agreement::Rule;
use crate::engine::event::DeadlinePurpose;
use crate::engine::state::DeadlineEntry;
use crate::engine::{self, describe_condition, Command, CommandKind, DeadlineStatus, Decision, State};

/// More deadlines than any agreement sets one after another; reaching it means
/// deadlines keep scheduling deadlines, and the check stops there.
const MAX_DEADLINES: usize = 64;

/// The earliest pending deadline that can change more than an accrual.
pub fn next_deadline(state: &State) -> Option<&DeadlineEntry> {
    state
        .deadlines
        .values()
        .filter(|d| d.status == DeadlineStatus::Pending && !matches!(d.purpose, DeadlinePurpose::AccrualPeriod { .. }))
        .min_by_key(|d| (d.deadline.due, d.id))
        .map(|d| &**d)
}

/// A `Tick` at `at`: every deadline due by then fires. A tick is never refused.
pub fn tick(state: &mut State, at: Timestamp, actor: &str) -> Decision {
    let command = Command { at, actor: actor.to_string(), kind: CommandKind::Tick };
    engine::execute(state, &command)
}

/// The state after nobody acts again: every pending deadline fires, in order.
/// The flag is false if the bound stopped it first.
pub fn let_time_pass(state: &State, now: Timestamp, actor: &str) -> (State, bool) {
    let mut idle = state.clone();
    let mut now = now;
    for _ in 0..MAX_DEADLINES {
        let Some(due) = next_deadline(&idle).map(|d| d.deadline.due) else {
            return (idle, true);
        };
        now = now.max(due);
        tick(&mut idle, now, actor);
    }
    let finished = next_deadline(&idle).is_none();
    (idle, finished)
}

/// `§1.7's deadline (end of 2005-09-02)`, for paths.
pub fn describe(state: &State, entry: &DeadlineEntry) -> String {
    let what = label(state, entry);
    let deadline = &entry.deadline;
    match deadline.cutoff {
        Some(cutoff) => format!("{what} ({cutoff} on {})", deadline.last_day),
        None => format!("{what} (end of {})", deadline.last_day),
    }
}

/// `§1.7's deadline`; when a clause sets several, which one (`§1.7's deadline for signed release_notice`).
pub fn label(state: &State, entry: &DeadlineEntry) -> String {
    match &entry.purpose {
        DeadlinePurpose::Unless(key) => {
            let in_clause = state.agreement.clauses.iter().find(|c| c.number == key.clause);
            let several = in_clause.is_some_and(|c| c.rules.iter().filter(|r| matches!(r, Rule::Unless { .. })).count() > 1);
            match state.rule(key) {
                Some(Rule::Unless { condition, .. }) if several => format!("§{}'s deadline for {}", key.clause, describe_condition(condition)),
                _ => format!("§{}'s deadline", key.clause),
            }
        }
        DeadlinePurpose::ObligationDue(name) => format!("the due date of obligation `{name}`"),
        DeadlinePurpose::WarrantIssue(name) => format!("the issue deadline of warrant `{name}`"),
        DeadlinePurpose::WaiverEnds(name) => format!("the end of waiver `{name}`"),
        DeadlinePurpose::AccrualPeriod { rule, period } => format!("period {period} of §{}'s accrual", rule.clause),
    }
}
