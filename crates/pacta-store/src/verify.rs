//! `verify`: re-reads every journal and checks that it holds together.
//!
//! For each agreement, entry by entry (its legacy `events` rows, then its frames,
//! as `frame::entries` reads them for `load` too): seq continuity from 1, frames
//! that follow each other with no gap or overlap and hold what their seqs say,
//! every length inside them in bounds, the link to the
//! previous entry's hash, the entry's own hash recomputed from the stored bytes,
//! the payload decoding (strictly, and re-encoding to the same canonical bytes),
//! and every source it names hashing to its key and compiling. Then the events
//! are replayed through the engine (`start`, `evolve`); an event that breaks an
//! engine invariant makes `evolve` panic, which is caught and reported at that
//! entry. Finally the replayed ledger must sum to zero, the `agreements` row
//! (head seq, head hash, source in force, opening instant) must equal what the
//! journal says, each frame's balance movements must be what its postings move,
//! and the stored balances (legacy `balances` rows plus every frame's movements)
//! must equal the replayed ledger's.
//!
//! What it cannot see: someone who rewrites history AND recomputes every hash
//! after the change (and the head) leaves a consistent chain. Publishing or
//! countersigning heads elsewhere closes that gap; the chain makes any other
//! change, down to one byte, visible.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Once};

use pacta_core::agreement::Agreement;
use pacta_core::engine::{self, Event, EventKind};

use crate::backend::{AgreementRow, BalanceRow, EventRow, FrameRow, Sql};
use crate::batch;
use crate::codec::{self, CodecError};
use crate::frame;
use crate::store::{bytes32, check_link, compile_source, with_sql, Store};

/// Agreements read per round trip.
const CHUNK: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub agreements_done: usize,
    pub agreements_total: usize,
    pub events_done: u64,
}

/// The first thing found wrong in one agreement's journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub agreement_id: String,
    /// The entry at fault; `None` when the journal is sound but the `agreements`
    /// row or the stored balances (legacy rows, a frame's movements) disagree with it.
    pub seq: Option<u64>,
    pub problem: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "agreement `{}`, entry {seq}: {}", self.agreement_id, self.problem),
            None => write!(f, "agreement `{}`: {}", self.agreement_id, self.problem),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    pub agreements: usize,
    pub events: u64,
    /// At most one per agreement: the first entry (or projection) that does not match.
    pub mismatches: Vec<Mismatch>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.mismatches.is_empty()
    }

    /// The mismatch reported for one agreement, if any.
    pub fn mismatch_of(&self, agreement_id: &str) -> Option<&Mismatch> {
        self.mismatches.iter().find(|m| m.agreement_id == agreement_id)
    }
}

/// Checks every journal in `store`; calls `on_progress` as agreements are done.
/// Errors only if the database cannot be read; everything wrong with what it
/// holds is in the report.
pub async fn verify(store: &Store, mut on_progress: impl FnMut(&Progress)) -> Result<VerifyReport, sqlx::Error> {
    let ids = with_sql!(store, db => Sql::journal_ids(db).await)?;
    let mut report = VerifyReport { agreements: ids.len(), events: 0, mismatches: Vec::new() };
    let mut sources = Sources { store, checked: HashMap::new() };
    let mut progress = Progress { agreements_done: 0, agreements_total: ids.len(), events_done: 0 };
    on_progress(&progress);
    for chunk in ids.chunks(CHUNK) {
        let Read { events: rows, frames, heads, balances } = match read(store, chunk).await {
            Ok(read) => read,
            // A stored value the driver cannot decode (SQLite lets a TEXT column hold
            // bytes that are not UTF-8): find which agreements it is in, one by one.
            Err(sqlx::Error::ColumnDecode { .. }) => {
                let mut readable = Read::default();
                for id in chunk {
                    match read(store, std::slice::from_ref(id)).await {
                        Ok(one) => {
                            readable.events.extend(one.events);
                            readable.frames.extend(one.frames);
                            readable.heads.extend(one.heads);
                            readable.balances.extend(one.balances);
                        }
                        Err(error @ sqlx::Error::ColumnDecode { .. }) => {
                            report.mismatches.push(Mismatch { agreement_id: id.clone(), seq: None, problem: format!("a stored row cannot be read: {error}") });
                        }
                        Err(error) => return Err(error),
                    }
                }
                readable
            }
            Err(error) => return Err(error),
        };
        let unreadable: BTreeSet<String> = report.mismatches.iter().map(|m| m.agreement_id.clone()).collect();
        let mut rows_of: HashMap<String, Vec<EventRow>> = HashMap::new();
        for row in rows {
            rows_of.entry(row.agreement_id.clone()).or_default().push(row);
        }
        let mut frames_of: HashMap<String, Vec<FrameRow>> = HashMap::new();
        for frame in frames {
            frames_of.entry(frame.agreement_id.clone()).or_default().push(frame);
        }
        let heads: HashMap<&str, &AgreementRow> = heads.iter().map(|h| (h.id.as_str(), h)).collect();
        let mut balances_of: HashMap<&str, Vec<&BalanceRow>> = HashMap::new();
        for row in &balances {
            balances_of.entry(row.agreement_id.as_str()).or_default().push(row);
        }
        for id in chunk.iter().filter(|id| !unreadable.contains(*id)) {
            let frames = frames_of.remove(id.as_str()).unwrap_or_default();
            let stored = frame::entries(id, 0, rows_of.remove(id.as_str()).unwrap_or_default(), &frames);
            report.events += stored.rows.len() as u64;
            let balances = balances_of.remove(id.as_str()).unwrap_or_default();
            let journal = Journal { stored: &stored, frames: &frames, head: heads.get(id.as_str()).copied(), balances: &balances };
            if let Some(mismatch) = check_agreement(id, journal, &mut sources).await? {
                report.mismatches.push(mismatch);
            }
            progress.events_done += stored.rows.len() as u64;
        }
        progress.agreements_done += chunk.len();
        on_progress(&progress);
    }
    Ok(report)
}

