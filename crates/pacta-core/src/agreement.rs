//! The checked agreement: what a `.pact` file means, with no syntax left in it.
//!
//! `pacta-lang` builds these values from text and guarantees that every name
//! used here is declared (parties, accounts, documents, instruments, events,
//! obligations, warrants, notes). The engine trusts that guarantee and asserts it.
//! Nothing here knows about spans or files: diagnostics stay in the language crate.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use jiff::civil::{Date, Time};

use crate::calendar::{CalendarId, Deadline, Period};
use crate::ledger::Cause;
use crate::money::{Currency, Money};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub title: String,
    pub dated: Date,
    pub governed_by: Option<String>,
    pub currency: Currency,
    pub calendar: CalendarId,
    /// IANA name, e.g. `America/New_York`; deadlines end at local midnight there.
    pub time_zone: String,
    /// Local time at which each day's business ends, if the agreement names one.
    pub cutoff: Option<Time>,
    pub parties: Vec<Party>,
    pub accounts: Vec<Account>,
    pub documents: Vec<Document>,
    pub instruments: Vec<Instrument>,
    pub events: Vec<EventDecl>,
    pub clauses: Vec<Clause>,
    /// Words the engine writes from this agreement alone, kept for its instances.
    pub memo: Memo,
}

/// Words the engine derives from an agreement and would otherwise write again in
/// every instance: a deadline rule's explanation depends only on its clause, its
/// condition and its deadline, and every instance of an agreement anchored on its
/// date has the same deadline. Each entry is keyed by everything its words are
/// written from, so a copy of the agreement shares the memo (instances are opened
/// from copies) and a changed copy can never read words that are not its own. It
/// is a cache, so it takes no part in equality; it sits behind a lock because
/// instances on several threads share it.
#[derive(Default, Clone)]
pub struct Memo {
    deadline_causes: Arc<Mutex<Vec<DeadlineWords>>>,
}

struct DeadlineWords {
    clause: String,
    clause_title: String,
    index: usize,
    condition: Condition,
    deadline: Deadline,
    cause: Cause,
}

impl DeadlineWords {
    fn matches(&self, clause: &Clause, index: usize, condition: &Condition, deadline: &Deadline) -> bool {
        self.index == index && self.clause == clause.number && &self.deadline == deadline && self.clause_title == clause.title && &self.condition == condition
    }
}

/// Enough for every deadline rule of a few agreements; past it, words are written each time.
const MEMO_ENTRIES: usize = 64;

impl Memo {
    /// The cause of rule `index` of `clause` (an `unless` rule on `condition`) firing
    /// at `deadline`, written by `write` the first time it is asked for.
    pub fn deadline_cause(&self, clause: &Clause, index: usize, condition: &Condition, deadline: &Deadline, write: impl FnOnce() -> Cause) -> Cause {
        let mut entries = self.deadline_causes.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = entries.iter().find(|e| e.matches(clause, index, condition, deadline)) {
            return entry.cause.clone();
        }
        let cause = write();
        if entries.len() < MEMO_ENTRIES {
            let entry = DeadlineWords {
                clause: clause.number.clone(),
                clause_title: clause.title.clone(),
                index,
                condition: condition.clone(),
                deadline: deadline.clone(),
                cause: cause.clone(),
            };
            entries.push(entry);
        }
        cause
    }
}

impl PartialEq for Memo {
    fn eq(&self, _: &Memo) -> bool {
        true
    }
}

impl Eq for Memo {}

impl fmt::Debug for Memo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Memo")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub name: String,
    pub legal_name: String,
    pub kind: PartyKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartyKind {
    /// One party. `escrow_agent` marks the party that administers the agreement.
    Single { escrow_agent: bool },
    /// A role filled by any number of members who join over time (`purchaser many`).
    Many,
    /// A fixed group of declared single parties (`holder group a, b, c`).
    Group(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub title: Option<String>,
    /// The party with custody; a successor may take it over (see `Rule::Resignation`).
    pub held_by: String,
    /// The most the account may ever hold, if the agreement bounds it.
    pub limit: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub name: String,
    pub title: Option<String>,
    pub delivered_by: PartySet,
}

/// Something parties consent to by signing: executed when the last required signature arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instrument {
    pub name: String,
    pub title: Option<String>,
    pub signed_by: PartySet,
}

