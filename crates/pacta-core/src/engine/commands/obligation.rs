//! Corporate events and payment obligations (the Omnibus Waiver's prepayment,
//! the note's purchase price).

use super::{find_rule, not_permitted};
use crate::agreement::{Obligation, Rule};
use crate::engine::event::{EventKind, ObligationStatus};
use crate::engine::txn::{Outcome, Rejection, Txn};
use crate::ledger::{Cause, LedgerAccount};
use crate::money::Money;

pub fn report(txn: &mut Txn<'_>, actor: &str, event: &str) -> Outcome {
    let Some(declared) = txn.state.agreement.event(event) else {
        return Err(Rejection::new("unknown_event", format!("no event `{event}` in this agreement")));
    };
    if declared.reported_by != actor {
        return Err(not_permitted(format!("`{event}` is reported by `{}`, not `{actor}`", declared.reported_by)));
    }
    if let Some(at) = txn.state.occurred.get(event) {
        return Err(Rejection::new("duplicate", format!("`{event}` already occurred on {}", txn.state.local_day(*at))));
    }
    txn.emit(EventKind::Occurred { event: event.into() });
    Ok(())
}

pub fn pay(txn: &mut Txn<'_>, actor: &str, name: &str, to: &str, amount: Money) -> Outcome {
    let Some((clause, obligation)) = find_rule(txn, |rule| match rule {
        Rule::Obligation(o) if o.name == name => Some(o.clone()),
        _ => None,
    }) else {
        return Err(Rejection::new("unknown_obligation", format!("no obligation `{name}` in this agreement")));
    };
    check_payment(txn, actor, &obligation, to, amount, &clause)?;
    let title = txn.state.clause_title(&clause);
    let because = format!("{} paid toward obligation `{name}`", txn.state.describe_identity(actor));
    let cause = Cause::new(&clause, &title, because);
    txn.post(LedgerAccount::outside(actor), LedgerAccount::outside(to), amount, cause)?;
    txn.emit(EventKind::ObligationPaid { name: name.into(), amount });
    let slot = &txn.state.obligations[name];
    if slot.paid == obligation.amount {
        let status = if slot.status == ObligationStatus::Late { ObligationStatus::MetLate } else { ObligationStatus::Met };
        txn.emit(EventKind::ObligationChanged { name: name.into(), status });
    }
    Ok(())
}

fn check_payment(txn: &Txn<'_>, actor: &str, obligation: &Obligation, to: &str, amount: Money, clause: &str) -> Outcome {
    if obligation.payer != actor {
        return Err(not_permitted(format!("obligation `{}` is paid by `{}`, not `{actor}`", obligation.name, obligation.payer)));
    }
    if !txn.state.resolve(&obligation.payee).iter().any(|p| p == to) {
        return Err(Rejection::new("wrong_payee", format!("`{to}` is not a payee of obligation `{}`", obligation.name)).in_clause(clause));
    }
    if amount.minor <= 0 {
        return Err(Rejection::new("invalid_amount", "a payment must be more than zero"));
    }
    let slot = &txn.state.obligations[&obligation.name];
    let after = slot.paid.checked_add(amount).ok_or_else(|| Rejection::new("overflow", "payment overflows"))?;
    if after > obligation.amount {
        let currency = txn.state.agreement.currency;
        let message = format!(
            "obligation `{}` is {}, {} already paid; {} would overpay it",
            obligation.name,
            obligation.amount.display(currency),
            slot.paid.display(currency),
            amount.display(currency)
        );
        return Err(Rejection::new("overpayment", message).in_clause(clause));
    }
    Ok(())
}
