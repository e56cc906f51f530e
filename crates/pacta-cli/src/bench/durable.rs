//! Durable throughput: the engine's events group-committed to the journal, a
//! command counted only once the batch holding it is committed, as the server
//! acknowledges it; and the store alone, appending the same stream of batches
//! computed beforehand, so the store's own ceiling shows apart from the engine's.
//! Both pipeline their group commits as the server's writer does: the next batch
//! is decided and laid out (`Store::prepare_batch`) while the previous one
//! commits on another task, and the clock stops when the last one is durable.

use std::collections::HashMap;
use std::time::Instant;

use pacta_core::engine::{self, Event, State};
use pacta_store::{Append, AppendError, PreparedBatch, Store};
use tokio::task::JoinHandle;

use super::workload::{self, Offering};
use super::Measurement;

/// Commands per group commit, as the server's writer batches them under load.
pub const BATCH_COMMANDS: usize = pacta_server::MAX_BATCH;

/// One group commit's events: `(offering, events)`, one entry per offering in it.
type Batch = Vec<(usize, Vec<Event>)>;

/// Opens every offering in the journal (not timed), then applies their commands
/// round-robin across offerings, committing every `BATCH_COMMANDS` commands. Then
/// appends the same batches again, already computed, under other agreement ids:
/// that second figure is the store alone.
pub async fn measure(store: &Store, offerings: &[Offering]) -> anyhow::Result<[Measurement; 2]> {
    let ids: Vec<&str> = offerings.iter().map(|o| o.state.id.as_str()).collect();
    let opened: Vec<&[Event]> = offerings.iter().map(|o| o.opened.as_slice()).collect();
    open(store, &ids, &opened).await?;
    let mut heads: Vec<u64> = offerings.iter().map(|o| o.opened.len() as u64).collect();
    let longest = offerings.iter().map(|o| o.commands.len()).max().unwrap_or(0);
    let order: Vec<(usize, usize)> =
        (0..longest).flat_map(|c| (0..offerings.len()).filter(move |&o| c < offerings[o].commands.len()).map(move |o| (o, c))).collect();
    // The batches, decided once before the clock starts, for the store-alone run
    // below. The timed run decides them again and keeps none, as the server keeps
    // none: keeping them there made it pay for fresh memory the server reuses.
    let mut scratch: Vec<State> = offerings.iter().map(|o| o.state.clone()).collect();
    let batches: Vec<Batch> = order.chunks(BATCH_COMMANDS).map(|chunk| decide(&mut scratch, offerings, chunk)).collect::<anyhow::Result<_>>()?;
    drop(scratch);
    let mut states: Vec<State> = offerings.iter().map(|o| o.state.clone()).collect();
    let mut commits = Pipeline::default();
    let started = Instant::now();
    for chunk in order.chunks(BATCH_COMMANDS) {
        let pending = decide(&mut states, offerings, chunk)?;
        append(store, &mut commits, &ids, &mut heads, &pending).await?;
    }
    commits.finish().await?;
    let inline = Measurement {
        name: "durable: commands acknowledged after group commit",
        items: order.len() as u64,
        unit: "commands",
        seconds: started.elapsed().as_secs_f64(),
    };

    // The same journals under new ids, so the store starts from the same state
    // the first run did. Only `Opened` names its agreement; the store checks it.
    let renamed: Vec<String> = ids.iter().map(|id| format!("{id}~store")).collect();
    let ids: Vec<&str> = renamed.iter().map(String::as_str).collect();
    let reopened: Vec<Vec<Event>> = offerings.iter().zip(&ids).map(|(o, id)| o.opened.iter().map(|e| workload::renamed(e, id)).collect()).collect();
    let opened: Vec<&[Event]> = reopened.iter().map(Vec::as_slice).collect();
    open(store, &ids, &opened).await?;
    let mut heads: Vec<u64> = offerings.iter().map(|o| o.opened.len() as u64).collect();
    let events: u64 = batches.iter().flatten().map(|(_, events)| events.len() as u64).sum();
    let mut commits = Pipeline::default();
    let started = Instant::now();
    for pending in &batches {
        append(store, &mut commits, &ids, &mut heads, pending).await?;
    }
    commits.finish().await?;
    let alone = Measurement { name: "store alone: events committed", items: events, unit: "events", seconds: started.elapsed().as_secs_f64() };
    Ok([inline, alone])
}

