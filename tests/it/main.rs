//! The integration tests: one binary, the real program against the fake Telegram Bot API
//! and the local feed server of `tests/support/`.

#[path = "../support/mod.rs"]
mod support;

mod binary;
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
mod process;
mod remind;
mod review;
mod shape;
mod spine;
mod support_selftest;
mod transport;
mod webhook;
mod websub;
