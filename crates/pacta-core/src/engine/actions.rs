//! What rules do. Every action either completes or returns a rejection, and the
//! caller decides whether that rejects a command or is recorded as blocked.

use std::sync::Arc;

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
    /// Why the action runs, as each posting it makes records it, written once.
    /// Its clause number and title are the action's (`clause()`, `clause_title()`).
    pub cause: Cause,
    /// The rule running, when it is one (accruals are keyed by it).
    pub rule: Option<RuleKey>,
    /// The day periods count from: the last day of the deadline that fired.
    pub anchor_day: Option<Date>,
    /// The dispute being handled, for `on dispute` rules.
    pub dispute: Option<u64>,
    /// Directions of a settlement or court order, which decide over any owed rule.
    pub directed: bool,
    /// When the action runs as owed, its place among the owed (`State::owed_order`):
    /// owed actions after it wait for it, not it for them.
    pub owed_order: Option<(jiff::Timestamp, u64)>,
}

impl ActionContext {
    pub fn new(clause: &Clause, because: String, authority: Vec<String>) -> ActionContext {
        let authority = authority.into_iter().map(Arc::from).collect();
        let cause = Cause { clause: clause.number.as_str().into(), clause_title: clause.title.as_str().into(), because: because.into(), authority };
        ActionContext::with_cause(clause, cause)
    }

    /// A context whose cause was written before (the agreement keeps a deadline's words).
    pub fn with_cause(clause: &Clause, cause: Cause) -> ActionContext {
        debug_assert!(*cause.clause == *clause.number && *cause.clause_title == *clause.title, "a cause written for this clause");
        ActionContext { cause, rule: None, anchor_day: None, dispute: None, directed: false, owed_order: None }
    }

    pub fn clause(&self) -> &str {
        &self.cause.clause
    }

    pub fn clause_title(&self) -> &str {
        &self.cause.clause_title
    }

    pub fn cause(&self) -> Cause {
        self.cause.clone()
    }
}

