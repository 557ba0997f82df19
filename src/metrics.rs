//! Counters the program keeps about itself: polls, fetch errors, appeals, deliveries,
//! WebSub subscriptions and pushes.
//!
//! Built on `prometheus-client`: each `Counters` owns its own `Registry` (no global
//! recorder), so several bots in one process keep separate figures. Counters are cheap to
//! bump from any task; the HTTP endpoint sets the scrape-time gauges and encodes the
//! registry in the OpenMetrics text format. No IO here.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicI64;

/// The content type of [`Counters::render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Prefix of every exported name.
const PREFIX: &str = "solibot";

/// Fetch error kinds exported at 0 from the start (`FetchError::kind`, `PollError::kind`
/// and a poll that panicked), so rates and alerts on them work before the first error.
/// Any other kind appears when first counted.
pub const FETCH_ERROR_KINDS: &[&str] = &[
    "bad_url",
    "blocked",
    "status",
    "too_large",
    "timeout",
    "redirects",
    "network",
    "io",
    "setup",
    "not_a_feed",
    "store",
    "internal",
];

/// Send failure reasons exported at 0 from the start (the delivery worker's).
pub const FAILURE_REASONS: &[&str] = &[
    "blocked",
    "kicked",
    "deactivated",
    "chat_not_found",
    "not_member",
    "no_rights",
    "topic_not_found",
    "forbidden",
    "refused",
    "transient",
];

/// WebSub subscription states (`store::WebSubState::name`), each exported at 0 from the
/// start as `solibot_websub_subscriptions{state}`.
pub const WEBSUB_STATES: [&str; 4] = ["requested", "active", "denied", "leaving"];

/// A hub's verification of intent for no subscription of ours (answered 404).
pub const WEBSUB_REFUSED: &str = "refused";
/// Outcomes of a hub's verification of intent: the mode taken (`subscribe`,
/// `unsubscribe`, `denied`), or refused.
pub const WEBSUB_VERIFICATIONS: &[&str] = &["subscribe", "unsubscribe", "denied", WEBSUB_REFUSED];

/// Signed content kept and taken.
pub const WEBSUB_PUSH_ACCEPTED: &str = "accepted";
/// Content without a matching `X-Hub-Signature`, dropped.
pub const WEBSUB_BAD_SIGNATURE: &str = "bad_signature";
/// Outcomes of content a hub pushed.
pub const WEBSUB_PUSHES: &[&str] = &[WEBSUB_PUSH_ACCEPTED, WEBSUB_BAD_SIGNATURE];

/// Label set of a family with one label, such as `kind="timeout"`.
type OneLabel = [(&'static str, &'static str); 1];

/// A counter family with one label, plus the values seen so far (the family itself cannot
/// be listed, and `Counters::fetch_errors` / `Counters::failures` need to).
#[derive(Debug)]
struct Labelled {
    label: &'static str,
    family: Family<OneLabel, Counter>,
    seen: Mutex<BTreeMap<&'static str, Counter>>,
}

