//! Polling: when each feed is due, fetch it, find the new entries, detect appeals, and
//! commit "seen" and the outbox in one step.
//!
//! Owns the feed's health and validators. Does not send anything: the delivery worker
//! drains the outbox; in `--dry-run` alerts are printed instead of queued.

use crate::config::FeedMode;
use crate::context::Shared;
use crate::deliver::render;
use crate::detect::Verdict;
use crate::entry::Entry;
use crate::events::Event;
use crate::feeds::fetch::{FetchError, Fetched, Validators};
use crate::feeds::parse::{self, ParseError};
use crate::metrics::Counters;
use crate::store::{
    ActionRecord, AlertRecord, DateRecord, FeedRecord, NewEntry, StoreError, now_unix,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

mod backlog;

/// The longest a feed waits between polls, whatever its hints or failures say.
pub const MAX_INTERVAL: Duration = Duration::from_secs(24 * 3600);
/// How many recent alerts a new appeal is compared with for cross-posts.
const CROSS_POST_WINDOW: usize = 200;
/// How often the poller expires held appeals nobody decided on and prunes old alerts.
const REVIEW_SWEEP_SECS: i64 = 600;
/// Cross-posts are looked for among alerts of the last week.
const CROSS_POST_MAX_AGE: i64 = 7 * 24 * 3600;

/// Why a poll failed (recorded in the feed's health; the poller goes on with the others).
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// The fetch failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The body is not a feed.
    #[error("feed {url}: {error}")]
    Parse {
        /// The feed's URL.
        url: String,
        /// The parser's error.
        error: ParseError,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PollError {
    /// A short label for logs and metrics (`not_a_feed`, `store`, or the fetch error's).
    pub fn kind(&self) -> &'static str {
        match self {
            PollError::Fetch(e) => e.kind(),
            PollError::Parse { .. } => "not_a_feed",
            PollError::Store(_) => "store",
        }
    }
}

/// What one poll did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PollReport {
    /// The server answered 304 Not Modified.
    pub not_modified: bool,
    /// Entries in the feed.
    pub entries: usize,
    /// Entries not seen before.
    pub new_entries: usize,
    /// New entries that made an alert (appeals, or all in mode `all`).
    pub alerts: usize,
    /// The feed's first poll: its backlog was marked seen, nothing queued.
    pub baseline: bool,
    /// Outbox records written.
    pub queued: usize,
}

/// A feed fetched and parsed, with the verdicts of every entry (for `/addfeed`,
/// `/preview` and polling alike).
pub struct Snapshot {
    /// The feed's title (empty when it has none).
    pub title: String,
    /// Its entries, with stable ids.
    pub entries: Vec<Entry>,
    /// One verdict per entry, in the same order.
    pub verdicts: Vec<Verdict>,
    /// The URL after redirects.
    pub final_url: String,
    /// Where a permanent redirect (301, 308) led, if one did.
    pub moved_permanently: Option<String>,
    /// `ETag` and `Last-Modified` for the next conditional GET.
    pub validators: Validators,
    /// The server's `Cache-Control: max-age`.
    pub max_age: Option<Duration>,
    /// The feed's `<ttl>`.
    pub ttl: Option<Duration>,
    /// The WebSub hub the feed names, if any.
    pub hub: Option<parse::HubLink>,
}

/// What a fetch found: a feed to read, or 304 with the server's freshness hint (a
/// Cache-Control max-age sent with a 304 counts like one sent with a 200).
pub enum Polled {
    /// The feed changed (a 200).
    Changed(Snapshot),
    /// 304 Not Modified.
    NotModified {
        /// The validators to send next time.
        validators: Validators,
        /// The server's `Cache-Control: max-age`, if sent.
        max_age: Option<Duration>,
    },
}

impl Polled {
    /// The snapshot, `None` for a 304.
    pub fn changed(self) -> Option<Snapshot> {
        match self {
            Polled::Changed(s) => Some(s),
            Polled::NotModified { .. } => None,
        }
    }
}

/// Fetches and parses a feed and runs detection on every entry, with the feed's title and
/// the configured `partner` name as the publisher's names.
pub async fn snapshot(
    shared: &Shared,
    url: &str,
    validators: &Validators,
    allow_files: bool,
    hashtags: &[String],
    partner: &str,
) -> Result<Polled, PollError> {
    let (feed, mut snap) = match fetch_parsed(shared, url, validators, allow_files).await? {
        Parsed::Feed(feed, snap) => (feed, snap),
        Parsed::NotModified(polled) => return Ok(polled),
    };
    (snap.entries, snap.verdicts) = detect_all(shared, feed, hashtags, partner).await?;
    Ok(Polled::Changed(snap))
}

