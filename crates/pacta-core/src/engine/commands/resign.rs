//! The escrow agent resigns by notice (seed escrow §2.12); a successor is
//! appointed by signature (see `sign`), and custody passes with it.

use super::{find_rule, not_permitted};
use crate::agreement::Rule;
use crate::engine::event::EventKind;
use crate::engine::txn::{Outcome, Rejection, Txn};

pub fn resign(txn: &mut Txn<'_>, actor: &str) -> Outcome {
    let Some((clause, resignation)) = find_rule(txn, |rule| match rule {
        Rule::Resignation(r) if r.agent == actor => Some(r.clone()),
        _ => None,
    }) else {
        return Err(not_permitted(format!("no clause lets `{actor}` resign")));
    };
    if txn.state.resigned.is_some() {
        return Err(Rejection::new("duplicate", "the escrow agent has already resigned").in_clause(&clause));
    }
    txn.emit(EventKind::Resigned { agent: actor.into() });
    let to = txn.state.resolve_set(&resignation.notify);
    txn.emit(EventKind::Notified { clause, to, subject: "written notice of the escrow agent's resignation".into() });
    Ok(())
}
