//! Shared fixtures for pacta-store's tests: real journals from the scenario files,
//! and fresh databases of both engines.
//!
//! Journals come from `agreements/scenarios/*.scenario`, replayed by the CLI's own
//! scenario runner: its source files are compiled into this test crate (the
//! `#[path]` below) rather than copied, so the journals here are exactly the ones
//! `pacta simulate` produces. It depends only on pacta-core, pacta-lang and the
//! crypto crates; if it ever reaches into the rest of the CLI this stops compiling.
#![allow(dead_code)]

// `rustfmt::skip`: formatting this file must not reformat the CLI's files.
#[path = "../../../pacta-cli/src/scenario/mod.rs"]
#[allow(dead_code, clippy::all)]
#[rustfmt::skip]
mod scenario;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pacta_core::agreement::Agreement;
use pacta_core::engine::Event;
use pacta_store::{Append, Store};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

/// A scenario replayed: the agreement's source, every `.pact` source it uses, and
/// the journal split as a server would append it (the opening, then one append
/// per command that produced events).
pub struct Journal {
    pub name: String,
    pub id: String,
    pub sources: Vec<String>,
    pub events: Vec<Event>,
    /// Ranges of `events`, one per append, in order.
    pub appends: Vec<std::ops::Range<usize>>,
}

impl Journal {
    /// The appends as the store takes them, starting from an empty journal.
    pub fn as_appends(&self) -> Vec<Append<'_>> {
        self.appends.iter().map(|r| Append { agreement_id: &self.id, expected_seq: r.start as u64, events: &self.events[r.clone()] }).collect()
    }

    /// The whole journal as one append.
    pub fn as_one_append(&self) -> Append<'_> {
        Append { agreement_id: &self.id, expected_seq: 0, events: &self.events }
    }

    pub async fn put_sources(&self, store: &Store) {
        for source in &self.sources {
            store.put_source(source).await.expect("source stored");
        }
    }
}

/// Scenario files are named after the agreement they run against.
fn agreement_file(scenario: &str) -> &'static str {
    match scenario.split('-').next() {
        Some("escrow") => "agreements/escrow.pact",
        Some("omnibus") => "agreements/omnibus-waiver.pact",
        Some("note") => "agreements/note-purchase.pact",
        _ => panic!("no agreement for scenario {scenario}"),
    }
}

pub fn scenario_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("agreements/scenarios"))
        .expect("scenario folder")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".scenario").map(str::to_string))
        .collect();
    names.sort();
    names
}

/// Replays one scenario under the agreement id `id` (scenarios share ids, a store may not).
pub fn journal_with_id(name: &str, id: &str) -> Journal {
    let repo = repo();
    let source = std::fs::read_to_string(repo.join(agreement_file(name))).expect("agreement source");
    let agreement = pacta_lang::compile(&source).agreement.expect("seed agreement compiles");
    let dir = repo.join("agreements/scenarios");
    let text = std::fs::read_to_string(dir.join(format!("{name}.scenario"))).expect("scenario");
    let mut parsed = scenario::parse::parse(&text).expect("scenario parses");
    parsed.id = Some(id.to_string());
    let mut sources = vec![source.clone()];
    for step in &parsed.steps {
        if let scenario::Action::Sign { terms: scenario::TermsSpec::Amendment { file }, .. } = &step.action {
            sources.push(std::fs::read_to_string(dir.join(file)).expect("amendment source"));
        }
    }
    let run = scenario::run::run(agreement, &source, &parsed, &dir, id).expect("scenario runs");
    assert!(run.passed(), "scenario {name} does not meet its own expectations: {:?}", run.expectation_failures);
    let opening = run.entries.first().map_or(run.journal.len(), |e| e.journal.start);
    let appends = std::iter::once(0..opening).chain(run.entries.iter().map(|e| e.journal.clone()).filter(|r| !r.is_empty())).collect();
    Journal { name: name.to_string(), id: id.to_string(), sources, events: run.journal, appends }
}

pub fn journal(name: &str) -> Journal {
    journal_with_id(name, name)
}

pub fn all_journals() -> Vec<Journal> {
    scenario_names().iter().map(|n| journal(n)).collect()
}

/// Compiles sources the way `Store` does, for decoding without a database.
pub fn resolver(sources: &[String]) -> impl FnMut(&[u8; 32]) -> Result<Arc<Agreement>, pacta_store::codec::CodecError> {
    use sha2::{Digest, Sha256};
    let compiled: Vec<([u8; 32], Arc<Agreement>)> =
        sources.iter().map(|s| (Sha256::digest(s.as_bytes()).into(), Arc::new(pacta_lang::compile(s).agreement.expect("source compiles")))).collect();
    move |sha| compiled.iter().find(|(h, _)| h == sha).map(|(_, a)| Arc::clone(a)).ok_or(pacta_store::codec::CodecError::UnknownSource(*sha))
}

// ---------------------------------------------------------------------------
// Databases
// ---------------------------------------------------------------------------

