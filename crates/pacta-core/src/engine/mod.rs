//! The agreement engine: `decide(state, command)` and `evolve(state, event)`.
//!
//! Layout:
//! - `command`, `event`: what comes in and what is recorded.
//! - `state`: the state of one agreement and `evolve`, the only code that changes it.
//! - `txn`: a command in progress on a scratch copy; `Rejection`.
//! - `commands/`: one file per command family; they check, then emit.
//! - `settle`: rules that follow from events (`when`, met deadlines, anchors).
//! - `actions`: what rules do (pay, refund, hold, notify, accrue, terminate, issue).
//! - `deadlines`: letting time pass; every deadline fires at its due instant.
//! - `conditions`, `parties`, `schedule`: reading the agreement against the state.
//! - `words`: each event as a sentence, for people.
//!
//! Invariants, asserted where they are kept: the ledger's balances sum to zero;
//! no custody account goes negative; a `when` rule fires at most once; a deadline
//! fires at most once and only if its condition was not met before it was due;
//! an account that has been paid out or refunded (closed) never pays again, so
//! release and refund exclude each other; time never goes backwards.

mod actions;
pub mod command;
mod commands;
mod conditions;
mod deadlines;
pub mod event;
mod parties;
mod schedule;
mod settle;
pub mod state;
mod txn;
pub mod words;

use std::sync::Arc;

use jiff::Timestamp;

pub use command::{Command, CommandKind};
pub use conditions::describe_condition;
pub use event::{DeadlinePurpose, Event, EventKind, ObligationStatus, RuleKey};
pub use parties::join_names;
pub use state::{evolve, start, DeadlineStatus, State};
pub use txn::Rejection;

use crate::agreement::{Agreement, PartyKind};
use crate::ledger::Posting;
use settle::Mode;
use txn::Txn;

/// What a command leads to. Deadlines that fell due before the command fire
/// whatever happens to the command itself, so they are kept apart from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Deadlines that fired before the command, each at its due instant.
    pub deadline_events: Vec<Event>,
    /// The command's own events, or why it was refused.
    pub outcome: Result<Vec<Event>, Rejection>,
}

impl Decision {
    /// Every event to journal, in order.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.deadline_events.iter().chain(self.outcome.iter().flatten())
    }
}

/// Starts an agreement instance. `keys` are the public keys of single parties.
pub fn open(id: &str, agreement: Agreement, source_sha256: [u8; 32], keys: Vec<(String, [u8; 32])>, at: Timestamp) -> Result<(State, Vec<Event>), Rejection> {
    if !is_instance_id(id) {
        return Err(Rejection::new("invalid_name", format!("agreement id `{id}` must be lowercase letters, digits, `_` or `-`")));
    }
    for (name, key) in &keys {
        match agreement.party(name).map(|p| &p.kind) {
            Some(PartyKind::Single { .. }) => {}
            _ => return Err(Rejection::new("unknown_party", format!("a key was given for `{name}`, which is not a single party"))),
        }
        if crate::consent::PublicKey::from_bytes(key).is_none() {
            return Err(Rejection::new("bad_key", format!("the public key for `{name}` is not a valid Ed25519 key")));
        }
    }
    let opened = Event { at, kind: EventKind::Opened { id: id.into(), agreement: Arc::new(agreement), source_sha256, keys } };
    let mut state = start(&opened);
    let mut txn = Txn::new(&mut state, at);
    txn.events.push(opened);
    // Opening is the first fact: deadlines anchored at the agreement's date are set now.
    txn.facts_changed = true;
    txn.settle(Mode::Strict)?;
    let events = txn.events;
    Ok((state, events))
}

fn is_instance_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Decides a command against a state, without changing it.
pub fn decide(state: &State, command: &Command) -> Decision {
    execute(&mut state.clone(), command)
}

/// Decides a command and applies what it decided: the deadlines that fired, and
/// the command's events if it was accepted.
pub fn execute(state: &mut State, command: &Command) -> Decision {
    if command.at < state.last_at {
        let message = format!("command at {} is earlier than the last event at {}; time cannot go backwards", command.at, state.last_at);
        return Decision { deadline_events: vec![], outcome: Err(Rejection::new("out_of_order", message)) };
    }
    // Time passing cannot be refused, so deadlines fire on the live state.
    let mut txn = Txn::new(state, command.at);
    txn.advance(command.at);
    let deadline_events = txn.events;
    let outcome = if runs_in_place(state, command) { apply_in_place(state, command) } else { apply_on_copy(state, command) };
    Decision { deadline_events, outcome }
}