impl Txn<'_> {
    /// Runs a rule's actions, all or nothing. A rule of one action that checks
    /// everything before its first event runs on the state itself: if it refuses,
    /// it emitted nothing, so there is nothing to undo. Any other rule runs under
    /// `attempt`, whose copy of the state is what makes a half-done rule
    /// impossible, at the price of copying every map node the rule then changes.
    pub fn run_rule(&mut self, context: &ActionContext, actions: &[Action]) -> Outcome {
        match actions {
            [action] if checks_before_emitting(action) => {
                let emitted = self.events.len();
                let outcome = self.run_action(context, action);
                assert!(outcome.is_ok() || self.events.len() == emitted, "§{}: an action that checks first refused after emitting", context.clause());
                outcome
            }
            _ => self.attempt(|txn| txn.run_actions(context, actions)),
        }
    }

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
                self.emit(EventKind::Notified { clause: context.clause().to_string(), to, subject: subject.clone() });
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
                self.emit(EventKind::ArbitrationReferred { dispute, clause: context.clause().to_string(), forum: forum.clone() });
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
        if let Some((clause, at)) = self.state.closed_under(account) {
            let title = self.state.clause_title(clause);
            let message = format!("`{account}` was already paid out under §{clause} {title} on {}: nothing is left in it", self.state.local_day(*at));
            return Err(Rejection::new("account_closed", message).in_clause(clause));
        }
        Ok(())
    }

    /// A deadline action that a hold blocked is still owed: until it runs, no other
    /// rule may pay from that account. Only the settlement or court order that
    /// lifts the hold (`directed`) may dispose of the funds first. Owed actions
    /// themselves run in the order they would have run without the hold
    /// (`State::owed_order`), so one waits only for those before it.
    fn check_not_owed(&self, context: &ActionContext, account: &str) -> Outcome {
        if context.directed {
            return Ok(());
        }
        let before_this = |rule: &RuleKey, since: &jiff::Timestamp| match context.owed_order {
            Some(own) => self.state.owed_order(rule, *since) < own,
            None => Some(rule) != context.rule.as_ref(),
        };
        let owed = self.state.owed.iter().find(|(rule, since)| before_this(rule, since) && self.state.rule_accounts(rule).iter().any(|a| a == account));
        match owed {
            Some((rule, since)) => {
                let title = self.state.clause_title(&rule.clause);
                let message = format!(
                    "§{} {} fell due on {} while `{account}` was held and is still owed; nothing else may pay from `{account}` first",
                    rule.clause,
                    title,
                    self.state.local_day(*since)
                );
                Err(Rejection::new("owed_to_earlier_rule", message).in_clause(&rule.clause))
            }
            None => Ok(()),
        }
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

    /// Moves `amount` (everything when `None`) of `account` into its pool, drawn from
    /// the depositors in proportion to what each holds. Every cent stays attributed
    /// to a depositor until it leaves, so a later refund can always divide what is left.
    fn pool(&mut self, account: &str, amount: Option<Money>, cause: &Cause) -> Outcome {
        let parts = self.depositor_parts(account);
        let draws = match amount {
            None => parts,
            Some(amount) => pro_rata(&parts, amount),
        };
        let pool = self.state.ledger.pool(account);
        for (from, amount) in draws {
            self.post(from, pool.clone(), amount, cause.clone())?;
        }
        Ok(())
    }

    /// Each depositor's non-zero part of a custody account (not the pool), in depositor order.
    fn depositor_parts(&self, account: &str) -> Vec<(LedgerAccount, Money)> {
        self.state.ledger.custody_parts(account).filter(|(a, _)| a.depositor().is_some()).collect()
    }

    fn pay(&mut self, context: &ActionContext, from: &str, legs: &[PayLeg]) -> Outcome {
        let directions: Vec<Direction> = legs
            .iter()
            .map(|leg| match &leg.to {
                PartyRef::One(name) if self.state.knows(name.as_str()) => Ok(Direction::Pay { amount: leg.amount, to: name.clone() }),
                other => Err(Rejection::new("unsupported", format!("cannot pay a single amount to {other:?}")).in_clause(context.clause())),
            })
            .collect::<Result<_, _>>()?;
        self.pay_out(context, from, &directions)
    }

    /// Pays fixed amounts in order, then the rest, or refunds depositors. All or nothing:
    /// if the account cannot cover every fixed amount, nothing is paid.
    pub fn pay_out(&mut self, context: &ActionContext, from: &str, directions: &[Direction]) -> Outcome {
        self.check_movable(from)?;
        self.check_not_owed(context, from)?;
        check_directions(context, directions)?;
        let holds = self.state.ledger.custody_total(from);
        let fixed = fixed_total(directions).ok_or_else(|| Rejection::new("overflow", "the fixed payments overflow"))?;
        if fixed > holds {
            let currency = self.state.agreement.currency;
            let message = format!(
                "§{} {} needs {} in `{from}` for its fixed payments, but `{from}` holds {}; nothing was paid",
                context.clause(),
                context.clause_title(),
                fixed.display(currency),
                holds.display(currency)
            );
            return Err(Rejection::new("insufficient_funds", message).in_clause(context.clause()));
        }
        let cause = context.cause();
        if directions.contains(&Direction::RefundDepositors) {
            return self.refund(context, from);
        }
        for direction in directions {
            if let Direction::Pay { to, .. } = direction {
                if !self.state.knows(to.as_str()) {
                    return Err(Rejection::new("unknown_party", format!("`{to}` is not a party to this agreement")).in_clause(context.clause()));
                }
            }
        }
        let pays_rest = directions.iter().any(|d| matches!(d, Direction::Pay { amount: PayAmount::Rest, .. }));
        self.pool(from, if pays_rest { None } else { Some(fixed) }, &cause)?;
        let pool = self.state.ledger.pool(from);
        let mut paid_rest = false;
        // Every fixed amount first, whatever the order of the directions: "the rest" is what they leave.
        let is_rest = |d: &&Direction| matches!(d, Direction::Pay { amount: PayAmount::Rest, .. });
        for direction in directions.iter().filter(|d| !is_rest(d)).chain(directions.iter().filter(is_rest)) {
            let Direction::Pay { amount, to } = direction else { continue };
            let amount = match amount {
                PayAmount::Fixed(m) => *m,
                PayAmount::Rest => {
                    paid_rest = true;
                    self.state.ledger.balance(&pool)
                }
            };
            self.post(pool.clone(), LedgerAccount::Outside { party: self.state.name(to) }, amount, cause.clone())?;
        }
        if paid_rest {
            self.emit(EventKind::Closed { account: from.to_string(), clause: context.clause().to_string() });
        }
        Ok(())
    }

    /// Returns each depositor exactly what they put in, then closes the account.
    fn refund(&mut self, context: &ActionContext, account: &str) -> Outcome {
        self.check_movable(account)?;
        self.check_not_owed(context, account)?;
        let pool = self.state.ledger.balance(&self.state.ledger.pool(account));
        if !pool.is_zero() {
            let message = format!("`{account}` holds pooled money no longer attributed to a depositor; a refund cannot divide it");
            return Err(Rejection::new("unattributed_funds", message).in_clause(context.clause()));
        }
        // Every posting is checked before the first is emitted (each touches only its
        // own depositor's two accounts, so the checks are independent): a refund that
        // refuses has emitted nothing, which lets a deadline run it without a copy.
        let first_id = self.state.ledger.next_posting_id();
        let mut postings = Vec::new();
        for (id, (from, amount)) in (first_id..).zip(self.depositor_parts(account)) {
            let depositor = from.depositor().expect("a depositor's part").clone();
            let cause = context.cause.adding(format!("returns to {} exactly what they deposited", self.state.describe_identity(&depositor)));
            let posting = Posting { id, at: self.at, debit: from, credit: LedgerAccount::Outside { party: depositor }, amount, cause };
            self.state.ledger.check(&posting).map_err(|e| Rejection::new("ledger", format!("{e:?}")))?;
            postings.push(posting);
        }
        for posting in postings {
            self.emit(EventKind::Posted(posting));
        }
        self.emit(EventKind::Closed { account: account.to_string(), clause: context.clause().to_string() });
        Ok(())
    }

    fn hold(&mut self, context: &ActionContext, account: &str, _until: &[HoldRelease]) -> Outcome {
        if self.state.ledger.pending_hold(account).is_some() || self.state.closed.contains_key(account) {
            return Ok(());
        }
        let id = self.state.next_id;
        self.emit(EventKind::HoldPlaced { id, account: account.to_string(), clause: context.clause().to_string() });
        Ok(())
    }

    pub fn terminate(&mut self, context: &ActionContext, reason: &str) {
        self.emit(EventKind::Terminated { clause: context.clause().to_string(), reason: reason.to_string() });
        let pending: Vec<u64> = self.state.deadlines.values().filter(|d| d.status == DeadlineStatus::Pending).map(|d| d.id).collect();
        for id in pending {
            self.emit(EventKind::DeadlineCancelled { id, reason: format!("the agreement terminated under §{}", context.clause()) });
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
            Rejection::new("unsupported", format!("`{instrument}` is not a note; warrants are issued by their issuer's command")).in_clause(context.clause())
        })?;
        if note.issued.is_some() {
            return Err(Rejection::new("already_issued", format!("note `{instrument}` is already issued")));
        }
        self.emit(EventKind::NoteIssued { name: instrument.to_string() });
        Ok(())
    }
}

