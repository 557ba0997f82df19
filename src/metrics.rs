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

/// The type of a metric family, as its `# TYPE` line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// Only goes up; its samples are named `…_total`.
    Counter,
    /// Set to a value at each scrape.
    Gauge,
}

/// One exported family: the one place its name, help, type and label are written. The
/// registry, `/metrics`' tests and the documentation check all read them from here.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    /// The name after the `solibot_` prefix, without its unit or `_total`.
    pub name: &'static str,
    /// The HELP text (the registry adds the final period).
    pub help: &'static str,
    /// Counter or gauge.
    pub kind: MetricKind,
    /// The one label of a labelled family (`kind`, `reason`).
    pub label: Option<&'static str>,
    /// Measured in seconds: the exported name ends in `_seconds`.
    pub seconds: bool,
}

impl Metric {
    const fn new(name: &'static str, help: &'static str, kind: MetricKind) -> Metric {
        Metric {
            name,
            help,
            kind,
            label: None,
            seconds: false,
        }
    }

    /// The family's exported name (`solibot_last_poll_age_seconds`).
    pub fn family(&self) -> String {
        let unit = if self.seconds { "_seconds" } else { "" };
        format!("{PREFIX}_{}{unit}", self.name)
    }

    /// The name of its samples: a counter's end in `_total`.
    pub fn sample(&self) -> String {
        match self.kind {
            MetricKind::Counter => format!("{}_total", self.family()),
            MetricKind::Gauge => self.family(),
        }
    }

    /// Its type as the `# TYPE` line writes it.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
        }
    }
}

use MetricKind::{Counter as C, Gauge as G};

/// `solibot_feeds`.
pub const FEEDS: Metric = Metric::new("feeds", "Feeds watched", G);
/// `solibot_subscribers`.
pub const SUBSCRIBERS: Metric = Metric::new("subscribers", "Subscribed chats", G);
/// `solibot_polls_total`.
pub const POLLS: Metric = Metric::new("polls", "Feed polls", C);
/// `solibot_polls_not_modified_total`.
pub const POLLS_NOT_MODIFIED: Metric = Metric::new("polls_not_modified", "Polls answered 304", C);
/// `solibot_fetch_errors_total{kind}`.
pub const FETCH_ERRORS: Metric = Metric {
    label: Some("kind"),
    ..Metric::new("fetch_errors", "Failed polls by kind", C)
};
/// `solibot_entries_seen_total`.
pub const ENTRIES_SEEN: Metric = Metric::new("entries_seen", "New entries seen", C);
/// `solibot_appeals_detected_total`.
pub const APPEALS_DETECTED: Metric =
    Metric::new("appeals_detected", "New entries detected as appeals", C);
/// `solibot_cross_posts_merged_total`.
pub const CROSS_POSTS_MERGED: Metric = Metric::new(
    "cross_posts_merged",
    "Cross-posted entries merged into an earlier alert",
    C,
);
/// `solibot_deliveries_queued_total`.
pub const DELIVERIES_QUEUED: Metric =
    Metric::new("deliveries_queued", "Messages queued in the outbox", C);
/// `solibot_messages_sent_total`.
pub const MESSAGES_SENT: Metric = Metric::new("messages_sent", "Alerts delivered", C);
/// `solibot_messages_retried_total`.
pub const MESSAGES_RETRIED: Metric = Metric::new("messages_retried", "Sends retried", C);
/// `solibot_messages_failed_total{reason}`.
pub const MESSAGES_FAILED: Metric = Metric {
    label: Some("reason"),
    ..Metric::new("messages_failed", "Failed sends by reason", C)
};
/// `solibot_render_bugs_total`.
pub const RENDER_BUGS: Metric = Metric::new("render_bugs", "Messages Telegram refused as HTML", C);
/// `solibot_digests_total`.
pub const DIGESTS: Metric = Metric::new("digests", "Messages bundling several alerts", C);
/// `solibot_outbox_depth`.
pub const OUTBOX_DEPTH: Metric = Metric::new("outbox_depth", "Messages waiting in the outbox", G);
/// `solibot_last_poll_age_seconds`.
pub const LAST_POLL_AGE: Metric = Metric {
    seconds: true,
    ..Metric::new(
        "last_poll_age",
        "Seconds since the last poll finished (-1: none yet)",
        G,
    )
};

/// `solibot_websub_subscriptions{state}`.
pub const WEBSUB_SUBSCRIPTIONS: Metric = Metric {
    label: Some("state"),
    ..Metric::new("websub_subscriptions", "WebSub subscriptions by state", G)
};
/// `solibot_websub_verifications_total{outcome}`.
pub const WEBSUB_VERIFICATIONS_ANSWERED: Metric = Metric {
    label: Some("outcome"),
    ..Metric::new(
        "websub_verifications",
        "WebSub verifications of intent answered, by outcome",
        C,
    )
};
/// `solibot_websub_pushes_total{outcome}`.
pub const WEBSUB_PUSHES_RECEIVED: Metric = Metric {
    label: Some("outcome"),
    ..Metric::new("websub_pushes", "WebSub content received, by outcome", C)
};
/// `solibot_websub_renewals_total`.
pub const WEBSUB_RENEWALS: Metric =
    Metric::new("websub_renewals", "WebSub subscriptions renewed", C);

