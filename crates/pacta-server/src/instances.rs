//! The registry of live agreement instances: id -> the state after the last
//! committed batch, plus an index of each agreement's earliest pending deadline
//! for the scheduler.
//!
//! Only the writer publishes, and only after its batch is durable, so a read
//! never sees a state the journal does not have. States are persistent maps, so
//! a snapshot is shared, not copied: readers hold an `Arc` while the writer
//! builds the next version from a cheap clone.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

use jiff::Timestamp;
use pacta_core::engine::State;
use tokio::sync::Notify;

use crate::convert::views::next_deadline;

/// An agreement's state and the seq of its last journal entry.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub state: State,
    pub seq: u64,
}

#[derive(Default)]
pub struct Instances {
    inner: RwLock<Inner>,
    /// Woken whenever the set of pending deadlines may have changed.
    pub deadlines_changed: Notify,
}

#[derive(Default)]
struct Inner {
    map: HashMap<String, Arc<Snapshot>>,
    next_due: BTreeSet<(Timestamp, String)>,
    due_of: HashMap<String, Timestamp>,
}

impl Instances {
    pub fn get(&self, id: &str) -> Option<Arc<Snapshot>> {
        self.read().map.get(id).cloned()
    }

    pub fn len(&self) -> usize {
        self.read().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every snapshot, sorted by id.
    pub fn all(&self) -> Vec<Arc<Snapshot>> {
        let mut all: Vec<Arc<Snapshot>> = self.read().map.values().cloned().collect();
        all.sort_by(|a, b| a.state.id.cmp(&b.state.id));
        all
    }

    /// Makes a committed state visible to readers and to the scheduler. Never
    /// replaces a newer state (one further along the journal) with an older one:
    /// a state refreshed from the store may be published before the writer
    /// publishes the commit it already contains.
    pub fn publish(&self, snapshot: Snapshot) {
        let id = snapshot.state.id.clone();
        let due = next_deadline(&snapshot.state);
        let mut inner = self.write();
        if inner.map.get(&id).is_some_and(|existing| existing.seq > snapshot.seq) {
            return;
        }
        let old = inner.due_of.remove(&id);
        if let Some(old) = old {
            inner.next_due.remove(&(old, id.clone()));
        }
        if let Some(due) = due {
            inner.next_due.insert((due, id.clone()));
            inner.due_of.insert(id.clone(), due);
        }
        inner.map.insert(id, Arc::new(snapshot));
        drop(inner);
        if old != due {
            // `notify_one` keeps a permit if the scheduler is not waiting yet, so no change is missed.
            self.deadlines_changed.notify_one();
        }
    }

    /// Publishes a state loaded from the store unless the writer has published
    /// one meanwhile (which is at least as new).
    pub fn publish_if_absent(&self, snapshot: Snapshot) -> Arc<Snapshot> {
        if let Some(existing) = self.get(&snapshot.state.id) {
            return existing;
        }
        let id = snapshot.state.id.clone();
        self.publish(snapshot);
        self.get(&id).expect("just published")
    }

    /// The earliest pending deadline of any agreement.
    pub fn earliest_due(&self) -> Option<Timestamp> {
        self.read().next_due.first().map(|(at, _)| *at)
    }

    /// Agreements with a deadline due at or before `now`, earliest first, at most `limit`.
    pub fn due_by(&self, now: Timestamp, limit: usize) -> Vec<String> {
        self.read().next_due.iter().take_while(|(at, _)| *at <= now).take(limit).map(|(_, id)| id.clone()).collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half-updated in a
        // way that matters (each update is a few inserts), so keep serving.
        self.inner.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
