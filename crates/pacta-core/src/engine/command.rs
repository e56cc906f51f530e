//! What parties ask the engine to do. Each command carries the instant it
//! happened and the identity acting; the edge (CLI, server) has authenticated
//! the actor, and consent is proven separately by signatures inside `Sign`.

use jiff::Timestamp;

use crate::consent::{Direction, PublicKey, SignatureCheck, Terms};
use crate::money::Money;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub at: Timestamp,
    /// A single party's name (`company`) or a member's id (`alpha`).
    pub actor: String,
    pub kind: CommandKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandKind {
    /// Only lets time pass: every deadline due by `at` fires.
    Tick,
    /// A new member of a `many` role (a purchaser signing on), admitted by the escrow agent.
    Join { role: String, member: String, legal_name: String, public_key: PublicKey },
    Deposit { account: String, amount: Money },
    Deliver { document: String, sha256: [u8; 32] },
    /// One counterpart signature over exactly `terms`. `check` is the outcome of
    /// verifying it earlier, off the sequential path; without one (or if it does
    /// not cover this scope) the engine verifies the signature itself. Boxed: it
    /// is larger than every other command.
    Sign { instrument: String, terms: Terms, signature: [u8; 64], check: Option<Box<SignatureCheck>> },
    Dispute { reason: String },
    /// A final order of a court, obeyed by the party the agreement names.
    CourtOrder { court: String, account: String, order_sha256: [u8; 32], is_final: bool, directions: Vec<Direction> },
    DepositWithCourt { account: String },
    Resign,
    /// A declared corporate event (a reverse split) has happened.
    Report { event: String },
    PayObligation { obligation: String, to: String, amount: Money },
    /// Issue a warrant; a warrant to a group needs the shares allocated to its members.
    IssueWarrant { warrant: String, allocation: Vec<(String, u64)> },
    ExerciseWarrant { warrant: String, shares: u64 },
    SendNotice { to: String, method: String, subject: String },
    /// The recipient confirms receipt of a notice that is only given on receipt.
    AcknowledgeNotice { notice: u64 },
}

impl CommandKind {
    /// A short stable name, for journals and error messages.
    pub fn name(&self) -> &'static str {
        match self {
            CommandKind::Tick => "tick",
            CommandKind::Join { .. } => "join",
            CommandKind::Deposit { .. } => "deposit",
            CommandKind::Deliver { .. } => "deliver",
            CommandKind::Sign { .. } => "sign",
            CommandKind::Dispute { .. } => "dispute",
            CommandKind::CourtOrder { .. } => "court_order",
            CommandKind::DepositWithCourt { .. } => "deposit_with_court",
            CommandKind::Resign => "resign",
            CommandKind::Report { .. } => "report",
            CommandKind::PayObligation { .. } => "pay_obligation",
            CommandKind::IssueWarrant { .. } => "issue_warrant",
            CommandKind::ExerciseWarrant { .. } => "exercise_warrant",
            CommandKind::SendNotice { .. } => "send_notice",
            CommandKind::AcknowledgeNotice { .. } => "acknowledge_notice",
        }
    }
}
