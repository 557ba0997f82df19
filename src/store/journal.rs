//! The delivery journal: the outbox records the delivery worker finished since the
//! database last made its writes durable, in a plain file next to it
//! (`<data>/delivered.journal`).
//!
//! Why: the database keeps recent writes in its own buffers until a flush, and a flush
//! (a sealed log buffer, a hand-off to its IO threads, a write) costs more than the send
//! it records. Flushing after every send was most of the worker's CPU; flushing every few
//! sends let a `kill -9` re-send every send since the last flush. The journal records each
//! finished send with one `write(2)` to a file the kernel holds: a process killed the
//! moment after (SIGKILL, a panic, an abort) loses none of it. At open, the records still
//! in the outbox are finished again (the same effects, [`Store::finish_deliveries`]),
//! the database flushed and the journal emptied; while running, [`Store::settle_journal`]
//! does the same when the journal has grown or the worker is idle.
//!
//! A power loss can still lose what the kernel had not written to disk: the journal is
//! not synced, and what it would have saved is what the database's background flush
//! (every 500 ms) had not yet made durable. That is the bound after a power loss: the
//! sends of the last half second or so go again.
//!
//! Format: fixed records of [`RECORD`] bytes (the outbox key's 16, the message id i32 BE,
//! a flags byte, 3 bytes of zero). A torn last record (a crash in the middle of a write)
//! is ignored: its send was not yet journaled, and is sent again.

use super::{OutboxKey, Store, StoreError};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The journal's file name, inside the data directory.
pub const FILE_NAME: &str = "delivered.journal";
/// Bytes per journal record.
const RECORD: usize = 24;
/// Flag: the message reached the chat (else it was dropped after repeated refusals).
const SENT: u8 = 1;
/// Flag: the message id field is set.
const HAS_MESSAGE_ID: u8 = 2;

/// What became of one outbox record the worker is done with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished {
    /// The record.
    pub key: OutboxKey,
    /// Telegram took it (else it was dropped: refused too often).
    pub sent: bool,
    /// The id Telegram gave the message, when it carried this record alone.
    pub message_id: Option<i32>,
}

impl Finished {
    fn encode(&self) -> [u8; RECORD] {
        let mut b = [0u8; RECORD];
        b[..16].copy_from_slice(&self.key.bytes());
        b[16..20].copy_from_slice(&self.message_id.unwrap_or(0).to_be_bytes());
        let mut flags = 0;
        if self.sent {
            flags |= SENT;
        }
        if self.message_id.is_some() {
            flags |= HAS_MESSAGE_ID;
        }
        b[20] = flags;
        b
    }

    fn decode(b: &[u8]) -> Option<Finished> {
        let key = OutboxKey::from_bytes(b.get(..16)?)?;
        let id = i32::from_be_bytes(b.get(16..20)?.try_into().ok()?);
        let flags = *b.get(20)?;
        Some(Finished {
            key,
            sent: flags & SENT != 0,
            message_id: (flags & HAS_MESSAGE_ID != 0).then_some(id),
        })
    }
}

/// The open journal file (append-only) and how many records it holds.
pub(super) struct Journal {
    file: Mutex<File>,
    path: PathBuf,
    records: AtomicUsize,
}

impl Journal {
    /// Opens (creating) the journal in `dir`; also returns the records it holds.
    pub(super) fn open(dir: &Path) -> Result<(Journal, Vec<Finished>), StoreError> {
        let path = dir.join(FILE_NAME);
        let io = |e: std::io::Error| StoreError::Open {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        let held: Vec<Finished> = bytes
            .chunks_exact(RECORD)
            .filter_map(Finished::decode)
            .collect();
        let journal = Journal {
            file: Mutex::new(file),
            path,
            records: AtomicUsize::new(held.len()),
        };
        Ok((journal, held))
    }

    /// Appends `done`, all in one write.
    pub(super) fn append(&self, done: &[Finished]) -> Result<(), StoreError> {
        let bytes: Vec<u8> = done.iter().flat_map(|f| f.encode()).collect();
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(&bytes).map_err(|e| self.error(&e))?;
        self.records.fetch_add(done.len(), Ordering::AcqRel);
        Ok(())
    }

    /// How many records it holds.
    pub(super) fn len(&self) -> usize {
        self.records.load(Ordering::Acquire)
    }

    /// Runs `make_durable` (the database's flush), then empties the journal, with appends
    /// held off in between: a record appended after the flush is never dropped.
    pub(super) fn clear_after(
        &self,
        make_durable: impl FnOnce() -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        make_durable()?;
        file.set_len(0).map_err(|e| self.error(&e))?;
        self.records.store(0, Ordering::Release);
        Ok(())
    }

    fn error(&self, e: &std::io::Error) -> StoreError {
        StoreError::Db(format!("delivery journal {}: {e}", self.path.display()))
    }
}

impl Store {
    /// Records that the worker is done with these outbox records. For each one sent: the
    /// reminder of its alert noted (if the chat wants reminders) and, when its message
    /// carried it alone, which alert that message carries. Then one journal write for all
    /// of them (from here a killed process loses none of it), then the records removed.
    /// Nothing waits for the disk ([`Store::settle_journal`] does, later).
    pub fn finish_deliveries(&self, done: &[Finished]) -> Result<(), StoreError> {
        for f in done {
            self.apply_finished(f)?;
        }
        if let Some(journal) = &self.journal {
            journal.append(done)?;
        }
        for f in done {
            self.outbox.remove(f.key.bytes())?;
        }
        Ok(())
    }

