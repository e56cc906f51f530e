//! `pacta bench`: throughput of the engine on an escrow workload of many
//! offerings × many purchasers, measured on one thread, with figures reported
//! next to a baseline measured in the same run (this machine is noisy, so only
//! ratios within one run compare).
//!
//! The workload is the seed escrow: each offering opens an instance, its
//! purchasers join and deposit, documents arrive, and then either everyone signs
//! the Release Notice (release) or the deadline passes (refund). Signatures are
//! made before timing starts: signing is the client's work; verifying is the
//! engine's, and is timed; or, as the server does it, in parallel before the
//! engine (`check_signatures`), which then only confirms each check.

pub mod alloc;
pub mod durable;
pub mod workload;

use std::collections::HashMap;
use std::time::Instant;

use pacta_core::consent::ConsentScope;
use pacta_core::engine::{self, Command, CommandKind, State};

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
    let mut states: Vec<State> = offerings.iter().map(|o| o.fresh_state()).collect();
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

/// Verifies every signature of the workload the way the server does before a
/// command reaches the writer: in parallel, on `threads` threads, attaching each
/// outcome to its command (`SignatureCheck`), so the engine only confirms it.
pub fn check_signatures(offerings: &mut [workload::Offering], threads: usize) -> Measurement {
    let keys: Vec<HashMap<String, [u8; 32]>> = offerings.iter().map(signing_keys).collect();
    let mut jobs: Vec<(&State, &[u8; 32], &mut Command)> = Vec::new();
    for (workload::Offering { state, commands, .. }, keys) in offerings.iter_mut().zip(&keys) {
        for command in commands.iter_mut().filter(|c| matches!(c.kind, CommandKind::Sign { .. })) {
            jobs.push((&*state, &keys[&command.actor], command));
        }
    }
    let count = jobs.len() as u64;
    let per_thread = jobs.len().div_ceil(threads.max(1)).max(1);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for chunk in jobs.chunks_mut(per_thread) {
            scope.spawn(move || chunk.iter_mut().for_each(|(state, key, command)| attach_check(state, key, command)));
        }
    });
    Measurement { name: "edge: signatures checked in parallel", items: count, unit: "signatures", seconds: started.elapsed().as_secs_f64() }
}

/// Every signer's public key: single parties' from the opened state, members' from their joins.
fn signing_keys(offering: &workload::Offering) -> HashMap<String, [u8; 32]> {
    let singles = offering.state.identities().filter_map(|(name, identity)| Some((name.to_string(), identity.public_key?)));
    let members = offering.commands.iter().filter_map(|c| match &c.kind {
        CommandKind::Join { member, public_key, .. } => Some((member.clone(), public_key.to_bytes())),
        _ => None,
    });
    singles.chain(members).collect()
}

fn attach_check(state: &State, public_key: &[u8; 32], command: &mut Command) {
    if let CommandKind::Sign { instrument, terms, signature, check } = &mut command.kind {
        let scope = ConsentScope { agreement_id: &state.id, version: state.version, instrument, signer: &command.actor, terms };
        *check = Some(Box::new(scope.check(public_key, signature)));
    }
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

/// The reference every run measures first: raw Ed25519 `verify_strict` on this
/// core. Figures are compared as ratios to it, so a slower or busier machine does
/// not look like a slower engine.
pub fn reference_verify(count: u64) -> Measurement {
    use pacta_core::consent::{demo_signing_key, ConsentScope, Terms};
    let key = demo_signing_key("reference");
    let public = key.verifying_key().to_bytes();
    let scope =
        ConsentScope { agreement_id: "reference", version: 1, instrument: "release_notice", signer: "reference", terms: &Terms::AsWritten };
    let signature = scope.sign(&key);
    let started = Instant::now();
    for _ in 0..count {
        assert!(std::hint::black_box(&scope).verify(&public, &signature));
    }
    Measurement { name: "reference: Ed25519 verify_strict", items: count, unit: "verifications", seconds: started.elapsed().as_secs_f64() }
}

/// Every open escrow's refund deadline passes: one `Tick` per escrow just after
/// its due instant, each firing §1.7 and refunding its depositors.
pub fn deadline_sweep(offerings: &[workload::Offering]) -> Measurement {
    // Each escrow is built whole before the next, as a server recovering its
    // agreements replays one journal after another, so one escrow's state sits
    // together in memory. That is the kindest layout: a server that has run for
    // a while built its escrows' states interleaved, command by command.
    let build = |offering: &workload::Offering| {
        let mut state = offering.fresh_state();
        for command in &offering.commands {
            assert!(engine::execute(&mut state, command).outcome.is_ok(), "the workload is valid");
        }
        state
    };
    let mut states: Vec<State> = offerings.iter().map(build).collect();
    let started = Instant::now();
    refund_all(&mut states);
    Measurement { name: "deadline sweep: escrows refunded", items: offerings.len() as u64, unit: "escrows", seconds: started.elapsed().as_secs_f64() }
}

/// The timed part of the sweep, kept apart from building the escrows so that a
/// profile can be limited to it (`valgrind --tool=callgrind --toggle-collect='pacta::bench::refund_all'`).
#[inline(never)]
fn refund_all(states: &mut [State]) {
    let tick = after_the_deadline();
    for state in states.iter_mut() {
        refund(state, &tick);
    }
}

/// Time passing just beyond the seed escrow's §1.7 refund deadline.
pub fn after_the_deadline() -> Command {
    let after: jiff::Timestamp = "2005-09-03T04:00:00Z".parse().expect("a valid instant");
    Command { at: after, actor: "agent".into(), kind: CommandKind::Tick }
}

/// One escrow's deadline passes; it must refund everything it holds.
pub fn refund(state: &mut State, tick: &Command) -> engine::Decision {
    let decision = engine::execute(state, tick);
    assert!(state.ledger.custody_total("escrow").is_zero(), "the sweep refunds: {:?}", decision.outcome);
    decision
}

/// Heap bytes per open depositor position: escrows whose purchasers joined and
/// deposited, measured as the live heap they add (the journal is not kept).
pub fn memory_per_position(offerings: &[workload::Offering]) -> Measurement {
    let before = alloc::live_bytes();
    let mut states: Vec<State> = offerings.iter().map(|o| o.state.clone()).collect();
    for (offering, state) in offerings.iter().zip(states.iter_mut()) {
        for command in &offering.commands {
            engine::execute(state, command);
        }
    }
    let bytes = u64::try_from(alloc::live_bytes() - before).unwrap_or(0);
    let positions: u64 = offerings.iter().map(|o| o.commands.len() as u64 / 2).sum();
    std::hint::black_box(&states);
    Measurement { name: "memory per open depositor position", items: bytes / positions.max(1), unit: "bytes", seconds: 0.0 }
}
