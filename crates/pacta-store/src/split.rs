//! Spreading a group commit's CPU work over the machine's cores.
//!
//! Laying out a batch is encoding every event, hashing every entry on the one
//! before it and compressing every frame: work that is independent between
//! agreements, and on the durable bench more than the engine's own. So a large
//! batch is cut into parts, each part's work runs on a scoped thread, and the
//! results are joined in order: what is laid out does not depend on how many
//! parts there were.

use std::sync::OnceLock;

/// Most parts one batch is cut into.
const MAX_PARTS: usize = 4;

/// Events per part, on average (parts are cut by appends or by agreements):
/// laying out an event takes a microsecond or two and a thread some tens of
/// microseconds, so a batch of fewer stays on the calling thread.
const EVENTS_PER_PART: usize = 512;

/// How many parts a batch of `events` events is cut into: one per core, at most
/// `MAX_PARTS`, and no more than one per `EVENTS_PER_PART` events.
pub(crate) fn parts_for(events: usize) -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    (events / EVENTS_PER_PART).clamp(1, cores.clamp(1, MAX_PARTS))
}

/// `f` over `parts` contiguous chunks of `items`, the first on this thread and
/// the others on threads of their own; the results in the chunks' order. A chunk
/// whose thread the system refuses runs on this thread instead: slower, not wrong.
pub(crate) fn map_chunks<'t, T: Sync, R: Send>(items: &'t [T], parts: usize, f: impl Fn(&'t [T]) -> R + Sync) -> Vec<R> {
    if parts <= 1 || items.len() < 2 {
        return vec![f(items)];
    }
    let size = items.len().div_ceil(parts);
    let mut chunks = items.chunks(size);
    let first = chunks.next().expect("items is not empty");
    let f = &f;
    std::thread::scope(|scope| {
        let others: Vec<_> = chunks.map(|chunk| (chunk, std::thread::Builder::new().spawn_scoped(scope, move || f(chunk)))).collect();
        let mut results = Vec::with_capacity(others.len() + 1);
        results.push(f(first));
        for (chunk, spawned) in others {
            results.push(match spawned {
                Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err(_) => f(chunk),
            });
        }
        results
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_come_back_in_order_whatever_the_parts() {
        let items: Vec<u32> = (0..1000).collect();
        for parts in [1, 2, 3, 4, 7] {
            let sums = map_chunks(&items, parts, |chunk| chunk.to_vec());
            assert_eq!(sums.len(), parts.min(items.len()));
            assert_eq!(sums.concat(), items, "{parts} parts");
        }
        assert_eq!(map_chunks(&[] as &[u32], 4, |chunk| chunk.len()), vec![0]);
    }

    #[test]
    fn small_batches_stay_on_one_thread() {
        assert_eq!(parts_for(0), 1);
        assert_eq!(parts_for(EVENTS_PER_PART - 1), 1);
        assert!(parts_for(EVENTS_PER_PART * 100) <= MAX_PARTS);
    }
}
