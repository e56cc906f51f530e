//! `pacta bench`: throughput of the engine on an escrow workload of many
//! offerings × many purchasers, measured on one thread, with figures reported
//! next to a baseline measured in the same run (this machine is noisy, so only
//! ratios within one run compare).
//!
//! The workload is the seed escrow: each offering opens an instance, its
//! purchasers join and deposit, documents arrive, and then either everyone signs
//! the Release Notice (release) or the deadline passes (refund). Signatures are
//! made before timing starts: signing is the client's work; verifying is the
//! engine's, and is timed.

pub mod workload;

use std::time::Instant;

use pacta_core::engine::{self, State};

pub struct Measurement {
    pub name: &'static str,
    pub items: u64,
    pub unit: &'static str,
    pub seconds: f64,
}

impl Measurement {
    pub fn per_second(&self) -> f64 {
        self.items as f64 / self.seconds
    }
}

/// Applies every offering's commands to its own instance, one after another, on this thread.
pub fn engine_alone(offerings: &[workload::Offering]) -> (Measurement, Vec<State>) {
    let mut states: Vec<State> = offerings.iter().map(|o| o.state.clone()).collect();
    let commands: u64 = offerings.iter().map(|o| o.commands.len() as u64).sum();
    let started = Instant::now();
    for (offering, state) in offerings.iter().zip(states.iter_mut()) {
        for command in &offering.commands {
            let decision = engine::execute(state, command);
            assert!(decision.outcome.is_ok(), "the workload is valid: {:?}", decision.outcome);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    (Measurement { name: "engine alone, in memory", items: commands, unit: "commands", seconds }, states)
}

/// Rebuilds every instance from its journal with `evolve`.
pub fn replay(journals: &[Vec<engine::Event>]) -> Measurement {
    let events: u64 = journals.iter().map(|j| j.len() as u64).sum();
    let started = Instant::now();
    for journal in journals {
        let state = engine::replay(journal).expect("journals start with Opened");
        std::hint::black_box(state);
    }
    Measurement { name: "journal replay", items: events, unit: "events", seconds: started.elapsed().as_secs_f64() }
}
