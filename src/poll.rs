//! Polling: when each feed is due, fetch it, find the new entries, detect appeals, and
//! commit "seen" and the outbox in one step.
//!
//! Owns the feed's health and validators. Does not send anything: the delivery worker
//! drains the outbox; in `--dry-run` alerts are printed instead of queued.

use crate::app::Shared;
use crate::config::FeedMode;
use crate::deliver::render;
use crate::detect::Verdict;
use crate::entry::Entry;
use crate::feeds::fetch::{FetchError, Fetched, Validators};
use crate::feeds::parse::{self, ParseError};
use crate::metrics::Counters;
use crate::store::{
    ActionRecord, AlertRecord, FeedRecord, NewEntry, OutboxKey, StoreError, now_unix,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The longest a feed waits between polls, whatever its hints or failures say.
pub const MAX_INTERVAL: Duration = Duration::from_secs(24 * 3600);
/// How many recent alerts a new appeal is compared with for cross-posts.
const CROSS_POST_WINDOW: usize = 200;
/// Cross-posts are looked for among alerts of the last week.
const CROSS_POST_MAX_AGE: i64 = 7 * 24 * 3600;

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("feed {url}: {error}")]
    Parse { url: String, error: ParseError },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PollError {
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
    pub not_modified: bool,
    pub entries: usize,
    pub new_entries: usize,
    pub alerts: usize,
    pub baseline: bool,
    pub queued: usize,
}

/// A feed fetched and parsed, with the verdicts of every entry (for `/addfeed`,
/// `/preview` and polling alike).
pub struct Snapshot {
    pub title: String,
    pub entries: Vec<Entry>,
    pub verdicts: Vec<Verdict>,
    pub final_url: String,
    pub moved_permanently: Option<String>,
    pub validators: Validators,
    pub max_age: Option<Duration>,
    pub ttl: Option<Duration>,
}

/// Fetches and parses a feed and runs detection on every entry. `Ok(None)` is 304.
pub async fn snapshot(
    shared: &Shared,
    url: &str,
    validators: &Validators,
    allow_files: bool,
    hashtags: &[String],
) -> Result<Option<Snapshot>, PollError> {
    let fetched = shared.fetcher.fetch(url, validators, allow_files).await?;
    let Fetched::Body {
        bytes,
        final_url,
        moved_permanently,
        validators,
        max_age,
        ..
    } = fetched
    else {
        return Ok(None);
    };
    let base = final_url.starts_with("http").then_some(final_url.as_str());
    let feed = parse::parse(&bytes, base).map_err(|error| PollError::Parse {
        url: url.to_string(),
        error,
    })?;
    let detector = shared.detector.clone();
    let tags = hashtags.to_vec();
    let entries = feed.entries;
    // Detection is CPU work: keep it off the async workers.
    let (entries, verdicts) = tokio::task::spawn_blocking(move || {
        let ctx = detector.feed_context(&entries);
        let verdicts: Vec<Verdict> = entries
            .iter()
            .map(|e| detector.detect(e, &ctx, &tags))
            .collect();
        (entries, verdicts)
    })
    .await
    .map_err(|e| StoreError::Db(format!("detection task failed: {e}")))?;
    Ok(Some(Snapshot {
        title: feed.title,
        entries,
        verdicts,
        final_url,
        moved_permanently,
        validators,
        max_age,
        ttl: feed
            .ttl_minutes
            .map(|m| Duration::from_secs(u64::from(m) * 60)),
    }))
}

