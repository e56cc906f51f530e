//! The server's own table, beside the journal in the same database: bearer
//! tokens (only their SHA-256), reached through the store's pool.
//!
//! Tokens are written right after the journal batch that grants them commits
//! and before any request of that batch is answered. Idempotent answers are not
//! here: they are the journal store's receipts, committed in the same
//! transaction as the events of their batch (see `writer`).

use pacta_store::Store;
use sqlx::{PgPool, SqlitePool};

const SCHEMA: [&str; 1] = ["CREATE TABLE IF NOT EXISTS server_tokens (
        token_sha256 TEXT PRIMARY KEY,
        agreement_id TEXT NOT NULL,
        identity TEXT NOT NULL,
        created_at TEXT NOT NULL
    )"];

#[derive(Clone)]
pub enum Tables {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A token row: who a bearer token acts as.
#[derive(Debug, Clone)]
pub struct TokenRow {
    pub sha256: String,
    pub agreement_id: String,
    pub identity: String,
    pub created_at: String,
}

/// Runs the same body against whichever pool is in use (each arm compiles for its own type).
macro_rules! on_pool {
    ($tables:expr, $pool:ident => $body:expr) => {
        match $tables {
            Tables::Sqlite($pool) => $body,
            Tables::Postgres($pool) => $body,
        }
    };
}

impl Tables {
    pub async fn open(store: &Store) -> anyhow::Result<Tables> {
        let tables = match (store.sqlite_pool(), store.postgres_pool()) {
            (Some(pool), _) => Tables::Sqlite(pool.clone()),
            (None, Some(pool)) => Tables::Postgres(pool.clone()),
            (None, None) => anyhow::bail!("the store offers neither a SQLite nor a PostgreSQL pool"),
        };
        for statement in SCHEMA {
            on_pool!(&tables, pool => sqlx::query(statement).execute(pool).await.map(|_| ()))?;
        }
        Ok(tables)
    }

    pub async fn all_tokens(&self) -> Result<Vec<TokenRow>, sqlx::Error> {
        let sql = "SELECT token_sha256, agreement_id, identity, created_at FROM server_tokens";
        let rows: Vec<(String, String, String, String)> = on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(|(sha256, agreement_id, identity, created_at)| TokenRow { sha256, agreement_id, identity, created_at }).collect())
    }

    pub async fn token(&self, sha256: &str) -> Result<Option<TokenRow>, sqlx::Error> {
        let sql = "SELECT token_sha256, agreement_id, identity, created_at FROM server_tokens WHERE token_sha256 = $1";
        let row: Option<(String, String, String, String)> = on_pool!(self, pool => sqlx::query_as(sql).bind(sha256).fetch_optional(pool).await)?;
        Ok(row.map(|(sha256, agreement_id, identity, created_at)| TokenRow { sha256, agreement_id, identity, created_at }))
    }

    /// Stores tokens (their digests) in one transaction. Called after the journal
    /// batch that grants them commits and before any of its requests is answered,
    /// so a token is stored before it is handed out; a crash in between loses only
    /// tokens nobody received (the command's receipt, kept with its events, has
    /// them blanked, and a retry gets that receipt: issue another token).
    pub async fn record_tokens(&self, tokens: &[TokenRow]) -> Result<(), sqlx::Error> {
        if tokens.is_empty() {
            return Ok(());
        }
        let token_sql = "INSERT INTO server_tokens (token_sha256, agreement_id, identity, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for t in tokens {
                sqlx::query(token_sql).bind(&t.sha256).bind(&t.agreement_id).bind(&t.identity).bind(&t.created_at).execute(&mut *tx).await?;
            }
            tx.commit().await
        })
    }
}
