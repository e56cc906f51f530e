//! `Store`: the journal API over either adapter.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use pacta_core::agreement::Agreement;
use pacta_core::engine::{Event, EventKind};
use sha2::{Digest, Sha256};

use crate::backend::{EventRow, ReceiptRow, Sql, SqlTx};
use crate::batch::{self, Rows};
use crate::chain::{self, GENESIS};
use crate::codec::{self, CodecError};
use crate::frame;
use crate::heads::{Heads, Start};
use crate::split;

/// Which database a `Store` runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub(crate) enum Backend {
    Sqlite(pacta_store_sqlite::Db),
    Postgres(pacta_store_postgres::Db),
}

/// Runs `$body` with `$db` bound to the adapter in use (each arm is compiled for its own type).
macro_rules! with_sql {
    ($store:expr, $db:ident => $body:expr) => {
        match &$store.inner.backend {
            $crate::store::Backend::Sqlite($db) => $body,
            $crate::store::Backend::Postgres($db) => $body,
        }
    };
}
pub(crate) use with_sql;

/// The journal of every agreement in one database. Cheap to clone: clones share
/// the connection pool and the cache of compiled agreements.
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) backend: Backend,
    /// Agreements compiled from stored sources, by the SHA-256 of the source.
    compiled: Mutex<HashMap<[u8; 32], Arc<Agreement>>>,
    /// The heads this store committed, so a group commit need not read them (see `heads`).
    heads: Heads,
}

/// Events to add at the end of one agreement's journal.
#[derive(Debug, Clone, Copy)]
pub struct Append<'a> {
    pub agreement_id: &'a str,
    /// The seq of the journal's last entry as the writer knows it: 0 for a new
    /// agreement (whose first event must be `Opened`). The events get
    /// `expected_seq + 1`, `+ 2`, …; if the journal has moved on, the append fails
    /// with `Conflict` and nothing of its batch is written.
    pub expected_seq: u64,
    pub events: &'a [Event],
}

/// The answer a command was given, stored by the group commit in the same
/// transaction as the events it produced (`append_batch_with_receipts`): a
/// command is never journaled without its receipt, nor a receipt kept for events
/// that did not land. A retry with the same key is answered from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Unique: the caller's idempotency key, scoped to the caller by whoever composes it.
    pub key: String,
    /// The agreement the command was for (it need not exist: a refusal has a receipt too).
    pub agreement_id: String,
    /// SHA-256 of the request, so the same key with another request can be refused.
    pub request_sha256: [u8; 32],
    /// The answer: a status (HTTP) and the exact body bytes.
    pub status: u16,
    pub body: Vec<u8>,
    /// Unix seconds, for retention (`purge_receipts`).
    pub created_at: i64,
}

/// Why `append_batch` wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// Another writer extended (or opened) this agreement first: reload and decide again.
    #[error("agreement `{agreement_id}`: expected the journal to end at seq {expected}, but it ends at seq {actual}")]
    Conflict { agreement_id: String, expected: u64, actual: u64 },
    /// The journal ends at the expected seq, but not at the entry this store
    /// committed there: the database was restored or changed under it. The state
    /// the events were decided on is not the journal's: reload and decide again.
    #[error("agreement `{agreement_id}`: entry {seq} is not the one this store committed there")]
    Diverged { agreement_id: String, seq: u64 },
    /// The append could never succeed as given (no events, `Opened` out of place, …).
    #[error("agreement `{agreement_id}`: {reason}")]
    Invalid { agreement_id: String, reason: String },
    /// An event names an agreement source that `put_source` has not stored.
    #[error("agreement `{agreement_id}`: no stored source with sha256 {}; call put_source first", hex::encode(.sha256))]
    MissingSource { agreement_id: String, sha256: [u8; 32] },
    /// A receipt's key is already stored (another server answered the same request
    /// first): read that receipt, and commit the rest of the batch without it.
    #[error("a receipt with key `{key}` is already stored")]
    ReceiptExists { key: String },
    /// The database failed. If it failed while committing, the batch may or may not
    /// be durable: read the heads before retrying.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Why a journal could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The stored journal does not hold together (see `verify` for a full report).
    #[error("agreement `{agreement_id}`, entry {seq}: {problem}")]
    Corrupt { agreement_id: String, seq: u64, problem: String },
}

/// Why a stored agreement source could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("no stored source with sha256 {}", hex::encode(.0))]
    Missing([u8; 32]),
    #[error("source {}: {message}", hex::encode(.sha256))]
    Unusable { sha256: [u8; 32], message: String },
}

/// Where an agreement's journal ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: u64,
    pub hash: [u8; 32],
    /// The source of the version in force (the opening one until an amendment).
    pub source_sha256: [u8; 32],
    pub opened_at: Timestamp,
}

/// One stored entry with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub seq: u64,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
    pub event: Event,
}

pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

pub(crate) fn bytes32(bytes: &[u8]) -> Option<[u8; 32]> {
    bytes.try_into().ok()
}

/// What `compile` makes of a stored source, checked against the hash it is stored under.
pub(crate) fn compile_source(sha256: &[u8; 32], body: &str) -> Result<Agreement, String> {
    if self::sha256(body.as_bytes()) != *sha256 {
        return Err(format!("the stored text hashes to {}, not to its key", hex::encode(self::sha256(body.as_bytes()))));
    }
    let compiled = pacta_lang::compile(body);
    compiled.agreement.ok_or_else(|| {
        let errors: Vec<&str> = compiled.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.message.as_str()).collect();
        format!("does not compile: {}", errors.join("; "))
    })
}

