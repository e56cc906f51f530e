//! `verify` finds tampering: a clean journal verifies; flipping any single byte of
//! any stored event (its payload and its hash, every byte of every row; also its
//! instant, kind and link) or of any frame (its entries, their lengths, links and
//! hashes, and its balances), removing or moving a row or a frame, or changing a
//! head, a balance or a source is reported, at the entry where it happened.
//!
//! The store writes frames; journals written before frames (legacy `events` and
//! `balances` rows) are written here by `write_legacy`, and tampered with too.

mod common;

use common::{journal, write_legacy, TestDb};
use pacta_store::{verify, Append, LoadError, VerifyReport};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Row, SqliteConnection};

const ID: &str = "escrow-release";

/// The escrow release scenario's journal as it was stored before frames: one
/// `events` row per entry.
async fn legacy_release_db() -> TestDb {
    let db = TestDb::sqlite().await;
    let journal = journal(ID);
    write_legacy(&db.store, &journal, journal.events.len()).await;
    db
}

/// The escrow release scenario's journal in a fresh SQLite file, appended command
/// by command: one frame per append.
async fn release_db() -> TestDb {
    let db = TestDb::sqlite().await;
    let journal = journal(ID);
    journal.put_sources(&db.store).await;
    for append in journal.as_appends() {
        db.store.append(append).await.unwrap();
    }
    db
}

/// A raw connection that can rewrite history: triggers dropped, no fsync, no foreign keys.
async fn tamperer(db: &TestDb) -> SqliteConnection {
    let path = db.url.strip_prefix("sqlite://").unwrap();
    let mut conn = SqliteConnectOptions::new().filename(path).foreign_keys(false).synchronous(sqlx::sqlite::SqliteSynchronous::Off).connect().await.unwrap();
    for trigger in [
        "events_are_append_only_update",
        "events_are_append_only_delete",
        "frames_are_append_only_update",
        "frames_are_append_only_delete",
        "sources_are_immutable_update",
        "sources_are_immutable_delete",
    ] {
        sqlx::query(&format!("DROP TRIGGER IF EXISTS {trigger}")).execute(&mut conn).await.unwrap();
    }
    conn
}

async fn report(db: &TestDb) -> VerifyReport {
    verify(&db.store, |_| {}).await.expect("the database can be read")
}

fn mismatch_at(report: &VerifyReport) -> Option<Option<u64>> {
    report.mismatch_of(ID).map(|m| m.seq)
}

struct StoredRow {
    seq: i64,
    at: String,
    kind: String,
    payload: Vec<u8>,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

async fn stored_rows(conn: &mut SqliteConnection) -> Vec<StoredRow> {
    sqlx::query("SELECT seq, at, kind, payload, prev_hash, hash FROM events WHERE agreement_id = $1 ORDER BY seq")
        .bind(ID)
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| StoredRow { seq: r.get(0), at: r.get(1), kind: r.get(2), payload: r.get(3), prev_hash: r.get(4), hash: r.get(5) })
        .collect()
}

/// Sets one column of one row, for bytes or text.
async fn set(conn: &mut SqliteConnection, column: &str, seq: i64, value: Value<'_>) {
    let sql = format!("UPDATE events SET {column} = $1 WHERE agreement_id = $2 AND seq = $3");
    let query = sqlx::query(&sql);
    let query = match value {
        Value::Bytes(b) => query.bind(b.to_vec()),
        Value::Text(t) => query.bind(t.to_string()),
    };
    assert_eq!(query.bind(ID).bind(seq).execute(&mut *conn).await.unwrap().rows_affected(), 1);
}

