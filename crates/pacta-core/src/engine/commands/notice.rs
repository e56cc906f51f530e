//! Notices between parties, given when the agreement deems them given:
//! on delivery or transmission at once, by mail only on receipt (note §7.2).

use crate::agreement::{NoticeGiven, Rule};
use crate::engine::event::EventKind;
use crate::engine::txn::{Outcome, Rejection, Txn};

pub fn send(txn: &mut Txn<'_>, actor: &str, to: &str, method: &str, subject: &str) -> Outcome {
    if !txn.state.knows(to) {
        return Err(Rejection::new("unknown_party", format!("`{to}` is not a party to this agreement")));
    }
    let methods: Vec<(String, NoticeGiven)> = txn
        .state
        .agreement
        .rules()
        .filter_map(|(_, r)| match r {
            Rule::Notice { method, given } => Some((method.clone(), *given)),
            _ => None,
        })
        .collect();
    // Where the agreement says nothing about method, a notice counts when delivered.
    let given = if methods.is_empty() {
        NoticeGiven::WhenDelivered
    } else {
        match methods.iter().find(|(m, _)| m == method) {
            Some((_, g)) => *g,
            None => {
                let allowed: Vec<&str> = methods.iter().map(|(m, _)| m.as_str()).collect();
                return Err(Rejection::new("method_not_allowed", format!("notice by `{method}` is not provided for; allowed: {}", allowed.join(", "))));
            }
        }
    };
    let given_at = match given {
        NoticeGiven::WhenDelivered | NoticeGiven::WhenTransmitted => Some(txn.at),
        NoticeGiven::OnReceipt => None,
    };
    let id = txn.state.next_id;
    txn.emit(EventKind::NoticeSent { id, from: actor.into(), to: to.into(), method: method.into(), subject: subject.into(), given: given_at });
    Ok(())
}

pub fn acknowledge(txn: &mut Txn<'_>, actor: &str, id: u64) -> Outcome {
    let Some(notice) = txn.state.notices.get(&id) else {
        return Err(Rejection::new("unknown_notice", format!("no notice {id}")));
    };
    if notice.to != actor {
        return Err(Rejection::new("not_permitted", format!("only `{}` can acknowledge receipt of notice {id}", notice.to)));
    }
    if notice.given.is_some() {
        return Err(Rejection::new("duplicate", format!("notice {id} was already given")));
    }
    txn.emit(EventKind::NoticeGiven { id });
    Ok(())
}
