//! Operations: health, metrics, the OpenAPI document, and JSON answers for
//! unknown routes and methods (so every error has the same shape).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::AppState;
use crate::dto::Health;
use crate::error::ApiError;

/// Liveness: the process serves and knows how many agreements it holds.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> Json<Health> {
    let database = match state.store.engine() {
        pacta_store::Engine::Sqlite => "sqlite",
        pacta_store::Engine::Postgres => "postgres",
    };
    Json(Health { status: "ok".into(), agreements: state.instances.len(), database: database.into() })
}

/// Prometheus text format: commands applied and rejected, batch sizes, commit latency, deadlines fired.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let body = state.metrics.render(state.instances.len());
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// This document.
pub async fn openapi() -> Response {
    match crate::openapi::document() {
        Ok(json) => (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => ApiError::internal(e.to_string()).into_response(),
    }
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint; see /v1/openapi.json")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this endpoint does not take that method; see /v1/openapi.json")
}