enum Value<'a> {
    Bytes(&'a [u8]),
    Text(&'a str),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_journal_verifies() {
    let legacy = legacy_release_db().await;
    assert!(report(&legacy).await.is_clean(), "{:?}", report(&legacy).await.mismatches);
    let db = release_db().await;
    let mut seen = vec![];
    let report = verify(&db.store, |p| seen.push(*p)).await.unwrap();
    assert!(report.is_clean(), "{:?}", report.mismatches);
    assert_eq!(report.agreements, 1);
    assert_eq!(report.events, journal(ID).events.len() as u64);
    let last = seen.last().unwrap();
    assert_eq!((last.agreements_done, last.agreements_total, last.events_done), (1, 1, report.events));
}

/// Every byte of every row's payload and hash, each flipped on its own (one bit,
/// cycling through the eight), is reported at that row; and so is every byte of
/// its instant, kind and prev_hash. The journal is restored after each flip.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flipping_any_byte_of_any_event_is_reported_at_that_entry() {
    let db = legacy_release_db().await;
    let mut conn = tamperer(&db).await;
    let rows = stored_rows(&mut conn).await;
    let mut flips = 0usize;
    let mut payload_and_hash = 0usize;
    for row in &rows {
        for (column, original) in [("payload", &row.payload), ("hash", &row.hash), ("prev_hash", &row.prev_hash)] {
            for i in 0..original.len() {
                let mut tampered = original.clone();
                tampered[i] ^= 1 << (i % 8);
                set(&mut conn, column, row.seq, Value::Bytes(&tampered)).await;
                let report = report(&db).await;
                assert_eq!(mismatch_at(&report), Some(Some(row.seq as u64)), "{column} byte {i} of entry {}: {:?}", row.seq, report.mismatches);
                flips += 1;
                if column != "prev_hash" {
                    payload_and_hash += 1;
                }
            }
            set(&mut conn, column, row.seq, Value::Bytes(original)).await;
        }
        for (column, original) in [("at", &row.at), ("kind", &row.kind)] {
            for i in 0..original.len() {
                // Bits 0–6 keep the text valid UTF-8 (the column is TEXT).
                let mut tampered = original.clone().into_bytes();
                tampered[i] ^= 1 << (i % 7);
                let tampered = String::from_utf8(tampered).unwrap();
                set(&mut conn, column, row.seq, Value::Text(&tampered)).await;
                let report = report(&db).await;
                assert_eq!(mismatch_at(&report), Some(Some(row.seq as u64)), "{column} byte {i} of entry {}: {:?}", row.seq, report.mismatches);
                flips += 1;
            }
            set(&mut conn, column, row.seq, Value::Text(original)).await;
        }
    }
    assert!(report(&db).await.is_clean(), "restored");
    let bytes: usize = rows.iter().map(|r| r.payload.len() + r.hash.len()).sum();
    assert_eq!(payload_and_hash, bytes);
    eprintln!("{} entries: {payload_and_hash} payload and hash bytes flipped (all of them), {flips} flips in all, each reported at its entry", rows.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_moved_or_renumbered_entry_is_reported() {
    let db = legacy_release_db().await;
    let mut conn = tamperer(&db).await;
    let last = stored_rows(&mut conn).await.len() as i64;

    // A row deleted from the middle: the entry is missing there.
    sqlx::query("CREATE TABLE saved AS SELECT * FROM events").execute(&mut conn).await.unwrap();
    let restore = "DELETE FROM events; INSERT INTO events SELECT * FROM saved";
    sqlx::query("DELETE FROM events WHERE seq = 7").execute(&mut conn).await.unwrap();
    assert_eq!(mismatch_at(&report(&db).await), Some(Some(7)));
    sqlx::raw_sql(restore).execute(&mut conn).await.unwrap();

    // Renumbered: seq 7 becomes 70.
    sqlx::query("UPDATE events SET seq = 70 WHERE seq = 7").execute(&mut conn).await.unwrap();
    assert_eq!(mismatch_at(&report(&db).await), Some(Some(7)));
    sqlx::raw_sql(restore).execute(&mut conn).await.unwrap();

    // Two entries swapped.
    sqlx::raw_sql("UPDATE events SET seq = -1 WHERE seq = 4; UPDATE events SET seq = 4 WHERE seq = 5; UPDATE events SET seq = 5 WHERE seq = -1")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(mismatch_at(&report(&db).await), Some(Some(4)));
    sqlx::raw_sql(restore).execute(&mut conn).await.unwrap();

    // An entry moved to another agreement: a hole here, a stray journal there.
    sqlx::query("UPDATE events SET agreement_id = 'elsewhere' WHERE seq = 9").execute(&mut conn).await.unwrap();
    let r = report(&db).await;
    assert_eq!(mismatch_at(&r), Some(Some(9)));
    assert_eq!(r.mismatch_of("elsewhere").map(|m| m.seq), Some(Some(1)), "{:?}", r.mismatches);
    sqlx::raw_sql(restore).execute(&mut conn).await.unwrap();

    // The last entry deleted: the chain is whole, but the head says it went further.
    sqlx::query(&format!("DELETE FROM events WHERE seq = {last}")).execute(&mut conn).await.unwrap();
    let r = report(&db).await;
    assert_eq!(mismatch_at(&r), Some(None), "{:?}", r.mismatches);
    assert!(r.mismatches[0].problem.contains("ends at seq"), "{}", r.mismatches[0]);
    sqlx::raw_sql(restore).execute(&mut conn).await.unwrap();

    assert!(report(&db).await.is_clean());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_head_balance_or_source_is_reported() {
    let db = legacy_release_db().await;
    let mut conn = tamperer(&db).await;
    let cases = [
        (
            "UPDATE agreements SET head_hash = zeroblob(32)",
            "UPDATE agreements SET head_hash = (SELECT hash FROM events WHERE seq = (SELECT max(seq) FROM events))",
            None,
        ),
        ("UPDATE agreements SET head_seq = head_seq + 1", "UPDATE agreements SET head_seq = head_seq - 1", None),
        ("UPDATE agreements SET opened_at = '2005-08-19T04:00:01Z'", "UPDATE agreements SET opened_at = (SELECT at FROM events WHERE seq = 1)", None),
        ("UPDATE balances SET minor = minor + 1 WHERE account = 'kramer'", "UPDATE balances SET minor = minor - 1 WHERE account = 'kramer'", None),
        ("DELETE FROM balances WHERE account = 'kramer'", "INSERT INTO balances VALUES ('escrow-release', 'kramer', 1500000)", None),
        ("INSERT INTO balances VALUES ('escrow-release', 'mallory', 1)", "DELETE FROM balances WHERE account = 'mallory'", None),
        // The source text: entry 1 names it, so entry 1 no longer decodes.
        ("UPDATE sources SET body = body || ' '", "UPDATE sources SET body = substr(body, 1, length(body) - 1)", Some(1)),
    ];
    for (tamper, restore, at) in cases {
        sqlx::query(tamper).execute(&mut conn).await.unwrap();
        let r = report(&db).await;
        assert_eq!(mismatch_at(&r), Some(at), "{tamper}: {:?}", r.mismatches);
        sqlx::query(restore).execute(&mut conn).await.unwrap();
        assert!(report(&db).await.is_clean(), "restored after {tamper}");
    }
}

/// An event that hashes correctly but breaks an engine invariant (here: a second
/// `opened`, with its hash chain recomputed) is reported at that entry by the replay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rehashed_event_that_breaks_the_engine_is_caught_by_the_replay() {
    let db = TestDb::sqlite().await;
    let journal = journal(ID);
    journal.put_sources(&db.store).await;
    let appends = journal.as_appends();
    db.store.append(appends[0]).await.unwrap();
    // Forge a second journal whose entry 2 is a posting that overdraws the escrow,
    // written through the store (so every hash is right): only the replay can object.
    let mut forged = journal.events[..appends[0].events.len()].to_vec();
    let mut posting = journal.events.iter().find_map(|e| match &e.kind {
        pacta_core::engine::EventKind::Posted(p) if p.debit.is_custody() => Some(p.clone()),
        _ => None,
    });
    let posting = posting.as_mut().expect("the release pays out of escrow");
    posting.id = 1;
    forged.push(pacta_core::engine::Event { at: forged[0].at, kind: pacta_core::engine::EventKind::Posted(posting.clone()) });
    let other = "forged-escrow";
    let mut renamed = forged.clone();
    if let pacta_core::engine::EventKind::Opened { id, .. } = &mut renamed[0].kind {
        *id = other.to_string();
    }
    db.store.append(Append { agreement_id: other, expected_seq: 0, events: &renamed }).await.unwrap();
    let r = report(&db).await;
    let m = r.mismatch_of(other).expect("the forged journal is reported");
    assert_eq!(m.seq, Some(renamed.len() as u64), "{m}");
    assert!(m.problem.contains("engine invariant"), "{m}");
    assert!(r.mismatch_of(ID).is_none());
}

/// SQLite lets a TEXT column hold bytes that are not UTF-8; such a row cannot even
/// be read, and is reported (for its agreement) instead of stopping the run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_row_is_reported_not_fatal() {
    let db = legacy_release_db().await;
    let mut conn = tamperer(&db).await;
    sqlx::query("UPDATE events SET at = x'ff00ff' WHERE seq = 3").execute(&mut conn).await.unwrap();
    let r = report(&db).await;
    assert_eq!(mismatch_at(&r), Some(None), "{:?}", r.mismatches);
    assert!(r.mismatches[0].problem.contains("cannot be read"), "{}", r.mismatches[0]);
}

// ---------------------------------------------------------------------------
// Frames
// ---------------------------------------------------------------------------

struct StoredFrame {
    first_seq: i64,
    last_seq: i64,
    body: Vec<u8>,
    balances: Vec<u8>,
}

async fn stored_frames(conn: &mut SqliteConnection) -> Vec<StoredFrame> {
    sqlx::query("SELECT first_seq, last_seq, body, balances FROM frames WHERE agreement_id = $1 ORDER BY first_seq")
        .bind(ID)
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| StoredFrame { first_seq: r.get(0), last_seq: r.get(1), body: r.get(2), balances: r.get(3) })
        .collect()
}

