//! solibot: watches partner organizations' feeds, detects appeals and alerts Telegram
//! subscribers.
//!
//! The data's path, one module a step:
//!
//! - [`config`]: TOML file + environment -> validated [`config::Config`].
//! - [`feeds`]: fetch (one HTTP client, caps, conditional GET, address guard) and
//!   parse (bytes -> [`entry::Entry`], no IO).
//! - [`detect`]: entry -> [`detect::Verdict`]; pure.
//! - [`dates`]: an entry's text -> when its event starts and when its call closes; pure.
//! - [`websub`]: WebSub push for feeds that name a hub (subscribe, renew, leave; the
//!   callback), feeding pushed content to the poll's commit.
//! - [`store`]: the only code that knows the database is sled.
//! - [`events`]: what polling and delivery report upward (on a channel, not an import).
//! - [`feedback`]: organizers' verdicts on alerts (`/wrong`, `/send`), the threshold raise
//!   they give a feed, `solibot feedback export`.
//! - [`retention`]: how long old alert records are kept (the poller's sweep prunes them).
//! - [`choices`]: a chat's choices and which chats an alert goes to.
//! - [`deliver`]: render (verdict -> Telegram HTML, pure), the outbox worker and its
//!   rate limits.
//! - [`context`]: [`context::Shared`], what every running part shares.
//! - [`review`]: which new appeals wait for an organizer's approval (feed under review,
//!   a site never linked before), worded as previews.
//! - [`poll`]: when feeds are due; fetch, detect, commit seen + outbox.
//! - [`http`]: `/healthz` and `/metrics`.
//! - [`manage`]: organizer operations shared by commands and the command line.
//! - [`bot`]: Telegram commands, permissions and replies; the notice task.
//! - [`app`]: builds the context; starts, owns and stops every task.
//!
//! Each module imports only from the layers below it (ARCHITECTURE.md, "Layers").
//! - [`check`]: the `solibot check` command.
//! - [`gold`]: the hand-labelled gold set, read for the detector's tools.
//! - [`crashpoint`]: test-only places to abort at, named by an environment variable.

pub mod app;
pub mod bot;
pub mod check;
pub mod choices;
pub mod config;
pub mod context;
pub mod crashpoint;
pub mod dates;
pub mod deliver;
pub mod detect;
pub mod entry;
pub mod events;
pub mod feedback;
pub mod feeds;
pub mod gold;
pub mod http;
pub mod hub;
pub mod i18n;
pub mod manage;
pub mod metrics;
pub mod poll;
pub mod retention;
pub mod review;
pub mod store;
pub mod text;
pub mod websub;
