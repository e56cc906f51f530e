//! Counters and histograms for `/metrics`, in the Prometheus text format,
//! written by hand: a handful of atomics needs no metrics library.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Batch sizes, up to the default most a batch holds (`MAX_BATCH`, 4,096).
const BATCH_BUCKETS: [f64; 12] = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 4096.0];
const COMMIT_BUCKETS: [f64; 11] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0];

pub struct Histogram<const N: usize> {
    bounds: [f64; N],
    counts: [AtomicU64; N],
    count: AtomicU64,
    /// The sum in millionths, so it stays an integer atomic.
    sum_micro: AtomicU64,
}

impl<const N: usize> Histogram<N> {
    fn new(bounds: [f64; N]) -> Self {
        Histogram { bounds, counts: std::array::from_fn(|_| AtomicU64::new(0)), count: AtomicU64::new(0), sum_micro: AtomicU64::new(0) }
    }

    pub fn observe(&self, value: f64) {
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            if value <= *bound {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micro.fetch_add((value * 1e6) as u64, Ordering::Relaxed);
    }

    fn write(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {}", count.load(Ordering::Relaxed));
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {}", self.sum_micro.load(Ordering::Relaxed) as f64 / 1e6);
        let _ = writeln!(out, "{name}_count {count}");
    }
}

pub struct Metrics {
    pub commands_applied: AtomicU64,
    pub commands_rejected: AtomicU64,
    pub commands_failed: AtomicU64,
    pub conflicts: AtomicU64,
    pub deadlines_fired: AtomicU64,
    pub events_appended: AtomicU64,
    pub batch_size: Histogram<12>,
    pub commit_seconds: Histogram<11>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            commands_applied: AtomicU64::new(0),
            commands_rejected: AtomicU64::new(0),
            commands_failed: AtomicU64::new(0),
            conflicts: AtomicU64::new(0),
            deadlines_fired: AtomicU64::new(0),
            events_appended: AtomicU64::new(0),
            batch_size: Histogram::new(BATCH_BUCKETS),
            commit_seconds: Histogram::new(COMMIT_BUCKETS),
        }
    }
}

pub fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

impl Metrics {
    pub fn observe_commit(&self, batch: usize, took: Duration) {
        self.batch_size.observe(batch as f64);
        self.commit_seconds.observe(took.as_secs_f64());
    }

    pub fn render(&self, agreements: usize) -> String {
        let mut out = String::new();
        let counters: [(&str, &str, &AtomicU64); 6] = [
            ("pacta_commands_applied_total", "Commands accepted and journaled.", &self.commands_applied),
            ("pacta_commands_rejected_total", "Commands the engine refused (nothing of theirs journaled).", &self.commands_rejected),
            ("pacta_commands_failed_total", "Commands answered with a store failure or an unresolved conflict.", &self.commands_failed),
            ("pacta_append_conflicts_total", "Appends that lost the seq check to another writer.", &self.conflicts),
            ("pacta_deadlines_fired_total", "Deadlines that fired (journaled DeadlineFired events).", &self.deadlines_fired),
            ("pacta_events_appended_total", "Journal entries committed.", &self.events_appended),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}", value.load(Ordering::Relaxed));
        }
        self.batch_size.write(&mut out, "pacta_batch_size", "Commands per group commit.");
        self.commit_seconds.write(&mut out, "pacta_commit_seconds", "Time to make one batch durable.");
        let _ = writeln!(out, "# HELP pacta_agreements Agreement instances in memory.\n# TYPE pacta_agreements gauge\npacta_agreements {agreements}");
        out
    }
}
