//! Broadcasts queued in chunks, expanded into per-chat outbox records a part at a time
//! (issue 16).
//!
//! | tree | key | value |
//! |---|---|---|
//! | `broadcasts` | first chat id i64 still owed ++ chunk id u64 | [`ChunkRecord`]: an alert owed to up to [`CHUNK`] chats (chat, topic, the outbox sequence reserved for it), sorted by chat |
//! | `broadcast_drops` | chat id i64 | [`DropRecord`]: the chat's deliveries were dropped or moved after the chunks older than `after` were written |
//!
//! The poll's commit writes one chunk record per [`CHUNK`] recipients of an alert instead
//! of one outbox record per chat, so its transaction stays small whatever the audience;
//! the recipients are still fixed (and their outbox keys reserved) at commit time. The
//! delivery worker asks for the next part when it runs short
//! ([`Store::expand_broadcasts`]): the chats up to a boundary (at most [`STEP`] chats past
//! the lowest chat still owed), from every chunk, each chunk in one transaction that
//! writes the part's per-chat records and shortens or deletes the chunk. A kill between
//! two transactions leaves each chunk either expanded or not, never both: nothing is lost
//! and nothing written twice. A chat's alerts queued together are expanded together, so
//! a chat owed many alerts still gets one digest.
//!
//! A chat whose deliveries are dropped (it left, Telegram ended it) or moved (a group
//! became a supergroup) while chunks still name it gets a [`DropRecord`]; chunks written
//! before it skip the chat or write to its new id.
//!
//! Must not: decide when to expand (the worker does), or write more than one chunk's
//! records in one transaction.

use super::{DeliveryRecord, OutboxKey, Store, StoreError, TxResult, abort, dec, enc, i64_key};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::TransactionalTree;

/// Chats in one chunk record at most.
pub const CHUNK: usize = 1024;
/// Chats past the lowest chat still owed that one expansion takes.
pub const STEP: usize = 256;

/// One alert owed to a chunk of chats.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChunkRecord {
    /// Record layout version (1).
    pub v: u32,
    /// The alert the chats are owed.
    pub alert_id: u64,
    /// Unix time the poll's commit queued it.
    pub queued_at: i64,
    /// (chat, forum topic, outbox sequence), sorted by chat.
    pub chats: Vec<(i64, Option<i32>, u64)>,
}

/// A chat's deliveries dropped (`moved_to` is `None`) or moved after chunk `after`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DropRecord {
    /// Record layout version (1).
    pub v: u32,
    /// An id generated when the deliveries were dropped: chunks with a smaller id were
    /// written before.
    pub after: u64,
    /// The chat's new id (a group that became a supergroup), or `None`: dropped.
    pub moved_to: Option<i64>,
}

fn chunk_key(first_chat: i64, id: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&i64_key(first_chat));
    k[8..].copy_from_slice(&id.to_be_bytes());
    k
}

fn chunk_id(key: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(key.get(8..16)?.try_into().ok()?))
}

/// Inside the poll's transaction: alert `alert_id` owed to `chats`, whose outbox sequences
/// `seqs` are reserved; one record per [`CHUNK`] chats. Returns the outbox keys the
/// records will have once expanded.
pub(super) fn write_chunks(
    broadcasts: &TransactionalTree,
    alert_id: u64,
    chats: &[(i64, Option<i32>)],
    seqs: &[u64],
    now: i64,
) -> TxResult<Vec<OutboxKey>> {
    let mut owed: Vec<(i64, Option<i32>, u64)> = chats
        .iter()
        .zip(seqs)
        .map(|((chat, thread), seq)| (*chat, *thread, *seq))
        .collect();
    owed.sort_unstable_by_key(|(chat, _, _)| *chat);
    let keys = owed
        .iter()
        .map(|(chat_id, _, seq)| OutboxKey {
            chat_id: *chat_id,
            seq: *seq,
        })
        .collect();
    for part in owed.chunks(CHUNK) {
        // The chunk's id: the first of its reserved sequences (unique, and later than
        // every id generated before the commit).
        let id = part.iter().map(|(_, _, s)| *s).min().unwrap_or(0);
        let rec = ChunkRecord {
            v: 1,
            alert_id,
            queued_at: now,
            chats: part.to_vec(),
        };
        broadcasts.insert(&chunk_key(part[0].0, id), enc(&rec).map_err(abort)?)?;
    }
    Ok(keys)
}

