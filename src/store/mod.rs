//! The store: the only code that knows the database is sled.
//!
//! Key layout (every tree's records are JSON with a `v` version field; integers in keys
//! are big-endian, signed ones with the sign bit flipped so they sort):
//!
//! | tree | key | value |
//! |---|---|---|
//! | `meta` | `schema_version` | u32 BE |
//! | `feeds` | feed id u64 | [`FeedRecord`] |
//! | `feed_urls` | url | feed id u64 |
//! | `seen` | feed id u64 ++ entry key | sequence u64 |
//! | `seen_order` | feed id u64 ++ sequence u64 | entry key |
//! | `subscribers` | chat id i64 | [`SubscriberRecord`] |
//! | `organizers` | user id i64 | [`OrganizerRecord`] |
//! | `alerts` | alert id u64 | [`AlertRecord`] |
//! | `outbox` | chat id i64 ++ sequence u64 | [`DeliveryRecord`] |
//! | `stats` | `sent:<day>` etc. | u64 BE |
//! | `chat_settings` | chat id i64 | [`ChatSettings`] |
//!
//! Invariants: an entry is marked seen in the same transaction that writes its alert and
//! one outbox record per subscribed chat, so a crash can neither lose nor duplicate an
//! alert; every commit point is flushed before the caller is told it is done.

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use std::path::Path;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {message}")]
    Open { path: String, message: String },
    #[error("database: {0}")]
    Db(String),
    #[error("database record {key}: {message}")]
    Corrupt { key: String, message: String },
    #[error("database schema version {found} is newer than this program's {SCHEMA_VERSION}")]
    TooNew { found: u32 },
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        StoreError::Db(e.to_string())
    }
}

impl From<TransactionError<StoreError>> for StoreError {
    fn from(e: TransactionError<StoreError>) -> Self {
        match e {
            TransactionError::Abort(e) => e,
            TransactionError::Storage(e) => e.into(),
        }
    }
}

/// Health of a feed as the poller last saw it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FeedHealth {
    pub last_success: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub consecutive_failures: u32,
    pub failing_since: Option<i64>,
    pub told_failing: bool,
    pub entries_seen: u64,
    pub appeals_sent: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FeedRecord {
    pub v: u32,
    pub id: u64,
    pub url: String,
    pub name: String,
    pub hashtags: Vec<String>,
    /// `appeals` or `all`.
    pub mode: String,
    /// Whether the feed came from the config file (file feeds are allowed only there).
    pub from_config: bool,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub added_by: Option<i64>,
    pub added_at: i64,
    /// Unix time before which the feed is not polled again (backoff, Retry-After).
    pub next_poll_at: Option<i64>,
    #[serde(default)]
    pub health: FeedHealth,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SubscriberRecord {
    pub v: u32,
    pub chat_id: i64,
    /// `private`, `group`, `supergroup` or `channel`.
    pub kind: String,
    pub language: Option<String>,
    pub since: i64,
    pub thread_id: Option<i32>,
    /// Subscriber choices: feed ids followed (empty = every feed).
    #[serde(default)]
    pub follow_feeds: Vec<u64>,
    /// Hashtags followed, `#` included (empty = any).
    #[serde(default)]
    pub follow_hashtags: Vec<String>,
    /// Action kinds followed (`sign`, `donate`, …; empty = any).
    #[serde(default)]
    pub follow_kinds: Vec<String>,
    /// Languages followed, ISO 639-1 (empty = any).
    #[serde(default)]
    pub follow_langs: Vec<String>,
    /// Unix time until which the chat gets no alerts.
    #[serde(default)]
    pub muted_until: Option<i64>,
}

/// Settings of any chat, subscribed or not (tree `chat_settings`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ChatSettings {
    pub v: u32,
    pub chat_id: i64,
    /// The language of the bot's replies chosen with `/language` (`en`, `ar`, `fr`).
    #[serde(default)]
    pub language: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OrganizerRecord {
    pub v: u32,
    pub user_id: i64,
    pub granted_by: i64,
    pub since: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ActionRecord {
    pub kind: String,
    pub label: String,
    pub url: Option<String>,
}

/// One alert's content, written once and shared by its deliveries.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AlertRecord {
    pub v: u32,
    pub id: u64,
    pub feed_id: u64,
    pub feed_name: String,
    pub entry_id: String,
    pub title: String,
    pub link: Option<String>,
    pub summary: String,
    pub actions: Vec<ActionRecord>,
    pub hashtags: Vec<String>,
    pub lang: String,
    pub also_published_by: Vec<String>,
    pub fingerprint_urls: Vec<String>,
    pub fingerprint_simhash: u64,
    pub created_at: i64,
}

/// One message owed to one chat.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeliveryRecord {
    pub v: u32,
    pub alert_id: u64,
    pub chat_id: i64,
    pub thread_id: Option<i32>,
    pub attempts: u32,
    pub queued_at: i64,
}

