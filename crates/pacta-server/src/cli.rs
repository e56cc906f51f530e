//! `pacta serve` as a blocking call for the CLI: logging, the runtime, the
//! banner, the demo, and a graceful stop on ctrl-c or SIGTERM. The CLI crate
//! only parses its arguments and calls `run`.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::clock::SystemClock;
use crate::{demo, start, Config};

pub struct Options {
    pub database: String,
    pub listen: SocketAddr,
    pub admin_token: Option<String>,
    pub demo: bool,
}

pub fn run(options: Options) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    // A second call (tests) finds a subscriber installed already; that is fine.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(serve(options))
}

async fn serve(options: Options) -> anyhow::Result<()> {
    let generated = options.admin_token.is_none();
    let mut config = Config::new(options.database.clone(), options.listen);
    config.admin_token = options.admin_token;
    let running = start(config, Arc::new(SystemClock)).await?;
    let url = running.url();
    println!("pacta serving {} on {url}", options.database);
    println!("  dashboard: {url}/dashboard   (sign in with a token below)");
    println!("  API:       {url}/v1/agreements   (OpenAPI: {url}/v1/openapi.json)");
    println!("  health:    {url}/healthz   metrics: {url}/metrics");
    if generated {
        println!("  admin token (shown once; set PACTA_ADMIN_TOKEN to choose one): {}", running.admin_token);
    } else {
        println!("  admin token: from PACTA_ADMIN_TOKEN");
    }
    if options.demo {
        if let Some(state) = running.state() {
            let tokens = demo::load(state).await?;
            println!("\ndemo agreements (dated today; demo keys, never for real use):");
            let mut last = String::new();
            for t in &tokens {
                if t.agreement != last {
                    println!("  {url}/v1/agreements/{}", t.agreement);
                    last = t.agreement.clone();
                }
                println!("    {:<16} {}", t.party, t.token);
            }
            println!("\ntry:  curl -H 'Authorization: Bearer <token>' {url}/v1/agreements/escrow-demo/conditions");
            if generated {
                println!("or open {url}/dashboard#token={} (the agent's view of every agreement;", running.admin_token);
                println!("   the browser's history keeps the link, so type the token in on a shared machine)");
            }
        }
    }
    println!("\nctrl-c to stop");
    wait_for_signal().await;
    eprintln!("stopping: finishing the requests in flight");
    running.shutdown().await?;
    eprintln!("stopped");
    Ok(())
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
