//! The journal's SQLite adapter: the embedded default, one file, WAL.
//!
//! This crate is the shared SQL of `pacta-store` (`crates/pacta-store/sql/`)
//! compiled against SQLite: `sql/adapter.rs` is included below word for word, so
//! its queries are checked against SQLite here and against PostgreSQL in
//! `pacta-store-postgres`. It exists as its own crate because sqlx checks every
//! query of a crate against one database. Only connecting differs.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

type Engine = sqlx::Sqlite;

/// `BEGIN IMMEDIATE` takes the write lock up front, so a transaction that reads
/// the heads and then writes can never fail half-way for a concurrent writer
/// (SQLite has one writer at a time; the others wait up to the busy timeout).
const BEGIN: &str = "BEGIN IMMEDIATE";

/// A batch's JSON text: SQLite's JSON functions read text.
struct BatchParam<'a>(&'a str);

impl sqlx::Type<Engine> for BatchParam<'_> {
    fn type_info() -> sqlx::sqlite::SqliteTypeInfo {
        <&str as sqlx::Type<Engine>>::type_info()
    }
}

impl<'q> sqlx::Encode<'q, Engine> for BatchParam<'q> {
    fn encode_by_ref(&self, buf: &mut Vec<sqlx::sqlite::SqliteArgumentValue<'q>>) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <&str as sqlx::Encode<'q, Engine>>::encode_by_ref(&self.0, buf)
    }
}

include!("../../pacta-store/sql/adapter.rs");

/// How long a writer waits for another to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The writer's page cache, in KiB: room for the pages a group commit touches
/// (the tail of every agreement it appends to, the heads, the balances) across
/// batches, instead of SQLite's default 2 MiB.
const WRITER_CACHE_KIB: u32 = 64 * 1024;

/// How many WAL pages a commit may leave before it copies them back into the
/// database file (SQLite's default is 1,000). A group commit rewrites the same
/// hot pages (the heads, the tail of the frames' key) batch after batch; each
/// checkpoint writes every page it finds once and fsyncs the file, so checkpointing
/// an eighth as often writes those pages an eighth as often. The WAL then grows
/// to about 32 MiB before it is reused. Set on every connection: the pool's also
/// write (sources, tokens, purges), and whichever commits past the mark checkpoints.
const CHECKPOINT_PAGES: u32 = 8192;

impl Db {
    /// Opens (creating it if missing) the SQLite file named by `sqlite://PATH`,
    /// `sqlite:PATH` or a bare path, in WAL mode with `synchronous=FULL` (a commit
    /// is on disk when it returns), foreign keys on and rarer checkpoints (see
    /// `CHECKPOINT_PAGES`). Write transactions run on one connection of their
    /// own, with a larger page cache (see `Db`) and statement journals in memory:
    /// a statement that writes many rows keeps a copy of every page it changes (to
    /// undo just itself), which would otherwise spill to a temporary file past
    /// 64 KiB; a group commit's insert of frames is such a statement.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        let options = if url.starts_with("sqlite:") { SqliteConnectOptions::from_str(url)? } else { SqliteConnectOptions::new().filename(url) };
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .pragma("wal_autocheckpoint", CHECKPOINT_PAGES.to_string());
        let writer_options = options.clone().pragma("cache_size", format!("-{WRITER_CACHE_KIB}")).pragma("temp_store", "memory");
        let writer = SqlitePoolOptions::new().max_connections(1).connect_with(writer_options).await?;
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        Ok(Db { pool, writer })
    }
}
