//! Reads of one agreement. All but the journal come from the in-memory state
//! of the last committed batch; the journal is read from the store, with its
//! hash chain.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{visible, AppState};
use crate::auth::Principal;
use crate::convert::views;
use crate::dto::{BalancesView, ConditionsView, DeadlineView, ErrorBody, JournalView, PostingView, WhyView};
use crate::error::ApiError;
use crate::instances::Snapshot;
use pacta_core::engine::Event;

/// Custody accounts with each depositor's part, parties' outside balances, courts.
#[utoipa::path(get, path = "/v1/agreements/{id}/balances", tag = "reads", params(("id" = String, Path)),
    responses((status = 200, body = BalancesView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn balances(State(state): State<AppState>, principal: Principal, Path(id): Path<String>) -> Result<Json<BalancesView>, ApiError> {
    let snapshot = visible(&state, &principal, &id).await?;
    Ok(Json(views::balances(&snapshot.state)))
}

/// The checklist: each document and instrument, who delivered or signed, who is missing.
#[utoipa::path(get, path = "/v1/agreements/{id}/conditions", tag = "reads", params(("id" = String, Path)),
    responses((status = 200, body = ConditionsView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn conditions(State(state): State<AppState>, principal: Principal, Path(id): Path<String>) -> Result<Json<ConditionsView>, ApiError> {
    let snapshot = visible(&state, &principal, &id).await?;
    Ok(Json(views::conditions(&snapshot.state)))
}

/// Every deadline: due instant in the agreement's zone, its calendar, status, time left.
#[utoipa::path(get, path = "/v1/agreements/{id}/deadlines", tag = "reads", params(("id" = String, Path)),
    responses((status = 200, body = [DeadlineView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn deadlines(State(state): State<AppState>, principal: Principal, Path(id): Path<String>) -> Result<Json<Vec<DeadlineView>>, ApiError> {
    let snapshot = visible(&state, &principal, &id).await?;
    Ok(Json(views::deadlines(&snapshot.state, state.clock.now())))
}

/// Every posting, with its clause and why it happened.
#[utoipa::path(get, path = "/v1/agreements/{id}/postings", tag = "reads", params(("id" = String, Path)),
    responses((status = 200, body = [PostingView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn postings(State(state): State<AppState>, principal: Principal, Path(id): Path<String>) -> Result<Json<Vec<PostingView>>, ApiError> {
    let snapshot = visible(&state, &principal, &id).await?;
    let journal = journal_of(&state, &id, &snapshot).await?;
    Ok(Json(views::postings(&snapshot.state, &journal)))
}

/// Why one posting happened, in one line citing its clause.
#[utoipa::path(get, path = "/v1/agreements/{id}/postings/{n}/why", tag = "reads", params(("id" = String, Path), ("n" = u64, Path)),
    responses((status = 200, body = WhyView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn why(State(state): State<AppState>, principal: Principal, Path((id, n)): Path<(String, String)>) -> Result<Json<WhyView>, ApiError> {
    let snapshot = visible(&state, &principal, &id).await?;
    let not_found = || ApiError::not_found(format!("no posting `{n}` in `{id}`"));
    let posting: u64 = n.parse().map_err(|_| not_found())?;
    let journal = journal_of(&state, &id, &snapshot).await?;
    let why = pacta_core::engine::why(&snapshot.state, &journal, posting).ok_or_else(not_found)?;
    Ok(Json(WhyView { posting, why }))
}

/// The events that led to `snapshot`. Postings live in the journal, not in the
/// state, so views of postings read them from the store, cut at the snapshot's
/// seq so that they agree with the state they are shown with.
async fn journal_of(state: &AppState, id: &str, snapshot: &Snapshot) -> Result<Vec<Event>, ApiError> {
    let mut events = state.store.load(id).await.map_err(|e| ApiError::unavailable(format!("reading `{id}` from the journal: {e}")))?;
    events.truncate(usize::try_from(snapshot.seq).unwrap_or(usize::MAX));
    Ok(events)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct JournalQuery {
    /// Entries after this seq (default 0: from the start).
    pub after: Option<u64>,
    /// At most this many entries (default and maximum 1000).
    pub limit: Option<usize>,
}

const PAGE: usize = 1000;

/// The journal as stored: each entry with its seq, hash-chain links, stored JSON and words.
#[utoipa::path(get, path = "/v1/agreements/{id}/journal", tag = "reads", params(("id" = String, Path), JournalQuery),
    responses((status = 200, body = JournalView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn journal(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    query: Result<Query<JournalQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<JournalView>, ApiError> {
    let snapshot = visible(&state, &principal, &id).await?;
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let after = query.after.unwrap_or(0);
    let limit = query.limit.unwrap_or(PAGE).clamp(1, PAGE);
    let stored = state.store.entries(&id, after).await.map_err(|e| ApiError::unavailable(e.to_string()))?;
    let more = stored.len() > limit;
    let entries: Vec<_> = stored.iter().take(limit).map(|e| views::entry(&snapshot.state, e.seq, &e.event, Some((e.prev_hash, e.hash)))).collect();
    let next_after = if more { entries.last().map(|e| e.seq) } else { None };
    Ok(Json(JournalView { agreement: id, entries, next_after }))
}
