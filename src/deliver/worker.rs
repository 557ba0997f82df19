//! The outbox worker: drains the store's outbox to Telegram.
//!
//! One scheduler (`limiter`) decides which chat may send next, so the global budget stays
//! busy and a limited chat never blocks the others; a token bucket (`bucket`) spaces the
//! sends evenly at the configured rate plus the measured margin (`pace`). At most
//! [`MAX_IN_FLIGHT`] sends run at once; a finished send is journaled with one write
//! before its record is removed ([`crate::store::journal`]), so a killed process re-sends
//! at most the messages that were in flight. The worker holds a bounded part of the
//! outbox (`window`), read from the store as it goes, and one rendered message per alert,
//! shared by its sends.
//!
//! The outbox holds alerts and plain-text notices alike; both pass the same gate and the
//! same retry handling. The gate's recent sends are saved in the store (after sends, at
//! most every [`SAVE_PACE_EVERY`], and at shutdown) and loaded at start ([`load_pace`]),
//! so a restart right after a burst does not burst again.

use super::bucket::Bucket;
use super::limiter::Scheduler;
use super::pace::{Pace, Snapshot};
use super::telegram::{self, SendOutcome};
use super::window::Window;
use super::{calendar, past, render};
use crate::events::{Event, Events};
use crate::i18n::Lang;

/// A rendered alert, with the co-publishers it was rendered with.
type RenderedAlert = (Vec<String>, Arc<render::Rendered>);
use crate::metrics::Counters;
use crate::store::{AlertRecord, Finished, OutboxKey, PaceRecord, Store, now_unix};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use teloxide::Bot;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// At most this many sends are in flight at once (also the most a crash can send twice).
pub const MAX_IN_FLIGHT: usize = 16;
/// The same for paid broadcasts: at 1,000 messages a second and Telegram's answers taking
/// tens of milliseconds, 16 sends in flight would cap the rate below what was paid for
/// (16 per round trip); 64 cover round trips up to 64 ms.
pub const PAID_MAX_IN_FLIGHT: usize = 64;
/// Finished sends the journal holds before the worker settles it (a flush, then the
/// journal emptied) while it still has work; it settles whenever it has none.
const SETTLE_AFTER: usize = 2048;
/// Rendered alerts kept for the chats still to receive them.
const RENDER_CACHE: usize = 64;
/// More than this many alerts waiting for one chat are sent as one digest.
pub const DIGEST_AFTER: usize = 5;
/// How many alerts one digest lists at most (the rest follow in the next).
const DIGEST_MAX: usize = 30;
/// How often at most the gate's state is saved while sending.
pub const SAVE_PACE_EVERY: Duration = Duration::from_millis(200);
/// Attempts after which a message Telegram keeps refusing (4xx) is dropped.
const MAX_REFUSED_ATTEMPTS: u32 = 5;

struct Done {
    chat: i64,
    keys: Vec<OutboxKey>,
    outcome: SendOutcome,
    rerendered: bool,
    /// The id Telegram gave an alert it took.
    message_id: Option<i32>,
}

/// What the worker uses of the running bot: the store, the counters, Telegram's pace
/// (shared with replies and notices) and where to report a subscription that ended.
pub struct Handles {
    /// The database (the outbox, sent messages, the saved pace).
    pub store: Store,
    /// The metrics.
    pub counters: Arc<Counters>,
    /// The one gate every message passes.
    pub pace: Arc<Pace>,
    /// Where a subscription Telegram ended is reported.
    pub events: Events,
}

/// The outbox worker: drains the outbox to Telegram within the limits, at most [`MAX_IN_FLIGHT`]
/// sends at once.
pub struct Worker {
    handles: Handles,
    /// Sends are spread evenly at the overall limit, the window stretched by the
    /// measured margin ([`Pace::margin`]).
    bucket: Bucket,
    sender: telegram::Sender,
    scheduler: Scheduler,
    /// The outbox records held in memory, per chat.
    window: Window,
    busy: HashSet<i64>,
    attempts: HashMap<i64, u32>,
    /// One alert goes to many chats: render it once (keyed by alert id and its
    /// "also published by" list, which can grow), shared by every send.
    rendered: HashMap<(u64, Option<Lang>), RenderedAlert>,
    pace_saved: Option<Instant>,
    /// [`MAX_IN_FLIGHT`], or [`PAID_MAX_IN_FLIGHT`] for paid broadcasts.
    max_in_flight: usize,
}