impl Store {
    /// Connects to `postgres://…`/`postgresql://…`, or else to a SQLite file
    /// (`sqlite://PATH`, `sqlite:PATH` or a bare path; created if missing, WAL,
    /// `synchronous=FULL`). Does not create tables: call `migrate`.
    pub async fn connect(url: &str) -> Result<Store, sqlx::Error> {
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres(pacta_store_postgres::Db::connect(url).await?)
        } else {
            Backend::Sqlite(pacta_store_sqlite::Db::connect(url).await?)
        };
        Ok(Store { inner: Arc::new(Inner { backend, compiled: Mutex::new(HashMap::new()), heads: Heads::default() }) })
    }

    pub fn engine(&self) -> Engine {
        match self.inner.backend {
            Backend::Sqlite(_) => Engine::Sqlite,
            Backend::Postgres(_) => Engine::Postgres,
        }
    }

    /// The SQLite pool, for tools and tests that need raw SQL.
    pub fn sqlite_pool(&self) -> Option<&sqlx::SqlitePool> {
        match &self.inner.backend {
            Backend::Sqlite(db) => Some(db.pool()),
            Backend::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, for tools and tests that need raw SQL.
    pub fn postgres_pool(&self) -> Option<&sqlx::PgPool> {
        match &self.inner.backend {
            Backend::Postgres(db) => Some(db.pool()),
            Backend::Sqlite(_) => None,
        }
    }

    /// Creates or updates the tables (the adapter's embedded migrations).
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        with_sql!(self, db => db.migrate().await)
    }

    /// Stores an agreement's `.pact` source (once; storing it again is a no-op)
    /// and returns its SHA-256, the key events use to name it.
    pub async fn put_source(&self, text: &str) -> Result<[u8; 32], sqlx::Error> {
        let sha256 = sha256(text.as_bytes());
        with_sql!(self, db => Sql::put_source(db, &sha256, text).await)?;
        Ok(sha256)
    }

    /// The stored source text with this hash.
    pub async fn source(&self, sha256: &[u8; 32]) -> Result<Option<String>, sqlx::Error> {
        with_sql!(self, db => Sql::source(db, sha256).await)
    }

    /// The agreement a stored source compiles to (compiled once, then cached).
    /// Hand this `Arc` to the engine: appends then recognise it without comparing.
    pub async fn agreement(&self, sha256: &[u8; 32]) -> Result<Arc<Agreement>, SourceError> {
        if let Some(found) = self.cached(sha256) {
            return Ok(found);
        }
        let body = self.source(sha256).await?.ok_or(SourceError::Missing(*sha256))?;
        let agreement = compile_source(sha256, &body).map_err(|message| SourceError::Unusable { sha256: *sha256, message })?;
        let mut compiled = self.inner.compiled.lock().expect("cache lock");
        Ok(Arc::clone(compiled.entry(*sha256).or_insert_with(|| Arc::new(agreement))))
    }

    pub(crate) fn cached(&self, sha256: &[u8; 32]) -> Option<Arc<Agreement>> {
        self.inner.compiled.lock().expect("cache lock").get(sha256).cloned()
    }

    /// Appends to one agreement's journal: `append_batch` of one.
    pub async fn append(&self, append: Append<'_>) -> Result<(), AppendError> {
        self.append_batch(std::slice::from_ref(&append)).await
    }

    /// Appends events to the journals of many agreements in ONE transaction (group
    /// commit: one durable commit for a whole batch of commands). All or nothing:
    /// if any append's `expected_seq` is stale, or anything else fails, none of
    /// the batch is written. The same agreement may appear more than once; its
    /// appends then follow each other in batch order, in one frame: the batch
    /// writes one `frames` row per agreement (its entries and balance movements),
    /// and moves the `agreements` heads in the same transaction. When this
    /// returns `Ok`, the batch is durable.
    pub async fn append_batch(&self, batch: &[Append<'_>]) -> Result<(), AppendError> {
        self.append_batch_with_receipts(batch, &[]).await
    }

    /// `append_batch`, storing the answers of the batch's commands in the same
    /// transaction: the receipts land with the events or not at all. The batch may
    /// have no appends (commands refused without changing anything): the receipts
    /// are then stored alone, in one transaction. A receipt whose key is already
    /// stored fails the whole batch with `ReceiptExists` (nothing is written), as
    /// do two receipts with one key (`Invalid`).
    pub async fn append_batch_with_receipts(&self, batch: &[Append<'_>], receipts: &[Receipt]) -> Result<(), AppendError> {
        self.prepare_batch(batch, receipts).await?.commit().await
    }

    /// The first half of `append_batch_with_receipts`: validates, encodes and
    /// hashes the batch and lays out its frames and rows, writing nothing. Commit
    /// it with `PreparedBatch::commit`, which is the other half.
    ///
    /// Each agreement's frame starts at the head this store last laid out for it,
    /// if that is the seq the append expects, even if the batch that leaves it is
    /// still committing: so the next batch can be prepared on one thread while the
    /// previous one commits on another. Commit batches in the order they were
    /// prepared. If the earlier batch then fails, the later one was linked to heads
    /// that never landed, and the database's head check (expected seq AND hash)
    /// fails it as a `Conflict` (or `Diverged`): it can never land on the wrong
    /// entry. Heads this store does not hold are read from the database here.
    pub async fn prepare_batch(&self, batch: &[Append<'_>], receipts: &[Receipt]) -> Result<PreparedBatch, AppendError> {
        let prepared = prepare(batch)?;
        let receipts = prepare_receipts(receipts)?;
        self.check_sources(&prepared).await?;
        let starts = self.starts(batch).await?;
        let layout = if prepared.is_empty() { None } else { Some(lay_out(&prepared, &starts)?) };
        if let Some(layout) = &layout {
            self.inner.heads.laid_out(layout.heads.iter().map(|(id, start, seq, hash)| (id.as_str(), *start, *seq, *hash)));
        }
        Ok(PreparedBatch {
            store: self.clone(),
            appends: batch.iter().map(|a| (a.agreement_id.to_string(), a.expected_seq, a.events.len() as u64)).collect(),
            starts: starts.into_iter().map(|(id, start)| (id.to_string(), start)).collect(),
            layout,
            receipts,
            settled: false,
        })
    }

    /// Where each agreement of the batch starts: the heads this store holds at the
    /// seq its first append expects, else the database's (`Start::NEW` if none).
    async fn starts<'a>(&self, batch: &[Append<'a>]) -> Result<HashMap<&'a str, Start>, AppendError> {
        let mut starts = self.inner.heads.starts(batch.iter().map(|a| (a.agreement_id, a.expected_seq)));
        let mut unknown: Vec<&'a str> = batch.iter().map(|a| a.agreement_id).filter(|id| !starts.contains_key(id)).collect();
        unknown.sort_unstable();
        unknown.dedup();
        if unknown.is_empty() {
            return Ok(starts);
        }
        let read = with_sql!(self, db => read_starts(db, &unknown).await).map_err(|error| match error {
            WriteError::Database(error) | WriteError::Raced(error) => AppendError::Database(error),
            WriteError::ReceiptExists => unreachable!("reading heads inserts no receipt"),
        })?;
        for id in unknown {
            starts.insert(id, read.get(id).copied().unwrap_or(Start::NEW));
        }
        Ok(starts)
    }

    /// After a receipt insert found a key already stored: which one.
    async fn taken_receipt(&self, receipts: Option<&PreparedReceipts>) -> AppendError {
        for key in receipts.map(|r| r.keys.as_slice()).unwrap_or_default() {
            match self.receipt(key).await {
                Ok(Some(_)) => return AppendError::ReceiptExists { key: key.clone() },
                Ok(None) => {}
                Err(error) => return AppendError::Database(error),
            }
        }
        AppendError::Database(sqlx::Error::Protocol("a receipt key was taken, then vanished".to_string()))
    }

    /// The stored receipt with this key.
    pub async fn receipt(&self, key: &str) -> Result<Option<Receipt>, sqlx::Error> {
        let Some(row) = with_sql!(self, db => Sql::receipt(db, key).await)? else { return Ok(None) };
        let ReceiptRow { key, agreement_id, request_sha256, status, body, created_at } = row;
        let request_sha256 = bytes32(&request_sha256).ok_or_else(|| sqlx::Error::Protocol(format!("receipt `{key}`: request_sha256 is not 32 bytes")))?;
        let status = u16::try_from(status).map_err(|_| sqlx::Error::Protocol(format!("receipt `{key}`: status {status} is out of range")))?;
        Ok(Some(Receipt { key, agreement_id, request_sha256, status, body, created_at }))
    }

    /// Forgets receipts created before `before` (unix seconds): retention is
    /// bounded, and a retry later than that runs again. Returns how many went.
    pub async fn purge_receipts(&self, before: i64) -> Result<u64, sqlx::Error> {
        with_sql!(self, db => Sql::purge_receipts(db, before).await)
    }

    /// Every source an append names must be stored, and each event's agreement must
    /// be exactly what its source compiles to: the journal keeps only the hash, so
    /// anything else would decode to a different agreement than the one that ran.
    async fn check_sources(&self, prepared: &[Prepared<'_>]) -> Result<(), AppendError> {
        for p in prepared {
            for event in p.append.events {
                let Some((sha256, agreement)) = codec::source_of(&event.kind) else { continue };
                let agreement_id = p.append.agreement_id.to_string();
                let compiled = match self.agreement(&sha256).await {
                    Ok(compiled) => compiled,
                    Err(SourceError::Missing(sha256)) => return Err(AppendError::MissingSource { agreement_id, sha256 }),
                    Err(SourceError::Database(error)) => return Err(AppendError::Database(error)),
                    Err(SourceError::Unusable { message, .. }) => return Err(AppendError::Invalid { agreement_id, reason: message }),
                };
                if let Some(given) = agreement {
                    if !Arc::ptr_eq(given, &compiled) && **given != *compiled {
                        let reason =
                            format!("the agreement in a `{}` event is not what source {} compiles to", codec::encode(&event.kind).kind, hex::encode(sha256));
                        return Err(AppendError::Invalid { agreement_id, reason });
                    }
                }
            }
        }
        Ok(())
    }

    /// The events of one agreement's journal, in order (empty if there is none).
    /// The hash chain is checked on the way: a journal that does not hold together
    /// is an error, never a silently different history.
    pub async fn load(&self, agreement_id: &str) -> Result<Vec<Event>, LoadError> {
        Ok(self.entries(agreement_id, 0).await?.into_iter().map(|e| e.event).collect())
    }

    /// The entries after seq `after` (all of them for 0), with their hashes. Each
    /// entry's link to the one before it is checked, the first one's against the
    /// genesis when `after` is 0 (otherwise compare its `prev_hash` with the hash
    /// you hold for entry `after`).
    pub async fn entries(&self, agreement_id: &str, after: u64) -> Result<Vec<JournalEntry>, LoadError> {
        let after_i64 = i64::try_from(after).map_err(|_| corrupt(agreement_id, after, "seq out of range".into()))?;
        let (legacy, frames) = with_sql!(self, db => (Sql::events(db, agreement_id, after_i64).await?, Sql::frames(db, agreement_id, after_i64).await?));
        let stored = frame::entries(agreement_id, after, legacy, &frames);
        drop(frames);
        let mut entries = Vec::with_capacity(stored.rows.len());
        let mut prev: Option<[u8; 32]> = (after == 0).then_some(GENESIS);
        for (i, row) in stored.rows.iter().enumerate() {
            let seq = after + 1 + i as u64;
            let (prev_hash, hash) = check_link(agreement_id, seq, row, prev.as_ref()).map_err(|problem| corrupt(agreement_id, seq, problem))?;
            let event = self.decode_row(row).await.map_err(|e| match e {
                DecodeError::Database(error) => LoadError::Database(error),
                DecodeError::Codec(e) => corrupt(agreement_id, seq, e.to_string()),
            })?;
            entries.push(JournalEntry { seq, prev_hash, hash, event });
            prev = Some(hash);
        }
        match stored.broken {
            Some(broken) => Err(corrupt(agreement_id, broken.seq, broken.problem)),
            None => Ok(entries),
        }
    }

    /// Decodes a stored row, fetching and compiling the sources it names as needed.
    pub(crate) async fn decode_row(&self, row: &EventRow) -> Result<Event, DecodeError> {
        let at = codec::decode_at(&row.at)?;
        loop {
            let decoded = {
                let compiled = self.inner.compiled.lock().expect("cache lock");
                codec::decode(&row.kind, &row.payload, &mut |sha256| compiled.get(sha256).cloned().ok_or(CodecError::UnknownSource(*sha256)))
            };
            match decoded {
                Ok(kind) => return Ok(Event { at, kind }),
                Err(CodecError::UnknownSource(sha256)) => match self.agreement(&sha256).await {
                    Ok(_) => continue,
                    Err(SourceError::Database(error)) => return Err(DecodeError::Database(error)),
                    Err(SourceError::Missing(sha256)) => return Err(CodecError::UnknownSource(sha256).into()),
                    Err(SourceError::Unusable { sha256, message }) => return Err(CodecError::BadSource { sha256, message }.into()),
                },
                Err(other) => return Err(other.into()),
            }
        }
    }

    /// Every agreement id, sorted by the database's collation.
    pub async fn agreement_ids(&self) -> Result<Vec<String>, sqlx::Error> {
        with_sql!(self, db => Sql::agreement_ids(db).await)
    }

    /// Where an agreement's journal ends; `None` if it was never opened.
    pub async fn head(&self, agreement_id: &str) -> Result<Option<Head>, LoadError> {
        let Some(row) = with_sql!(self, db => Sql::agreement(db, agreement_id).await)? else { return Ok(None) };
        let bad = |what: &str| corrupt(agreement_id, row.head_seq.max(0) as u64, format!("the agreements row has {what}"));
        Ok(Some(Head {
            seq: u64::try_from(row.head_seq).map_err(|_| bad("a negative head_seq"))?,
            hash: bytes32(&row.head_hash).ok_or_else(|| bad("a head_hash that is not 32 bytes"))?,
            source_sha256: bytes32(&row.source_sha256).ok_or_else(|| bad("a source_sha256 that is not 32 bytes"))?,
            opened_at: codec::decode_at(&row.opened_at).map_err(|e| bad(&format!("an unreadable opened_at ({e})")))?,
        }))
    }

    /// The balances of one agreement's ledger: `(account label, minor units)`,
    /// sorted by label, zero balances left out. They are the legacy `balances`
    /// rows (the projection kept before frames) plus every frame's movements; a
    /// frame whose movements cannot be read is an error (`verify` says more).
    pub async fn balances(&self, agreement_id: &str) -> Result<Vec<(String, i64)>, LoadError> {
        let (rows, frames) = with_sql!(self, db => (Sql::balances(db, agreement_id).await?, Sql::frame_balances(db, agreement_id).await?));
        let mut sums: BTreeMap<String, i128> = rows.into_iter().map(|r| (r.account, i128::from(r.minor))).collect();
        for f in &frames {
            let seq = f.first_seq.max(0) as u64;
            let movements = frame::decode_balances(&f.balances).map_err(|problem| {
                corrupt(agreement_id, seq, format!("the frame of entries {}–{} has unreadable balances: {problem}", f.first_seq, f.last_seq))
            })?;
            for (label, minor) in movements {
                *sums.entry(label).or_default() += i128::from(minor);
            }
        }
        sums.into_iter()
            .filter(|(_, minor)| *minor != 0)
            .map(|(label, minor)| match i64::try_from(minor) {
                Ok(minor) => Ok((label, minor)),
                Err(_) => Err(corrupt(agreement_id, 0, format!("the balance of `{label}` overflows"))),
            })
            .collect()
    }
}

pub(crate) enum DecodeError {
    Database(sqlx::Error),
    Codec(CodecError),
}

impl From<CodecError> for DecodeError {
    fn from(e: CodecError) -> Self {
        DecodeError::Codec(e)
    }
}

fn corrupt(agreement_id: &str, seq: u64, problem: String) -> LoadError {
    LoadError::Corrupt { agreement_id: agreement_id.to_string(), seq, problem }
}

/// Checks one stored row's place in its chain: its hash covers its content and,
/// when `prev` is known, it links to the entry before it. Returns its two hashes.
pub(crate) fn check_link(agreement_id: &str, seq: u64, row: &EventRow, prev: Option<&[u8; 32]>) -> Result<([u8; 32], [u8; 32]), String> {
    if row.agreement_id != agreement_id {
        return Err(format!("the row belongs to agreement `{}`", row.agreement_id));
    }
    if row.seq < 0 || row.seq as u64 != seq {
        return Err(format!("entry {seq} is missing: the next stored entry has seq {}", row.seq));
    }
    let prev_hash = bytes32(&row.prev_hash).ok_or("the stored prev_hash is not 32 bytes")?;
    let hash = bytes32(&row.hash).ok_or("the stored hash is not 32 bytes")?;
    if let Some(prev) = prev {
        if prev_hash != *prev {
            return Err(if seq == 1 {
                "the first entry's prev_hash is not the genesis (32 zero bytes)".to_string()
            } else {
                format!("prev_hash does not link to entry {}", seq - 1)
            });
        }
    }
    if chain::entry_hash(&row.agreement_id, seq, &row.at, &row.kind, &row.payload, &prev_hash) != hash {
        return Err("the stored hash does not match the entry's content".to_string());
    }
    Ok((prev_hash, hash))
}

// ---------------------------------------------------------------------------
// Writing a batch
// ---------------------------------------------------------------------------

/// One append, validated and encoded, before the heads are known.
pub(crate) struct Prepared<'a> {
    append: &'a Append<'a>,
    /// `(at, kind, payload)` per event, exactly as they will be stored and hashed.
    encoded: Vec<(String, &'static str, Vec<u8>)>,
    /// The source in force after this append, if it opens or amends the agreement.
    source_at_end: Option<[u8; 32]>,
    /// Ledger movements per account label.
    deltas: BTreeMap<String, i128>,
}

fn invalid(append: &Append<'_>, reason: impl Into<String>) -> AppendError {
    AppendError::Invalid { agreement_id: append.agreement_id.to_string(), reason: reason.into() }
}

/// Each append checked and its events encoded, a large batch in parts on several
/// threads (see `split`); the first error in batch order if any.
fn prepare<'a>(batch: &'a [Append<'a>]) -> Result<Vec<Prepared<'a>>, AppendError> {
    let events = batch.iter().map(|append| append.events.len()).sum();
    let parts = split::map_chunks(batch, split::parts_for(events), prepare_part);
    let mut prepared = Vec::with_capacity(batch.len());
    for part in parts {
        prepared.extend(part?);
    }
    Ok(prepared)
}

fn prepare_part<'a>(batch: &'a [Append<'a>]) -> Result<Vec<Prepared<'a>>, AppendError> {
    batch
        .iter()
        .map(|append| {
            if append.events.is_empty() {
                return Err(invalid(append, "an append needs at least one event"));
            }
            if !matches!(append.expected_seq.checked_add(append.events.len() as u64), Some(end) if end <= i64::MAX as u64) {
                return Err(invalid(append, "seq out of range"));
            }
            let mut deltas: BTreeMap<String, i128> = BTreeMap::new();
            let mut source_at_end = None;
            let mut encoded = Vec::with_capacity(append.events.len());
            for (i, event) in append.events.iter().enumerate() {
                let seq = append.expected_seq + 1 + i as u64;
                if seq == 1 && !matches!(event.kind, EventKind::Opened { .. }) {
                    return Err(invalid(append, "a journal starts with `opened`"));
                }
                match &event.kind {
                    EventKind::Opened { id, source_sha256, .. } => {
                        if seq != 1 {
                            return Err(invalid(append, format!("`opened` can only be entry 1, not entry {seq}")));
                        }
                        if id != append.agreement_id {
                            return Err(invalid(append, format!("the `opened` event is for agreement `{id}`")));
                        }
                        source_at_end = Some(*source_sha256);
                    }
                    EventKind::Amended { source_sha256, .. } => source_at_end = Some(*source_sha256),
                    EventKind::Posted(posting) => frame::add_movement(&mut deltas, posting),
                    _ => {}
                }
                let stored = codec::encode(&event.kind);
                encoded.push((codec::encode_at(event.at), stored.kind, stored.payload));
            }
            Ok(Prepared { append, encoded, source_at_end, deltas })
        })
        .collect()
}

/// A batch's receipts as one statement's rows.
pub(crate) struct PreparedReceipts {
    rows: String,
    /// Each receipt's `request_sha256 ‖ body`, one after the other (see insert_receipts.sql).
    bytes: Vec<u8>,
    keys: Vec<String>,
}

fn prepare_receipts(receipts: &[Receipt]) -> Result<Option<PreparedReceipts>, AppendError> {
    if receipts.is_empty() {
        return Ok(None);
    }
    let mut keys: Vec<String> = Vec::with_capacity(receipts.len());
    let mut seen = std::collections::HashSet::with_capacity(receipts.len());
    let mut rows = Rows::new();
    let mut bytes = Vec::with_capacity(receipts.iter().map(|r| 32 + r.body.len()).sum());
    for r in receipts {
        if !seen.insert(r.key.as_str()) {
            return Err(AppendError::Invalid { agreement_id: r.agreement_id.clone(), reason: format!("two receipts with key `{}` in one batch", r.key) });
        }
        keys.push(r.key.clone());
        // SQL positions count from 1.
        let start = bytes.len() as i64 + 1;
        bytes.extend_from_slice(&r.request_sha256);
        bytes.extend_from_slice(&r.body);
        rows.row()
            .str("key", &r.key)
            .str("agreement_id", &r.agreement_id)
            .int("status", i64::from(r.status))
            .int("created_at", r.created_at)
            .int("bytes", start)
            .int("body_len", r.body.len() as i64)
            .end();
    }
    Ok(Some(PreparedReceipts { rows: rows.finish(), bytes, keys }))
}

pub(crate) enum WriteError {
    /// A constraint or count showed that another writer got there first; the
    /// transaction was rolled back and the heads must be read again to say which.
    Raced(sqlx::Error),
    /// A receipt key was already stored; the transaction was rolled back.
    ReceiptExists,
    Database(sqlx::Error),
}

impl From<sqlx::Error> for WriteError {
    fn from(error: sqlx::Error) -> Self {
        if error.as_database_error().is_some_and(|e| e.is_unique_violation()) {
            WriteError::Raced(error)
        } else {
            WriteError::Database(error)
        }
    }
}

/// Where one agreement's journal stands while a batch is being laid out, and the
/// frame the batch writes for it.
struct Running<'a> {
    seq: u64,
    hash: [u8; 32],
    /// Where the journal ended when the batch began.
    start: Start,
    source: Option<[u8; 32]>,
    opened_at: Option<String>,
    /// This batch's entries of the agreement, one frame (see `frame`), and what
    /// their postings move per account label; then, once sealed, the frame's
    /// `body` and `balances` columns as stored.
    body: Vec<u8>,
    movements: BTreeMap<&'a str, i128>,
    balances: Vec<u8>,
}

impl Running<'_> {
    fn new(start: Start) -> Self {
        let mut body = Vec::new();
        frame::start(&mut body, &start.hash);
        Running { seq: start.seq, hash: start.hash, start, source: None, opened_at: None, body, movements: BTreeMap::new(), balances: Vec::new() }
    }

    /// Turns the frame's entries into its stored columns: the body compressed when
    /// that is shorter (`frame::write_body`), the movements that are not zero.
    fn seal(&mut self, id: &str) -> Result<(), AppendError> {
        let mut stored = Vec::with_capacity(self.body.len());
        frame::write_body(&mut stored, &self.body);
        self.body = stored;
        let mut movements = Vec::with_capacity(self.movements.len());
        for (label, delta) in &self.movements {
            if *delta != 0 {
                let delta = i64::try_from(*delta)
                    .map_err(|_| AppendError::Database(sqlx::Error::Protocol(format!("agreement `{id}`: the balance change of `{label}` overflows"))))?;
                movements.push((*label, delta));
            }
        }
        frame::encode_balances(&mut self.balances, movements);
        Ok(())
    }
}

/// The bytes a prepared append adds to its frame (see `frame::push_entry`).
fn frame_len(p: &Prepared<'_>) -> usize {
    p.encoded.iter().map(|(at, kind, payload)| frame::entry_len(at, kind, payload)).sum()
}

/// A group commit laid out and not yet written (`Store::prepare_batch`): every
/// event encoded and hashed, every agreement's frame and row built, linked to the
/// head it starts from. It owns all of that, so it can be committed on another
/// task while the next batch is prepared. Dropped without `commit`, it is
/// abandoned: the store forgets the heads it would have left.
pub struct PreparedBatch {
    store: Store,
    /// `(agreement_id, expected_seq, events)` per append, to say which one lost a race.
    appends: Vec<(String, u64, u64)>,
    /// Where each agreement's frame starts: a head this store laid out, or the database's.
    starts: HashMap<String, Start>,
    /// `None` for a batch of receipts alone.
    layout: Option<Layout>,
    receipts: Option<PreparedReceipts>,
    /// Whether `commit` has run (and, if it failed, forgotten the heads itself).
    settled: bool,
}

impl PreparedBatch {
    /// Writes the batch in one transaction (all of it or nothing) and returns when
    /// it is durable, or why nothing of it was written. Commit batches in the order
    /// they were prepared: a batch laid out on the heads of one still committing
    /// needs that one to land first.
    pub async fn commit(mut self) -> Result<(), AppendError> {
        let store = self.store.clone();
        let outcome = with_sql!(store, db => write(db, self.layout.as_ref(), self.receipts.as_ref()).await);
        self.settled = true;
        let Err(error) = outcome else { return Ok(()) };
        // A commit that failed may or may not have landed: read these heads again.
        store.inner.heads.forget(self.appends.iter().map(|(id, _, _)| id.as_str()));
        Err(match error {
            WriteError::Raced(error) => with_sql!(store, db => diagnose(db, &self.appends, &self.starts).await).unwrap_or(AppendError::Database(error)),
            WriteError::ReceiptExists => store.taken_receipt(self.receipts.as_ref()).await,
            WriteError::Database(error) => AppendError::Database(error),
        })
    }
}

impl Drop for PreparedBatch {
    fn drop(&mut self) {
        if !self.settled {
            // The heads it laid out will never land: a batch laid out on them would
            // fail its head check; forgetting them makes the next one read the truth.
            self.store.inner.heads.forget(self.appends.iter().map(|(id, _, _)| id.as_str()));
        }
    }
}

/// A batch's statements' rows (arrays, read by position in insert_agreements.sql,
/// advance_heads.sql and insert_frames.sql), and the heads it leaves.
struct Layout {
    new_agreements: Option<(String, u64)>,
    moved_heads: Option<(String, u64)>,
    frames: String,
    /// Every frame's body, then its balances, one after the other, at the offsets
    /// (from 0) its row in `frames` gives.
    bytes: Vec<u8>,
    /// Per agreement: where its frame starts, and the seq and hash it ends at.
    heads: Vec<(String, Start, u64, [u8; 32])>,
}

/// Lays out a prepared batch: each agreement's frame starting where `starts` says
/// its journal ends, hashed entry by entry, and the rows that write them.
fn lay_out(prepared: &[Prepared<'_>], starts: &HashMap<&str, Start>) -> Result<Layout, AppendError> {
    let events = prepared.iter().map(|p| p.encoded.len()).sum();
    lay_out_in(prepared, starts, split::parts_for(events))
}

/// `lay_out` in `parts` parts: the same layout whatever their number.
fn lay_out_in(prepared: &[Prepared<'_>], starts: &HashMap<&str, Start>, parts: usize) -> Result<Layout, AppendError> {
    check_seqs(prepared, starts)?;
    let running = sealed_frames(prepared, starts, parts)?;
    let mut new_agreements = Rows::tuples();
    let mut moved_heads = Rows::tuples();
    let mut frames = Rows::tuples();
    let mut bytes: Vec<u8> = Vec::with_capacity(running.values().map(|r| r.body.len() + r.balances.len()).sum());
    for (id, state) in &running {
        head_row(if state.start.stored { &mut moved_heads } else { &mut new_agreements }, id, state);
        let body_at = bytes.len();
        bytes.extend_from_slice(&state.body);
        let balances_at = bytes.len();
        bytes.extend_from_slice(&state.balances);
        frames
            .row()
            .str("agreement_id", id)
            .int("first_seq", state.start.seq as i64 + 1)
            .int("last_seq", state.seq as i64)
            .int("body_at", body_at as i64)
            .int("body_len", (balances_at - body_at) as i64)
            .int("balances_at", balances_at as i64)
            .int("balances_len", (bytes.len() - balances_at) as i64)
            .end();
    }
    let rows = |rows: Rows| (!rows.is_empty()).then(|| (rows.len() as u64, rows.finish())).map(|(n, text)| (text, n));
    Ok(Layout {
        new_agreements: rows(new_agreements),
        moved_heads: rows(moved_heads),
        frames: frames.finish(),
        bytes,
        heads: running.into_iter().map(|(id, state)| (id.to_string(), state.start, state.seq, state.hash)).collect(),
    })
}

/// The first append, in batch order, that does not start where its agreement's
/// journal (or its previous append in the batch) ends. Checked before the frames
/// are dealt out to parts, so the conflict reported does not depend on them.
fn check_seqs(prepared: &[Prepared<'_>], starts: &HashMap<&str, Start>) -> Result<(), AppendError> {
    let mut ends: HashMap<&str, u64> = HashMap::with_capacity(starts.len());
    for p in prepared {
        let id = p.append.agreement_id;
        let end = ends.entry(id).or_insert_with(|| starts.get(id).expect("every agreement of the batch has a start").seq);
        if *end != p.append.expected_seq {
            return Err(AppendError::Conflict { agreement_id: id.to_string(), expected: p.append.expected_seq, actual: *end });
        }
        *end += p.encoded.len() as u64;
    }
    Ok(())
}

/// Every agreement's frame, hashed and sealed. Agreements are independent, so a
/// batch of many is dealt out in `parts` parts (each agreement whole to one part,
/// in the order it first appears) that run on threads of their own (see `split`).
fn sealed_frames<'a>(prepared: &'a [Prepared<'a>], starts: &HashMap<&str, Start>, parts: usize) -> Result<BTreeMap<&'a str, Running<'a>>, AppendError> {
    let mut part_of: HashMap<&str, usize> = HashMap::new();
    for p in prepared {
        let next = part_of.len();
        part_of.entry(p.append.agreement_id).or_insert(next);
    }
    let parts = parts.min(part_of.len()).max(1);
    let mut dealt: Vec<Vec<&Prepared<'a>>> = vec![Vec::new(); parts];
    for p in prepared {
        dealt[part_of[p.append.agreement_id] % parts].push(p);
    }
    let mut frames = BTreeMap::new();
    // `dealt` has `parts` entries, so each chunk is one part.
    for part in split::map_chunks(&dealt, parts, |chunk| seal_part(&chunk[0], starts)) {
        frames.extend(part?);
    }
    Ok(frames)
}

fn seal_part<'a>(prepared: &[&'a Prepared<'a>], starts: &HashMap<&str, Start>) -> Result<BTreeMap<&'a str, Running<'a>>, AppendError> {
    let mut running = run(prepared, starts);
    for (id, state) in &mut running {
        state.seal(id)?;
    }
    Ok(running)
}

/// One frame per agreement: its appends of this batch, in batch order, each
/// entry hashed on the one before it.
fn run<'a>(prepared: &[&'a Prepared<'a>], starts: &HashMap<&str, Start>) -> BTreeMap<&'a str, Running<'a>> {
    let mut running: BTreeMap<&'a str, Running> = BTreeMap::new();
    for p in prepared.iter().copied() {
        let id = p.append.agreement_id;
        let state = running.entry(id).or_insert_with(|| Running::new(*starts.get(id).expect("every agreement of the batch has a start")));
        assert_eq!(state.seq, p.append.expected_seq, "`check_seqs` found every stale append before the layout");
        state.body.reserve(frame_len(p));
        for (at, kind, payload) in &p.encoded {
            let seq = state.seq + 1;
            let hash = chain::entry_hash(id, seq, at, kind, payload, &state.hash);
            frame::push_entry(&mut state.body, at, kind, payload, &hash);
            if seq == 1 {
                state.opened_at = Some(at.clone());
            }
            state.seq = seq;
            state.hash = hash;
        }
        if p.source_at_end.is_some() {
            state.source = p.source_at_end;
        }
        for (label, delta) in &p.deltas {
            *state.movements.entry(label.as_str()).or_default() += delta;
        }
    }
    running
}

/// The row that opens an agreement (insert_agreements.sql) or moves its head from
/// where the frame starts (advance_heads.sql).
fn head_row(rows: &mut Rows, id: &str, state: &Running<'_>) {
    if !state.start.stored {
        let source = state.source.expect("prepare checked that a new journal starts with `opened`");
        let opened_at = state.opened_at.as_deref().expect("a new journal has entry 1");
        rows.row().str("id", id).hex("source_sha256", &source).int("seq", state.seq as i64).hex("hash", &state.hash).str("opened_at", opened_at).end();
        return;
    }
    let row = rows
        .row()
        .str("id", id)
        .int("expected_seq", state.start.seq as i64)
        .hex("expected_hash", &state.start.hash)
        .int("seq", state.seq as i64)
        .hex("hash", &state.hash);
    match &state.source {
        Some(source) => row.hex("source_sha256", source),
        None => row.null("source_sha256"),
    }
    .end();
}

/// Writes a laid-out batch and its receipts in one transaction.
async fn write<D: Sql>(db: &D, layout: Option<&Layout>, receipts: Option<&PreparedReceipts>) -> Result<(), WriteError> {
    if layout.is_none() && receipts.is_none() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    if let Some(receipts) = receipts {
        // First, so a request another server already answered costs no journal work;
        // `ON CONFLICT DO NOTHING` counts instead of failing, so this is not taken for a lost race.
        if tx.insert_receipts(&receipts.rows, &receipts.bytes).await? != receipts.keys.len() as u64 {
            return Err(WriteError::ReceiptExists);
        }
    }
    if let Some(layout) = layout {
        if let Some((rows, expected)) = &layout.new_agreements {
            if tx.insert_agreements(rows).await? != *expected {
                return Err(WriteError::Raced(sqlx::Error::RowNotFound));
            }
        }
        // Fewer rows than heads: a head is no longer where this batch starts it
        // (another writer moved it, or the batch it was laid out on did not land).
        if let Some((rows, expected)) = &layout.moved_heads {
            if tx.advance_heads(rows).await? != *expected {
                return Err(WriteError::Raced(sqlx::Error::RowNotFound));
            }
        }
        // Each frame starts right after its start, the head `advance_heads` (or
        // `insert_agreements`) has just moved from that seq and hash in this transaction:
        // frames are contiguous by construction, and the key (agreement_id, first_seq)
        // refuses a second frame at the same place.
        tx.insert_frames(&layout.frames, &layout.bytes).await?;
    }
    tx.commit().await.map_err(WriteError::Database)
}

/// The heads of these agreements as the database has them, for those it has, read
/// in a transaction of their own: the commit checks them again.
async fn read_starts<D: Sql>(db: &D, ids: &[&str]) -> Result<HashMap<String, Start>, WriteError> {
    let mut tx = db.begin().await?;
    read_heads(&mut tx, ids).await
}

/// The heads of these agreements as the database has them, for those it has.
async fn read_heads<T: SqlTx>(tx: &mut T, ids: &[&str]) -> Result<HashMap<String, Start>, WriteError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids = batch::ids(ids.iter().copied());
    let mut starts = HashMap::new();
    for head in tx.heads(&ids).await? {
        let id = &head.id;
        let seq = u64::try_from(head.head_seq).map_err(|_| WriteError::Database(sqlx::Error::Protocol(format!("agreement `{id}` has a negative head_seq"))))?;
        let hash =
            bytes32(&head.head_hash).ok_or_else(|| WriteError::Database(sqlx::Error::Protocol(format!("agreement `{id}` has a malformed head_hash"))))?;
        starts.insert(head.id, Start { seq, hash, stored: true });
    }
    Ok(starts)
}

/// After a race was lost: which append's expected seq no longer holds, or which
/// head the batch started from is at the right seq with another hash.
async fn diagnose<D: Sql>(db: &D, appends: &[(String, u64, u64)], starts: &HashMap<String, Start>) -> Option<AppendError> {
    let mut tx = db.begin().await.ok()?;
    let ids: Vec<&str> = appends.iter().map(|(id, _, _)| id.as_str()).collect();
    let heads = read_heads(&mut tx, &ids).await.ok()?;
    drop(tx);
    let mut running: HashMap<&str, u64> = HashMap::new();
    for (id, expected_seq, events) in appends {
        let current = *running.entry(id).or_insert_with(|| heads.get(id).map_or(0, |head| head.seq));
        if current != *expected_seq {
            return Some(AppendError::Conflict { agreement_id: id.to_string(), expected: *expected_seq, actual: current });
        }
        running.insert(id, current + events);
    }
    let diverged = starts.iter().find(|(id, start)| start.stored && heads.get(*id).is_some_and(|head| head.hash != start.hash));
    diverged.map(|(id, start)| AppendError::Diverged { agreement_id: id.to_string(), seq: start.seq })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(n: u64) -> Vec<Event> {
        let at = Timestamp::from_second(1_125_000_000).expect("a valid instant");
        let kind = |i: u64| match i % 2 {
            0 => EventKind::DeadlineFired { id: i },
            _ => EventKind::Closed { account: "escrow".to_string(), clause: format!("1.{i}") },
        };
        (0..n).map(|i| Event { at, kind: kind(i) }).collect()
    }

    /// 300 agreements at seq 10; every fifth appends 40 events (a frame long
    /// enough to be compressed), the others 3; every seventh appends again later
    /// in the batch.
    fn batch<'a>(ids: &'a [String], journal: &'a [Event], stale: bool) -> Vec<Append<'a>> {
        let first = |i: usize| if i % 5 == 0 { &journal[..40] } else { &journal[..3] };
        let expected = if stale { 9 } else { 10 };
        let mut batch: Vec<Append<'a>> = ids.iter().enumerate().map(|(i, id)| Append { agreement_id: id, expected_seq: expected, events: first(i) }).collect();
        for (i, id) in ids.iter().enumerate().step_by(7) {
            batch.push(Append { agreement_id: id, expected_seq: expected + first(i).len() as u64, events: &journal[40..43] });
        }
        batch
    }

    /// The batch of `batch`, laid out in 1 to 4 parts.
    fn laid_out(stale: bool) -> Vec<Result<Layout, AppendError>> {
        let ids: Vec<String> = (0..300).map(|i| format!("a{i:03}")).collect();
        let journal = events(60);
        let batch = batch(&ids, &journal, stale);
        let prepared = prepare(&batch).expect("a valid batch");
        let starts: HashMap<&str, Start> = ids.iter().map(|id| (id.as_str(), Start { seq: 10, hash: [7; 32], stored: true })).collect();
        (1..=4).map(|parts| lay_out_in(&prepared, &starts, parts)).collect()
    }

    #[test]
    fn the_layout_does_not_depend_on_the_parts() {
        let layouts: Vec<Layout> = laid_out(false).into_iter().map(|layout| layout.expect("laid out")).collect();
        let one = &layouts[0];
        let rows: BTreeMap<String, (String, i64, i64, usize, usize, usize, usize)> = serde_json::from_str(&one.frames).expect("rows are JSON");
        let compressed = rows.values().filter(|row| one.bytes[row.3] == 2).count();
        assert_eq!((rows.len(), compressed), (300, 60), "one frame per agreement; every fifth long enough to be compressed");
        for (other, parts) in layouts.iter().zip(1..) {
            assert_eq!(other.moved_heads, one.moved_heads, "{parts} parts");
            assert_eq!(other.frames, one.frames, "{parts} parts");
            assert_eq!(other.bytes, one.bytes, "{parts} parts");
            assert_eq!(other.heads, one.heads, "{parts} parts");
        }
    }

    #[test]
    fn the_conflict_reported_is_the_first_stale_append_whatever_the_parts() {
        for (outcome, parts) in laid_out(true).into_iter().zip(1..) {
            match outcome {
                Err(AppendError::Conflict { agreement_id, expected: 9, actual: 10 }) => assert_eq!(agreement_id, "a000", "{parts} parts"),
                Err(other) => panic!("{parts} parts: expected a conflict, got {other:?}"),
                Ok(_) => panic!("{parts} parts: a stale batch was laid out"),
            }
        }
    }
}
