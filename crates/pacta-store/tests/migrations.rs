//! Migrations carry a journal forward: one written under an earlier schema still
//! loads, byte for byte, and verifies after the later migrations run; and new
//! appends to it (frames) continue its chain.

mod common;

use std::borrow::Cow;

use common::{journal, write_legacy};
use pacta_core::engine;
use pacta_store::{verify, Append, Store};

/// A SQLite journal written while `events.payload` was TEXT (migrations up to
/// 20250103000000), then migrated to BLOB (20250104000000) and to frames
/// (20250105000000): every payload is bytes afterwards, the events load back
/// equal and the journal verifies. Then the rest of the journal is appended, as
/// frames: the agreement has legacy rows AND frames, and reads back as one journal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_journal_with_text_payloads_is_migrated_to_bytes_then_continued_in_frames() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("journal.db").display());
    let store = Store::connect(&url).await.unwrap();
    let pool = store.sqlite_pool().unwrap().clone();
    let mut earlier = sqlx::migrate!("../pacta-store-sqlite/migrations");
    let last_text = earlier.migrations.iter().position(|m| m.version == 20250103000000).expect("the TEXT payload migration") + 1;
    earlier.migrations = Cow::Owned(earlier.migrations[..last_text].to_vec());
    earlier.run(&pool).await.unwrap();

    let journal = journal("escrow-release");
    let appends = journal.as_appends();
    let split = appends.len() / 2;
    let legacy = appends[split].expected_seq as usize;
    write_legacy(&store, &journal, legacy).await;
    // As that schema stored them: the payloads as TEXT.
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
    assert_eq!(store.load(&journal.id).await.unwrap(), journal.events[..legacy]);
    let report = verify(&store, |_| {}).await.unwrap();
    assert!(report.is_clean(), "{:?}", report.mismatches);

    // The rest, appended by the store now: frames after the legacy rows.
    for append in &appends[split..] {
        store.append(*append).await.unwrap();
    }
    let frames: i64 = sqlx::query_scalar("SELECT count(*) FROM frames").fetch_one(&pool).await.unwrap();
    assert_eq!(frames as usize, appends.len() - split, "one frame per append");
    let first: i64 = sqlx::query_scalar("SELECT min(first_seq) FROM frames").fetch_one(&pool).await.unwrap();
    assert_eq!(first as usize, legacy + 1, "the first frame continues the legacy rows");
    assert_eq!(store.load(&journal.id).await.unwrap(), journal.events);
    let all = store.entries(&journal.id, 0).await.unwrap();
    assert_eq!(store.entries(&journal.id, legacy as u64 - 1).await.unwrap(), all[legacy - 1..], "entries across the boundary");
    assert_eq!(store.entries(&journal.id, legacy as u64 + 1).await.unwrap(), all[legacy + 1..], "entries from inside a frame");
    let mut replayed: std::collections::BTreeMap<String, i64> = Default::default();
    for (account, money) in engine::replay(&journal.events).unwrap().ledger.balances() {
        *replayed.entry(account.label()).or_default() += money.minor;
    }
    replayed.retain(|_, m| *m != 0);
    assert_eq!(store.balances(&journal.id).await.unwrap(), replayed.into_iter().collect::<Vec<_>>(), "legacy balances plus the frames' movements");
    let report = verify(&store, |_| {}).await.unwrap();
    assert!(report.is_clean(), "{:?}", report.mismatches);
    assert_eq!(report.events, journal.events.len() as u64);

    // A stale append still conflicts across the boundary.
    let stale = Append { agreement_id: &journal.id, expected_seq: legacy as u64, events: appends[split].events };
    assert!(store.append(stale).await.is_err());
    // Both tables are append-only.
    for table in ["events", "frames"] {
        assert!(sqlx::query(&format!("DELETE FROM {table}")).execute(&pool).await.is_err(), "{table}");
    }
    assert!(sqlx::query("UPDATE events SET kind = kind").execute(&pool).await.is_err());
    assert!(sqlx::query("UPDATE frames SET body = body").execute(&pool).await.is_err());
}