/// A feed fetched: parsed (its snapshot without entries yet), or not modified.
enum Parsed {
    Feed(parse::Feed, Snapshot),
    NotModified(Polled),
}

/// Fetches and parses a feed; the snapshot's entries are left to the caller.
async fn fetch_parsed(
    shared: &Shared,
    url: &str,
    validators: &Validators,
    allow_files: bool,
) -> Result<Parsed, PollError> {
    let fetched = shared.fetcher.fetch(url, validators, allow_files).await?;
    let (bytes, final_url, moved_permanently, validators, max_age, link_header) = match fetched {
        Fetched::Body {
            bytes,
            final_url,
            moved_permanently,
            validators,
            max_age,
            link_header,
            ..
        } => (
            bytes,
            final_url,
            moved_permanently,
            validators,
            max_age,
            link_header,
        ),
        Fetched::NotModified {
            validators,
            max_age,
        } => {
            return Ok(Parsed::NotModified(Polled::NotModified {
                validators,
                max_age,
            }));
        }
    };
    let base = final_url.starts_with("http").then_some(final_url.as_str());
    let feed = parse_feed(url, &bytes, base)?;
    let hub = base.and_then(|b| parse::hub_link(&feed, link_header.as_deref(), b));
    let ttl = feed
        .ttl_minutes
        .map(|m| Duration::from_secs(u64::from(m) * 60));
    let snap = Snapshot {
        title: feed.title.clone(),
        entries: Vec::new(),
        verdicts: Vec::new(),
        final_url,
        moved_permanently,
        validators,
        max_age,
        ttl,
        hub,
    };
    Ok(Parsed::Feed(feed, snap))
}

/// A poll's snapshot: every entry detected, or for the feed's backlog, read without
/// detection (the verdicts only stand in) with the sites its entries link to
/// ([`backlog`]).
async fn poll_snapshot(
    shared: &Shared,
    feed: &FeedRecord,
    validators: &Validators,
) -> Result<(Polled, Option<Vec<String>>), PollError> {
    let fetched = fetch_parsed(shared, &feed.url, validators, feed.from_config).await?;
    let (parsed, mut snap) = match fetched {
        Parsed::Feed(parsed, snap) => (parsed, snap),
        Parsed::NotModified(polled) => return Ok((polled, None)),
    };
    let mut sites = None;
    if backlog::is_backlog(shared, feed.id)? {
        let (entries, verdicts, read) = backlog::read(shared, parsed.entries).await?;
        (snap.entries, snap.verdicts, sites) = (entries, verdicts, Some(read));
    } else {
        let (hashtags, partner) = (&feed.hashtags, &feed.name);
        (snap.entries, snap.verdicts) = detect_all(shared, parsed, hashtags, partner).await?;
    }
    Ok((Polled::Changed(snap), sites))
}

fn parse_feed(url: &str, bytes: &[u8], base: Option<&str>) -> Result<parse::Feed, PollError> {
    parse::parse(bytes, base).map_err(|error| PollError::Parse {
        url: url.to_string(),
        error,
    })
}

/// Runs detection on every entry of a parsed feed, off the async workers.
async fn detect_all(
    shared: &Shared,
    feed: parse::Feed,
    hashtags: &[String],
    partner: &str,
) -> Result<(Vec<Entry>, Vec<Verdict>), PollError> {
    let detector = shared.detector.clone();
    let tags = hashtags.to_vec();
    let names = [feed.title.clone(), partner.to_string()];
    let entries = feed.entries;
    // Detection is CPU work: keep it off the async workers.
    let detected = tokio::task::spawn_blocking(move || {
        let ctx = detector
            .feed_context(&entries)
            .with_publisher(names.iter().map(String::as_str));
        let verdicts: Vec<Verdict> = entries
            .iter()
            .map(|e| detector.detect(e, &ctx, &tags))
            .collect();
        (entries, verdicts)
    })
    .await
    .map_err(|e| StoreError::Db(format!("detection task failed: {e}")))?;
    Ok(detected)
}

