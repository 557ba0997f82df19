//! Plain-text notices in the outbox (tree `outbox`, as [`DeliveryRecord`]s whose
//! `notice` holds the text), and a feed's notice written with the flag that says it was
//! told (`FeedHealth::told_failing`), in one transaction.
//!
//! A feed's failing (or recovered) notice and its `told_failing` flag are one write: a
//! crash leaves either both (the notice is sent after the restart, and the feed is not
//! told about again) or neither (the next poll reports it again). Two reports of the same
//! change write one notice.
//!
//! Must not: word notices or decide who gets them (the notice task does).

use super::{DeliveryRecord, FeedRecord, OutboxKey, Store, StoreError, abort, dec, enc, now_unix};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

impl Store {
    /// Queues plain-text notices, one per `(chat, text)`, in one transaction, and flushes
    /// before returning the outbox keys written (the caller then tells the sender).
    pub async fn queue_notices(
        &self,
        notices: &[(i64, String)],
    ) -> Result<Vec<OutboxKey>, StoreError> {
        let keys = self.notice_keys(notices)?;
        let now = now_unix();
        self.outbox
            .transaction(|outbox| put_notices(outbox, &keys, notices, now))?;
        self.flush().await?;
        Ok(keys)
    }

    /// Sets feed `feed_id`'s `told_failing` to `told` and queues `notices` in one
    /// transaction (flushed), and returns the outbox keys written. Writes nothing and
    /// returns `None` when the flag is already `told` (the change was told before) or the
    /// feed is gone.
    pub async fn queue_feed_notices(
        &self,
        feed_id: u64,
        told: bool,
        notices: &[(i64, String)],
    ) -> Result<Option<Vec<OutboxKey>>, StoreError> {
        let keys = self.notice_keys(notices)?;
        let now = now_unix();
        let key = feed_id.to_be_bytes();
        let written = (&self.feeds, &self.outbox).transaction(|(feeds, outbox)| {
            let Some(bytes) = feeds.get(key)? else {
                return Ok(false);
            };
            let mut feed: FeedRecord = dec(&key, &bytes).map_err(abort)?;
            if feed.health.told_failing == told {
                return Ok(false);
            }
            feed.health.told_failing = told;
            feeds.insert(&key, enc(&feed).map_err(abort)?)?;
            put_notices(outbox, &keys, notices, now)?;
            Ok(true)
        })?;
        if !written {
            return Ok(None);
        }
        self.flush().await?;
        Ok(Some(keys))
    }

    /// Outbox keys for `notices`, reserved outside any transaction (its closure may run
    /// again).
    pub(super) fn notice_keys(
        &self,
        notices: &[(i64, String)],
    ) -> Result<Vec<OutboxKey>, StoreError> {
        notices
            .iter()
            .map(|(chat, _)| {
                Ok(OutboxKey {
                    chat_id: *chat,
                    seq: self.db.generate_id()?,
                })
            })
            .collect()
    }
}

/// Writes one notice record per key, inside a transaction.
pub(super) fn put_notices(
    outbox: &TransactionalTree,
    keys: &[OutboxKey],
    notices: &[(i64, String)],
    now: i64,
) -> Result<(), ConflictableTransactionError<StoreError>> {
    for (key, (chat, text)) in keys.iter().zip(notices) {
        let rec = DeliveryRecord {
            notice: Some(text.clone()),
            ..DeliveryRecord::to_chat(*chat, None, 0, now)
        };
        outbox.insert(&key.bytes(), enc(&rec).map_err(abort)?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_feed_notice_and_its_flag_are_written_together_and_once() {
        let s = Store::temporary().unwrap();
        let feed = s
            .add_feed(FeedRecord::new("https://a.example/feed", "A"))
            .unwrap()
            .unwrap();
        let failing = vec![(7, "failing".to_string()), (8, "failing".to_string())];
        let keys = s.queue_feed_notices(feed.id, true, &failing).await.unwrap();
        assert_eq!(keys.map(|k| k.len()), Some(2));
        assert!(s.feed(feed.id).unwrap().unwrap().health.told_failing);
        // The same change reported again writes nothing.
        assert_eq!(
            s.queue_feed_notices(feed.id, true, &failing).await.unwrap(),
            None
        );
        assert_eq!(s.outbox_len(), 2);
        // The recovery clears the flag with its own notice.
        let recovered = vec![(7, "recovered".to_string())];
        let keys = s
            .queue_feed_notices(feed.id, false, &recovered)
            .await
            .unwrap();
        assert_eq!(keys.map(|k| k.len()), Some(1));
        assert!(!s.feed(feed.id).unwrap().unwrap().health.told_failing);
        assert_eq!(s.outbox_len(), 3);
        let texts: Vec<String> = s
            .outbox()
            .unwrap()
            .into_iter()
            .filter_map(|(_, d)| d.notice)
            .collect();
        assert_eq!(texts, ["failing", "recovered", "failing"]);
        // A feed that is gone gets nothing.
        assert_eq!(
            s.queue_feed_notices(feed.id + 100, true, &failing)
                .await
                .unwrap(),
            None
        );
        assert_eq!(s.outbox_len(), 3);
    }
}
