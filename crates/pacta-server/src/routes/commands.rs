//! Commands, and the exact bytes a signer signs.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use base64::Engine as _;
use pacta_core::consent::{ConsentScope, Terms};
use pacta_core::engine::CommandKind;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{idempotent, submit, visible, AppState};
use crate::auth::{new_token, Principal};
use crate::body::{parse, RawBody};
use crate::convert::input::{self, amendment_source, compile, CompiledSource};
use crate::dto::{CommandRequest, CommandResponse, ErrorBody, SigningPayload, SigningPayloadRequest, TermsDto};
use crate::error::ApiError;
use crate::instances::Snapshot;
use crate::writer::{Grant, Work};

/// Submit one command. The actor is the token's party (the admin acts as the
/// escrow agent); the instant is the server's clock. Answered once durable.
#[utoipa::path(post, path = "/v1/agreements/{id}/commands", tag = "commands", request_body = CommandRequest,
    params(("id" = String, Path), ("Idempotency-Key" = String, Header, description = "Unique per write")),
    responses(
        (status = 200, description = "Applied: the journal entries it produced", body = CommandResponse),
        (status = 400, description = "`invalid_json`, `unknown_field`, `missing_field`, `invalid_type`, `unknown_type`, `idempotency_key_required`", body = ErrorBody),
        (status = 403, description = "`forbidden` (another agreement) or `not_permitted` (the agreement does not allow this party to do this)", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 422, description = "`invalid_amount`, `invalid_value`, or an engine rejection (`bad_signature`, `account_closed`, `unknown_party`, …)", body = ErrorBody),
    ), security(("bearer" = [])))]
pub async fn submit_command(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Response {
    let path = format!("/v1/agreements/{id}/commands");
    let shared = Arc::clone(&state);
    let caller = principal.clone();
    let raw = body.clone();
    idempotent(&state, &principal, &headers, &path, &body, |key| async move {
        let snapshot = visible(&shared, &caller, &id).await?;
        let request: CommandRequest = parse(&raw)?;
        // A tick only lets time pass, so the admin may send one to any agreement,
        // even one without an escrow agent to act as.
        let actor = match (&request, &caller) {
            (CommandRequest::Tick {}, Principal::Admin) => crate::scheduler::ticker(&snapshot.state),
            _ => caller.actor(&snapshot.state)?,
        };
        let amendment = match amendment_source(&request) {
            Some(source) => Some(store_amendment(&shared, source).await?),
            None => None,
        };
        let kind = input::command(&request, snapshot.state.agreement.currency, amendment.as_ref())?;
        let kind = check_signature(Arc::clone(&snapshot), &actor, kind).await?;
        let grant = match &kind {
            CommandKind::Join { member, .. } => Some(Grant { identity: member.clone(), token: new_token() }),
            _ => None,
        };
        let work = Work::Command { actor, name: kind.name(), kind, grant };
        submit(&shared, &id, work, Some(key)).await
    })
    .await
}

/// Verifies a signature here, on the blocking pool and in parallel with other
/// requests, against the last committed state, and attaches the outcome, so the
/// single writer only has to confirm that the check covers its own scope (a few
/// comparisons, not a curve operation). If the state moved on meanwhile (an
/// amendment), the check no longer applies and the writer verifies itself.
async fn check_signature(snapshot: Arc<Snapshot>, actor: &str, kind: CommandKind) -> Result<CommandKind, ApiError> {
    let CommandKind::Sign { instrument, terms, signature, check: None } = kind else {
        return Ok(kind);
    };
    let Some(public_key) = snapshot.state.identity(actor).and_then(|i| i.public_key) else {
        return Ok(CommandKind::Sign { instrument, terms, signature, check: None });
    };
    let actor = actor.to_string();
    let checking = tokio::task::spawn_blocking(move || {
        let state = &snapshot.state;
        let scope = ConsentScope { agreement_id: &state.id, version: state.version, instrument: &instrument, signer: &actor, terms: &terms };
        let check = scope.check(&public_key, &signature);
        CommandKind::Sign { instrument, terms, signature, check: Some(Box::new(check)) }
    });
    // The closure cannot panic; the task fails only if the runtime is shutting down.
    checking.await.map_err(|_| ApiError::unavailable("the server is shutting down; retry with the same key"))
}

/// An amendment's source is compiled and stored before its signature is
/// journaled: the journal names it by hash and must be able to decode it.
async fn store_amendment(state: &super::Shared, source: &str) -> Result<CompiledSource, ApiError> {
    let compiled = compile("terms.source", source)?;
    let sha256 = state.store.put_source(source).await.map_err(|e| ApiError::unavailable(e.to_string()))?;
    let agreement = state.store.agreement(&sha256).await.map_err(|e| ApiError::unavailable(e.to_string()))?;
    Ok(CompiledSource { sha256, agreement, warnings: compiled.warnings })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SigningQuery {
    /// The instrument to sign, e.g. `release_notice` (terms: as written).
    pub instrument: String,
    /// Who signs; defaults to the token's party (the admin: the escrow agent).
    pub signer: Option<String>,
}

/// The exact bytes to sign for an instrument signed as written (a Release
/// Notice). Sign them with Ed25519 (e.g. `openssl pkeyutl -sign -rawin`) and
/// send the signature as hex in a `sign` command.
#[utoipa::path(get, path = "/v1/agreements/{id}/signing-payload", tag = "commands", params(("id" = String, Path), SigningQuery),
    responses((status = 200, body = SigningPayload), (status = 400, body = ErrorBody)), security(("bearer" = [])))]
