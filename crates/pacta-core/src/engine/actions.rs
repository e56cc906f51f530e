//! What rules do. Every action either completes or returns a rejection, and the
//! caller decides whether that rejects a command or is recorded as blocked.

use jiff::civil::Date;

use super::event::{DeadlinePurpose, EventKind, RuleKey};
use super::state::DeadlineStatus;
use super::txn::{Outcome, Rejection, Txn};
use crate::agreement::{Action, Clause, HoldRelease, PartyRef, PayAmount, PayLeg};
use crate::calendar::Period;
use crate::consent::Direction;
use crate::ledger::{Cause, LedgerAccount, Posting};
use crate::money::Money;

/// Where an action comes from: its clause and the facts behind it.
#[derive(Debug, Clone)]
pub struct ActionContext {
    pub clause: String,
    pub clause_title: String,
    pub because: String,
    pub authority: Vec<String>,
    /// The rule running, when it is one (accruals are keyed by it).
    pub rule: Option<RuleKey>,
    /// The day periods count from: the last day of the deadline that fired.
    pub anchor_day: Option<Date>,
    /// The dispute being handled, for `on dispute` rules.
    pub dispute: Option<u64>,
}

impl ActionContext {
    pub fn new(clause: &Clause, because: String, authority: Vec<String>) -> ActionContext {
        ActionContext {
            clause: clause.number.clone(),
            clause_title: clause.title.clone(),
            because,
            authority,
            rule: None,
            anchor_day: None,
            dispute: None,
        }
    }

    pub fn cause(&self) -> Cause {
        Cause { clause: self.clause.clone(), clause_title: self.clause_title.clone(), because: self.because.clone(), authority: self.authority.clone() }
    }
}

impl Txn {
    pub fn run_actions(&mut self, context: &ActionContext, actions: &[Action]) -> Outcome {
        for action in actions {
            self.run_action(context, action)?;
        }
        Ok(())
    }

    fn run_action(&mut self, context: &ActionContext, action: &Action) -> Outcome {
        match action {
            Action::Pay { from, legs } => self.pay(context, from, legs),
            Action::Refund { account } => self.refund(context, account),
            Action::Notify { to, subject } => {
                let to = self.state.resolve_set(to);
                self.emit(EventKind::Notified { clause: context.clause.clone(), to, subject: subject.clone() });
                Ok(())
            }
            Action::Hold { account, until } => self.hold(context, account, until),
            Action::Terminate { reason } => {
                self.terminate(context, reason);
                Ok(())
            }
            Action::Accrue { amount, every, owed_by, owed_to, cap, .. } => self.start_accrual(context, *amount, *every, owed_by, owed_to, *cap),
            Action::Issue { instrument } => self.issue_by_rule(context, instrument),
            Action::Arbitrate { forum } => {
                let dispute = context.dispute.ok_or_else(|| Rejection::new("no_dispute", "arbitration needs a dispute"))?;
                self.emit(EventKind::ArbitrationReferred { dispute, clause: context.clause.clone(), forum: forum.clone() });
                Ok(())
            }
        }
    }

    /// Refuses any debit of a held or closed account, saying why.
    pub fn check_movable(&self, account: &str) -> Outcome {
        if let Some(hold) = self.state.ledger.pending_hold(account) {
            let since = self.state.local_day(hold.placed_at);
            let message = format!("`{account}` is held under §{} since {since}: a dispute is open", hold.clause);
            return Err(Rejection::new("held", message).in_clause(&hold.clause));
        }
        if let Some((clause, at)) = self.state.closed.get(account) {
            let title = self.state.clause_title(clause);
            let message = format!("`{account}` was already paid out under §{clause} {title} on {}: nothing is left in it", self.state.local_day(*at));
            return Err(Rejection::new("account_closed", message).in_clause(clause));
        }
        Ok(())
    }

    pub fn post(&mut self, debit: LedgerAccount, credit: LedgerAccount, amount: Money, cause: Cause) -> Outcome {
        if amount.is_zero() {
            return Ok(());
        }
        let posting = Posting { id: self.state.ledger.next_posting_id(), at: self.at, debit, credit, amount, cause };
        self.state.ledger.check(&posting).map_err(|e| Rejection::new("ledger", format!("{e:?}")))?;
        self.emit(EventKind::Posted(posting));
        Ok(())
    }

    /// Moves every depositor's share of `account` into its pool, so the pool can pay out.
    fn pool(&mut self, account: &str, cause: &Cause) -> Outcome {
        let parts: Vec<(String, Money)> =
            self.state.ledger.custody_parts(account).filter_map(|(d, m)| d.map(|d| (d.to_string(), m))).collect();
        for (depositor, amount) in parts {
            let from = LedgerAccount::custody(account, Some(&depositor));
            self.post(from, LedgerAccount::custody(account, None), amount, cause.clone())?;
        }
        Ok(())
    }

    fn pay(&mut self, context: &ActionContext, from: &str, legs: &[PayLeg]) -> Outcome {
        let directions: Vec<Direction> = legs
            .iter()
            .map(|leg| match &leg.to {
                PartyRef::One(name) if self.state.identities.contains_key(name) => Ok(Direction::Pay { amount: leg.amount, to: name.clone() }),
                other => Err(Rejection::new("unsupported", format!("cannot pay a single amount to {other:?}")).in_clause(&context.clause)),
            })
            .collect::<Result<_, _>>()?;
        self.pay_out(context, from, &directions)
    }

