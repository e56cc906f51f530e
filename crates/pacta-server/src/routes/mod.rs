//! The HTTP API under `/v1`, one file per endpoint group:
//! - `agreements`: open, list, read one, issue tokens;
//! - `commands`: submit a command, signing payloads;
//! - `reads`: balances, conditions, deadlines, postings, why, journal;
//! - `ops`: health, metrics, the OpenAPI document, fallbacks.

pub mod agreements;
pub mod commands;
pub mod dashboard;
pub mod ops;
pub mod reads;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use pacta_store::Store;
use tokio::sync::{mpsc, oneshot};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};

use crate::auth::{Auth, Principal};
use crate::body::MAX_BODY;
use crate::clock::Clock;
use crate::error::{json_response, ApiError};
use crate::idempotency::{self, InFlight};
use crate::instances::{Instances, Snapshot};
use crate::metrics::Metrics;
use crate::sync;
use crate::tables::Tables;
use crate::writer::{IdemKey, Submission, Work, ANSWER_TIMEOUT};

pub struct Shared {
    pub store: Store,
    pub tables: Tables,
    pub instances: Arc<Instances>,
    pub auth: Arc<Auth>,
    pub metrics: Arc<Metrics>,
    pub clock: Arc<dyn Clock>,
    pub submit: mpsc::Sender<Submission>,
    pub in_flight: Arc<InFlight>,
    /// Other servers may write to this database (PostgreSQL): reads check the journal's head.
    pub shared_database: bool,
}

pub type AppState = Arc<Shared>;

pub fn router(state: AppState) -> Router {
    let agreement = "/v1/agreements/{id}";
    Router::new()
        .route("/", get(dashboard::root))
        .route("/dashboard", get(dashboard::index))
        .route("/dashboard/app.js", get(dashboard::app_js))
        .route("/dashboard/style.css", get(dashboard::style))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route("/v1/openapi.json", get(ops::openapi))
        .route("/v1/agreements", get(agreements::list).post(agreements::open))
        .route(agreement, get(agreements::show))
        .route(&format!("{agreement}/tokens"), post(agreements::issue_token))
        .route(&format!("{agreement}/commands"), post(commands::submit_command))
        .route(&format!("{agreement}/signing-payload"), get(commands::signing_payload).post(commands::signing_payload_for_terms))
        .route(&format!("{agreement}/balances"), get(reads::balances))
        .route(&format!("{agreement}/conditions"), get(reads::conditions))
        .route(&format!("{agreement}/deadlines"), get(reads::deadlines))
        .route(&format!("{agreement}/postings"), get(reads::postings))
        .route(&format!("{agreement}/postings/{{n}}/why"), get(reads::why))
        .route(&format!("{agreement}/journal"), get(reads::journal))
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(tracing::Level::INFO))
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .with_state(state)
}

/// The agreement, if this caller may see it. A party asking about another
/// agreement gets 403 whether or not it exists, so tokens cannot probe for ids.
/// One this server does not hold yet may have been opened by another server on
/// the same database: it is loaded from the journal on first use.
/// On a database other servers share (PostgreSQL), the journal's head is checked
/// first so a client never reads older than what another server acknowledged.
pub async fn visible(state: &Shared, principal: &Principal, id: &str) -> Result<Arc<Snapshot>, ApiError> {
    principal.check_agreement(id)?;
    if let Some(snapshot) = state.instances.get(id) {
        if !state.shared_database {
            return Ok(snapshot);
        }
    }
    sync::refresh(&state.store, &state.instances, id).await?.ok_or_else(|| ApiError::not_found(format!("no agreement `{id}`")))
}

/// Hands work to the writer and waits for its answer, which comes only once
/// the work is durable.
pub async fn submit(state: &Shared, agreement: &str, work: Work, idempotency: Option<IdemKey>) -> Result<Response, ApiError> {
    let (reply, answer) = oneshot::channel();
    let submission = Submission { agreement: agreement.to_string(), work, idempotency, reply };
    state.submit.send(submission).await.map_err(|_| ApiError::unavailable("the server is shutting down"))?;
    match tokio::time::timeout(ANSWER_TIMEOUT, answer).await {
        Ok(Ok(reply)) => Ok(json_response(reply.status, reply.body)),
        Ok(Err(_)) => Err(ApiError::unavailable("the writer stopped before answering; retry with the same Idempotency-Key")),
        Err(_) => Err(ApiError::unavailable("no answer in time; retry with the same Idempotency-Key")),
    }
}

/// Runs a write under its idempotency key: a replay returns the stored answer;
/// a duplicate arriving while the first runs waits for it.
pub async fn idempotent<F, Fut>(state: &Shared, principal: &Principal, headers: &HeaderMap, path: &str, body: &[u8], run: F) -> Response
where
    F: FnOnce(IdemKey) -> Fut,
    Fut: std::future::Future<Output = Result<Response, ApiError>>,
{
    let key = match idempotency::key(headers, principal, "POST", path, body) {
        Ok(key) => key,
        Err(error) => return error.into_response(),
    };
    let _held = state.in_flight.hold(&key).await;
    match idempotency::replay(&state.store, &key).await {
        Ok(Some(stored)) => return stored,
        Ok(None) => {}
        Err(error) => return error.into_response(),
    }
    match run(key).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}
