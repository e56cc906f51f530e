//! The wire types: what the API reads and writes, with serde and utoipa derives.
//! Domain types (pacta-core) never carry these derives; `convert/` maps between
//! the two in the handlers, so the journal's model can change without changing
//! the API, and the reverse.

pub mod commands;
pub mod views;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use commands::*;
pub use views::*;

/// Every error: a stable `code`, a message for people, and what is at fault.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable and machine-readable: `invalid_amount`, `not_permitted`, `account_closed`, …
    pub code: String,
    pub message: String,
    /// The agreement clause at fault or that forbids the command, e.g. `1.5`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
    /// The request field at fault, e.g. `amount`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `.pact` sources that do not compile: every diagnostic with its position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Vec<Diagnostic>>,
}

/// A `.pact` diagnostic, with 1-based line and column.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Diagnostic {
    /// `error` or `warning`.
    pub severity: String,
    /// `E0105`, `W0001`, … (see docs/language.md).
    pub code: String,
    pub message: String,
    pub line: usize,
    pub column: usize,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// rustc-style rendering with the source line and a caret.
    pub rendered: String,
}
