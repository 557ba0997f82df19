//! Verdict feedback as stored: what organizers said of an alert (`/wrong`) or of an entry
//! the detector missed (`/send`), the marks that raise a feed's threshold, and which
//! alert each message the outbox worker sent carries (so a reply to it names the alert).
//!
//! | tree | key | value |
//! |---|---|---|
//! | `feedback` | `r` ++ sequence u64 | [`FeedbackRecord`], oldest first |
//! | `feedback` | `k` ++ feed id u64 ++ verdict byte ++ user id i64 ++ entry id | sequence u64: one record per user, entry and verdict |
//! | `feedback` | `w` ++ feed id u64 ++ entry id | i64 BE: when the entry's alert was first marked wrong (counted by the threshold; removed by a reset) |
//! | `sent_messages:<period>` | chat id i64 ++ message id i32 | alert id u64 BE |
//!
//! The sent messages of each 30-day period (unix time / [`SENT_PERIOD_SECS`]) have a tree
//! of their own: a lookup reads the current period's and the one before, and the first
//! write of a period drops the trees older than that, so the map never grows past two
//! periods of sends.
//!
//! Must not: decide what the marks mean (how much a threshold rises is
//! [`crate::feedback`]'s), or word anything.

use super::{ActionRecord, AlertRecord, Store, StoreError, dec, enc, i64_key, now_unix};
use serde::{Deserialize, Serialize};
use sled::transaction::TransactionError;
use std::sync::atomic::Ordering;

/// How many alerts, newest first, a search by entry or link looks at.
const ALERT_SCAN: usize = 20_000;
/// The span of one `sent_messages` tree.
pub(crate) const SENT_PERIOD_SECS: i64 = 30 * 24 * 3600;
const SENT_TREE: &str = "sent_messages:";

/// What an organizer said of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackVerdict {
    /// An appeal (the detector missed it: `/send`).
    Appeal,
    /// Not an appeal (an alert sent by mistake: `/wrong`).
    NotAppeal,
}

impl FeedbackVerdict {
    /// Its name in records and `solibot feedback export` (`appeal`, `not_appeal`).
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackVerdict::Appeal => "appeal",
            FeedbackVerdict::NotAppeal => "not_appeal",
        }
    }

    fn byte(self) -> u8 {
        match self {
            FeedbackVerdict::Appeal => b'a',
            FeedbackVerdict::NotAppeal => b'n',
        }
    }
}

/// One verdict of an organizer, with what the detector said of the entry (the fields of
/// `solibot check --json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FeedbackRecord {
    /// Record version (1).
    pub v: u32,
    /// The feed the entry came from.
    pub feed_id: u64,
    /// The feed's name at the time.
    pub feed_name: String,
    /// The feed's URL at the time.
    pub feed_url: String,
    /// The alert marked (`/wrong`) or sent (`/send`, once committed), if any.
    pub alert_id: Option<u64>,
    /// The entry's stable id.
    pub entry_id: String,
    /// The entry's title (plain text).
    pub title: String,
    /// The entry's link.
    pub link: Option<String>,
    /// RFC 3339.
    pub published: Option<String>,
    /// The entry's language as the detector identified it.
    pub lang: String,
    /// What the detector decided (with the feed's threshold at the time).
    pub is_appeal: bool,
    /// The detector's score; `None` for alerts stored before scores were kept.
    pub score: Option<f64>,
    /// The actions the detector found.
    pub actions: Vec<ActionRecord>,
    /// The hashtags the detector found, `#` included.
    pub hashtags: Vec<String>,
    /// The detector's summary.
    pub summary: String,
    /// The reasons the detector gave.
    pub reasons: Vec<String>,
    /// The entry's `when` (RFC 3339), as its alert carried it; absent in older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// The entry's `deadline` (RFC 3339), as its alert carried it; absent in older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// What the organizer said.
    pub verdict: FeedbackVerdict,
    /// The Telegram user id of the organizer or admin.
    pub by: i64,
    /// Unix time.
    pub at: i64,
}

fn record_key(seq: u64) -> Vec<u8> {
    let mut k = vec![b'r'];
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

fn dedupe_key(rec: &FeedbackRecord) -> Vec<u8> {
    let mut k = vec![b'k'];
    k.extend_from_slice(&rec.feed_id.to_be_bytes());
    k.push(rec.verdict.byte());
    k.extend_from_slice(&i64_key(rec.by));
    k.extend_from_slice(rec.entry_id.as_bytes());
    k
}

fn wrong_prefix(feed_id: u64) -> Vec<u8> {
    let mut k = vec![b'w'];
    k.extend_from_slice(&feed_id.to_be_bytes());
    k
}

fn wrong_key(feed_id: u64, entry_id: &str) -> Vec<u8> {
    let mut k = wrong_prefix(feed_id);
    k.extend_from_slice(entry_id.as_bytes());
    k
}

fn sent_key(chat_id: i64, message_id: i32) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..8].copy_from_slice(&i64_key(chat_id));
    k[8..].copy_from_slice(&message_id.to_be_bytes());
    k
}

