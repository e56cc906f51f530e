//! The abstract moves the search takes, and applying them with the real engine.
//!
//! A move is one thing a party might volunteer, done completely (every required
//! deliverer delivers, every required signer signs), or the passing of time to
//! the next deadline. Acts happen one second after the current instant, so the
//! search sees each act both before a deadline (taking the act first) and after
//! it (waiting first). A move the engine refuses is simply not an edge.

use std::collections::BTreeSet;

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use super::instance::{later, Instance};
use super::time;
use crate::agreement::{Condition, PartyRef, PartySet, Rule, SetMode};
use crate::consent::{demo_signing_key, ConsentScope, Terms};
use crate::engine::event::{EventKind, ObligationStatus};
use crate::engine::{self, Command, CommandKind, Decision, State};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Move {
    /// Everyone allowed deposits into an account, as planned in the instance.
    Deposit {
        plan: usize,
    },
    Deliver {
        document: String,
    },
    /// Every required signer signs a declared instrument as written.
    Sign {
        instrument: String,
    },
    Report {
        event: String,
    },
    /// The payer pays what is left of an obligation to its first payee.
    Pay {
        obligation: String,
    },
    /// Time passes to the next pending deadline.
    Wait,
}

/// A state reached by a move, with the move in words.
pub struct Applied {
    pub state: State,
    pub now: Timestamp,
    pub words: String,
}

/// The moves worth trying from a state: acts not yet done, and waiting if a deadline is pending.
pub fn candidates(instance: &Instance, state: &State, deposited: &BTreeSet<String>) -> Vec<Move> {
    let agreement = &state.agreement;
    let mut moves = Vec::new();
    for (plan, deposit) in instance.deposits.iter().enumerate() {
        if !deposited.contains(&deposit.account) {
            moves.push(Move::Deposit { plan });
        }
    }
    for document in &agreement.documents {
        if !state.holds(&Condition::Received(document.name.clone())) {
            moves.push(Move::Deliver { document: document.name.clone() });
        }
    }
    for instrument in &agreement.instruments {
        if !state.executed.contains_key(&instrument.name) && !agreement.releases_hold(&instrument.name) {
            moves.push(Move::Sign { instrument: instrument.name.clone() });
        }
    }
    for event in &agreement.events {
        if !state.occurred.contains_key(&event.name) {
            moves.push(Move::Report { event: event.name.clone() });
        }
    }
    for (name, slot) in &state.obligations {
        if matches!(slot.status, ObligationStatus::Open | ObligationStatus::Late) {
            moves.push(Move::Pay { obligation: name.clone() });
        }
    }
    if time::next_deadline(state).is_some() {
        moves.push(Move::Wait);
    }
    moves
}

/// Applies a move to a copy of `state`, or `None` if the engine refuses any part of it.
pub fn apply(instance: &Instance, state: &State, now: Timestamp, mv: &Move) -> Option<Applied> {
    let mut next = state.clone();
    if *mv == Move::Wait {
        let entry = time::next_deadline(state)?;
        let at = now.max(entry.deadline.due);
        let decision = time::tick(&mut next, at, &instance.clock_actor);
        let fired: Vec<String> = fired_deadlines(&next, &decision).iter().map(|e| time::describe(&next, e)).collect();
        let words = format!("time passes past {}", fired.join(" and "));
        return Some(Applied { state: next, now: at, words });
    }
    let (commands, words) = plan(instance, state, mv)?;
    if commands.is_empty() {
        return None;
    }
    let mut now = now;
    let mut met = Vec::new();
    for (actor, kind) in commands {
        now = later(now, 1)?;
        let kind = kind.sign(&next, &actor);
        let decision = engine::execute(&mut next, &Command { at: now, actor, kind });
        decision.outcome.as_ref().ok()?;
        met.extend(met_deadlines(&next, &decision));
    }
    let words = if met.is_empty() { words } else { format!("{words} before {}", met.join(" and ")) };
    Some(Applied { state: next, now, words })
}

/// A command still to be built: signatures are made against the state they are applied to.
enum Pending {
    Ready(CommandKind),
    Signature { instrument: String },
}

impl Pending {
    fn sign(self, state: &State, signer: &str) -> CommandKind {
        match self {
            Pending::Ready(kind) => kind,
            Pending::Signature { instrument } => {
                let terms = Terms::AsWritten;
                let scope = ConsentScope { agreement_id: &state.id, version: state.version, instrument: &instrument, signer, terms: &terms };
                let signature = scope.sign(&demo_signing_key(signer));
                CommandKind::Sign { instrument, terms, signature, check: None }
            }
        }
    }
}

