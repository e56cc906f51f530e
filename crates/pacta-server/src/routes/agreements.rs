//! Agreement instances: open one from `.pact` source, list the caller's, read one,
//! issue a bearer token.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use pacta_core::agreement::PartyKind;

use super::{idempotent, submit, visible, AppState};
use crate::auth::{new_token, sha256_hex, Principal};
use crate::body::{parse, RawBody};
use crate::convert::input::{compile, hex_bytes, CompiledSource};
use crate::convert::views;
use crate::dto::{AgreementDetail, AgreementSummary, Caller, ErrorBody, OpenRequest, OpenResponse, TokenRequest, TokenResponse};
use crate::error::{json_response, ApiError};
use crate::tables::TokenRow;
use crate::writer::{Grant, Work};

/// Open an agreement instance (admin only). Returns each single party's bearer token, once.
#[utoipa::path(post, path = "/v1/agreements", tag = "agreements", request_body = OpenRequest,
    params(("Idempotency-Key" = String, Header, description = "Unique per write")),
    responses(
        (status = 201, body = OpenResponse),
        (status = 409, description = "`already_exists`", body = ErrorBody),
        (status = 422, description = "`compile_error` (with diagnostics), `invalid_name`, `unknown_party`, `bad_key`, `invalid_value`", body = ErrorBody),
    ), security(("bearer" = [])))]
pub async fn open(State(state): State<AppState>, principal: Principal, headers: HeaderMap, RawBody(body): RawBody) -> Response {
    if !principal.is_admin() {
        return ApiError::forbidden("only the admin opens agreements").into_response();
    }
    let shared = Arc::clone(&state);
    let raw = body.clone();
    idempotent(&state, &principal, &headers, "/v1/agreements", &body, |key| async move {
        let request: OpenRequest = parse(&raw)?;
        let compiled = compile("source", &request.source)?;
        let mut keys = Vec::with_capacity(request.keys.len());
        for (party, key) in &request.keys {
            keys.push((party.clone(), hex_bytes::<32>(&format!("keys.{party}"), key)?));
        }
        // The journal names the agreement by its source's hash, so the source is
        // stored first; the store's compiled copy is the one the engine runs.
        let sha256 = shared.store.put_source(&request.source).await.map_err(|e| ApiError::unavailable(e.to_string()))?;
        let agreement = shared.store.agreement(&sha256).await.map_err(|e| ApiError::unavailable(e.to_string()))?;
        let grants = agreement
            .parties
            .iter()
            .filter(|p| matches!(p.kind, PartyKind::Single { .. }))
            .map(|p| Grant { identity: p.name.clone(), token: new_token() })
            .collect();
        let source = CompiledSource { sha256, agreement, warnings: vec![] };
        let work = Work::Open { source, keys, grants, warnings: compiled.warnings };
        submit(&shared, &request.id, work, Some(key)).await
    })
    .await
}

/// The agreements this token may see: all of them for the admin, its own for a party.
#[utoipa::path(get, path = "/v1/agreements", tag = "agreements",
    responses((status = 200, body = [AgreementSummary])), security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>, principal: Principal) -> Json<Vec<AgreementSummary>> {
    let snapshots = match &principal {
        Principal::Admin => state.instances.all(),
        Principal::Party { agreement, .. } => state.instances.get(agreement).into_iter().collect(),
    };
    Json(snapshots.iter().map(|s| views::summary(s)).collect())
}

/// The state of one agreement: parties, accounts, disputes, obligations, warrants, notices.
#[utoipa::path(get, path = "/v1/agreements/{id}", tag = "agreements", params(("id" = String, Path)),
    responses((status = 200, body = AgreementDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(State(state): State<AppState>, principal: Principal, Path(id): Path<String>) -> Result<Json<AgreementDetail>, ApiError> {
    let snapshot = visible(&state, &principal, &id).await?;
    let you = match &principal {
        Principal::Admin => Caller { identity: "admin".into(), acts_as: snapshot.state.agreement.escrow_agent().map(|a| a.name.clone()) },
        Principal::Party { identity, .. } => Caller { identity: identity.clone(), acts_as: snapshot.state.identity(identity.as_str()).map(|i| i.role.to_string()) },
    };
    Ok(Json(views::detail(&snapshot, you)))
}

/// Issue another bearer token for a party or member (the admin or the agreement's escrow agent).
#[utoipa::path(post, path = "/v1/agreements/{id}/tokens", tag = "agreements", request_body = TokenRequest,
    params(("id" = String, Path), ("Idempotency-Key" = String, Header, description = "Unique per write")),
    responses((status = 201, body = TokenResponse), (status = 403, body = ErrorBody), (status = 422, description = "`unknown_party`", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn issue_token(State(state): State<AppState>, principal: Principal, Path(id): Path<String>, headers: HeaderMap, RawBody(body): RawBody) -> Response {
    let path = format!("/v1/agreements/{id}/tokens");
    let shared = Arc::clone(&state);
    let caller = principal.clone();
    let raw = body.clone();
    idempotent(&state, &principal, &headers, &path, &body, |key| async move {
        let snapshot = visible(&shared, &caller, &id).await?;
        if !caller.administers(&snapshot.state) {
            return Err(ApiError::forbidden("only the admin or the escrow agent issues tokens"));
        }
        let request: TokenRequest = parse(&raw)?;
        if !snapshot.state.knows(request.party.as_str()) {
            return Err(ApiError::invalid("unknown_party", "party", format!("`{}` is not a party or member of `{id}`", request.party)));
        }
        let token = new_token();
        let now = shared.clock.now();
        let row = TokenRow { sha256: sha256_hex(&token), agreement_id: id.clone(), identity: request.party.clone(), created_at: now.to_string() };
        let stored = TokenResponse { agreement: id.clone(), party: request.party.clone(), token: None };
        let stored_body = serde_json::to_string(&stored).map_err(|e| ApiError::internal(e.to_string()))?;
        // The token first: a crash in between leaves a token nobody received, and no
        // receipt, so the retry issues another.
        shared.tables.record_tokens(std::slice::from_ref(&row)).await.map_err(|e| ApiError::unavailable(e.to_string()))?;
        let answer = crate::idempotency::receipt(&key, &id, StatusCode::CREATED, stored_body.into_bytes(), now.as_second());
        shared.store.append_batch_with_receipts(&[], std::slice::from_ref(&answer)).await.map_err(|e| match e {
            pacta_store::AppendError::ReceiptExists { .. } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", "another server answered this request first; retry with the same Idempotency-Key")
            }
            e => ApiError::unavailable(e.to_string()),
        })?;
        shared.auth.remember(std::slice::from_ref(&row));
        let fresh = TokenResponse { token: Some(token), ..stored };
        let bytes = serde_json::to_vec(&fresh).map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(json_response(StatusCode::CREATED, bytes))
    })
    .await
}
