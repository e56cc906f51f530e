//! A command in progress: a scratch copy of the state plus the events emitted so far.
//!
//! Every event is applied to the scratch state the moment it is emitted, so rules
//! triggered later in the same command see its effects. If anything rejects the
//! command, the scratch copy is simply dropped: nothing partial can leak.

use std::fmt;

use jiff::Timestamp;

use super::event::{Event, EventKind};
use super::state::{evolve, State};

/// Why a command was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Stable, machine-readable: `not_permitted`, `insufficient_funds`, `bad_signature`, …
    pub code: &'static str,
    pub message: String,
    /// The clause at fault or that forbids the command, when there is one.
    pub clause: Option<String>,
}

impl Rejection {
    pub fn new(code: &'static str, message: impl Into<String>) -> Rejection {
        Rejection { code, message: message.into(), clause: None }
    }

    pub fn in_clause(mut self, clause: &str) -> Rejection {
        self.clause = Some(clause.to_string());
        self
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.clause {
            Some(clause) => write!(f, "{} (§{clause}): {}", self.code, self.message),
            None => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

impl std::error::Error for Rejection {}

pub type Outcome = Result<(), Rejection>;

pub struct Txn<'s> {
    /// The state being changed: a scratch copy, or the live state when the
    /// command cannot fail after its first event (see `engine::runs_in_place`).
    pub state: &'s mut State,
    pub events: Vec<Event>,
    /// The instant stamped on emitted events.
    pub at: Timestamp,
    /// Whether an event since the last settling could change what a rule sees.
    pub facts_changed: bool,
    /// The command was found unable to change what a rule reads, so it runs on the
    /// live state (`engine::runs_in_place`); a handler may skip asking again.
    pub in_place: bool,
}

impl<'s> Txn<'s> {
    pub fn new(state: &'s mut State, at: Timestamp) -> Txn<'s> {
        Txn { state, events: Vec::new(), at, facts_changed: false, in_place: false }
    }

    pub fn emit(&mut self, kind: EventKind) {
        let event = Event { at: self.at, kind };
        evolve(self.state, &event);
        self.facts_changed |= changes_facts(self.state, &event.kind);
        self.events.push(event);
    }

    /// Runs `step`; if it fails, undoes everything it emitted and returns the error.
    pub fn attempt(&mut self, step: impl FnOnce(&mut Txn<'s>) -> Outcome) -> Outcome {
        let saved_state = self.state.clone();
        let saved_len = self.events.len();
        let result = step(self);
        if result.is_err() {
            *self.state = saved_state;
            self.events.truncate(saved_len);
        }
        result
    }
}

/// Whether an event, just applied to `state`, can have changed a condition, a
/// deadline's status, an anchor, a hold or a membership: anything `settle` reads.
/// The events listed only record money moving or words exchanged; every other
/// event counts as a change, so a new kind of event is re-checked until someone
/// decides otherwise.
fn changes_facts(state: &State, kind: &EventKind) -> bool {
    if let EventKind::Delivered { document, .. } = kind {
        // Deliveries only add, so a document still incomplete was incomplete before:
        // only the delivery that completes it changes a condition. Most copies of a
        // document signed by each member are not the last.
        return state.received_since(document).is_some();
    }
    !matches!(
        kind,
        EventKind::Posted(_)
            | EventKind::Signed { .. }
            | EventKind::Notified { .. }
            | EventKind::NoticeSent { .. }
            | EventKind::NoticeGiven { .. }
            | EventKind::ArbitrationReferred { .. }
            | EventKind::CourtOrderObeyed { .. }
            | EventKind::Accrued { .. }
            // A new member can only make an `each` condition harder to meet, and
            // settling only acts on conditions that have become true.
            | EventKind::Joined { .. }
            // A deadline that fires leaves the pending ones, which are all settling
            // marks as met, and stays scheduled, so it can start nothing new there;
            // its actions' own events say for themselves whether they change facts.
            | EventKind::DeadlineFired { .. }
            // No condition, anchor or hold reads whether an account is closed.
            | EventKind::Closed { .. }
    )
}
