//! `pacta verify DATABASE`: re-reads every journal in a SQLite file or a
//! PostgreSQL database, recomputes every hash and every balance from the events,
//! and reports, per agreement, the first entry that does not match. Exit code 0
//! when everything verifies, 1 on any mismatch (2, from `main`, if the database
//! cannot be read at all). On a terminal it shows a progress bar with events/s.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};

/// `database`: `postgres://…`, `sqlite://PATH`, `sqlite:PATH` or a bare path.
pub fn run(database: &str) -> anyhow::Result<ExitCode> {
    let is_postgres = database.starts_with("postgres://") || database.starts_with("postgresql://");
    if !is_postgres {
        // Opening a SQLite path creates the file; verifying a typo must not.
        let path = database.strip_prefix("sqlite://").or_else(|| database.strip_prefix("sqlite:")).unwrap_or(database);
        let path = path.split('?').next().unwrap_or(path);
        if !Path::new(path).is_file() {
            bail!("{path}: no such journal database");
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")?;
    runtime.block_on(verify(database))
}

async fn verify(database: &str) -> anyhow::Result<ExitCode> {
    let store = pacta_store::Store::connect(database).await.with_context(|| format!("cannot open {database}"))?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        let style = ProgressStyle::with_template("{spinner} {elapsed_precise} [{bar:32}] {pos}/{len} agreements · {msg}")
            .expect("a valid template")
            .progress_chars("=> ");
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let started = Instant::now();
    let report = pacta_store::verify(&store, |p| {
        if let Some(bar) = &bar {
            bar.set_length(p.agreements_total as u64);
            bar.set_position(p.agreements_done as u64);
            bar.set_message(format!("{} events · {} events/s", p.events_done, per_second(p.events_done, started.elapsed())));
        }
    })
    .await
    .with_context(|| format!("cannot read the journal in {database} (is it a pacta database?)"))?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let elapsed = started.elapsed();
    let rate = per_second(report.events, elapsed);
    if report.is_clean() {
        println!(
            "verified {} agreements, {} events in {:.2}s ({rate} events/s): every hash, link, replay and balance matches",
            report.agreements,
            report.events,
            elapsed.as_secs_f64()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for mismatch in &report.mismatches {
        println!("MISMATCH {mismatch}");
    }
    println!(
        "{} of {} agreements do not verify ({} events read in {:.2}s); each line above is the first entry that does not match",
        report.mismatches.len(),
        report.agreements,
        report.events,
        elapsed.as_secs_f64()
    );
    Ok(ExitCode::FAILURE)
}

fn per_second(events: u64, elapsed: Duration) -> u64 {
    let seconds = elapsed.as_secs_f64();
    if seconds > 0.0 {
        (events as f64 / seconds) as u64
    } else {
        0
    }
}
