//! Test support shared by the crates' test suites (a dev-dependency only).
//!
//! PostgreSQL tests each run in a schema of their own on the server named by
//! `PACTA_TEST_DATABASE_URL`, so they can run in parallel and leave nothing
//! behind: [`ScratchSchema`] creates one and drops it when dropped.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The variable naming the PostgreSQL server tests use; without it they skip.
pub const PG_VAR: &str = "PACTA_TEST_DATABASE_URL";

/// A fresh schema on a PostgreSQL server, dropped (with everything in it) when
/// this value is dropped. Connections made with [`ScratchSchema::url`] use it.
pub struct ScratchSchema {
    base: String,
    schema: String,
    url: String,
}

impl ScratchSchema {
    /// Creates `{prefix}_{pid}_{n}_{nanos}` on the server at `base`. Panics,
    /// naming the variable, if the server is unreachable: a test that was told
    /// where PostgreSQL is must not pass without it.
    pub async fn create(base: &str, prefix: &str) -> ScratchSchema {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").subsec_nanos();
        let schema = format!("{prefix}_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let admin = sqlx::PgPool::connect(base).await.unwrap_or_else(|e| panic!("{PG_VAR}={base} is unreachable: {e}"));
        sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&admin).await.expect("schema created");
        admin.close().await;
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options[search_path]={schema}");
        ScratchSchema { base: base.to_string(), schema, url }
    }

    /// The server's URL with this schema as the search path.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for ScratchSchema {
    fn drop(&mut self) {
        let (base, schema) = (self.base.clone(), self.schema.clone());
        // Drop cannot await, and may run while a test's runtime shuts down or
        // unwinds: the schema is dropped from a thread of its own.
        let done = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                if let Ok(admin) = sqlx::PgPool::connect(&base).await {
                    let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&admin).await;
                    admin.close().await;
                }
            });
        });
        let _ = done.join();
    }
}