/// The rows of some agreements: their legacy entries, frames, `agreements` rows and legacy balances.
#[derive(Default)]
struct Read {
    events: Vec<EventRow>,
    frames: Vec<FrameRow>,
    heads: Vec<AgreementRow>,
    balances: Vec<BalanceRow>,
}

async fn read(store: &Store, ids: &[String]) -> Result<Read, sqlx::Error> {
    let json = batch::ids(ids.iter().map(String::as_str));
    Ok(with_sql!(store, db => Read {
        events: Sql::events_of(db, &json).await?,
        frames: Sql::frames_of(db, &json).await?,
        heads: Sql::agreements_of(db, &json).await?,
        balances: Sql::balances_of(db, &json).await?,
    }))
}

/// What is stored for one agreement.
struct Journal<'a> {
    /// Its entries, legacy rows then frames, as `frame::entries` reads them.
    stored: &'a frame::Entries,
    frames: &'a [FrameRow],
    head: Option<&'a AgreementRow>,
    /// Its legacy `balances` rows.
    balances: &'a [&'a BalanceRow],
}

/// Stored sources, each read and checked once per run: its text must hash to its key
/// and compile. Compiled agreements are shared with the store's cache.
struct Sources<'a> {
    store: &'a Store,
    checked: HashMap<[u8; 32], Result<Arc<Agreement>, String>>,
}

impl Sources<'_> {
    async fn load(&mut self, sha256: [u8; 32]) -> Result<(), sqlx::Error> {
        let outcome = match self.store.source(&sha256).await? {
            None => Err("no stored source has this hash".to_string()),
            Some(body) if crate::store::sha256(body.as_bytes()) != sha256 => Err("the stored source text does not hash to its key".to_string()),
            Some(body) => match self.store.cached(&sha256) {
                Some(agreement) => Ok(agreement),
                None => compile_source(&sha256, &body).map(Arc::new),
            },
        };
        self.checked.insert(sha256, outcome);
        Ok(())
    }

    /// Decodes a row, loading the sources it names as they are asked for.
    async fn decode(&mut self, row: &EventRow) -> Result<Result<EventKind, CodecError>, sqlx::Error> {
        loop {
            let checked = &self.checked;
            let decoded = codec::decode(&row.kind, &row.payload, &mut |sha256| match checked.get(sha256) {
                None => Err(CodecError::UnknownSource(*sha256)),
                Some(Ok(agreement)) => Ok(Arc::clone(agreement)),
                Some(Err(message)) => Err(CodecError::BadSource { sha256: *sha256, message: message.clone() }),
            });
            match decoded {
                Err(CodecError::UnknownSource(sha256)) if !self.checked.contains_key(&sha256) => self.load(sha256).await?,
                other => return Ok(other),
            }
        }
    }
}