/// The keys that mark an entry seen: its id, then its republish key.
pub fn entry_keys(entry: &Entry) -> Vec<String> {
    let mut keys = vec![entry.id.clone()];
    if let Some(r) = parse::republish_key(entry) {
        keys.push(format!("r:{r}"));
    }
    keys
}

/// The alert an entry makes: its content, the verdict's actions, hashtags, summary and fingerprint
/// (id 0 until stored).
pub fn alert_record(feed: &FeedRecord, entry: &Entry, v: &Verdict) -> AlertRecord {
    AlertRecord {
        v: 1,
        id: 0,
        feed_id: feed.id,
        feed_name: feed.name.clone(),
        entry_id: entry.id.clone(),
        title: entry.title.clone(),
        link: entry.link.clone(),
        summary: v.summary.clone(),
        actions: v
            .actions
            .iter()
            .map(|a| ActionRecord {
                kind: a.kind.as_str().to_string(),
                label: a.label.clone(),
                url: a.url.clone(),
            })
            .collect(),
        hashtags: v.hashtags.clone(),
        lang: v.lang.clone(),
        also_published_by: Vec::new(),
        fingerprint_urls: v.fingerprint.action_urls.clone(),
        fingerprint_simhash: v.fingerprint.simhash,
        created_at: now_unix(),
        verdict: Some(crate::feedback::alert_verdict(entry, v)),
        when: None,
        deadline: None,
    }
}

/// The alert with its `when` and `deadline`, read in the feed's time zone (issue 14).
pub fn dated_alert_record(
    config: &crate::config::Config,
    feed: &FeedRecord,
    entry: &Entry,
    v: &Verdict,
) -> AlertRecord {
    let mut rec = alert_record(feed, entry, v);
    let tz = config.timezone_for(&feed.url);
    let dates = crate::dates::for_entry(entry, &v.lang, chrono::Utc::now(), tz);
    rec.when = dates.when.map(date_record);
    rec.deadline = dates.deadline.map(date_record);
    rec
}

fn date_record(f: crate::dates::Found) -> DateRecord {
    DateRecord {
        at: f.at.to_rfc3339(),
        day_only: f.day_only,
    }
}

/// Polls one feed now: fetch, detect, commit, hand the new deliveries to the worker.
pub async fn poll_feed(shared: &Shared, feed_id: u64) -> Result<PollReport, PollError> {
    let Some(mut feed) = shared.store.feed(feed_id)? else {
        return Ok(PollReport::default());
    };
    Counters::inc(&shared.counters.polls, 1);
    let validators = Validators {
        etag: feed.etag.clone(),
        last_modified: feed.last_modified.clone(),
    };
    let result = poll_snapshot(shared, &feed, &validators).await;
    let now = now_unix();
    shared
        .counters
        .last_poll_at
        .store(now, std::sync::atomic::Ordering::Relaxed);
    let (mut snap, backlog) = match result {
        Ok((Polled::Changed(s), backlog)) => (s, backlog),
        Ok((
            Polled::NotModified {
                validators,
                max_age,
            },
            _,
        )) => {
            Counters::inc(&shared.counters.polls_not_modified, 1);
            feed.etag = validators.etag;
            feed.last_modified = validators.last_modified;
            record_success(shared, &mut feed, now, max_age);
            shared.store.modify_feed(feed.id, &poll_fields(&feed))?;
            return Ok(PollReport {
                not_modified: true,
                ..PollReport::default()
            });
        }
        Err(e) => {
            shared.counters.fetch_error(e.kind());
            let retry_after = match &e {
                PollError::Fetch(f) => f.retry_after(),
                _ => None,
            };
            record_failure(shared, &mut feed, &e.to_string(), retry_after, now);
            shared.store.modify_feed(feed.id, &poll_fields(&feed))?;
            return Err(e);
        }
    };

    if let Some(new_url) = &snap.moved_permanently {
        tracing::info!(feed = feed.id, from = %feed.url, to = %new_url, "feed moved permanently");
        feed.url = new_url.clone();
    }
    feed.etag = snap.validators.etag.clone();
    feed.last_modified = snap.validators.last_modified.clone();
    let hint = snap.ttl.max(snap.max_age);
    if feed.name.is_empty() && !snap.title.is_empty() {
        feed.name = snap.title.clone();
    }
    record_success(shared, &mut feed, now, hint);
    raise_threshold(shared, feed.id, &mut snap.verdicts);
    crate::hub::discovered(shared, feed.id, snap.hub.as_ref());
    let keep = (snap.entries.len() * 2).max(crate::store::SEEN_KEEP);
    let fields = poll_fields(&feed);
    let taken = Taken {
        entries: &snap.entries,
        verdicts: &snap.verdicts,
        keep,
        sent: false,
        backlog: backlog.as_deref(),
    };
    take_entries(shared, &feed, taken, &fields).await
}