impl Store {
    pub(super) fn broadcasts_tree(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree("broadcasts")?)
    }

    fn drops_tree(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree("broadcast_drops")?)
    }

    /// Expands the next part of the broadcasts (see the module documentation); returns
    /// how many outbox records it wrote (0: nothing was owed). Flushed when it wrote any
    /// (one flush per [`STEP`] chats), like every write that queues a delivery: a finished
    /// send is only journaled ([`super::journal`]), and a part whose expansion a crash
    /// undid would be expanded and sent again after the journal was replayed.
    pub fn expand_broadcasts(&self) -> Result<usize, StoreError> {
        let broadcasts = self.broadcasts_tree()?;
        let Some((first_key, first)) = broadcasts.first()? else {
            return Ok(0);
        };
        let first: ChunkRecord = dec(&first_key, &first)?;
        let Some(&(boundary, _, _)) = first.chats.get(STEP.min(first.chats.len()).max(1) - 1)
        else {
            // An empty chunk owes nothing.
            broadcasts.remove(first_key)?;
            return Ok(0);
        };
        let upper = chunk_key(boundary, u64::MAX);
        let keys: Vec<sled::IVec> = broadcasts
            .range(..=&upper[..])
            .keys()
            .collect::<Result<_, _>>()?;
        let drops = self.drops_tree()?;
        let mut written = 0;
        for key in keys {
            written += self.expand_chunk(&broadcasts, &drops, &key, boundary)?;
        }
        if broadcasts.is_empty() && !drops.is_empty() {
            self.prune_drops(&drops)?;
        }
        if written > 0 {
            self.flush_sync()?;
        }
        Ok(written)
    }

    /// One transaction: chunk `key`'s chats up to `boundary` become outbox records, and
    /// the chunk is shortened (under its new first chat) or deleted.
    fn expand_chunk(
        &self,
        broadcasts: &sled::Tree,
        drops: &sled::Tree,
        key: &[u8],
        boundary: i64,
    ) -> Result<usize, StoreError> {
        let id = chunk_id(key).unwrap_or(0);
        let done =
            (broadcasts, &self.outbox, drops).transaction(|(broadcasts, outbox, drops)| {
                let Some(bytes) = broadcasts.get(key)? else {
                    return Ok(0);
                };
                let mut rec: ChunkRecord = dec(key, &bytes).map_err(abort)?;
                let split = rec.chats.partition_point(|(chat, _, _)| *chat <= boundary);
                let rest = rec.chats.split_off(split);
                for (chat, thread, seq) in &rec.chats {
                    let Some(to) = destination(drops, *chat, id)? else {
                        continue;
                    };
                    let out = OutboxKey {
                        chat_id: to,
                        seq: *seq,
                    };
                    let d = DeliveryRecord::to_chat(to, *thread, rec.alert_id, rec.queued_at);
                    outbox.insert(&out.bytes(), enc(&d).map_err(abort)?)?;
                }
                broadcasts.remove(key)?;
                if let Some(&(next, _, _)) = rest.first() {
                    let shorter = ChunkRecord {
                        chats: rest,
                        ..rec.clone()
                    };
                    broadcasts.insert(&chunk_key(next, id), enc(&shorter).map_err(abort)?)?;
                }
                Ok(rec.chats.len())
            })?;
        Ok(done)
    }

    /// Notes that `chat`'s deliveries are dropped (`moved_to` `None`) or moved, for the
    /// chunks written before now. Nothing is written when no chunk is owed.
    pub(super) fn drop_from_broadcasts(
        &self,
        chat: i64,
        moved_to: Option<i64>,
    ) -> Result<(), StoreError> {
        if self.broadcasts_tree()?.is_empty() {
            return Ok(());
        }
        let rec = DropRecord {
            v: 1,
            after: self.db.generate_id()?,
            moved_to,
        };
        self.drops_tree()?.insert(i64_key(chat), enc(&rec)?)?;
        Ok(())
    }

    /// Once no chunk is owed, the drop records older than now matter no more.
    fn prune_drops(&self, drops: &sled::Tree) -> Result<(), StoreError> {
        let floor = self.db.generate_id()?;
        for kv in drops.iter() {
            let (k, v) = kv?;
            let rec: DropRecord = dec(&k, &v)?;
            if rec.after < floor {
                drops.remove(k)?;
            }
        }
        Ok(())
    }

    /// How many chats the chunks still owe an alert (the outbox's size counts them).
    pub fn broadcast_owed(&self) -> Result<usize, StoreError> {
        self.each_chunk(|rec| rec.chats.len())
            .map(|counts| counts.into_iter().sum())
    }

    /// The alerts the chunks still owe (kept by [`Store::prune_alerts`]).
    pub fn broadcast_alert_ids(&self) -> Result<Vec<u64>, StoreError> {
        self.each_chunk(|rec| rec.alert_id)
    }

    fn each_chunk<T>(&self, f: impl Fn(&ChunkRecord) -> T) -> Result<Vec<T>, StoreError> {
        self.broadcasts_tree()?
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                Ok(f(&dec(&k, &v)?))
            })
            .collect()
    }
}

