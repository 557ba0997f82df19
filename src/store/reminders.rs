//! Reminders before an alert's event (`/remind on`): which chats want them (the
//! `reminders` flag of [`ChatSettings`]), the reminders owed (tree `reminders`, keyed by
//! the event's start, then chat and alert, as [`ReminderRecord`]s) and the ones already
//! queued (tree `reminded`, keyed by chat and alert, holding the event's start).
//!
//! A reminder is noted when the delivery worker has sent an alert with a `when` still
//! ahead to a chat that wants reminders ([`Store::note_reminders`]); noting the same
//! alert for the same chat again (a message sent twice after a crash) notes nothing. It
//! leaves `reminders` for `reminded` in the transaction that writes its notice to the
//! outbox ([`Store::queue_reminder`]), or without a notice when it is dropped
//! ([`Store::drop_reminder`]): at most one per appeal and chat, across restarts and
//! crashes. Every new reminder wakes the task waiting on [`Store::reminder_added`].
//!
//! Must not: word reminders, read the configuration or decide when one is due (the
//! reminder task does).

use super::{AlertRecord, ChatSettings, OutboxKey, Store, StoreError, dec, enc, i64_key, now_unix};
use serde::{Deserialize, Serialize};
use sled::Transactional;

/// Markers of queued reminders are kept this long after their event started (a message
/// sent again later cannot note a reminder for a past event anyway).
const KEEP_REMINDED_SECS: i64 = 86_400;

/// A reminder's notice: its outbox key and its chat with the text.
type Notice<'a> = (&'a [OutboxKey], &'a [(i64, String)]);

/// One reminder owed to one chat.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReminderRecord {
    /// Record layout version (1).
    pub v: u32,
    /// The chat the reminder goes to.
    pub chat_id: i64,
    /// The alert the chat got, whose event it reminds of.
    pub alert_id: u64,
    /// The alert's title and link, kept here: the alert itself may be pruned first.
    pub title: String,
    /// The alert's link (the entry's page), if it had one.
    pub link: Option<String>,
    /// The event's start, as the alert stores it (RFC 3339 with the feed's offset).
    pub when: super::DateRecord,
    /// Unix time of `when`.
    pub when_unix: i64,
    /// Unix time the alert reached the chat.
    pub noted_at: i64,
}

impl ReminderRecord {
    fn key(&self) -> [u8; 24] {
        let mut k = [0u8; 24];
        k[..8].copy_from_slice(&i64_key(self.when_unix));
        k[8..16].copy_from_slice(&i64_key(self.chat_id));
        k[16..].copy_from_slice(&self.alert_id.to_be_bytes());
        k
    }
}

/// The `reminded` key of an alert in a chat.
fn marker(chat_id: i64, alert_id: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&i64_key(chat_id));
    k[8..].copy_from_slice(&alert_id.to_be_bytes());
    k
}

/// The reminder an alert sent at `now` owes, if its event starts after `now`.
fn owed(chat_id: i64, alert: &AlertRecord, now: i64) -> Option<ReminderRecord> {
    let when = alert.when.clone()?;
    let when_unix = chrono::DateTime::parse_from_rfc3339(&when.at)
        .ok()?
        .timestamp();
    (when_unix > now).then(|| ReminderRecord {
        v: 1,
        chat_id,
        alert_id: alert.id,
        title: alert.title.clone(),
        link: alert.link.clone(),
        when,
        when_unix,
        noted_at: now,
    })
}