async fn set_frame(conn: &mut SqliteConnection, column: &str, first_seq: i64, value: &[u8]) {
    let sql = format!("UPDATE frames SET {column} = $1 WHERE agreement_id = $2 AND first_seq = $3");
    assert_eq!(sqlx::query(&sql).bind(value.to_vec()).bind(ID).bind(first_seq).execute(&mut *conn).await.unwrap().rows_affected(), 1);
}

/// A stored body in the plain layout (version 1): itself, or decompressed from
/// version 2 (`2 ‖ len ‖ sha256 ‖ LZ4 block`), as `frame.rs` documents.
fn plain(body: &[u8]) -> Vec<u8> {
    match body[0] {
        1 => body.to_vec(),
        2 => {
            let len = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
            let mut plain = vec![1];
            plain.extend(lz4_flex::block::decompress(&body[37..], len).unwrap());
            plain
        }
        v => panic!("layout version {v}"),
    }
}

/// Where each entry of a plain frame body starts, read by the layout `frame.rs`
/// documents (version and prev_hash, 33 bytes; then per entry three fields with
/// a 4-byte big-endian length each, and a 32-byte hash), written out again here
/// so the test checks the documented layout too.
fn entry_starts(body: &[u8]) -> Vec<usize> {
    let mut starts = vec![];
    let mut at = 33;
    while at < body.len() {
        starts.push(at);
        for _ in 0..3 {
            at += 4 + u32::from_be_bytes(body[at..at + 4].try_into().unwrap()) as usize;
        }
        at += 32;
    }
    assert_eq!(at, body.len(), "the body is whole entries");
    starts
}

