//! Keeping in step with other servers on the same database.
//!
//! Each server holds states in memory; another server's commits reach it when
//! its own append loses the seq check (the writer reloads), or here: before a
//! read on a shared database, and periodically for the scheduler's sake. Only
//! the entries past the seq this server holds are read and applied.

use std::sync::Arc;

use pacta_core::engine::{self, evolve};
use pacta_store::Store;

use crate::error::ApiError;
use crate::instances::{Instances, Snapshot};

/// Brings one agreement up to the journal's end. Returns the newest snapshot,
/// or `None` if the agreement does not exist anywhere.
pub async fn refresh(store: &Store, instances: &Instances, id: &str) -> Result<Option<Arc<Snapshot>>, ApiError> {
    let unavailable = |e: &dyn std::fmt::Display| ApiError::unavailable(format!("reading `{id}` from the journal: {e}"));
    let held = instances.get(id);
    let Some(held) = held else {
        let events = store.load(id).await.map_err(|e| unavailable(&e))?;
        return Ok(engine::replay(&events).map(|state| instances.publish_if_absent(Snapshot { state, seq: events.len() as u64 })));
    };
    let head = store.head(id).await.map_err(|e| unavailable(&e))?;
    match head {
        Some(head) if head.seq > held.seq => {}
        _ => return Ok(Some(held)),
    }
    let entries = store.entries(id, held.seq).await.map_err(|e| unavailable(&e))?;
    let mut state = held.state.clone();
    for entry in &entries {
        evolve(&mut state, &entry.event);
    }
    let seq = held.seq + entries.len() as u64;
    tracing::debug!(agreement = %id, from = held.seq, to = seq, "caught up with another server's commits");
    instances.publish(Snapshot { state, seq });
    Ok(instances.get(id))
}