/// What one send carries: the message, its forum topic, and whether it is plain text.
struct Prepared {
    message: Arc<render::Rendered>,
    thread: Option<i32>,
    plain: bool,
    /// How many of the keys asked for it covers (a notice is never part of a digest).
    keys: usize,
    /// A preview's Approve and Reject buttons (label, callback_data); empty otherwise.
    choices: Vec<(String, String)>,
}

impl Worker {
    /// A worker within the limits of `handles.pace`; `paid_broadcast` sends with
    /// `allow_paid_broadcast`.
    pub fn new(handles: Handles, bot: Bot, token: &str, paid_broadcast: bool) -> Worker {
        let limits = handles.pace.limits();
        Worker {
            handles,
            bucket: Bucket::new(limits.global_per_sec, Duration::from_secs(1)),
            sender: telegram::Sender::new(bot, token, paid_broadcast),
            scheduler: Scheduler::new(limits),
            window: Window::new(),
            busy: HashSet::new(),
            attempts: HashMap::new(),
            rendered: HashMap::new(),
            pace_saved: None,
            max_in_flight: if paid_broadcast {
                PAID_MAX_IN_FLIGHT
            } else {
                MAX_IN_FLIGHT
            },
        }
    }

    /// Reads more of the outbox when the window has room; its new chats become pending.
    fn refill(&mut self) {
        super::expand::expand_if_short(&mut self.window, &self.handles.store);
        if !self.window.wants_refill() {
            return;
        }
        match self.window.refill(&self.handles.store) {
            Ok(started) => {
                for chat in started {
                    if !self.busy.contains(&chat) {
                        self.scheduler.set_pending(chat, true);
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read the outbox"),
        }
    }

    /// Runs until cancelled; then waits for the sends in flight and records them.
    pub async fn run(
        mut self,
        mut rx: mpsc::UnboundedReceiver<Vec<OutboxKey>>,
        cancel: CancellationToken,
    ) {
        let pending = self.handles.store.outbox_len();
        if pending > 0 {
            tracing::info!(pending, "resuming deliveries from the outbox");
        }
        let mut inflight: JoinSet<Done> = JoinSet::new();
        let mut wake: Option<Instant> = None;
        loop {
            self.handles
                .counters
                .delivery_alive_at
                .store(now_unix(), std::sync::atomic::Ordering::Relaxed);
            let sleep_for = wake
                .map(|w| w.saturating_duration_since(Instant::now()))
                .unwrap_or(Duration::from_secs(1))
                .min(Duration::from_secs(1));
            tokio::select! {
                _ = cancel.cancelled() => break,
                Some(_) = rx.recv() => self.window.news(),
                Some(done) = inflight.join_next(), if !inflight.is_empty() => {
                    let mut finished = Vec::new();
                    if let Ok(d) = done { finished.push(d); }
                    while let Some(more) = inflight.try_join_next() {
                        if let Ok(d) = more { finished.push(d); }
                    }
                    self.finish(finished).await;
                }
                _ = tokio::time::sleep(sleep_for) => {}
            }
            let idle = inflight.is_empty() && self.scheduler.pending_len() == 0;
            self.settle_if_due(idle).await;
            self.refill();
            wake = self.fill(&mut inflight);
        }
        // Shutdown: no new sends; the ones in flight are recorded so nothing is sent twice.
        let deadline = tokio::time::sleep(Duration::from_secs(6));
        tokio::pin!(deadline);
        let mut finished = Vec::new();
        loop {
            tokio::select! {
                _ = &mut deadline => break,
                next = inflight.join_next() => match next {
                    Some(Ok(d)) => finished.push(d),
                    Some(Err(_)) => {}
                    None => break,
                },
            }
        }
        self.finish(finished).await;
        save_pace(&self.handles.store, &self.handles.pace);
        if let Err(e) = self.handles.store.settle_journal().await {
            tracing::error!(error = %e, "cannot flush the store");
        }
    }

    /// Saves the gate's state if sends finished since the last save, at most every
    /// [`SAVE_PACE_EVERY`].
    fn save_pace_if_due(&mut self) {
        if self
            .pace_saved
            .is_some_and(|t| t.elapsed() < SAVE_PACE_EVERY)
        {
            return;
        }
        self.pace_saved = Some(Instant::now());
        save_pace(&self.handles.store, &self.handles.pace);
    }

    /// Settles the delivery journal (a flush, then the journal emptied) when the worker is
    /// `idle` and the journal holds anything, or when it has grown past [`SETTLE_AFTER`].
    /// A finished send is safe from a killed process once journaled; this only keeps the
    /// journal short and the disk current.
    async fn settle_if_due(&mut self, idle: bool) {
        let held = self.handles.store.journal_len();
        if (idle && held > 0) || held >= SETTLE_AFTER {
            if let Err(e) = self.handles.store.settle_journal().await {
                tracing::error!(error = %e, "cannot flush the store");
            }
        }
    }

    /// Starts sends while slots and the scheduler allow; returns when to look again.
    fn fill(&mut self, inflight: &mut JoinSet<Done>) -> Option<Instant> {
        while inflight.len() < self.max_in_flight {
            self.refill();
            let now = Instant::now();
            if self.scheduler.pending_len() == 0 {
                return None;
            }
            let margin = self.handles.pace.margin(now);
            if let Err(due) = self.bucket.ready(now, margin) {
                return Some(due);
            }
            let chat = match self.scheduler.next(now) {
                Ok(chat) => chat,
                Err(when) => return when,
            };
            let Some(queue) = self.window.queue(chat) else {
                self.scheduler.give_back(chat, None);
                self.scheduler.set_pending(chat, false);
                continue;
            };
            let long = queue.len() > DIGEST_AFTER;
            let take = queue.len().min(DIGEST_MAX);
            // Replies and notices share Telegram's limits: the gate has the last word,
            // and is asked before anything is read, so a refused slot costs no reads.
            if let Err(wait) = self.handles.pace.try_begin(chat, now) {
                // The slot was not used: it costs the chat nothing but the wait.
                self.scheduler.give_back(chat, Some(wait.until));
                if wait.everyone {
                    return Some(wait.until);
                }
                continue;
            }
            let turn = self.handles.pace.started(chat);
            let take = if long { take } else { self.hold_passed(chat) };
            let mut keys: Vec<OutboxKey> = self
                .window
                .queue(chat)
                .map(|q| q.iter().take(take).copied().collect())
                .unwrap_or_default();
            let prepared = if keys.is_empty() {
                None
            } else {
                self.prepare(&keys)
            };
            let Some(prepared) = prepared else {
                // Records vanished (chat unsubscribed meanwhile): forget them.
                turn.cancel();
                self.forget_vanished(chat, &keys);
                continue;
            };
            self.bucket.spend(now, margin);
            keys.truncate(prepared.keys);
            if keys.len() > 1 {
                Counters::inc(&self.handles.counters.digests, 1);
            }
            self.busy.insert(chat);
            self.scheduler.set_pending(chat, false);
            let sender = self.sender.clone();
            inflight.spawn(async move {
                let Prepared {
                    message,
                    thread,
                    plain,
                    choices,
                    ..
                } = prepared;
                let (outcome, rerendered, message_id) = if plain {
                    (sender.send_plain(chat, &message).await, false, None)
                } else {
                    sender.send(chat, thread, &message, &choices).await
                };
                drop(turn);
                Done {
                    chat,
                    keys,
                    outcome,
                    rerendered,
                    message_id,
                }
            });
        }
        Some(Instant::now() + Duration::from_millis(50))
    }

    /// `keys` of `chat`'s queue vanished from the store (the chat unsubscribed
    /// meanwhile): they are forgotten, and the slot costs the chat nothing.
    fn forget_vanished(&mut self, chat: i64, keys: &[OutboxKey]) {
        let _ = self.handles.store.remove_deliveries(keys);
        self.window.remove(chat, keys);
        self.scheduler.give_back(chat, None);
        self.scheduler.set_pending(chat, self.window.has_work(chat));
    }

    /// The message for `keys`: a notice alone, or the alerts up to the first notice.
    fn prepare(&mut self, keys: &[OutboxKey]) -> Option<Prepared> {
        let store = &self.handles.store;
        let mut records = Vec::new();
        let mut thread = None;
        for k in keys {
            let d = store.delivery(*k).ok()??;
            if d.notice.is_some() || d.preview.is_some() {
                if records.is_empty() {
                    return alone(store, d);
                }
                break;
            }
            thread = d.thread_id;
            records.push(store.alert(d.alert_id).ok()??);
        }
        let now = chrono::Utc::now();
        let (passed, live): (Vec<_>, Vec<_>) = records
            .iter()
            .partition(|r| calendar::alert_has_passed(r, now));
        let reader = keys
            .first()
            .and_then(|k| super::reader::chat_lang(store, k.chat_id));
        let message = match (live.as_slice(), passed.as_slice()) {
            ([one], []) => self.render_one(one, reader),
            _ => {
                let shown = |rs: &[&AlertRecord]| -> Vec<render::Alert> {
                    rs.iter()
                        .map(|r| render::Alert {
                            dates_lang: reader,
                            ..super::alert_from_record(r)
                        })
                        .collect()
                };
                Arc::new(render::render_digest_with_past(
                    &shown(&live),
                    &shown(&passed),
                ))
            }
        };
        Some(Prepared {
            message,
            thread,
            plain: false,
            keys: records.len(),
            choices: Vec::new(),
        })
    }

    /// A short queue whose head has passed: reorders it (see [`past::plan`]) and says how
    /// many keys to send now.
    ///
    /// A queue of one goes as it is, whatever it holds: nothing is read for it.
    fn hold_passed(&mut self, chat: i64) -> usize {
        let Some(queue) = self.window.queue_mut(chat) else {
            return 1;
        };
        if queue.len() <= 1 {
            return 1;
        }
        let now = chrono::Utc::now();
        let store = &self.handles.store;
        let kinds: Vec<past::Kind> = queue.iter().map(|k| passed_kind(store, *k, now)).collect();
        let plan = past::plan(&kinds);
        let old: Vec<OutboxKey> = queue.iter().copied().collect();
        *queue = plan.order.iter().map(|&i| old[i]).collect();
        plan.take.max(1)
    }

    /// One alert, rendered once for all the chats it goes to that read `reader`.
    fn render_one(
        &mut self,
        one: &crate::store::AlertRecord,
        reader: Option<Lang>,
    ) -> Arc<render::Rendered> {
        if let Some((also, r)) = self.rendered.get(&(one.id, reader))
            && *also == one.also_published_by
        {
            return Arc::clone(r);
        }
        let alert = render::Alert {
            dates_lang: reader,
            ..super::alert_from_record(one)
        };
        let r = Arc::new(render::render_alert(&alert));
        if self.rendered.len() >= RENDER_CACHE {
            self.rendered.clear();
        }
        self.rendered.insert(
            (one.id, reader),
            (one.also_published_by.clone(), Arc::clone(&r)),
        );
        r
    }

    async fn finish(&mut self, finished: Vec<Done>) {
        if finished.is_empty() {
            return;
        }
        let now = Instant::now();
        let mut delivered = Vec::new();
        for d in finished {
            self.busy.remove(&d.chat);
            if d.rerendered {
                Counters::inc(&self.handles.counters.render_bugs, 1);
                tracing::warn!(
                    chat = d.chat,
                    "Telegram refused the HTML; sent as plain text"
                );
            }
            match d.outcome {
                SendOutcome::Sent => {
                    Counters::inc(&self.handles.counters.sent, d.keys.len() as u64);
                    self.attempts.remove(&d.chat);
                    self.drop_from_queue(d.chat, &d.keys);
                    let alone = d.keys.len() == 1;
                    delivered.extend(d.keys.iter().map(|&key| Finished {
                        key,
                        sent: true,
                        message_id: d.message_id.filter(|_| alone),
                    }));
                }
                SendOutcome::RetryAfter(wait) => {
                    Counters::inc(&self.handles.counters.retried, 1);
                    tracing::info!(
                        chat = d.chat,
                        wait_s = wait.as_secs(),
                        "Telegram asked to wait"
                    );
                    self.scheduler.retry_after(d.chat, now, wait);
                }
                SendOutcome::Migrated(to) => {
                    tracing::info!(from = d.chat, to, "group migrated to a supergroup");
                    let store = &self.handles.store;
                    let moved = store
                        .migrate_subscriber(d.chat, to)
                        .and_then(|_| store.move_deliveries(d.chat, to));
                    self.window.forget(d.chat);
                    self.scheduler.forget(d.chat);
                    if let Err(e) = moved {
                        tracing::error!(error = %e, "cannot move deliveries");
                    }
                    self.window.news();
                }
                SendOutcome::Gone(reason) => {
                    self.end_subscription(d.chat, &reason);
                    continue;
                }
                SendOutcome::BadRender(reason) | SendOutcome::Refused(reason) => {
                    let n = self.bump_attempts(d.chat);
                    self.handles.counters.failed("refused");
                    if n >= MAX_REFUSED_ATTEMPTS {
                        tracing::error!(chat = d.chat, %reason, "message refused repeatedly; dropped");
                        self.drop_from_queue(d.chat, &d.keys);
                        delivered.extend(d.keys.iter().map(|&key| Finished {
                            key,
                            sent: false,
                            message_id: None,
                        }));
                        self.attempts.remove(&d.chat);
                    } else {
                        self.scheduler.backoff(d.chat, now + backoff(n));
                    }
                }
                SendOutcome::Transient(reason) => {
                    let n = self.bump_attempts(d.chat);
                    Counters::inc(&self.handles.counters.retried, 1);
                    self.handles.counters.failed("transient");
                    tracing::warn!(chat = d.chat, %reason, attempt = n, "send failed; will retry");
                    self.scheduler.backoff(d.chat, now + backoff(n));
                }
            }
            self.scheduler
                .set_pending(d.chat, self.window.has_work(d.chat));
        }
        if !delivered.is_empty() {
            let store = &self.handles.store;
            let day = now_unix() / 86_400;
            let _ = store.bump_stat(&format!("sent:{day}"), delivered.len() as u64);
            if let Err(e) = store.finish_deliveries(&delivered) {
                tracing::error!(error = %e, "cannot record deliveries");
            }
        }
        self.save_pace_if_due();
    }

    /// Telegram will never deliver to this chat: forget its subscription and everything
    /// queued for it, and tell whoever set it up.
    fn end_subscription(&mut self, chat: i64, reason: &str) {
        self.handles.counters.failed(gone_reason(reason));
        // The subscription goes with a pending record of its end (one transaction): the
        // notice task queues the notice from it even if the program stops before the
        // event below reaches it.
        let ended = match self.handles.store.end_subscription(chat, reason) {
            Ok(ended) => ended,
            Err(e) => {
                tracing::error!(chat, error = %e, "cannot end subscription");
                None
            }
        };
        tracing::warn!(chat, %reason, added_by = ?ended.as_ref().and_then(|r| r.record.added_by), "Telegram refuses this chat for good; subscription ended");
        self.window.forget(chat);
        self.attempts.remove(&chat);
        self.scheduler.forget(chat);
        if let Some(ended) = ended {
            self.handles.events.emit(Event::SubscriptionEnded {
                record: ended.record,
                reason: ended.reason,
            });
        }
    }

    fn drop_from_queue(&mut self, chat: i64, keys: &[OutboxKey]) {
        self.window.remove(chat, keys);
    }

    fn bump_attempts(&mut self, chat: i64) -> u32 {
        let n = self.attempts.entry(chat).or_default();
        *n += 1;
        *n
    }
}

/// Whether the message under `key` is an alert whose date has passed.
fn passed_kind(store: &Store, key: OutboxKey, now: chrono::DateTime<chrono::Utc>) -> past::Kind {
    let alert = store
        .delivery(key)
        .ok()
        .flatten()
        .filter(|d| d.notice.is_none())
        .and_then(|d| store.alert(d.alert_id).ok().flatten());
    match alert {
        Some(a) if calendar::alert_has_passed(&a, now) => past::Kind::Passed,
        _ => past::Kind::Live,
    }
}

/// A notice, sent as it was worded.
fn notice(text: String) -> Prepared {
    Prepared {
        message: Arc::new(render::Rendered {
            html: String::new(),
            plain: text,
            buttons: Vec::new(),
        }),
        thread: None,
        plain: true,
        keys: 1,
        choices: Vec::new(),
    }
}

/// A message that goes alone: a notice, or a held alert's preview to an organizer.
fn alone(store: &Store, d: crate::store::DeliveryRecord) -> Option<Prepared> {
    if let Some(text) = d.notice {
        return Some(notice(text));
    }
    let p = d.preview?;
    let alert = store.alert(d.alert_id).ok()??;
    Some(Prepared {
        message: Arc::new(super::preview::with_header(&alert, &p.header)),
        thread: None,
        plain: false,
        keys: 1,
        choices: super::preview::choices(d.alert_id, &p),
    })
}

fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Saves the gate's recent sends in the store, as wall-clock times.
pub fn save_pace(store: &Store, pace: &Pace) {
    let (now, wall) = (Instant::now(), unix_ms());
    let snap = pace.snapshot(now);
    let at = |ages: &[Duration]| -> Vec<i64> {
        ages.iter().map(|a| wall - a.as_millis() as i64).collect()
    };
    let rec = PaceRecord {
        v: 1,
        global: at(&snap.global),
        chats: snap.chats.iter().map(|(c, a)| (*c, at(a))).collect(),
    };
    if let Err(e) = store.save_pace(&rec) {
        tracing::error!(error = %e, "cannot save the pace");
    }
}

/// Loads the gate's recent sends saved before a restart.
pub fn load_pace(store: &Store, pace: &Pace) {
    let rec = match store.pace() {
        Ok(Some(rec)) => rec,
        Ok(None) => return,
        Err(e) => return tracing::error!(error = %e, "cannot read the saved pace"),
    };
    let wall = unix_ms();
    // A clock set back makes a send look recent: it waits, never bursts.
    let age = |ts: &[i64]| -> Vec<Duration> {
        ts.iter()
            .map(|t| Duration::from_millis((wall - t).max(0) as u64))
            .collect()
    };
    let snap = Snapshot {
        global: age(&rec.global),
        chats: rec.chats.iter().map(|(c, t)| (*c, age(t))).collect(),
    };
    pace.restore(&snap, Instant::now());
}

/// The metric label for why a chat can no longer receive.
pub fn gone_reason(desc: &str) -> &'static str {
    const REASONS: &[(&str, &str)] = &[
        ("blocked", "blocked"),
        ("kicked", "kicked"),
        ("deactivated", "deactivated"),
        ("thread not found", "topic_not_found"),
        ("TOPIC_", "topic_not_found"),
        ("not found", "chat_not_found"),
        ("not a member", "not_member"),
        ("rights", "no_rights"),
        ("FORBIDDEN", "no_rights"),
        ("RESTRICTED", "no_rights"),
    ];
    REASONS
        .iter()
        .find(|(needle, _)| desc.contains(needle))
        .map_or("forbidden", |(_, label)| label)
}

/// Exponential backoff with jitter: 1 s, 2 s, 4 s … up to 10 minutes.
fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_secs(1u64 << attempt.min(10).saturating_sub(1))
        .min(Duration::from_secs(600));
    let jitter = fastrand::u64(0..=base.as_millis() as u64 / 2);
    base + Duration::from_millis(jitter)
}