impl Labelled {
    fn new(label: &'static str, known: &[&'static str]) -> Self {
        let family: Family<OneLabel, Counter> = Family::default();
        let seen = known
            .iter()
            .map(|&v| (v, family.get_or_create_owned(&[(label, v)])))
            .collect();
        Labelled {
            label,
            family,
            seen: Mutex::new(seen),
        }
    }

    fn inc(&self, value: &'static str) {
        if let Ok(mut m) = self.seen.lock() {
            m.entry(value)
                .or_insert_with(|| self.family.get_or_create_owned(&[(self.label, value)]))
                .inc();
        }
    }

    fn snapshot(&self) -> BTreeMap<&'static str, u64> {
        self.seen
            .lock()
            .map(|m| {
                m.iter()
                    .map(|(k, c)| (*k, c.get()))
                    .filter(|(_, n)| *n > 0)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Gauges read from the store at scrape time.
#[derive(Debug, Default, Clone, Copy)]
pub struct StoreSizes {
    pub feeds: u64,
    pub subscribers: u64,
    pub outbox_depth: u64,
    /// WebSub subscriptions in each of [`WEBSUB_STATES`].
    pub websub: [u64; WEBSUB_STATES.len()],
}

/// Gauges set just before each scrape.
#[derive(Debug, Default)]
struct ScrapeGauges {
    feeds: Gauge,
    subscribers: Gauge,
    outbox_depth: Gauge,
    last_poll_age: Gauge,
    websub: Family<OneLabel, Gauge>,
}

#[derive(Debug)]
pub struct Counters {
    pub polls: Counter,
    pub polls_not_modified: Counter,
    pub entries_seen: Counter,
    pub appeals_detected: Counter,
    pub cross_posts_merged: Counter,
    pub queued: Counter,
    pub sent: Counter,
    pub retried: Counter,
    pub render_bugs: Counter,
    pub digests: Counter,
    /// WebSub subscription requests sent for a subscription the hub had verified.
    pub websub_renewals: Counter,
    /// Unix time of the last finished poll.
    pub last_poll_at: AtomicI64,
    /// Unix time the delivery loop last went round.
    pub delivery_alive_at: AtomicI64,
    /// Unix time the polling loop last went round.
    pub polling_alive_at: AtomicI64,
    fetch_errors: Labelled,
    failed: Labelled,
    websub_verifications: Labelled,
    websub_pushes: Labelled,
    gauges: ScrapeGauges,
    registry: Registry,
}

impl Default for Counters {
    fn default() -> Self {
        let mut c = Counters {
            polls: Counter::default(),
            polls_not_modified: Counter::default(),
            entries_seen: Counter::default(),
            appeals_detected: Counter::default(),
            cross_posts_merged: Counter::default(),
            queued: Counter::default(),
            sent: Counter::default(),
            retried: Counter::default(),
            render_bugs: Counter::default(),
            digests: Counter::default(),
            websub_renewals: Counter::default(),
            last_poll_at: AtomicI64::new(0),
            delivery_alive_at: AtomicI64::new(0),
            polling_alive_at: AtomicI64::new(0),
            fetch_errors: Labelled::new("kind", FETCH_ERROR_KINDS),
            failed: Labelled::new("reason", FAILURE_REASONS),
            websub_verifications: Labelled::new("outcome", WEBSUB_VERIFICATIONS),
            websub_pushes: Labelled::new("outcome", WEBSUB_PUSHES),
            gauges: ScrapeGauges::default(),
            registry: Registry::with_prefix(PREFIX),
        };
        c.register();
        c
    }
}

impl Counters {
    /// Registers every metric (shared handles: the registry reads the live values). The
    /// registry appends the final `.` to each help text and `_total` to each counter's
    /// sample.
    fn register(&mut self) {
        let r = &mut self.registry;
        let g = &self.gauges;
        r.register("feeds", "Feeds watched", g.feeds.clone());
        r.register("subscribers", "Subscribed chats", g.subscribers.clone());
        r.register("polls", "Feed polls", self.polls.clone());
        r.register(
            "polls_not_modified",
            "Polls answered 304",
            self.polls_not_modified.clone(),
        );
        r.register(
            "fetch_errors",
            "Failed polls by kind",
            self.fetch_errors.family.clone(),
        );
        r.register(
            "entries_seen",
            "New entries seen",
            self.entries_seen.clone(),
        );
        r.register(
            "appeals_detected",
            "New entries detected as appeals",
            self.appeals_detected.clone(),
        );
        r.register(
            "cross_posts_merged",
            "Cross-posted entries merged into an earlier alert",
            self.cross_posts_merged.clone(),
        );
        r.register(
            "deliveries_queued",
            "Messages queued in the outbox",
            self.queued.clone(),
        );
        r.register("messages_sent", "Alerts delivered", self.sent.clone());
        r.register("messages_retried", "Sends retried", self.retried.clone());
        r.register(
            "messages_failed",
            "Failed sends by reason",
            self.failed.family.clone(),
        );
        r.register(
            "render_bugs",
            "Messages Telegram refused as HTML",
            self.render_bugs.clone(),
        );
        r.register(
            "digests",
            "Messages bundling several alerts",
            self.digests.clone(),
        );
        r.register(
            "outbox_depth",
            "Messages waiting in the outbox",
            g.outbox_depth.clone(),
        );
        r.register_with_unit(
            "last_poll_age",
            "Seconds since the last poll finished (-1: none yet)",
            Unit::Seconds,
            g.last_poll_age.clone(),
        );
        for state in WEBSUB_STATES {
            g.websub.get_or_create(&[("state", state)]).set(0);
        }
        r.register(
            "websub_subscriptions",
            "WebSub subscriptions by state",
            g.websub.clone(),
        );
        r.register(
            "websub_verifications",
            "WebSub verifications of intent answered, by outcome",
            self.websub_verifications.family.clone(),
        );
        r.register(
            "websub_pushes",
            "WebSub content received, by outcome",
            self.websub_pushes.family.clone(),
        );
        r.register(
            "websub_renewals",
            "WebSub subscriptions renewed",
            self.websub_renewals.clone(),
        );
    }

    pub fn inc(c: &Counter, by: u64) {
        c.inc_by(by);
    }

    pub fn get(c: &Counter) -> u64 {
        c.get()
    }

    pub fn fetch_error(&self, kind: &'static str) {
        self.fetch_errors.inc(kind);
    }

    pub fn failed(&self, reason: &'static str) {
        self.failed.inc(reason);
    }

    /// A verification of intent answered: one of [`WEBSUB_VERIFICATIONS`].
    pub fn websub_verification(&self, outcome: &'static str) {
        self.websub_verifications.inc(outcome);
    }

    /// Content a hub pushed: one of [`WEBSUB_PUSHES`].
    pub fn websub_push(&self, outcome: &'static str) {
        self.websub_pushes.inc(outcome);
    }

    pub fn fetch_errors(&self) -> BTreeMap<&'static str, u64> {
        self.fetch_errors.snapshot()
    }

    pub fn failures(&self) -> BTreeMap<&'static str, u64> {
        self.failed.snapshot()
    }

    /// Sets the scrape-time gauges from `sizes` and `now` (Unix time), then encodes every
    /// metric in the OpenMetrics text format (served as [`CONTENT_TYPE`]).
    pub fn render(&self, sizes: StoreSizes, now: i64) -> String {
        let g = &self.gauges;
        g.feeds.set(gauge_value(sizes.feeds));
        g.subscribers.set(gauge_value(sizes.subscribers));
        g.outbox_depth.set(gauge_value(sizes.outbox_depth));
        for (state, n) in WEBSUB_STATES.iter().zip(sizes.websub) {
            g.websub
                .get_or_create(&[("state", *state)])
                .set(gauge_value(n));
        }
        let last = self.last_poll_at.load(std::sync::atomic::Ordering::Relaxed);
        g.last_poll_age
            .set(if last == 0 { -1 } else { (now - last).max(0) });
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

fn gauge_value(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}
