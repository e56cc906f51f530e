//! `pacta`: check, format and simulate agreements written in the pacta language.
//!
//! Layout: `cmd/` holds one file per subcommand; `scenario/` reads and replays
//! scenario files; `render/` prints simulations as text or JSON. All agreement
//! semantics live in `pacta-core` and `pacta-lang`; this crate only does IO.

mod bench;
mod cmd;
mod render;
mod scenario;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[global_allocator]
static ALLOCATOR: bench::alloc::Counting = bench::alloc::Counting;

#[derive(Parser)]
#[command(name = "pacta", version, about = "Financing agreements as code: escrows, note purchases, warrants")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check agreements: errors, warnings, and money that could be locked forever.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print an agreement in canonical form.
    Fmt {
        file: PathBuf,
        /// Rewrite the file instead of printing it.
        #[arg(long)]
        write: bool,
    },
    /// Replay a scenario against an agreement and print the journal, postings and balances.
    Simulate {
        agreement: PathBuf,
        scenario: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Explain one posting by its number.
        #[arg(long, value_name = "POSTING")]
        why: Option<u64>,
    },
    /// Run the service: the HTTP API, durable journal and deadlines that fire themselves.
    Serve(cmd::serve::ServeArgs),
    /// Re-read a journal, recompute every hash and balance, and report the first entry that does not match.
    Verify {
        /// A SQLite file (PATH or sqlite://PATH) or a postgres://… URL.
        #[arg(default_value = "pacta.db")]
        database: String,
    },
    /// Measure the engine's throughput on an escrow workload (see BENCHMARKS.md).
    Bench {
        #[arg(long, default_value_t = 1000)]
        offerings: usize,
        #[arg(long, default_value_t = 100)]
        purchasers: usize,
        /// Print JSON (save it as a baseline).
        #[arg(long)]
        json: bool,
        /// Compare with a saved `--json` run, as ratios to each run's own reference.
        #[arg(long, value_name = "FILE")]
        baseline: Option<PathBuf>,
        /// Also measure durable throughput on this empty journal (`sqlite://FILE` or `postgres://…`).
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// Only the deadline sweep (in the engine, and durable with `--database`): for a million escrows.
        #[arg(long)]
        sweep_only: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { files } => cmd::check::run(&files),
        Command::Fmt { file, write } => cmd::fmt::run(&file, write),
        Command::Simulate { agreement, scenario, json, why } => cmd::simulate::run(&agreement, &scenario, json, why),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Verify { database } => cmd::verify::run(&database),
        Command::Bench { offerings, purchasers, json, baseline, database, sweep_only } => {
            bench::alloc::start_counting();
            cmd::bench::run(cmd::bench::Options { offerings, purchasers, json, baseline: baseline.as_deref(), database: database.as_deref(), sweep_only })
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
