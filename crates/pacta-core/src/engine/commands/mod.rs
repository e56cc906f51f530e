//! One file per command family. Each handler checks everything first and
//! emits events only once the command is known to be allowed; anything it
//! triggers (rules, payments) runs in `settle` afterwards.

mod deliver;
mod deposit;
mod dispute;
mod join;
mod notice;
mod obligation;
mod resign;
mod sign;
mod warrant;

pub use sign::would_execute;

use super::command::{Command, CommandKind};
use super::txn::{Outcome, Rejection, Txn};
use crate::agreement::Rule;

pub fn apply(txn: &mut Txn<'_>, command: &Command) -> Outcome {
    if let Some((at, clause, reason)) = &txn.state.terminated {
        if command.kind != CommandKind::Tick {
            let message = format!("the agreement terminated under §{clause} on {}: {reason}", txn.state.local_day(*at));
            return Err(Rejection::new("terminated", message).in_clause(clause));
        }
    }
    if command.kind != CommandKind::Tick && !txn.state.knows(command.actor.as_str()) {
        return Err(Rejection::new("unknown_party", format!("`{}` is not a party to this agreement", command.actor)));
    }
    let actor = command.actor.as_str();
    match &command.kind {
        CommandKind::Tick => Ok(()),
        CommandKind::Join { role, member, legal_name, public_key } => join::join(txn, actor, role, member, legal_name, public_key),
        CommandKind::Deposit { account, amount } => deposit::deposit(txn, actor, account, *amount),
        CommandKind::Deliver { document, sha256 } => deliver::deliver(txn, actor, document, sha256),
        CommandKind::Sign { instrument, terms, signature, check } => sign::sign(txn, actor, instrument, terms, signature, check.as_deref()),
        CommandKind::Dispute { reason } => dispute::dispute(txn, actor, reason),
        CommandKind::CourtOrder { court, account, order_sha256, is_final, directions } => {
            dispute::court_order(txn, actor, court, account, order_sha256, *is_final, directions)
        }
        CommandKind::DepositWithCourt { account } => dispute::deposit_with_court(txn, actor, account),
        CommandKind::Resign => resign::resign(txn, actor),
        CommandKind::Report { event } => obligation::report(txn, actor, event),
        CommandKind::PayObligation { obligation, to, amount } => obligation::pay(txn, actor, obligation, to, *amount),
        CommandKind::IssueWarrant { warrant, allocation } => warrant::issue(txn, actor, warrant, allocation),
        CommandKind::ExerciseWarrant { warrant, shares } => warrant::exercise(txn, actor, warrant, *shares),
        CommandKind::SendNotice { to, method, subject } => notice::send(txn, actor, to, method, subject),
        CommandKind::AcknowledgeNotice { notice } => notice::acknowledge(txn, actor, *notice),
    }
}

/// The first rule (with its clause number) that `pick` accepts.
fn find_rule<T>(txn: &Txn<'_>, pick: impl Fn(&Rule) -> Option<T>) -> Option<(String, T)> {
    txn.state.agreement.rules().find_map(|(clause, rule)| pick(rule).map(|t| (clause.number.clone(), t)))
}

fn not_permitted(message: String) -> Rejection {
    Rejection::new("not_permitted", message)
}
