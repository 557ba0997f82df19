//! WebSub subscriptions: one record per subscription the bot asked a hub for, keyed by
//! its callback id (the opaque last segment of the callback URL).
//!
//! | tree | key | value |
//! |---|---|---|
//! | `websub` | callback id (UTF-8) | [`WebSubRecord`] |
//! | `websub_pushes` | sequence u64 | [`PushRecord`]: feed id u64, topic length u32, topic (UTF-8), then the body as pushed |
//!
//! A push is kept (flushed) before the hub gets its 2xx, and removed once its entries are
//! committed: a crash in between takes it again at the next start, and the seen set
//! keeps that from alerting twice.
//!
//! Must not: decide when to subscribe, renew or leave (the `websub` module does); every
//! write here that a hub is answered after is flushed.

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

/// A WebSub subscription (tree `websub`, key its callback id), created when a feed names a hub.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WebSubRecord {
    /// Record version (1).
    pub v: u32,
    /// The random id in the callback URL (`/websub/<id>`).
    pub callback_id: String,
    /// The feed it pushes.
    pub feed_id: u64,
    /// `hub.topic`: the feed's `rel="self"` address, else its URL.
    pub topic: String,
    /// The hub's URL (`rel="hub"`).
    pub hub: String,
    /// `hub.secret`: the HMAC key of `X-Hub-Signature`.
    pub secret: String,
    /// Where the subscription stands.
    pub state: WebSubState,
    /// When the hub's lease ends (unix seconds), once verified.
    pub expires_at: Option<i64>,
    /// When the subscriber acts on it next: renew, ask again, or unsubscribe.
    pub next_action_at: i64,
    /// Requests sent in the current state without the hub's answer.
    #[serde(default)]
    pub attempts: u32,
}

/// Signed content a hub pushed, kept until its entries are committed.
#[derive(Debug, Clone, PartialEq)]
pub struct PushRecord {
    /// Its key in `websub_pushes`: order of arrival.
    pub seq: u64,
    /// The feed it updates.
    pub feed_id: u64,
    /// The subscription's topic (relative links in the body resolve against it).
    pub topic: String,
    /// The pushed feed document, as the hub sent it.
    pub body: Vec<u8>,
}

impl PushRecord {
    fn bytes(&self) -> Vec<u8> {
        let topic = self.topic.as_bytes();
        let mut out = Vec::with_capacity(12 + topic.len() + self.body.len());
        out.extend_from_slice(&self.feed_id.to_be_bytes());
        out.extend_from_slice(&(topic.len() as u32).to_be_bytes());
        out.extend_from_slice(topic);
        out.extend_from_slice(&self.body);
        out
    }

    fn from_bytes(key: &[u8], v: &[u8]) -> Result<PushRecord, StoreError> {
        let corrupt = || StoreError::Corrupt {
            key: format!("websub_pushes/{key:?}"),
            message: "truncated push record".into(),
        };
        let seq = u64::from_be_bytes(key.try_into().map_err(|_| corrupt())?);
        let feed_id = u64::from_be_bytes(
            v.get(..8)
                .ok_or_else(corrupt)?
                .try_into()
                .map_err(|_| corrupt())?,
        );
        let len = u32::from_be_bytes(
            v.get(8..12)
                .ok_or_else(corrupt)?
                .try_into()
                .map_err(|_| corrupt())?,
        ) as usize;
        let topic = v.get(12..12 + len).ok_or_else(corrupt)?;
        Ok(PushRecord {
            seq,
            feed_id,
            topic: String::from_utf8_lossy(topic).into_owned(),
            body: v[12 + len..].to_vec(),
        })
    }
}

impl WebSubState {
    /// The state's name, as stored and as `/metrics` labels it.
    pub fn name(self) -> &'static str {
        match self {
            WebSubState::Requested => "requested",
            WebSubState::Active => "active",
            WebSubState::Denied => "denied",
            WebSubState::Leaving => "leaving",
        }
    }
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

    /// The subscription with this callback id, if any.
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

    fn pushes_tree(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree("websub_pushes")?)
    }

    /// Keeps pushed content for feed `feed_id` until [`Store::push_done`], durably (the
    /// hub is answered after this); returns the push's sequence number.
    pub async fn push_put(
        &self,
        feed_id: u64,
        topic: &str,
        body: &[u8],
    ) -> Result<PushRecord, StoreError> {
        let rec = PushRecord {
            seq: self.db.generate_id()?,
            feed_id,
            topic: topic.to_string(),
            body: body.to_vec(),
        };
        self.pushes_tree()?
            .insert(rec.seq.to_be_bytes(), rec.bytes())?;
        self.flush().await?;
        Ok(rec)
    }

    /// The pushes kept and not yet taken, oldest first.
    pub fn pushes(&self) -> Result<Vec<PushRecord>, StoreError> {
        self.pushes_tree()?
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                PushRecord::from_bytes(&k, &v)
            })
            .collect()
    }

    /// Forgets a push whose entries are committed (made durable by the next flush: a
    /// push taken twice alerts nothing twice).
    pub fn push_done(&self, seq: u64) -> Result<(), StoreError> {
        self.pushes_tree()?.remove(seq.to_be_bytes())?;
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

    #[tokio::test]
    async fn a_push_is_kept_whole_until_it_is_done() {
        let s = Store::temporary().unwrap();
        let a = s
            .push_put(3, "https://a.example/feed", b"<feed/>")
            .await
            .unwrap();
        let b = s.push_put(4, "", b"").await.unwrap();
        assert!(a.seq < b.seq);
        assert_eq!(s.pushes().unwrap(), vec![a.clone(), b.clone()]);
        assert_eq!(a.body, b"<feed/>");
        assert_eq!((b.feed_id, b.topic.as_str()), (4, ""));
        s.push_done(a.seq).unwrap();
        assert_eq!(s.pushes().unwrap(), vec![b]);
    }
}
