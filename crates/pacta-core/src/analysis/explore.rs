//! The bounded breadth-first search over distinct states.
//!
//! Breadth first, so the first path that reaches a state is a shortest one.
//! States are told apart by a fingerprint of what decides the future (what was
//! delivered, signed, reported and paid, deadlines, balances, closed accounts),
//! not by the instant: every pending deadline lies after the current instant, so
//! two states with the same fingerprint have the same moves ahead of them.

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::fmt::Write;

use jiff::Timestamp;

use super::instance::Instance;
use super::moves::{self, Move};
use super::time;
use crate::agreement::Condition;
use crate::engine::event::DeadlinePurpose;
use crate::engine::{DeadlineStatus, State};
use crate::ledger::LedgerAccount;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Moves along one path.
    pub max_depth: usize,
    /// Distinct states kept.
    pub max_states: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_depth: 12, max_states: 10_000 }
    }
}

/// One reachable state and the shortest path to it.
pub struct Node {
    pub state: State,
    pub now: Timestamp,
    /// Accounts whose planned deposits were made on this path (each is made once).
    pub deposited: BTreeSet<String>,
    pub path: Vec<String>,
}

/// A visited state, with what it becomes if nobody acts again.
pub struct Visit<'a> {
    pub node: &'a Node,
    pub idle: &'a State,
}

pub struct Search {
    pub states: usize,
    pub truncated: bool,
    pub why_truncated: String,
}

pub fn explore(instance: &Instance, limits: Limits, mut visit: impl FnMut(&Visit<'_>)) -> Search {
    let root = Node { state: instance.state.clone(), now: instance.now, deposited: BTreeSet::new(), path: Vec::new() };
    let mut seen = HashSet::from([fingerprint(&root)]);
    let mut queue = VecDeque::from([root]);
    let mut search = Search { states: 0, truncated: false, why_truncated: String::new() };
    let mut unsettled = 0usize;
    while let Some(node) = queue.pop_front() {
        search.states += 1;
        let (idle, settled) = time::let_time_pass(&node.state, node.now, &instance.clock_actor);
        if !settled {
            unsettled += 1;
        }
        visit(&Visit { node: &node, idle: &idle });
        for mv in moves::candidates(instance, &node.state, &node.deposited) {
            let Some(applied) = moves::apply(instance, &node.state, node.now, &mv) else { continue };
            let mut deposited = node.deposited.clone();
            if let Move::Deposit { plan } = mv {
                deposited.insert(instance.deposits[plan].account.clone());
            }
            let mut path = node.path.clone();
            path.push(applied.words);
            let child = Node { state: applied.state, now: applied.now, deposited, path };
            let print = fingerprint(&child);
            if seen.contains(&print) {
                continue;
            }
            if node.path.len() >= limits.max_depth {
                search.truncate(format!("the search stopped at {} moves along a path; longer paths were not explored", limits.max_depth));
                continue;
            }
            if seen.len() >= limits.max_states {
                search.truncate(format!("the search stopped at {} distinct states; the rest were not explored", limits.max_states));
                continue;
            }
            seen.insert(print);
            queue.push_back(child);
        }
    }
    if unsettled > 0 {
        search.truncate(format!("in {unsettled} states deadlines kept setting new deadlines; time was let pass for a bounded number of them"));
    }
    search
}

impl Search {
    fn truncate(&mut self, why: String) {
        if !self.truncated {
            self.truncated = true;
            self.why_truncated = why;
        }
    }
}

/// What decides a state's future, as text. Accrual progress is left out: it
/// never moves custody money, and counting it would make an uncapped accrual an
/// endless supply of "new" states.
fn fingerprint(node: &Node) -> String {
    let state = &node.state;
    let agreement = &state.agreement;
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write!(out, "v{};", state.version);
    for document in &agreement.documents {
        if state.holds(&Condition::Received(document.name.clone())) {
            let _ = write!(out, "received {};", document.name);
        }
    }
    for (document, deliveries) in &state.deliveries {
        let _ = write!(out, "delivered {document} by {:?};", deliveries.by.keys().collect::<Vec<_>>());
    }
    for (instrument, gathered) in &state.counterparts {
        let _ = write!(out, "signing {instrument} by {:?};", gathered.signatures.keys().collect::<Vec<_>>());
    }
    for instrument in state.executed.keys() {
        let _ = write!(out, "executed {instrument};");
    }
    for event in state.occurred.keys() {
        let _ = write!(out, "occurred {event};");
    }
    for (name, slot) in &state.obligations {
        let _ = write!(out, "obligation {name} {} {};", slot.status.name(), slot.paid.minor);
    }
    for entry in state.deadlines.values() {
        if matches!(entry.purpose, DeadlinePurpose::AccrualPeriod { .. }) {
            continue;
        }
        let status = match entry.status {
            DeadlineStatus::Pending => "pending",
            DeadlineStatus::Met(_) => "met",
            DeadlineStatus::Fired => "fired",
            DeadlineStatus::Cancelled(_) => "cancelled",
        };
        let _ = write!(out, "deadline {:?} due {} {status};", entry.purpose, entry.deadline.due);
    }
    for rule in state.fired_rules.keys() {
        let _ = write!(out, "fired {}#{};", rule.clause, rule.index);
    }
    for (account, balance) in state.ledger.balances() {
        if let LedgerAccount::Custody { .. } = account {
            let _ = write!(out, "custody {} {};", account.label(), balance.minor);
        }
    }
    for hold in state.ledger.holds() {
        let _ = write!(out, "hold {} {:?};", hold.account, hold.status);
    }
    for account in state.closed.keys() {
        let _ = write!(out, "closed {account};");
    }
    for account in &node.deposited {
        let _ = write!(out, "deposited {account};");
    }
    for (name, waiver) in &state.waivers {
        let _ = write!(out, "waiver {name} {};", waiver.ended.is_some());
    }
    for (name, warrant) in &state.warrants {
        let _ = write!(out, "warrant {name} {};", warrant.issued.is_some());
    }
    for (name, note) in &state.notes {
        let _ = write!(out, "note {name} {};", note.issued.is_some());
    }
    let _ = write!(out, "terminated {};", state.terminated.is_some());
    out
}
