//! Disputes, court orders and deposit with a court (seed escrow §2.9, §2.14).

use std::sync::Arc;

use super::{find_rule, not_permitted};
use crate::agreement::{HoldRelease, Rule, Trigger};
use crate::consent::Direction;
use crate::engine::actions::ActionContext;
use crate::engine::event::EventKind;
use crate::engine::txn::{Outcome, Rejection, Txn};
use crate::ledger::{Cause, HoldStatus, LedgerAccount};

pub fn dispute(txn: &mut Txn<'_>, actor: &str, reason: &str) -> Outcome {
    let agreement = Arc::clone(&txn.state.agreement);
    let rules: Vec<_> = agreement
        .clauses
        .iter()
        .flat_map(|c| c.rules.iter().map(move |r| (c, r)))
        .filter_map(|(c, r)| match r {
            Rule::On { trigger: Trigger::Dispute { by }, actions } if txn.state.is_in(by, actor) => Some((c, actions)),
            _ => None,
        })
        .collect();
    if rules.is_empty() {
        return Err(not_permitted(format!("no clause lets `{actor}` raise a dispute")));
    }
    if reason.trim().is_empty() {
        return Err(Rejection::new("invalid_reason", "a dispute needs a reason"));
    }
    let id = txn.state.next_id;
    txn.emit(EventKind::Disputed { id, by: actor.into(), reason: reason.into() });
    for (clause, actions) in rules {
        let because = format!("dispute raised by {}: {reason}", txn.state.describe_identity(actor));
        let mut context = ActionContext::new(clause, because, vec![]);
        context.dispute = Some(id);
        txn.run_actions(&context, actions)?;
    }
    Ok(())
}

pub fn court_order(
    txn: &mut Txn<'_>,
    actor: &str,
    court: &str,
    account: &str,
    order_sha256: &[u8; 32],
    is_final: bool,
    directions: &[Direction],
) -> Outcome {
    let Some((clause, ())) = find_rule(txn, |rule| match rule {
        Rule::CourtOrders { obeyed_by } if obeyed_by == actor => Some(()),
        _ => None,
    }) else {
        return Err(not_permitted(format!("no clause has `{actor}` obey court orders")));
    };
    if !is_final {
        let message = "only a final order, after the time for appeal has expired, directs the funds";
        return Err(Rejection::new("order_not_final", message).in_clause(&clause));
    }
    if txn.state.agreement.account(account).is_none() {
        return Err(Rejection::new("unknown_account", format!("no account `{account}` in this agreement")));
    }
    txn.emit(EventKind::CourtOrderObeyed { court: court.into(), order_sha256: *order_sha256 });
    lift_hold(txn, account, HoldStatus::Voided, |until| until.contains(&HoldRelease::CourtOrder))?;
    let clause_ref = txn.state.agreement.clauses.iter().find(|c| c.number == clause).cloned().expect("rule's clause exists");
    let because = format!("final order of {court} (sha256 {}…)", hex::encode(&order_sha256[..6]));
    let mut context = ActionContext::new(&clause_ref, because, vec![]);
    context.directed = true;
    txn.pay_out(&context, account, directions)?;
    txn.resolve_disputes(&format!("final order of {court}"));
    Ok(())
}

pub fn deposit_with_court(txn: &mut Txn<'_>, actor: &str, account: &str) -> Outcome {
    let Some((clause, court)) = find_rule(txn, |rule| match rule {
        Rule::CourtDeposit { by, account: a, court } if by == actor && a == account => Some(court.clone()),
        _ => None,
    }) else {
        return Err(not_permitted(format!("no clause lets `{actor}` deposit `{account}` with a court")));
    };
    if !txn.state.disputes.values().any(|d| d.resolved.is_none()) {
        return Err(Rejection::new("no_dispute", "funds go to a court only while a dispute is open").in_clause(&clause));
    }
    if let Some((closed_by, _)) = txn.state.closed_under(account) {
        return Err(Rejection::new("account_closed", format!("`{account}` was already paid out under §{closed_by}")));
    }
    lift_hold(txn, account, HoldStatus::Posted, |_| true)?;
    let title = txn.state.clause_title(&clause);
    let cause = Cause::new(&clause, &title, format!("deposited with {court} during a dispute"));
    let parts: Vec<_> = txn.state.ledger.custody_parts(account).collect();
    let to = LedgerAccount::Court { court: court.as_str().into() };
    for (from, amount) in parts {
        txn.post(from, to.clone(), amount, cause.clone())?;
    }
    txn.emit(EventKind::Closed { account: account.into(), clause });
    txn.resolve_disputes(&format!("funds deposited with {court}"));
    Ok(())
}

/// Ends the pending hold on `account`, if any, provided `allowed` accepts how the hold may be released.
fn lift_hold(txn: &mut Txn<'_>, account: &str, status: HoldStatus, allowed: impl Fn(&[HoldRelease]) -> bool) -> Outcome {
    let Some(hold) = txn.state.ledger.pending_hold(account).cloned() else { return Ok(()) };
    let until = txn.state.agreement.hold_rule(account).map(|(_, u)| u.to_vec()).unwrap_or_default();
    if !allowed(&until) {
        return Err(Rejection::new("held", format!("the hold on `{account}` is not released this way")).in_clause(&hold.clause));
    }
    txn.emit(EventKind::HoldSettled { id: hold.id, status });
    Ok(())
}

impl Txn<'_> {
    pub fn resolve_disputes(&mut self, how: &str) {
        let open: Vec<u64> = self.state.disputes.iter().filter(|(_, d)| d.resolved.is_none()).map(|(id, _)| *id).collect();
        for id in open {
            self.emit(EventKind::DisputeResolved { id, how: how.to_string() });
        }
        // Settlement counterparts gathered for a dispute that ended another way must
        // not count toward the next one: each signer consents to settle *that* dispute.
        let agreement = std::sync::Arc::clone(&self.state.agreement);
        let stale: Vec<String> = self.state.counterparts.keys().filter(|i| agreement.releases_hold(i)).cloned().collect();
        for instrument in stale {
            self.emit(EventKind::CounterpartsVoided { instrument, reason: format!("the dispute ended: {how}") });
        }
    }
}
