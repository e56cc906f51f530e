//! The single writer: every change to every agreement goes through this one task.
//!
//! It takes submissions from a channel in batches (whatever queued up while the
//! previous batch was committing, up to `max_batch`), applies each with the
//! engine on a working copy of its agreement, renders every answer, and appends
//! ALL the batch's events together with the answers to keep (the store's
//! receipts) in one `append_batch_with_receipts` (one transaction, one fsync:
//! group commit). So a command is never journaled without its answer: a client
//! retrying after a crash gets the stored answer, and the command is not applied
//! twice. It then records the batch's tokens, publishes the new states, and only
//! then answers each waiting request. Nothing is acknowledged before it is durable.
//!
//! One writer per process means no locks around agreement states; several
//! processes on one database are kept apart by the journal's seq check: an append
//! that finds its agreement moved on fails with `Conflict`, and the writer reloads
//! that agreement from the store and decides its commands again, once.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use jiff::Timestamp;
use pacta_core::engine::{self, Command, CommandKind, Decision, Event, EventKind, State};
use pacta_store::{Append, AppendError, PreparedBatch, Receipt, Store};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::auth::{sha256_hex, Auth};
use crate::clock::Clock;
use crate::convert::input::CompiledSource;
use crate::convert::views;
use crate::dto::{CommandResponse, Diagnostic, OpenResponse};
use crate::error::ApiError;
use crate::idempotency;
use crate::instances::{Instances, Snapshot};
use crate::metrics::{add, Metrics};
use crate::tables::{Tables, TokenRow};

/// A bearer token to be issued if the work is accepted.
#[derive(Clone)]
pub struct Grant {
    pub identity: String,
    pub token: String,
}

/// Where an idempotent answer is kept.
#[derive(Clone)]
pub struct IdemKey {
    pub scope: String,
    pub key: String,
    /// SHA-256 of method, path and body: the same key with another request is refused.
    pub fingerprint: [u8; 32],
}

pub enum Work {
    Open { source: CompiledSource, keys: Vec<(String, [u8; 32])>, grants: Vec<Grant>, warnings: Vec<Diagnostic> },
    Command { actor: String, name: &'static str, kind: CommandKind, grant: Option<Grant> },
}

pub struct Submission {
    pub agreement: String,
    pub work: Work,
    pub idempotency: Option<IdemKey>,
    pub reply: oneshot::Sender<Reply>,
}

/// The rendered answer: an idempotent replay returns these bytes.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

impl Reply {
    fn error(error: &ApiError) -> Reply {
        Reply { status: error.status, body: error.to_bytes() }
    }
}

pub struct Writer {
    pub store: Store,
    pub tables: Tables,
    pub instances: Arc<Instances>,
    pub auth: Arc<Auth>,
    pub metrics: Arc<Metrics>,
    pub clock: Arc<dyn Clock>,
    pub max_batch: usize,
}

/// What one submission came to, before rendering.
enum Outcome {
    /// Refused before the engine (unknown agreement, already exists, store trouble).
    Failed(ApiError),
    Opened,
    Decided {
        at: Timestamp,
        first_seq: u64,
        decision: Decision,
    },
}

struct Item {
    sub: Submission,
    outcome: Option<Outcome>,
}

/// One item's answer: the reply, the version of it to keep for replays (`None`:
/// not kept), and the tokens to issue.
type Rendered = (Reply, Option<Reply>, Vec<Grant>);

/// An agreement being changed by this batch.
struct Working {
    state: State,
    /// The seq its journal ends at in the store.
    start_seq: u64,
    events: Vec<Event>,
}

/// A batch decided and laid out, whose group commit has not been awaited yet.
/// The next batch is decided on its working states while it commits.
struct Pending {
    items: Vec<Item>,
    working: BTreeMap<String, Working>,
    rendered: Vec<Rendered>,
    created_at: i64,
    commit: Commit,
}

/// The first attempt at a batch's group commit.
enum Commit {
    /// Laid out, not started: it starts once the batch before it has committed.
    Laid(PreparedBatch),
    /// Started on a task of its own.
    Running(JoinHandle<Result<(), AppendError>>),
    /// Known without writing: nothing to write (`Ok`), or laying it out failed.
    Done(Result<(), AppendError>),
}

impl Writer {
    /// Group commits are pipelined: while batch N commits on a task of its own,
    /// batch N+1 (whatever queued meanwhile) is decided on the states batch N
    /// leaves and laid out on the heads it leaves (`Store::prepare_batch`). N+1
    /// starts committing only once N is durable and answered, and nothing is
    /// answered before its own batch commits. If N fails, N+1's appends to the
    /// agreements they share were linked to heads that never landed: the store's
    /// head check fails them as a `Conflict`, and N+1 reloads those agreements and
    /// decides their commands again, as after another server's write.
    pub async fn run(self, mut rx: mpsc::Receiver<Submission>) {
        let mut in_flight: Option<Pending> = None;
        loop {
            let batch = match &in_flight {
                Some(_) => self.queued(&mut rx, Vec::new()),
                None => match rx.recv().await {
                    Some(first) => self.queued(&mut rx, vec![first]),
                    None => break,
                },
            };
            let next = match batch.is_empty() {
                true => None,
                false => Some(self.decide(batch, in_flight.as_ref().map(|p| &p.working)).await),
            };
            if let Some(previous) = in_flight.take() {
                self.finish(previous).await;
            }
            in_flight = next.map(start);
        }
        if let Some(last) = in_flight {
            self.finish(last).await;
        }
        tracing::info!("writer stopped: no more submissions");
    }

