//! `verify`: re-reads every journal and checks that it holds together.
//!
//! For each agreement, entry by entry: seq continuity from 1, the link to the
//! previous entry's hash, the entry's own hash recomputed from the stored bytes,
//! the payload decoding (strictly, and re-encoding to the same canonical bytes),
//! and every source it names hashing to its key and compiling. Then the events
//! are replayed through the engine (`start`, `evolve`); an event that breaks an
//! engine invariant makes `evolve` panic, which is caught and reported at that
//! entry. Finally the replayed ledger must sum to zero, and the `agreements` row
//! (head seq, head hash, source in force, opening instant) and the `balances`
//! projection must equal what the journal says.
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

use crate::backend::{AgreementRow, BalanceRow, EventRow, Sql};
use crate::batch;
use crate::codec::{self, CodecError};
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
    /// row or the `balances` projection disagrees with it.
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
        let (rows, heads, balances) = match read(store, chunk).await {
            Ok(read) => read,
            // A stored value the driver cannot decode (SQLite lets a TEXT column hold
            // bytes that are not UTF-8): find which agreements it is in, one by one.
            Err(sqlx::Error::ColumnDecode { .. }) => {
                let mut readable = (vec![], vec![], vec![]);
                for id in chunk {
                    match read(store, std::slice::from_ref(id)).await {
                        Ok((rows, heads, balances)) => {
                            readable.0.extend(rows);
                            readable.1.extend(heads);
                            readable.2.extend(balances);
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
        let mut rows_of: HashMap<&str, Vec<&EventRow>> = HashMap::new();
        for row in &rows {
            rows_of.entry(row.agreement_id.as_str()).or_default().push(row);
        }
        let heads: HashMap<&str, &AgreementRow> = heads.iter().map(|h| (h.id.as_str(), h)).collect();
        let mut balances_of: HashMap<&str, Vec<&BalanceRow>> = HashMap::new();
        for row in &balances {
            balances_of.entry(row.agreement_id.as_str()).or_default().push(row);
        }
        for id in chunk.iter().filter(|id| !unreadable.contains(*id)) {
            let rows = rows_of.remove(id.as_str()).unwrap_or_default();
            report.events += rows.len() as u64;
            let balances = balances_of.remove(id.as_str()).unwrap_or_default();
            if let Some(mismatch) = check_agreement(id, &rows, heads.get(id.as_str()).copied(), &balances, &mut sources).await? {
                report.mismatches.push(mismatch);
            }
            progress.events_done += rows.len() as u64;
        }
        progress.agreements_done += chunk.len();
        on_progress(&progress);
    }
    Ok(report)
}

/// The rows of some agreements: their entries, `agreements` rows and balances.
async fn read(store: &Store, ids: &[String]) -> Result<(Vec<EventRow>, Vec<AgreementRow>, Vec<BalanceRow>), sqlx::Error> {
    let json = batch::ids(ids.iter().map(String::as_str));
    Ok(with_sql!(store, db => (Sql::events_of(db, &json).await?, Sql::agreements_of(db, &json).await?, Sql::balances_of(db, &json).await?)))
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

async fn check_agreement(
    id: &str,
    rows: &[&EventRow],
    head: Option<&AgreementRow>,
    balances: &[&BalanceRow],
    sources: &mut Sources<'_>,
) -> Result<Option<Mismatch>, sqlx::Error> {
    let at_entry = |seq: u64, problem: String| Ok(Some(Mismatch { agreement_id: id.to_string(), seq: Some(seq), problem }));
    let whole = |problem: String| Ok(Some(Mismatch { agreement_id: id.to_string(), seq: None, problem }));
    if rows.is_empty() {
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

    // The balances projection against the replayed ledger.
    let mut replayed: BTreeMap<String, i128> = BTreeMap::new();
    for (account, money) in state.ledger.balances() {
        *replayed.entry(account.label()).or_default() += i128::from(money.minor);
    }
    replayed.retain(|_, v| *v != 0);
    let mut projected: BTreeMap<String, i128> = BTreeMap::new();
    for row in balances {
        *projected.entry(row.account.clone()).or_default() += i128::from(row.minor);
    }
    projected.retain(|_, v| *v != 0);
    let labels: BTreeSet<&String> = replayed.keys().chain(projected.keys()).collect();
    for label in labels {
        let (journal, projection) = (replayed.get(label).copied().unwrap_or(0), projected.get(label).copied().unwrap_or(0));
        if journal != projection {
            return whole(format!("the balances projection holds {projection} for `{label}`, the journal {journal} (minor units)"));
        }
    }
    Ok(None)
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
