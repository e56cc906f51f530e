//! The storage conformance suite: every test here runs against SQLite
//! (`sqlite::…`) and PostgreSQL (`postgres::…`, on `PACTA_TEST_DATABASE_URL`, each
//! test in a schema of its own; skipped, loudly, without the variable).

mod common;

use std::collections::BTreeMap;
use std::time::Instant;

use common::{all_journals, journal, journal_with_id, write_legacy, Journal, TestDb};
use pacta_core::engine::{self, EventKind};
use pacta_store::chain::{entry_hash, GENESIS};
use pacta_store::codec;
use pacta_store::{Append, AppendError, Receipt, Store};

conformance!(
    every_scenario_appends_and_loads_back_equal,
    a_journal_appended_whole_loads_back_equal,
    a_stale_expected_seq_is_a_conflict,
    two_writers_racing_on_one_agreement_one_wins,
    two_writers_opening_one_agreement_one_wins,
    a_conflict_anywhere_in_a_batch_lands_nothing,
    an_invalid_append_lands_nothing,
    in_a_large_batch_the_first_invalid_append_is_reported,
    the_hash_chain_links_every_entry,
    the_balances_projection_equals_the_replayed_ledger,
    a_thousand_agreements_commit_in_one_batch,
    entries_after_a_seq_continue_the_chain,
    sources_are_stored_once_and_required,
    the_same_agreement_twice_in_a_batch_follows_itself,
    receipts_land_with_their_batch_and_never_without_it,
    legacy_rows_then_frames_read_as_one_journal,
    one_frame_per_agreement_per_commit_and_frames_are_contiguous,
    a_head_this_store_remembers_is_still_guarded_by_the_database,
    a_remembered_head_whose_hash_changed_lands_nothing,
    tasks_racing_through_one_store_one_wins_and_it_carries_on,
    a_batch_prepared_while_the_one_before_commits_lands_after_it,
    a_batch_prepared_on_one_that_fails_lands_nothing,
    a_batch_prepared_on_one_abandoned_lands_nothing,
);

async fn append_all(store: &Store, journal: &Journal) {
    journal.put_sources(store).await;
    for append in journal.as_appends() {
        store.append(append).await.unwrap_or_else(|e| panic!("{}: {e}", journal.name));
    }
}

/// The journal holds `journal`'s events exactly through `last`, an append that
/// landed, and verifies clean.
async fn assert_landed_through(db: &TestDb, journal: &Journal, last: Append<'_>) {
    let end = last.expected_seq as usize + last.events.len();
    assert_eq!(db.store.load(&journal.id).await.unwrap(), journal.events[..end]);
    assert!(pacta_store::verify(&db.store, |_| {}).await.unwrap().is_clean());
}

async fn every_scenario_appends_and_loads_back_equal(db: &TestDb) {
    let journals = all_journals();
    assert!(journals.len() >= 17, "every scenario is used");
    for journal in &journals {
        append_all(&db.store, journal).await;
    }
    for journal in &journals {
        let loaded = db.store.load(&journal.id).await.expect("loads");
        assert_eq!(loaded.len(), journal.events.len(), "{}", journal.name);
        for (i, (stored, original)) in loaded.iter().zip(&journal.events).enumerate() {
            assert_eq!(stored, original, "{}: entry {} differs after the round trip", journal.name, i + 1);
        }
        let head = db.store.head(&journal.id).await.unwrap().expect("head");
        assert_eq!(head.seq, journal.events.len() as u64);
        assert_eq!(head.opened_at, journal.events[0].at);
        let replayed = engine::replay(&loaded).expect("replays");
        assert_eq!(head.source_sha256, replayed.source_sha256, "{}: the head names the source in force", journal.name);
    }
    let mut ids: Vec<String> = journals.iter().map(|j| j.id.clone()).collect();
    ids.sort();
    let mut stored = db.store.agreement_ids().await.unwrap();
    stored.sort();
    assert_eq!(stored, ids);
    assert_eq!(db.store.load("never-opened").await.unwrap(), vec![]);
    assert_eq!(db.store.head("never-opened").await.unwrap(), None);
}

async fn a_journal_appended_whole_loads_back_equal(db: &TestDb) {
    let journal = journal("escrow-amendment");
    journal.put_sources(&db.store).await;
    db.store.append(journal.as_one_append()).await.unwrap();
    assert_eq!(db.store.load(&journal.id).await.unwrap(), journal.events);
}

