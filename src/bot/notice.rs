//! Telling admins and organizers, once, that a feed has been failing for a while
//! (`polling.failure_notice_after`, a day by default), and once that it recovered.
//!
//! Polling decides when (it owns the feed's health and its `told_failing` flag) and
//! calls [`feed_failing`] or [`feed_recovered`]; this module only words and sends the
//! plain-text notice, in the background, to each admin's and organizer's private chat in
//! their chosen language. It never touches the feed record. Nothing is sent in
//! `--dry-run` or without a token.

use crate::app::Shared;
use crate::deliver::pace::Pace;
use crate::i18n::{Lang, t, tn};
use crate::manage::clip;
use crate::store::{FeedRecord, SubscriberRecord, now_unix};
use std::sync::Arc;
use std::time::Duration;
use teloxide::prelude::*;

/// One notice at a time, a second apart, so a burst of failing feeds stays within
/// Telegram's one message a second to one chat.
static SENDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A feed has failed since `failing_since`: tell every admin and organizer.
pub fn feed_failing(shared: &Shared, feed: &FeedRecord) {
    let since = feed.health.failing_since.unwrap_or_else(now_unix);
    let hours = ((now_unix() - since).max(0) / 3600) as u64;
    let error = feed.health.last_error.clone().unwrap_or_default();
    let (id, name, url) = (feed.id.to_string(), feed.name.clone(), feed.url.clone());
    send_to_organizers(shared, feed.id, move |lang| {
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
    });
}

/// A feed that organizers were told about works again.
pub fn feed_recovered(shared: &Shared, feed: &FeedRecord, failing_since: Option<i64>) {
    let since = failing_since.unwrap_or_else(now_unix);
    let hours = ((now_unix() - since).max(0) / 3600) as u64;
    let (id, name) = (feed.id.to_string(), feed.name.clone());
    send_to_organizers(shared, feed.id, move |lang| {
        tn(
            lang,
            "notice.recovered",
            hours,
            &[("id", &id), ("name", &clip(&name, 100))],
        )
    });
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
pub fn subscription_ended(shared: &Shared, rec: &SubscriberRecord, reason: &str) {
    let Some(by) = rec.added_by.filter(|by| *by != rec.chat_id) else {
        tracing::info!(chat = rec.chat_id, "subscription ended; nobody to tell");
        return;
    };
    let (chat, why) = (rec.chat_id.to_string(), clip(reason, 200));
    let to = vec![(by, super::chat_lang(shared, by, None))];
    send_in_background(shared, to, "subscription ended", move |lang| {
        t(
            lang,
            "notice.subscription_ended",
            &[("chat", &chat), ("why", &why)],
        )
    });
}

fn send_to_organizers(
    shared: &Shared,
    feed_id: u64,
    text: impl Fn(Lang) -> String + Send + 'static,
) {
    let to: Vec<(i64, Lang)> = recipients(shared)
        .into_iter()
        .map(|id| (id, super::chat_lang(shared, id, None)))
        .collect();
    tracing::info!(feed = feed_id, "feed notice queued for organizers");
    send_in_background(shared, to, "feed notice", text);
}

/// Sends `text` in each recipient's language, one notice at a time, in the background.
fn send_in_background(
    shared: &Shared,
    to: Vec<(i64, Lang)>,
    what: &'static str,
    text: impl Fn(Lang) -> String + Send + 'static,
) {
    if shared.dry_run() {
        return;
    }
    let Some(token) = shared.config.token.clone() else {
        return;
    };
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::warn!(what, "no runtime: notice not sent");
        return;
    };
    let bot = match super::make_bot(&shared.config, &token) {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(what, error = %e, "cannot build the Telegram client for a notice");
            return;
        }
    };
    let pace = shared.pace.clone();
    runtime.spawn(async move {
        let _one_at_a_time = SENDING.lock().await;
        for (chat, lang) in to {
            send(&pace, &bot, chat, &text(lang), &token).await;
        }
        tokio::time::sleep(Duration::from_millis(1100)).await;
    });
}

async fn send(pace: &Arc<Pace>, bot: &Bot, chat: i64, text: &str, token: &str) {
    for _ in 0..3 {
        let turn = pace.turn(chat).await;
        let sent = bot
            .send_message(ChatId(chat), text)
            .link_preview_options(super::no_preview())
            .await;
        drop(turn);
        match sent {
            Ok(_) => return,
            Err(teloxide::RequestError::RetryAfter(s)) => tokio::time::sleep(s.duration()).await,
            Err(e) => {
                tracing::warn!(chat, error = %crate::app::scrub(&e.to_string(), Some(token)), "feed notice not delivered");
                return;
            }
        }
    }
}
