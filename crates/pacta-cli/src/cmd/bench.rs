//! `pacta bench`: see `crate::bench`.

use std::process::ExitCode;

use crate::bench::{self, workload, Measurement};

const ESCROW: &str = include_str!("../../../../agreements/escrow.pact");

pub struct Options<'a> {
    pub offerings: usize,
    pub purchasers: usize,
    pub json: bool,
    pub baseline: Option<&'a std::path::Path>,
    /// Also measure durable throughput on this journal (a fresh SQLite file or an empty PostgreSQL database).
    pub database: Option<&'a str>,
    /// Only the deadline sweep, so that it can run over a million escrows.
    pub sweep_only: bool,
}

pub fn run(options: Options<'_>) -> anyhow::Result<ExitCode> {
    let Options { offerings, purchasers, json, baseline, database, sweep_only } = options;
    let compiled = pacta_lang::compile(ESCROW);
    let agreement = compiled.agreement.ok_or_else(|| anyhow::anyhow!("the seed escrow does not compile"))?;
    let source_sha256: [u8; 32] = sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(ESCROW.as_bytes())).into();
    let mut rows: Vec<Measurement> = vec![bench::reference_verify(20_000)];
    if sweep_only {
        let refund = workload::escrow(&agreement, source_sha256, offerings, purchasers, workload::Ending::Refund);
        rows.push(bench::deadline_sweep(&refund));
        if let Some(url) = database {
            rows.push(durable_sweep(url, &refund)?);
        }
        return report(&rows, None, json, offerings, purchasers, baseline);
    }

    let release = workload::escrow(&agreement, source_sha256, offerings, purchasers, workload::Ending::Release);
    let (measured, _) = bench::engine_alone(&release);
    rows.push(Measurement { name: "engine alone: release workload (with Ed25519 verification)", ..measured });

    // As the server does: signatures verified in parallel before the writer, which only confirms each check.
    let mut checked = release.clone();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    rows.push(bench::check_signatures(&mut checked, threads));
    let (measured, _) = bench::engine_alone(&checked);
    rows.push(Measurement { name: "engine alone: release workload (signatures checked at the edge)", ..measured });

    let refund = workload::escrow(&agreement, source_sha256, offerings, purchasers, workload::Ending::Refund);
    if let Some(url) = database {
        rows.extend(durable(url, &checked, &refund)?);
    }
    drop(checked);

    let (measured, _) = bench::engine_alone(&refund);
    rows.push(Measurement { name: "engine alone: join + deposit workload (no signatures)", ..measured });

    let journals = journals(&release);
    rows.push(bench::replay(&journals));
    drop(journals);
    drop(release);

    rows.push(bench::deadline_sweep(&refund));
    drop(refund);
    let positions = workload::escrow(&agreement, source_sha256, offerings, purchasers, workload::Ending::Refund);
    let memory = bench::memory_per_position(&positions);

    report(&rows, Some(&memory), json, offerings, purchasers, baseline)
}

/// Prints the rows (and the memory figure, when measured) as text, or as JSON to save as a baseline.
fn report(
    rows: &[Measurement],
    memory: Option<&Measurement>,
    json: bool,
    offerings: usize,
    purchasers: usize,
    baseline: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let reference = rows[0].per_second();
    let previous = match baseline {
        Some(path) => Some(load_baseline(path)?),
        None => None,
    };
    if json {
        let figures: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| serde_json::json!({ "name": r.name, "unit": r.unit, "items": r.items, "seconds": r.seconds, "per_second": r.per_second(), "per_reference": r.per_second() / reference }))
            .collect();
        let report = serde_json::json!({ "offerings": offerings, "purchasers": purchasers, "figures": figures, "bytes_per_position": memory.map(|m| m.items) });
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{offerings} offerings x {purchasers} purchasers, one thread; ratios are to the reference measured in this run");
    for row in rows {
        let ratio = row.per_second() / reference;
        let change = previous
            .as_ref()
            .and_then(|b| b.iter().find(|(name, _)| name == row.name))
            .map(|(_, before)| format!("  {:+.0}% vs baseline", (ratio / before - 1.0) * 100.0))
            .unwrap_or_default();
        println!("{:<62} {:>12.0} {}/s  {:>8.3} x reference{change}", row.name, row.per_second(), row.unit, ratio);
    }
    if let Some(memory) = memory {
        println!("{:<62} {:>12} bytes of heap per position (counted by the allocator)", memory.name, memory.items);
    }
    Ok(ExitCode::SUCCESS)
}

/// A fresh journal at `url` for the durable measurements.
async fn empty_store(url: &str) -> anyhow::Result<pacta_store::Store> {
    let store = pacta_store::Store::connect(url).await?;
    store.migrate().await?;
    anyhow::ensure!(store.agreement_ids().await?.is_empty(), "{url} already holds agreements: benchmark on an empty journal");
    store.put_source(ESCROW).await?;
    Ok(store)
}

/// The runtime of the durable measurements: several threads, as `pacta serve`
/// runs, so a group commit in flight progresses while the next batch is laid out.
fn durable_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

fn durable_sweep(url: &str, refunds: &[workload::Offering]) -> anyhow::Result<Measurement> {
    let runtime = durable_runtime()?;
    runtime.block_on(async { bench::durable::sweep(&empty_store(url).await?, refunds).await })
}

fn durable(url: &str, offerings: &[workload::Offering], refunds: &[workload::Offering]) -> anyhow::Result<[Measurement; 3]> {
    let runtime = durable_runtime()?;
    runtime.block_on(async {
        let store = empty_store(url).await?;
        let [inline, alone] = bench::durable::measure(&store, offerings).await?;
        let sweep = bench::durable::sweep(&store, refunds).await?;
        Ok([inline, alone, sweep])
    })
}

/// `(name, per_reference)` pairs from a saved `pacta bench --json` run.
fn load_baseline(path: &std::path::Path) -> anyhow::Result<Vec<(String, f64)>> {
    let value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let figures = value["figures"].as_array().ok_or_else(|| anyhow::anyhow!("{} has no figures", path.display()))?;
    Ok(figures.iter().filter_map(|f| Some((f["name"].as_str()?.to_string(), f["per_reference"].as_f64()?))).collect())
}

/// The full journal of every offering, for the replay benchmark.
fn journals(offerings: &[workload::Offering]) -> Vec<Vec<pacta_core::engine::Event>> {
    offerings.iter().map(|o| o.run_as(&o.state.id).1).collect()
}
