//! solibot: watches partner organizations' feeds, detects appeals and alerts Telegram
//! subscribers.
//!
//! The data's path, one module a step:
//!
//! - [`config`]: TOML file + environment -> validated [`config::Config`].
//! - [`feeds`]: fetch (one HTTP client, caps, conditional GET, address guard) and
//!   parse (bytes -> [`entry::Entry`], no IO).
//! - [`detect`]: entry -> [`detect::Verdict`]; pure.
//! - [`websub`]: WebSub push for feeds that name a hub (subscribe, renew, leave; the
//!   callback), feeding pushed content to the poll's commit.
//! - [`store`]: the only code that knows the database is sled.
//! - [`deliver`]: render (verdict -> Telegram HTML, pure), the outbox worker and its
//!   rate limits.
//! - [`bot`]: Telegram commands, permissions and replies.
//! - [`app`]: starts, owns and stops every task.
//! - [`check`]: the `solibot check` command.
//! - [`gold`]: the hand-labelled gold set, read for the detector's tools.

pub mod app;
pub mod bot;
pub mod check;
pub mod config;
pub mod deliver;
pub mod detect;
pub mod entry;
pub mod feeds;
pub mod gold;
pub mod http;
pub mod i18n;
pub mod manage;
pub mod metrics;
pub mod poll;
pub mod store;
pub mod text;
pub mod websub;
