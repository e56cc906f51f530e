//! Deadlines fire themselves: a task that submits a `Tick` for every agreement
//! whose earliest pending deadline is due, at the instant it falls due.
//!
//! The engine records each fired deadline at its own due instant, whatever the
//! tick's instant, so after a restart the deadlines missed while down fire at
//! once and are journaled as of when they fell due. Exactly once: a tick goes
//! through the writer like any command, so a deadline that fired is no longer
//! pending; with two servers on one database, the second append loses the seq
//! check, the writer reloads, finds nothing due, and appends nothing.

use std::sync::Arc;
use std::time::Duration;

use pacta_core::agreement::PartyKind;
use pacta_core::engine::CommandKind;
use tokio::sync::{mpsc, oneshot, watch};

use crate::clock::Clock;
use crate::instances::Instances;
use crate::writer::{Submission, Work};

/// Agreements ticked per round; the writer batches them into group commits.
const ROUND: usize = 10_000;
/// After a round that did not clear its deadlines (store trouble), wait before trying again.
const BACKOFF: Duration = Duration::from_secs(1);

pub struct Scheduler {
    pub instances: Arc<Instances>,
    pub clock: Arc<dyn Clock>,
    pub submit: mpsc::Sender<Submission>,
}

impl Scheduler {
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                break;
            }
            let now = self.clock.now();
            let due = self.instances.due_by(now, ROUND);
            if !due.is_empty() {
                let ticked = self.tick(&due).await;
                // A tick that succeeded yet left the same deadline due means the
                // writer's clock reads earlier than ours did (a clock stepped back):
                // wait rather than spin.
                let stuck = self.instances.due_by(now, 1).first() == due.first();
                if !ticked || stuck {
                    tokio::select! {
                        _ = tokio::time::sleep(BACKOFF) => {}
                        _ = shutdown.changed() => {}
                    }
                }
                continue;
            }
            let next = self.instances.earliest_due();
            tokio::select! {
                _ = async {
                    match next {
                        Some(at) => self.clock.wait_until(at).await,
                        None => std::future::pending().await,
                    }
                } => {}
                _ = self.instances.deadlines_changed.notified() => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("scheduler stopped");
    }

    /// Ticks each agreement once and waits for the writer to answer them all.
    /// Returns whether every tick succeeded.
    async fn tick(&self, ids: &[String]) -> bool {
        let mut answers = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(snapshot) = self.instances.get(id) else { continue };
            let (reply, answer) = oneshot::channel();
            let work = Work::Command { actor: ticker(&snapshot.state), name: "tick", kind: CommandKind::Tick, grant: None };
            let submission = Submission { agreement: id.clone(), work, idempotency: None, reply };
            if self.submit.send(submission).await.is_err() {
                return false;
            }
            answers.push((id, answer));
        }
        let mut all_ok = true;
        for (id, answer) in answers {
            match answer.await {
                Ok(reply) if reply.status.is_success() => tracing::info!(agreement = %id, "deadline tick applied"),
                Ok(reply) => {
                    all_ok = false;
                    tracing::warn!(agreement = %id, status = %reply.status, body = %String::from_utf8_lossy(&reply.body), "deadline tick failed");
                }
                Err(_) => all_ok = false,
            }
        }
        all_ok
    }
}

/// Who a tick is recorded as: the escrow agent, or the first single party. (A tick
/// itself is not journaled; only the deadlines it fires are.)
pub fn ticker(state: &pacta_core::engine::State) -> String {
    let agreement = &state.agreement;
    agreement
        .escrow_agent()
        .or_else(|| agreement.parties.iter().find(|p| matches!(p.kind, PartyKind::Single { .. })))
        .map(|p| p.name.clone())
        .unwrap_or_default()
}