    /// Pays fixed amounts in order, then the rest, or refunds depositors. All or nothing:
    /// if the account cannot cover every fixed amount, nothing is paid.
    pub fn pay_out(&mut self, context: &ActionContext, from: &str, directions: &[Direction]) -> Outcome {
        self.check_movable(from)?;
        let holds = self.state.ledger.custody_total(from);
        let fixed = fixed_total(directions).ok_or_else(|| Rejection::new("overflow", "the fixed payments overflow"))?;
        if fixed > holds {
            let currency = self.state.agreement.currency;
            let message = format!(
                "§{} {} needs {} in `{from}` for its fixed payments, but `{from}` holds {}; nothing was paid",
                context.clause,
                context.clause_title,
                fixed.display(currency),
                holds.display(currency)
            );
            return Err(Rejection::new("insufficient_funds", message).in_clause(&context.clause));
        }
        let cause = context.cause();
        if directions.contains(&Direction::RefundDepositors) {
            return self.refund(context, from);
        }
        self.pool(from, &cause)?;
        let pool = LedgerAccount::custody(from, None);
        let mut paid_rest = false;
        for direction in directions {
            let Direction::Pay { amount, to } = direction else { continue };
            let amount = match amount {
                PayAmount::Fixed(m) => *m,
                PayAmount::Rest => {
                    paid_rest = true;
                    self.state.ledger.balance(&pool)
                }
            };
            self.post(pool.clone(), LedgerAccount::outside(to), amount, cause.clone())?;
        }
        if paid_rest {
            self.emit(EventKind::Closed { account: from.to_string(), clause: context.clause.clone() });
        }
        Ok(())
    }

    /// Returns each depositor exactly what they put in, then closes the account.
    fn refund(&mut self, context: &ActionContext, account: &str) -> Outcome {
        self.check_movable(account)?;
        let pool = self.state.ledger.balance(&LedgerAccount::custody(account, None));
        if !pool.is_zero() {
            let message = format!("`{account}` holds pooled money no longer attributed to a depositor; a refund cannot divide it");
            return Err(Rejection::new("unattributed_funds", message).in_clause(&context.clause));
        }
        let parts: Vec<(String, Money)> =
            self.state.ledger.custody_parts(account).filter_map(|(d, m)| d.map(|d| (d.to_string(), m))).collect();
        for (depositor, amount) in parts {
            let mut cause = context.cause();
            cause.authority.push(format!("returns to {} exactly what they deposited", self.state.describe_identity(&depositor)));
            self.post(LedgerAccount::custody(account, Some(&depositor)), LedgerAccount::outside(&depositor), amount, cause)?;
        }
        self.emit(EventKind::Closed { account: account.to_string(), clause: context.clause.clone() });
        Ok(())
    }

    fn hold(&mut self, context: &ActionContext, account: &str, _until: &[HoldRelease]) -> Outcome {
        if self.state.ledger.pending_hold(account).is_some() || self.state.closed.contains_key(account) {
            return Ok(());
        }
        let id = self.state.next_id;
        self.emit(EventKind::HoldPlaced { id, account: account.to_string(), clause: context.clause.clone() });
        Ok(())
    }

    pub fn terminate(&mut self, context: &ActionContext, reason: &str) {
        self.emit(EventKind::Terminated { clause: context.clause.clone(), reason: reason.to_string() });
        let pending: Vec<u64> = self.state.deadlines.values().filter(|d| d.status == DeadlineStatus::Pending).map(|d| d.id).collect();
        for id in pending {
            self.emit(EventKind::DeadlineCancelled { id, reason: format!("the agreement terminated under §{}", context.clause) });
        }
        let running: Vec<RuleKey> = self.state.accruals.iter().filter(|(_, a)| a.stopped.is_none()).map(|(k, _)| k.clone()).collect();
        for rule in running {
            self.emit(EventKind::AccrualStopped { rule, reason: "the agreement terminated".to_string() });
        }
    }

    fn start_accrual(&mut self, context: &ActionContext, amount: Money, every: Period, owed_by: &str, owed_to: &PartyRef, cap: Option<Money>) -> Outcome {
        let rule = context.rule.clone().ok_or_else(|| Rejection::new("unsupported", "an accrual runs from a deadline rule"))?;
        let anchor_day = context.anchor_day.ok_or_else(|| Rejection::new("unsupported", "an accrual needs a start day"))?;
        let owed_to = self.state.resolve(owed_to);
        self.emit(EventKind::AccrualStarted { rule: rule.clone(), owed_by: owed_by.to_string(), owed_to, amount, every, cap });
        self.schedule_accrual_period(rule, anchor_day, every, 1)
    }

    pub fn schedule_accrual_period(&mut self, rule: RuleKey, anchor_day: Date, every: Period, period: u32) -> Outcome {
        let count = every.count.checked_mul(period).ok_or_else(|| Rejection::new("overflow", "too many accrual periods"))?;
        let span = Period { count, unit: every.unit };
        self.schedule(DeadlinePurpose::AccrualPeriod { rule, period }, anchor_day, span)
    }

    fn issue_by_rule(&mut self, context: &ActionContext, instrument: &str) -> Outcome {
        let note = self.state.notes.get(instrument).ok_or_else(|| {
            Rejection::new("unsupported", format!("`{instrument}` is not a note; warrants are issued by their issuer's command")).in_clause(&context.clause)
        })?;
        if note.issued.is_some() {
            return Err(Rejection::new("already_issued", format!("note `{instrument}` is already issued")));
        }
        self.emit(EventKind::NoteIssued { name: instrument.to_string() });
        Ok(())
    }
}

fn fixed_total(directions: &[Direction]) -> Option<Money> {
    directions.iter().try_fold(Money::ZERO, |sum, d| match d {
        Direction::Pay { amount: PayAmount::Fixed(m), .. } => sum.checked_add(*m),
        _ => Some(sum),
    })
}
