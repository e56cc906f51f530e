//! `Idempotency-Key`: every write carries one, and a retried write with the same
//! key (from the same caller) gets the first answer back, byte for byte, without
//! running again. Answers are the journal store's receipts, which the writer
//! commits in the same transaction as the events of the batch that produced them
//! (so a command is never journaled without its answer, and a retry after a
//! crash is answered, not applied again); concurrent duplicates wait for the
//! first to finish.
//!
//! Bearer tokens in an answer (opening an agreement, admitting a member, issuing
//! a token) are secrets returned once, so the stored copy has them as `null`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use pacta_store::{Receipt, Store};

use crate::auth::Principal;
use crate::error::{json_response, ApiError};
use crate::writer::IdemKey;

pub const HEADER: &str = "idempotency-key";
const MAX_KEY_LEN: usize = 200;

#[derive(Default)]
pub struct InFlight {
    keys: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// Holds the key while its request runs; a duplicate waits on it.
pub struct Held {
    slot: String,
    lock: Option<Arc<tokio::sync::Mutex<()>>>,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
    owner: Arc<InFlight>,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.guard.take();
        self.lock.take();
        let mut keys = self.owner.keys.lock().unwrap_or_else(|p| p.into_inner());
        // Only the map's own reference left: nobody is waiting, forget the slot.
        if keys.get(&self.slot).is_some_and(|l| Arc::strong_count(l) == 1) {
            keys.remove(&self.slot);
        }
    }
}

impl InFlight {
    pub async fn hold(self: &Arc<Self>, key: &IdemKey) -> Held {
        let slot = format!("{}\n{}", key.scope, key.key);
        let lock = {
            let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(keys.entry(slot.clone()).or_default())
        };
        let guard = Arc::clone(&lock).lock_owned().await;
        Held { slot, lock: Some(lock), guard: Some(guard), owner: Arc::clone(self) }
    }
}

/// The key of a write: required, printable, bounded; scoped to the caller and
/// bound to the exact request (method, path and body).
pub fn key(headers: &HeaderMap, principal: &Principal, method: &str, path: &str, body: &[u8]) -> Result<IdemKey, ApiError> {
    let Some(value) = headers.get(HEADER) else {
        return Err(ApiError::bad_request("idempotency_key_required", "every write needs an `Idempotency-Key` header (any unique string, e.g. a UUID)"));
    };
    let key = value.to_str().map_err(|_| ApiError::bad_request("idempotency_key_required", "the Idempotency-Key must be printable ASCII"))?.trim();
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(ApiError::bad_request("idempotency_key_required", format!("the Idempotency-Key must have 1 to {MAX_KEY_LEN} characters")));
    }
    let mut request = Vec::with_capacity(method.len() + path.len() + body.len() + 2);
    request.extend_from_slice(method.as_bytes());
    request.push(b' ');
    request.extend_from_slice(path.as_bytes());
    request.push(b'\n');
    request.extend_from_slice(body);
    let fingerprint = crate::convert::input::sha256(&request);
    Ok(IdemKey { scope: principal.scope(), key: key.to_string(), fingerprint })
}

/// The key of this write's receipt in the journal store: the caller's scope and
/// its key (a header value cannot hold a newline, so the two cannot run together).
pub fn receipt_key(key: &IdemKey) -> String {
    format!("{}\n{}", key.scope, key.key)
}

/// The receipt to store for an answer to this write.
pub fn receipt(key: &IdemKey, agreement_id: &str, status: StatusCode, body: Vec<u8>, created_at: i64) -> Receipt {
    Receipt { key: receipt_key(key), agreement_id: agreement_id.to_string(), request_sha256: key.fingerprint, status: status.as_u16(), body, created_at }
}

/// The stored answer for this key, if the write already ran.
pub async fn replay(store: &Store, key: &IdemKey) -> Result<Option<Response>, ApiError> {
    let Some(row) = store.receipt(&receipt_key(key)).await.map_err(|e| ApiError::unavailable(e.to_string()))? else {
        return Ok(None);
    };
    if row.request_sha256 != key.fingerprint {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different request; use a new key for a new write",
        ));
    }
    let status = StatusCode::from_u16(row.status).unwrap_or(StatusCode::OK);
    let mut response = json_response(status, row.body);
    response.headers_mut().insert("idempotent-replayed", axum::http::HeaderValue::from_static("true"));
    Ok(Some(response))
}