    /// How many finished records the journal holds (0 without a journal).
    pub fn journal_len(&self) -> usize {
        self.journal.as_ref().map_or(0, |j| j.len())
    }

    /// Makes every write durable (a flush) and empties the journal, on a blocking thread.
    pub async fn settle_journal(&self) -> Result<(), StoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.settle_journal_sync())
            .await
            .map_err(|e| StoreError::Db(format!("settle task failed: {e}")))?
    }

    fn settle_journal_sync(&self) -> Result<(), StoreError> {
        match &self.journal {
            Some(journal) => journal.clear_after(|| self.flush_sync()),
            None => self.flush_sync(),
        }
    }

    /// At open: finishes again the journal's records still in the outbox (a crash came
    /// before the database made their removal durable), then settles the journal.
    pub(super) fn replay_journal(&self, held: &[Finished]) -> Result<usize, StoreError> {
        let mut replayed = 0;
        for f in held {
            if self.outbox.get(f.key.bytes())?.is_none() {
                continue;
            }
            self.apply_finished(f)?;
            self.outbox.remove(f.key.bytes())?;
            replayed += 1;
        }
        self.settle_journal_sync()?;
        Ok(replayed)
    }

    /// The effects of one finished record, before it goes (each can run twice).
    fn apply_finished(&self, f: &Finished) -> Result<(), StoreError> {
        if !f.sent {
            return Ok(());
        }
        self.note_reminders(f.key.chat_id, &[f.key])?;
        let Some(message_id) = f.message_id else {
            return Ok(());
        };
        if let Some(d) = self.delivery(f.key)?
            && d.notice.is_none()
        {
            self.record_sent_message(f.key.chat_id, message_id, d.alert_id)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn three_notices(s: &Store) -> Vec<OutboxKey> {
        let notices = [(5, "a"), (5, "b"), (9, "c")].map(|(c, t)| (c, t.to_string()));
        let mut keys = s.queue_notices(&notices).await.unwrap();
        keys.sort();
        keys
    }

    fn owed(s: &Store) -> Vec<OutboxKey> {
        s.outbox().unwrap().into_iter().map(|(k, _)| k).collect()
    }

    fn sent(key: OutboxKey) -> Finished {
        Finished {
            key,
            sent: true,
            message_id: Some(77),
        }
    }

    /// What a killed process leaves when it dies after the journal write and before the
    /// database made the removals durable: the next open finishes those records (and only
    /// those) and empties the journal.
    #[tokio::test]
    async fn records_journaled_before_a_crash_are_finished_at_the_next_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let keys = three_notices(&Store::open(&path).unwrap()).await;
        let (journal, held) = Journal::open(&path).unwrap();
        assert!(held.is_empty());
        let dropped = Finished {
            key: keys[2],
            sent: false,
            message_id: None,
        };
        journal.append(&[sent(keys[0]), dropped]).unwrap();
        drop(journal);

        let s = Store::open(&path).unwrap();
        assert_eq!(owed(&s), vec![keys[1]], "the journaled records are gone");
        assert_eq!(s.journal_len(), 0);
        let file = std::fs::metadata(path.join(FILE_NAME)).unwrap();
        assert_eq!(file.len(), 0, "the journal is emptied once replayed");
    }

    /// Replaying a sent alert's record does what finishing it would have done: the alert
    /// the message carries remembered (for `/wrong`), the reminder of its event noted
    /// for a chat that wants reminders. A record that was dropped (refused too often)
    /// gets neither.
    #[tokio::test]
    async fn a_replayed_record_gets_the_effects_of_its_send() {
        use crate::store::{DateRecord, DeliveryRecord, enc, now_unix};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let (alert_id, keys) = {
            let s = Store::open(&path).unwrap();
            let mut a = crate::store::tests::alert();
            a.id = 41;
            let at = chrono::DateTime::from_timestamp(now_unix() + 86_400, 0).unwrap();
            a.when = Some(DateRecord {
                at: at.to_rfc3339(),
                day_only: false,
            });
            s.alerts
                .insert(a.id.to_be_bytes(), enc(&a).unwrap())
                .unwrap();
            let mut keys = Vec::new();
            for chat in [5, 6] {
                s.set_reminders(chat, true).unwrap();
                let key = OutboxKey {
                    chat_id: chat,
                    seq: s.db.generate_id().unwrap(),
                };
                let rec = DeliveryRecord::to_chat(chat, None, a.id, 0);
                s.outbox.insert(key.bytes(), enc(&rec).unwrap()).unwrap();
                keys.push(key);
            }
            s.flush().await.unwrap();
            (a.id, keys)
        };
        let (journal, _) = Journal::open(&path).unwrap();
        let dropped = Finished {
            key: keys[1],
            sent: false,
            message_id: Some(78),
        };
        journal.append(&[sent(keys[0]), dropped]).unwrap();
        drop(journal);

        let s = Store::open(&path).unwrap();
        assert!(owed(&s).is_empty());
        assert_eq!(s.sent_message_alert(5, 77).unwrap(), Some(alert_id));
        assert_eq!(
            s.sent_message_alert(6, 78).unwrap(),
            None,
            "dropped: not sent"
        );
        let reminders: Vec<i64> = s
            .reminders_until(i64::MAX)
            .unwrap()
            .iter()
            .map(|r| r.chat_id)
            .collect();
        assert_eq!(reminders, vec![5], "only the sent one is reminded");
    }

    /// The live path journals every finished record (one record each) before it removes
    /// them, and settling empties the journal.
    #[tokio::test]
    async fn finishing_journals_each_record_and_settling_empties_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let s = Store::open(&path).unwrap();
        let keys = three_notices(&s).await;
        s.finish_deliveries(&[sent(keys[0]), sent(keys[1])])
            .unwrap();
        assert_eq!(owed(&s), vec![keys[2]]);
        assert_eq!(s.journal_len(), 2);
        let bytes = std::fs::read(path.join(FILE_NAME)).unwrap();
        let read: Vec<Finished> = bytes
            .chunks_exact(RECORD)
            .filter_map(Finished::decode)
            .collect();
        assert_eq!(read, vec![sent(keys[0]), sent(keys[1])]);
        s.settle_journal().await.unwrap();
        assert_eq!(s.journal_len(), 0);
        assert!(std::fs::read(path.join(FILE_NAME)).unwrap().is_empty());
    }

    /// Every combination of the flags reads back as written.
    #[test]
    fn records_read_back_as_written() {
        let key = OutboxKey {
            chat_id: -100_123,
            seq: u64::MAX - 1,
        };
        for sent in [false, true] {
            for message_id in [None, Some(0), Some(-1), Some(i32::MAX)] {
                let f = Finished {
                    key,
                    sent,
                    message_id,
                };
                assert_eq!(Finished::decode(&f.encode()), Some(f));
            }
        }
    }

    /// Replay counts the records it finished again: the journaled ones still owed, not
    /// the ones already gone.
    #[tokio::test]
    async fn replay_counts_what_it_finished() {
        let s = Store::temporary().unwrap();
        let keys = three_notices(&s).await;
        s.outbox.remove(keys[2].bytes()).unwrap();
        let held = [sent(keys[0]), sent(keys[1]), sent(keys[2])];
        assert_eq!(s.replay_journal(&held).unwrap(), 2);
        assert!(owed(&s).is_empty());
    }

    /// A record cut short by a crash in the middle of its write is ignored (its send was
    /// not journaled yet); the whole ones before it are read.
    #[test]
    fn a_torn_last_record_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let key = OutboxKey {
            chat_id: -42,
            seq: 7,
        };
        let whole = sent(key).encode();
        let mut bytes = whole.to_vec();
        bytes.extend_from_slice(&whole[..10]);
        std::fs::write(dir.path().join(FILE_NAME), bytes).unwrap();
        let (journal, held) = Journal::open(dir.path()).unwrap();
        assert_eq!(held, vec![sent(key)]);
        assert_eq!(journal.len(), 1);
    }
}