/// Content a WebSub hub pushed for a feed (a feed document, full or only the new
/// entries): parsed, detected and committed exactly like a poll's, against the same seen
/// set, so a later poll of the same entries alerts nothing. `base` resolves relative
/// links (the topic).
pub async fn take_pushed(
    shared: &Shared,
    feed_id: u64,
    bytes: &[u8],
    base: &str,
) -> Result<PollReport, PollError> {
    let Some(feed) = shared.store.feed(feed_id)? else {
        return Ok(PollReport::default());
    };
    let parsed = parse_feed(&feed.url, bytes, Some(base))?;
    let (entries, mut verdicts) = detect_all(shared, parsed, &feed.hashtags, &feed.name).await?;
    raise_threshold(shared, feed.id, &mut verdicts);
    // A push may carry only the newest entries: keep every key seen so far, or a later
    // poll of the whole feed would take its older entries for new ones.
    let seen = shared.store.seen_count(feed.id)?;
    let keep = (seen + entries.len() * 2).max(crate::store::SEEN_KEEP);
    let taken = Taken {
        entries: &entries,
        verdicts: &verdicts,
        keep,
        sent: false,
        backlog: None,
    };
    take_entries(shared, &feed, taken, &|_| {}).await
}

/// An entry an organizer says is an appeal the detector missed (`/send`): taken like a
/// poll's new entry, as an appeal, through the same routing and commit. It is marked
/// seen under its own key (`sent:` and its id) besides its usual ones, so it goes out
/// once whether or not a poll had seen it, a later poll does not send it again, and a
/// second `/send` finds nothing new (`new_entries` is then 0).
pub async fn take_sent(
    shared: &Shared,
    feed: &FeedRecord,
    entry: &Entry,
    verdict: &Verdict,
) -> Result<PollReport, PollError> {
    let mut verdict = verdict.clone();
    verdict.is_appeal = true;
    let seen = shared.store.seen_count(feed.id)?;
    let taken = Taken {
        entries: std::slice::from_ref(entry),
        verdicts: std::slice::from_ref(&verdict),
        keep: (seen + 4).max(crate::store::SEEN_KEEP),
        sent: true,
        backlog: None,
    };
    take_entries(shared, feed, taken, &|_| {}).await
}

/// The keys that mark an entry sent by `/send` seen: its own `sent:` key first (the one
/// the commit checks), then its usual keys.
fn sent_keys(entry: &Entry) -> Vec<String> {
    let mut keys = vec![format!("sent:{}", entry.id)];
    keys.extend(entry_keys(entry));
    keys
}

/// The detection step's per-feed part: the feed's threshold, raised by its alerts marked
/// wrong ([`crate::feedback`]). A raise that cannot be read is left out (and logged):
/// the feed is polled with the detector's threshold.
fn raise_threshold(shared: &Shared, feed_id: u64, verdicts: &mut [Verdict]) {
    let raise = crate::feedback::feed_raise(&shared.store, feed_id).unwrap_or_else(|e| {
        tracing::warn!(feed = feed_id, error = %e, "cannot read the feed's threshold raise");
        crate::feedback::Raise::default()
    });
    crate::feedback::apply_raise(verdicts, shared.detector.threshold(), raise.by);
}

/// A feed's entries with their verdicts, and how many seen keys the feed keeps after.
struct Taken<'a> {
    entries: &'a [Entry],
    verdicts: &'a [Verdict],
    keep: usize,
    /// Entries an organizer sent (`/send`): new unless sent before ([`sent_keys`]).
    sent: bool,
    /// The feed's backlog, not detected: taken without alerting, these sites recorded.
    backlog: Option<&'a [String]>,
}