impl Store {
    fn feedback_tree(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree("feedback")?)
    }

    fn sent_messages_tree(&self, period: i64) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree(format!("{SENT_TREE}{period}"))?)
    }

    /// At the first write of a period: drops the sent-message trees of the periods
    /// before the previous one.
    fn drop_old_sent_messages(&self, period: i64) -> Result<(), StoreError> {
        let last = self.cache.sent_period.swap(period as u64, Ordering::AcqRel);
        if last == period as u64 {
            return Ok(());
        }
        for name in self.db.tree_names() {
            let old = std::str::from_utf8(&name)
                .ok()
                .and_then(|n| n.strip_prefix(SENT_TREE))
                .and_then(|p| p.parse::<i64>().ok())
                .is_some_and(|p| p < period - 1);
            if old {
                self.db.drop_tree(&name)?;
            }
        }
        Ok(())
    }

    /// Records a verdict once per user, entry and verdict (and, for `not_appeal`, marks
    /// the entry wrong for its feed's threshold), durably; whether it was new.
    pub async fn record_feedback(&self, rec: &FeedbackRecord) -> Result<bool, StoreError> {
        let tree = self.feedback_tree()?;
        let seq = self.db.generate_id()?;
        let (key, dedupe) = (record_key(seq), dedupe_key(rec));
        let wrong = (rec.verdict == FeedbackVerdict::NotAppeal)
            .then(|| wrong_key(rec.feed_id, &rec.entry_id));
        let bytes = enc(rec)?;
        let new: Result<bool, TransactionError<StoreError>> = tree.transaction(|t| {
            if t.get(&dedupe)?.is_some() {
                return Ok(false);
            }
            t.insert(dedupe.as_slice(), &seq.to_be_bytes())?;
            t.insert(key.as_slice(), bytes.as_slice())?;
            if let Some(w) = &wrong
                && t.get(w)?.is_none()
            {
                t.insert(w.as_slice(), &rec.at.to_be_bytes())?;
            }
            Ok(true)
        });
        let new = new?;
        if new {
            self.flush().await?;
        }
        Ok(new)
    }

    /// Every verdict recorded, oldest first.
    pub fn feedback_records(&self) -> Result<Vec<FeedbackRecord>, StoreError> {
        self.feedback_tree()?
            .scan_prefix([b'r'])
            .map(|kv| {
                let (k, v) = kv?;
                dec(&k, &v)
            })
            .collect()
    }

    /// How many of a feed's alerts were marked wrong at or after `since` (unix time),
    /// each alert once, since the feed's last reset.
    pub fn wrong_marks_since(&self, feed_id: u64, since: i64) -> Result<usize, StoreError> {
        let mut n = 0;
        for kv in self.feedback_tree()?.scan_prefix(wrong_prefix(feed_id)) {
            let (_, v) = kv?;
            let at = v.as_ref().try_into().map(i64::from_be_bytes).unwrap_or(0);
            n += usize::from(at >= since);
        }
        Ok(n)
    }

    /// Forgets a feed's wrong marks (the records stay); how many there were.
    pub fn clear_wrong_marks(&self, feed_id: u64) -> Result<usize, StoreError> {
        let tree = self.feedback_tree()?;
        let keys: Vec<_> = tree
            .scan_prefix(wrong_prefix(feed_id))
            .keys()
            .collect::<Result<_, _>>()?;
        let mut batch = sled::Batch::default();
        keys.iter().for_each(|k| batch.remove(k));
        tree.apply_batch(batch)?;
        self.db.flush()?;
        Ok(keys.len())
    }

    /// Remembers which alert a sent message carries (made durable with the delivery's
    /// removal).
    pub fn record_sent_message(
        &self,
        chat_id: i64,
        message_id: i32,
        alert_id: u64,
    ) -> Result<(), StoreError> {
        self.record_sent_message_at(now_unix(), chat_id, message_id, alert_id)
    }

    fn record_sent_message_at(
        &self,
        now: i64,
        chat_id: i64,
        message_id: i32,
        alert_id: u64,
    ) -> Result<(), StoreError> {
        let period = now / SENT_PERIOD_SECS;
        self.drop_old_sent_messages(period)?;
        self.sent_messages_tree(period)?
            .insert(sent_key(chat_id, message_id), &alert_id.to_be_bytes())?;
        Ok(())
    }

    /// The alert a message the worker sent carries, if it was one alert.
    pub fn sent_message_alert(
        &self,
        chat_id: i64,
        message_id: i32,
    ) -> Result<Option<u64>, StoreError> {
        self.sent_message_alert_at(now_unix(), chat_id, message_id)
    }

    fn sent_message_alert_at(
        &self,
        now: i64,
        chat_id: i64,
        message_id: i32,
    ) -> Result<Option<u64>, StoreError> {
        let period = now / SENT_PERIOD_SECS;
        for p in [period, period - 1] {
            let found = self
                .sent_messages_tree(p)?
                .get(sent_key(chat_id, message_id))?;
            if let Some(v) = found {
                return Ok(v.as_ref().try_into().ok().map(u64::from_be_bytes));
            }
        }
        Ok(None)
    }

    /// The newest alerts (at most [`ALERT_SCAN`] looked at) that `wanted` accepts, newest
    /// first, at most `limit`.
    pub fn alerts_where(
        &self,
        wanted: impl Fn(&AlertRecord) -> bool,
        limit: usize,
    ) -> Result<Vec<AlertRecord>, StoreError> {
        let mut out = Vec::new();
        for kv in self.alerts.iter().rev().take(ALERT_SCAN) {
            let (k, v) = kv?;
            let rec: AlertRecord = dec(&k, &v)?;
            if wanted(&rec) {
                out.push(rec);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(entry: &str, verdict: FeedbackVerdict, by: i64, at: i64) -> FeedbackRecord {
        FeedbackRecord {
            v: 1,
            feed_id: 3,
            feed_name: "Relief".into(),
            feed_url: "https://relief.example/feed".into(),
            alert_id: Some(9),
            entry_id: entry.into(),
            title: "T".into(),
            link: Some(format!("https://relief.example/{entry}")),
            published: None,
            lang: "en".into(),
            is_appeal: true,
            score: Some(0.9),
            actions: vec![],
            hashtags: vec![],
            summary: "S".into(),
            reasons: vec![],
            when: None,
            deadline: None,
            verdict,
            by,
            at,
        }
    }

    #[tokio::test]
    async fn a_verdict_is_recorded_once_per_user_and_marks_count_each_alert_once() {
        let s = Store::temporary().unwrap();
        let wrong = FeedbackVerdict::NotAppeal;
        assert!(s.record_feedback(&rec("a", wrong, 1, 100)).await.unwrap());
        assert!(!s.record_feedback(&rec("a", wrong, 1, 101)).await.unwrap());
        // Another organizer's verdict on the same alert is a record, not another mark.
        assert!(s.record_feedback(&rec("a", wrong, 2, 102)).await.unwrap());
        assert!(s.record_feedback(&rec("b", wrong, 1, 200)).await.unwrap());
        assert!(
            s.record_feedback(&rec("c", FeedbackVerdict::Appeal, 1, 300))
                .await
                .unwrap()
        );
        let all = s.feedback_records().unwrap();
        let seen: Vec<(&str, i64)> = all.iter().map(|r| (r.entry_id.as_str(), r.by)).collect();
        assert_eq!(
            seen,
            [("a", 1), ("a", 2), ("b", 1), ("c", 1)],
            "oldest first"
        );
        assert_eq!(s.wrong_marks_since(3, 0).unwrap(), 2);
        assert_eq!(s.wrong_marks_since(3, 150).unwrap(), 1);
        assert_eq!(s.wrong_marks_since(4, 0).unwrap(), 0);
        assert_eq!(s.clear_wrong_marks(3).unwrap(), 2);
        assert_eq!(s.wrong_marks_since(3, 0).unwrap(), 0);
        assert_eq!(s.feedback_records().unwrap().len(), 4, "records stay");
    }

    #[test]
    fn sent_messages_name_their_alert() {
        let s = Store::temporary().unwrap();
        s.record_sent_message(-1001234567890, 57, 12).unwrap();
        assert_eq!(s.sent_message_alert(-1001234567890, 57).unwrap(), Some(12));
        assert_eq!(s.sent_message_alert(-1001234567890, 58).unwrap(), None);
        assert_eq!(s.sent_message_alert(57, 57).unwrap(), None);
    }

    #[test]
    fn sent_messages_are_kept_for_one_period_at_least_and_two_at_most() {
        let s = Store::temporary().unwrap();
        let day = 24 * 3600;
        let t0 = 1000 * SENT_PERIOD_SECS + day;
        s.record_sent_message_at(t0, 1, 10, 100).unwrap();
        // The next period still finds it, and writes its own tree.
        let t1 = t0 + SENT_PERIOD_SECS - day;
        s.record_sent_message_at(t1, 1, 11, 101).unwrap();
        assert_eq!(s.sent_message_alert_at(t1, 1, 10).unwrap(), Some(100));
        // The first write two periods on drops the oldest tree.
        let t2 = t0 + 2 * SENT_PERIOD_SECS;
        assert_eq!(s.sent_message_alert_at(t2, 1, 10).unwrap(), None);
        s.record_sent_message_at(t2, 1, 12, 102).unwrap();
        let trees: Vec<String> =
            s.db.tree_names()
                .iter()
                .filter_map(|n| std::str::from_utf8(n).ok().map(str::to_string))
                .filter(|n| n.starts_with(SENT_TREE))
                .collect();
        assert!(!trees.contains(&format!("{SENT_TREE}1000")), "{trees:?}");
        assert_eq!(s.sent_message_alert_at(t2, 1, 11).unwrap(), Some(101));
        assert_eq!(s.sent_message_alert_at(t2, 1, 12).unwrap(), Some(102));
    }
}