/// The key of one outbox record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OutboxKey {
    pub chat_id: i64,
    pub seq: u64,
}

impl OutboxKey {
    fn bytes(&self) -> [u8; 16] {
        let mut k = [0u8; 16];
        k[..8].copy_from_slice(&i64_key(self.chat_id));
        k[8..].copy_from_slice(&self.seq.to_be_bytes());
        k
    }
    fn from_bytes(b: &[u8]) -> Option<OutboxKey> {
        if b.len() != 16 {
            return None;
        }
        Some(OutboxKey {
            chat_id: i64_from_key(&b[..8])?,
            seq: u64::from_be_bytes(b[8..].try_into().ok()?),
        })
    }
}

/// What one poll found new in a feed, to be committed in one step.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// Keys that mark the entry seen (its id, and its republish key if any).
    pub keys: Vec<String>,
    /// The alert to send, if the entry is one; `None` for entries only marked seen.
    pub alert: Option<AlertRecord>,
}

/// The database handle; cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    meta: sled::Tree,
    feeds: sled::Tree,
    feed_urls: sled::Tree,
    seen: sled::Tree,
    seen_order: sled::Tree,
    subscribers: sled::Tree,
    organizers: sled::Tree,
    alerts: sled::Tree,
    outbox: sled::Tree,
    stats: sled::Tree,
}

pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn i64_key(v: i64) -> [u8; 8] {
    ((v as u64) ^ (1 << 63)).to_be_bytes()
}

fn i64_from_key(b: &[u8]) -> Option<i64> {
    Some((u64::from_be_bytes(b.try_into().ok()?) ^ (1 << 63)) as i64)
}

fn enc<T: Serialize>(v: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(v).map_err(|e| StoreError::Db(e.to_string()))
}

fn dec<T: DeserializeOwned>(key: &[u8], bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        key: String::from_utf8_lossy(key).into_owned(),
        message: e.to_string(),
    })
}

fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

fn seen_key(feed_id: u64, entry_key: &str) -> Vec<u8> {
    let mut k = feed_id.to_be_bytes().to_vec();
    k.extend_from_slice(entry_key.as_bytes());
    k
}

impl Store {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Open {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        }
        let config = sled::Config::new()
            .path(path)
            .cache_capacity(32 * 1024 * 1024)
            .flush_every_ms(Some(500));
        // The database's lock is released a moment after its last handle is dropped (the
        // previous process, or a previous handle in this one): wait for it, briefly.
        let mut tries = 0;
        let db = loop {
            match config.open() {
                Ok(db) => break db,
                Err(sled::Error::Io(e))
                    if e.kind() == std::io::ErrorKind::WouldBlock && tries < 30 =>
                {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => {
                    return Err(StoreError::Open {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    });
                }
            }
        };
        Self::from_db(db)
    }

