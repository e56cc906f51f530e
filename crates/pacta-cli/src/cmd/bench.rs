//! `pacta bench`: see `crate::bench`.

use std::process::ExitCode;

use crate::bench::{self, workload, Measurement};

const ESCROW: &str = include_str!("../../../../agreements/escrow.pact");

pub fn run(offerings: usize, purchasers: usize) -> anyhow::Result<ExitCode> {
    let compiled = pacta_lang::compile(ESCROW);
    let agreement = compiled.agreement.ok_or_else(|| anyhow::anyhow!("the seed escrow does not compile"))?;
    let mut rows: Vec<Measurement> = Vec::new();

    let release = workload::escrow(&agreement, offerings, purchasers, workload::Ending::Release);
    let (measured, _) = bench::engine_alone(&release);
    rows.push(Measurement { name: "engine alone: release workload (with Ed25519 verification)", ..measured });

    let refund = workload::escrow(&agreement, offerings, purchasers, workload::Ending::Refund);
    let (measured, _) = bench::engine_alone(&refund);
    rows.push(Measurement { name: "engine alone: join + deposit workload (no signatures)", ..measured });

    let journals = journals(&release);
    rows.push(bench::replay(&journals));

    for row in &rows {
        println!("{:<62} {:>12.0} {}/s  ({} {} in {:.3} s)", row.name, row.per_second(), row.unit, row.items, row.unit, row.seconds);
    }
    Ok(ExitCode::SUCCESS)
}

/// The full journal of every offering, for the replay benchmark.
fn journals(offerings: &[workload::Offering]) -> Vec<Vec<pacta_core::engine::Event>> {
    offerings
        .iter()
        .map(|o| {
            let mut state = o.state.clone();
            let mut journal = o.opened.clone();
            for command in &o.commands {
                journal.extend(pacta_core::engine::execute(&mut state, command).events().cloned());
            }
            journal
        })
        .collect()
}