/// Every family `/metrics` exports, in its order.
pub const ALL: [Metric; 20] = [
    FEEDS,
    SUBSCRIBERS,
    POLLS,
    POLLS_NOT_MODIFIED,
    FETCH_ERRORS,
    ENTRIES_SEEN,
    APPEALS_DETECTED,
    CROSS_POSTS_MERGED,
    DELIVERIES_QUEUED,
    MESSAGES_SENT,
    MESSAGES_RETRIED,
    MESSAGES_FAILED,
    RENDER_BUGS,
    DIGESTS,
    OUTBOX_DEPTH,
    LAST_POLL_AGE,
    WEBSUB_SUBSCRIPTIONS,
    WEBSUB_VERIFICATIONS_ANSWERED,
    WEBSUB_PUSHES_RECEIVED,
    WEBSUB_RENEWALS,
];

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
    fn new(metric: Metric, known: &[&'static str]) -> Self {
        let label = metric.label.unwrap_or("label");
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
    /// Feeds stored.
    pub feeds: u64,
    /// Chats subscribed.
    pub subscribers: u64,
    /// Outbox records waiting.
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

/// The running bot's metrics: live handles its tasks bump, and the registry `/metrics` encodes.
#[derive(Debug)]
pub struct Counters {
    /// [`POLLS`].
    pub polls: Counter,
    /// [`POLLS_NOT_MODIFIED`].
    pub polls_not_modified: Counter,
    /// [`ENTRIES_SEEN`].
    pub entries_seen: Counter,
    /// [`APPEALS_DETECTED`].
    pub appeals_detected: Counter,
    /// [`CROSS_POSTS_MERGED`].
    pub cross_posts_merged: Counter,
    /// [`DELIVERIES_QUEUED`].
    pub queued: Counter,
    /// [`MESSAGES_SENT`].
    pub sent: Counter,
    /// [`MESSAGES_RETRIED`].
    pub retried: Counter,
    /// [`RENDER_BUGS`].
    pub render_bugs: Counter,
    /// [`DIGESTS`].
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
            fetch_errors: Labelled::new(FETCH_ERRORS, FETCH_ERROR_KINDS),
            failed: Labelled::new(MESSAGES_FAILED, FAILURE_REASONS),
            websub_verifications: Labelled::new(
                WEBSUB_VERIFICATIONS_ANSWERED,
                WEBSUB_VERIFICATIONS,
            ),
            websub_pushes: Labelled::new(WEBSUB_PUSHES_RECEIVED, WEBSUB_PUSHES),
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
        add(r, FEEDS, g.feeds.clone());
        add(r, SUBSCRIBERS, g.subscribers.clone());
        add(r, POLLS, self.polls.clone());
        add(r, POLLS_NOT_MODIFIED, self.polls_not_modified.clone());
        add(r, FETCH_ERRORS, self.fetch_errors.family.clone());
        add(r, ENTRIES_SEEN, self.entries_seen.clone());
        add(r, APPEALS_DETECTED, self.appeals_detected.clone());
        add(r, CROSS_POSTS_MERGED, self.cross_posts_merged.clone());
        add(r, DELIVERIES_QUEUED, self.queued.clone());
        add(r, MESSAGES_SENT, self.sent.clone());
        add(r, MESSAGES_RETRIED, self.retried.clone());
        add(r, MESSAGES_FAILED, self.failed.family.clone());
        add(r, RENDER_BUGS, self.render_bugs.clone());
        add(r, DIGESTS, self.digests.clone());
        add(r, OUTBOX_DEPTH, g.outbox_depth.clone());
        add(r, LAST_POLL_AGE, g.last_poll_age.clone());
        for state in WEBSUB_STATES {
            g.websub.get_or_create(&[("state", state)]).set(0);
        }
        add(r, WEBSUB_SUBSCRIPTIONS, g.websub.clone());
        add(
            r,
            WEBSUB_VERIFICATIONS_ANSWERED,
            self.websub_verifications.family.clone(),
        );
        add(r, WEBSUB_PUSHES_RECEIVED, self.websub_pushes.family.clone());
        add(r, WEBSUB_RENEWALS, self.websub_renewals.clone());
    }

    /// Adds `by` to a counter.
    pub fn inc(c: &Counter, by: u64) {
        c.inc_by(by);
    }

    /// A counter's value.
    pub fn get(c: &Counter) -> u64 {
        c.get()
    }

    /// A fetch failed: one of [`FETCH_ERROR_KINDS`] ([`FETCH_ERRORS`]).
    pub fn fetch_error(&self, kind: &'static str) {
        self.fetch_errors.inc(kind);
    }

    /// A send failed: one of [`FAILURE_REASONS`] ([`MESSAGES_FAILED`]).
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

    /// Fetch errors so far by kind (kinds never seen left out).
    pub fn fetch_errors(&self) -> BTreeMap<&'static str, u64> {
        self.fetch_errors.snapshot()
    }

    /// Failed messages so far by reason (reasons never seen left out).
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

/// Registers `metric` under `m`'s name, help and unit.
fn add(r: &mut Registry, m: Metric, metric: impl prometheus_client::registry::Metric) {
    if m.seconds {
        r.register_with_unit(m.name, m.help, Unit::Seconds, metric);
    } else {
        r.register(m.name, m.help, metric);
    }
}

fn gauge_value(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::ALL;

    #[test]
    fn benchmarks_md_names_every_family() {
        let doc = include_str!("../BENCHMARKS.md");
        for m in ALL {
            let name = format!("`{}", m.sample());
            assert!(doc.contains(&name), "BENCHMARKS.md does not name {name}`");
        }
    }
}