/// The entries not seen before: detected appeals become alerts (cross-posts merged into
/// the earlier alert), routed to the chats that want them, and committed with the seen
/// set and `change` to the feed record in one step; the worker is told.
async fn take_entries(
    shared: &Shared,
    feed: &FeedRecord,
    taken: Taken<'_>,
    change: &(dyn Fn(&mut FeedRecord) + Sync),
) -> Result<PollReport, PollError> {
    // A feed whose backlog was never taken records its entries without alerting (a
    // backlog the poll read without detecting, even if a push took entries meanwhile).
    let seen = shared.store.seen_set(feed.id)?;
    let baseline = taken.backlog.is_some() || (seen.is_none() && !shared.dry_run());
    let seen = seen.unwrap_or_default();
    let mut report = PollReport {
        entries: taken.entries.len(),
        baseline,
        ..PollReport::default()
    };
    let (new_entries, printed) = select_new(shared, feed, &taken, &seen, baseline)?;
    report.new_entries = new_entries.len();
    report.alerts = new_entries.iter().filter(|n| n.alert.is_some()).count();
    Counters::inc(&shared.counters.entries_seen, report.new_entries as u64);

    // Appeals held for review go to no subscriber now (their previews are in `review`).
    let crate::review::Assessed { pass, held, review } = match taken.backlog {
        Some(sites) => crate::review::assess_backlog(sites, new_entries),
        None => crate::review::assess(shared, feed, (taken.entries, taken.verdicts), new_entries)?,
    };
    // Recipients follow each chat's choices (feeds, hashtags, actions, languages, mute):
    // entries whose alerts go to the same chats are committed together, in feed order.
    let mut batches = if shared.dry_run() || pass.iter().all(|n| n.alert.is_none()) {
        vec![(pass, Vec::new())]
    } else {
        let subscribers = shared.store.recipients()?;
        crate::choices::route(&subscribers, &feed.hashtags, pass, now_unix())
    };
    batches.push((held, Vec::new()));
    // The feed's new state is written with its entries: a crash can never leave a feed
    // marked polled without its backlog marked seen.
    let keys = shared
        .store
        .commit_poll_reviewed(feed.id, change, &batches, taken.keep, &review)
        .await?;
    report.queued = keys.len();
    if !keys.is_empty() {
        Counters::inc(&shared.counters.queued, keys.len() as u64);
        shared.notify_outbox(keys);
    }
    for rec in &printed {
        shared.print_dry_run(&render::render_plain(&crate::deliver::alert_from_record(
            rec,
        )));
    }
    tracing::debug!(
        feed = feed.id,
        new = report.new_entries,
        alerts = report.alerts,
        "entries taken"
    );
    Ok(report)
}

/// The entries of `taken` not in `seen` (each once), with an alert for each wanted one;
/// cross-posts of another feed's recent alert are merged into it (written here) instead.
/// Also returns the alerts a dry run prints.
fn select_new(
    shared: &Shared,
    feed: &FeedRecord,
    taken: &Taken<'_>,
    seen: &crate::store::SeenSet,
    baseline: bool,
) -> Result<(Vec<NewEntry>, Vec<AlertRecord>), PollError> {
    let mode = FeedMode::parse(&feed.mode).unwrap_or_default();
    // Alerts of other feeds to compare with, read once and only if this poll has one.
    let mut recent: Option<Vec<AlertRecord>> = None;
    let mut new_entries = Vec::new();
    // Ids of this poll's new entries (a feed may list an entry twice).
    let mut this_poll = std::collections::HashSet::new();
    let mut merged: HashMap<u64, AlertRecord> = HashMap::new();
    let mut printed = Vec::new();
    for (entry, verdict) in taken.entries.iter().zip(taken.verdicts) {
        let keys = if taken.sent {
            sent_keys(entry)
        } else {
            entry_keys(entry)
        };
        let was_seen = match taken.sent {
            true => seen.contains(&keys[0]),
            false => keys.iter().any(|k| seen.contains(k)),
        };
        if was_seen || !this_poll.insert(keys[0].clone()) {
            continue;
        }
        let wanted = !baseline && (verdict.is_appeal || mode == FeedMode::All);
        let mut alert = None;
        if wanted {
            Counters::inc(
                &shared.counters.appeals_detected,
                u64::from(verdict.is_appeal),
            );
            let rec = dated_alert_record(&shared.config, feed, entry, verdict);
            let recent = match &mut recent {
                Some(r) => r,
                None => recent.insert(shared.store.recent_alerts(CROSS_POST_WINDOW)?),
            };
            if let Some(original) = find_cross_post(recent, &rec, feed.id) {
                let target = merged
                    .entry(original.id)
                    .or_insert_with(|| original.clone());
                if !target.also_published_by.contains(&feed.name) && target.feed_name != feed.name {
                    target.also_published_by.push(feed.name.clone());
                }
                Counters::inc(&shared.counters.cross_posts_merged, 1);
                tracing::info!(
                    feed = feed.id,
                    alert = original.id,
                    "cross-posted appeal merged"
                );
            } else {
                if shared.dry_run() {
                    printed.push(rec.clone());
                }
                alert = Some(rec);
            }
        }
        new_entries.push(NewEntry { keys, alert });
    }
    for rec in merged.values() {
        shared.store.update_alert(rec)?;
    }
    Ok((new_entries, printed))
}

