//! Test-only crash points: named places where the program aborts (no shutdown path, as
//! after `kill -9`) when the environment variable [`ENV`] names them, so that a crash test
//! lands inside a window it could only hit by chance with a signal.
//!
//! Owns reading [`ENV`] (once) and aborting; must not do anything else: with the variable
//! unset, [`reached`] returns at once and the program behaves as if the points were not
//! there. The points are listed in [`Point`]; the tests that use them are in
//! `tests/it/crash.rs` and `tests/it/ended.rs`.

use std::sync::OnceLock;

/// The environment variable that names the one point to abort at (its [`Point::name`]).
pub const ENV: &str = "SOLIBOT_TEST_CRASH_AT";

/// A place the program can be made to abort at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    /// A poll that queues deliveries: its ids are reserved, its transaction not yet run.
    CommitBegin,
    /// A poll that queues deliveries: its transaction ran, the flush has not.
    CommitWritten,
    /// A poll that queues deliveries: written and flushed, the delivery worker not told.
    CommitFlushed,
    /// The notice task heard of an ended subscription and has not queued its notice.
    Ended,
}

impl Point {
    /// Every point, for the tests and the name lookup.
    pub const ALL: [Point; 4] = [
        Point::CommitBegin,
        Point::CommitWritten,
        Point::CommitFlushed,
        Point::Ended,
    ];

    /// The value of [`ENV`] that selects this point.
    pub fn name(self) -> &'static str {
        match self {
            Point::CommitBegin => "commit-begin",
            Point::CommitWritten => "commit-written",
            Point::CommitFlushed => "commit-flushed",
            Point::Ended => "ended",
        }
    }
}

/// The point [`ENV`] names, read once; `None` when unset or unknown.
fn armed() -> Option<Point> {
    static ARMED: OnceLock<Option<Point>> = OnceLock::new();
    *ARMED.get_or_init(|| {
        let value = std::env::var(ENV).ok()?;
        Point::ALL.into_iter().find(|p| p.name() == value)
    })
}

/// Aborts the program if [`ENV`] names `point`; otherwise does nothing.
pub fn reached(point: Point) {
    if armed() == Some(point) {
        tracing::error!("{ENV}={}: aborting here", point.name());
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_point_has_its_own_name() {
        let mut names: Vec<&str> = Point::ALL.iter().map(|p| p.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Point::ALL.len());
    }
}
