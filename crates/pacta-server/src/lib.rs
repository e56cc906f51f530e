//! pacta-server: `pacta serve`. The engine as a durable service: an HTTP API
//! (JSON under `/v1`, OpenAPI at `/v1/openapi.json`), a single writer that
//! group-commits every command to the journal before answering, and a scheduler
//! that fires deadlines when they fall due.
//!
//! Layout:
//! - `clock`: the only place the time is read (`Clock`, swapped for tests).
//! - `instances`: agreement id -> state after the last committed batch.
//! - `writer`: the single writer; batches, group commit, conflict reload.
//! - `scheduler`: ticks agreements whose deadlines are due.
//! - `sync`: catching up with commits other servers made to a shared database.
//! - `auth`, `tables`: bearer tokens and their table; `idempotency`: replays from
//!   the journal store's receipts, which commit with the events they answer.
//! - `routes/`: one file per endpoint group; `body`: strict JSON bodies.
//! - `dto/` (wire types, with serde/utoipa derives), `convert/` (wire <-> domain).
//! - `error`: `{code, message, clause?, field?}`; `metrics`; `openapi`; `demo`;
//!   `cli`: `pacta serve` as one blocking call.
//!
//! Startup is recovery: every agreement is loaded from the journal and
//! replayed, so a restart (or a crash) loses nothing that was acknowledged.

pub mod auth;
pub mod body;
pub mod cli;
pub mod clock;
pub mod convert;
pub mod demo;
pub mod dto;
pub mod error;
pub mod idempotency;
pub mod instances;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod scheduler;
pub mod sync;
pub mod tables;
pub mod writer;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use pacta_store::Store;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::auth::Auth;
use crate::clock::Clock;
use crate::instances::{Instances, Snapshot};
use crate::metrics::Metrics;
use crate::routes::{AppState, Shared};
use crate::scheduler::Scheduler;
use crate::tables::Tables;
use crate::writer::Writer;

/// Most commands per group commit, by default. The writer takes only what has
/// queued (no delay), so batches this large form only under load, where each
/// commit's fixed costs (the fsync, each agreement's head row, frame row and key)
/// are shared by more commands: on the durable bench (200 offerings × 50
/// purchasers), SQLite committed its 40,800 commands in 40–66 ms in all, 4,096 at
/// a time, against 146–285 ms 1,000 at a time. The price is latency under load: a
/// full batch is decided (some 15 ms) before any of it commits.
pub const MAX_BATCH: usize = 4096;

pub struct Config {
    /// `sqlite://PATH`, a bare path, or `postgres://…`.
    pub database: String,
    pub listen: SocketAddr,
    /// The admin token; generated (and shown once) when absent.
    pub admin_token: Option<String>,
    /// Most commands per group commit.
    pub max_batch: usize,
    /// How long idempotent answers are kept.
    pub idempotency_retention: Duration,
    /// How often to look for agreements other servers opened on the same
    /// database (so their deadlines are scheduled here too). `None`: every 10 s
    /// on PostgreSQL, never on SQLite (one process owns the file).
    pub discover_every: Option<Duration>,
}

impl Config {
    pub fn new(database: impl Into<String>, listen: SocketAddr) -> Config {
        Config {
            database: database.into(),
            listen,
            admin_token: None,
            max_batch: MAX_BATCH,
            idempotency_retention: Duration::from_secs(24 * 3600),
            discover_every: None,
        }
    }
}

/// Commands waiting for the writer; a full queue makes requests wait (backpressure).
const QUEUE: usize = 65_536;

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub admin_token: String,
    pub store: Store,
    state: Option<AppState>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn state(&self) -> Option<&AppState> {
        self.state.as_ref()
    }

    /// Stops taking connections, finishes the requests in flight (each waits for
    /// its commit), stops the scheduler, lets the writer drain, and returns.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        self.state = None;
        let _ = self.shutdown.send(true);
        self.task.await.context("the server task panicked")?
    }
}