/// The fields a poll owns, copied onto the stored record (an organizer may have changed
/// the name, hashtags or mode while the feed was being fetched; those stay).
fn poll_fields(polled: &FeedRecord) -> impl Fn(&mut FeedRecord) + Sync + use<> {
    let polled = polled.clone();
    move |rec: &mut FeedRecord| {
        rec.url.clone_from(&polled.url);
        rec.etag.clone_from(&polled.etag);
        rec.last_modified.clone_from(&polled.last_modified);
        if rec.name.is_empty() {
            rec.name.clone_from(&polled.name);
        }
        rec.next_poll_at = polled.next_poll_at;
        let h = &polled.health;
        rec.health.last_success = h.last_success;
        rec.health.last_error.clone_from(&h.last_error);
        rec.health.last_error_at = h.last_error_at;
        rec.health.consecutive_failures = h.consecutive_failures;
        rec.health.failing_since = h.failing_since;
        // `told_failing` is the notice task's: set with its notice, in one transaction.
    }
}

fn find_cross_post<'a>(
    recent: &'a [AlertRecord],
    rec: &AlertRecord,
    feed_id: u64,
) -> Option<&'a AlertRecord> {
    let cutoff = now_unix() - CROSS_POST_MAX_AGE;
    let mine = crate::detect::Fingerprint {
        action_urls: rec.fingerprint_urls.clone(),
        simhash: rec.fingerprint_simhash,
    };
    recent.iter().find(|r| {
        r.feed_id != feed_id
            && r.created_at >= cutoff
            && mine.matches(&crate::detect::Fingerprint {
                action_urls: r.fingerprint_urls.clone(),
                simhash: r.fingerprint_simhash,
            })
    })
}

/// How many times less often a feed is polled while a WebSub hub pushes it: polling
/// stays on as a safety net (a hub that stops pushing), at 6 × `polling.interval`.
pub const PUSHED_POLL_FACTOR: u32 = 6;

fn record_success(shared: &Shared, feed: &mut FeedRecord, now: i64, hint: Option<Duration>) {
    let mut interval = shared.config.poll_interval;
    if shared.store.websub_pushing(feed.id) {
        interval = interval
            .saturating_mul(PUSHED_POLL_FACTOR)
            .min(MAX_INTERVAL);
    }
    if feed.health.failing_since.is_some() {
        tracing::info!(feed = feed.id, "feed recovered");
    }
    if feed.health.told_failing {
        shared.events.emit(Event::FeedRecovered {
            feed: feed.clone(),
            failing_since: feed.health.failing_since,
        });
    }
    feed.health.last_success = Some(now);
    feed.health.consecutive_failures = 0;
    feed.health.failing_since = None;
    feed.next_poll_at = Some(now + next_delay(interval, 0, hint, None).as_secs() as i64);
}

/// A failed poll: the error on the feed's health, organizers told once it has failed for
/// `failure_notice_after`, the next poll backed off (and never before a Retry-After).
fn record_failure(
    shared: &Shared,
    feed: &mut FeedRecord,
    error: &str,
    retry_after: Option<Duration>,
    now: i64,
) {
    let message = crate::text::scrub(error, shared.config.token.as_deref());
    tracing::warn!(feed = feed.id, url = %feed.url, error = %message, "poll failed");
    feed.health.last_error = Some(message);
    feed.health.last_error_at = Some(now);
    feed.health.consecutive_failures = feed.health.consecutive_failures.saturating_add(1);
    let since = *feed.health.failing_since.get_or_insert(now);
    let notice_after = shared.config.failure_notice_after.as_secs() as i64;
    if !feed.health.told_failing && now - since >= notice_after {
        shared.events.emit(Event::FeedFailing(feed.clone()));
    }
    let delay = next_delay(
        shared.config.poll_interval,
        feed.health.consecutive_failures,
        None,
        retry_after,
    );
    feed.next_poll_at = Some(now + delay.as_secs() as i64);
}

