//! Request bodies: read as raw bytes (the idempotency fingerprint covers them
//! exactly), bounded in size, then parsed strictly into a DTO with each failure
//! mapped to its own stable code.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Request bodies larger than this are refused with `payload_too_large`.
pub const MAX_BODY: usize = 1024 * 1024;

pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Bytes::from_request(req, state).await {
            Ok(bytes) => Ok(RawBody(bytes)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", format!("request bodies are limited to {MAX_BODY} bytes")))
            }
            Err(rejection) => Err(ApiError::bad_request("invalid_body", rejection.body_text())),
        }
    }
}

/// Parses JSON into `T`, refusing unknown fields (the DTOs say so) and telling
/// apart bad syntax, an unknown field, a missing field and a wrong type.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| classify(&e))
}

fn classify(error: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let message = error.to_string();
    match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {message}")),
        Category::Data => {
            // serde's messages are stable in form: "unknown field `x`, expected …",
            // "missing field `x`", "invalid type: …", "unknown variant `x`, expected …".
            let quoted = between_backticks(&message);
            if message.starts_with("unknown field") {
                let mut e = ApiError::bad_request("unknown_field", message.clone());
                if let Some(field) = quoted {
                    e = e.field(field);
                }
                e
            } else if message.starts_with("missing field") {
                let mut e = ApiError::bad_request("missing_field", message.clone());
                if let Some(field) = quoted {
                    e = e.field(field);
                }
                e
            } else if message.starts_with("unknown variant") {
                ApiError::bad_request("unknown_type", message)
            } else if message.starts_with("invalid type") || message.starts_with("invalid value") || message.starts_with("invalid length") {
                ApiError::bad_request("invalid_type", message)
            } else {
                ApiError::bad_request("invalid_json", message)
            }
        }
    }
}

fn between_backticks(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::CommandRequest;

    fn code(json: &str) -> String {
        parse::<CommandRequest>(json.as_bytes()).err().map(|e| e.body.code).unwrap_or_else(|| "ok".into())
    }

    #[test]
    fn each_failure_has_its_code() {
        assert_eq!(code(r#"{"type":"deposit","account":"escrow","amount":"1.00"}"#), "ok");
        assert_eq!(code(r#"{"type":"deposit","account":"escrow","amount":"1.00""#), "invalid_json");
        assert_eq!(code(r#"{"type":"deposit","account":"escrow","amount":"1.00","extra":1}"#), "unknown_field");
        assert_eq!(code(r#"{"type":"deposit","account":"escrow"}"#), "missing_field");
        assert_eq!(code(r#"{"type":"deposit","account":"escrow","amount":100}"#), "invalid_type");
        assert_eq!(code(r#"{"type":"steal","account":"escrow"}"#), "unknown_type");
        assert_eq!(code(r#"{"type":"tick","at":"2005-01-01T00:00:00Z"}"#), "unknown_field");
        assert_eq!(code(r#"{"type":"sign","instrument":"x","signature":"00","terms":{"kind":"as_written","x":1}}"#), "unknown_field");
    }

    #[test]
    fn unknown_field_names_the_field() {
        let e = parse::<CommandRequest>(br#"{"type":"deposit","account":"escrow","amount":"1.00","amout":"2"}"#).err().map(|e| e.body.field);
        assert_eq!(e, Some(Some("amout".to_string())));
    }
}