    /// A throwaway database (tests, `--dry-run` without a data path).
    pub fn temporary() -> Result<Store, StoreError> {
        Self::from_db(sled::Config::new().temporary(true).open()?)
    }

    fn from_db(db: sled::Db) -> Result<Store, StoreError> {
        let store = Store {
            meta: db.open_tree("meta")?,
            feeds: db.open_tree("feeds")?,
            feed_urls: db.open_tree("feed_urls")?,
            seen: db.open_tree("seen")?,
            seen_order: db.open_tree("seen_order")?,
            subscribers: db.open_tree("subscribers")?,
            organizers: db.open_tree("organizers")?,
            alerts: db.open_tree("alerts")?,
            outbox: db.open_tree("outbox")?,
            stats: db.open_tree("stats")?,
            db,
        };
        match store.meta.get("schema_version")? {
            None => {
                store
                    .meta
                    .insert("schema_version", &SCHEMA_VERSION.to_be_bytes())?;
            }
            Some(v) => {
                let found =
                    u32::from_be_bytes(v.as_ref().try_into().map_err(|_| StoreError::Corrupt {
                        key: "schema_version".into(),
                        message: "not a u32".into(),
                    })?);
                if found > SCHEMA_VERSION {
                    return Err(StoreError::TooNew { found });
                }
            }
        }
        Ok(store)
    }

