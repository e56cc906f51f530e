//! A depositor pays into a custody account, as a clause permits.

use super::{find_rule, not_permitted};
use crate::agreement::{Permission, Rule};
use crate::engine::txn::{Outcome, Rejection, Txn};
use crate::ledger::{Cause, LedgerAccount};
use crate::money::Money;

pub fn deposit(txn: &mut Txn<'_>, actor: &str, account: &str, amount: Money) -> Outcome {
    let Some(limit) = txn.state.agreement.account(account).map(|a| a.limit) else {
        return Err(Rejection::new("unknown_account", format!("no account `{account}` in this agreement")));
    };
    let permitted = find_rule(txn, |rule| match rule {
        Rule::May { who, act: Permission::Deposit { account: a } } if a == account && txn.state.is_in(who, actor) => Some(()),
        _ => None,
    });
    let Some((clause, ())) = permitted else {
        return Err(not_permitted(format!("no clause lets `{actor}` deposit into `{account}`")));
    };
    if amount.minor <= 0 {
        return Err(Rejection::new("invalid_amount", "a deposit must be more than zero").in_clause(&clause));
    }
    txn.check_movable_for_deposit(account)?;
    let after = txn.state.ledger.custody_total(account).checked_add(amount).ok_or_else(|| Rejection::new("overflow", "the deposit overflows the account"))?;
    if let Some(limit) = limit {
        if after > limit {
            let currency = txn.state.agreement.currency;
            let message = format!("`{account}` may hold at most {}; this deposit would bring it to {}", limit.display(currency), after.display(currency));
            return Err(Rejection::new("limit_exceeded", message).in_clause(&clause));
        }
    }
    let title = txn.state.clause_title(&clause);
    let who = txn.state.describe_identity(actor);
    let cause = Cause::new(&clause, &title, format!("deposit by {who}"));
    // The depositor's name is the one the state already holds, so the two new balances share it.
    let depositor = txn.state.name(actor);
    let custody = LedgerAccount::Custody { account: txn.state.ledger.custody_name(account), depositor: Some(depositor.clone()) };
    txn.post(LedgerAccount::Outside { party: depositor }, custody, amount, cause)
}

impl Txn<'_> {
    /// A closed account takes no more money: nothing in the agreement could ever move it out.
    fn check_movable_for_deposit(&self, account: &str) -> Outcome {
        match self.state.closed_under(account) {
            Some((clause, at)) => {
                let message = format!("`{account}` was paid out under §{clause} on {}; it takes no more deposits", self.state.local_day(*at));
                Err(Rejection::new("account_closed", message).in_clause(clause))
            }
            None => Ok(()),
        }
    }
}
