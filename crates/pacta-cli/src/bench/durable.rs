//! Durable throughput: the engine's events group-committed to the journal, a
//! command counted only once the batch holding it is committed, as the server
//! acknowledges it.

use std::time::Instant;

use pacta_core::engine::{self, Event, State};
use pacta_store::{Append, Store};

use super::workload::Offering;
use super::Measurement;

/// Commands per group commit, as the server's writer batches them.
pub const BATCH_COMMANDS: usize = 1_000;

/// Opens every offering in the journal (not timed), then applies their commands
/// round-robin across offerings, committing every `BATCH_COMMANDS` commands.
pub async fn commands(store: &Store, offerings: &[Offering]) -> anyhow::Result<Measurement> {
    let mut states: Vec<State> = offerings.iter().map(|o| o.state.clone()).collect();
    let mut heads: Vec<u64> = vec![0; offerings.len()];
    for chunk in offerings.iter().enumerate().collect::<Vec<_>>().chunks(BATCH_COMMANDS) {
        let appends: Vec<Append<'_>> = chunk.iter().map(|(_, o)| Append { agreement_id: &o.state.id, expected_seq: 0, events: &o.opened }).collect();
        store.append_batch(&appends).await?;
        for (i, o) in chunk {
            heads[*i] = o.opened.len() as u64;
        }
    }
    let longest = offerings.iter().map(|o| o.commands.len()).max().unwrap_or(0);
    let order: Vec<(usize, usize)> = (0..longest).flat_map(|c| (0..offerings.len()).filter(move |&o| c < offerings[o].commands.len()).map(move |o| (o, c))).collect();
    let started = Instant::now();
    for batch in order.chunks(BATCH_COMMANDS) {
        let mut pending: Vec<(usize, Vec<Event>)> = Vec::new();
        for &(o, c) in batch {
            let decision = engine::execute(&mut states[o], &offerings[o].commands[c]);
            anyhow::ensure!(decision.outcome.is_ok(), "the workload is valid: {:?}", decision.outcome);
            match pending.iter_mut().find(|(i, _)| *i == o) {
                Some((_, events)) => events.extend(decision.events().cloned()),
                None => pending.push((o, decision.events().cloned().collect())),
            }
        }
        let appends: Vec<Append<'_>> =
            pending.iter().map(|(o, events)| Append { agreement_id: &offerings[*o].state.id, expected_seq: heads[*o], events }).collect();
        store.append_batch(&appends).await?;
        for (o, events) in &pending {
            heads[*o] += events.len() as u64;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(Measurement { name: "durable: commands acknowledged after group commit", items: order.len() as u64, unit: "commands", seconds })
}