async fn check_agreement(id: &str, journal: Journal<'_>, sources: &mut Sources<'_>) -> Result<Option<Mismatch>, sqlx::Error> {
    let at_entry = |seq: u64, problem: String| Ok(Some(Mismatch { agreement_id: id.to_string(), seq: Some(seq), problem }));
    let whole = |problem: String| Ok(Some(Mismatch { agreement_id: id.to_string(), seq: None, problem }));
    let Journal { stored, frames, head, balances } = journal;
    let rows = &stored.rows;
    if rows.is_empty() {
        if let Some(broken) = &stored.broken {
            return at_entry(broken.seq, broken.problem.clone());
        }
        return whole(match head {
            Some(h) => format!("the agreements row says the journal ends at seq {}, but it has no entries", h.head_seq),
            None => "balances are stored for an agreement with no journal".to_string(),
        });
    }

    // The chain, entry by entry, and what each entry decodes to.
    let mut prev = crate::chain::GENESIS;
    let mut events: Vec<Event> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let seq = i as u64 + 1;
        let hash = match check_link(id, seq, row, Some(&prev)) {
            Ok((_, hash)) => hash,
            Err(problem) => return at_entry(seq, problem),
        };
        let at = match codec::decode_at(&row.at) {
            Ok(at) => at,
            Err(e) => return at_entry(seq, format!("its instant does not decode: {e}")),
        };
        let kind = match sources.decode(row).await? {
            Ok(kind) => kind,
            Err(e) => return at_entry(seq, format!("its payload does not decode: {e}")),
        };
        let again = codec::encode(&kind);
        if again.kind != row.kind || again.payload != row.payload {
            return at_entry(seq, "its payload is not in the canonical form pacta writes".to_string());
        }
        events.push(Event { at, kind });
        prev = hash;
    }
    // The entries that could be read hold; the rest could not be read.
    if let Some(broken) = &stored.broken {
        return at_entry(broken.seq, broken.problem.clone());
    }

    // The replay: the engine's own invariants judge what the events mean.
    match &events[0].kind {
        EventKind::Opened { id: opened, .. } if opened == id => {}
        _ => return at_entry(1, format!("a journal starts with `opened` for agreement `{id}`")),
    }
    let mut state = match quietly(|| engine::start(&events[0])) {
        Ok(state) => state,
        Err(panic) => return at_entry(1, format!("replaying it breaks an engine invariant: {panic}")),
    };
    for (i, event) in events.iter().enumerate().skip(1) {
        if let Err(panic) = quietly(|| engine::evolve(&mut state, event)) {
            return at_entry(i as u64 + 1, format!("replaying it breaks an engine invariant: {panic}"));
        }
    }
    let last = rows.len() as u64;
    if state.ledger.sum_of_balances() != 0 {
        return at_entry(last, format!("after replay the ledger sums to {}, not zero", state.ledger.sum_of_balances()));
    }

    // The head the seq check relies on.
    let Some(head) = head else { return whole("the journal has no agreements row".to_string()) };
    if head.head_seq != last as i64 {
        return whole(format!("the agreements row says the journal ends at seq {}, but it ends at seq {last}", head.head_seq));
    }
    if bytes32(&head.head_hash) != Some(prev) {
        return whole("the agreements row's head_hash is not the hash of the last entry".to_string());
    }
    if bytes32(&head.source_sha256) != Some(state.source_sha256) {
        return whole(format!("the agreements row's source_sha256 is not the source in force ({})", hex::encode(state.source_sha256)));
    }
    if head.opened_at != rows[0].at {
        return whole(format!("the agreements row's opened_at `{}` is not the opening instant `{}`", head.opened_at, rows[0].at));
    }

    // Each frame's balance movements against its own postings.
    let mut stored_balances: BTreeMap<String, i128> = BTreeMap::new();
    for row in balances {
        *stored_balances.entry(row.account.clone()).or_default() += i128::from(row.minor);
    }
    for f in frames {
        let name = format!("the frame of entries {}–{}", f.first_seq, f.last_seq);
        let recorded = match frame::decode_balances(&f.balances) {
            Ok(recorded) => recorded,
            Err(problem) => return whole(format!("{name} has unreadable balances: {problem}")),
        };
        // `frame::entries` checked that the frames tile the seqs after the legacy
        // rows up to the last, so this range is in the journal.
        let Some(own) = events.get((f.first_seq.max(1) - 1) as usize..f.last_seq.max(0) as usize) else {
            return whole(format!("{name} is not within the journal's {last} entries"));
        };
        let moved = movements(own);
        if let Some(problem) = differ(&recorded.iter().map(|(l, m)| (l.clone(), i128::from(*m))).collect(), &moved, "records", "its postings move") {
            return whole(format!("{name}: {problem}"));
        }
        for (label, minor) in recorded {
            *stored_balances.entry(label).or_default() += i128::from(minor);
        }
    }

    // The stored balances (legacy rows plus frames) against the replayed ledger.
    let mut replayed: BTreeMap<String, i128> = BTreeMap::new();
    for (account, money) in state.ledger.balances() {
        *replayed.entry(account.label()).or_default() += i128::from(money.minor);
    }
    if let Some(problem) = differ(&stored_balances, &replayed, "the stored balances hold", "the journal") {
        return whole(problem);
    }
    Ok(None)
}

/// What some events' postings move, per account label.
fn movements(events: &[Event]) -> BTreeMap<String, i128> {
    let mut moved: BTreeMap<String, i128> = BTreeMap::new();
    for event in events {
        if let EventKind::Posted(posting) = &event.kind {
            frame::add_movement(&mut moved, posting);
        }
    }
    moved
}

/// The first account whose amount differs between two maps (a missing account
/// counts as zero), in words: "`{a}` {x} for `label`, {b} {y} (minor units)".
fn differ(a: &BTreeMap<String, i128>, b: &BTreeMap<String, i128>, a_says: &str, b_says: &str) -> Option<String> {
    let labels: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    labels.into_iter().find_map(|label| {
        let (x, y) = (a.get(label).copied().unwrap_or(0), b.get(label).copied().unwrap_or(0));
        (x != y).then(|| format!("{a_says} {x} for `{label}`, {b_says} {y} (minor units)"))
    })
}

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into its message, without printing it: a tampered
/// journal is expected to break invariants, and each is reported, not dumped.
/// Panics elsewhere (other threads, or outside `quietly`) print as before.
fn quietly<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    outcome.map_err(|payload| {
        payload.downcast_ref::<String>().cloned().or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_else(|| "a panic".to_string())
    })
}