/// The commands a move consists of (actor and command), and the move in words.
fn plan(instance: &Instance, state: &State, mv: &Move) -> Option<(Vec<(String, Pending)>, String)> {
    let agreement = &state.agreement;
    match mv {
        Move::Deposit { plan } => {
            let deposit = instance.deposits.get(*plan)?;
            let commands = deposit
                .each
                .iter()
                .map(|(who, amount)| (who.clone(), Pending::Ready(CommandKind::Deposit { account: deposit.account.clone(), amount: *amount })))
                .collect();
            Some((commands, deposit.words.clone()))
        }
        Move::Deliver { document } => {
            let declared = agreement.document(document)?;
            let done = state.deliveries.get(document);
            let actors: Vec<String> =
                required(state, &declared.delivered_by).into_iter().filter(|who| !done.is_some_and(|d| d.by.contains_key(who.as_str()))).collect();
            let sha256: [u8; 32] = Sha256::digest(format!("pacta check: {document}")).into();
            let words = act_words(&declared.delivered_by, &actors, "deliver", document);
            let commands = actors.into_iter().map(|who| (who, Pending::Ready(CommandKind::Deliver { document: document.clone(), sha256 }))).collect();
            Some((commands, words))
        }
        Move::Sign { instrument } => {
            let declared = agreement.instrument(instrument)?;
            let done = state.counterparts.get(instrument);
            let actors: Vec<String> =
                required(state, &declared.signed_by).into_iter().filter(|who| !done.is_some_and(|c| c.signatures.contains_key(who.as_str()))).collect();
            let words = act_words(&declared.signed_by, &actors, "sign", instrument);
            let commands = actors.into_iter().map(|who| (who, Pending::Signature { instrument: instrument.clone() })).collect();
            Some((commands, words))
        }
        Move::Report { event } => {
            let declared = agreement.event(event)?;
            let kind = CommandKind::Report { event: event.clone() };
            Some((vec![(declared.reported_by.clone(), Pending::Ready(kind))], format!("{} reports {event}", declared.reported_by)))
        }
        Move::Pay { obligation } => {
            let declared = agreement.rules().find_map(|(_, rule)| match rule {
                Rule::Obligation(o) if &o.name == obligation => Some(o),
                _ => None,
            })?;
            let paid = state.obligations.get(obligation)?.paid;
            let amount = declared.amount.checked_sub(paid)?;
            let to = state.resolve(&declared.payee).into_iter().next()?;
            let words = format!("{} pays `{obligation}` ({}) to {to}", declared.payer, amount.display(agreement.currency));
            let kind = CommandKind::PayObligation { obligation: obligation.clone(), to, amount };
            Some((vec![(declared.payer.clone(), Pending::Ready(kind))], words))
        }
        Move::Wait => None,
    }
}

/// Who must act for a set to be satisfied: everyone for `and`, the first for `or`.
fn required(state: &State, set: &PartySet) -> Vec<String> {
    let everyone = state.resolve_set(set);
    match set.mode {
        SetMode::AllOf => everyone,
        SetMode::AnyOf => everyone.into_iter().take(1).collect(),
    }
}

/// `company and each purchaser deliver signature_pages`; for `or`, the one who acted.
fn act_words(set: &PartySet, actors: &[String], verb: &str, object: &str) -> String {
    let (who, plural) = match set.mode {
        SetMode::AllOf => (describe_set(set), set.members.len() > 1),
        SetMode::AnyOf => (engine::join_names(actors), actors.len() > 1),
    };
    let verb = if plural { verb.to_string() } else { format!("{verb}s") };
    format!("{who} {verb} {object}")
}

/// `company and each purchaser`, `nir or company`.
pub fn describe_set(set: &PartySet) -> String {
    let names: Vec<String> = set
        .members
        .iter()
        .map(|r| match r {
            PartyRef::One(name) => name.clone(),
            PartyRef::Each(role) => format!("each {role}"),
            PartyRef::Any => "any party".to_string(),
        })
        .collect();
    match set.mode {
        SetMode::AllOf => engine::join_names(&names),
        SetMode::AnyOf => names.join(" or "),
    }
}

/// `purchasers` and whether the verb is plural, for deposits.
pub fn depositor_words(set: &PartySet) -> (String, bool) {
    let names: Vec<String> = set
        .members
        .iter()
        .map(|r| match r {
            PartyRef::One(name) => name.clone(),
            PartyRef::Each(role) => format!("{role}s"),
            PartyRef::Any => "parties".to_string(),
        })
        .collect();
    let plural = set.members.len() > 1 || set.members.iter().any(|r| !matches!(r, PartyRef::One(_)));
    let joined = match set.mode {
        SetMode::AllOf => engine::join_names(&names),
        SetMode::AnyOf => names.join(" or "),
    };
    (joined, plural)
}

/// The deadlines a move met, by label (`§1.7's deadline`).
fn met_deadlines(state: &State, decision: &Decision) -> Vec<String> {
    decision
        .events()
        .filter_map(|e| match e.kind {
            EventKind::DeadlineMet { id } => state.deadlines.get(&id).map(|entry| time::label(state, entry)),
            _ => None,
        })
        .collect()
}

/// The deadlines a tick fired, leaving out accrual periods stepped over on the way.
fn fired_deadlines<'a>(state: &'a State, decision: &Decision) -> Vec<&'a crate::engine::state::DeadlineEntry> {
    decision
        .events()
        .filter_map(|e| match e.kind {
            EventKind::DeadlineFired { id } => state.deadlines.get(&id).map(|d| &**d),
            _ => None,
        })
        .filter(|entry| !matches!(entry.purpose, crate::engine::event::DeadlinePurpose::AccrualPeriod { .. }))
        .collect()
}