/// Connects to the database, recovers every agreement, and starts serving.
pub async fn start(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Running> {
    let store = Store::connect(&config.database).await.with_context(|| format!("cannot open the database {}", config.database))?;
    store.migrate().await.context("cannot create or update the journal's tables")?;
    let tables = Tables::open(&store).await.context("cannot create the server's tables")?;
    let instances = Arc::new(Instances::default());
    let recovered = recover(&store, &instances).await?;
    tracing::info!(agreements = recovered, "recovered from the journal");

    let admin_token = config.admin_token.clone().unwrap_or_else(auth::new_token);
    let auth = Arc::new(Auth::load(&admin_token, tables.clone()).await.context("cannot read the token table")?);
    let metrics = Arc::new(Metrics::default());
    let (submit, rx) = mpsc::channel(QUEUE);
    let writer = Writer {
        store: store.clone(),
        tables: tables.clone(),
        instances: Arc::clone(&instances),
        auth: Arc::clone(&auth),
        metrics: Arc::clone(&metrics),
        clock: Arc::clone(&clock),
        max_batch: config.max_batch.max(1),
    };
    let writer_task = tokio::spawn(writer.run(rx));

    let (shutdown, shutdown_rx) = watch::channel(false);
    let scheduler = Scheduler { instances: Arc::clone(&instances), clock: Arc::clone(&clock), submit: submit.clone() };
    let scheduler_task = tokio::spawn(scheduler.run(shutdown_rx.clone()));
    let purge_task = tokio::spawn(purge(store.clone(), Arc::clone(&clock), config.idempotency_retention, shutdown_rx.clone()));
    let shared_database = store.engine() == pacta_store::Engine::Postgres;
    let discover_every = config.discover_every.or(shared_database.then_some(Duration::from_secs(10)));
    let discover_task = discover_every.map(|every| tokio::spawn(discover(store.clone(), Arc::clone(&instances), every, shutdown_rx.clone())));

    let state: AppState =
        Arc::new(Shared { store: store.clone(), tables, instances, auth, metrics, clock, submit, in_flight: Default::default(), shared_database });
    let listener = tokio::net::TcpListener::bind(config.listen).await.with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let app = routes::router(Arc::clone(&state));
    let mut stop = shutdown_rx;
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|stop| *stop).await;
            })
            .await;
        // Every request has been answered. The scheduler and the purge stop on the
        // same signal; once the last sender is gone the writer drains and ends.
        let _ = scheduler_task.await;
        let _ = purge_task.await;
        if let Some(task) = discover_task {
            let _ = task.await;
        }
        writer_task.await.context("the writer panicked")?;
        served.context("serving HTTP")
    });
    Ok(Running { addr, admin_token, store, state: Some(state), shutdown, task })
}

/// Loads and replays every agreement's journal.
async fn recover(store: &Store, instances: &Instances) -> anyhow::Result<usize> {
    let ids = store.agreement_ids().await.context("cannot list the agreements")?;
    for id in &ids {
        let events = store.load(id).await.with_context(|| format!("cannot load agreement `{id}`; run `pacta verify` on the database"))?;
        if let Some(state) = pacta_core::engine::replay(&events) {
            instances.publish(Snapshot { state, seq: events.len() as u64 });
        }
    }
    Ok(ids.len())
}

/// Forgets idempotent answers past their retention, hourly.
async fn purge(store: Store, clock: Arc<dyn Clock>, retention: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        let before = clock.now().as_second() - retention.as_secs() as i64;
        if let Err(error) = store.purge_receipts(before).await {
            tracing::warn!(%error, "could not purge old idempotency records");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}

/// Catches up with other servers on the same database: agreements they opened,
/// and commits they made (so this server's scheduler sees their deadlines).
/// One head query per agreement per round: fine for thousands of agreements; a
/// bulk "heads changed since" query in the store would make it cheap for millions.
async fn discover(store: Store, instances: Arc<Instances>, every: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        let ids = match store.agreement_ids().await {
            Ok(ids) => ids,
            Err(error) => {
                tracing::warn!(%error, "could not list agreements");
                continue;
            }
        };
        for id in &ids {
            if let Err(error) = sync::refresh(&store, &instances, id).await {
                tracing::warn!(agreement = %id, error = %error.body.message, "could not catch up with another server");
            }
        }
    }
}
