//! Migrations carry a journal forward: one written under an earlier schema still
//! loads, byte for byte, and verifies after the later migrations run.

mod common;

use std::borrow::Cow;

use common::journal;
use pacta_store::{verify, Store};

/// A SQLite journal written while `events.payload` was TEXT (migrations up to
/// 20250103000000), then migrated to BLOB (20250104000000): every payload is bytes
/// afterwards, the events load back equal and the journal verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_journal_with_text_payloads_is_migrated_to_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("journal.db").display());
    let store = Store::connect(&url).await.unwrap();
    let pool = store.sqlite_pool().unwrap().clone();
    let mut earlier = sqlx::migrate!("../pacta-store-sqlite/migrations");
    let last_text = earlier.migrations.iter().position(|m| m.version == 20250103000000).expect("the TEXT payload migration") + 1;
    earlier.migrations = Cow::Owned(earlier.migrations[..last_text].to_vec());
    earlier.run(&pool).await.unwrap();

    let journal = journal("escrow-release");
    journal.put_sources(&store).await;
    store.append_batch(&journal.as_appends()).await.unwrap();
    // As that schema stored them: the payloads as TEXT (the store now sends bytes).
    sqlx::raw_sql(
        "DROP TRIGGER events_are_append_only_update;
         UPDATE events SET payload = CAST(payload AS TEXT);
         CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
         BEGIN SELECT RAISE(ABORT, 'the journal is append-only: events are never updated'); END;",
    )
    .execute(&pool)
    .await
    .unwrap();
    let types =
        |pool: sqlx::SqlitePool| async move { sqlx::query_scalar::<_, String>("SELECT DISTINCT typeof(payload) FROM events").fetch_all(&pool).await.unwrap() };
    assert_eq!(types(pool.clone()).await, ["text"]);

    store.migrate().await.unwrap();
    assert_eq!(types(pool.clone()).await, ["blob"]);
    assert_eq!(store.load(&journal.id).await.unwrap(), journal.events);
    let report = verify(&store, |_| {}).await.unwrap();
    assert!(report.is_clean(), "{:?}", report.mismatches);
    // The table is still append-only.
    assert!(sqlx::query("DELETE FROM events").execute(&pool).await.is_err());
    assert!(sqlx::query("UPDATE events SET kind = kind").execute(&pool).await.is_err());
}
