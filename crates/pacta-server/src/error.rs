//! Every error the API returns: JSON `{code, message, clause?, field?}` with a
//! stable `code`. The engine's rejection codes pass through unchanged; the codes
//! below are the edge's own. `docs/api.md` lists them all.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pacta_core::engine::Rejection;

use crate::dto::{Diagnostic, ErrorBody};

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// Boxed: errors travel in every `Result` of the request path, so keep them one pointer wide.
    pub body: Box<ErrorBody>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError { status, body: Box::new(ErrorBody { code: code.to_string(), message: message.into(), clause: None, field: None, diagnostics: None }) }
    }

    pub fn field(mut self, field: impl Into<String>) -> ApiError {
        self.body.field = Some(field.into());
        self
    }

    pub fn diagnostics(mut self, diagnostics: Vec<Diagnostic>) -> ApiError {
        self.body.diagnostics = Some(diagnostics);
        self
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn invalid(code: &str, field: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message).field(field)
    }

    /// The store failed: the command's fate is unknown to this request, so the
    /// client should retry with the same idempotency key.
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", message)
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// An engine rejection: `not_permitted` is an authorization failure within the
    /// agreement (403); every other rejection is a command the state refuses (422).
    pub fn rejection(rejection: &Rejection) -> ApiError {
        let status = if rejection.code == "not_permitted" { StatusCode::FORBIDDEN } else { StatusCode::UNPROCESSABLE_ENTITY };
        let mut error = ApiError::new(status, rejection.code, rejection.message.clone());
        error.body.clause = rejection.clause.clone();
        error
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.body).unwrap_or_else(|_| br#"{"code":"internal","message":"error body"}"#.to_vec())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let bytes = self.to_bytes();
        json_response(self.status, bytes)
    }
}

/// A response whose body is already serialized JSON (an idempotent replay must be byte for byte).
pub fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response()
}
