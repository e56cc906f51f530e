//! Bearer tokens. Each token maps to one identity in one agreement (a single
//! party, or a member of a `many` role); the admin token acts as the escrow agent
//! of every agreement and administers them all. Only SHA-256 digests of tokens
//! are kept (in `server_tokens` and in memory), so a copy of the database does
//! not hand out access.

use std::collections::HashMap;
use std::sync::RwLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine as _;
use pacta_core::engine::State;
use rand::RngCore;

use crate::error::ApiError;
use crate::routes::AppState;
use crate::tables::{Tables, TokenRow};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Admin,
    Party { agreement: String, identity: String },
}

impl Principal {
    /// The namespace of this caller's idempotency keys.
    pub fn scope(&self) -> String {
        match self {
            Principal::Admin => "admin".to_string(),
            Principal::Party { agreement, identity } => format!("{agreement}/{identity}"),
        }
    }

    pub fn is_admin(&self) -> bool {
        matches!(self, Principal::Admin)
    }

    /// A party sees and acts only on its own agreement; the admin on all.
    pub fn check_agreement(&self, id: &str) -> Result<(), ApiError> {
        match self {
            Principal::Admin => Ok(()),
            Principal::Party { agreement, .. } if agreement == id => Ok(()),
            Principal::Party { .. } => Err(ApiError::forbidden(format!("this token is not for agreement `{id}`"))),
        }
    }

    /// Whether this caller administers the agreement: the admin, or its escrow agent.
    pub fn administers(&self, state: &State) -> bool {
        match self {
            Principal::Admin => true,
            Principal::Party { identity, .. } => state.agreement.escrow_agent().is_some_and(|a| &a.name == identity),
        }
    }

    /// The identity commands are recorded as: the token's party, or for the admin the escrow agent.
    pub fn actor(&self, state: &State) -> Result<String, ApiError> {
        match self {
            Principal::Party { identity, .. } => Ok(identity.clone()),
            Principal::Admin => match state.agreement.escrow_agent() {
                Some(agent) => Ok(agent.name.clone()),
                None => Err(ApiError::forbidden(format!("agreement `{}` has no escrow agent for the admin to act as; use a party's token", state.id))),
            },
        }
    }
}

pub fn sha256_hex(token: &str) -> String {
    hex::encode(crate::convert::input::sha256(token.as_bytes()))
}

/// A fresh token: `pacta_` and 32 random bytes, URL-safe base64 (256 bits, from the OS).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("pacta_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

pub struct Auth {
    admin_sha256: String,
    /// Token digest -> (agreement, identity). Loaded at start, extended as tokens are issued.
    known: RwLock<HashMap<String, (String, String)>>,
    tables: Tables,
}

impl Auth {
    pub async fn load(admin_token: &str, tables: Tables) -> anyhow::Result<Auth> {
        let rows = tables.all_tokens().await?;
        let known = rows.into_iter().map(|r| (r.sha256, (r.agreement_id, r.identity))).collect();
        Ok(Auth { admin_sha256: sha256_hex(admin_token), known: RwLock::new(known), tables })
    }

    /// Tokens committed by the writer become usable here.
    pub fn remember(&self, rows: &[TokenRow]) {
        let mut known = self.known.write().unwrap_or_else(|p| p.into_inner());
        for row in rows {
            known.insert(row.sha256.clone(), (row.agreement_id.clone(), row.identity.clone()));
        }
    }

    pub async fn authenticate(&self, header: Option<&str>) -> Result<Principal, ApiError> {
        let Some(header) = header else {
            return Err(ApiError::unauthorized("send `Authorization: Bearer <token>`"));
        };
        let Some(token) = header.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()) else {
            return Err(ApiError::unauthorized("the Authorization header must be `Bearer <token>`"));
        };
        let digest = sha256_hex(token);
        if digest == self.admin_sha256 {
            return Ok(Principal::Admin);
        }
        let cached = self.known.read().unwrap_or_else(|p| p.into_inner()).get(&digest).cloned();
        let found = match cached {
            Some(found) => Some(found),
            // Another server on the same database may have issued it.
            None => self.tables.token(&digest).await.map_err(|e| ApiError::unavailable(e.to_string()))?.map(|row| {
                self.remember(std::slice::from_ref(&row));
                (row.agreement_id, row.identity)
            }),
        };
        match found {
            Some((agreement, identity)) => Ok(Principal::Party { agreement, identity }),
            None => Err(ApiError::unauthorized("unknown token")),
        }
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        state.auth.authenticate(header).await
    }
}