/// Every byte of every frame flipped on its own (one bit, cycling through the
/// eight): a byte of a plain body is reported at the entry it belongs to (the
/// version and prev_hash at the frame's first entry), a byte of a compressed
/// body at the frame's first entry (its checksum no longer matches), a byte of
/// the balances as the frame's balances. The journal is restored after each flip.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flipping_any_byte_of_any_frame_is_reported_at_its_entry() {
    let db = release_db().await;
    let mut conn = tamperer(&db).await;
    let frames = stored_frames(&mut conn).await;
    assert_eq!(frames.len(), journal(ID).appends.len(), "one frame per append");
    let compressed = frames.iter().filter(|f| f.body[0] == 2).count();
    assert!(compressed > 0 && compressed < frames.len(), "{compressed} of {} frames compressed: both layouts are tested", frames.len());
    let mut flips = 0usize;
    for frame in &frames {
        let starts = entry_starts(&plain(&frame.body));
        assert_eq!(starts.len() as i64, frame.last_seq - frame.first_seq + 1);
        for i in 0..frame.body.len() {
            let mut tampered = frame.body.clone();
            tampered[i] ^= 1 << (i % 8);
            set_frame(&mut conn, "body", frame.first_seq, &tampered).await;
            let entry = if frame.body[0] == 1 { starts.iter().rposition(|&s| s <= i).unwrap_or(0) } else { 0 };
            let seq = frame.first_seq as u64 + entry as u64;
            let r = report(&db).await;
            assert_eq!(mismatch_at(&r), Some(Some(seq)), "body byte {i} of the frame at {}: {:?}", frame.first_seq, r.mismatches);
            flips += 1;
        }
        set_frame(&mut conn, "body", frame.first_seq, &frame.body).await;
        for i in 0..frame.balances.len() {
            let mut tampered = frame.balances.clone();
            tampered[i] ^= 1 << (i % 8);
            set_frame(&mut conn, "balances", frame.first_seq, &tampered).await;
            let r = report(&db).await;
            assert_eq!(mismatch_at(&r), Some(None), "balances byte {i} of the frame at {}: {:?}", frame.first_seq, r.mismatches);
            let name = format!("the frame of entries {}–{}", frame.first_seq, frame.last_seq);
            assert!(r.mismatches[0].problem.contains(&name), "{}", r.mismatches[0]);
            flips += 1;
        }
        set_frame(&mut conn, "balances", frame.first_seq, &frame.balances).await;
    }
    assert!(report(&db).await.is_clean(), "restored");
    let bytes: usize = frames.iter().map(|f| f.body.len() + f.balances.len()).sum();
    assert_eq!(flips, bytes);
    eprintln!("{} frames ({compressed} compressed): {flips} bytes flipped (all of them), each reported at its entry or as its frame's balances", frames.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_moved_or_overlapping_frame_is_reported() {
    let db = release_db().await;
    let mut conn = tamperer(&db).await;
    let frames = stored_frames(&mut conn).await;
    // A frame after one of two entries or more, so that moving it back one seq
    // does not collide with the key of the frame before it.
    let i = (1..frames.len() - 1).find(|&i| frames[i - 1].last_seq > frames[i - 1].first_seq).expect("a frame after a longer one");
    let (first, last) = (frames[i].first_seq, frames[i].last_seq);
    let long = frames.iter().find(|f| f.last_seq > f.first_seq).unwrap();
    let end = frames.last().unwrap().first_seq;
    sqlx::query("CREATE TABLE saved AS SELECT * FROM frames").execute(&mut conn).await.unwrap();
    let restore = "DELETE FROM frames; INSERT INTO frames SELECT * FROM saved";
    let cases = [
        (format!("DELETE FROM frames WHERE first_seq = {first}"), Some(first as u64), "missing"),
        // The last frame, which no other frame follows, moved one seq on.
        (format!("UPDATE frames SET first_seq = first_seq + 1, last_seq = last_seq + 1 WHERE first_seq = {end}"), Some(end as u64), "missing"),
        (format!("UPDATE frames SET first_seq = first_seq - 1 WHERE first_seq = {first}"), Some(first as u64), "overlaps"),
        (format!("UPDATE frames SET last_seq = last_seq + 1 WHERE first_seq = {first}"), Some(last as u64 + 1), "the frame ends after"),
        (format!("UPDATE frames SET last_seq = last_seq - 1 WHERE first_seq = {}", long.first_seq), Some(long.last_seq as u64), "more entries"),
        (format!("DELETE FROM frames WHERE first_seq = {end}"), None, "ends at seq"),
    ];
    for (tamper, at, words) in cases {
        sqlx::query(&tamper).execute(&mut conn).await.unwrap();
        let r = report(&db).await;
        assert_eq!(mismatch_at(&r), Some(at), "{tamper}: {:?}", r.mismatches);
        assert!(r.mismatches[0].problem.contains(words), "{tamper}: {}", r.mismatches[0]);
        sqlx::raw_sql(restore).execute(&mut conn).await.unwrap();
    }

    // A frame moved to another agreement: a gap here, a journal with no entry 1 there.
    sqlx::query(&format!("UPDATE frames SET agreement_id = 'elsewhere' WHERE first_seq = {first}")).execute(&mut conn).await.unwrap();
    let r = report(&db).await;
    assert_eq!(mismatch_at(&r), Some(Some(first as u64)));
    assert_eq!(r.mismatch_of("elsewhere").map(|m| m.seq), Some(Some(1)), "{:?}", r.mismatches);
    sqlx::raw_sql(restore).execute(&mut conn).await.unwrap();
    assert!(report(&db).await.is_clean());
}

/// The balances a frame records are checked against its postings, and the sum of
/// the stored balances (legacy rows and frames) against the replayed ledger.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_whose_balances_disagree_is_reported() {
    let db = release_db().await;
    let mut conn = tamperer(&db).await;
    let frames = stored_frames(&mut conn).await;
    let frame = frames.iter().find(|f| !f.balances.is_empty()).expect("a frame with postings");
    let name = format!("the frame of entries {}–{}", frame.first_seq, frame.last_seq);
    // The first account's amount, one minor unit more (the layout: length, label, i64).
    let mut more = frame.balances.clone();
    let label_len = u32::from_be_bytes(more[..4].try_into().unwrap()) as usize;
    let amount = 4 + label_len..12 + label_len;
    let changed = i64::from_be_bytes(more[amount.clone()].try_into().unwrap()) + 1;
    more[amount].copy_from_slice(&changed.to_be_bytes());
    for (tampered, words) in [(more, "records"), (vec![], "its postings move")] {
        set_frame(&mut conn, "balances", frame.first_seq, &tampered).await;
        let r = report(&db).await;
        assert_eq!(mismatch_at(&r), Some(None), "{:?}", r.mismatches);
        assert!(r.mismatches[0].problem.contains(&name) && r.mismatches[0].problem.contains(words), "{}", r.mismatches[0]);
        set_frame(&mut conn, "balances", frame.first_seq, &frame.balances).await;
    }
    // A legacy balance row beside frames: the stored balances no longer add up.
    sqlx::query("INSERT INTO balances VALUES ('escrow-release', 'mallory', 1)").execute(&mut conn).await.unwrap();
    let r = report(&db).await;
    assert_eq!(mismatch_at(&r), Some(None), "{:?}", r.mismatches);
    assert!(r.mismatches[0].problem.contains("stored balances"), "{}", r.mismatches[0]);
    sqlx::query("DELETE FROM balances").execute(&mut conn).await.unwrap();
    assert!(report(&db).await.is_clean());
}