/// Commands whose handlers check everything before their first event, and whose
/// events change nothing a rule reads: a deposit moves money, a new member can
/// only make an `each` condition harder to meet, a delivery or a signature that
/// does not complete its document or instrument leaves every condition as it was.
/// Nothing can refuse them once they start changing the state, so they run on the
/// live state: no copy, and no copy-on-write of the tree nodes a copy shares, which
/// is most of what a copy costs.
fn runs_in_place(state: &State, command: &Command) -> bool {
    match &command.kind {
        CommandKind::Deposit { .. } | CommandKind::Join { .. } | CommandKind::SendNotice { .. } | CommandKind::AcknowledgeNotice { .. } | CommandKind::Tick => {
            true
        }
        // Asked before the handler has refused a duplicate or a stranger; such a
        // command is refused before its first event, so either answer is safe.
        CommandKind::Deliver { document, .. } => !state.delivery_completes(document, &command.actor),
        CommandKind::Sign { instrument, .. } => !commands::would_execute(state, &command.actor, instrument),
        _ => false,
    }
}

fn apply_in_place(state: &mut State, command: &Command) -> Result<Vec<Event>, Rejection> {
    let mut txn = Txn::new(state, command.at);
    txn.in_place = true;
    let applied = commands::apply(&mut txn, command);
    if applied.is_err() {
        assert!(txn.events.is_empty(), "{} emitted events before rejecting, so it cannot run in place", command.kind.name());
    }
    applied?;
    // So settling has nothing to do, and nothing left can refuse the command.
    assert!(!txn.facts_changed, "{} changed what a rule reads, so it cannot run in place", command.kind.name());
    let events = txn.events;
    // The assertion trusts `txn::changes_facts`; in debug builds (every test run),
    // a full settling pass on a copy checks that it would indeed find nothing.
    #[cfg(debug_assertions)]
    {
        let mut probe = state.clone();
        let mut txn = Txn::new(&mut probe, command.at);
        txn.facts_changed = true;
        let settled = txn.settle(Mode::Strict);
        assert!(settled.is_ok() && txn.events.is_empty(), "{} ran in place, yet settling after it finds {:?}", command.kind.name(), txn.events);
    }
    Ok(events)
}

/// Everything else runs on an O(1) copy that is kept only if the command succeeds.
fn apply_on_copy(state: &mut State, command: &Command) -> Result<Vec<Event>, Rejection> {
    let mut scratch = state.clone();
    let mut txn = Txn::new(&mut scratch, command.at);
    commands::apply(&mut txn, command).and_then(|()| txn.settle(Mode::Strict))?;
    let events = txn.events;
    *state = scratch;
    Ok(events)
}

/// Rebuilds a state from its journal. Panics on a journal that does not start with `Opened`.
pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Option<State> {
    let mut events = events.into_iter();
    let mut state = start(events.next()?);
    for event in events {
        evolve(&mut state, event);
    }
    Some(state)
}

/// Every posting in a journal, in order. Postings live in the journal (each is a
/// `Posted` event); the state keeps only the balances they add up to.
pub fn postings<'a>(journal: impl IntoIterator<Item = &'a Event>) -> impl Iterator<Item = &'a Posting> {
    journal.into_iter().filter_map(|event| match &event.kind {
        EventKind::Posted(posting) => Some(posting),
        _ => None,
    })
}

/// Why posting `posting_id` of `journal` happened, in one line citing its clause.
/// `state` is the journal's state, for the currency.
pub fn why<'a>(state: &State, journal: impl IntoIterator<Item = &'a Event>, posting_id: u64) -> Option<String> {
    let posting = postings(journal).find(|p| p.id == posting_id)?;
    let currency = state.agreement.currency;
    Some(format!(
        "posting {}: {} {} from {} to {} — {}",
        posting.id,
        posting.amount.display(currency),
        currency.code,
        posting.debit.label(),
        posting.credit.label(),
        posting.cause.explain()
    ))
}

/// Rejects an agreement the engine cannot run even though it parsed (a guard for
/// agreements built by hand rather than by `pacta-lang`).
pub fn check_runnable(agreement: &Agreement) -> Result<(), Rejection> {
    crate::calendar::deadline(agreement.calendar, &agreement.time_zone, agreement.dated, crate::calendar::Period::calendar_days(0), agreement.cutoff)
        .map(|_| ())
        .map_err(|e| Rejection::new("calendar", e.to_string()))
}
