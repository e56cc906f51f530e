//! The server's clock: the ONLY place the service reads the time.
//!
//! The engine never reads a clock (time enters as each command's `at`), so the
//! edge decides what "now" is. Behind a trait so tests drive time by hand: the
//! scheduler then fires a deadline the moment the test moves the clock past it,
//! with no real sleeping.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::watch;

pub type WaitFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;

    /// Resolves at `at` or a little before it (callers re-read `now` and wait
    /// again). A system clock can jump, so no implementation waits very long.
    fn wait_until(&self, at: Timestamp) -> WaitFuture<'_>;
}

/// The machine's wall clock.
pub struct SystemClock;

/// A system clock can be stepped (NTP, a VM resumed), so the scheduler re-reads it at least this often.
const MAX_SLEEP: Duration = Duration::from_secs(30);

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    fn wait_until(&self, at: Timestamp) -> WaitFuture<'_> {
        let left = at.duration_since(Timestamp::now());
        let sleep = Duration::try_from(left).unwrap_or(Duration::ZERO).min(MAX_SLEEP);
        Box::pin(tokio::time::sleep(sleep))
    }
}

/// A clock that moves only when told to, for tests and demos of deadlines.
#[derive(Clone)]
pub struct ManualClock {
    now: Arc<watch::Sender<Timestamp>>,
}

impl ManualClock {
    pub fn new(start: Timestamp) -> ManualClock {
        ManualClock { now: Arc::new(watch::Sender::new(start)) }
    }

    /// Moves the clock to `at` (backwards too: the writer then keeps each
    /// agreement's time from going back, which tests exercise).
    pub fn set(&self, at: Timestamp) {
        self.now.send_replace(at);
    }

    pub fn advance(&self, by: jiff::SignedDuration) {
        let next = self.now().checked_add(by).unwrap_or(Timestamp::MAX);
        self.set(next);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.borrow()
    }

    fn wait_until(&self, at: Timestamp) -> WaitFuture<'_> {
        let mut changes = self.now.subscribe();
        Box::pin(async move {
            // `wait_for` checks the current value first, so a move that happened
            // before this future was polled is not missed.
            let _ = changes.wait_for(|now| *now >= at).await;
        })
    }
}