pub async fn signing_payload(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    query: Result<Query<SigningQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SigningPayload>, ApiError> {
    let snapshot = visible(&state, &principal, &id).await?;
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    payload(&snapshot, &principal, &query.instrument, query.signer, Terms::AsWritten).map(Json)
}

/// The exact bytes to sign for any terms: settlement directions, a successor,
/// an amendment's source, an assignment.
#[utoipa::path(post, path = "/v1/agreements/{id}/signing-payload", tag = "commands", params(("id" = String, Path)), request_body = SigningPayloadRequest,
    responses((status = 200, body = SigningPayload), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn signing_payload_for_terms(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    RawBody(body): RawBody,
) -> Result<Json<SigningPayload>, ApiError> {
    let snapshot = visible(&state, &principal, &id).await?;
    let request: SigningPayloadRequest = parse(&body)?;
    let amendment = match &request.terms {
        TermsDto::Amendment { source } => Some(compile("terms.source", source)?),
        _ => None,
    };
    let terms = input::terms(&request.terms, snapshot.state.agreement.currency, amendment.as_ref())?;
    payload(&snapshot, &principal, &request.instrument, request.signer, terms).map(Json)
}

fn payload(snapshot: &Snapshot, principal: &Principal, instrument: &str, signer: Option<String>, terms: Terms) -> Result<SigningPayload, ApiError> {
    let state = &snapshot.state;
    let signer = match (signer, principal) {
        (Some(signer), _) => signer,
        (None, Principal::Party { identity, .. }) => identity.clone(),
        (None, Principal::Admin) => principal.actor(state)?,
    };
    if !state.knows(signer.as_str()) {
        return Err(ApiError::invalid("unknown_party", "signer", format!("`{signer}` is not a party to `{}`", state.id)));
    }
    let digest = terms.digest();
    let scope = ConsentScope { agreement_id: &state.id, version: state.version, instrument, signer: &signer, terms: &terms };
    let message = scope.message();
    Ok(SigningPayload {
        agreement: state.id.clone(),
        version: state.version,
        instrument: instrument.to_string(),
        signer,
        terms_sha256: hex::encode(digest),
        message_hex: hex::encode(&message),
        message_base64: base64::engine::general_purpose::STANDARD.encode(&message),
    })
}
