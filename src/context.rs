//! The context every running part shares: the validated config, the store handle, the
//! HTTP client, the detector, the counters (metrics), Telegram's pace, the outbox wake-up
//! and the event channel ([`crate::events`]).
//!
//! Sits below polling, the bot, the HTTP endpoint and the organizer operations, so they
//! import it downward; [`crate::app`] builds it once and hands it to the tasks it owns.
//! Must not: spawn tasks, send messages, or import the layers that use it.

use crate::config::Config;
use crate::deliver::limiter::Limits;
use crate::deliver::pace::Pace;
use crate::detect::{CueSource, DetectOptions, Detector};
use crate::events::Events;
use crate::feeds::fetch::{FetchOptions, Fetcher};
use crate::metrics::Counters;
use crate::store::{OutboxKey, Store};
use anyhow::Context;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// What every task shares.
pub struct Shared {
    /// The validated configuration.
    pub config: Config,
    /// The database.
    pub store: Store,
    /// The one HTTP client for feeds and hubs.
    pub fetcher: Fetcher,
    /// The appeal detector, built once.
    pub detector: Arc<Detector>,
    /// The metrics every task bumps.
    pub counters: Arc<Counters>,
    /// Telegram's limits over every message sent: alerts, replies, notices.
    pub pace: Arc<Pace>,
    /// Where polling and delivery report what organizers should be told; nobody listens
    /// in a dry run, in the command-line tools and in tests that build a context alone.
    pub events: Events,
    outbox_tx: Option<mpsc::UnboundedSender<Vec<OutboxKey>>>,
    dry_run_out: Option<Mutex<Box<dyn Write + Send>>>,
}

impl Shared {
    /// Whether alerts are printed instead of queued (`--dry-run`).
    pub fn dry_run(&self) -> bool {
        self.dry_run_out.is_some()
    }

    /// Wakes the delivery worker for these new outbox records (no-op without a worker).
    pub fn notify_outbox(&self, keys: Vec<OutboxKey>) {
        if let Some(tx) = &self.outbox_tx {
            let _ = tx.send(keys);
        }
    }

    /// Prints one alert block (dry run): the block, then a blank line.
    pub fn print_dry_run(&self, block: &str) {
        if let Some(out) = &self.dry_run_out
            && let Ok(mut out) = out.lock()
        {
            let _ = writeln!(out, "{}\n", block.trim_end());
            let _ = out.flush();
        }
    }
}

/// The fetcher's options from the config: address guard, body cap, timeout, User-Agent.
pub fn fetch_options(config: &Config) -> FetchOptions {
    let mut o = FetchOptions {
        allow_private: config.allow_private,
        max_body: config.max_body_bytes,
        timeout: config.fetch_timeout,
        ..FetchOptions::default()
    };
    if let Some(ua) = &config.user_agent {
        o.user_agent = ua.clone();
    }
    o
}

/// The detector with the config's threshold and extra cue files; an error names a cue file that
/// cannot be read or loaded.
pub fn build_detector(config: &Config) -> anyhow::Result<Detector> {
    let mut extra = Vec::new();
    for path in &config.cue_files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read cue file {}", path.display()))?;
        extra.push(CueSource {
            name: path.display().to_string(),
            text,
        });
    }
    Ok(Detector::new(&DetectOptions {
        threshold: config.threshold,
        extra_cues: extra,
    })?)
}

/// Builds the shared state. `dry_run_out` set means no Telegram: alerts are printed.
/// Events go nowhere until the caller sets [`Shared::events`].
pub fn shared(
    config: Config,
    store: Store,
    outbox_tx: Option<mpsc::UnboundedSender<Vec<OutboxKey>>>,
    dry_run_out: Option<Box<dyn Write + Send>>,
) -> anyhow::Result<Shared> {
    let fetcher = Fetcher::new(fetch_options(&config)).context("cannot build the HTTP client")?;
    let detector = Arc::new(build_detector(&config)?);
    let pace = Pace::new(Limits::for_delivery(
        config.rate_scale,
        config.paid_broadcast,
    ));
    Ok(Shared {
        config,
        store,
        fetcher,
        detector,
        counters: Arc::new(Counters::default()),
        pace,
        events: Events::none(),
        outbox_tx,
        dry_run_out: dry_run_out.map(Mutex::new),
    })
}

/// A fresh random token (the webhook's secret, WebSub callback ids and secrets): 40
/// characters of `A-Z a-z 0-9 _ -` from the operating system's
/// random source (240 bits).
pub fn random_token() -> Result<String, getrandom::Error> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let mut bytes = [0u8; 40];
    getrandom::getrandom(&mut bytes)?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 63)]))
        .collect())
}
