//! The integration tests: one binary, the real program against the fake Telegram Bot API
//! and the local feed server of `tests/support/`.
#![allow(
    unreachable_pub,
    reason = "a test or bench is a crate of its own with no public API: `pub` in its modules \
              and in tests/support means \"for this crate's other modules\""
)]

#[path = "../support/mod.rs"]
mod support;

mod backlog;
mod crash;
mod dates;
mod delivery;
mod e2e;
mod ended;
mod feedback;
mod harness;
mod hostile;
mod import;
mod layers;
mod notices;
mod ops;
mod organizer;
mod paid;
mod remind;
mod retention;
mod review;
mod shape;
mod spine;
mod support_selftest;
mod transport;
mod webhook;
mod websub;