use pacta_testkit::ScratchSchema;
pub use pacta_testkit::PG_VAR;

/// A fresh, migrated journal database, removed when dropped.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// PostgreSQL: the schema this test owns (dropped with it).
    _schema: Option<ScratchSchema>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("journal.db").display());
        let store = Store::connect(&url).await.expect("SQLite opens");
        store.migrate().await.expect("migrations run");
        TestDb { store, url, _dir: Some(dir), _schema: None }
    }

    /// A fresh schema on the server named by `PACTA_TEST_DATABASE_URL`, or `None`
    /// (after saying so, loudly) when the variable is not set.
    pub async fn postgres() -> Option<TestDb> {
        let Ok(base) = std::env::var(PG_VAR) else {
            eprintln!("SKIPPED: PostgreSQL conformance (set {PG_VAR}=postgres://…)");
            return None;
        };
        let schema = ScratchSchema::create(&base, "test").await;
        let url = schema.url().to_string();
        let store = Store::connect(&url).await.expect("PostgreSQL connects");
        store.migrate().await.expect("migrations run");
        Some(TestDb { store, url, _dir: None, _schema: Some(schema) })
    }

    /// Another connection pool on the same database: a second writer.
    pub async fn second_writer(&self) -> Store {
        Store::connect(&self.url).await.expect("second connection")
    }

    /// Runs raw SQL (tests reach past the store to tamper with it).
    pub async fn execute(&self, sql: &str) {
        match (self.store.sqlite_pool(), self.store.postgres_pool()) {
            (Some(pool), _) => sqlx::query(sql).execute(pool).await.map(|_| ()),
            (_, Some(pool)) => sqlx::query(sql).execute(pool).await.map(|_| ()),
            _ => unreachable!(),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

/// Runs each named test (an `async fn(&TestDb)`) against SQLite and PostgreSQL:
/// `sqlite::NAME` and `postgres::NAME`.
#[macro_export]
macro_rules! conformance {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let db = $crate::common::TestDb::sqlite().await;
                    super::$test(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let Some(db) = $crate::common::TestDb::postgres().await else { return };
                    super::$test(&db).await;
                }
            )*
        }
    };
}

// ---------------------------------------------------------------------------
// Journals as they were stored before frames
// ---------------------------------------------------------------------------

/// Writes the first `upto` events of `journal` as the store wrote them before
/// frames: one `events` row per entry, the `agreements` row and the `balances`
/// projection, by raw SQL that both engines run (`unhex` is SQLite's, and the
/// PostgreSQL migration's). The store no longer writes these tables; old
/// databases have them, and it must keep reading them. Sources are stored too.
pub async fn write_legacy(store: &Store, journal: &Journal, upto: usize) {
    use pacta_store::chain::{entry_hash, GENESIS};
    use pacta_store::codec;
    journal.put_sources(store).await;
    let events = &journal.events[..upto];
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let id = quote(&journal.id);
    let mut rows = Vec::with_capacity(upto);
    let mut prev = GENESIS;
    for (i, event) in events.iter().enumerate() {
        let seq = i as u64 + 1;
        let at = codec::encode_at(event.at);
        let stored = codec::encode(&event.kind);
        let hash = entry_hash(&journal.id, seq, &at, stored.kind, &stored.payload, &prev);
        rows.push(format!(
            "({id}, {seq}, {}, {}, unhex('{}'), unhex('{}'), unhex('{}'))",
            quote(&at),
            quote(stored.kind),
            hex::encode(&stored.payload),
            hex::encode(prev),
            hex::encode(hash)
        ));
        prev = hash;
    }
    let state = pacta_core::engine::replay(events).expect("the journal replays");
    let opened_at = quote(&codec::encode_at(events[0].at));
    let mut balances: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for (account, money) in state.ledger.balances() {
        *balances.entry(account.label()).or_default() += money.minor;
    }
    let balances: Vec<String> = balances.iter().filter(|(_, m)| **m != 0).map(|(label, minor)| format!("({id}, {}, {minor})", quote(label))).collect();
    let mut statements = vec![
        format!(
            "INSERT INTO agreements (id, source_sha256, head_seq, head_hash, opened_at) VALUES ({id}, unhex('{}'), {upto}, unhex('{}'), {opened_at})",
            hex::encode(state.source_sha256),
            hex::encode(prev)
        ),
        format!("INSERT INTO events (agreement_id, seq, at, kind, payload, prev_hash, hash) VALUES {}", rows.join(", ")),
    ];
    if !balances.is_empty() {
        statements.push(format!("INSERT INTO balances (agreement_id, account, minor) VALUES {}", balances.join(", ")));
    }
    for sql in statements {
        match (store.sqlite_pool(), store.postgres_pool()) {
            (Some(pool), _) => sqlx::query(&sql).execute(pool).await.map(|_| ()),
            (_, Some(pool)) => sqlx::query(&sql).execute(pool).await.map(|_| ()),
            _ => unreachable!(),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}
