//! Responses. Amounts are exact decimal strings without separators (`"15000.00"`),
//! instants RFC 3339 in UTC (`at`), with the agreement zone's local form beside
//! them where people read them (`local`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;

use super::Diagnostic;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AgreementSummary {
    pub id: String,
    pub title: String,
    pub version: u32,
    pub dated: String,
    pub currency: String,
    pub calendar: String,
    pub time_zone: String,
    /// The seq of the last journal entry.
    pub seq: u64,
    /// The instant of the last event.
    pub last_at: String,
    /// `open`, or `terminated`.
    pub status: String,
    pub escrow_agent: Option<String>,
    /// The earliest pending deadline, if any.
    pub next_deadline: Option<String>,
    /// Custody accounts and what each holds.
    pub custody: Vec<AmountLine>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AmountLine {
    pub account: String,
    pub amount: String,
}

/// The identity a token acts as.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Caller {
    /// `admin`, or the party or member id.
    pub identity: String,
    /// The party in the agreement it acts as (`purchaser` for a member); `agent` for the admin.
    pub acts_as: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AgreementDetail {
    #[serde(flatten)]
    pub summary: AgreementSummary,
    pub governed_by: Option<String>,
    pub source_sha256: String,
    pub you: Caller,
    pub parties: Vec<PartyView>,
    pub accounts: Vec<AccountView>,
    pub disputes: Vec<DisputeView>,
    pub obligations: Vec<ObligationView>,
    pub warrants: Vec<WarrantView>,
    pub notices: Vec<NoticeView>,
    pub terminated: Option<TerminationView>,
    pub resigned_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PartyView {
    pub name: String,
    pub legal_name: String,
    /// `single`, `many` (members join over time) or `group`.
    pub kind: String,
    pub escrow_agent: bool,
    pub has_key: bool,
    /// Members of a `many` role or a group.
    pub members: Vec<MemberView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MemberView {
    pub id: String,
    pub legal_name: String,
    pub has_key: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccountView {
    pub name: String,
    pub held_by: String,
    pub balance: String,
    pub limit: Option<String>,
    /// The clause under which the account was paid out or refunded, once it has been.
    pub closed_under: Option<String>,
    /// A pending hold (a dispute) freezes the account.
    pub held: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DisputeView {
    pub id: u64,
    pub by: String,
    pub reason: String,
    pub raised: String,
    pub resolved: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ObligationView {
    pub name: String,
    pub clause: String,
    pub paid: String,
    /// `open`, `met`, `late`, `met late`.
    pub status: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WarrantView {
    pub name: String,
    pub clause: String,
    pub issued: Option<String>,
    pub expires: Option<String>,
    pub remaining: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NoticeView {
    pub id: u64,
    pub from: String,
    pub to: String,
    pub method: String,
    pub subject: String,
    pub sent: String,
    pub given: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TerminationView {
    pub at: String,
    pub clause: String,
    pub reason: String,
}

/// `POST /v1/agreements` answer: the instance and each party's bearer token,
/// returned this once (the server keeps only their SHA-256).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OpenResponse {
    pub agreement: AgreementSummary,
    /// Bearer token per single party; `null` in an idempotent replay.
    pub tokens: BTreeMap<String, Option<String>>,
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub agreement: String,
    pub party: String,
    /// Returned this once; `null` in an idempotent replay.
    pub token: Option<String>,
}

/// One journal entry, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EntryView {
    pub seq: u64,
    pub at: String,
    pub local: String,
    /// The event kind: `posted`, `signed`, `deadline_fired`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The event in words.
    pub text: String,
    /// The stored canonical payload (the journal's own JSON format).
    #[schema(value_type = Object)]
    pub event: Box<RawValue>,
    /// Hash-chain links, when read from the store (absent in a command's answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev_hash: Option<String>,
}

/// A command that was applied: its journal entries, durable before this answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommandResponse {
    pub agreement: String,
    /// The command's `type`.
    pub command: String,
    pub actor: String,
    /// The instant the server stamped on the command.
    pub at: String,
    /// Deadlines that fell due before the command and fired first, then the command's own events.
    pub entries: Vec<EntryView>,
    /// For `join`: the new member's bearer token, returned this once (`null` in a replay).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<Option<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BalancesView {
    pub agreement: String,
    pub currency: String,
    pub custody: Vec<CustodyView>,
    /// Outside accounts: a party's money outside custody (negative after paying in).
    pub parties: Vec<AmountLine>,
    pub courts: Vec<AmountLine>,
    /// Double entry: always `"0"`.
    pub sum_of_balances: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CustodyView {
    pub account: String,
    pub held_by: String,
    pub total: String,
    /// Per depositor (the sub-ledger a refund returns from); `depositor` null is the pool.
    pub parts: Vec<CustodyPart>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CustodyPart {
    pub depositor: Option<String>,
    pub balance: String,
}

/// The conditions checklist: every document and instrument, who has delivered or
/// signed, and who is still missing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ConditionsView {
    pub agreement: String,
    pub documents: Vec<DocumentCheck>,
    pub instruments: Vec<InstrumentCheck>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DocumentCheck {
    pub name: String,
    pub title: Option<String>,
    /// `all_of` (every listed party delivers) or `any_of` (one suffices).
    pub mode: String,
    pub required: Vec<String>,
    pub delivered: Vec<DeliveryView>,
    pub missing: Vec<String>,
    pub complete: bool,
    pub complete_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryView {
    pub by: String,
    pub at: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InstrumentCheck {
    pub name: String,
    pub title: Option<String>,
    pub mode: String,
    pub required: Vec<String>,
    pub signed: Vec<SignatureView>,
    pub missing: Vec<String>,
    pub executed_at: Option<String>,
    /// SHA-256 of the terms the counterparts so far (or the execution) are over.
    pub terms_sha256: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SignatureView {
    pub by: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeadlineView {
    pub id: u64,
    /// What the deadline is for, in words.
    pub purpose: String,
    pub clause: Option<String>,
    /// `pending`, `met`, `fired` or `cancelled`.
    pub status: String,
    /// The first instant that is too late, in the agreement's zone (RFC 3339 with offset).
    pub due: String,
    pub due_utc: String,
    /// The last day on which the act is in time.
    pub last_day: String,
    pub anchor: String,
    pub period: String,
    pub calendar: String,
    pub time_zone: String,
    pub cutoff: Option<String>,
    /// For a pending deadline: seconds until due by the server's clock (0 when overdue).
    pub seconds_left: Option<i64>,
    /// The same in words: `9 days 4 hours`.
    pub time_left: Option<String>,
    pub met_at: Option<String>,
    pub cancelled: Option<String>,
    /// The whole deadline in one sentence, with its calendar.
    pub explanation: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PostingView {
    pub id: u64,
    pub at: String,
    pub local: String,
    pub debit: String,
    pub credit: String,
    pub amount: String,
    pub currency: String,
    pub clause: String,
    pub clause_title: String,
    pub because: String,
    pub authority: Vec<String>,
    /// "§1.5 Release — Release Notice executed by …".
    pub why: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WhyView {
    pub posting: u64,
    pub why: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JournalView {
    pub agreement: String,
    pub entries: Vec<EntryView>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<u64>,
}

/// The exact bytes a signer signs for one instrument and terms.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SigningPayload {
    pub agreement: String,
    pub version: u32,
    pub instrument: String,
    pub signer: String,
    pub terms_sha256: String,
    pub message_hex: String,
    pub message_base64: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub agreements: usize,
    pub database: String,
}
