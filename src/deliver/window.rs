//! The part of the outbox the worker holds in memory: the queues of at most [`MAX_CHATS`]
//! chats and [`MAX_KEYS`] records, read from the store a page at a time in key order.
//!
//! The store is the list of what is owed; this window follows it with a cursor that goes
//! round: when news arrives (records written anywhere, [`Window::news`]), the window
//! knows it has unread records and reads on until it has been once over the whole outbox
//! since the news. Records come in key order and a chat's queue stays in sequence order
//! (a broadcast expanded late goes in its place), so a record read twice is recognised.
//! So an alert to 100,000 chats
//! costs the worker the same memory as one to 4,000.
//!
//! Must not: send, decide whose turn it is, or remove records from the store (the worker
//! removes what it delivered, then drops it here).

use crate::store::{OutboxKey, Store, StoreError};
use std::collections::{HashMap, VecDeque};

/// Chats with queued records held at most.
pub const MAX_CHATS: usize = 4096;
/// Records held at most.
pub const MAX_KEYS: usize = 16_384;
/// Keys read from the store at once.
const PAGE: usize = 512;

/// See the module documentation.
#[derive(Debug)]
pub struct Window {
    queues: HashMap<i64, VecDeque<OutboxKey>>,
    held: usize,
    /// The last key read; `None`: the next read starts at the first.
    cursor: Option<OutboxKey>,
    /// Records may exist that were not read.
    unread: bool,
    /// The cursor went back to the first key since the last news: reaching the end
    /// again means every record was read.
    lap_clean: bool,
}

impl Default for Window {
    fn default() -> Self {
        Window::new()
    }
}

impl Window {
    /// A window that has read nothing yet (everything in the store is unread).
    pub fn new() -> Window {
        Window {
            queues: HashMap::new(),
            held: 0,
            cursor: None,
            unread: true,
            lap_clean: true,
        }
    }

    /// Records were written to the outbox (anywhere): read on.
    pub fn news(&mut self) {
        self.unread = true;
        // A lap that starts at the first key after the news reads all of it.
        self.lap_clean = self.cursor.is_none();
    }

    /// Whether records may be waiting in the store that are not held here.
    pub fn has_unread(&self) -> bool {
        self.unread
    }

    /// Chats with records held.
    pub fn chats(&self) -> usize {
        self.queues.len()
    }

    /// Records held.
    pub fn held(&self) -> usize {
        self.held
    }

    /// Reads records while there is room (and something unread); returns the chats whose
    /// queue was empty before.
    pub fn refill(&mut self, store: &Store) -> Result<Vec<i64>, StoreError> {
        let mut started = Vec::new();
        while self.unread && self.has_room() {
            let page = store.outbox_keys_after(self.cursor, PAGE)?;
            if page.is_empty() {
                self.end_of_outbox();
                continue;
            }
            for key in page {
                if !self.queues.contains_key(&key.chat_id) && !self.has_room() {
                    return Ok(started);
                }
                if self.held >= MAX_KEYS {
                    return Ok(started);
                }
                self.cursor = Some(key);
                if self.push(key) {
                    started.push(key.chat_id);
                }
            }
        }
        Ok(started)
    }

    /// Refills only below half of the room, so a busy window reads a page at a time
    /// rather than a key at a time.
    pub fn wants_refill(&self) -> bool {
        self.unread && self.queues.len() < MAX_CHATS / 2 && self.held < MAX_KEYS / 2
    }

    fn has_room(&self) -> bool {
        self.queues.len() < MAX_CHATS && self.held < MAX_KEYS
    }

    fn end_of_outbox(&mut self) {
        self.cursor = None;
        if self.lap_clean {
            self.unread = false;
        }
        self.lap_clean = true;
    }

    /// Adds a key read from the store; `true` if its chat had nothing held.
    fn push(&mut self, key: OutboxKey) -> bool {
        let queue = self.queues.entry(key.chat_id).or_default();
        let was_empty = queue.is_empty();
        // Read again on a later lap: already held (a record read from the store is not
        // delivered yet). A broadcast expanded late has a smaller sequence than records
        // queued after it: it goes in its place.
        // (The worker may reorder a queue: searched, not bisected.)
        if queue.back().is_some_and(|last| *last >= key) {
            if queue.contains(&key) {
                return false;
            }
            let at = queue.iter().position(|k| *k > key).unwrap_or(queue.len());
            queue.insert(at, key);
        } else {
            queue.push_back(key);
        }
        self.held += 1;
        was_empty
    }

    /// The chat's records held, oldest first.
    pub fn queue(&self, chat: i64) -> Option<&VecDeque<OutboxKey>> {
        self.queues.get(&chat).filter(|q| !q.is_empty())
    }

    /// The chat's queue to reorder in place (its length must stay).
    pub fn queue_mut(&mut self, chat: i64) -> Option<&mut VecDeque<OutboxKey>> {
        self.queues.get_mut(&chat).filter(|q| !q.is_empty())
    }