/// A corporate act outside the agreement that the agreement reacts to (a reverse split).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDecl {
    pub name: String,
    pub title: Option<String>,
    pub reported_by: String,
}

/// Who must (or may) act: `company and each purchaser` (all of) or `nir or company` (any of).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartySet {
    pub mode: SetMode,
    pub members: Vec<PartyRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetMode {
    AllOf,
    AnyOf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartyRef {
    /// A party by name. A group named bare where it receives or is bound as a whole
    /// (`pays 3,400,000.00 to holder`) stands for the group: any member may receive.
    One(String),
    /// Every member of a `many` role or a group.
    Each(String),
    /// Any party to the agreement.
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// As numbered in the contract: `1.5`, `A.2`, `7`.
    pub number: String,
    pub title: String,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// `X may …`: what a command must match to be allowed.
    May { who: PartySet, act: Permission },
    /// `X may not exercise warrants before CONDITION`: a covenant recorded and checked on exercise.
    MayNot { who: PartySet, act: Restriction, before: Condition },
    /// `when CONDITION:` fires once, atomically with the event that makes it true.
    When { condition: Condition, actions: Vec<Action> },
    /// `unless CONDITION within PERIOD of ANCHOR:` fires at the deadline unless met in time.
    Unless { condition: Condition, period: Period, anchor: Anchor, actions: Vec<Action> },
    /// `on dispute by …:` runs each time the trigger happens.
    On { trigger: Trigger, actions: Vec<Action> },
    /// `amendments signed by …`: who must sign a new version of the agreement.
    Amendments { signed_by: PartySet },
    /// `assignment signed by …`: who must consent to an assignment of rights.
    Assignment { signed_by: PartySet },
    /// `agent obeys court orders`: a final court order may direct the funds.
    CourtOrders { obeyed_by: String },
    /// Resignation by notice, successor appointment and passing of custody.
    Resignation(Resignation),
    /// `agent may deposit escrow with court "…"`.
    CourtDeposit { by: String, account: String, court: String },
    /// `obligation NAME: X pays AMOUNT to Y within PERIOD of ANCHOR`.
    Obligation(Obligation),
    /// A warrant the agreement requires someone to issue.
    Warrant(Warrant),
    /// A promissory note sold under the agreement.
    Note(Note),
    /// `notice by METHOD is given when delivered | when transmitted | on receipt`.
    Notice { method: String, given: NoticeGiven },
    /// `waiver NAME until CONDITION but no longer than PERIOD of ANCHOR`: a waiver in force for a while.
    Waiver { name: String, ends_on: Condition, period: Period, anchor: Anchor },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permission {
    Deposit { account: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restriction {
    ExerciseWarrants,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resignation {
    pub agent: String,
    pub notify: PartySet,
    pub successor_appointed_by: PartySet,
    /// Accounts whose custody passes to the successor.
    pub accounts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Every required deliverer has delivered the document.
    Received(String),
    /// Every required signer has signed the instrument.
    Signed(String),
    /// The obligation has been paid in full.
    Paid(String),
    /// The declared event has occurred.
    Occurred(String),
    All(Vec<Condition>),
    Any(Vec<Condition>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// The agreement's date.
    Dated,
    /// The local date on which the condition became true (e.g. `occurred reverse_split`).
    When(Condition),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    Dispute { by: PartySet },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Fixed amounts in order, then optionally the rest. All or nothing.
    Pay {
        from: String,
        legs: Vec<PayLeg>,
    },
    /// Return to each depositor exactly what they put in.
    Refund {
        account: String,
    },
    Notify {
        to: PartySet,
        subject: String,
    },
    /// Freeze the account until one of the releases happens.
    Hold {
        account: String,
        until: Vec<HoldRelease>,
    },
    /// The agreement ends; nothing further runs.
    Terminate {
        reason: String,
    },
    /// Damages that grow by `amount` for every `every` that passes, until the condition holds.
    Accrue {
        amount: Money,
        every: Period,
        owed_by: String,
        owed_to: PartyRef,
        until: Condition,
        cap: Option<Money>,
    },
    /// Issue a declared note or warrant.
    Issue {
        instrument: String,
    },
    /// Refer the dispute to arbitration before the named forum.
    Arbitrate {
        forum: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayLeg {
    pub amount: PayAmount,
    pub to: PartyRef,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayAmount {
    Fixed(Money),
    /// Whatever remains in the account after the fixed legs.
    Rest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldRelease {
    /// An instrument (a settlement) signed by its required signers.
    Signed(String),
    /// A final court order, under the `CourtOrders` rule.
    CourtOrder,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obligation {
    pub name: String,
    pub payer: String,
    pub payee: PartyRef,
    pub amount: Money,
    pub period: Period,
    pub anchor: Anchor,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warrant {
    pub name: String,
    pub title: Option<String>,
    pub issuer: String,
    pub holder: PartyRef,
    pub shares: u64,
    /// Exercise price per share, exact; the cost of an exercise is rounded once, half-up, to minor units.
    pub exercise_price: rust_decimal::Decimal,
    pub term_years: u32,
    /// When it must be issued: within `period` of the anchor.
    pub issue_period: Period,
    pub issue_anchor: Anchor,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub name: String,
    pub title: Option<String>,
    pub issuer: String,
    pub holder: String,
    pub principal: Money,
    pub purchase_price: Money,
    pub security: Option<String>,
    /// Stated only when the agreement states it; the engine never assumes a rate.
    pub interest: Option<NoteInterest>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteInterest {
    pub rate_percent: rust_decimal::Decimal,
    pub day_count: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeGiven {
    WhenDelivered,
    WhenTransmitted,
    OnReceipt,
}

impl Agreement {
    pub fn party(&self, name: &str) -> Option<&Party> {
        self.parties.iter().find(|p| p.name == name)
    }

    pub fn account(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.name == name)
    }

    pub fn document(&self, name: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.name == name)
    }

    pub fn instrument(&self, name: &str) -> Option<&Instrument> {
        self.instruments.iter().find(|i| i.name == name)
    }

    pub fn event(&self, name: &str) -> Option<&EventDecl> {
        self.events.iter().find(|e| e.name == name)
    }

    /// The escrow agent, if the agreement names one.
    pub fn escrow_agent(&self) -> Option<&Party> {
        self.parties.iter().find(|p| matches!(p.kind, PartyKind::Single { escrow_agent: true }))
    }

    /// The `on dispute` rule that holds `account`: its clause number and what releases the hold.
    pub fn hold_rule(&self, account: &str) -> Option<(&str, &[HoldRelease])> {
        self.rules().find_map(|(clause, rule)| match rule {
            Rule::On { actions, .. } => actions.iter().find_map(|a| match a {
                Action::Hold { account: held, until } if held == account => Some((clause.number.as_str(), until.as_slice())),
                _ => None,
            }),
            _ => None,
        })
    }

    /// Whether signing `instrument` releases a hold: that is what makes it a settlement.
    pub fn releases_hold(&self, instrument: &str) -> bool {
        self.rules().any(|(_, rule)| match rule {
            Rule::On { actions, .. } => actions.iter().any(|a| match a {
                Action::Hold { until, .. } => until.iter().any(|r| matches!(r, HoldRelease::Signed(i) if i == instrument)),
                _ => false,
            }),
            _ => false,
        })
    }

    /// Every rule with the clause it belongs to, in document order.
    pub fn rules(&self) -> impl Iterator<Item = (&Clause, &Rule)> {
        self.clauses.iter().flat_map(|c| c.rules.iter().map(move |r| (c, r)))
    }
}
