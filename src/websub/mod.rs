//! WebSub push (W3C Recommendation) for feeds that name a hub: subscribing, renewing
//! before the lease ends, unsubscribing when the feed goes, and the callback endpoint
//! ([`endpoint`]) that answers the hub's verification of intent and takes signed content.
//!
//! Owns the subscriptions' lifecycle (records in the store's `websub` tree) and the hub
//! requests, sent with the project's one HTTP client ([`crate::feeds::fetch::Fetcher`],
//! its address guard included). Pushed content goes to [`crate::poll::take_pushed`]: the
//! same parse → detect → seen set → outbox commit as a poll.
//!
//! Must not: alert by itself, trust content whose `X-Hub-Signature` does not match the
//! subscription's secret, or let a hub's failure stop anything (it is logged and retried).

pub mod endpoint;
pub mod signature;

use crate::app::Shared;
use crate::feeds::parse::HubLink;
use crate::store::{StoreError, WebSubRecord, WebSubState, now_unix};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the subscriptions are looked at (renewals due, feeds removed).
const TICK: Duration = Duration::from_secs(1);
/// A request the hub has not verified after this long is sent again (doubling).
const RETRY_SECS: i64 = 60;
/// The longest wait between two tries.
const MAX_RETRY_SECS: i64 = 6 * 3600;
/// A hub that denied a subscription is asked again after this long.
const DENIED_RETRY_SECS: i64 = 24 * 3600;
/// Unsubscribe requests sent before a subscription is forgotten anyway.
const LEAVE_ATTEMPTS: u32 = 3;
/// Lease assumed when a hub verifies a subscription without `hub.lease_seconds`.
const DEFAULT_LEASE_SECS: i64 = 24 * 3600;

/// The callback URL of a subscription: `websub.public_url` + `/websub/<id>`.
pub fn callback_url(public: &url::Url, callback_id: &str) -> String {
    format!(
        "{}/websub/{callback_id}",
        public.as_str().trim_end_matches('/')
    )
}

/// When to renew a lease of `lease` seconds granted now: after 85 % of it.
pub fn renew_at(now: i64, lease: i64) -> i64 {
    now + (lease.max(1) * 85 / 100).max(1)
}

fn retry_delay(attempts: u32) -> i64 {
    let factor = 1i64 << attempts.saturating_sub(1).min(16);
    RETRY_SECS.saturating_mul(factor).min(MAX_RETRY_SECS)
}

/// A poll found that feed `feed_id` names `hub` (or none): a new subscription is recorded
/// (asked for by [`run`]) when the hub or topic is new, and one to another hub, or to a
/// hub the feed no longer names, is left. Nothing without `websub.public_url`.
pub fn discovered(shared: &Shared, feed_id: u64, hub: Option<&HubLink>) {
    if shared.config.websub_public_url.is_none() || shared.dry_run() {
        return;
    }
    if let Err(e) = note_hub(shared, feed_id, hub) {
        tracing::warn!(feed = feed_id, error = %e, "cannot record the feed's WebSub hub");
    }
}

fn note_hub(shared: &Shared, feed_id: u64, hub: Option<&HubLink>) -> Result<(), StoreError> {
    let now = now_unix();
    let mut current = false;
    for mut rec in shared.store.websub_all()? {
        if rec.feed_id != feed_id || rec.state == WebSubState::Leaving {
            continue;
        }
        if hub.is_some_and(|h| h.hub == rec.hub && h.topic == rec.topic) {
            current = true;
            continue;
        }
        tracing::info!(feed = feed_id, hub = %rec.hub, "the feed no longer names this hub; leaving it");
        leave(&mut rec, now);
        shared.store.websub_put(&rec)?;
    }
    let Some(h) = hub.filter(|_| !current) else {
        return Ok(());
    };
    let (Ok(callback_id), Ok(secret)) = (random_token(), random_token()) else {
        return Err(StoreError::Db("no randomness for a WebSub secret".into()));
    };
    tracing::info!(feed = feed_id, hub = %h.hub, topic = %h.topic, "feed names a WebSub hub");
    shared.store.websub_put(&WebSubRecord {
        v: 1,
        callback_id,
        feed_id,
        topic: h.topic.clone(),
        hub: h.hub.clone(),
        secret,
        state: WebSubState::Requested,
        expires_at: None,
        next_action_at: now,
        attempts: 0,
    })
}

/// 40 URL-safe characters from the operating system's random source (240 bits): callback
/// ids and `hub.secret`s.
fn random_token() -> Result<String, getrandom::Error> {
    crate::bot::webhook::generate_secret()
}

fn leave(rec: &mut WebSubRecord, now: i64) {
    rec.state = WebSubState::Leaving;
    rec.next_action_at = now;
    rec.attempts = 0;
}

