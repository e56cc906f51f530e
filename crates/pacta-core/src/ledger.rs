//! The double-entry ledger of one agreement.
//!
//! Every movement of money is a `Posting` that debits one ledger account and
//! credits another by the same amount, so the balances of all accounts always
//! sum to zero. Money held in custody lives in `Custody` accounts, one per
//! depositor (the sub-ledger that lets a refund return to each exactly what they
//! put in) plus a pool for money no longer attributed to a depositor. Money
//! outside the agreement lives in `Outside` accounts, whose balances go
//! negative as parties pay in. Custody balances can never go negative.
//!
//! A `Hold` freezes a custody account (a dispute): it is pending while the account
//! is frozen, posted when the held funds leave under the hold's own authority
//! (a deposit with a court), and voided when a settlement or court order lifts it.

use std::sync::Arc;

use imbl::OrdMap;
use jiff::Timestamp;
use smallvec::SmallVec;

use crate::money::Money;
use crate::name::Name;
use crate::small_map::SmallMap;

/// A place money can be, from the agreement's point of view.
///
/// The derived order matters: custody accounts come first, ordered by `account`
/// and then `depositor` with the pool (`None`) first, so `Ledger::custody_parts`
/// reads one account as one run of the map. Keep the variants and fields in
/// this order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LedgerAccount {
    /// Money held in `account`, attributed to `depositor`; `None` is the pool.
    Custody { account: Name, depositor: Option<Name> },
    /// Money of a party outside any custody account.
    Outside { party: Name },
    /// Money deposited with a court.
    Court { court: Name },
}

impl LedgerAccount {
    pub fn custody(account: &str, depositor: Option<&str>) -> LedgerAccount {
        LedgerAccount::Custody { account: account.into(), depositor: depositor.map(Name::from) }
    }

    pub fn outside(party: &str) -> LedgerAccount {
        LedgerAccount::Outside { party: party.into() }
    }

    /// The depositor a custody sub-account belongs to; `None` for the pool and for every other account.
    pub fn depositor(&self) -> Option<&Name> {
        match self {
            LedgerAccount::Custody { depositor, .. } => depositor.as_ref(),
            _ => None,
        }
    }

    pub fn is_custody(&self) -> bool {
        matches!(self, LedgerAccount::Custody { .. })
    }

    /// `escrow/alpha`, `escrow` (the pool), `company`, `court:"…"`.
    pub fn label(&self) -> String {
        match self {
            LedgerAccount::Custody { account, depositor: Some(d) } => format!("{account}/{d}"),
            LedgerAccount::Custody { account, depositor: None } => account.to_string(),
            LedgerAccount::Outside { party } => party.to_string(),
            LedgerAccount::Court { court } => format!("court:{court:?}"),
        }
    }
}

/// Why money moved: the clause, what happened, and on whose authority.
///
/// The words are shared (`Arc`): every posting an action makes has the same
/// clause and reasons, so they are written once per action, not per posting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    pub clause: Arc<str>,
    pub clause_title: Arc<str>,
    /// The event that made the rule apply, in words ("Release Notice executed by …").
    pub because: Arc<str>,
    /// The facts and consents the movement rests on, each in words.
    pub authority: Arc<[Arc<str>]>,
}

impl Cause {
    /// The one-line answer to "why did this money move?".
    pub fn explain(&self) -> String {
        let mut text = format!("§{} {} — {}", self.clause, self.clause_title, self.because);
        for fact in self.authority.iter() {
            text.push_str("; ");
            text.push_str(fact);
        }
        text
    }

    /// A cause resting on no facts beyond the event itself.
    pub fn new(clause: &str, clause_title: &str, because: String) -> Cause {
        Cause { clause: clause.into(), clause_title: clause_title.into(), because: because.into(), authority: Arc::new([]) }
    }