/// Directions are followed in full or refused: a payment of a negative amount is not
/// a payment, a refund of every deposit leaves nothing for a payment beside it, and
/// only one payee can have the rest (the others would be dropped without a word).
fn check_directions(context: &ActionContext, directions: &[Direction]) -> Outcome {
    if directions.is_empty() {
        return Err(Rejection::new("invalid_directions", "directions must say where the funds go").in_clause(context.clause()));
    }
    let refunds = directions.contains(&Direction::RefundDepositors);
    let rests = directions.iter().filter(|d| matches!(d, Direction::Pay { amount: PayAmount::Rest, .. })).count();
    for direction in directions {
        let conflict = match direction {
            Direction::Pay { amount: PayAmount::Fixed(m), to } if m.minor < 0 => {
                let message = format!("a payment to `{to}` must not be negative");
                return Err(Rejection::new("invalid_amount", message).in_clause(context.clause()));
            }
            Direction::Pay { to, .. } if refunds => format!("the directions both refund every depositor and pay `{to}`"),
            Direction::Pay { amount: PayAmount::Rest, to } if rests > 1 => format!("the directions pay the rest to `{to}` and to someone else"),
            _ => continue,
        };
        let message = format!("{conflict}; they cannot all be followed");
        return Err(Rejection::new("conflicting_directions", message).in_clause(context.clause()));
    }
    Ok(())
}

/// Splits `amount` across `parts` in proportion to each part, to the cent: each gets
/// the floor of its share, and the cents left go to the largest remainders (ties to
/// the earlier depositor). The caller guarantees `amount` ≤ the sum of the parts.
fn pro_rata<T: Clone>(parts: &[(T, Money)], amount: Money) -> Vec<(T, Money)> {
    let total: i128 = parts.iter().map(|(_, m)| i128::from(m.minor)).sum();
    assert!(i128::from(amount.minor) <= total, "cannot draw more than the account holds");
    if total == 0 {
        return Vec::new();
    }
    let mut shares: Vec<(T, i128, i128)> = parts
        .iter()
        .map(|(who, m)| {
            let exact = i128::from(m.minor) * i128::from(amount.minor);
            (who.clone(), exact / total, exact % total)
        })
        .collect();
    let mut left = i128::from(amount.minor) - shares.iter().map(|(_, floor, _)| floor).sum::<i128>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| shares[b].2.cmp(&shares[a].2).then(a.cmp(&b)));
    for index in order {
        if left == 0 {
            break;
        }
        shares[index].1 += 1;
        left -= 1;
    }
    shares
        .into_iter()
        .filter(|(_, share, _)| *share > 0)
        .map(|(who, share, _)| (who, Money::from_minor(i64::try_from(share).expect("a share is at most the part it came from"))))
        .collect()
}

/// Actions that refuse, if they refuse, before their first event: a refund checks
/// every posting first; a notice, a termination and a referral cannot refuse after
/// emitting. A new action is not on this list until someone shows it checks first.
fn checks_before_emitting(action: &Action) -> bool {
    matches!(action, Action::Refund { .. } | Action::Notify { .. } | Action::Terminate { .. } | Action::Arbitrate { .. })
}

fn fixed_total(directions: &[Direction]) -> Option<Money> {
    directions.iter().try_fold(Money::ZERO, |sum, d| match d {
        Direction::Pay { amount: PayAmount::Fixed(m), .. } => sum.checked_add(*m),
        _ => Some(sum),
    })
}