/// When to poll again: the interval, lengthened by the feed's hints (`<ttl>`,
/// Cache-Control max-age) up to 24 h, doubled per consecutive failure up to a day, and
/// never sooner than a Retry-After (bounded to a day).
pub fn next_delay(
    interval: Duration,
    failures: u32,
    hint: Option<Duration>,
    retry_after: Option<Duration>,
) -> Duration {
    let mut d = interval.max(hint.unwrap_or_default().min(MAX_INTERVAL));
    if failures > 0 {
        let factor = 1u32.checked_shl(failures.min(16)).unwrap_or(u32::MAX);
        d = interval.saturating_mul(factor);
    }
    if let Some(r) = retry_after {
        d = d.max(r);
    }
    d.min(MAX_INTERVAL).max(interval.min(MAX_INTERVAL))
}

/// A feed as the polling loop schedules it.
struct Due {
    at: i64,
    host: String,
}

fn due_of(f: &FeedRecord) -> Due {
    Due {
        at: f.next_poll_at.unwrap_or(0),
        host: url::Url::parse(&f.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default(),
    }
}

/// The polling loop: polls the feeds that are due, at most `max_concurrent_polls` at
/// once and two per host, looking four times a second and whenever a poll ends.
///
/// The schedule lives in memory: it is read from the store at start and whenever a feed
/// is added or removed, and each poll reports when its feed is due again.
pub async fn run(shared: Arc<Shared>, cancel: CancellationToken) {
    // Spread the first polls over the interval (at most a minute), never all at once.
    if let Ok(feeds) = shared.store.feeds() {
        let n = feeds.len().max(1) as u64;
        // A dry run shows every feed at once; the real bot spreads its first polls.
        let spread = if shared.dry_run() {
            Duration::ZERO
        } else {
            shared.config.poll_interval.min(Duration::from_secs(60))
        };
        let now = now_unix();
        for (i, f) in feeds.into_iter().enumerate() {
            let offset = spread.as_secs() * i as u64 / n;
            let due = now + offset as i64;
            if f.next_poll_at.is_none_or(|t| t > due) || shared.dry_run() {
                let _ = shared
                    .store
                    .modify_feed(f.id, &|r| r.next_poll_at = Some(due));
            }
        }
    }
    let sem = Arc::new(tokio::sync::Semaphore::new(
        shared.config.max_concurrent_polls,
    ));
    let mut hosts: HashMap<String, usize> = HashMap::new();
    let mut schedule: HashMap<u64, Due> = HashMap::new();
    let mut version = None;
    let mut running: std::collections::HashSet<u64> = Default::default();
    let mut tasks: tokio::task::JoinSet<(u64, String)> = tokio::task::JoinSet::new();
    let mut next_sweep = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            Some(done) = tasks.join_next() => {
                // Tasks catch their own panics, so every join carries its feed.
                if let Ok((id, host)) = done {
                    running.remove(&id);
                    release_host(&mut hosts, &host);
                    match shared.store.feed(id) {
                        Ok(Some(f)) => { schedule.insert(id, due_of(&f)); }
                        Ok(None) => { schedule.remove(&id); }
                        Err(e) => {
                            tracing::warn!(feed = id, error = %e, "cannot read the feed back");
                            let at = now_unix() + shared.config.poll_interval.as_secs() as i64;
                            if let Some(d) = schedule.get_mut(&id) {
                                d.at = at;
                            }
                        }
                    }
                }
                // A free slot is filled at once, not at the next tick.
            }
            _ = tick.tick() => {}
        }
        shared
            .counters
            .polling_alive_at
            .store(now_unix(), std::sync::atomic::Ordering::Relaxed);
        let current = shared.store.feed_set_version();
        if version != Some(current) {
            match shared.store.feeds() {
                Ok(feeds) => {
                    schedule = feeds.iter().map(|f| (f.id, due_of(f))).collect();
                    version = Some(current);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the feeds");
                    continue;
                }
            }
        }
        let now = now_unix();
        if now >= next_sweep {
            crate::review::sweep(&shared);
            crate::retention::sweep(&shared.store, now);
            next_sweep = now + REVIEW_SWEEP_SECS;
        }
        let mut due: Vec<(i64, u64)> = schedule
            .iter()
            .filter(|(id, d)| d.at <= now && !running.contains(id))
            .map(|(id, d)| (d.at, *id))
            .collect();
        due.sort_unstable();
        for (_, id) in due {
            let host = schedule
                .get(&id)
                .map(|d| d.host.clone())
                .unwrap_or_default();
            if !take_host(&mut hosts, &host) {
                continue;
            }
            let Ok(permit) = sem.clone().try_acquire_owned() else {
                release_host(&mut hosts, &host);
                break;
            };
            running.insert(id);
            let shared = shared.clone();
            tasks.spawn(async move {
                let _permit = permit;
                let poll = std::panic::AssertUnwindSafe(poll_feed(&shared, id));
                match futures_util::FutureExt::catch_unwind(poll).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => tracing::debug!(feed = id, error = %e, "poll error recorded"),
                    Err(_) => record_panic(&shared, id),
                }
                (id, host)
            });
        }
    }
    // Let polls in flight finish their commit (they are short), bounded by the caller's
    // shutdown deadline.
    while tasks.join_next().await.is_some() {}
}