    /// The same cause with one more fact after the others.
    pub fn adding(&self, fact: String) -> Cause {
        let authority = self.authority.iter().cloned().chain(std::iter::once(Arc::from(fact))).collect();
        Cause { authority, ..self.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    /// Position in this agreement's ledger, from 1.
    pub id: u64,
    pub at: Timestamp,
    /// The account money leaves.
    pub debit: LedgerAccount,
    /// The account money arrives in.
    pub credit: LedgerAccount,
    pub amount: Money,
    pub cause: Cause,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldStatus {
    Pending,
    Posted,
    Voided,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub id: u64,
    pub account: String,
    pub placed_at: Timestamp,
    pub clause: String,
    pub status: HoldStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ledger<P = ()> {
    /// Accounts no party owns: custody pools and courts.
    balances: SmallMap<LedgerAccount, i64>,
    /// One record per party: what the agreement knows of it (`P`; the engine
    /// keeps each party's identity here) and its own accounts, what it holds
    /// outside and its part of each custody account. A deposit, a refund and
    /// each draw of a release change one party's two accounts, so they change
    /// one record, and a depositor's position (its identity and its money) costs
    /// one map entry. A record with nothing in it, no `P` and no money, is
    /// removed, as a zero balance is.
    parties: OrdMap<Name, Arc<Party<P>>>,
    /// How many postings have been applied. The postings themselves are in the
    /// journal (each is a `Posted` event), so the state does not keep a second copy.
    posted: u64,
    /// One per dispute, and nothing bounds how many disputes an agreement sees.
    holds: OrdMap<u64, Hold>,
    /// Each custody account's total across its pool and sub-accounts, kept as
    /// balances change, so a deposit's limit check does not walk every balance.
    custody_totals: SmallMap<Name, i64>,
}

impl<P> Default for Ledger<P> {
    fn default() -> Ledger<P> {
        Ledger { balances: SmallMap::new(), parties: OrdMap::new(), posted: 0, holds: OrdMap::new(), custody_totals: SmallMap::new() }
    }
}

/// One party: what the agreement knows of it, once registered, and its money.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Party<P> {
    about: Option<P>,
    money: PartyMoney,
}

impl<P> Party<P> {
    fn is_empty(&self) -> bool {
        self.about.is_none() && self.money.is_empty()
    }
}

/// One party's accounts: `Outside { party }` and each `Custody { account, depositor: Some(party) }`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct PartyMoney {
    outside: i64,
    /// Its non-zero parts of custody accounts, by account name. Most parties hold
    /// a part of one account or none, so one part is kept without an allocation.
    parts: SmallVec<[(Name, i64); 1]>,
}

impl PartyMoney {
    /// The balance of this party's outside account (`None`) or its part of a custody account.
    fn balance(&self, custody: Option<&str>) -> i64 {
        match custody {
            None => self.outside,
            Some(account) => self.parts.iter().find(|(a, _)| **a == *account).map_or(0, |&(_, minor)| minor),
        }
    }

    /// Adds `delta` to one of the party's accounts; a part that reaches zero is removed.
    fn add(&mut self, custody: Option<&Name>, delta: i64) {
        let Some(account) = custody else {
            self.outside += delta;
            return;
        };
        match self.parts.iter().position(|(a, _)| a == account) {
            Some(i) => {
                self.parts[i].1 += delta;
                if self.parts[i].1 == 0 {
                    self.parts.remove(i);
                }
            }
            None => {
                let at = self.parts.partition_point(|(a, _)| a < account);
                self.parts.insert(at, (account.clone(), delta));
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.outside == 0 && self.parts.is_empty()
    }

    /// Every non-zero account of `party`, in `LedgerAccount` order (custody parts, then outside).
    fn accounts<'a>(&'a self, party: &'a Name) -> impl Iterator<Item = (LedgerAccount, Money)> + 'a {
        let parts =
            self.parts.iter().map(move |(account, minor)| (LedgerAccount::Custody { account: account.clone(), depositor: Some(party.clone()) }, *minor));
        let outside = (self.outside != 0).then(|| (LedgerAccount::Outside { party: party.clone() }, self.outside));
        parts.chain(outside).map(|(account, minor)| (account, Money::from_minor(minor)))
    }
}

/// The pool of the custody account named `account`.
fn pool_of(account: Name) -> LedgerAccount {
    LedgerAccount::Custody { account, depositor: None }
}

/// The party whose record holds `account`, and which of its accounts it is
/// (`None`: outside; `Some(custody account)`: its part of it). `None` for pools and courts.
fn owner(account: &LedgerAccount) -> Option<(&Name, Option<&Name>)> {
    match account {
        LedgerAccount::Outside { party } => Some((party, None)),
        LedgerAccount::Custody { account, depositor: Some(depositor) } => Some((depositor, Some(account))),
        LedgerAccount::Custody { depositor: None, .. } | LedgerAccount::Court { .. } => None,
    }
}

/// Why a posting may not be applied. The engine asks `check` before it emits a
/// posting; `apply` checks again and panics, since reaching one there is an engine bug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerError {
    NotPositive,
    Overflow,
    CustodyWouldGoNegative { account: String, balance: Money, amount: Money },
}

impl<P: Clone> Ledger<P> {
    pub fn balance(&self, account: &LedgerAccount) -> Money {
        let minor = match owner(account) {
            Some((party, custody)) => self.parties.get(party).map_or(0, |record| record.money.balance(custody.map(Name::as_str))),
            None => self.balances.get(account).copied().unwrap_or(0),
        };
        Money::from_minor(minor)
    }

    /// The shared name of a custody account that has held money; a new one otherwise.
    pub fn custody_name(&self, account: &str) -> Name {
        Name::shared_or_new(self.custody_totals.get_key_value(account).map(|(name, _)| name), account)
    }

    /// The pool of a custody account: its money no longer attributed to a depositor.
    pub fn pool(&self, account: &str) -> LedgerAccount {
        pool_of(self.custody_name(account))
    }

    /// Everything in a custody account: the pool plus every depositor's sub-account.
    pub fn custody_total(&self, account: &str) -> Money {
        Money::from_minor(self.custody_totals.get(account).copied().unwrap_or(0))
    }

    /// The non-zero parts of a custody account, pool first, then each depositor's
    /// sub-account in the order of depositors' names (`depositor()` says whose).
    pub fn custody_parts<'a>(&'a self, account: &'a str) -> impl Iterator<Item = (LedgerAccount, Money)> + 'a {
        let name = self.custody_name(account);
        let pool = pool_of(name.clone());
        let pooled = self.balance(&pool);
        let pool = (!pooled.is_zero()).then_some((pool, pooled));
        let depositors = self.parties.iter().filter_map(move |(party, record)| {
            let minor = record.money.balance(Some(account));
            (minor != 0).then(|| (LedgerAccount::Custody { account: name.clone(), depositor: Some(party.clone()) }, Money::from_minor(minor)))
        });
        pool.into_iter().chain(depositors)
    }

    /// Every account with a non-zero balance, in `LedgerAccount` order.
    pub fn balances(&self) -> impl Iterator<Item = (LedgerAccount, Money)> {
        let mut all: Vec<(LedgerAccount, Money)> = self.balances.iter().map(|(account, &minor)| (account.clone(), Money::from_minor(minor))).collect();
        all.extend(self.parties.iter().flat_map(|(party, record)| record.money.accounts(party)));
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all.into_iter()
    }

    pub fn next_posting_id(&self) -> u64 {
        self.posted + 1
    }

    pub fn holds(&self) -> impl Iterator<Item = &Hold> {
        self.holds.values()
    }

    pub fn pending_hold(&self, account: &str) -> Option<&Hold> {
        self.holds.values().find(|h| h.account == account && h.status == HoldStatus::Pending)
    }

    /// Checks a posting without applying it.
    pub fn check(&self, posting: &Posting) -> Result<(), LedgerError> {
        if posting.amount.minor <= 0 {
            return Err(LedgerError::NotPositive);
        }
        let debit_after = self.balance(&posting.debit).minor.checked_sub(posting.amount.minor);
        let credit_after = self.balance(&posting.credit).minor.checked_add(posting.amount.minor);
        let debit_after = debit_after.ok_or(LedgerError::Overflow)?;
        credit_after.ok_or(LedgerError::Overflow)?;
        if posting.debit.is_custody() && debit_after < 0 {
            return Err(LedgerError::CustodyWouldGoNegative { account: posting.debit.label(), balance: self.balance(&posting.debit), amount: posting.amount });
        }
        Ok(())
    }

    /// Applies a posting. The engine checks every posting before it emits it
    /// (`check`), so one that breaks the ledger here is a bug, not bad input: this
    /// panics naming it, before changing anything, rather than returning an error
    /// nobody could act on.
    pub fn apply(&mut self, posting: &Posting) {
        let id = posting.id;
        assert_eq!(id, self.next_posting_id(), "postings are numbered in order");
        if let Err(error) = self.check(posting) {
            panic!("posting {id} breaks the ledger: {error:?}");
        }
        let minor = posting.amount.minor;
        match (owner(&posting.debit), owner(&posting.credit)) {
            // A deposit or a refund: one party's two accounts, so one record changes.
            (Some((from, debit)), Some((to, credit))) if from == to => self.change_party(from, |money| {
                money.add(debit, -minor);
                money.add(credit, minor);
            }),
            _ => {
                self.add(&posting.debit, -minor);
                self.add(&posting.credit, minor);
            }
        }
        self.move_custody_total(&posting.debit, &posting.credit, minor);
        self.posted += 1;
    }

    /// Adds `delta` to an account `check` has approved.
    fn add(&mut self, account: &LedgerAccount, delta: i64) {
        match owner(account) {
            Some((party, custody)) => self.change_party(party, |money| {
                money.add(custody, delta);
            }),
            None => {
                if add_to(&mut self.balances, account, delta) == 0 {
                    self.balances.remove(account);
                }
            }
        }
    }

    /// Changes a party's money, creating its record if the party had none and
    /// removing the record once it holds nothing.
    fn change_party(&mut self, party: &Name, change: impl FnOnce(&mut PartyMoney)) {
        self.change_record(party, |record| change(&mut record.money));
    }

    fn change_record(&mut self, party: &Name, change: impl FnOnce(&mut Party<P>)) {
        let emptied = match self.parties.get_mut(party) {
            Some(record) => {
                let record = Arc::make_mut(record);
                change(record);
                record.is_empty()
            }
            None => {
                let mut record = Party { about: None, money: PartyMoney::default() };
                change(&mut record);
                let emptied = record.is_empty();
                self.parties.insert(party.clone(), Arc::new(record));
                emptied
            }
        };
        if emptied {
            self.parties.remove(party);
        }
    }

    /// Records what the agreement knows of `party` (its identity), replacing what
    /// was known before; its money is unchanged.
    pub fn register(&mut self, party: Name, about: P) {
        self.change_record(&party, move |record| record.about = Some(about));
    }

    /// What the agreement knows of `party`; `None` for one never registered.
    pub fn about(&self, party: &str) -> Option<&P> {
        self.parties.get(party).and_then(|record| record.about.as_ref())
    }

    /// Changes what is known of a registered party; `None` if it is not registered.
    pub fn about_mut(&mut self, party: &str) -> Option<&mut P> {
        let record = self.parties.get_mut(party)?;
        record.about.as_ref()?;
        Arc::make_mut(record).about.as_mut()
    }

    /// Every registered party and what is known of it, in name order.
    pub fn registered(&self) -> impl Iterator<Item = (&Name, &P)> {
        self.parties.iter().filter_map(|(party, record)| Some((party, record.about.as_ref()?)))
    }

    /// The shared name of a party that has a record (registered or holding money).
    pub fn party_name(&self, party: &str) -> Option<&Name> {
        self.parties.get_key_value(party).map(|(name, _)| name)
    }

    /// Keeps each custody account's total as money enters or leaves it. A draw
    /// from a depositor's part into the same account's pool leaves it unchanged.
    fn move_custody_total(&mut self, debit: &LedgerAccount, credit: &LedgerAccount, minor: i64) {
        fn custody(account: &LedgerAccount) -> Option<&Name> {
            match account {
                LedgerAccount::Custody { account, .. } => Some(account),
                _ => None,
            }
        }
        let (from, to) = (custody(debit), custody(credit));
        if from == to {
            return;
        }
        // The parts sum to the total, and no part is negative, so neither can overflow.
        for (account, delta) in [(from, -minor), (to, minor)] {
            let Some(account) = account else { continue };
            let total = add_to(&mut self.custody_totals, account, delta);
            assert!(total >= 0, "a custody account's total is never negative");
            if total == 0 {
                self.custody_totals.remove(account);
            }
        }
    }

    pub fn place_hold(&mut self, hold: Hold) {
        assert!(self.pending_hold(&hold.account).is_none(), "one pending hold per account");
        self.holds.insert(hold.id, hold);
    }

    pub fn settle_hold(&mut self, id: u64, status: HoldStatus) {
        let hold = self.holds.get_mut(&id).expect("hold exists");
        assert_eq!(hold.status, HoldStatus::Pending, "only a pending hold can be posted or voided");
        hold.status = status;
    }

    /// The sum of every balance. Double entry keeps it at zero.
    pub fn sum_of_balances(&self) -> i128 {
        let money = self.parties.values().map(|record| &record.money);
        let parties = money.flat_map(|money| std::iter::once(money.outside).chain(money.parts.iter().map(|&(_, minor)| minor)));
        self.balances.values().copied().chain(parties).map(i128::from).sum()
    }
}

/// Adds `delta` to the entry for `key` (0 if absent) and returns the new value.
/// Looks up before inserting, so an existing key is not cloned. The caller has
/// checked that the sum fits.
fn add_to<K: Ord + Clone>(map: &mut SmallMap<K, i64>, key: &K, delta: i64) -> i64 {
    match map.get_mut(key) {
        Some(value) => {
            *value += delta;
            *value
        }
        None => {
            map.insert(key.clone(), delta);
            delta
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posting(id: u64, debit: LedgerAccount, credit: LedgerAccount, minor: i64) -> Posting {
        Posting {
            id,
            at: Timestamp::UNIX_EPOCH,
            debit,
            credit,
            amount: Money::from_minor(minor),
            cause: Cause { clause: "1".into(), clause_title: "t".into(), because: "b".into(), authority: Arc::new([]) },
        }
    }

    #[test]
    fn custody_cannot_go_negative_and_sum_stays_zero() {
        let mut ledger: Ledger = Ledger::default();
        let alpha = LedgerAccount::outside("alpha");
        let escrow = LedgerAccount::custody("escrow", Some("alpha"));
        ledger.apply(&posting(1, alpha.clone(), escrow.clone(), 500));
        assert_eq!(ledger.custody_total("escrow"), Money::from_minor(500));
        let overdraw = posting(2, escrow.clone(), alpha.clone(), 501);
        assert!(matches!(ledger.check(&overdraw), Err(LedgerError::CustodyWouldGoNegative { .. })));
        ledger.apply(&posting(2, escrow, alpha, 500));
        assert_eq!(ledger.sum_of_balances(), 0);
        assert_eq!(ledger.custody_total("escrow"), Money::ZERO);
    }

    #[test]
    fn custody_total_is_the_sum_of_its_parts() {
        let mut ledger: Ledger = Ledger::default();
        let parts = [("alpha", 500), ("beta", 300)];
        for (i, (who, minor)) in parts.iter().enumerate() {
            let posting = posting(i as u64 + 1, LedgerAccount::outside(who), LedgerAccount::custody("escrow", Some(who)), *minor);
            ledger.apply(&posting);
        }
        let pool = posting(3, LedgerAccount::custody("escrow", Some("alpha")), LedgerAccount::custody("escrow", None), 200);
        ledger.apply(&pool);
        let paid = posting(4, LedgerAccount::custody("escrow", None), LedgerAccount::outside("kramer"), 150);
        ledger.apply(&paid);
        let sum: i64 = ledger.custody_parts("escrow").map(|(_, m)| m.minor).sum();
        let depositors: Vec<_> = ledger.custody_parts("escrow").map(|(a, _)| a.depositor().map(Name::to_string)).collect();
        assert_eq!(depositors, [None, Some("alpha".to_string()), Some("beta".to_string())], "pool first, then each depositor");
        assert_eq!(ledger.custody_total("escrow"), Money::from_minor(sum));
        assert_eq!(sum, 650);
        assert_eq!(ledger.custody_total("other"), Money::ZERO);
    }

    #[test]
    fn a_partys_accounts_list_in_account_order_and_vanish_at_zero() {
        let mut ledger: Ledger = Ledger::default();
        let alpha = LedgerAccount::outside("alpha");
        let (escrow, fees) = (LedgerAccount::custody("escrow", Some("alpha")), LedgerAccount::custody("fees", Some("alpha")));
        ledger.apply(&posting(1, alpha.clone(), fees.clone(), 70));
        ledger.apply(&posting(2, alpha.clone(), escrow.clone(), 500));
        ledger.apply(&posting(3, LedgerAccount::outside("beta"), LedgerAccount::custody("escrow", Some("beta")), 30));
        let listed: Vec<_> = ledger.balances().map(|(a, m)| (a.label(), m.minor)).collect();
        let expected = [("escrow/alpha", 500), ("escrow/beta", 30), ("fees/alpha", 70), ("alpha", -570), ("beta", -30)];
        assert_eq!(listed, expected.map(|(a, m)| (a.to_string(), m)));
        ledger.apply(&posting(4, escrow, alpha.clone(), 500));
        ledger.apply(&posting(5, fees, alpha, 70));
        let listed: Vec<_> = ledger.balances().map(|(a, _)| a.label()).collect();
        assert_eq!(listed, ["escrow/beta", "beta"], "alpha's record is gone once every account of it is zero");
        assert_eq!(ledger.sum_of_balances(), 0);
    }

    #[test]
    fn a_registered_party_keeps_its_record_with_nothing_in_it() {
        let mut ledger: Ledger<&str> = Ledger::default();
        ledger.register("alpha".into(), "Alpha Fund LP");
        let (alpha, escrow) = (LedgerAccount::outside("alpha"), LedgerAccount::custody("escrow", Some("alpha")));
        ledger.apply(&posting(1, alpha.clone(), escrow.clone(), 500));
        ledger.apply(&posting(2, escrow, alpha, 500));
        let (beta, beta_escrow) = (LedgerAccount::outside("beta"), LedgerAccount::custody("escrow", Some("beta")));
        ledger.apply(&posting(3, beta.clone(), beta_escrow.clone(), 30));
        assert_eq!(ledger.party_name("beta").map(Name::as_str), Some("beta"));
        ledger.apply(&posting(4, beta_escrow, beta, 30));
        assert_eq!(ledger.about("alpha"), Some(&"Alpha Fund LP"), "registered: kept with no money");
        assert_eq!(ledger.party_name("beta"), None, "an unregistered party's record goes with its money");
        assert_eq!(ledger.balances().count(), 0);

        let before = ledger.clone();
        *ledger.about_mut("alpha").expect("registered") = "Alpha Fund II LP";
        assert_eq!(before.about("alpha"), Some(&"Alpha Fund LP"), "a change to a shared record copies it");
        assert_eq!(ledger.about_mut("beta"), None);
        let registered: Vec<_> = ledger.registered().map(|(name, about)| (name.to_string(), *about)).collect();
        assert_eq!(registered, [("alpha".to_string(), "Alpha Fund II LP")]);
    }

    #[test]
    fn zero_and_negative_postings_are_refused() {
        let ledger: Ledger = Ledger::default();
        let p = posting(1, LedgerAccount::outside("a"), LedgerAccount::outside("b"), 0);
        assert_eq!(ledger.check(&p), Err(LedgerError::NotPositive));
    }

    #[test]
    fn custody_parts_is_one_account_even_when_names_share_a_prefix() {
        let mut ledger: Ledger = Ledger::default();
        let accounts = ["e", "escrow", "escrow2", "escrow/a", "escrox"];
        let mut id = 0;
        for (i, account) in accounts.iter().enumerate() {
            for who in ["a", "b"] {
                id += 1;
                ledger.apply(&posting(id, LedgerAccount::outside(who), LedgerAccount::custody(account, Some(who)), 10 + i as i64));
            }
            id += 1;
            ledger.apply(&posting(id, LedgerAccount::outside("a"), LedgerAccount::Court { court: (*account).into() }, 5));
        }
        for account in accounts.iter().chain(&["esc", "escrow1", "zzz"]) {
            let parts: Vec<_> = ledger.custody_parts(account).collect();
            let scanned: Vec<_> =
                ledger.balances().filter(|(a, m)| matches!(a, LedgerAccount::Custody { account: name, .. } if name == account) && !m.is_zero()).collect();
            assert_eq!(parts, scanned, "{account}");
        }
    }

    #[test]
    #[should_panic(expected = "posting 1 breaks the ledger: CustodyWouldGoNegative")]
    fn applying_an_unchecked_overdraft_is_a_bug_and_stops() {
        let mut ledger: Ledger = Ledger::default();
        let overdraw = posting(1, LedgerAccount::custody("escrow", Some("alpha")), LedgerAccount::outside("alpha"), 1);
        ledger.apply(&overdraw);
    }
}
