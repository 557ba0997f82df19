//! Who an alert can go to, kept in memory between changes to the subscribers: a chat id
//! and forum topic per subscribed chat, and the full record only for the chats whose
//! choices or mute decide what they get. 100,000 subscribers who follow everything cost
//! 2.4 MB here instead of the 23 MB their decoded records would.

use super::{Store, StoreError, SubscriberRecord, dec, poisoned};
use std::sync::Arc;

/// One subscribed chat as routing sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    /// The chat's id.
    pub chat_id: i64,
    /// The forum topic its alerts go to; `None` = the main chat.
    pub thread_id: Option<i32>,
    /// The chat's record when it has choices (`/follow`) or a mute that decide which
    /// alerts it gets; `None`: it gets every alert.
    pub choices: Option<Box<SubscriberRecord>>,
}

impl Recipient {
    /// The routing entry of a subscription: its record kept only when its choices matter.
    pub fn of(rec: &SubscriberRecord) -> Recipient {
        let chooses = !(rec.follow_feeds.is_empty()
            && rec.follow_hashtags.is_empty()
            && rec.follow_kinds.is_empty()
            && rec.follow_langs.is_empty()
            && rec.muted_until.is_none());
        Recipient {
            chat_id: rec.chat_id,
            thread_id: rec.thread_id,
            choices: chooses.then(|| Box::new(rec.clone())),
        }
    }
}

impl Store {
    /// Every subscribed chat as routing sees it, read once and kept until the
    /// subscribers change.
    pub fn recipients(&self) -> Result<Arc<Vec<Recipient>>, StoreError> {
        let generation = {
            let cached = self.cache.subscribers.lock().map_err(poisoned)?;
            if let Some(list) = &cached.1 {
                return Ok(list.clone());
            }
            cached.0
        };
        let mut list = Vec::with_capacity(self.subscribers.len());
        for kv in self.subscribers.iter() {
            let (k, v) = kv?;
            let rec: SubscriberRecord = dec(&k, &v)?;
            list.push(Recipient::of(&rec));
        }
        list.shrink_to_fit();
        let list = Arc::new(list);
        let mut cached = self.cache.subscribers.lock().map_err(poisoned)?;
        if cached.0 == generation {
            cached.1 = Some(list.clone());
        }
        Ok(list)
    }
}
