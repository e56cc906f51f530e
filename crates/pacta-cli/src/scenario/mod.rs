//! Scenario files: timestamped commands, each with the party acting, replayed
//! against an agreement by `pacta simulate`. The format is documented in
//! `docs/scenarios.md`; in short:
//!
//! ```text
//! # comment
//! id escrow-roo-2005
//! 2005-08-19 10:00  agent admits purchaser alpha "Alpha Capital Fund LP"
//! 2005-08-19 11:00  alpha deposits 300,000.00 into escrow
//! 2005-08-24 11:00  gamma signs release_notice with key of alpha   => rejected bad_signature
//! 2005-09-03 00:00  tick
//! expect balance escrow 0.00
//! ```
//!
//! Times are local to the agreement's time zone unless written in RFC 3339 with
//! an offset. Every party signs with a demo key derived from its name; `with key
//! of X` signs with X's key instead, which is how a forgery is written.

pub mod parse;
pub mod run;

use pacta_core::money::Money;

#[derive(Debug, Clone)]
pub struct Scenario {
    pub id: Option<String>,
    pub steps: Vec<Step>,
    pub expectations: Vec<Expectation>,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub line: usize,
    pub text: String,
    pub at: When,
    pub actor: String,
    pub action: Action,
    pub expect: Option<Outcome>,
}

#[derive(Debug, Clone)]
pub enum When {
    /// A civil date and time in the agreement's zone.
    Local(jiff::civil::DateTime),
    Exact(jiff::Timestamp),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    Rejected(String),
}

/// A scenario action before keys and hashes are filled in.
#[derive(Debug, Clone)]
pub enum Action {
    Tick,
    Admit { role: String, member: String, legal_name: String },
    Deposit { account: String, amount: String },
    Deliver { document: String, content: Option<String> },
    Sign { instrument: String, terms: TermsSpec, key_of: Option<String> },
    Dispute { reason: String },
    CourtOrder { court: String, account: String, is_final: bool, directions: Vec<DirectionSpec> },
    DepositWithCourt { account: String },
    Resign,
    Report { event: String },
    PayObligation { obligation: String, to: String, amount: String },
    IssueWarrant { warrant: String, allocation: Vec<(String, u64)> },
    Exercise { warrant: String, shares: u64 },
    SendNotice { to: String, method: String, subject: String },
    Acknowledge { notice: u64 },
}

#[derive(Debug, Clone)]
pub enum TermsSpec {
    AsWritten,
    Directions(Vec<DirectionSpec>),
    Successor { legal_name: String, key_seed: String },
    Amendment { file: String },
    Assignment { assignor: String, legal_name: String, key_seed: String },
}

#[derive(Debug, Clone)]
pub enum DirectionSpec {
    Pay { amount: Option<String>, to: String },
    Refund,
}

#[derive(Debug, Clone)]
pub enum Expectation {
    Balance { line: usize, account: String, amount: String },
    Obligation { line: usize, name: String, status: String },
    Accrued { line: usize, clause: String, total: String },
    Terminated { line: usize },
    NoticeGiven { line: usize, notice: u64 },
}

/// Parsed amounts are checked against the agreement's currency at run time, so a
/// scenario can be parsed before the agreement is known.
pub fn parse_amount(text: &str, currency: pacta_core::money::Currency) -> Result<Money, String> {
    Money::parse(text, currency).map_err(|e| format!("amount `{text}`: {e}"))
}
