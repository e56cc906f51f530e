//! Warrants: issue (with the shares allocated among the holders) and exercise
//! (paying shares × exercise price, rounded once to the currency's minor unit).

use rust_decimal::{Decimal, RoundingStrategy};

use super::{find_rule, not_permitted};
use crate::agreement::{Restriction, Rule, Warrant};
use crate::calendar::{self, Period};
use crate::engine::conditions::describe_condition;
use crate::engine::event::EventKind;
use crate::engine::txn::{Outcome, Rejection, Txn};
use crate::ledger::{Cause, LedgerAccount};
use crate::money::{Currency, Money};

fn declared(txn: &Txn<'_>, name: &str) -> Result<(String, Warrant), Rejection> {
    find_rule(txn, |rule| match rule {
        Rule::Warrant(w) if w.name == name => Some(w.clone()),
        _ => None,
    })
    .ok_or_else(|| Rejection::new("unknown_warrant", format!("no warrant `{name}` in this agreement")))
}

pub fn issue(txn: &mut Txn<'_>, actor: &str, name: &str, allocation: &[(String, u64)]) -> Outcome {
    let (clause, warrant) = declared(txn, name)?;
    if warrant.issuer != actor {
        return Err(not_permitted(format!("warrant `{name}` is issued by `{}`, not `{actor}`", warrant.issuer)));
    }
    if txn.state.warrants[name].issued.is_some() {
        return Err(Rejection::new("already_issued", format!("warrant `{name}` is already issued")));
    }
    let allocation = allocate(txn, &warrant, allocation).map_err(|r| r.in_clause(&clause))?;
    let issued_on = calendar::local_date(&txn.state.agreement.time_zone, txn.at).map_err(|e| Rejection::new("calendar", e.to_string()))?;
    let years = jiff::Span::new().years(i64::from(warrant.term_years));
    let last_day = issued_on.checked_add(years).map_err(|e| Rejection::new("calendar", e.to_string()))?;
    let agreement = &txn.state.agreement;
    let term = calendar::deadline(agreement.calendar, &agreement.time_zone, last_day, Period::calendar_days(0), None)
        .map_err(|e| Rejection::new("calendar", e.to_string()))?;
    txn.emit(EventKind::WarrantIssued { name: name.into(), allocation, expires: term.due });
    Ok(())
}

/// A warrant to one holder takes all the shares; a warrant to a group must say who gets how many.
fn allocate(txn: &Txn<'_>, warrant: &Warrant, given: &[(String, u64)]) -> Result<Vec<(String, u64)>, Rejection> {
    // Resolve first: `to holder` may name a group, which must be allocated.
    let holders = txn.state.resolve(&warrant.holder);
    if let ([only], true) = (holders.as_slice(), given.is_empty()) {
        return Ok(vec![(only.clone(), warrant.shares)]);
    }
    if given.is_empty() {
        return Err(Rejection::new("allocation_required", format!("warrant `{}` goes to a group: say how many shares each holder gets", warrant.name)));
    }
    let mut total: u64 = 0;
    for (holder, shares) in given {
        if !holders.contains(holder) {
            return Err(Rejection::new("wrong_holder", format!("`{holder}` is not a holder of warrant `{}`", warrant.name)));
        }
        total = total.checked_add(*shares).ok_or_else(|| Rejection::new("overflow", "share counts overflow"))?;
    }
    if total != warrant.shares {
        let message = format!("the allocation gives {total} shares but warrant `{}` is for {}", warrant.name, warrant.shares);
        return Err(Rejection::new("allocation_mismatch", message));
    }
    Ok(given.to_vec())
}

pub fn exercise(txn: &mut Txn<'_>, actor: &str, name: &str, shares: u64) -> Outcome {
    let (clause, warrant) = declared(txn, name)?;
    check_restrictions(txn, actor)?;
    let state = &txn.state.warrants[name];
    let Some(expires) = state.expires else {
        return Err(Rejection::new("not_issued", format!("warrant `{name}` has not been issued")).in_clause(&clause));
    };
    if txn.at >= expires {
        return Err(Rejection::new("expired", format!("warrant `{name}` expired at {expires}")).in_clause(&clause));
    }
    let remaining = state.remaining.get(actor).copied().unwrap_or(0);
    if shares == 0 || shares > remaining {
        return Err(Rejection::new("invalid_shares", format!("`{actor}` may exercise 1 to {remaining} shares of `{name}`, not {shares}")));
    }
    let cost = exercise_cost(shares, warrant.exercise_price, txn.state.agreement.currency)?;
    let title = txn.state.clause_title(&clause);
    let because = format!("{} exercised {shares} shares at {} per share", txn.state.describe_identity(actor), warrant.exercise_price);
    let cause = Cause::new(&clause, &title, because);
    txn.post(LedgerAccount::outside(actor), LedgerAccount::outside(&warrant.issuer), cost, cause)?;
    txn.emit(EventKind::WarrantExercised { name: name.into(), holder: actor.into(), shares, cost });
    Ok(())
}

fn check_restrictions(txn: &Txn<'_>, actor: &str) -> Outcome {
    let blocked = find_rule(txn, |rule| match rule {
        Rule::MayNot { who, act: Restriction::ExerciseWarrants, before } if txn.state.is_in(who, actor) && !txn.state.holds(before) => {
            Some(describe_condition(before))
        }
        _ => None,
    });
    match blocked {
        Some((clause, before)) => Err(not_permitted(format!("`{actor}` may not exercise warrants before {before}")).in_clause(&clause)),
        None => Ok(()),
    }
}

/// The one rounding step for exercises: shares × price, half away from zero, to minor units.
pub fn exercise_cost(shares: u64, price: Decimal, currency: Currency) -> Result<Money, Rejection> {
    let overflow = || Rejection::new("overflow", "the exercise cost is too large");
    let exact = Decimal::from(shares).checked_mul(price).ok_or_else(overflow)?;
    let scaled = exact.checked_mul(Decimal::from(10i64.pow(currency.minor_digits))).ok_or_else(overflow)?;
    let minor = scaled.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    i64::try_from(minor).map(Money::from_minor).map_err(|_| overflow())
}