    /// Whatever has queued, after `batch`, up to `max_batch`: no artificial delay,
    /// yet as many commands per fsync as the load brings.
    fn queued(&self, rx: &mut mpsc::Receiver<Submission>, mut batch: Vec<Submission>) -> Vec<Submission> {
        while batch.len() < self.max_batch {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        batch
    }

    /// Applies a batch's submissions on the states `base` (the batch still
    /// committing) leaves, or else on the published ones, renders every answer and
    /// lays out the group commit.
    async fn decide(&self, batch: Vec<Submission>, base: Option<&BTreeMap<String, Working>>) -> Pending {
        let mut items: Vec<Item> = batch.into_iter().map(|sub| Item { sub, outcome: None }).collect();
        let mut working: BTreeMap<String, Working> = BTreeMap::new();
        for item in items.iter_mut() {
            item.outcome = Some(self.apply(&mut working, base, &item.sub));
        }
        let created_at = self.clock.now().as_second();
        let (rendered, laid) = self.lay_out(&items, &working, created_at).await;
        let commit = match laid {
            Ok(Some(prepared)) => Commit::Laid(prepared),
            Ok(None) => Commit::Done(Ok(())),
            Err(error) => Commit::Done(Err(error)),
        };
        Pending { items, working, rendered, created_at, commit }
    }

    /// Waits for a batch's commit (deciding again what a lost race or a refusal
    /// leaves), publishes its states and answers its submissions.
    async fn finish(&self, pending: Pending) {
        let Pending { mut items, mut working, rendered, created_at, commit } = pending;
        let started = Instant::now();
        let first = match commit {
            Commit::Laid(prepared) => prepared.commit().await,
            // A commit task that panicked may or may not have committed: the batch fails as unavailable.
            Commit::Running(task) => task.await.unwrap_or_else(|e| Err(AppendError::Database(sqlx::Error::Protocol(format!("the commit task failed: {e}"))))),
            Commit::Done(result) => result,
        };
        let (committed, rendered) = self.commit(&mut items, &mut working, rendered, first, created_at).await;
        self.metrics.observe_commit(items.len(), started.elapsed());
        if committed {
            self.publish(working);
        }
        self.answer(items, rendered).await;
    }

    fn now_for(&self, state: &State) -> Timestamp {
        // Time never goes backwards within an agreement: a wall clock stepped back,
        // or another server's clock a little behind ours, must not make a valid
        // command look out of order. The journal's order is what counts.
        self.clock.now().max(state.last_at)
    }

    /// Applies one submission to its agreement's working state, taken on first use
    /// from `base` (the batch still committing) or else from the published states.
    fn apply(&self, working: &mut BTreeMap<String, Working>, base: Option<&BTreeMap<String, Working>>, sub: &Submission) -> Outcome {
        let id = sub.agreement.as_str();
        let in_base = base.and_then(|base| base.get(id));
        match &sub.work {
            Work::Open { source, keys, .. } => {
                // Opened by the batch still committing, which may yet fail: not an
                // answer to keep, so a retry is told what the journal then holds.
                if in_base.is_some() && self.instances.get(id).is_none() {
                    return Outcome::Failed(ApiError::new(
                        StatusCode::CONFLICT,
                        "conflict",
                        format!("agreement `{id}` is being opened by another request; retry"),
                    ));
                }
                if working.contains_key(id) || self.instances.get(id).is_some() {
                    return Outcome::Failed(ApiError::new(StatusCode::CONFLICT, "already_exists", format!("agreement `{id}` already exists")));
                }
                let at = self.clock.now();
                match engine::open(id, (*source.agreement).clone(), source.sha256, keys.clone(), at) {
                    Ok((state, events)) => {
                        working.insert(id.to_string(), Working { state, start_seq: 0, events });
                        Outcome::Opened
                    }
                    Err(rejection) => Outcome::Failed(ApiError::rejection(&rejection)),
                }
            }
            Work::Command { actor, kind, .. } => {
                if !working.contains_key(id) {
                    let start = match in_base {
                        Some(w) => Working { state: w.state.clone(), start_seq: w.start_seq + w.events.len() as u64, events: Vec::new() },
                        None => match self.instances.get(id) {
                            Some(snapshot) => Working { state: snapshot.state.clone(), start_seq: snapshot.seq, events: Vec::new() },
                            None => return Outcome::Failed(ApiError::not_found(format!("no agreement `{id}`"))),
                        },
                    };
                    working.insert(id.to_string(), start);
                }
                let Some(w) = working.get_mut(id) else {
                    return Outcome::Failed(ApiError::internal("working state vanished"));
                };
                let at = self.now_for(&w.state);
                let first_seq = w.start_seq + w.events.len() as u64 + 1;
                let command = Command { at, actor: actor.clone(), kind: kind.clone() };
                let decision = engine::execute(&mut w.state, &command);
                w.events.extend(decision.events().cloned());
                Outcome::Decided { at, first_seq, decision }
            }
        }
    }

    /// The answers to a batch's submissions, rendered from the working states so
    /// that those to keep are written in the same transaction as the events they
    /// describe, and its group commit laid out (`None`: nothing to write).
    async fn lay_out(
        &self,
        items: &[Item],
        working: &BTreeMap<String, Working>,
        created_at: i64,
    ) -> (Vec<Rendered>, Result<Option<PreparedBatch>, AppendError>) {
        let rendered: Vec<Rendered> = items.iter().map(|item| self.render(&item.sub, outcome_of(item), working)).collect();
        let receipts: Vec<Receipt> = items
            .iter()
            .zip(&rendered)
            .filter_map(|(item, (_, kept, _))| {
                let (idem, kept) = (item.sub.idempotency.as_ref()?, kept.as_ref()?);
                Some(idempotency::receipt(idem, &item.sub.agreement, kept.status, kept.body.clone(), created_at))
            })
            .collect();
        let appends: Vec<Append<'_>> = working
            .iter()
            .filter(|(_, w)| !w.events.is_empty())
            .map(|(id, w)| Append { agreement_id: id, expected_seq: w.start_seq, events: &w.events })
            .collect();
        if appends.is_empty() && receipts.is_empty() {
            return (rendered, Ok(None));
        }
        let prepared = self.store.prepare_batch(&appends, &receipts).await;
        (rendered, prepared.map(Some))
    }

    /// Settles a batch's group commit from the outcome of its first attempt:
    /// after a lost race or a refusal, decides the affected agreements again (on
    /// what the store holds) and commits once more. Returns whether anything was
    /// committed (the working states are then the truth) and every item's
    /// rendered answer; items whose agreement could not be committed get a
    /// failure outcome.
    async fn commit(
        &self,
        items: &mut [Item],
        working: &mut BTreeMap<String, Working>,
        mut rendered: Vec<Rendered>,
        mut result: Result<(), AppendError>,
        created_at: i64,
    ) -> (bool, Vec<Rendered>) {
        let mut retried: HashSet<String> = HashSet::new();
        loop {
            match result {
                Ok(()) => return (true, rendered),
                // Another server on this database answered one of these requests
                // first: it must not run again here. Drop it (its retry is answered
                // from that receipt) and decide the rest of its agreement again.
                Err(AppendError::ReceiptExists { key }) => {
                    let Some(index) = items.iter().position(|i| i.sub.idempotency.as_ref().is_some_and(|k| idempotency::receipt_key(k) == key)) else {
                        tracing::error!(%key, "the store reports a stored receipt for a key this batch does not hold");
                        return (false, self.fail_all(items, working, ApiError::internal("the journal reported a receipt this batch does not hold")));
                    };
                    let agreement_id = items[index].sub.agreement.clone();
                    tracing::info!(agreement = %agreement_id, "another server answered this request first; dropping it from the batch");
                    items[index].outcome = Some(Outcome::Failed(ApiError::new(
                        StatusCode::CONFLICT,
                        "conflict",
                        "another server answered this request at the same moment; retry with the same Idempotency-Key",
                    )));
                    working.remove(&agreement_id);
                    for item in items.iter_mut().filter(|i| i.sub.agreement == agreement_id && !is_failed(i)) {
                        item.outcome = Some(self.apply(working, None, &item.sub));
                    }
                }
                // Another writer extended the agreement, or its journal is not the one
                // this store wrote (restored under it): decide again on what it holds.
                Err(AppendError::Conflict { agreement_id, .. } | AppendError::Diverged { agreement_id, .. }) => {
                    add(&self.metrics.conflicts, 1);
                    tracing::info!(agreement = %agreement_id, "the journal moved on without this writer; reloading");
                    working.remove(&agreement_id);
                    if !retried.insert(agreement_id.clone()) {
                        let error = ApiError::new(StatusCode::CONFLICT, "conflict", "another server changed this agreement at the same moment twice; retry");
                        fail(items, &agreement_id, &error);
                    } else if let Err(error) = self.reload(&agreement_id).await {
                        fail(items, &agreement_id, &error);
                    } else {
                        for item in items.iter_mut().filter(|i| i.sub.agreement == agreement_id && !is_failed(i)) {
                            item.outcome = Some(self.apply(working, None, &item.sub));
                        }
                    }
                }
                // A bug, not bad input (the handler stores sources before submitting):
                // fail that agreement's commands and commit the others.
                Err(refused @ (AppendError::Invalid { .. } | AppendError::MissingSource { .. })) => {
                    let agreement_id = match &refused {
                        AppendError::Invalid { agreement_id, .. } | AppendError::MissingSource { agreement_id, .. } => agreement_id.clone(),
                        _ => String::new(),
                    };
                    tracing::error!(agreement = %agreement_id, error = %refused, "the store refused an append");
                    working.remove(&agreement_id);
                    fail(items, &agreement_id, &ApiError::internal(format!("the journal refused the append: {refused}")));
                }
                Err(error) => {
                    tracing::error!(%error, "group commit failed");
                    let error = ApiError::unavailable(format!("the journal could not commit: {error}"));
                    return (false, self.fail_all(items, working, error));
                }
            }
            // What is left of the batch, decided again, committed at once: the
            // batch after it waits for this one.
            let (again, laid) = self.lay_out(items, working, created_at).await;
            rendered = again;
            result = match laid {
                Ok(Some(prepared)) => prepared.commit().await,
                Ok(None) => Ok(()),
                Err(error) => Err(error),
            };
        }
    }

    /// Nothing of the batch was committed: every item not already failed fails
    /// with `error`; returns the answers (none of them kept, none stored).
    fn fail_all(&self, items: &mut [Item], working: &mut BTreeMap<String, Working>, error: ApiError) -> Vec<Rendered> {
        for item in items.iter_mut() {
            if !is_failed(item) {
                item.outcome = Some(Outcome::Failed(error.clone()));
            }
        }
        working.clear();
        items.iter().map(|item| self.render(&item.sub, outcome_of(item), working)).collect()
    }

    /// Replaces an agreement's state with what the store holds (another server wrote to it).
    async fn reload(&self, id: &str) -> Result<(), ApiError> {
        let events = self.store.load(id).await.map_err(|e| ApiError::unavailable(format!("reloading `{id}`: {e}")))?;
        if let Some(state) = engine::replay(&events) {
            self.instances.publish(Snapshot { state, seq: events.len() as u64 });
        }
        Ok(())
    }

    fn publish(&self, working: BTreeMap<String, Working>) {
        for (_, w) in working {
            let fired = w.events.iter().filter(|e| matches!(e.kind, EventKind::DeadlineFired { .. })).count();
            add(&self.metrics.deadlines_fired, fired as u64);
            add(&self.metrics.events_appended, w.events.len() as u64);
            let seq = w.start_seq + w.events.len() as u64;
            self.instances.publish(Snapshot { state: w.state, seq });
        }
    }

    /// Records the batch's tokens, then replies (the answers were rendered, and
    /// those to keep stored, with the commit).
    async fn answer(&self, items: Vec<Item>, answers: Vec<Rendered>) {
        let mut rendered = Vec::with_capacity(items.len());
        let mut tokens: Vec<TokenRow> = Vec::new();
        let created_at = self.clock.now();
        for (item, (reply, _, grants)) in items.into_iter().zip(answers) {
            if let Some(outcome) = &item.outcome {
                self.count(outcome);
            }
            let first_token = tokens.len();
            tokens.extend(grants.into_iter().map(|g| TokenRow {
                sha256: sha256_hex(&g.token),
                agreement_id: item.sub.agreement.clone(),
                identity: g.identity,
                created_at: created_at.to_string(),
            }));
            rendered.push((item.sub.reply, reply, first_token < tokens.len()));
        }
        let recorded = self.tables.record_tokens(&tokens).await;
        match &recorded {
            Ok(()) => self.auth.remember(&tokens),
            Err(error) => tracing::error!(%error, "could not record tokens"),
        }
        for (reply_to, reply, has_tokens) in rendered {
            let reply = match (&recorded, has_tokens) {
                (Err(error), true) => Reply::error(&ApiError::unavailable(format!(
                    "the command was journaled but its token could not be stored ({error}); issue one with POST /v1/agreements/{{id}}/tokens"
                ))),
                _ => reply,
            };
            // The requester may have gone away; its command stands all the same.
            let _ = reply_to.send(reply);
        }
    }

    fn count(&self, outcome: &Outcome) {
        match outcome {
            Outcome::Opened | Outcome::Decided { decision: Decision { outcome: Ok(_), .. }, .. } => add(&self.metrics.commands_applied, 1),
            Outcome::Decided { .. } => add(&self.metrics.commands_rejected, 1),
            Outcome::Failed(e) if e.status.is_server_error() || e.status == StatusCode::CONFLICT => add(&self.metrics.commands_failed, 1),
            Outcome::Failed(_) => add(&self.metrics.commands_rejected, 1),
        }
    }

    /// The reply, the version of it to keep for replays (`None`: not kept, as for
    /// a store failure whose retry should run again), and the tokens to issue;
    /// from the agreement's working state, as the batch leaves it.
    fn render(&self, sub: &Submission, outcome: &Outcome, working: &BTreeMap<String, Working>) -> Rendered {
        let working = working.get(&sub.agreement);
        match (outcome, &sub.work, working) {
            (Outcome::Failed(error), _, _) => {
                let keep =
                    error.body.code == "already_exists" || (error.status.is_client_error() && error.body.code != "not_found" && error.body.code != "conflict");
                let reply = Reply::error(error);
                (reply.clone(), keep.then_some(reply), vec![])
            }
            (Outcome::Decided { decision: Decision { outcome: Err(rejection), .. }, .. }, _, _) => {
                let reply = Reply::error(&ApiError::rejection(rejection));
                (reply.clone(), Some(reply), vec![])
            }
            (Outcome::Opened, Work::Open { grants, warnings, .. }, Some(w)) => {
                let snapshot = Snapshot { state: w.state.clone(), seq: w.start_seq + w.events.len() as u64 };
                let mut response = OpenResponse {
                    agreement: views::summary(&snapshot),
                    tokens: grants.iter().map(|g| (g.identity.clone(), Some(g.token.clone()))).collect(),
                    warnings: warnings.clone(),
                };
                let reply = json_reply(StatusCode::CREATED, &response);
                // Tokens are secrets returned once: the kept copy has them blanked.
                response.tokens.values_mut().for_each(|t| *t = None);
                (reply, Some(json_reply(StatusCode::CREATED, &response)), grants.clone())
            }
            (Outcome::Decided { at, first_seq, decision }, Work::Command { actor, name, grant, .. }, Some(w)) => {
                let state = &w.state;
                let entries = decision.events().enumerate().map(|(i, e)| views::entry(state, first_seq + i as u64, e, None)).collect();
                let mut response = CommandResponse {
                    agreement: sub.agreement.clone(),
                    command: name.to_string(),
                    actor: actor.clone(),
                    at: at.to_string(),
                    entries,
                    token: grant.as_ref().map(|g| Some(g.token.clone())),
                };
                let reply = json_reply(StatusCode::OK, &response);
                if let Some(token) = response.token.as_mut() {
                    *token = None;
                }
                (reply, Some(json_reply(StatusCode::OK, &response)), grant.iter().cloned().collect())
            }
            _ => (Reply::error(&ApiError::internal("the agreement vanished after its commit")), None, vec![]),
        }
    }
}

fn outcome_of(item: &Item) -> &Outcome {
    static MISSING: std::sync::LazyLock<Outcome> = std::sync::LazyLock::new(|| Outcome::Failed(ApiError::internal("no outcome")));
    item.outcome.as_ref().unwrap_or(&MISSING)
}

fn is_failed(item: &Item) -> bool {
    matches!(item.outcome, Some(Outcome::Failed(_)))
}

fn fail(items: &mut [Item], agreement: &str, error: &ApiError) {
    for item in items.iter_mut().filter(|i| i.sub.agreement == agreement) {
        if !is_failed(item) {
            item.outcome = Some(Outcome::Failed(error.clone()));
        }
    }
}

fn json_reply<T: serde::Serialize>(status: StatusCode, value: &T) -> Reply {
    match serde_json::to_vec(value) {
        Ok(body) => Reply { status, body },
        Err(e) => Reply::error(&ApiError::internal(format!("serializing the answer: {e}"))),
    }
}

/// How long `submit` waits for the writer before giving up on an answer (the
/// command may still be applied: retry with the same idempotency key).
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

/// Starts a laid-out batch's group commit on a task of its own.
fn start(mut pending: Pending) -> Pending {
    if let Commit::Laid(prepared) = pending.commit {
        pending.commit = Commit::Running(tokio::spawn(prepared.commit()));
    }
    pending
}
