//! Requests to domain values: amounts parsed exactly, hex decoded, `.pact`
//! sources compiled. Everything here is refused before the engine sees it, so a
//! bad request changes nothing.

use std::sync::Arc;

use pacta_core::agreement::{Agreement, PayAmount};
use pacta_core::consent::{Direction, PublicKey, Terms};
use pacta_core::engine::CommandKind;
use pacta_core::money::{Currency, Money};
use sha2::{Digest, Sha256};

use crate::dto::{CommandRequest, Diagnostic, DirectionDto, TermsDto};
use crate::error::ApiError;

/// An amendment's source, compiled, with the hash its signatures cover.
#[derive(Clone)]
pub struct CompiledSource {
    pub sha256: [u8; 32],
    pub agreement: Arc<Agreement>,
    pub warnings: Vec<Diagnostic>,
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Compiles `.pact` text; errors become `compile_error` with every diagnostic's line and column.
pub fn compile(field: &str, source: &str) -> Result<CompiledSource, ApiError> {
    let compiled = pacta_lang::compile(source);
    let diagnostics: Vec<Diagnostic> = compiled.diagnostics.iter().map(|d| diagnostic(source, d)).collect();
    match compiled.agreement {
        Some(agreement) => {
            if let Err(rejection) = pacta_core::engine::check_runnable(&agreement) {
                return Err(ApiError::invalid("compile_error", field, rejection.message));
            }
            Ok(CompiledSource { sha256: sha256(source.as_bytes()), agreement: Arc::new(agreement), warnings: diagnostics })
        }
        None => {
            let errors: Vec<Diagnostic> = diagnostics.into_iter().filter(|d| d.severity == "error").collect();
            let first = errors.first().map(|d| format!("line {}, column {}: {}", d.line, d.column, d.message)).unwrap_or_default();
            let message = format!("the agreement does not compile ({} error(s)); {first}", errors.len());
            Err(ApiError::invalid("compile_error", field, message).diagnostics(errors))
        }
    }
}

fn diagnostic(source: &str, d: &pacta_lang::Diagnostic) -> Diagnostic {
    let (line, column) = pacta_lang::line_col(source, d.span.start);
    Diagnostic {
        severity: if d.is_error() { "error" } else { "warning" }.to_string(),
        code: d.code.to_string(),
        message: d.message.clone(),
        line,
        column,
        label: d.label.clone(),
        help: d.help.clone(),
        rendered: pacta_lang::render("agreement.pact", source, std::slice::from_ref(d), false),
    }
}

pub fn amount(field: &str, text: &str, currency: Currency) -> Result<Money, ApiError> {
    // Zero is left to the engine, which knows which commands may carry it.
    Money::parse(text.trim(), currency).map_err(|e| ApiError::invalid("invalid_amount", field, format!("amount `{text}`: {e}")))
}

pub fn hex_bytes<const N: usize>(field: &str, text: &str) -> Result<[u8; N], ApiError> {
    let mut out = [0u8; N];
    hex::decode_to_slice(text.trim(), &mut out).map_err(|_| ApiError::invalid("invalid_value", field, format!("`{field}` must be {} hex digits", N * 2)))?;
    Ok(out)
}

/// A public key checked here, at the edge, so the engine need not decode it again.
fn valid_key(field: &str, text: &str) -> Result<PublicKey, ApiError> {
    PublicKey::from_bytes(&hex_bytes(field, text)?).ok_or_else(|| ApiError::invalid("bad_key", field, format!("`{field}` is not a valid Ed25519 public key")))
}

pub fn directions(field: &str, dtos: &[DirectionDto], currency: Currency) -> Result<Vec<Direction>, ApiError> {
    dtos.iter()
        .enumerate()
        .map(|(i, d)| match d {
            DirectionDto::Pay { amount: a, to } => {
                Ok(Direction::Pay { amount: PayAmount::Fixed(amount(&format!("{field}[{i}].amount"), a, currency)?), to: to.clone() })
            }
            DirectionDto::PayRest { to } => Ok(Direction::Pay { amount: PayAmount::Rest, to: to.clone() }),
            DirectionDto::RefundDepositors {} => Ok(Direction::RefundDepositors),
        })
        .collect()
}

/// The terms a signature covers. An amendment's source must already be compiled
/// (`amendment`): the handler compiles it and stores it before the command runs.
pub fn terms(dto: &TermsDto, currency: Currency, amendment: Option<&CompiledSource>) -> Result<Terms, ApiError> {
    Ok(match dto {
        TermsDto::AsWritten {} => Terms::AsWritten,
        TermsDto::Directions { directions: d } => Terms::Directions(directions("terms.directions", d, currency)?),
        TermsDto::Successor { legal_name, public_key } => {
            Terms::Successor { legal_name: legal_name.clone(), public_key: hex_bytes("terms.public_key", public_key)? }
        }
        TermsDto::Amendment { source } => {
            let compiled = match amendment {
                Some(c) => c.clone(),
                None => compile("terms.source", source)?,
            };
            Terms::Amendment { source_sha256: compiled.sha256, agreement: compiled.agreement }
        }
        TermsDto::Assignment { assignor, assignee_legal_name, public_key } => Terms::Assignment {
            assignor: assignor.clone(),
            assignee_legal_name: assignee_legal_name.clone(),
            public_key: hex_bytes("terms.public_key", public_key)?,
        },
    })
}

/// The source text of an amendment inside a command, if it carries one.
pub fn amendment_source(dto: &CommandRequest) -> Option<&str> {
    match dto {
        CommandRequest::Sign { terms: TermsDto::Amendment { source }, .. } => Some(source),
        _ => None,
    }
}

/// The command a request asks for. A member's public key is checked here, so an
/// invalid one is refused (`bad_key`) before it reaches the engine.
pub fn command(dto: &CommandRequest, currency: Currency, amendment: Option<&CompiledSource>) -> Result<CommandKind, ApiError> {
    Ok(match dto {
        CommandRequest::Join { role, member, legal_name, public_key } => {
            CommandKind::Join { role: role.clone(), member: member.clone(), legal_name: legal_name.clone(), public_key: valid_key("public_key", public_key)? }
        }
        CommandRequest::Deposit { account, amount: a } => CommandKind::Deposit { account: account.clone(), amount: amount("amount", a, currency)? },
        CommandRequest::Deliver { document, sha256: digest, content } => {
            let sha256 = match (digest, content) {
                (Some(digest), None) => hex_bytes("sha256", digest)?,
                (None, Some(content)) => sha256(content.as_bytes()),
                _ => return Err(ApiError::invalid("invalid_value", "sha256", "give exactly one of `sha256` (the document's hash) or `content`")),
            };
            CommandKind::Deliver { document: document.clone(), sha256 }
        }
        CommandRequest::Sign { instrument, terms: t, signature } => CommandKind::Sign {
            instrument: instrument.clone(),
            terms: terms(t, currency, amendment)?,
            signature: hex_bytes("signature", signature)?,
            check: None,
        },
        CommandRequest::Dispute { reason } => CommandKind::Dispute { reason: reason.clone() },
        CommandRequest::CourtOrder { court, account, order_sha256, is_final, directions: d } => CommandKind::CourtOrder {
            court: court.clone(),
            account: account.clone(),
            order_sha256: hex_bytes("order_sha256", order_sha256)?,
            is_final: *is_final,
            directions: directions("directions", d, currency)?,
        },
        CommandRequest::DepositWithCourt { account } => CommandKind::DepositWithCourt { account: account.clone() },
        CommandRequest::Resign {} => CommandKind::Resign,
        CommandRequest::Report { event } => CommandKind::Report { event: event.clone() },
        CommandRequest::PayObligation { obligation, to, amount: a } => {
            CommandKind::PayObligation { obligation: obligation.clone(), to: to.clone(), amount: amount("amount", a, currency)? }
        }
        CommandRequest::IssueWarrant { warrant, allocation } => {
            CommandKind::IssueWarrant { warrant: warrant.clone(), allocation: allocation.iter().map(|a| (a.holder.clone(), a.shares)).collect() }
        }
        CommandRequest::ExerciseWarrant { warrant, shares } => CommandKind::ExerciseWarrant { warrant: warrant.clone(), shares: *shares },
        CommandRequest::SendNotice { to, method, subject } => CommandKind::SendNotice { to: to.clone(), method: method.clone(), subject: subject.clone() },
        CommandRequest::AcknowledgeNotice { notice } => CommandKind::AcknowledgeNotice { notice: *notice },
        CommandRequest::Tick {} => CommandKind::Tick,
    })
}