    /// Makes every earlier write durable.
    ///
    /// Not sled's `flush_async`: in sled 0.34 concurrent `flush_async` calls deadlock
    /// (sled issues #1241 and #1308, fixed on sled's main branch but never released), and
    /// eight polls committing at once hung the poller for good. The synchronous flush runs
    /// on a blocking thread instead.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || db.flush())
            .await
            .map_err(|e| StoreError::Db(format!("flush task failed: {e}")))??;
        Ok(())
    }

    pub fn flush_sync(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    // ---- feeds ----

    /// Adds a feed; `Ok(None)` if its URL is already there.
    pub fn add_feed(&self, mut rec: FeedRecord) -> Result<Option<FeedRecord>, StoreError> {
        let id = self.db.generate_id()? + 1;
        rec.id = id;
        rec.v = 1;
        let bytes = enc(&rec)?;
        let url = rec.url.clone();
        let added = (&self.feeds, &self.feed_urls).transaction(|(feeds, urls)| {
            if urls.get(url.as_bytes())?.is_some() {
                return Ok(false);
            }
            urls.insert(url.as_bytes(), &id.to_be_bytes())?;
            feeds.insert(&id.to_be_bytes(), bytes.as_slice())?;
            Ok(true)
        })?;
        Ok(added.then_some(rec))
    }

    pub fn feed(&self, id: u64) -> Result<Option<FeedRecord>, StoreError> {
        let key = id.to_be_bytes();
        self.feeds.get(key)?.map(|v| dec(&key, &v)).transpose()
    }

    pub fn feed_by_url(&self, url: &str) -> Result<Option<FeedRecord>, StoreError> {
        match self.feed_urls.get(url.as_bytes())? {
            Some(id) => {
                let id = u64::from_be_bytes(id.as_ref().try_into().unwrap_or([0; 8]));
                self.feed(id)
            }
            None => Ok(None),
        }
    }

    pub fn feeds(&self) -> Result<Vec<FeedRecord>, StoreError> {
        self.feeds
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                dec(&k, &v)
            })
            .collect()
    }

    /// Rewrites a feed record (validators, health, name, …); a changed URL moves the
    /// URL index too.
    pub fn update_feed(&self, rec: &FeedRecord) -> Result<(), StoreError> {
        let bytes = enc(rec)?;
        let id = rec.id;
        let url = rec.url.clone();
        (&self.feeds, &self.feed_urls).transaction(|(feeds, urls)| {
            let Some(old) = feeds.get(id.to_be_bytes())? else {
                return Ok(());
            };
            let old: FeedRecord = dec(b"feed", &old).map_err(abort)?;
            if old.url != url {
                urls.remove(old.url.as_bytes())?;
                urls.insert(url.as_bytes(), &id.to_be_bytes())?;
            }
            feeds.insert(&id.to_be_bytes(), bytes.as_slice())?;
            Ok(())
        })?;
        Ok(())
    }

    /// Removes a feed and what was seen of it.
    pub fn remove_feed(&self, id: u64) -> Result<Option<FeedRecord>, StoreError> {
        let Some(rec) = self.feed(id)? else {
            return Ok(None);
        };
        self.feeds.remove(id.to_be_bytes())?;
        self.feed_urls.remove(rec.url.as_bytes())?;
        for tree in [&self.seen, &self.seen_order] {
            let keys: Vec<_> = tree
                .scan_prefix(id.to_be_bytes())
                .keys()
                .collect::<Result<_, _>>()?;
            for k in keys {
                tree.remove(k)?;
            }
        }
        Ok(Some(rec))
    }

    // ---- seen entries and the outbox ----

    pub fn is_seen(&self, feed_id: u64, key: &str) -> Result<bool, StoreError> {
        Ok(self.seen.contains_key(seen_key(feed_id, key))?)
    }

    /// Marks new entries seen and queues their alerts for `chats`, in one atomic step,
    /// then flushes. Returns the outbox keys written.
    pub async fn commit_new_entries(
        &self,
        feed_id: u64,
        entries: &[NewEntry],
        chats: &[(i64, Option<i32>)],
    ) -> Result<Vec<OutboxKey>, StoreError> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        // Ids are reserved outside the transaction (the closure may run again).
        let mut seqs = Vec::new();
        for e in entries {
            let alert_id = if e.alert.is_some() {
                self.db.generate_id()?
            } else {
                0
            };
            let seen_seq = self.db.generate_id()?;
            let mut out = Vec::new();
            if e.alert.is_some() {
                for _ in chats {
                    out.push(self.db.generate_id()?);
                }
            }
            seqs.push((alert_id, seen_seq, out));
        }
        let now = now_unix();
        let keys = (
            &self.seen,
            &self.seen_order,
            &self.alerts,
            &self.outbox,
            &self.feeds,
        )
            .transaction(|(seen, seen_order, alerts, outbox, feeds)| {
                let mut written = Vec::new();
                let mut appeals = 0u64;
                let mut fresh = 0u64;
                for (e, (alert_id, seen_seq, out)) in entries.iter().zip(&seqs) {
                    if seen.get(seen_key(feed_id, &e.keys[0]))?.is_some() {
                        continue;
                    }
                    fresh += 1;
                    for (i, key) in e.keys.iter().enumerate() {
                        let seq = seen_seq * 4 + i as u64;
                        seen.insert(seen_key(feed_id, key), &seq.to_be_bytes())?;
                        let mut ok = feed_id.to_be_bytes().to_vec();
                        ok.extend_from_slice(&seq.to_be_bytes());
                        seen_order.insert(ok, key.as_bytes())?;
                    }
                    let Some(alert) = &e.alert else { continue };
                    appeals += 1;
                    let mut alert = alert.clone();
                    alert.id = *alert_id;
                    alerts.insert(&alert_id.to_be_bytes(), enc(&alert).map_err(abort)?)?;
                    for ((chat, thread), seq) in chats.iter().zip(out) {
                        let key = OutboxKey {
                            chat_id: *chat,
                            seq: *seq,
                        };
                        let rec = DeliveryRecord {
                            v: 1,
                            alert_id: *alert_id,
                            chat_id: *chat,
                            thread_id: *thread,
                            attempts: 0,
                            queued_at: now,
                        };
                        outbox.insert(&key.bytes(), enc(&rec).map_err(abort)?)?;
                        written.push(key);
                    }
                }
                if let Some(bytes) = feeds.get(feed_id.to_be_bytes())? {
                    let mut rec: FeedRecord = dec(b"feed", &bytes).map_err(abort)?;
                    rec.health.entries_seen += fresh;
                    rec.health.appeals_sent += appeals;
                    feeds.insert(&feed_id.to_be_bytes(), enc(&rec).map_err(abort)?)?;
                }
                Ok(written)
            })?;
        self.flush().await?;
        Ok(keys)
    }

    /// Keeps at most `keep` seen keys of a feed (the oldest go first).
    pub fn prune_seen(&self, feed_id: u64, keep: usize) -> Result<usize, StoreError> {
        let total = self.seen_order.scan_prefix(feed_id.to_be_bytes()).count();
        if total <= keep {
            return Ok(0);
        }
        let excess = total - keep;
        let old: Vec<_> = self
            .seen_order
            .scan_prefix(feed_id.to_be_bytes())
            .take(excess)
            .collect::<Result<_, _>>()?;
        for (order_key, entry_key) in &old {
            let key = String::from_utf8_lossy(entry_key);
            self.seen.remove(seen_key(feed_id, &key))?;
            self.seen_order.remove(order_key)?;
        }
        Ok(old.len())
    }

    pub fn seen_count(&self, feed_id: u64) -> usize {
        self.seen.scan_prefix(feed_id.to_be_bytes()).count()
    }

    pub fn alert(&self, id: u64) -> Result<Option<AlertRecord>, StoreError> {
        let key = id.to_be_bytes();
        self.alerts.get(key)?.map(|v| dec(&key, &v)).transpose()
    }

    /// The most recent alerts, newest first (for cross-post detection).
    pub fn recent_alerts(&self, n: usize) -> Result<Vec<AlertRecord>, StoreError> {
        self.alerts
            .iter()
            .rev()
            .take(n)
            .map(|kv| {
                let (k, v) = kv?;
                dec(&k, &v)
            })
            .collect()
    }

    pub fn update_alert(&self, rec: &AlertRecord) -> Result<(), StoreError> {
        self.alerts.insert(rec.id.to_be_bytes(), enc(rec)?)?;
        Ok(())
    }

    /// Every pending delivery, in key order (per chat, oldest first).
    pub fn outbox(&self) -> Result<Vec<(OutboxKey, DeliveryRecord)>, StoreError> {
        self.outbox
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                let key = OutboxKey::from_bytes(&k).ok_or_else(|| StoreError::Corrupt {
                    key: "outbox".into(),
                    message: "bad key".into(),
                })?;
                Ok((key, dec(&k, &v)?))
            })
            .collect()
    }

    pub fn delivery(&self, key: OutboxKey) -> Result<Option<DeliveryRecord>, StoreError> {
        let k = key.bytes();
        self.outbox.get(k)?.map(|v| dec(&k, &v)).transpose()
    }

    pub fn outbox_len(&self) -> usize {
        self.outbox.len()
    }

    /// Removes delivered (or dropped) records. Not flushed: call [`Store::flush`] at the
    /// commit point.
    pub fn remove_deliveries(&self, keys: &[OutboxKey]) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for k in keys {
            batch.remove(&k.bytes());
        }
        self.outbox.apply_batch(batch)?;
        Ok(())
    }

    pub fn update_delivery(&self, key: OutboxKey, rec: &DeliveryRecord) -> Result<(), StoreError> {
        self.outbox.insert(key.bytes(), enc(rec)?)?;
        Ok(())
    }

    /// Moves a chat's pending deliveries to a new chat id (group migrated to supergroup).
    pub fn move_deliveries(&self, from: i64, to: i64) -> Result<Vec<OutboxKey>, StoreError> {
        let mut moved = Vec::new();
        let old: Vec<_> = self
            .outbox
            .scan_prefix(i64_key(from))
            .collect::<Result<_, _>>()?;
        for (k, v) in old {
            let Some(key) = OutboxKey::from_bytes(&k) else {
                continue;
            };
            let mut rec: DeliveryRecord = dec(&k, &v)?;
            rec.chat_id = to;
            let new_key = OutboxKey {
                chat_id: to,
                seq: key.seq,
            };
            self.outbox.insert(new_key.bytes(), enc(&rec)?)?;
            self.outbox.remove(k)?;
            moved.push(new_key);
        }
        Ok(moved)
    }

    /// Drops every pending delivery of a chat.
    pub fn drop_deliveries(&self, chat_id: i64) -> Result<usize, StoreError> {
        let keys: Vec<_> = self
            .outbox
            .scan_prefix(i64_key(chat_id))
            .keys()
            .collect::<Result<_, _>>()?;
        for k in &keys {
            self.outbox.remove(k)?;
        }
        Ok(keys.len())
    }

    /// Deletes alerts that no delivery refers to any more and that are older than
    /// `keep_secs` (the recent ones are kept for cross-post detection).
    pub fn prune_alerts(&self, keep_secs: i64) -> Result<usize, StoreError> {
        let live: std::collections::HashSet<u64> = self
            .outbox()?
            .into_iter()
            .map(|(_, d)| d.alert_id)
            .collect();
        let cutoff = now_unix() - keep_secs;
        let mut removed = 0;
        for kv in self.alerts.iter() {
            let (k, v) = kv?;
            let rec: AlertRecord = dec(&k, &v)?;
            if rec.created_at < cutoff && !live.contains(&rec.id) {
                self.alerts.remove(k)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    // ---- subscribers ----

    pub fn subscribe(&self, rec: &SubscriberRecord) -> Result<bool, StoreError> {
        let was = self
            .subscribers
            .insert(i64_key(rec.chat_id), enc(rec)?)?
            .is_none();
        self.db.flush()?;
        Ok(was)
    }

    /// Subscribes many chats in one batch and one flush (imports, benchmarks).
    pub fn subscribe_many(&self, recs: &[SubscriberRecord]) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for rec in recs {
            batch.insert(&i64_key(rec.chat_id), enc(rec)?);
        }
        self.subscribers.apply_batch(batch)?;
        self.db.flush()?;
        Ok(())
    }

    pub fn unsubscribe(&self, chat_id: i64) -> Result<bool, StoreError> {
        let was = self.subscribers.remove(i64_key(chat_id))?.is_some();
        self.drop_deliveries(chat_id)?;
        self.db.flush()?;
        Ok(was)
    }

    pub fn subscriber(&self, chat_id: i64) -> Result<Option<SubscriberRecord>, StoreError> {
        let k = i64_key(chat_id);
        self.subscribers.get(k)?.map(|v| dec(&k, &v)).transpose()
    }

    pub fn subscribers(&self) -> Result<Vec<SubscriberRecord>, StoreError> {
        self.subscribers
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                dec(&k, &v)
            })
            .collect()
    }

    pub fn subscriber_count(&self) -> usize {
        self.subscribers.len()
    }

    /// Moves a subscription to a new chat id (a group that became a supergroup).
    pub fn migrate_subscriber(&self, from: i64, to: i64) -> Result<(), StoreError> {
        if let Some(mut rec) = self.subscriber(from)? {
            rec.chat_id = to;
            rec.kind = "supergroup".into();
            self.subscribers.insert(i64_key(to), enc(&rec)?)?;
            self.subscribers.remove(i64_key(from))?;
        }
        Ok(())
    }

    // ---- organizers ----

    pub fn grant(&self, user_id: i64, by: i64) -> Result<bool, StoreError> {
        let rec = OrganizerRecord {
            v: 1,
            user_id,
            granted_by: by,
            since: now_unix(),
        };
        let was = self
            .organizers
            .insert(i64_key(user_id), enc(&rec)?)?
            .is_none();
        self.db.flush()?;
        Ok(was)
    }

    pub fn revoke(&self, user_id: i64) -> Result<bool, StoreError> {
        let was = self.organizers.remove(i64_key(user_id))?.is_some();
        self.db.flush()?;
        Ok(was)
    }

    pub fn is_organizer(&self, user_id: i64) -> Result<bool, StoreError> {
        Ok(self.organizers.contains_key(i64_key(user_id))?)
    }

    pub fn organizers(&self) -> Result<Vec<OrganizerRecord>, StoreError> {
        self.organizers
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                dec(&k, &v)
            })
            .collect()
    }

    // ---- subscriber choices ----

    /// Changes a subscriber record in place (compare-and-swap, so a concurrent change is
    /// not lost); `Ok(None)` when the chat is not subscribed.
    pub fn update_subscriber(
        &self,
        chat_id: i64,
        mut change: impl FnMut(&mut SubscriberRecord),
    ) -> Result<Option<SubscriberRecord>, StoreError> {
        let key = i64_key(chat_id);
        for _ in 0..16 {
            let Some(old) = self.subscribers.get(key)? else {
                return Ok(None);
            };
            let mut rec: SubscriberRecord = dec(&key, &old)?;
            change(&mut rec);
            let new = enc(&rec)?;
            if self
                .subscribers
                .compare_and_swap(key, Some(old), Some(new))?
                .is_ok()
            {
                self.db.flush()?;
                return Ok(Some(rec));
            }
        }
        Err(StoreError::Db(format!(
            "subscriber {chat_id}: too many concurrent changes"
        )))
    }

    fn chat_settings_tree(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree("chat_settings")?)
    }

    pub fn chat_settings(&self, chat_id: i64) -> Result<Option<ChatSettings>, StoreError> {
        let k = i64_key(chat_id);
        self.chat_settings_tree()?
            .get(k)?
            .map(|v| dec(&k, &v))
            .transpose()
    }

    /// Sets (or with `None` clears) the language of a chat's replies.
    pub fn set_chat_language(
        &self,
        chat_id: i64,
        language: Option<&str>,
    ) -> Result<(), StoreError> {
        let tree = self.chat_settings_tree()?;
        let mut rec = self.chat_settings(chat_id)?.unwrap_or(ChatSettings {
            v: 1,
            chat_id,
            language: None,
        });
        rec.language = language.map(str::to_string);
        tree.insert(i64_key(chat_id), enc(&rec)?)?;
        self.db.flush()?;
        Ok(())
    }

    /// Forgets a chat's settings (`/stop` forgets the chat).
    pub fn forget_chat_settings(&self, chat_id: i64) -> Result<(), StoreError> {
        self.chat_settings_tree()?.remove(i64_key(chat_id))?;
        self.db.flush()?;
        Ok(())
    }

    /// Moves a chat's settings to a new chat id (a group that became a supergroup).
    pub fn move_chat_settings(&self, from: i64, to: i64) -> Result<(), StoreError> {
        let tree = self.chat_settings_tree()?;
        if let Some(mut rec) = self.chat_settings(from)? {
            rec.chat_id = to;
            tree.insert(i64_key(to), enc(&rec)?)?;
            tree.remove(i64_key(from))?;
        }
        Ok(())
    }

    // ---- stats ----

    pub fn bump_stat(&self, name: &str, by: u64) -> Result<(), StoreError> {
        self.stats.update_and_fetch(name.as_bytes(), |old| {
            let cur = old
                .and_then(|o| o.try_into().ok())
                .map(u64::from_be_bytes)
                .unwrap_or(0);
            Some((cur + by).to_be_bytes().to_vec())
        })?;
        Ok(())
    }

    pub fn stat(&self, name: &str) -> u64 {
        self.stats
            .get(name.as_bytes())
            .ok()
            .flatten()
            .and_then(|v| v.as_ref().try_into().ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(url: &str) -> FeedRecord {
        FeedRecord {
            v: 1,
            id: 0,
            url: url.into(),
            name: "N".into(),
            hashtags: vec![],
            mode: "appeals".into(),
            from_config: false,
            etag: None,
            last_modified: None,
            added_by: None,
            added_at: 0,
            next_poll_at: None,
            health: FeedHealth::default(),
        }
    }

    fn alert() -> AlertRecord {
        AlertRecord {
            v: 1,
            id: 0,
            feed_id: 0,
            feed_name: "N".into(),
            entry_id: "e".into(),
            title: "T".into(),
            link: None,
            summary: "S".into(),
            actions: vec![],
            hashtags: vec![],
            lang: "en".into(),
            also_published_by: vec![],
            fingerprint_urls: vec![],
            fingerprint_simhash: 0,
            created_at: now_unix(),
        }
    }

    #[tokio::test]
    async fn feeds_are_unique_by_url_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        {
            let s = Store::open(&path).unwrap();
            let a = s.add_feed(feed("https://a.example/f")).unwrap().unwrap();
            assert!(s.add_feed(feed("https://a.example/f")).unwrap().is_none());
            assert_eq!(
                s.feed_by_url("https://a.example/f").unwrap().unwrap().id,
                a.id
            );
            s.flush().await.unwrap();
        }
        let s = Store::open(&path).unwrap();
        assert_eq!(s.feeds().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn commit_marks_seen_and_queues_one_delivery_per_chat_once() {
        let s = Store::temporary().unwrap();
        let f = s.add_feed(feed("https://a.example/f")).unwrap().unwrap();
        let entries = vec![
            NewEntry {
                keys: vec!["e1".into(), "r1".into()],
                alert: Some(alert()),
            },
            NewEntry {
                keys: vec!["e2".into()],
                alert: None,
            },
        ];
        let chats = [(1, None), (2, None), (-1001234567890, Some(5))];
        let keys = s.commit_new_entries(f.id, &entries, &chats).await.unwrap();
        assert_eq!(keys.len(), 3);
        assert!(s.is_seen(f.id, "e1").unwrap() && s.is_seen(f.id, "r1").unwrap());
        assert!(s.is_seen(f.id, "e2").unwrap());
        // A second commit of the same entries queues nothing.
        let again = s.commit_new_entries(f.id, &entries, &chats).await.unwrap();
        assert!(again.is_empty());
        assert_eq!(s.outbox_len(), 3);
        let health = s.feed(f.id).unwrap().unwrap().health;
        assert_eq!((health.entries_seen, health.appeals_sent), (2, 1));
        s.remove_deliveries(&keys[..1]).unwrap();
        assert_eq!(s.outbox_len(), 2);
        assert_eq!(s.move_deliveries(2, -1009999999999).unwrap().len(), 1);
        assert_eq!(s.drop_deliveries(-1009999999999).unwrap(), 1);
    }

    #[tokio::test]
    async fn prune_keeps_the_newest_keys() {
        let s = Store::temporary().unwrap();
        let f = s.add_feed(feed("https://a.example/f")).unwrap().unwrap();
        for i in 0..10 {
            let e = NewEntry {
                keys: vec![format!("e{i}")],
                alert: None,
            };
            s.commit_new_entries(f.id, &[e], &[]).await.unwrap();
        }
        assert_eq!(s.prune_seen(f.id, 4).unwrap(), 6);
        assert!(!s.is_seen(f.id, "e0").unwrap());
        assert!(s.is_seen(f.id, "e9").unwrap());
        assert_eq!(s.seen_count(f.id), 4);
    }

    #[test]
    fn signed_keys_sort_and_round_trip() {
        for v in [-1001234567890i64, -1, 0, 1, i64::MAX, i64::MIN] {
            assert_eq!(i64_from_key(&i64_key(v)), Some(v));
        }
        assert!(i64_key(-5) < i64_key(3));
    }
}
