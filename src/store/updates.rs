//! Telegram updates the bot has taken in: which ones were handled (so a replayed update
//! acts once) and, in webhook mode, the updates accepted but not yet handled (the inbox).
//!
//! | tree | key | value |
//! |---|---|---|
//! | `updates` | update id i64 | [`UpdateRecord`]: when it was first handled, the reply it produced, whether that reply went out |
//! | `inbox` | update id i64 | the update as Telegram posted it (JSON bytes) |
//! | `meta` | `webhook_secret` | the generated webhook secret (UTF-8) |
//!
//! Records older than [`KEEP_HANDLED_SECS`] are pruned: Telegram keeps an unconfirmed
//! update for 24 hours, so nothing older can come back.
//!
//! Must not: decide what an update means (the bot does).

use super::{Store, StoreError, dec, enc, i64_from_key, i64_key, now_unix};
use serde::{Deserialize, Serialize};

/// How long a handled update id is remembered: twice Telegram's 24 h.
pub const KEEP_HANDLED_SECS: i64 = 48 * 3600;

/// A Telegram update being handled or handled (tree `updates`, key its update id).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UpdateRecord {
    /// Record version (1).
    pub v: u32,
    /// Unix time (seconds) the record was written (pruning goes by it).
    pub at: i64,
    /// The reply the handler produced (stored before it is sent).
    pub answer: Option<String>,
    /// The handler finished: its reply (if any) went out.
    pub done: bool,
}

/// Where the handling of one update stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateState {
    /// Never handled (or pruned).
    New,
    /// Handled, the reply stored but not known to be sent: send it, do not act again.
    Answered(String),
    /// Handled and replied: nothing left to do.
    Done,
}

impl Store {
    fn updates_tree(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree("updates")?)
    }

    fn inbox_tree(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree("inbox")?)
    }

    fn update_record(&self, id: i64) -> Result<Option<UpdateRecord>, StoreError> {
        let k = i64_key(id);
        self.updates_tree()?
            .get(k)?
            .map(|v| dec(&k, &v))
            .transpose()
    }

    /// Where the handling of update `id` stands.
    pub fn update_state(&self, id: i64) -> Result<UpdateState, StoreError> {
        Ok(match self.update_record(id)? {
            None => UpdateState::New,
            Some(r) if r.done => UpdateState::Done,
            Some(r) => r.answer.map_or(UpdateState::New, UpdateState::Answered),
        })
    }

    /// Records the reply of update `id` before it is sent, durably: a crash after this
    /// sends the stored reply instead of acting again.
    pub async fn record_answer(&self, id: i64, answer: &str) -> Result<(), StoreError> {
        self.put_update(id, Some(answer.to_string()), false)?;
        self.flush().await
    }

    /// Records that update `id` is handled and replied to, durably.
    pub async fn mark_update_done(&self, id: i64) -> Result<(), StoreError> {
        let answer = self.update_record(id)?.and_then(|r| r.answer);
        self.put_update(id, answer, true)?;
        self.inbox_tree()?.remove(i64_key(id))?;
        self.flush().await
    }

    fn put_update(&self, id: i64, answer: Option<String>, done: bool) -> Result<(), StoreError> {
        let rec = UpdateRecord {
            v: 1,
            at: now_unix(),
            answer,
            done,
        };
        self.updates_tree()?.insert(i64_key(id), enc(&rec)?)?;
        Ok(())
    }

    /// Forgets handled updates older than `keep_secs`; returns how many.
    pub fn prune_updates(&self, keep_secs: i64) -> Result<usize, StoreError> {
        let tree = self.updates_tree()?;
        let cutoff = now_unix() - keep_secs;
        let mut old = Vec::new();
        for kv in tree.iter() {
            let (k, v) = kv?;
            let rec: UpdateRecord = dec(&k, &v)?;
            if rec.at < cutoff {
                old.push(k);
            }
        }
        for k in &old {
            tree.remove(k)?;
        }
        Ok(old.len())
    }

    /// The webhook secret generated at an earlier start, if any.
    pub fn webhook_secret(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .meta
            .get("webhook_secret")?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Keeps a generated webhook secret (flushed), so every later start gives Telegram
    /// the same one.
    pub fn set_webhook_secret(&self, secret: &str) -> Result<(), StoreError> {
        self.meta.insert("webhook_secret", secret.as_bytes())?;
        self.db.flush()?;
        Ok(())
    }

    /// Keeps an update posted to the webhook until it is handled, durably.
    pub async fn inbox_put(&self, id: i64, update: &[u8]) -> Result<(), StoreError> {
        self.inbox_tree()?.insert(i64_key(id), update)?;
        self.flush().await
    }

    /// The updates accepted and not yet handled, oldest first.
    pub fn inbox(&self) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.inbox_tree()?.iter() {
            let (k, v) = kv?;
            if let Some(id) = i64_from_key(&k) {
                out.push((id, v.to_vec()));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_update_goes_from_new_to_answered_to_done_and_leaves_the_inbox() {
        let s = Store::temporary().unwrap();
        assert_eq!(s.update_state(7).unwrap(), UpdateState::New);
        s.inbox_put(7, b"{}").await.unwrap();
        assert_eq!(s.inbox().unwrap(), vec![(7, b"{}".to_vec())]);
        s.record_answer(7, "Added").await.unwrap();
        assert_eq!(
            s.update_state(7).unwrap(),
            UpdateState::Answered("Added".into())
        );
        s.mark_update_done(7).await.unwrap();
        assert_eq!(s.update_state(7).unwrap(), UpdateState::Done);
        assert!(s.inbox().unwrap().is_empty());
        assert_eq!(s.prune_updates(3600).unwrap(), 0);
        assert_eq!(s.prune_updates(-10).unwrap(), 1);
        assert_eq!(s.update_state(7).unwrap(), UpdateState::New);
    }
}