impl Store {
    fn reminders_tree(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree("reminders")?)
    }

    fn reminded_tree(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree("reminded")?)
    }

    /// Whether chat `chat_id` asked for reminders.
    pub fn reminders_on(&self, chat_id: i64) -> Result<bool, StoreError> {
        Ok(self.chat_settings(chat_id)?.is_some_and(|s| s.reminders))
    }

    /// Turns reminders on or off for chat `chat_id` (flushed). Reminders already noted
    /// for it are dropped when due if it turned them off.
    pub fn set_reminders(&self, chat_id: i64, on: bool) -> Result<(), StoreError> {
        let tree = self.chat_settings_tree()?;
        let mut rec = self.chat_settings(chat_id)?.unwrap_or(ChatSettings {
            v: 1,
            chat_id,
            ..ChatSettings::default()
        });
        rec.reminders = on;
        tree.insert(i64_key(chat_id), enc(&rec)?)?;
        self.db.flush()?;
        Ok(())
    }

    /// After the messages under `keys` reached chat `chat_id` (call before their records
    /// are removed): notes a reminder for each alert among them whose event starts after
    /// now, if the chat wants reminders. Returns how many were new. Not flushed: the
    /// records' removal is the commit point, and a crash before it sends them again.
    pub fn note_reminders(&self, chat_id: i64, keys: &[OutboxKey]) -> Result<usize, StoreError> {
        if !self.reminders_on(chat_id)? {
            return Ok(0);
        }
        let now = now_unix();
        let mut added = 0;
        for key in keys {
            let Some(d) = self.delivery(*key)? else {
                continue;
            };
            if d.notice.is_some() || d.preview.is_some() {
                continue;
            }
            let Some(alert) = self.alert(d.alert_id)? else {
                continue;
            };
            if let Some(rec) = owed(chat_id, &alert, now)
                && self.note_reminder(&rec)?
            {
                added += 1;
            }
        }
        if added > 0 {
            self.cache.reminders.notify_one();
        }
        Ok(added)
    }

    /// Writes `rec` unless this alert's reminder for this chat is owed or queued already.
    fn note_reminder(&self, rec: &ReminderRecord) -> Result<bool, StoreError> {
        let (reminders, reminded) = (self.reminders_tree()?, self.reminded_tree()?);
        let key = rec.key();
        let mark = marker(rec.chat_id, rec.alert_id);
        let value = enc(rec)?;
        Ok(
            (&reminders, &reminded).transaction(|(reminders, reminded)| {
                if reminded.get(mark)?.is_some() || reminders.get(key)?.is_some() {
                    return Ok(false);
                }
                reminders.insert(&key, value.clone())?;
                Ok(true)
            })?,
        )
    }

    /// Waits until a reminder is noted (one wake-up is kept if none is waiting).
    pub async fn reminder_added(&self) {
        self.cache.reminders.notified().await;
    }

    /// The reminders owed whose event starts at or before `until` (unix), earliest first.
    pub fn reminders_until(&self, until: i64) -> Result<Vec<ReminderRecord>, StoreError> {
        let tree = self.reminders_tree()?;
        let kvs: Vec<_> = match until.checked_add(1) {
            Some(next) => tree.range(..i64_key(next)).collect(),
            None => tree.iter().collect(),
        };
        kvs.into_iter()
            .map(|kv| {
                let (k, v) = kv?;
                dec(&k, &v)
            })
            .collect()
    }

    /// The start (unix) of the earliest event a reminder is owed for.
    pub fn next_reminder_at(&self) -> Result<Option<i64>, StoreError> {
        match self.reminders_tree()?.first()? {
            Some((k, v)) => Ok(Some(dec::<ReminderRecord>(&k, &v)?.when_unix)),
            None => Ok(None),
        }
    }

    /// Writes `text` to the outbox for `rec`'s chat and marks the reminder queued, in one
    /// transaction (flushed); returns the outbox key, or `None` when it was queued or
    /// dropped before.
    pub async fn queue_reminder(
        &self,
        rec: &ReminderRecord,
        text: &str,
    ) -> Result<Option<OutboxKey>, StoreError> {
        let notice = [(rec.chat_id, text.to_string())];
        let keys = self.notice_keys(&notice)?;
        if !self.settle_reminder(rec, Some((&keys, &notice)))? {
            return Ok(None);
        }
        self.flush().await?;
        Ok(keys.into_iter().next())
    }

    /// Marks `rec` done without a notice (the chat turned reminders off or left, or the
    /// event started); `false` when it was settled before.
    pub fn drop_reminder(&self, rec: &ReminderRecord) -> Result<bool, StoreError> {
        self.settle_reminder(rec, None)
    }

    /// Moves `rec` from `reminders` to `reminded`, with its notice if any.
    fn settle_reminder(
        &self,
        rec: &ReminderRecord,
        notice: Option<Notice<'_>>,
    ) -> Result<bool, StoreError> {
        let (reminders, reminded) = (self.reminders_tree()?, self.reminded_tree()?);
        let (key, mark) = (rec.key(), marker(rec.chat_id, rec.alert_id));
        let now = now_unix();
        let when = rec.when_unix.to_be_bytes();
        Ok(
            (&reminders, &reminded, &self.outbox).transaction(
                |(reminders, reminded, outbox)| {
                    if reminders.remove(&key)?.is_none() {
                        return Ok(false);
                    }
                    reminded.insert(&mark, &when)?;
                    if let Some((keys, notices)) = notice {
                        super::notices::put_notices(outbox, keys, notices, now)?;
                    }
                    Ok(true)
                },
            )?,
        )
    }

    /// Forgets the markers of reminders whose event started more than a day ago.
    pub fn prune_reminded(&self) -> Result<usize, StoreError> {
        let tree = self.reminded_tree()?;
        let cutoff = now_unix() - KEEP_REMINDED_SECS;
        let mut removed = 0;
        for kv in tree.iter() {
            let (k, v) = kv?;
            let when = <[u8; 8]>::try_from(v.as_ref()).map_or(i64::MIN, i64::from_be_bytes);
            if when < cutoff {
                tree.remove(k)?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{AlertRecord, DateRecord, DeliveryRecord};
    use super::*;

    fn alert(id: u64, when: Option<&str>) -> AlertRecord {
        let mut a: AlertRecord = serde_json::from_value(serde_json::json!({
            "v": 1, "id": id, "feed_id": 1, "feed_name": "P", "entry_id": format!("e{id}"),
            "title": format!("Vigil {id}"), "link": "https://partner.example/vigil",
            "summary": "", "actions": [], "hashtags": [], "lang": "en",
            "also_published_by": [], "fingerprint_urls": [], "fingerprint_simhash": 0,
            "created_at": 0
        }))
        .unwrap();
        a.when = when.map(|at| DateRecord {
            at: at.into(),
            day_only: false,
        });
        a
    }

    fn rfc(unix: i64) -> String {
        chrono::DateTime::from_timestamp(unix, 0)
            .unwrap()
            .to_rfc3339()
    }

    /// Queues alert `a` for `chat` as the poll would, and returns its outbox key.
    fn queued(s: &Store, chat: i64, a: &AlertRecord) -> OutboxKey {
        s.alerts
            .insert(a.id.to_be_bytes(), enc(a).unwrap())
            .unwrap();
        let key = OutboxKey {
            chat_id: chat,
            seq: s.db.generate_id().unwrap(),
        };
        let rec = DeliveryRecord::to_chat(chat, None, a.id, 0);
        s.outbox.insert(key.bytes(), enc(&rec).unwrap()).unwrap();
        key
    }

    #[tokio::test]
    async fn a_chat_with_reminders_gets_one_per_alert_whose_event_is_ahead() {
        let s = Store::temporary().unwrap();
        let ahead = alert(1, Some(&rfc(now_unix() + 7200)));
        let past = alert(2, Some(&rfc(now_unix() - 60)));
        let undated = alert(3, None);
        let keys: Vec<OutboxKey> = [&ahead, &past, &undated]
            .iter()
            .map(|a| queued(&s, 10, a))
            .collect();
        // Reminders off: nothing is noted.
        assert_eq!(s.note_reminders(10, &keys).unwrap(), 0);
        s.set_reminders(10, true).unwrap();
        assert_eq!(
            s.note_reminders(10, &keys).unwrap(),
            1,
            "only the one ahead"
        );
        // The same message sent again (after a crash) notes nothing more.
        assert_eq!(s.note_reminders(10, &keys).unwrap(), 0);
        let owed = s.reminders_until(now_unix() + 7200).unwrap();
        assert_eq!(owed.len(), 1);
        assert_eq!((owed[0].chat_id, owed[0].alert_id), (10, 1));
        assert_eq!(s.next_reminder_at().unwrap(), Some(owed[0].when_unix));
        assert!(s.reminders_until(now_unix() + 7100).unwrap().is_empty());

        let key = s.queue_reminder(&owed[0], "soon").await.unwrap();
        assert_eq!(key.map(|k| k.chat_id), Some(10));
        // Queued once: again, or noted again after it was queued, writes nothing.
        assert_eq!(s.queue_reminder(&owed[0], "soon").await.unwrap(), None);
        assert_eq!(s.note_reminders(10, &keys).unwrap(), 0);
        assert_eq!(s.next_reminder_at().unwrap(), None);
        let notices: Vec<String> = s
            .outbox()
            .unwrap()
            .into_iter()
            .filter_map(|(_, d)| d.notice)
            .collect();
        assert_eq!(notices, ["soon"]);
    }

    #[tokio::test]
    async fn a_dropped_reminder_is_never_queued_and_a_new_one_wakes_the_task() {
        let s = Store::temporary().unwrap();
        s.set_reminders(20, true).unwrap();
        let a = alert(5, Some(&rfc(now_unix() + 600)));
        let key = queued(&s, 20, &a);
        let waiter = {
            let s = s.clone();
            tokio::spawn(async move { s.reminder_added().await })
        };
        assert_eq!(s.note_reminders(20, &[key]).unwrap(), 1);
        tokio::time::timeout(std::time::Duration::from_secs(10), waiter)
            .await
            .expect("the waiting task is woken")
            .unwrap();
        let owed = s.reminders_until(i64::MAX).unwrap();
        assert!(s.drop_reminder(&owed[0]).unwrap());
        assert_eq!(s.queue_reminder(&owed[0], "late").await.unwrap(), None);
        assert_eq!(s.note_reminders(20, &[key]).unwrap(), 0);
        assert_eq!(s.outbox().unwrap().len(), 1, "only the alert itself");
        // Off again: the flag is the chat's setting, forgotten with it.
        s.set_reminders(20, false).unwrap();
        assert!(!s.reminders_on(20).unwrap());
        s.set_reminders(20, true).unwrap();
        s.forget_chat_settings(20).unwrap();
        assert!(!s.reminders_on(20).unwrap());
    }
}
