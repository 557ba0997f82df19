//! WebSub subscriptions: one record per subscription the bot asked a hub for, keyed by
//! its callback id (the opaque last segment of the callback URL).
//!
//! | tree | key | value |
//! |---|---|---|
//! | `websub` | callback id (UTF-8) | [`WebSubRecord`] |
//!
//! Must not: decide when to subscribe, renew or leave (the `websub` module does); every
//! write here is flushed, because a hub's verification may arrive a moment later.

use super::{Store, StoreError, dec, enc, now_unix};
use serde::{Deserialize, Serialize};

/// Where a subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebSubState {
    /// Asked for; the hub has not verified it yet.
    Requested,
    /// Verified by the hub: content arrives until `expires_at`.
    Active,
    /// The hub said `hub.mode=denied`; asked again at `next_action_at`.
    Denied,
    /// The feed was removed (or names another hub): unsubscribing.
    Leaving,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WebSubRecord {
    pub v: u32,
    pub callback_id: String,
    pub feed_id: u64,
    /// `hub.topic`: the feed's `rel="self"` address, else its URL.
    pub topic: String,
    pub hub: String,
    /// `hub.secret`: the HMAC key of `X-Hub-Signature`.
    pub secret: String,
    pub state: WebSubState,
    /// When the hub's lease ends (unix seconds), once verified.
    pub expires_at: Option<i64>,
    /// When the subscriber acts on it next: renew, ask again, or unsubscribe.
    pub next_action_at: i64,
    /// Requests sent in the current state without the hub's answer.
    #[serde(default)]
    pub attempts: u32,
}

impl WebSubRecord {
    /// Whether the hub pushes this feed now (verified and the lease not over).
    pub fn is_pushing(&self, now: i64) -> bool {
        self.state == WebSubState::Active && self.expires_at.is_some_and(|t| t > now)
    }
}

impl Store {
    fn websub_tree(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree("websub")?)
    }

    /// Writes a subscription record (flushed).
    pub fn websub_put(&self, rec: &WebSubRecord) -> Result<(), StoreError> {
        self.websub_tree()?
            .insert(rec.callback_id.as_bytes(), enc(rec)?)?;
        self.db.flush()?;
        Ok(())
    }

    pub fn websub_get(&self, callback_id: &str) -> Result<Option<WebSubRecord>, StoreError> {
        let key = callback_id.as_bytes();
        self.websub_tree()?
            .get(key)?
            .map(|v| dec(key, &v))
            .transpose()
    }

    /// Every subscription record, in callback-id order.
    pub fn websub_all(&self) -> Result<Vec<WebSubRecord>, StoreError> {
        self.websub_tree()?
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                dec(&k, &v)
            })
            .collect()
    }

    /// Forgets a subscription (flushed).
    pub fn websub_remove(&self, callback_id: &str) -> Result<(), StoreError> {
        self.websub_tree()?.remove(callback_id.as_bytes())?;
        self.db.flush()?;
        Ok(())
    }

    /// Whether a hub pushes the feed now (its polls can then be spaced out).
    pub fn websub_pushing(&self, feed_id: u64) -> bool {
        let now = now_unix();
        self.websub_all().is_ok_and(|all| {
            all.iter()
                .any(|r| r.feed_id == feed_id && r.is_pushing(now))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscription_is_kept_found_and_forgotten() {
        let s = Store::temporary().unwrap();
        let mut rec = WebSubRecord {
            v: 1,
            callback_id: "cb1".into(),
            feed_id: 3,
            topic: "https://a.example/feed".into(),
            hub: "https://hub.example/".into(),
            secret: "k".into(),
            state: WebSubState::Requested,
            expires_at: None,
            next_action_at: 0,
            attempts: 1,
        };
        s.websub_put(&rec).unwrap();
        assert_eq!(s.websub_get("cb1").unwrap().as_ref(), Some(&rec));
        assert!(!s.websub_pushing(3));
        rec.state = WebSubState::Active;
        rec.expires_at = Some(now_unix() + 60);
        s.websub_put(&rec).unwrap();
        assert!(s.websub_pushing(3));
        assert!(!s.websub_pushing(4));
        assert_eq!(s.websub_all().unwrap().len(), 1);
        s.websub_remove("cb1").unwrap();
        assert!(s.websub_get("cb1").unwrap().is_none());
    }
}
