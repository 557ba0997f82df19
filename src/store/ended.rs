//! Subscriptions that Telegram ended and whose notice is not queued yet (tree `ended`,
//! keyed by chat id, as [`EndedRecord`]s).
//!
//! Ending a subscription removes it, drops what was queued for the chat and writes the
//! pending record in one transaction ([`Store::end_subscription`]); the notice is queued
//! and the record deleted in another ([`Store::queue_ended_notices`]). A crash between the
//! two leaves the record, which the notice task replays at its next start
//! ([`Store::ended_pending`]): the notice is neither lost nor written twice.
//!
//! Must not: word notices or decide who gets them (the notice task does).

use super::{
    OutboxKey, Store, StoreError, SubscriberRecord, abort, dec, enc, i64_key, notices::put_notices,
    now_unix,
};
use serde::{Deserialize, Serialize};
use sled::Transactional;

/// A subscription that ended, kept until its notice is in the outbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EndedRecord {
    /// Record version (1).
    pub v: u32,
    /// The subscription as it was when it ended (who set it up, their language).
    pub record: SubscriberRecord,
    /// Telegram's answer that ended it.
    pub reason: String,
    /// Unix time (seconds) the subscription ended.
    pub at: i64,
}

impl Store {
    fn ended_tree(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree("ended")?)
    }

    /// Ends chat `chat_id`'s subscription for `reason`: removes it and writes its pending
    /// [`EndedRecord`] in one transaction, then drops what was queued for the chat, and
    /// flushes. Returns the record, or `None` when the chat was not subscribed.
    pub fn end_subscription(
        &self,
        chat_id: i64,
        reason: &str,
    ) -> Result<Option<EndedRecord>, StoreError> {
        let key = i64_key(chat_id);
        let ended = self.ended_tree()?;
        let written = (&self.subscribers, &ended).transaction(|(subs, ended)| {
            let Some(bytes) = subs.remove(&key)? else {
                return Ok(None);
            };
            let rec = EndedRecord {
                v: 1,
                record: dec(&key, &bytes).map_err(abort)?,
                reason: reason.to_string(),
                at: now_unix(),
            };
            ended.insert(&key, enc(&rec).map_err(abort)?)?;
            Ok(Some(rec))
        })?;
        self.subscribers_changed();
        self.drop_deliveries(chat_id)?;
        self.db.flush()?;
        Ok(written)
    }

    /// Queues the notices of chat `chat_id`'s ended subscription and deletes its pending
    /// record in one transaction (flushed), and returns the outbox keys written. Writes
    /// nothing and returns `None` when no record is pending (it was told before).
    pub async fn queue_ended_notices(
        &self,
        chat_id: i64,
        notices: &[(i64, String)],
    ) -> Result<Option<Vec<OutboxKey>>, StoreError> {
        let keys = self.notice_keys(notices)?;
        let now = now_unix();
        let key = i64_key(chat_id);
        let ended = self.ended_tree()?;
        let written = (&ended, &self.outbox).transaction(|(ended, outbox)| {
            if ended.remove(&key)?.is_none() {
                return Ok(false);
            }
            put_notices(outbox, &keys, notices, now)?;
            Ok(true)
        })?;
        if !written {
            return Ok(None);
        }
        self.flush().await?;
        Ok(Some(keys))
    }

    /// Every ended subscription whose notice is not queued yet, in chat order.
    pub fn ended_pending(&self) -> Result<Vec<EndedRecord>, StoreError> {
        self.ended_tree()?
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                dec(&k, &v)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(chat_id: i64, by: i64) -> SubscriberRecord {
        SubscriberRecord {
            v: 1,
            chat_id,
            kind: "group".into(),
            added_by: Some(by),
            ..SubscriberRecord::default()
        }
    }

    #[tokio::test]
    async fn an_ended_subscription_is_pending_until_its_notice_is_queued_once() {
        let s = Store::temporary().unwrap();
        s.subscribe(&group(-100, 7)).unwrap();
        s.subscribe(&group(-200, 8)).unwrap();
        let ended = s.end_subscription(-100, "Forbidden").unwrap().unwrap();
        assert_eq!(
            (ended.record.added_by, ended.reason.as_str()),
            (Some(7), "Forbidden")
        );
        // Gone from the subscribers and pending, in the same write.
        assert!(s.subscriber(-100).unwrap().is_none());
        assert_eq!(s.ended_pending().unwrap(), [ended]);
        // A chat not subscribed ends nothing and leaves nothing pending.
        assert_eq!(s.end_subscription(-300, "Forbidden").unwrap(), None);
        assert_eq!(s.ended_pending().unwrap().len(), 1);

        let notice = vec![(7, "ended".to_string())];
        let keys = s.queue_ended_notices(-100, &notice).await.unwrap();
        assert_eq!(keys.map(|k| k.len()), Some(1));
        assert!(s.ended_pending().unwrap().is_empty());
        // The same end reported again (a replay and the event) writes nothing.
        assert_eq!(s.queue_ended_notices(-100, &notice).await.unwrap(), None);
        assert_eq!(s.outbox_len(), 1);
        // Nobody to tell still clears the record.
        s.end_subscription(-200, "Forbidden").unwrap().unwrap();
        assert_eq!(
            s.queue_ended_notices(-200, &[]).await.unwrap(),
            Some(vec![])
        );
        assert!(s.ended_pending().unwrap().is_empty());
        assert_eq!(s.subscriber(-200).unwrap(), None);
    }
}