/// A poll that panicked (a bug) counts as a failed poll: the feed backs off and is
/// polled again later, and the bot goes on.
fn record_panic(shared: &Shared, id: u64) {
    tracing::error!(feed = id, "poll panicked; the feed will be retried later");
    shared.counters.fetch_error("internal");
    if let Ok(Some(mut feed)) = shared.store.feed(id) {
        record_failure(
            shared,
            &mut feed,
            "internal error while polling",
            None,
            now_unix(),
        );
        let _ = shared.store.modify_feed(id, &poll_fields(&feed));
    }
}

const PER_HOST: usize = 2;

fn take_host(hosts: &mut HashMap<String, usize>, host: &str) -> bool {
    let n = hosts.entry(host.to_string()).or_default();
    if host.is_empty() || *n < PER_HOST {
        *n += 1;
        true
    } else {
        false
    }
}

fn release_host(hosts: &mut HashMap<String, usize>, host: &str) {
    if let Some(n) = hosts.get_mut(host) {
        *n = n.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poll_that_panicked_counts_as_a_failure_and_is_retried_later() {
        let env = HashMap::new();
        let config = crate::config::validate(crate::config::RawConfig::default(), None, &env)
            .expect("default config");
        let interval = config.poll_interval.as_secs() as i64;
        let store = crate::store::Store::temporary().expect("store");
        let feed = store
            .add_feed(FeedRecord::new("https://a.example/feed", "A"))
            .expect("add")
            .expect("new");
        let shared = crate::context::shared(config, store, None, None).expect("shared");
        let before = now_unix();
        record_panic(&shared, feed.id);
        record_panic(&shared, feed.id);
        let f = shared.store.feed(feed.id).expect("read").expect("feed");
        assert_eq!(f.health.consecutive_failures, 2);
        assert!(
            f.health
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains("internal"))
        );
        // Backed off like any failure: twice the interval after two.
        let next = f.next_poll_at.expect("scheduled again");
        assert!(next >= before + 4 * interval && next <= now_unix() + 4 * interval);
        assert_eq!(shared.counters.fetch_errors().get("internal"), Some(&2));
    }

    #[test]
    fn delays_follow_hints_failures_and_retry_after_within_bounds() {
        let m = |s| Duration::from_secs(s);
        assert_eq!(next_delay(m(600), 0, None, None), m(600));
        assert_eq!(next_delay(m(600), 0, Some(m(3600)), None), m(3600));
        assert_eq!(next_delay(m(600), 0, Some(m(100)), None), m(600));
        assert_eq!(next_delay(m(600), 0, Some(m(999_999)), None), m(86_400));
        assert_eq!(next_delay(m(600), 1, None, None), m(1200));
        assert_eq!(next_delay(m(600), 3, None, None), m(4800));
        assert_eq!(next_delay(m(600), 30, None, None), m(86_400));
        assert_eq!(next_delay(m(600), 1, None, Some(m(7200))), m(7200));
        assert_eq!(next_delay(m(2), 0, None, None), m(2));
    }
}
