//! Counters the program keeps about itself: polls, fetch errors, appeals, deliveries.
//!
//! Plain atomics, cheap to bump from any task; the HTTP endpoint renders them in the
//! Prometheus text format. No IO here.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Counters {
    pub polls: AtomicU64,
    pub polls_not_modified: AtomicU64,
    pub entries_seen: AtomicU64,
    pub appeals_detected: AtomicU64,
    pub cross_posts_merged: AtomicU64,
    pub queued: AtomicU64,
    pub sent: AtomicU64,
    pub retried: AtomicU64,
    pub render_bugs: AtomicU64,
    pub digests: AtomicU64,
    /// Unix time of the last finished poll.
    pub last_poll_at: AtomicI64,
    /// Unix time the delivery loop last went round.
    pub delivery_alive_at: AtomicI64,
    /// Unix time the polling loop last went round.
    pub polling_alive_at: AtomicI64,
    fetch_errors: Mutex<BTreeMap<&'static str, u64>>,
    failed: Mutex<BTreeMap<&'static str, u64>>,
}

impl Counters {
    pub fn inc(c: &AtomicU64, by: u64) {
        c.fetch_add(by, Ordering::Relaxed);
    }

    pub fn fetch_error(&self, kind: &'static str) {
        if let Ok(mut m) = self.fetch_errors.lock() {
            *m.entry(kind).or_default() += 1;
        }
    }

    pub fn failed(&self, reason: &'static str) {
        if let Ok(mut m) = self.failed.lock() {
            *m.entry(reason).or_default() += 1;
        }
    }

    pub fn fetch_errors(&self) -> BTreeMap<&'static str, u64> {
        self.fetch_errors
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    pub fn failures(&self) -> BTreeMap<&'static str, u64> {
        self.failed.lock().map(|m| m.clone()).unwrap_or_default()
    }

    pub fn get(c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }
}
