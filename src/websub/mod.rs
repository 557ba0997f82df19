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

use crate::context::Shared;
use crate::hub::leave;
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
    if rec.state == WebSubState::Active {
        shared.counters.websub_renewals.inc();
    }
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