/// Where chunk `id`'s record for `chat` goes: the chat, its new id, or nowhere (its
/// deliveries were dropped after the chunk was written).
fn destination(drops: &TransactionalTree, chat: i64, id: u64) -> TxResult<Option<i64>> {
    let Some(bytes) = drops.get(i64_key(chat))? else {
        return Ok(Some(chat));
    };
    let rec: DropRecord = dec(b"broadcast_drops", &bytes).map_err(abort)?;
    if rec.after < id {
        return Ok(Some(chat));
    }
    Ok(rec.moved_to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{AlertRecord, FeedRecord, NewEntry, now_unix};

    fn alert(entry: &str) -> AlertRecord {
        AlertRecord {
            entry_id: entry.into(),
            ..crate::store::tests::alert()
        }
    }

    /// Queues one alert (entry `entry`) to `chats` as a poll does; the outbox keys owed.
    async fn queue(s: &Store, entry: &str, chats: &[(i64, Option<i32>)]) -> Vec<OutboxKey> {
        let f = match s.feed_by_url("https://a.example/f").unwrap() {
            Some(f) => f,
            None => s
                .add_feed(FeedRecord::new("https://a.example/f", "N"))
                .unwrap()
                .unwrap(),
        };
        let e = NewEntry {
            keys: vec![entry.into()],
            alert: Some(alert(entry)),
        };
        s.commit_new_entries(f.id, &[e], chats).await.unwrap()
    }

    /// Expands until nothing is owed; every step writes at most one chunk's records per
    /// chunk it touches. Returns the steps taken.
    fn expand_all(s: &Store) -> usize {
        for step in 0..1000 {
            if s.expand_broadcasts().unwrap() == 0 {
                assert!(s.broadcasts_tree().unwrap().is_empty(), "nothing owed");
                return step;
            }
        }
        panic!("the expansion never ends");
    }

    fn outbox_keys(s: &Store) -> Vec<OutboxKey> {
        s.outbox().unwrap().into_iter().map(|(k, _)| k).collect()
    }

    #[tokio::test]
    async fn a_chunked_broadcast_is_expanded_exactly_once_across_a_crash_between_steps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        // Chats in no particular order, some in forum topics; three chunks.
        let chats: Vec<(i64, Option<i32>)> = (0..2500i64)
            .map(|i| ((i * 7919) % 5003 - 2500, (i % 10 == 0).then_some(i as i32)))
            .collect();
        let mut owed = {
            let s = Store::open(&path).unwrap();
            let owed = queue(&s, "e1", &chats).await;
            assert_eq!(
                s.broadcasts_tree().unwrap().len(),
                3,
                "one record per chunk"
            );
            assert_eq!(s.outbox.len(), 0, "no per-chat record at commit");
            assert_eq!(
                s.outbox_len(),
                chats.len(),
                "owed chats count in the outbox"
            );
            let first = s.expand_broadcasts().unwrap();
            assert_eq!(first, STEP, "one step: the first part");
            s.flush().await.unwrap();
            owed
            // Dropped here, as a process killed between two steps.
        };
        let s = Store::open(&path).unwrap();
        assert_eq!(s.outbox.len(), STEP, "the first step survived");
        let steps = expand_all(&s);
        assert!(steps >= (chats.len() - STEP) / STEP, "{steps} steps");
        let mut got = outbox_keys(&s);
        got.sort();
        owed.sort();
        assert_eq!(
            got, owed,
            "every chat once, under the key the commit reserved"
        );
        for (k, d) in s.outbox().unwrap() {
            let thread = chats.iter().find(|(c, _)| *c == k.chat_id).unwrap().1;
            assert_eq!(
                (d.chat_id, d.thread_id, d.notice),
                (k.chat_id, thread, None)
            );
            assert!(s.alert(d.alert_id).unwrap().is_some());
        }
    }

    #[tokio::test]
    async fn a_chats_alerts_queued_together_are_expanded_together() {
        let s = Store::temporary().unwrap();
        let chats: Vec<(i64, Option<i32>)> = (1..=600).map(|c| (c, None)).collect();
        queue(&s, "e1", &chats).await;
        queue(&s, "e2", &chats[..300]).await;
        queue(&s, "e3", &chats[200..]).await;
        let written = s.expand_broadcasts().unwrap();
        // The first STEP chats of both alerts that reach them, and e3's from chat 201.
        let per_chat = |c: i64| outbox_keys(&s).iter().filter(|k| k.chat_id == c).count();
        assert_eq!((per_chat(1), per_chat(STEP as i64)), (2, 3), "{written}");
        assert_eq!(per_chat(STEP as i64 + 1), 0);
        expand_all(&s);
        assert_eq!(s.outbox.len(), 600 + 300 + 400);
        assert_eq!((per_chat(1), per_chat(250), per_chat(600)), (2, 3, 2));
    }

    #[tokio::test]
    async fn chats_dropped_or_moved_before_their_part_is_expanded_follow_that() {
        let s = Store::temporary().unwrap();
        let chats: Vec<(i64, Option<i32>)> = (1..=10).map(|c| (c, None)).collect();
        queue(&s, "e1", &chats).await;
        assert_eq!(s.drop_deliveries(3).unwrap(), 0);
        assert!(s.move_deliveries(4, 40).unwrap().is_empty());
        expand_all(&s);
        let got: Vec<i64> = outbox_keys(&s).iter().map(|k| k.chat_id).collect();
        assert_eq!(got, vec![1, 2, 5, 6, 7, 8, 9, 10, 40]);
        assert!(
            s.drops_tree().unwrap().is_empty(),
            "forgotten once nothing is owed"
        );
        // A chat dropped before an alert was queued gets the later alert.
        queue(&s, "e2", &[(3, None)]).await;
        expand_all(&s);
        assert_eq!(outbox_keys(&s).iter().filter(|k| k.chat_id == 3).count(), 1);
    }

    #[tokio::test]
    async fn alerts_still_owed_are_not_pruned() {
        let s = Store::temporary().unwrap();
        queue(&s, "e1", &[(1, None), (2, None)]).await;
        assert_eq!(
            s.prune_alerts(now_unix(), -10).unwrap(),
            0,
            "its chunk still owes it"
        );
        expand_all(&s);
        s.drop_deliveries(1).unwrap();
        s.drop_deliveries(2).unwrap();
        assert_eq!(s.prune_alerts(now_unix(), -10).unwrap(), 1);
    }

    #[test]
    fn a_version_2_database_keeps_its_per_chat_outbox_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let key = OutboxKey {
            chat_id: -5,
            seq: 9,
        };
        {
            let db = sled::open(&path).unwrap();
            db.open_tree("meta")
                .unwrap()
                .insert("schema_version", &2u32.to_be_bytes())
                .unwrap();
            let d = DeliveryRecord::to_chat(-5, Some(3), 77, 1);
            db.open_tree("outbox")
                .unwrap()
                .insert(key.bytes(), enc(&d).unwrap())
                .unwrap();
            db.flush().unwrap();
        }
        let s = Store::open(&path).unwrap();
        let v = s.meta.get("schema_version").unwrap().unwrap();
        assert_eq!(v.as_ref(), &super::super::SCHEMA_VERSION.to_be_bytes());
        assert_eq!(s.outbox_keys_after(None, 10).unwrap(), vec![key]);
        assert_eq!(s.delivery(key).unwrap().unwrap().alert_id, 77);
        assert_eq!(s.expand_broadcasts().unwrap(), 0, "no chunk");
    }
}
