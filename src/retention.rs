//! How long the store keeps the records every alert leaves behind: an alert record is
//! deleted [`ALERT_KEEP_SECS`] after it was written, once no outbox record carries it
//! (`Store::prune_alerts`). Without this the `alerts` tree grows with every appeal ever
//! sent. The poller's periodic sweep calls [`sweep`] (the first time at start, then every
//! ten minutes, beside the review expiry).
//!
//! Must not: delete an alert still needed — by a queued message, by a held appeal waiting
//! for a decision (48 h at most, `store::HOLD_SECS`), or by `/wrong` in reply to a message
//! it carries (messages are remembered for two 30-day periods, `store/feedback.rs`).

use crate::store::{HOLD_SECS, Store};

/// Sixty days: the longest a sent message's alert can still be looked up by `/wrong`.
pub const ALERT_KEEP_SECS: i64 = 60 * 24 * 3600;

const _: () = assert!(ALERT_KEEP_SECS > HOLD_SECS);

/// Deletes the alerts older than [`ALERT_KEEP_SECS`] at `now` that nothing queued carries;
/// a failure is logged, and the next sweep tries again.
pub fn sweep(store: &Store, now: i64) {
    match store.prune_alerts(now, ALERT_KEEP_SECS) {
        Ok(0) => {}
        Ok(n) => tracing::info!(count = n, "old alerts deleted"),
        Err(e) => tracing::warn!(error = %e, "cannot delete old alerts"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{AlertRecord, FeedRecord, NewEntry};

    const DAY: i64 = 24 * 3600;

    fn alert(id: u64, created_at: i64) -> AlertRecord {
        AlertRecord {
            v: 1,
            id,
            entry_id: format!("e{id}"),
            created_at,
            ..AlertRecord::default()
        }
    }

    #[tokio::test]
    async fn old_alerts_go_and_recent_or_queued_ones_stay() {
        let store = Store::temporary().unwrap();
        let now = 1_900_000_000;
        // One queued for a chat (the outbox still carries it), then aged.
        let feed = store
            .add_feed(FeedRecord::new("https://relief.example/feed", "Relief"))
            .unwrap()
            .unwrap();
        let queued = NewEntry {
            keys: vec!["q".into()],
            alert: Some(alert(0, now)),
        };
        let batch = (vec![queued], vec![(1001, None)]);
        store
            .commit_poll(feed.id, &|_| {}, &[batch], 100)
            .await
            .unwrap();
        let mut queued = store.recent_alerts(1).unwrap().remove(0);
        queued.created_at = now - ALERT_KEEP_SECS - DAY;
        store.update_alert(&queued).unwrap();
        let old = alert(queued.id + 1, now - ALERT_KEEP_SECS - 1);
        let recent = alert(queued.id + 2, now - ALERT_KEEP_SECS + DAY);
        for a in [&old, &recent] {
            store.update_alert(a).unwrap();
        }

        sweep(&store, now);
        assert!(store.alert(old.id).unwrap().is_none(), "older than kept");
        assert!(store.alert(recent.id).unwrap().is_some(), "recent");
        assert!(store.alert(queued.id).unwrap().is_some(), "still queued");
        // Once its message went, the queued one goes too (the broadcast's chunk expanded
        // into its outbox record first, kept all along).
        assert_eq!(store.expand_broadcasts().unwrap(), 1);
        sweep(&store, now);
        assert!(store.alert(queued.id).unwrap().is_some(), "still queued");
        let keys: Vec<_> = store
            .outbox()
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys.len(), 1);
        store.remove_deliveries(&keys).unwrap();
        sweep(&store, now);
        assert!(
            store.alert(queued.id).unwrap().is_none(),
            "delivered and old"
        );
        assert!(store.alert(recent.id).unwrap().is_some(), "recent");
    }
}
