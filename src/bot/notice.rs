//! The notice task: tells admins and organizers, once, that a feed has been failing for a
//! while (`polling.failure_notice_after`, a day by default), and once that it recovered;
//! and tells whoever set up a chat that its subscription ended.
//!
//! Polling and delivery decide when (polling owns the feed's health) and report an
//! [`Event`] on the channel this task receives; this module only words each plain-text
//! notice in its recipient's chosen language and writes it to the outbox, all notices of
//! one event in one store transaction. A feed's notices are written together with its
//! `told_failing` flag ([`crate::store::Store::queue_feed_notices`]): a crash keeps both
//! or neither, and a change reported twice is told once. The delivery worker sends them
//! like alerts: same limits, retries and crash safety. A subscription's end is written
//! with a pending record ([`crate::store::Store::end_subscription`]) that its notice
//! deletes ([`crate::store::Store::queue_ended_notices`]); the records a crash left are
//! replayed when the task starts, so that notice too is told once. It touches no other
//! field of the feed record and never sends. The task is owned by [`crate::app`] and
//! stops with its cancellation token; nothing is queued in `--dry-run` (no task runs
//! there).

use crate::context::Shared;
use crate::crashpoint::{self, Point};
use crate::events::Event;
use crate::i18n::{Lang, t, tn};
use crate::manage::clip;
use crate::store::{FeedRecord, SubscriberRecord, now_unix};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Receives events until cancelled (or every sender is gone) and queues their notices.
pub async fn run(
    shared: Arc<Shared>,
    mut events: mpsc::UnboundedReceiver<Event>,
    cancel: CancellationToken,
) {
    replay_ended(&shared).await;
    loop {
        let event = tokio::select! {
            _ = cancel.cancelled() => break,
            e = events.recv() => match e {
                Some(e) => e,
                None => break,
            },
        };
        if matches!(event, Event::SubscriptionEnded { .. }) {
            // Test-only: the crash test's one deterministic way into this window.
            crashpoint::reached(Point::Ended);
        }
        queue(&shared, notices(&shared, &event)).await;
    }
}

/// Queues the notices of subscriptions that ended before the program last stopped and
/// whose notice was not queued yet.
async fn replay_ended(shared: &Shared) {
    let pending = match shared.store.ended_pending() {
        Ok(pending) => pending,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the ended subscriptions");
            return;
        }
    };
    for ended in pending {
        tracing::info!(
            chat = ended.record.chat_id,
            "ended subscription told after a restart"
        );
        let event = Event::SubscriptionEnded {
            record: ended.record,
            reason: ended.reason,
        };
        queue(shared, notices(shared, &event)).await;
    }
}

/// What an event asks to write: each recipient's chat with the notice in their language,
/// and for a feed's notice the feed and the `told_failing` value it stands for.
struct Notices {
    what: &'static str,
    messages: Vec<(i64, String)>,
    told: Option<(u64, bool)>,
    /// For an ended subscription, the chat whose pending record the notices clear.
    ended: Option<i64>,
}

/// Writes the notices to the outbox (a feed's with its flag) and wakes the delivery
/// worker.
async fn queue(shared: &Shared, n: Notices) {
    let written = match (n.told, n.ended) {
        (Some((feed, told)), _) => shared
            .store
            .queue_feed_notices(feed, told, &n.messages)
            .await
            .map(Option::unwrap_or_default),
        (None, Some(chat)) => shared
            .store
            .queue_ended_notices(chat, &n.messages)
            .await
            .map(Option::unwrap_or_default),
        (None, None) if n.messages.is_empty() => return,
        (None, None) => shared.store.queue_notices(&n.messages).await,
    };
    match written {
        Ok(keys) if keys.is_empty() => {}
        Ok(keys) => shared.notify_outbox(keys),
        Err(e) => tracing::error!(what = n.what, error = %e, "cannot queue the notice"),
    }
}

fn notices(shared: &Shared, event: &Event) -> Notices {
    let mut ended = None;
    let (what, messages, told) = match event {
        Event::FeedFailing(feed) => (
            "feed notice",
            feed_failing(shared, feed),
            Some((feed.id, true)),
        ),
        Event::FeedRecovered {
            feed,
            failing_since,
        } => (
            "feed notice",
            feed_recovered(shared, feed, *failing_since),
            Some((feed.id, false)),
        ),
        Event::SubscriptionEnded { record, reason } => {
            ended = Some(record.chat_id);
            (
                "subscription ended",
                subscription_ended(shared, record, reason),
                None,
            )
        }
    };
    Notices {
        what,
        messages,
        told,
        ended,
    }
}

/// A feed has failed since `failing_since`: tell every admin and organizer.
fn feed_failing(shared: &Shared, feed: &FeedRecord) -> Vec<(i64, String)> {
    let since = feed.health.failing_since.unwrap_or_else(now_unix);
    let hours = ((now_unix() - since).max(0) / 3600) as u64;
    let error = feed.health.last_error.clone().unwrap_or_default();
    let (id, name, url) = (feed.id.to_string(), feed.name.clone(), feed.url.clone());
    to_organizers(shared, feed.id, |lang| {
        tn(
            lang,
            "notice.failing",
            hours,
            &[
                ("id", &id),
                ("name", &clip(&name, 100)),
                ("url", &clip(&url, 200)),
                ("error", &clip(&error, 300)),
            ],
        )
    })
}

/// A feed that organizers were told about works again.
fn feed_recovered(
    shared: &Shared,
    feed: &FeedRecord,
    failing_since: Option<i64>,
) -> Vec<(i64, String)> {
    let since = failing_since.unwrap_or_else(now_unix);
    let hours = ((now_unix() - since).max(0) / 3600) as u64;
    let (id, name) = (feed.id.to_string(), feed.name.clone());
    to_organizers(shared, feed.id, |lang| {
        tn(
            lang,
            "notice.recovered",
            hours,
            &[("id", &id), ("name", &clip(&name, 100))],
        )
    })
}

/// Admins first, then organizers, each once.
fn recipients(shared: &Shared) -> Vec<i64> {
    let mut ids = shared.config.admins.clone();
    for o in shared.store.organizers().unwrap_or_default() {
        if !ids.contains(&o.user_id) {
            ids.push(o.user_id);
        }
    }
    ids
}

/// Telegram refused `rec`'s chat for good and its subscription ended: tell the user who
/// set it up (a group's or channel's subscriber), in their language. A private chat's
/// own user is not told: that chat is the one that cannot be reached.
fn subscription_ended(shared: &Shared, rec: &SubscriberRecord, reason: &str) -> Vec<(i64, String)> {
    let Some(by) = rec.added_by.filter(|by| *by != rec.chat_id) else {
        tracing::info!(chat = rec.chat_id, "subscription ended; nobody to tell");
        return Vec::new();
    };
    let (chat, why) = (rec.chat_id.to_string(), clip(reason, 200));
    let lang = super::chat_lang(shared, by, None);
    let text = t(
        lang,
        "notice.subscription_ended",
        &[("chat", &chat), ("why", &why)],
    );
    vec![(by, text)]
}

fn to_organizers(
    shared: &Shared,
    feed_id: u64,
    text: impl Fn(Lang) -> String,
) -> Vec<(i64, String)> {
    tracing::info!(feed = feed_id, "feed notice queued for organizers");
    recipients(shared)
        .into_iter()
        .map(|id| (id, text(super::chat_lang(shared, id, None))))
        .collect()
}
