//! The notice task: tells admins and organizers, once, that a feed has been failing for a
//! while (`polling.failure_notice_after`, a day by default), and once that it recovered;
//! and tells whoever set up a chat that its subscription ended.
//!
//! Polling and delivery decide when (polling owns the feed's health and its
//! `told_failing` flag) and report an [`Event`] on the channel this task receives; this
//! module only words and sends the plain-text notice to each recipient's private chat in
//! their chosen language, one notice at a time. It never touches the feed record. The
//! task is owned by [`crate::app`] and stops with its cancellation token; nothing is sent
//! in `--dry-run` (no task runs there).

use crate::context::Shared;
use crate::events::Event;
use crate::i18n::{Lang, t, tn};
use crate::manage::clip;
use crate::store::{FeedRecord, SubscriberRecord, now_unix};
use std::sync::Arc;
use std::time::Duration;
use teloxide::prelude::*;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The pause after each notice, so a burst of failing feeds stays within Telegram's one
/// message a second to one chat.
const BETWEEN_NOTICES: Duration = Duration::from_millis(1100);

/// Receives events until cancelled (or every sender is gone) and sends their notices,
/// one at a time, with `bot`.
pub async fn run(
    shared: Arc<Shared>,
    bot: Bot,
    mut events: mpsc::UnboundedReceiver<Event>,
    cancel: CancellationToken,
) {
    let token = shared.config.token.clone().unwrap_or_default();
    loop {
        let event = tokio::select! {
            _ = cancel.cancelled() => break,
            e = events.recv() => match e {
                Some(e) => e,
                None => break,
            },
        };
        let (what, messages) = notices(&shared, &event);
        if messages.is_empty() {
            continue;
        }
        let sending = async {
            for (chat, text) in &messages {
                send(&shared, &bot, *chat, text, &token, what).await;
            }
            tokio::time::sleep(BETWEEN_NOTICES).await;
        };
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = sending => {}
        }
    }
}

/// What an event asks to send: a label for the logs, and each recipient's chat with the
/// notice in their language.
fn notices(shared: &Shared, event: &Event) -> (&'static str, Vec<(i64, String)>) {
    match event {
        Event::FeedFailing(feed) => ("feed notice", feed_failing(shared, feed)),
        Event::FeedRecovered {
            feed,
            failing_since,
        } => ("feed notice", feed_recovered(shared, feed, *failing_since)),
        Event::SubscriptionEnded { record, reason } => (
            "subscription ended",
            subscription_ended(shared, record, reason),
        ),
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

async fn send(shared: &Shared, bot: &Bot, chat: i64, text: &str, token: &str, what: &str) {
    for _ in 0..3 {
        let turn = shared.pace.turn(chat).await;
        let sent = bot
            .send_message(ChatId(chat), text)
            .link_preview_options(super::no_preview())
            .await;
        drop(turn);
        match sent {
            Ok(_) => return,
            Err(teloxide::RequestError::RetryAfter(s)) => tokio::time::sleep(s.duration()).await,
            Err(e) => {
                tracing::warn!(chat, what, error = %crate::text::scrub(&e.to_string(), Some(token)), "feed notice not delivered");
                return;
            }
        }
    }
}
