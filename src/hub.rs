//! Which WebSub hub each feed names: when a poll (or `/addfeed`'s first look) finds a hub,
//! a subscription record is written for [`crate::websub`] to ask for; one to a hub the feed
//! no longer names is marked to be left.
//!
//! Must not: send requests to hubs (that is `websub`'s), or act without
//! `websub.public_url`.

use crate::context::Shared;
use crate::feeds::parse::HubLink;
use crate::store::{StoreError, WebSubRecord, WebSubState, now_unix};

/// A poll found that feed `feed_id` names `hub` (or none): a new subscription is recorded
/// (asked for by `websub::run`) when the hub or topic is new, and one to another hub, or to a
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
    let (Ok(callback_id), Ok(secret)) = (
        crate::context::random_token(),
        crate::context::random_token(),
    ) else {
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

/// Marks the subscription to be left: unsubscribed at the next WebSub round.
pub fn leave(rec: &mut WebSubRecord, now: i64) {
    rec.state = WebSubState::Leaving;
    rec.next_action_at = now;
    rec.attempts = 0;
}
