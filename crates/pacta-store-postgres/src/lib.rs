//! The journal's PostgreSQL adapter: for several `pacta serve` instances sharing
//! one database.
//!
//! This crate is the shared SQL of `pacta-store` (`crates/pacta-store/sql/`)
//! compiled against PostgreSQL: `sql/adapter.rs` is included below word for word,
//! so its queries are checked against PostgreSQL here and against SQLite in
//! `pacta-store-sqlite`. It exists as its own crate because sqlx checks every
//! query of a crate against one database. Only connecting differs.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

type Engine = sqlx::Postgres;

/// READ COMMITTED: the seq check is `UPDATE … WHERE head_seq = expected`, which
/// waits for a concurrent writer of the same agreement and then sees its head.
const BEGIN: &str = "BEGIN";

/// A batch's JSON text, sent as `json` (sqlx would send `jsonb`, and
/// `json_each` takes `json`). `json`'s binary form is its text.
struct BatchParam<'a>(&'a str);

impl sqlx::Type<Engine> for BatchParam<'_> {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        // 114 is `json` in every PostgreSQL (pg_type.dat).
        sqlx::postgres::PgTypeInfo::with_oid(sqlx::postgres::types::Oid(114))
    }
}

impl sqlx::Encode<'_, Engine> for BatchParam<'_> {
    fn encode_by_ref(&self, buf: &mut sqlx::postgres::PgArgumentBuffer) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        buf.extend_from_slice(self.0.as_bytes());
        Ok(sqlx::encode::IsNull::No)
    }
}

include!("../../pacta-store/sql/adapter.rs");

impl Db {
    /// Connects to `postgres://…` (or `postgresql://…`). Connection parameters
    /// in the URL apply, e.g. `?options[search_path]=myschema`.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new().max_connections(8).connect_with(options).await?;
        Ok(Db::from_pool(pool))
    }
}