/// A length that runs past the end of its frame (here a payload's, set to 4 GiB)
/// is reported at its entry by verify, and load and entries refuse the journal
/// naming the agreement and the entry: never a panic. So is an unknown layout version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_with_a_bad_length_is_reported_not_a_panic() {
    let db = release_db().await;
    let mut conn = tamperer(&db).await;
    let frames = stored_frames(&mut conn).await;
    let frame = frames.iter().find(|f| f.last_seq > f.first_seq).expect("a frame of two entries or more");
    // Damaged in the plain layout, which the store reads as well as the compressed one.
    let body = plain(&frame.body);
    let second = entry_starts(&body)[1];
    let field_len = |at: usize| u32::from_be_bytes(body[at..at + 4].try_into().unwrap()) as usize;
    let payload_len_at = second + 4 + field_len(second) + 4 + field_len(second + 4 + field_len(second));
    let seq = frame.first_seq as u64 + 1;

    let mut tampered = body.clone();
    tampered[payload_len_at..payload_len_at + 4].copy_from_slice(&[0xff; 4]);
    set_frame(&mut conn, "body", frame.first_seq, &tampered).await;
    let r = report(&db).await;
    assert_eq!(mismatch_at(&r), Some(Some(seq)), "{:?}", r.mismatches);
    assert!(r.mismatches[0].problem.contains("payload") && r.mismatches[0].problem.contains("only"), "{}", r.mismatches[0]);
    for loaded in [db.store.entries(ID, 0).await.map(|_| ()), db.store.entries(ID, seq - 1).await.map(|_| ()), db.store.load(ID).await.map(|_| ())] {
        match loaded {
            Err(LoadError::Corrupt { agreement_id, seq: at, problem }) => {
                assert_eq!((agreement_id.as_str(), at), (ID, seq), "{problem}");
                assert!(problem.contains("payload"), "{problem}");
            }
            other => panic!("expected a corrupt journal, got {other:?}"),
        }
    }

    let mut version = frame.body.clone();
    version[0] = 3;
    set_frame(&mut conn, "body", frame.first_seq, &version).await;
    let r = report(&db).await;
    assert_eq!(mismatch_at(&r), Some(Some(frame.first_seq as u64)), "{:?}", r.mismatches);
    assert!(r.mismatches[0].problem.contains("layout version is 3"), "{}", r.mismatches[0]);
    set_frame(&mut conn, "body", frame.first_seq, &frame.body).await;
    assert!(report(&db).await.is_clean());
}
