//! What happened: the journal's entries. `evolve` applies them; nothing else
//! changes state, so replaying a journal rebuilds the state exactly.

use std::sync::Arc;

use jiff::Timestamp;

use crate::agreement::Agreement;
use crate::calendar::{Deadline, Period};
use crate::consent::Terms;
use crate::ledger::{HoldStatus, Posting};
use crate::money::Money;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// When it took effect: the command's instant, or a deadline's due instant.
    pub at: Timestamp,
    pub kind: EventKind,
}

/// A rule's identity: its clause number and its position among the clause's rules.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleKey {
    pub clause: String,
    pub index: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadlinePurpose {
    /// An `unless … within` rule: its actions run if the condition was not met in time.
    Unless(RuleKey),
    ObligationDue(String),
    WarrantIssue(String),
    WaiverEnds(String),
    /// The end of the `period`-th period of an accrual.
    AccrualPeriod { rule: RuleKey, period: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObligationStatus {
    Open,
    Met,
    Late,
    MetLate,
}

impl ObligationStatus {
    pub fn name(self) -> &'static str {
        match self {
            ObligationStatus::Open => "open",
            ObligationStatus::Met => "met",
            ObligationStatus::Late => "late",
            ObligationStatus::MetLate => "met late",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    Opened { id: String, agreement: Arc<Agreement>, source_sha256: [u8; 32], keys: Vec<(String, [u8; 32])> },
    Joined { role: String, member: String, legal_name: String, public_key: [u8; 32] },
    Posted(Posting),
    Delivered { document: String, by: String, sha256: [u8; 32] },
    Signed { instrument: String, signer: String, terms: Terms, signature: [u8; 64] },
    Executed { instrument: String, signers: Vec<String> },
    RuleFired { rule: RuleKey },
    DeadlineSet { id: u64, purpose: DeadlinePurpose, deadline: Deadline },
    DeadlineMet { id: u64 },
    DeadlineFired { id: u64 },
    DeadlineCancelled { id: u64, reason: String },
    /// A rule applied but could not act; nothing moved. When `owed`, a hold blocked
    /// it and it runs as soon as the hold is lifted.
    ActionBlocked { clause: String, rule: Option<RuleKey>, owed: bool, reason: String },
    /// An owed action runs now that the hold that blocked it is gone.
    OwedActionRan { rule: RuleKey },
    /// Partial counterparts that no longer count (their dispute ended another way).
    CounterpartsVoided { instrument: String, reason: String },
    Notified { clause: String, to: Vec<String>, subject: String },
    /// The account's final distribution happened; it takes no more deposits.
    Closed { account: String, clause: String },
    Disputed { id: u64, by: String, reason: String },
    HoldPlaced { id: u64, account: String, clause: String },
    HoldSettled { id: u64, status: HoldStatus },
    DisputeResolved { id: u64, how: String },
    ArbitrationReferred { dispute: u64, clause: String, forum: String },
    CourtOrderObeyed { court: String, order_sha256: [u8; 32] },
    Resigned { agent: String },
    SuccessorAppointed { role: String, legal_name: String, public_key: [u8; 32], accounts: Vec<String> },
    Amended { version: u32, source_sha256: [u8; 32], agreement: Arc<Agreement> },
    Assigned { assignor: String, assignee_legal_name: String, public_key: [u8; 32] },
    Occurred { event: String },
    ObligationPaid { name: String, amount: Money },
    ObligationChanged { name: String, status: ObligationStatus },
    AccrualStarted { rule: RuleKey, owed_by: String, owed_to: Vec<String>, amount: Money, every: Period, cap: Option<Money> },
    Accrued { rule: RuleKey, period: u32, total: Money },
    AccrualStopped { rule: RuleKey, reason: String },
    Terminated { clause: String, reason: String },
    WaiverEnded { name: String, reason: String },
    WarrantIssued { name: String, allocation: Vec<(String, u64)>, expires: Timestamp },
    WarrantExercised { name: String, holder: String, shares: u64, cost: Money },
    NoteIssued { name: String },
    NoticeSent { id: u64, from: String, to: String, method: String, subject: String, given: Option<Timestamp> },
    NoticeGiven { id: u64 },
}