/// The keys that mark an entry seen: its id, then its republish key.
pub fn entry_keys(entry: &Entry) -> Vec<String> {
    let mut keys = vec![entry.id.clone()];
    if let Some(r) = parse::republish_key(entry) {
        keys.push(format!("r:{r}"));
    }
    keys
}

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
    let result = snapshot(
        shared,
        &feed.url,
        &validators,
        feed.from_config,
        &feed.hashtags,
    )
    .await;
    let now = now_unix();
    shared
        .counters
        .last_poll_at
        .store(now, std::sync::atomic::Ordering::Relaxed);
    let snap = match result {
        Ok(Some(s)) => s,
        Ok(None) => {
            Counters::inc(&shared.counters.polls_not_modified, 1);
            record_success(shared, &mut feed, now, None);
            shared.store.update_feed(&feed)?;
            return Ok(PollReport {
                not_modified: true,
                ..PollReport::default()
            });
        }
        Err(e) => {
            shared.counters.fetch_error(e.kind());
            record_failure(shared, &mut feed, &e, now);
            shared.store.update_feed(&feed)?;
            return Err(e);
        }
    };

    if let Some(new_url) = &snap.moved_permanently
        && shared.store.feed_by_url(new_url)?.is_none()
    {
        tracing::info!(feed = feed.id, from = %feed.url, to = %new_url, "feed moved permanently");
        feed.url = new_url.clone();
    }
    feed.etag = snap.validators.etag.clone();
    feed.last_modified = snap.validators.last_modified.clone();
    let hint = snap.ttl.max(snap.max_age);
    let baseline = feed.health.last_success.is_none()
        && shared.store.seen_count(feed.id) == 0
        && !shared.dry_run();
    if feed.name.is_empty() && !snap.title.is_empty() {
        feed.name = snap.title.clone();
    }
    record_success(shared, &mut feed, now, hint);
    shared.store.update_feed(&feed)?;

    let mut report = PollReport {
        entries: snap.entries.len(),
        baseline,
        ..PollReport::default()
    };
    let mode = FeedMode::parse(&feed.mode).unwrap_or_default();
    let recent = if baseline {
        Vec::new()
    } else {
        shared.store.recent_alerts(CROSS_POST_WINDOW)?
    };
    let mut new_entries = Vec::new();
    let mut merged: HashMap<u64, AlertRecord> = HashMap::new();
    let mut printed = Vec::new();
    for (entry, verdict) in snap.entries.iter().zip(&snap.verdicts) {
        let keys = entry_keys(entry);
        let mut seen = false;
        for k in &keys {
            seen |= shared.store.is_seen(feed.id, k)?;
        }
        if seen || new_entries.iter().any(|n: &NewEntry| n.keys[0] == keys[0]) {
            continue;
        }
        let wanted = !baseline && (verdict.is_appeal || mode == FeedMode::All);
        let mut alert = None;
        if wanted {
            Counters::inc(
                &shared.counters.appeals_detected,
                u64::from(verdict.is_appeal),
            );
            let rec = alert_record(&feed, entry, verdict);
            if let Some(original) = find_cross_post(&recent, &rec, feed.id) {
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
    report.new_entries = new_entries.len();
    report.alerts = new_entries.iter().filter(|n| n.alert.is_some()).count();
    Counters::inc(&shared.counters.entries_seen, report.new_entries as u64);

    // Recipients follow each chat's choices (feeds, hashtags, actions, languages, mute):
    // entries whose alerts go to the same chats are committed together, in feed order.
    let batches = if shared.dry_run() {
        vec![(new_entries, Vec::new())]
    } else {
        let subscribers = shared.store.subscribers()?;
        crate::bot::choices::route(&subscribers, &feed.hashtags, new_entries, now_unix())
    };
    let mut keys: Vec<OutboxKey> = Vec::new();
    for (entries, chats) in &batches {
        keys.extend(
            shared
                .store
                .commit_new_entries(feed.id, entries, chats)
                .await?,
        );
    }
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
    let keep = (snap.entries.len() * 2).max(200);
    shared.store.prune_seen(feed.id, keep)?;
    tracing::debug!(
        feed = feed.id,
        new = report.new_entries,
        alerts = report.alerts,
        "polled"
    );
    Ok(report)
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

fn record_success(shared: &Shared, feed: &mut FeedRecord, now: i64, hint: Option<Duration>) {
    let interval = shared.config.poll_interval;
    if feed.health.failing_since.is_some() {
        tracing::info!(feed = feed.id, "feed recovered");
    }
    if feed.health.told_failing {
        feed.health.told_failing = false;
        crate::bot::notice::feed_recovered(shared, feed, feed.health.failing_since);
    }
    feed.health.last_success = Some(now);
    feed.health.consecutive_failures = 0;
    feed.health.failing_since = None;
    feed.next_poll_at = Some(now + next_delay(interval, 0, hint, None).as_secs() as i64);
}

fn record_failure(shared: &Shared, feed: &mut FeedRecord, e: &PollError, now: i64) {
    let message = crate::app::scrub(&e.to_string(), shared.config.token.as_deref());
    tracing::warn!(feed = feed.id, url = %feed.url, error = %message, "poll failed");
    feed.health.last_error = Some(message);
    feed.health.last_error_at = Some(now);
    feed.health.consecutive_failures = feed.health.consecutive_failures.saturating_add(1);
    let since = *feed.health.failing_since.get_or_insert(now);
    let notice_after = shared.config.failure_notice_after.as_secs() as i64;
    if !feed.health.told_failing && now - since >= notice_after {
        feed.health.told_failing = true;
        crate::bot::notice::feed_failing(shared, feed);
    }
    let retry_after = match e {
        PollError::Fetch(f) => f.retry_after(),
        _ => None,
    };
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

/// The polling loop: every second, polls the feeds that are due, at most
/// `max_concurrent_polls` at once and two per host.
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
        for (i, mut f) in feeds.into_iter().enumerate() {
            let offset = spread.as_secs() * i as u64 / n;
            let due = now + offset as i64;
            if f.next_poll_at.is_none_or(|t| t > due) || shared.dry_run() {
                f.next_poll_at = Some(due);
                let _ = shared.store.update_feed(&f);
            }
        }
    }
    let sem = Arc::new(tokio::sync::Semaphore::new(
        shared.config.max_concurrent_polls,
    ));
    let hosts: Arc<std::sync::Mutex<HashMap<String, usize>>> = Arc::default();
    let mut running: std::collections::HashSet<u64> = Default::default();
    let mut tasks: tokio::task::JoinSet<(u64, String)> = tokio::task::JoinSet::new();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            Some(done) = tasks.join_next() => {
                if let Ok((id, host)) = done {
                    running.remove(&id);
                    release_host(&hosts, &host);
                }
                continue;
            }
            _ = tick.tick() => {}
        }
        shared
            .counters
            .polling_alive_at
            .store(now_unix(), std::sync::atomic::Ordering::Relaxed);
        let now = now_unix();
        let Ok(feeds) = shared.store.feeds() else {
            continue;
        };
        for f in feeds {
            if running.contains(&f.id) || f.next_poll_at.is_some_and(|t| t > now) {
                continue;
            }
            let host = url::Url::parse(&f.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default();
            if !take_host(&hosts, &host) {
                continue;
            }
            let Ok(permit) = sem.clone().try_acquire_owned() else {
                release_host(&hosts, &host);
                break;
            };
            running.insert(f.id);
            let shared = shared.clone();
            let id = f.id;
            tasks.spawn(async move {
                let _permit = permit;
                if let Err(e) = poll_feed(&shared, id).await {
                    tracing::debug!(feed = id, error = %e, "poll error recorded");
                }
                (id, host)
            });
        }
    }
    // Let polls in flight finish their commit (they are short), bounded by the caller's
    // shutdown deadline.
    while tasks.join_next().await.is_some() {}
}

const PER_HOST: usize = 2;

fn take_host(hosts: &std::sync::Mutex<HashMap<String, usize>>, host: &str) -> bool {
    let Ok(mut m) = hosts.lock() else {
        return false;
    };
    let n = m.entry(host.to_string()).or_default();
    if host.is_empty() || *n < PER_HOST {
        *n += 1;
        true
    } else {
        false
    }
}

fn release_host(hosts: &std::sync::Mutex<HashMap<String, usize>>, host: &str) {
    if let Ok(mut m) = hosts.lock()
        && let Some(n) = m.get_mut(host)
    {
        *n = n.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::next_delay;
    use std::time::Duration;

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
