//! `pacta serve`: the HTTP service over the journal (see crates/pacta-server and docs/api.md).

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;

const DEFAULT_DATABASE: &str = "sqlite://./pacta.db";
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Serve agreements over HTTP: JSON under /v1, deadlines that fire themselves.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The journal: `sqlite://PATH` (created if missing), a bare path, or `postgres://…`.
    /// Default: $PACTA_DATA, else sqlite://./pacta.db.
    #[arg(long, alias = "data")]
    pub database: Option<String>,
    /// Address to listen on. Default: $PACTA_LISTEN, else 127.0.0.1:8080.
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Load the three seed agreements with demo keys and demo purchasers, and print their tokens.
    #[arg(long)]
    pub demo: bool,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let database = args.database.or_else(|| env("PACTA_DATA")).unwrap_or_else(|| DEFAULT_DATABASE.to_string());
    let listen = match args.listen {
        Some(listen) => listen,
        None => {
            let text = env("PACTA_LISTEN").unwrap_or_else(|| DEFAULT_LISTEN.to_string());
            text.parse().with_context(|| format!("PACTA_LISTEN `{text}` is not an address like 127.0.0.1:8080"))?
        }
    };
    // The admin token comes from the environment only: a command-line argument
    // would show in every process listing.
    let admin_token = env("PACTA_ADMIN_TOKEN");
    pacta_server::cli::run(pacta_server::cli::Options { database, listen, admin_token, demo: args.demo })?;
    Ok(ExitCode::SUCCESS)
}