/// The subscriptions' task: every [`TICK`], subscribes what is due (new, to renew, to ask
/// again), and unsubscribes what is left (removed feeds) until cancelled.
pub async fn run(shared: Arc<Shared>, cancel: CancellationToken) {
    let Some(public) = shared.config.websub_public_url.clone() else {
        return;
    };
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tick.tick() => {}
        }
        tokio::select! {
            _ = cancel.cancelled() => break,
            r = look_round(&shared, &public) => if let Err(e) = r {
                tracing::warn!(error = %e, "cannot read the WebSub subscriptions");
            },
        }
    }
}

/// One round over the subscriptions.
async fn look_round(shared: &Shared, public: &url::Url) -> Result<(), StoreError> {
    let now = now_unix();
    for mut rec in shared.store.websub_all()? {
        if rec.state != WebSubState::Leaving && shared.store.feed(rec.feed_id)?.is_none() {
            tracing::info!(feed = rec.feed_id, hub = %rec.hub, "feed removed; unsubscribing");
            leave(&mut rec, now);
            shared.store.websub_put(&rec)?;
        }
        if rec.next_action_at > now {
            continue;
        }
        if rec.state == WebSubState::Leaving {
            unsubscribe(shared, public, rec, now).await?;
        } else {
            subscribe(shared, public, rec, now).await?;
        }
    }
    Ok(())
}

/// Asks the hub for the subscription (new, renewed, or again). The record is written
/// first: a hub may verify before it answers.
async fn subscribe(
    shared: &Shared,
    public: &url::Url,
    mut rec: WebSubRecord,
    now: i64,
) -> Result<(), StoreError> {
    if rec.state == WebSubState::Denied || (!rec.is_pushing(now) && rec.expires_at.is_some()) {
        rec.state = WebSubState::Requested;
        rec.expires_at = None;
    }
    rec.attempts = rec.attempts.saturating_add(1);
    rec.next_action_at = now + retry_delay(rec.attempts);
    shared.store.websub_put(&rec)?;
    let callback = callback_url(public, &rec.callback_id);
    let form = [
        ("hub.mode", "subscribe"),
        ("hub.topic", rec.topic.as_str()),
        ("hub.callback", callback.as_str()),
        ("hub.secret", rec.secret.as_str()),
    ];
    match shared.fetcher.post_form(&rec.hub, &form).await {
        Ok(()) => {
            tracing::info!(feed = rec.feed_id, hub = %rec.hub, "WebSub subscription requested")
        }
        Err(e) => {
            tracing::warn!(feed = rec.feed_id, hub = %rec.hub, error = %e, "WebSub hub refused the subscription; asking again later")
        }
    }
    Ok(())
}

/// Asks the hub to end the subscription; after [`LEAVE_ATTEMPTS`] unanswered tries the
/// record is forgotten anyway (its callback then answers 404).
async fn unsubscribe(
    shared: &Shared,
    public: &url::Url,
    mut rec: WebSubRecord,
    now: i64,
) -> Result<(), StoreError> {
    if rec.attempts >= LEAVE_ATTEMPTS {
        tracing::info!(feed = rec.feed_id, hub = %rec.hub, "WebSub hub never confirmed the unsubscription; forgotten");
        return shared.store.websub_remove(&rec.callback_id);
    }
    rec.attempts += 1;
    rec.next_action_at = now + retry_delay(rec.attempts);
    shared.store.websub_put(&rec)?;
    let callback = callback_url(public, &rec.callback_id);
    let form = [
        ("hub.mode", "unsubscribe"),
        ("hub.topic", rec.topic.as_str()),
        ("hub.callback", callback.as_str()),
    ];
    if let Err(e) = shared.fetcher.post_form(&rec.hub, &form).await {
        tracing::warn!(feed = rec.feed_id, hub = %rec.hub, error = %e, "WebSub hub refused the unsubscription; trying again later");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_sit_under_the_public_url_and_renewals_before_the_lease_ends() {
        let public = url::Url::parse("https://bot.example.org/solibot/").unwrap();
        assert_eq!(
            callback_url(&public, "abc"),
            "https://bot.example.org/solibot/websub/abc"
        );
        let root = url::Url::parse("https://bot.example.org").unwrap();
        assert_eq!(
            callback_url(&root, "abc"),
            "https://bot.example.org/websub/abc"
        );
        assert_eq!(renew_at(1000, 864_000), 1000 + 734_400);
        assert_eq!(renew_at(1000, 3), 1002);
        assert_eq!(renew_at(1000, 0), 1001);
        assert_eq!(retry_delay(1), 60);
        assert_eq!(retry_delay(2), 120);
        assert_eq!(retry_delay(40), MAX_RETRY_SECS);
    }
}