    /// Whether the window holds records for this chat.
    pub fn has_work(&self, chat: i64) -> bool {
        self.queue(chat).is_some()
    }

    /// Drops records delivered or given up (already removed from the store).
    pub fn remove(&mut self, chat: i64, keys: &[OutboxKey]) {
        if let Some(q) = self.queues.get_mut(&chat) {
            let before = q.len();
            q.retain(|k| !keys.contains(k));
            self.held -= before - q.len();
            if q.is_empty() {
                self.queues.remove(&chat);
            }
        }
    }

    /// Drops everything held for a chat (its records are gone from the store, or moved).
    pub fn forget(&mut self, chat: i64) {
        if let Some(q) = self.queues.remove(&chat) {
            self.held -= q.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store_with(chats: &[i64]) -> (Store, Vec<OutboxKey>) {
        let s = Store::temporary().unwrap();
        let notices: Vec<(i64, String)> = chats.iter().map(|c| (*c, "n".into())).collect();
        let keys = s.queue_notices(&notices).await.unwrap();
        (s, keys)
    }

    /// Drains the window like the worker: every held record is delivered (removed from
    /// the store and the window), then the window refills. Returns the order of delivery.
    fn drain(w: &mut Window, s: &Store, most_chats: &mut usize) -> Vec<OutboxKey> {
        let mut delivered = Vec::new();
        loop {
            w.refill(s).unwrap();
            *most_chats = (*most_chats).max(w.chats());
            let chats: Vec<i64> = w.queues.keys().copied().collect();
            if chats.is_empty() && !w.has_unread() {
                return delivered;
            }
            for chat in chats {
                let first = *w.queue(chat).unwrap().front().unwrap();
                s.remove_deliveries(&[first]).unwrap();
                w.remove(chat, &[first]);
                delivered.push(first);
            }
        }
    }

    #[tokio::test]
    async fn a_large_outbox_is_read_in_bounded_parts_and_every_record_once() {
        let chats: Vec<i64> = (0..(MAX_CHATS as i64 * 3)).map(|c| c * 7 - 5_000).collect();
        let (s, mut keys) = store_with(&chats).await;
        let mut w = Window::new();
        let mut most = 0;
        let mut delivered = drain(&mut w, &s, &mut most);
        assert!(most <= MAX_CHATS, "{most} chats held");
        delivered.sort();
        keys.sort();
        assert_eq!(delivered, keys, "every record once");
        assert_eq!(s.outbox_len(), 0);
    }

    #[tokio::test]
    async fn news_behind_the_cursor_is_read_on_the_next_lap() {
        let (s, _) = store_with(&[10, 20, 30]).await;
        let mut w = Window::new();
        w.refill(&s).unwrap();
        assert_eq!(w.chats(), 3);
        assert!(!w.has_unread(), "one lap over everything");
        // A record for a chat before the cursor's end, and one for a held chat.
        let more = s
            .queue_notices(&[(5, "late".into()), (20, "second".into())])
            .await
            .unwrap();
        assert_eq!(w.refill(&s).unwrap(), Vec::<i64>::new(), "not told yet");
        w.news();
        let started = w.refill(&s).unwrap();
        assert_eq!(started, vec![5]);
        assert_eq!(w.queue(20).unwrap().len(), 2);
        assert!(w.queue(5).unwrap().contains(&more[0]));
        assert_eq!(w.held(), 5, "nothing read twice");
        assert!(!w.has_unread());
    }

    #[tokio::test]
    async fn a_broadcast_expanded_after_a_later_notice_goes_before_it() {
        use crate::store::{AlertRecord, FeedRecord, NewEntry};
        let s = Store::temporary().unwrap();
        let f = s
            .add_feed(FeedRecord::new("https://a.example/f", "N"))
            .unwrap()
            .unwrap();
        let alert: AlertRecord = serde_json::from_value(serde_json::json!({
            "v": 1, "id": 0, "feed_id": f.id, "feed_name": "N", "entry_id": "e",
            "title": "T", "link": null, "summary": "S", "actions": [], "hashtags": [],
            "lang": "en", "also_published_by": [], "fingerprint_urls": [],
            "fingerprint_simhash": 0, "created_at": 0
        }))
        .unwrap();
        let e = NewEntry {
            keys: vec!["e".into()],
            alert: Some(alert),
        };
        let owed = s
            .commit_new_entries(f.id, &[e], &[(7, None)])
            .await
            .unwrap();
        let notice = s.queue_notices(&[(7, "n".into())]).await.unwrap();
        let mut w = Window::new();
        w.refill(&s).unwrap();
        assert_eq!(w.queue(7).unwrap(), &[notice[0]]);
        assert_eq!(s.expand_broadcasts().unwrap(), 1);
        w.news();
        assert_eq!(w.refill(&s).unwrap(), Vec::<i64>::new());
        assert_eq!(
            w.queue(7).unwrap(),
            &[owed[0], notice[0]],
            "in sequence order"
        );
        w.news();
        w.refill(&s).unwrap();
        assert_eq!(w.held(), 2, "nothing held twice");
    }
}