/// The deadline sweep made durable: every escrow (of a refund workload, stored
/// first under `~sweep` ids, not timed) passes its §1.7 deadline; the engine
/// decides the refunds and every `BATCH_COMMANDS` escrows' events are committed
/// in one transaction. Timed from the first tick to the last commit.
pub async fn sweep(store: &Store, offerings: &[Offering]) -> anyhow::Result<Measurement> {
    let renamed: Vec<String> = offerings.iter().map(|o| format!("{}~sweep", o.state.id)).collect();
    let ids: Vec<&str> = renamed.iter().map(String::as_str).collect();
    let (mut states, journals): (Vec<State>, Vec<Vec<Event>>) = offerings.iter().zip(&ids).map(|(o, id)| o.run_as(id)).unzip();
    let stored: Vec<&[Event]> = journals.iter().map(Vec::as_slice).collect();
    open(store, &ids, &stored).await?;
    let mut heads: Vec<u64> = journals.iter().map(|j| j.len() as u64).collect();
    drop(journals);

    let tick = super::after_the_deadline();
    let mut commits = Pipeline::default();
    let started = Instant::now();
    for first in (0..states.len()).step_by(BATCH_COMMANDS) {
        let batch = first..(first + BATCH_COMMANDS).min(states.len());
        let mut pending: Batch = Vec::with_capacity(batch.len());
        for o in batch {
            let decision = super::refund(&mut states[o], &tick);
            pending.push((o, decision.events().cloned().collect()));
        }
        append(store, &mut commits, &ids, &mut heads, &pending).await?;
    }
    commits.finish().await?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(Measurement { name: "durable deadline sweep: escrows refunded and committed", items: states.len() as u64, unit: "escrows", seconds })
}

/// One group commit's commands applied by the engine: each offering's events, in
/// the order its commands came.
fn decide(states: &mut [State], offerings: &[Offering], chunk: &[(usize, usize)]) -> anyhow::Result<Batch> {
    // Where each offering's events sit in `pending`: a linear search per
    // command made building a batch quadratic in its size.
    let mut slot: HashMap<usize, usize> = HashMap::with_capacity(chunk.len());
    let mut pending: Batch = Vec::new();
    for &(o, c) in chunk {
        let decision = engine::execute(&mut states[o], &offerings[o].commands[c]);
        anyhow::ensure!(decision.outcome.is_ok(), "the workload is valid: {:?}", decision.outcome);
        let i = *slot.entry(o).or_insert_with(|| {
            pending.push((o, Vec::new()));
            pending.len() - 1
        });
        pending[i].1.extend(decision.events().cloned());
    }
    Ok(pending)
}

/// Opens each agreement, `BATCH_COMMANDS` to a commit (not timed).
async fn open(store: &Store, ids: &[&str], opened: &[&[Event]]) -> anyhow::Result<()> {
    let all: Vec<Append<'_>> = ids.iter().zip(opened).map(|(id, events)| Append { agreement_id: id, expected_seq: 0, events }).collect();
    for chunk in all.chunks(BATCH_COMMANDS) {
        store.append_batch(chunk).await?;
    }
    Ok(())
}

/// Lays out a batch, then commits it once the one before it has committed.
async fn append(store: &Store, commits: &mut Pipeline, ids: &[&str], heads: &mut [u64], pending: &Batch) -> anyhow::Result<()> {
    let appends: Vec<Append<'_>> = pending.iter().map(|(o, events)| Append { agreement_id: ids[*o], expected_seq: heads[*o], events }).collect();
    let prepared = store.prepare_batch(&appends, &[]).await?;
    commits.push(prepared).await?;
    for (o, events) in pending {
        heads[*o] += events.len() as u64;
    }
    Ok(())
}

/// At most one group commit in flight, on a task of its own, as in the server's writer.
#[derive(Default)]
struct Pipeline {
    in_flight: Option<JoinHandle<Result<(), AppendError>>>,
}

impl Pipeline {
    /// Waits for the commit in flight, then starts committing `next`.
    async fn push(&mut self, next: PreparedBatch) -> anyhow::Result<()> {
        self.finish().await?;
        self.in_flight = Some(tokio::spawn(next.commit()));
        Ok(())
    }

    /// Waits for the commit in flight: its commands are then durable.
    async fn finish(&mut self) -> anyhow::Result<()> {
        if let Some(commit) = self.in_flight.take() {
            commit.await??;
        }
        Ok(())
    }
}
