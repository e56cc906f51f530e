//! Requests: opening an agreement, its commands, signing payloads, tokens.
//!
//! Unknown fields are refused (`unknown_field`): a misspelt optional field would
//! otherwise be ignored silently, and a command is a legal act. Amounts are exact
//! decimal strings, never JSON numbers, because a JSON number is a binary float
//! in most clients. Variants without fields are written `Tick {}`, not `Tick`:
//! serde refuses unknown fields only in a struct variant.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /v1/agreements`
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenRequest {
    /// The instance id: lowercase letters, digits, `_` or `-`, at most 128 characters.
    #[schema(example = "escrow-roo-2005")]
    pub id: String,
    /// The agreement's `.pact` source text.
    pub source: String,
    /// Ed25519 public keys (64 hex digits) of the single parties that will sign, by party name.
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
}

/// `POST /v1/agreements/{id}/tokens`
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// A single party's name or a member's id.
    pub party: String,
}

/// `POST /v1/agreements/{id}/commands`: one command, tagged by `type`. The actor
/// is the holder of the bearer token; the instant is the server's clock.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum CommandRequest {
    /// Admit a member of a `many` role (the escrow agent does); the response carries the member's token.
    Join {
        role: String,
        member: String,
        legal_name: String,
        /// Ed25519 public key, 64 hex digits.
        public_key: String,
    },
    Deposit {
        account: String,
        /// Exact decimal: `"15,000.00"` or `"15000.00"`.
        #[schema(example = "3,000,000.00")]
        amount: String,
    },
    /// A document delivered. Give `sha256` of the document, or its `content` (hashed by the server).
    Deliver {
        document: String,
        #[serde(default)]
        sha256: Option<String>,
        #[serde(default)]
        content: Option<String>,
    },
    /// One counterpart signature (hex, 128 digits) over the message of `signing-payload`.
    Sign {
        instrument: String,
        terms: TermsDto,
        signature: String,
    },
    Dispute {
        reason: String,
    },
    CourtOrder {
        court: String,
        account: String,
        /// SHA-256 of the order, 64 hex digits.
        order_sha256: String,
        is_final: bool,
        directions: Vec<DirectionDto>,
    },
    DepositWithCourt {
        account: String,
    },
    Resign {},
    /// A declared corporate event (a reverse split) has happened.
    Report {
        event: String,
    },
    PayObligation {
        obligation: String,
        to: String,
        amount: String,
    },
    IssueWarrant {
        warrant: String,
        #[serde(default)]
        allocation: Vec<AllocationDto>,
    },
    ExerciseWarrant {
        warrant: String,
        shares: u64,
    },
    SendNotice {
        to: String,
        method: String,
        subject: String,
    },
    AcknowledgeNotice {
        notice: u64,
    },
    /// Only lets time pass: every deadline due by now fires.
    Tick {},
}

/// What a signer consents to, tagged by `kind`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TermsDto {
    /// The instrument exactly as the agreement describes it (a Release Notice).
    AsWritten {},
    /// How held funds are paid out (a settlement).
    Directions { directions: Vec<DirectionDto> },
    /// Who takes over as escrow agent.
    Successor { legal_name: String, public_key: String },
    /// A new version of the agreement: its full `.pact` source.
    Amendment { source: String },
    /// The transfer of one party's rights.
    Assignment { assignor: String, assignee_legal_name: String, public_key: String },
}

/// One instruction of a settlement or court order, tagged by `type`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum DirectionDto {
    Pay { amount: String, to: String },
    PayRest { to: String },
    RefundDepositors {},
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationDto {
    pub holder: String,
    pub shares: u64,
}

/// `POST /v1/agreements/{id}/signing-payload`: the bytes to sign for any terms.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SigningPayloadRequest {
    pub instrument: String,
    pub terms: TermsDto,
    /// Who signs; defaults to the token's party (the admin must name one).
    #[serde(default)]
    pub signer: Option<String>,
}