async fn a_stale_expected_seq_is_a_conflict(db: &TestDb) {
    let journal = journal("escrow-release");
    let appends = journal.as_appends();
    journal.put_sources(&db.store).await;
    db.store.append(appends[0]).await.unwrap();
    db.store.append(appends[1]).await.unwrap();
    let head = db.store.head(&journal.id).await.unwrap().unwrap();
    // The same append again: its expected seq is now stale.
    match db.store.append(appends[1]).await {
        Err(AppendError::Conflict { agreement_id, expected, actual }) => {
            assert_eq!(agreement_id, journal.id);
            assert_eq!(expected, appends[1].expected_seq);
            assert_eq!(actual, head.seq);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // Ahead of the journal is a conflict too, and so is extending a journal that does not exist.
    assert!(matches!(db.store.append(appends[3]).await, Err(AppendError::Conflict { .. })));
    let stranger = Append { agreement_id: "nobody", expected_seq: 4, events: appends[2].events };
    assert!(matches!(db.store.append(stranger).await, Err(AppendError::Conflict { actual: 0, .. })));
    // Opening an agreement that exists is a conflict.
    assert!(matches!(db.store.append(appends[0]).await, Err(AppendError::Conflict { expected: 0, .. })));
    assert_eq!(db.store.head(&journal.id).await.unwrap().unwrap(), head, "nothing moved");
    assert_eq!(db.store.load(&journal.id).await.unwrap().len() as u64, head.seq);
}

/// Two stores (two pools: as two server processes would) append to the same
/// agreement at the same expected seq, at the same time: exactly one wins.
async fn two_writers_racing_on_one_agreement_one_wins(db: &TestDb) {
    let journal = journal("escrow-release");
    let appends = journal.as_appends();
    journal.put_sources(&db.store).await;
    db.store.append(appends[0]).await.unwrap();
    let other = db.second_writer().await;
    for (round, &append) in appends.iter().enumerate().take(8).skip(1) {
        let (a, b) = tokio::join!(db.store.append(append), other.append(append));
        let wins = [&a, &b].iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "round {round}: exactly one writer wins: {a:?} / {b:?}");
        let loser = if a.is_err() { a } else { b };
        assert!(matches!(loser, Err(AppendError::Conflict { .. })), "the loser gets a Conflict: {loser:?}");
    }
    let loaded = db.store.load(&journal.id).await.unwrap();
    let end = appends[appends.len().min(8) - 1];
    assert_eq!(loaded, journal.events[..end.expected_seq as usize + end.events.len()]);
}

async fn two_writers_opening_one_agreement_one_wins(db: &TestDb) {
    let journal = journal("escrow-refund");
    journal.put_sources(&db.store).await;
    let other = db.second_writer().await;
    let open = journal.as_appends()[0];
    let (a, b) = tokio::join!(db.store.append(open), other.append(open));
    assert_eq!([&a, &b].iter().filter(|r| r.is_ok()).count(), 1, "{a:?} / {b:?}");
    let loser = if a.is_err() { a } else { b };
    assert!(matches!(loser, Err(AppendError::Conflict { expected: 0, .. })), "{loser:?}");
    assert_eq!(db.store.load(&journal.id).await.unwrap(), journal.events[..open.events.len()]);
}

async fn a_conflict_anywhere_in_a_batch_lands_nothing(db: &TestDb) {
    let release = journal("escrow-release");
    let refund = journal("escrow-refund");
    release.put_sources(&db.store).await;
    let (ra, fa) = (release.as_appends(), refund.as_appends());
    db.store.append_batch(&[ra[0], fa[0], fa[1]]).await.unwrap();
    let heads_before = (db.store.head(&release.id).await.unwrap(), db.store.head(&refund.id).await.unwrap());
    let balances_before = (db.store.balances(&release.id).await.unwrap(), db.store.balances(&refund.id).await.unwrap());

    // A good append for `release`, a new agreement, then a stale one for `refund`.
    let fresh = journal_with_id("escrow-waiver-at-deadline", "fresh-agreement");
    let batch = [ra[1], ra[2], fresh.as_appends()[0], fa[1]];
    match db.store.append_batch(&batch).await {
        Err(AppendError::Conflict { agreement_id, .. }) => assert_eq!(agreement_id, refund.id),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!((db.store.head(&release.id).await.unwrap(), db.store.head(&refund.id).await.unwrap()), heads_before);
    assert_eq!((db.store.balances(&release.id).await.unwrap(), db.store.balances(&refund.id).await.unwrap()), balances_before);
    assert_eq!(db.store.head("fresh-agreement").await.unwrap(), None, "the new agreement did not land");
    assert_eq!(db.store.load("fresh-agreement").await.unwrap(), vec![]);
    assert_eq!(db.store.load(&release.id).await.unwrap(), release.events[..ra[0].events.len()]);

    // The same batch without the stale append lands whole.
    db.store.append_batch(&batch[..3]).await.unwrap();
    assert_eq!(db.store.head(&release.id).await.unwrap().unwrap().seq, ra[2].expected_seq + ra[2].events.len() as u64);
    assert!(db.store.head("fresh-agreement").await.unwrap().is_some());
}

async fn an_invalid_append_lands_nothing(db: &TestDb) {
    let release = journal("escrow-release");
    release.put_sources(&db.store).await;
    let appends = release.as_appends();
    let cases: Vec<(Vec<Append<'_>>, &str)> = vec![
        (vec![appends[0], Append { agreement_id: &release.id, expected_seq: 0, events: &[] }], "no events"),
        (vec![Append { agreement_id: &release.id, expected_seq: 0, events: appends[1].events }], "does not start with opened"),
        (vec![Append { agreement_id: "another-id", expected_seq: 0, events: appends[0].events }], "opened for another id"),
        (vec![appends[0], Append { agreement_id: &release.id, expected_seq: appends[1].expected_seq, events: appends[0].events }], "opened twice"),
    ];
    for (batch, why) in cases {
        let outcome = db.store.append_batch(&batch).await;
        assert!(matches!(outcome, Err(AppendError::Invalid { .. })), "{why}: {outcome:?}");
        assert_eq!(db.store.agreement_ids().await.unwrap(), Vec::<String>::new(), "{why}: nothing landed");
    }

    // An agreement that is not what its source compiles to is refused: the journal
    // would otherwise decode to a different agreement than the one that ran.
    let mut forged = release.events[..appends[0].events.len()].to_vec();
    if let EventKind::Opened { agreement, .. } = &mut forged[0].kind {
        let mut changed = (**agreement).clone();
        changed.title.push_str(" (edited)");
        *agreement = std::sync::Arc::new(changed);
    }
    let outcome = db.store.append(Append { agreement_id: &release.id, expected_seq: 0, events: &forged }).await;
    assert!(matches!(outcome, Err(AppendError::Invalid { .. })), "{outcome:?}");
    assert_eq!(db.store.agreement_ids().await.unwrap(), Vec::<String>::new());
}

/// In a large batch with more than one invalid append, the one reported is the
/// first in batch order (the one a caller would fix first), and nothing lands.
async fn in_a_large_batch_the_first_invalid_append_is_reported(db: &TestDb) {
    const N: usize = 200;
    let template = journal("escrow-release");
    template.put_sources(&db.store).await;
    let journals: Vec<Journal> = (0..N).map(|i| journal_with_id("escrow-release", &format!("escrow-{i:03}"))).collect();
    let whole: Vec<Append<'_>> = journals.iter().map(|j| j.as_one_append()).collect();
    let empty = |i: usize| Append { events: &[], ..whole[i] };
    let opened_elsewhere = |i: usize| Append { agreement_id: "somewhere-else", ..whole[i] };
    let cases: [(&[(usize, Append<'_>)], &str); 3] = [
        (&[(10, empty(10)), (190, opened_elsewhere(190))], "escrow-010"),
        (&[(190, opened_elsewhere(190))], "somewhere-else"),
        (&[(0, opened_elsewhere(0)), (199, empty(199))], "somewhere-else"),
    ];
    for (damage, reported) in cases {
        let mut batch = whole.clone();
        for (i, append) in damage {
            batch[*i] = *append;
        }
        let outcome = db.store.append_batch(&batch).await;
        assert!(matches!(&outcome, Err(AppendError::Invalid { agreement_id, .. }) if agreement_id == reported), "expected `{reported}`: {outcome:?}");
        assert_eq!(db.store.agreement_ids().await.unwrap(), Vec::<String>::new(), "nothing landed");
    }
    db.store.append_batch(&whole).await.unwrap();
    for i in [0, 99, 199] {
        assert_eq!(db.store.load(&journals[i].id).await.unwrap(), journals[i].events, "{}", journals[i].id);
    }
}

async fn the_hash_chain_links_every_entry(db: &TestDb) {
    for journal in [journal("escrow-dispute-settlement"), journal("omnibus-reverse-split-late")] {
        append_all(&db.store, &journal).await;
        let entries = db.store.entries(&journal.id, 0).await.unwrap();
        assert_eq!(entries.len(), journal.events.len());
        let mut prev = GENESIS;
        for (i, entry) in entries.iter().enumerate() {
            assert_eq!(entry.seq, i as u64 + 1);
            assert_eq!(entry.prev_hash, prev, "entry {} links to the one before", entry.seq);
            let stored = codec::encode(&entry.event.kind);
            let at = codec::encode_at(entry.event.at);
            assert_eq!(entry.hash, entry_hash(&journal.id, entry.seq, &at, stored.kind, &stored.payload, &prev), "entry {}'s hash covers it", entry.seq);
            prev = entry.hash;
        }
        assert_eq!(db.store.head(&journal.id).await.unwrap().unwrap().hash, prev, "the head is the last hash");
    }
}

async fn the_balances_projection_equals_the_replayed_ledger(db: &TestDb) {
    for journal in all_journals() {
        append_all(&db.store, &journal).await;
        let replayed = engine::replay(&db.store.load(&journal.id).await.unwrap()).unwrap();
        let mut expected: BTreeMap<String, i64> = BTreeMap::new();
        for (account, money) in replayed.ledger.balances() {
            *expected.entry(account.label()).or_default() += money.minor;
        }
        expected.retain(|_, m| *m != 0);
        let projected: BTreeMap<String, i64> = db.store.balances(&journal.id).await.unwrap().into_iter().collect();
        assert_eq!(projected, expected, "{}", journal.name);
        assert_eq!(projected.values().map(|&m| i128::from(m)).sum::<i128>(), 0, "{}: the projection conserves money", journal.name);
    }
}

/// One batch writes 1,000 escrows (each the whole journal of the release scenario,
/// under its own id): one transaction; then each loads back whole and all verify.
async fn a_thousand_agreements_commit_in_one_batch(db: &TestDb) {
    const N: usize = 1000;
    let template = journal("escrow-release");
    template.put_sources(&db.store).await;
    // Each agreement needs its own journal (the id is inside its events and signatures).
    let journals: Vec<Journal> = (0..N).map(|i| journal_with_id("escrow-release", &format!("escrow-{i:04}"))).collect();
    let batch: Vec<Append<'_>> = journals.iter().map(|j| j.as_one_append()).collect();
    let events: usize = batch.iter().map(|a| a.events.len()).sum();
    let started = Instant::now();
    db.store.append_batch(&batch).await.unwrap();
    eprintln!("{:?}: {N} agreements, {events} events in one transaction: {:?}", db.store.engine(), started.elapsed());
    let ids = db.store.agreement_ids().await.unwrap();
    assert_eq!(ids.len(), N);
    for i in [0, 1, 499, 998, 999] {
        let id = format!("escrow-{i:04}");
        assert_eq!(db.store.load(&id).await.unwrap(), journals[i].events, "{id}");
    }
    let report = pacta_store::verify(&db.store, |_| {}).await.unwrap();
    assert!(report.is_clean(), "{:?}", report.mismatches);
    assert_eq!((report.agreements, report.events), (N, events as u64));
}

async fn entries_after_a_seq_continue_the_chain(db: &TestDb) {
    let journal = journal("escrow-resignation");
    append_all(&db.store, &journal).await;
    let all = db.store.entries(&journal.id, 0).await.unwrap();
    let after = db.store.entries(&journal.id, 5).await.unwrap();
    assert_eq!(after, all[5..]);
    assert_eq!(after[0].prev_hash, all[4].hash);
    assert!(db.store.entries(&journal.id, all.len() as u64).await.unwrap().is_empty());
}

async fn sources_are_stored_once_and_required(db: &TestDb) {
    let journal = journal("escrow-amendment");
    // Nothing can be appended before its sources are stored.
    match db.store.append(journal.as_appends()[0]).await {
        Err(AppendError::MissingSource { sha256, .. }) => assert_eq!(Some(&sha256), journal_source_hashes(&journal).first()),
        other => panic!("expected MissingSource, got {other:?}"),
    }
    let first = db.store.put_source(&journal.sources[0]).await.unwrap();
    assert_eq!(db.store.put_source(&journal.sources[0]).await.unwrap(), first, "storing twice is a no-op");
    assert_eq!(db.store.source(&first).await.unwrap().as_deref(), Some(journal.sources[0].as_str()));
    // The amendment's source is named by a signature: without it, that append fails and lands nothing.
    let appends = journal.as_appends();
    let signing =
        appends.iter().position(|a| a.events.iter().any(|e| codec::source_of(&e.kind).is_some() && !matches!(e.kind, EventKind::Opened { .. }))).unwrap();
    for append in &appends[..signing] {
        db.store.append(*append).await.unwrap();
    }
    assert!(matches!(db.store.append(appends[signing]).await, Err(AppendError::MissingSource { .. })));
    db.store.put_source(&journal.sources[1]).await.unwrap();
    for append in &appends[signing..] {
        db.store.append(*append).await.unwrap();
    }
    assert_eq!(db.store.load(&journal.id).await.unwrap(), journal.events);
    let amended = db.store.head(&journal.id).await.unwrap().unwrap();
    assert_eq!(amended.source_sha256, journal_source_hashes(&journal)[1], "the head names the amended source");
}

fn journal_source_hashes(journal: &Journal) -> Vec<[u8; 32]> {
    use sha2::{Digest, Sha256};
    journal.sources.iter().map(|s| Sha256::digest(s.as_bytes()).into()).collect()
}

async fn the_same_agreement_twice_in_a_batch_follows_itself(db: &TestDb) {
    let journal = journal("note-closing");
    journal.put_sources(&db.store).await;
    let appends = journal.as_appends();
    db.store.append_batch(&appends).await.unwrap();
    assert_eq!(db.store.load(&journal.id).await.unwrap(), journal.events);
    let report = pacta_store::verify(&db.store, |_| {}).await.unwrap();
    assert!(report.is_clean(), "{:?}", report.mismatches);
}

fn receipt(key: &str, agreement_id: &str, body: &str, created_at: i64) -> Receipt {
    use sha2::{Digest, Sha256};
    Receipt {
        key: key.to_string(),
        agreement_id: agreement_id.to_string(),
        request_sha256: Sha256::digest(format!("request {key}").as_bytes()).into(),
        status: 200,
        body: body.as_bytes().to_vec(),
        created_at,
    }
}

async fn receipts_land_with_their_batch_and_never_without_it(db: &TestDb) {
    let release = journal("escrow-release");
    let fresh = journal_with_id("escrow-waiver-at-deadline", "fresh-agreement");
    release.put_sources(&db.store).await;
    fresh.put_sources(&db.store).await;
    let (ra, fa) = (release.as_appends(), fresh.as_appends());
    let id = release.id.as_str();

    // With its batch: the receipt lands, byte for byte (bodies are bytes, not text).
    let mut first = receipt("admin\nopen-1", id, "{\"opened\":true}", 1_000);
    first.body.extend_from_slice(&[0, 255, 10]);
    db.store.append_batch_with_receipts(&ra[..1], std::slice::from_ref(&first)).await.unwrap();
    assert_eq!(db.store.receipt(&first.key).await.unwrap(), Some(first.clone()));
    assert_eq!(db.store.receipt("admin\nnever-stored").await.unwrap(), None);
    let head = db.store.head(id).await.unwrap();

    // A conflicting batch stores none of its receipts, nor any of its events.
    let lost = [receipt("admin\nlost-1", "fresh-agreement", "{}", 1_001), receipt("a/b\nlost-2", id, "{}", 1_001)];
    let stale = Append { agreement_id: id, expected_seq: 0, events: ra[0].events };
    match db.store.append_batch_with_receipts(&[fa[0], stale], &lost).await {
        Err(AppendError::Conflict { agreement_id, .. }) => assert_eq!(agreement_id, id),
        other => panic!("expected a conflict, got {other:?}"),
    }
    for r in &lost {
        assert_eq!(db.store.receipt(&r.key).await.unwrap(), None, "{}: no receipt without its batch", r.key);
    }
    assert_eq!(db.store.head("fresh-agreement").await.unwrap(), None);

    // An invalid batch, likewise; and two receipts with one key are refused.
    let empty = Append { agreement_id: "fresh-agreement", expected_seq: 0, events: &[] };
    assert!(matches!(db.store.append_batch_with_receipts(&[empty], &lost).await, Err(AppendError::Invalid { .. })));
    let twice = [receipt("admin\ntwice", id, "1", 1_002), receipt("admin\ntwice", id, "2", 1_002)];
    assert!(matches!(db.store.append_batch_with_receipts(&ra[1..2], &twice).await, Err(AppendError::Invalid { .. })));
    for r in lost.iter().chain(&twice) {
        assert_eq!(db.store.receipt(&r.key).await.unwrap(), None, "{}", r.key);
    }
    assert_eq!(db.store.head(id).await.unwrap(), head);

    // A key already stored (another server answered first): the whole batch is
    // refused, naming the key; the stored receipt is untouched.
    let again = receipt(&first.key, id, "{\"second\":true}", 2_000);
    let other = receipt("admin\nother", id, "{}", 2_000);
    match db.store.append_batch_with_receipts(&ra[1..2], &[other.clone(), again]).await {
        Err(AppendError::ReceiptExists { key }) => assert_eq!(key, first.key),
        other => panic!("expected ReceiptExists, got {other:?}"),
    }
    assert_eq!(db.store.receipt(&first.key).await.unwrap(), Some(first.clone()));
    assert_eq!(db.store.receipt(&other.key).await.unwrap(), None);
    assert_eq!(db.store.head(id).await.unwrap(), head);

    // Receipts alone (commands refused without changing anything): one transaction.
    // Empty bodies, also as the last bytes of the batch, are empty, not missing.
    let refused =
        [receipt("a/b\nrefused-1", id, "", 3_000), receipt("a/b\nrefused-2", id, "{\"code\":\"x\"}", 3_000), receipt("a/b\nrefused-3", "nowhere", "", 3_000)];
    db.store.append_batch_with_receipts(&[], &refused).await.unwrap();
    for r in &refused {
        assert_eq!(db.store.receipt(&r.key).await.unwrap().as_ref(), Some(r));
    }

    // The retried batch lands whole with its receipts.
    db.store.append_batch_with_receipts(&[fa[0], ra[1]], &lost).await.unwrap();
    for r in &lost {
        assert_eq!(db.store.receipt(&r.key).await.unwrap().as_ref(), Some(r));
    }
    assert!(db.store.head("fresh-agreement").await.unwrap().is_some());
    assert_eq!(db.store.load(id).await.unwrap(), release.events[..ra[0].events.len() + ra[1].events.len()]);
    let report = pacta_store::verify(&db.store, |_| {}).await.unwrap();
    assert!(report.is_clean(), "{:?}", report.mismatches);

    // Retention: receipts created before the cut-off go, the others stay.
    assert_eq!(db.store.purge_receipts(1_001).await.unwrap(), 1);
    assert_eq!(db.store.receipt(&first.key).await.unwrap(), None);
    assert!(db.store.receipt(&lost[0].key).await.unwrap().is_some());
}

fn replayed_balances(journal: &Journal) -> Vec<(String, i64)> {
    let mut balances: BTreeMap<String, i64> = BTreeMap::new();
    for (account, money) in engine::replay(&journal.events).unwrap().ledger.balances() {
        *balances.entry(account.label()).or_default() += money.minor;
    }
    balances.retain(|_, m| *m != 0);
    balances.into_iter().collect()
}

/// A journal begun before frames (legacy `events` and `balances` rows) and
/// continued by the store (frames) reads back as one journal: load, entries after
/// any seq, the head, the balances, verify; and the seq check holds across the
/// boundary.
async fn legacy_rows_then_frames_read_as_one_journal(db: &TestDb) {
    for name in ["escrow-release", "note-closing"] {
        let journal = journal(name);
        let appends = journal.as_appends();
        let split = appends.len() / 2;
        let legacy = appends[split].expected_seq;
        write_legacy(&db.store, &journal, legacy as usize).await;
        assert_eq!(db.store.load(&journal.id).await.unwrap(), journal.events[..legacy as usize], "{name}: legacy rows alone");
        // The same append twice: the second is stale.
        db.store.append(appends[split]).await.unwrap();
        assert!(matches!(db.store.append(appends[split]).await, Err(AppendError::Conflict { .. })), "{name}");
        for append in &appends[split + 1..] {
            db.store.append(*append).await.unwrap();
        }
        assert_eq!(db.store.load(&journal.id).await.unwrap(), journal.events, "{name}");
        let all = db.store.entries(&journal.id, 0).await.unwrap();
        for after in 0..=all.len() {
            assert_eq!(db.store.entries(&journal.id, after as u64).await.unwrap(), all[after..], "{name}: entries after {after}");
        }
        let head = db.store.head(&journal.id).await.unwrap().unwrap();
        assert_eq!((head.seq, head.hash), (all.len() as u64, all.last().unwrap().hash));
        assert_eq!(db.store.balances(&journal.id).await.unwrap(), replayed_balances(&journal), "{name}");
    }
    let report = pacta_store::verify(&db.store, |_| {}).await.unwrap();
    assert!(report.is_clean(), "{:?}", report.mismatches);
    assert_eq!(report.agreements, 2);
}

/// A batch writes one frame per agreement however many of its appends extend
/// it, each starting right after the frame before it.
async fn one_frame_per_agreement_per_commit_and_frames_are_contiguous(db: &TestDb) {
    let note = journal("note-closing");
    let release = journal("escrow-release");
    note.put_sources(&db.store).await;
    release.put_sources(&db.store).await;
    let (na, ra) = (note.as_appends(), release.as_appends());
    db.store.append_batch(&[na[0], ra[0]]).await.unwrap();
    db.store.append_batch(&[na[1], ra[1], na[2], ra[2], na[3]]).await.unwrap();
    db.store.append_batch(&na[4..]).await.unwrap();
    let sql = |id: &str| format!("SELECT first_seq, last_seq FROM frames WHERE agreement_id = '{id}' ORDER BY first_seq");
    let frames = |id: String| async move {
        match (db.store.sqlite_pool(), db.store.postgres_pool()) {
            (Some(pool), _) => sqlx::query_as::<_, (i64, i64)>(&sql(&id)).fetch_all(pool).await.unwrap(),
            (_, Some(pool)) => sqlx::query_as::<_, (i64, i64)>(&sql(&id)).fetch_all(pool).await.unwrap(),
            _ => unreachable!(),
        }
    };
    let end = |appends: &[Append<'_>], n: usize| (appends[n - 1].expected_seq + appends[n - 1].events.len() as u64) as i64;
    assert_eq!(frames(note.id.clone()).await, [(1, end(&na, 1)), (end(&na, 1) + 1, end(&na, 4)), (end(&na, 4) + 1, note.events.len() as i64)]);
    assert_eq!(frames(release.id.clone()).await, [(1, end(&ra, 1)), (end(&ra, 1) + 1, end(&ra, 3))]);
    assert_eq!(db.store.load(&note.id).await.unwrap(), note.events);
    assert_eq!(db.store.balances(&note.id).await.unwrap(), replayed_balances(&note));
}

/// Compile-time check: the store's futures can be spawned on a multi-threaded runtime.
#[allow(dead_code)]
fn futures_are_send(store: &Store, batch: &[Append<'_>]) {
    fn send<T: Send>(_: T) {}
    send(store.append_batch(batch));
    send(store.append_batch_with_receipts(batch, &[]));
    send(store.prepare_batch(batch, &[]));
    send(store.load("x"));
    send(pacta_store::verify(store, |_| {}));
}

/// A store remembers the heads it committed and does not read them again; when
/// another store (another server) has moved one since, the remembered head is
/// stale: the append must fail with a `Conflict`, land nothing, and the next
/// append (from the head as the other store left it) must read it and succeed.
async fn a_head_this_store_remembers_is_still_guarded_by_the_database(db: &TestDb) {
    let journal = journal("escrow-release");
    let appends = journal.as_appends();
    journal.put_sources(&db.store).await;
    db.store.append(appends[0]).await.unwrap();
    db.store.append(appends[1]).await.unwrap();
    let other = db.second_writer().await;
    other.append(appends[2]).await.unwrap();
    let moved = db.store.head(&journal.id).await.unwrap().unwrap();
    // `db.store` remembers the head at appends[2].expected_seq, which has moved on.
    match db.store.append(appends[2]).await {
        Err(AppendError::Conflict { agreement_id, expected, actual }) => {
            assert_eq!((agreement_id.as_str(), expected, actual), (journal.id.as_str(), appends[2].expected_seq, moved.seq));
        }
        other => panic!("a stale remembered head must be a conflict, got {other:?}"),
    }
    assert_eq!(db.store.head(&journal.id).await.unwrap().unwrap(), moved, "nothing moved");
    assert_eq!(db.store.load(&journal.id).await.unwrap(), journal.events[..moved.seq as usize]);
    // From where the other store left it, the first store carries on, and so
    // does the other one from there (its remembered head is stale in turn).
    db.store.append(appends[3]).await.unwrap();
    assert!(matches!(other.append(appends[3]).await, Err(AppendError::Conflict { .. })));
    other.append(appends[4]).await.unwrap();
    db.store.append(appends[5]).await.unwrap();
    assert_landed_through(db, &journal, appends[5]).await;
}

/// The database checks the head's hash as well as its seq: if the head a store
/// remembers has the right seq but another hash (a database restored from a copy
/// that another writer then extended differently), nothing may be linked to it.
async fn a_remembered_head_whose_hash_changed_lands_nothing(db: &TestDb) {
    let journal = journal("escrow-refund");
    let appends = journal.as_appends();
    journal.put_sources(&db.store).await;
    db.store.append(appends[0]).await.unwrap();
    db.execute(&format!("UPDATE agreements SET head_hash = source_sha256 WHERE id = '{}'", journal.id)).await;
    let head = db.store.head(&journal.id).await.unwrap().unwrap();
    let refused = db.store.append(appends[1]).await;
    assert!(
        matches!(&refused, Err(AppendError::Diverged { agreement_id, seq }) if *agreement_id == journal.id && *seq == appends[1].expected_seq),
        "a frame must never link to a hash the head no longer has, and the writer must learn to reload: {refused:?}"
    );
    assert_eq!(db.store.head(&journal.id).await.unwrap().unwrap(), head, "nothing moved");
    assert_eq!(db.store.load(&journal.id).await.unwrap(), journal.events[..appends[1].expected_seq as usize]);
}

/// Several tasks append through one `Store` (so through one memory of heads) to
/// the same agreement at the same expected seq, at once: exactly one wins, every
/// other gets a `Conflict`, and the store then carries on from the winner's head.
async fn tasks_racing_through_one_store_one_wins_and_it_carries_on(db: &TestDb) {
    let journal = journal("escrow-release");
    let appends = journal.as_appends();
    journal.put_sources(&db.store).await;
    db.store.append(appends[0]).await.unwrap();
    db.store.append(appends[1]).await.unwrap();
    let racers = (0..4).map(|_| {
        let store = db.store.clone();
        let append = appends[2];
        let (id, events) = (append.agreement_id.to_string(), append.events.to_vec());
        tokio::spawn(async move { store.append(Append { agreement_id: &id, expected_seq: append.expected_seq, events: &events }).await })
    });
    let mut outcomes = Vec::new();
    for racer in racers.collect::<Vec<_>>() {
        outcomes.push(racer.await.expect("the task ran"));
    }
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1, "exactly one wins: {outcomes:?}");
    for lost in outcomes.iter().filter(|o| o.is_err()) {
        assert!(matches!(lost, Err(AppendError::Conflict { .. })), "every other gets a Conflict: {lost:?}");
    }
    db.store.append(appends[3]).await.unwrap();
    assert_landed_through(db, &journal, appends[3]).await;
}

/// Pipelined group commits: the next batch is laid out on the heads of one still
/// committing (on another task), then committed after it. Both land, in order,
/// as one chain.
async fn a_batch_prepared_while_the_one_before_commits_lands_after_it(db: &TestDb) {
    let journal = journal("escrow-release");
    let appends = journal.as_appends();
    journal.put_sources(&db.store).await;
    db.store.append(appends[0]).await.unwrap();
    let first = db.store.prepare_batch(&appends[1..2], &[]).await.unwrap();
    let committing = tokio::spawn(first.commit());
    let second = db.store.prepare_batch(&appends[2..3], &[]).await.unwrap();
    committing.await.expect("the task ran").unwrap();
    second.commit().await.unwrap();
    assert_landed_through(db, &journal, appends[2]).await;
}

/// A batch laid out on the heads of one that then fails (here, its receipt was
/// already stored) was linked to heads that never landed: its commit must fail
/// as a `Conflict` and land nothing, and the store must carry on from the truth.
async fn a_batch_prepared_on_one_that_fails_lands_nothing(db: &TestDb) {
    let journal = journal("escrow-release");
    let appends = journal.as_appends();
    journal.put_sources(&db.store).await;
    db.store.append(appends[0]).await.unwrap();
    let taken = receipt("admin\ntaken", &journal.id, "{}", 1_000);
    db.store.append_batch_with_receipts(&[], std::slice::from_ref(&taken)).await.unwrap();
    let head = db.store.head(&journal.id).await.unwrap();

    let first = db.store.prepare_batch(&appends[1..2], std::slice::from_ref(&taken)).await.unwrap();
    let second = db.store.prepare_batch(&appends[2..3], &[]).await.unwrap();
    assert!(matches!(first.commit().await, Err(AppendError::ReceiptExists { .. })));
    match second.commit().await {
        Err(AppendError::Conflict { agreement_id, expected, actual }) => {
            assert_eq!((agreement_id.as_str(), expected, actual), (journal.id.as_str(), appends[2].expected_seq, appends[1].expected_seq));
        }
        other => panic!("a batch laid out on one that failed must be a conflict, got {other:?}"),
    }
    assert_eq!(db.store.head(&journal.id).await.unwrap(), head, "nothing moved");
    db.store.append(appends[1]).await.unwrap();
    db.store.append(appends[2]).await.unwrap();
    assert_landed_through(db, &journal, appends[2]).await;
}

/// A prepared batch dropped without committing never lands, and neither does
/// one laid out on it; an agreement it opened stays unopened.
async fn a_batch_prepared_on_one_abandoned_lands_nothing(db: &TestDb) {
    let journal = journal("escrow-refund");
    let appends = journal.as_appends();
    journal.put_sources(&db.store).await;
    let first = db.store.prepare_batch(&appends[0..1], &[]).await.unwrap();
    let second = db.store.prepare_batch(&appends[1..2], &[]).await.unwrap();
    drop(first);
    match second.commit().await {
        Err(AppendError::Conflict { expected, actual, .. }) => assert_eq!((expected, actual), (appends[1].expected_seq, 0)),
        other => panic!("a batch laid out on an abandoned one must be a conflict, got {other:?}"),
    }
    assert_eq!(db.store.head(&journal.id).await.unwrap(), None, "never opened");
    append_all(&db.store, &journal).await;
    assert_eq!(db.store.load(&journal.id).await.unwrap(), journal.events);
}
