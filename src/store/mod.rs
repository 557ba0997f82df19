//! The store: the only code that knows the database is sled.
//!
//! Key layout (every tree's records are JSON with a `v` version field, except the binary
//! seen sets; integers in keys are big-endian, signed ones with the sign bit flipped so
//! they sort):
//!
//! | tree | key | value |
//! |---|---|---|
//! | `meta` | `schema_version` | u32 BE |
//! | `meta` | `pace` | [`PaceRecord`]: recent send finish times, kept over a restart |
//! | `feeds` | feed id u64 | [`FeedRecord`] |
//! | `feed_urls` | url | feed id u64 |
//! | `seen_sets` | feed id u64 | [`SeenSet`]: version byte 1, then the feed's seen keys as 64-bit hashes (u64 LE), oldest first |
//! | `subscribers` | chat id i64 | [`SubscriberRecord`] |
//! | `ended` | chat id i64 | [`EndedRecord`]: a subscription Telegram ended, until its notice is queued ([`ended`]) |
//! | `organizers` | user id i64 | [`OrganizerRecord`] |
//! | `alerts` | alert id u64 | [`AlertRecord`] |
//! | `outbox` | chat id i64 ++ sequence u64 | [`DeliveryRecord`]: an alert, or a plain-text notice |
//! | `broadcasts`, `broadcast_drops` | see [`broadcast`] | an alert owed to a chunk of chats, expanded into `outbox` records by the worker |
//! | `stats` | `sent:<day>` etc. | u64 BE |
//! | `chat_settings` | chat id i64 | [`ChatSettings`] |
//! | `updates`, `inbox` | update id i64 | Telegram updates handled and waiting ([`updates`]) |
//! | `websub` | callback id | WebSub subscriptions ([`websub`]) |
//! | `feedback`, `sent_messages` | see [`feedback`] | organizers' verdicts, wrong marks, the alert of each sent message |
//! | `websub`, `websub_pushes` | callback id; sequence u64 | WebSub subscriptions and pushed content not yet taken ([`websub`]) |
//! | `held` | alert id u64 | appeals held for review, with their decision ([`review`]) |
//! | `link_domains` | feed id u64 | the sites (registrable domains) a feed's entries linked to ([`review`]) |
//! | `reminders`, `reminded` | event start i64 ++ chat id i64 ++ alert id u64; chat id i64 ++ alert id u64 | reminders owed before an alert's event, and the ones queued ([`reminders`]) |
//!
//! Invariants: an entry is marked seen in the same transaction that writes its alert and
//! what it owes each subscribed chat (one chunk record per [`broadcast::CHUNK`] chats), so a crash can neither lose nor duplicate an
//! alert; every write that queues a delivery is flushed before the caller is told it is
//! done. A finished delivery is journaled with one write before its record goes
//! ([`journal`]): a killed process loses none, without a flush per send. Writes that queue nothing (seen sets of polls without alerts, feed health) are
//! left to the background flush (500 ms).

pub mod broadcast;
mod ended;
mod feedback;
pub mod journal;
mod notices;
mod outbox;
mod recipients;
mod reminders;
mod review;
mod updates;
mod websub;

pub use ended::EndedRecord;
pub use feedback::{FeedbackRecord, FeedbackVerdict};
pub use journal::Finished;
pub use recipients::Recipient;
pub use reminders::ReminderRecord;
pub use review::{
    Decided, Decision, HOLD_SECS, HeldCounts, HeldRecord, HeldState, Hold, HoldReason,
    PreviewRecord, ReviewBatch, decision_now,
};
pub use updates::{KEEP_HANDLED_SECS, UpdateRecord, UpdateState};
pub use websub::{PushRecord, WebSubRecord, WebSubState};

use crate::crashpoint::{self, Point};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// 2: seen keys of a feed in one record (`seen_sets`) instead of two trees (`seen`,
/// `seen_order`) with a record per key; a version 1 database is converted when opened.
/// 3: a poll's alerts queued in chunks (`broadcasts`, [`broadcast`]); a version 2
/// database's per-chat outbox records are read as they are.
pub const SCHEMA_VERSION: u32 = 3;

/// How many seen keys a feed keeps at least (more when the feed lists more entries).
pub const SEEN_KEEP: usize = 200;

/// What a store operation can fail with; `Display` names the database, record or version.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened (e.g. another process holds it).
    #[error("database {path}: {message}")]
    Open {
        /// The database directory.
        path: String,
        /// sled's reason.
        message: String,
    },
    /// sled, a transaction or an encoding failed; the text is its error.
    #[error("database: {0}")]
    Db(String),
    /// A stored record does not decode.
    #[error("database record {key}: {message}")]
    Corrupt {
        /// The record's key, as text.
        key: String,
        /// serde's error.
        message: String,
    },
    /// The database was written by a newer program.
    #[error("database schema version {found} is newer than this program's {SCHEMA_VERSION}")]
    TooNew {
        /// The database's schema version.
        found: u32,
    },
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
    /// Unix time (seconds) of the last successful poll (a 304 counts).
    pub last_success: Option<i64>,
    /// The last failure's message.
    pub last_error: Option<String>,
    /// Unix time (seconds) of the last failure.
    pub last_error_at: Option<i64>,
    /// Failed polls since the last success (0 while healthy).
    pub consecutive_failures: u32,
    /// Unix time (seconds) of the first failure of the current run; `None` while healthy.
    pub failing_since: Option<i64>,
    /// Organizers were told the feed is failing: set and cleared only with the notice
    /// that tells them, in one transaction ([`Store::queue_feed_notices`]).
    pub told_failing: bool,
    /// New entries the polls have found in the feed, in total.
    pub entries_seen: u64,
    /// Alerts the feed's polls wrote (one per new appeal, or new entry in mode `all`), in total.
    pub appeals_sent: u64,
}

/// A watched feed (tree `feeds`, key its id), written by `/addfeed`, the config and each poll.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FeedRecord {
    /// Record version (1).
    pub v: u32,
    /// Given by the store when the feed is added; never reused.
    pub id: u64,
    /// The feed's URL as added (also the key of `feed_urls`).
    pub url: String,
    /// The partner's name shown in alerts.
    pub name: String,
    /// Hashtags added to every alert from the feed, `#` included.
    pub hashtags: Vec<String>,
    /// `appeals` or `all`.
    pub mode: String,
    /// Whether the feed came from the config file (file feeds are allowed only there).
    pub from_config: bool,
    /// The last answer's `ETag`, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// The last answer's `Last-Modified`, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
    /// The Telegram user who added it (`/addfeed`); `None` for config and CLI feeds.
    pub added_by: Option<i64>,
    /// Unix time (seconds) it was added.
    pub added_at: i64,
    /// Unix time before which the feed is not polled again (backoff, Retry-After).
    pub next_poll_at: Option<i64>,
    /// Poll health: last success, failures, counts.
    #[serde(default)]
    pub health: FeedHealth,
    /// Its appeals wait for an organizer's approval (`/review`, `/trust`).
    #[serde(default)]
    pub review: bool,
}

impl FeedRecord {
    /// A feed not yet stored (the store gives it its id): mode `appeals`, added now,
    /// never polled.
    pub fn new(url: impl Into<String>, name: impl Into<String>) -> FeedRecord {
        FeedRecord {
            v: 1,
            id: 0,
            url: url.into(),
            name: name.into(),
            hashtags: Vec::new(),
            mode: "appeals".into(),
            from_config: false,
            etag: None,
            last_modified: None,
            added_by: None,
            added_at: now_unix(),
            next_poll_at: None,
            health: FeedHealth::default(),
            review: false,
        }
    }
}

/// A subscribed chat (tree `subscribers`, key the chat id), written by `/start`, `/addchannel` and
/// the choice commands. Empty choices and absent values are left out of the stored record
/// (read back as empty): a chat that follows everything is about 50 bytes instead of 190,
/// which is what reading 100,000 of them into routing costs in the store's cache.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SubscriberRecord {
    /// Record version (1).
    pub v: u32,
    /// Telegram's chat id.
    pub chat_id: i64,
    /// `private`, `group`, `supergroup` or `channel`.
    pub kind: String,
    /// The Telegram `language_code` of the user who subscribed the chat, if Telegram gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Unix time (seconds) it subscribed.
    pub since: i64,
    /// The forum topic alerts go to (`message_thread_id`); `None` = the main chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<i32>,
    /// Subscriber choices: feed ids followed (empty = every feed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub follow_feeds: Vec<u64>,
    /// Hashtags followed, `#` included (empty = any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub follow_hashtags: Vec<String>,
    /// Action kinds followed (`sign`, `donate`, …; empty = any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub follow_kinds: Vec<String>,
    /// Languages followed, ISO 639-1 (empty = any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub follow_langs: Vec<String>,
    /// Unix time until which the chat gets no alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted_until: Option<i64>,
    /// The user who subscribed a group, supergroup or channel (`/start` by one of its
    /// administrators, `/addchannel`): told when Telegram ends the subscription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_by: Option<i64>,
}

/// Settings of any chat, subscribed or not (tree `chat_settings`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ChatSettings {
    /// Record version (1).
    pub v: u32,
    /// Telegram's chat id.
    pub chat_id: i64,
    /// The language of the bot's replies chosen with `/language` (`en`, `ar`, `fr`).
    #[serde(default)]
    pub language: Option<String>,
    /// `/remind on`: reminders before the events of the alerts it got ([`reminders`]).
    #[serde(default)]
    pub reminders: bool,
}

/// A user allowed to manage feeds (tree `organizers`), written by `/grant`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OrganizerRecord {
    /// Record version (1).
    pub v: u32,
    /// Telegram's user id.
    pub user_id: i64,
    /// The admin who granted the role.
    pub granted_by: i64,
    /// Unix time (seconds) of the grant.
    pub since: i64,
}

/// One action of an alert, as [`crate::detect::Action`] is stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ActionRecord {
    /// The action kind's name (`sign`, `donate`, …).
    pub kind: String,
    /// The words the entry used for it.
    pub label: String,
    /// Where to take the action, when the entry linked it.
    pub url: Option<String>,
}

/// One alert's content, written once and shared by its deliveries.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AlertRecord {
    /// Record version (1).
    pub v: u32,
    /// Given by the store when the alert is written.
    pub id: u64,
    /// The feed the entry came from.
    pub feed_id: u64,
    /// The feed's name when the alert was written.
    pub feed_name: String,
    /// The entry's stable id.
    pub entry_id: String,
    /// The entry's title (plain text).
    pub title: String,
    /// The entry's link.
    pub link: Option<String>,
    /// The detector's summary.
    pub summary: String,
    /// What the entry asks to do, in the detector's order.
    pub actions: Vec<ActionRecord>,
    /// Hashtags: the detector's and the feed's, `#` included.
    pub hashtags: Vec<String>,
    /// The entry's language as the detector identified it (ISO 639-1).
    pub lang: String,
    /// Names of other partner feeds that published the same appeal (duplicates folded into this
    /// alert).
    pub also_published_by: Vec<String>,
    /// The fingerprint's canonical action URLs, sorted (duplicate detection).
    pub fingerprint_urls: Vec<String>,
    /// The fingerprint's SimHash of the normalised text (duplicate detection).
    pub fingerprint_simhash: u64,
    /// Unix time (seconds) the alert was written.
    pub created_at: i64,
    /// What the detector said of the entry (kept for verdict feedback); `None` in alerts
    /// written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<AlertVerdict>,
    /// When the event it mobilizes for starts (issue 14); absent in older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<DateRecord>,
    /// When its petition, consultation or call closes; absent in older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DateRecord>,
}

/// The parts of `check --json`'s line for an entry that an alert does not otherwise keep.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AlertVerdict {
    /// RFC 3339.
    pub published: Option<String>,
    /// Whether the detector judged the entry an appeal.
    pub is_appeal: bool,
    /// The detector's score, 0 to 1.
    pub score: f64,
    /// The reasons the detector gave.
    pub reasons: Vec<String>,
}

/// A date of an alert, in the feed's time zone.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DateRecord {
    /// RFC 3339 with the zone's offset.
    pub at: String,
    /// No time of day was given: `at` is the start of the day.
    #[serde(default)]
    pub day_only: bool,
}

/// One message owed to one chat.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeliveryRecord {
    /// Record version (1).
    pub v: u32,
    /// The alert to send (for a preview, the held alert); 0 for a notice.
    pub alert_id: u64,
    /// The chat it goes to.
    pub chat_id: i64,
    /// The forum topic it goes to; `None` = the main chat.
    pub thread_id: Option<i32>,
    /// 0 when queued (the worker counts a chat's failed sends in memory, not here).
    pub attempts: u32,
    /// Unix time (seconds) it was queued.
    pub queued_at: i64,
    /// A plain-text notice to the chat instead of an alert (`alert_id` is then 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    /// A held alert's preview to an organizer, with Approve and Reject buttons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<PreviewRecord>,
}

impl DeliveryRecord {
    /// Alert `alert_id` owed to `chat` (and topic), queued at `now`.
    pub fn to_chat(chat: i64, thread: Option<i32>, alert_id: u64, now: i64) -> DeliveryRecord {
        DeliveryRecord {
            v: 1,
            alert_id,
            chat_id: chat,
            thread_id: thread,
            attempts: 0,
            queued_at: now,
            notice: None,
            preview: None,
        }
    }
}

/// Telegram's pace when last saved: finish times (unix milliseconds) of the recent sends,
/// overall and per chat, so a restart does not send a burst the limits already spent.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PaceRecord {
    /// Record version (1).
    pub v: u32,
    /// Finish times of the sends counted against the overall limit.
    pub global: Vec<i64>,
    /// Per chat id, the finish times of its sends counted against its own limit.
    pub chats: Vec<(i64, Vec<i64>)>,
}

/// The key of one outbox record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OutboxKey {
    /// The chat the record goes to (first 8 bytes of the key).
    pub chat_id: i64,
    /// Queueing order within the chat (last 8 bytes of the key).
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

/// New entries and the chats (with their forum topic) their alerts go to.
pub type Batch = (Vec<NewEntry>, Vec<(i64, Option<i32>)>);

/// The database handle; cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    meta: sled::Tree,
    feeds: sled::Tree,
    feed_urls: sled::Tree,
    seen_sets: sled::Tree,
    subscribers: sled::Tree,
    organizers: sled::Tree,
    alerts: sled::Tree,
    outbox: sled::Tree,
    stats: sled::Tree,
    cache: Arc<Cache>,
    /// The delivery journal ([`journal`]); `None` for a throwaway database.
    journal: Option<Arc<journal::Journal>>,
}

/// What the store keeps decoded in memory: who alerts can go to (read on every poll with
/// an alert, changed rarely; [`Recipient`]) and a counter of changes to the set of feeds
/// (the poller reloads its schedule when it moves).
#[derive(Default)]
struct Cache {
    /// Bumped after every change to the subscribers tree; a list read before a change
    /// finished is never cached.
    subscribers: Mutex<(u64, Option<Arc<Vec<Recipient>>>)>,
    feed_set: AtomicU64,
    /// The period of the `sent_messages` tree last written ([`feedback`]).
    sent_period: AtomicU64,
    /// Woken when a reminder is noted ([`reminders`]).
    reminders: tokio::sync::Notify,
}

/// The current Unix time in seconds (0 if the clock is before 1970).
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

fn poisoned<T>(_: std::sync::PoisonError<T>) -> StoreError {
    StoreError::Db("an in-memory cache lock was poisoned".into())
}

fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

/// The 64-bit hash a seen key is kept as (the first 8 bytes of its SHA-256: stable
/// across versions and platforms; two keys of one feed collide with odds near 2^-50).
fn seen_hash(key: &str) -> u64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    u64::from_le_bytes(digest[..8].try_into().unwrap_or([0; 8]))
}

/// The keys of one feed's entries already seen, as hashes, oldest first.
#[derive(Debug, Clone, Default)]
pub struct SeenSet {
    order: std::collections::VecDeque<u64>,
    members: std::collections::HashSet<u64>,
}

impl SeenSet {
    const VERSION: u8 = 1;

    /// Whether the entry key (id or republish key) is in the set.
    pub fn contains(&self, key: &str) -> bool {
        self.members.contains(&seen_hash(key))
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether the set holds no key.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    fn insert(&mut self, hash: u64) {
        if self.members.insert(hash) {
            self.order.push_back(hash);
        }
    }

    /// Marks an entry seen by all its keys, unless its first key (its id) was seen
    /// already; whether it was new.
    fn take(&mut self, keys: &[String]) -> bool {
        match keys.first() {
            Some(id) if !self.contains(id) => {
                keys.iter().for_each(|k| self.insert(seen_hash(k)));
                true
            }
            _ => false,
        }
    }

    /// Forgets the oldest keys beyond `keep`.
    fn keep_newest(&mut self, keep: usize) {
        while self.order.len() > keep {
            if let Some(old) = self.order.pop_front() {
                self.members.remove(&old);
            }
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 8 * self.order.len());
        out.push(Self::VERSION);
        for h in &self.order {
            out.extend_from_slice(&h.to_le_bytes());
        }
        out
    }

    fn from_bytes(b: &[u8]) -> Option<SeenSet> {
        let (&version, rest) = b.split_first()?;
        if version != Self::VERSION || rest.len() % 8 != 0 {
            return None;
        }
        let mut set = SeenSet::default();
        for chunk in rest.chunks_exact(8) {
            set.insert(u64::from_le_bytes(chunk.try_into().ok()?));
        }
        Some(set)
    }
}

/// A feed's stored seen set (`None`: the record is absent).
fn decode_seen_set(feed_id: u64, bytes: Option<&[u8]>) -> Result<Option<SeenSet>, StoreError> {
    bytes
        .map(|b| {
            SeenSet::from_bytes(b).ok_or_else(|| StoreError::Corrupt {
                key: format!("seen_sets/{feed_id}"),
                message: "not a seen set".into(),
            })
        })
        .transpose()
}

type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

/// `old` with `change` applied and the entry and appeal counts added (`change` may not
/// touch the id or the counts).
fn changed_feed(
    old: &FeedRecord,
    change: &(dyn Fn(&mut FeedRecord) + Sync),
    entries_seen: u64,
    appeals_sent: u64,
) -> FeedRecord {
    let mut rec = old.clone();
    change(&mut rec);
    rec.id = old.id;
    rec.health.entries_seen = old.health.entries_seen + entries_seen;
    rec.health.appeals_sent = old.health.appeals_sent + appeals_sent;
    rec
}

/// Inside a transaction: applies `change` to a stored feed record and adds to its counts.
fn apply_feed_change(
    feeds: &sled::transaction::TransactionalTree,
    urls: &sled::transaction::TransactionalTree,
    id: u64,
    change: &(dyn Fn(&mut FeedRecord) + Sync),
    entries_seen: u64,
    appeals_sent: u64,
) -> TxResult<Option<FeedRecord>> {
    let Some(bytes) = feeds.get(id.to_be_bytes())? else {
        return Ok(None);
    };
    let old: FeedRecord = dec(b"feed", &bytes).map_err(abort)?;
    let mut rec = changed_feed(&old, change, entries_seen, appeals_sent);
    if rec.url != old.url {
        match urls.get(rec.url.as_bytes())? {
            Some(other) if other.as_ref() != id.to_be_bytes() => rec.url = old.url.clone(),
            _ => {
                urls.remove(old.url.as_bytes())?;
                urls.insert(rec.url.as_bytes(), &id.to_be_bytes())?;
            }
        }
    }
    if rec != old {
        feeds.insert(&id.to_be_bytes(), enc(&rec).map_err(abort)?)?;
    }
    Ok(Some(rec))
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
            .cache_capacity(8 * 1024 * 1024)
            .flush_every_ms(Some(500));
        // The database's lock is released a moment after its last handle is dropped (the
        // previous process, or a previous handle in this one): wait for it, up to 10 s
        // (sled's threads let go late on a busy machine).
        let mut tries = 0;
        let db = loop {
            match config.open() {
                Ok(db) => break db,
                Err(sled::Error::Io(e)) if lock_is_held(&e) && tries < 100 => {
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
        let (journal, held) = journal::Journal::open(path)?;
        let mut store = Self::from_db(db)?;
        store.journal = Some(Arc::new(journal));
        let replayed = store.replay_journal(&held)?;
        if replayed > 0 {
            tracing::info!(replayed, "finished deliveries taken from the journal");
        }
        Ok(store)
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
            seen_sets: db.open_tree("seen_sets")?,
            subscribers: db.open_tree("subscribers")?,
            organizers: db.open_tree("organizers")?,
            alerts: db.open_tree("alerts")?,
            outbox: db.open_tree("outbox")?,
            stats: db.open_tree("stats")?,
            cache: Arc::default(),
            journal: None,
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
                if found < 2 {
                    store.convert_seen_trees()?;
                } else if found < SCHEMA_VERSION {
                    store.record_schema_version()?;
                }
            }
        }
        Ok(store)
    }

    /// Version 1 kept a record per seen key in `seen` and their order in `seen_order`
    /// (feed id ++ sequence → key): rewrites them as one [`SeenSet`] per feed, in the same
    /// order, then drops the old trees and records version 2.
    fn convert_seen_trees(&self) -> Result<(), StoreError> {
        let names = self.db.tree_names();
        if names.iter().any(|n| n.as_ref() == b"seen_order") {
            let order = self.db.open_tree("seen_order")?;
            let mut sets: std::collections::BTreeMap<u64, SeenSet> = Default::default();
            for kv in order.iter() {
                let (k, v) = kv?;
                let Some(feed) = k.get(..8).and_then(|b| b.try_into().ok()) else {
                    continue;
                };
                let key = String::from_utf8_lossy(&v);
                sets.entry(u64::from_be_bytes(feed))
                    .or_default()
                    .insert(seen_hash(&key));
            }
            // A feed polled before with no entries has its backlog taken all the same.
            for kv in self.feeds.iter() {
                let (k, v) = kv?;
                let rec: FeedRecord = dec(&k, &v)?;
                if rec.health.last_success.is_some() {
                    sets.entry(rec.id).or_default();
                }
            }
            let mut batch = sled::Batch::default();
            for (feed, set) in &sets {
                batch.insert(&feed.to_be_bytes(), set.bytes());
            }
            self.seen_sets.apply_batch(batch)?;
            tracing::info!(
                feeds = sets.len(),
                "seen entries converted to schema version 2"
            );
        }
        for name in ["seen", "seen_order"] {
            if names.iter().any(|n| n.as_ref() == name.as_bytes()) {
                self.db.drop_tree(name)?;
            }
        }
        self.record_schema_version()
    }

    /// Version 2 to 3 changes no record (per-chat outbox records are still delivered;
    /// chunks are new): only the version is written.
    fn record_schema_version(&self) -> Result<(), StoreError> {
        self.meta
            .insert("schema_version", &SCHEMA_VERSION.to_be_bytes())?;
        self.db.flush()?;
        Ok(())
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

    /// Writes everything to disk now, blocking the calling thread.
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
        self.cache.feed_set.fetch_add(1, Ordering::Release);
        Ok(added.then_some(rec))
    }

    /// Moves whenever a feed is added or removed (the poller's schedule follows it).
    pub fn feed_set_version(&self) -> u64 {
        self.cache.feed_set.load(Ordering::Acquire)
    }

    /// How many feeds are stored (without decoding them).
    pub fn feed_count(&self) -> usize {
        self.feeds.len()
    }

    /// The feed with this id, if stored.
    pub fn feed(&self, id: u64) -> Result<Option<FeedRecord>, StoreError> {
        let key = id.to_be_bytes();
        self.feeds.get(key)?.map(|v| dec(&key, &v)).transpose()
    }

    /// The feed with exactly this URL, if stored.
    pub fn feed_by_url(&self, url: &str) -> Result<Option<FeedRecord>, StoreError> {
        match self.feed_urls.get(url.as_bytes())? {
            Some(id) => {
                let id = u64::from_be_bytes(id.as_ref().try_into().unwrap_or([0; 8]));
                self.feed(id)
            }
            None => Ok(None),
        }
    }

    /// Every stored feed, in id order.
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

    /// Changes a stored feed record in place, atomically with what others write to it;
    /// `Ok(None)` if the feed is gone. A changed URL moves the URL index, unless another
    /// feed has that URL (then the URL stays).
    pub fn modify_feed(
        &self,
        id: u64,
        change: &(dyn Fn(&mut FeedRecord) + Sync),
    ) -> Result<Option<FeedRecord>, StoreError> {
        self.modify_feed_counting(id, change, 0, 0)
    }

    /// [`Store::modify_feed`], adding to the feed's entry and appeal counts.
    ///
    /// A compare-and-swap of the one record; only a URL change (which moves the URL index
    /// too) takes a transaction, because every sled transaction forces a log write.
    fn modify_feed_counting(
        &self,
        id: u64,
        change: &(dyn Fn(&mut FeedRecord) + Sync),
        entries_seen: u64,
        appeals_sent: u64,
    ) -> Result<Option<FeedRecord>, StoreError> {
        let key = id.to_be_bytes();
        for _ in 0..16 {
            let Some(old_bytes) = self.feeds.get(key)? else {
                return Ok(None);
            };
            let old: FeedRecord = dec(&key, &old_bytes)?;
            let rec = changed_feed(&old, change, entries_seen, appeals_sent);
            if rec.url != old.url {
                return Ok((&self.feeds, &self.feed_urls).transaction(|(feeds, urls)| {
                    apply_feed_change(feeds, urls, id, change, entries_seen, appeals_sent)
                })?);
            }
            if rec == old {
                return Ok(Some(rec));
            }
            if self
                .feeds
                .compare_and_swap(key, Some(old_bytes), Some(enc(&rec)?))?
                .is_ok()
            {
                return Ok(Some(rec));
            }
        }
        Err(StoreError::Db(format!(
            "feed {id}: too many concurrent changes"
        )))
    }

    /// Removes a feed and what was seen of it.
    pub fn remove_feed(&self, id: u64) -> Result<Option<FeedRecord>, StoreError> {
        let Some(rec) = self.feed(id)? else {
            return Ok(None);
        };
        self.feeds.remove(id.to_be_bytes())?;
        self.feed_urls.remove(rec.url.as_bytes())?;
        self.cache.feed_set.fetch_add(1, Ordering::Release);
        self.seen_sets.remove(id.to_be_bytes())?;
        self.domains_tree()?.remove(id.to_be_bytes())?;
        Ok(Some(rec))
    }

    // ---- seen entries and the outbox ----

    /// The keys of a feed's entries already seen; `None` until the feed's first poll
    /// (or its addition) has taken its backlog.
    pub fn seen_set(&self, feed_id: u64) -> Result<Option<SeenSet>, StoreError> {
        let bytes = self.seen_sets.get(feed_id.to_be_bytes())?;
        decode_seen_set(feed_id, bytes.as_deref())
    }

    /// Whether the feed has seen an entry under this key.
    pub fn is_seen(&self, feed_id: u64, key: &str) -> Result<bool, StoreError> {
        Ok(self.seen_set(feed_id)?.is_some_and(|s| s.contains(key)))
    }

    /// How many seen keys the feed keeps (0 before its first poll).
    pub fn seen_count(&self, feed_id: u64) -> Result<usize, StoreError> {
        Ok(self.seen_set(feed_id)?.map_or(0, |s| s.len()))
    }

    /// Marks new entries seen and queues their alerts for `chats`, in one atomic step,
    /// then flushes. Returns the outbox keys written.
    pub async fn commit_new_entries(
        &self,
        feed_id: u64,
        entries: &[NewEntry],
        chats: &[(i64, Option<i32>)],
    ) -> Result<Vec<OutboxKey>, StoreError> {
        let keep = (entries.len() * 2).max(SEEN_KEEP);
        let keys = self
            .commit_poll(
                feed_id,
                &|_| {},
                &[(entries.to_vec(), chats.to_vec())],
                keep,
            )
            .await?;
        self.flush().await?;
        Ok(keys)
    }

    /// What one poll writes: each batch's new entries marked seen with their alerts and
    /// what each chat of the batch is owed (chunk records, [`broadcast`]), in one
    /// transaction (an entry already seen
    /// is skipped; the feed keeps its newest `keep` seen keys); then the feed record
    /// (`change` applied to the stored one, its entry and appeal counts added).
    ///
    /// A poll that queues nothing writes only the feed's seen set and its record, without
    /// a transaction, and does not wait for the disk: the background flush makes it
    /// durable, and a crash before that only means the same entries are looked at again.
    /// A poll that queues deliveries is flushed before this returns (the caller then
    /// tells the sender). The seen set is written even when empty: it marks the feed's
    /// backlog as taken ([`Store::seen_set`] is `None` until then).
    pub async fn commit_poll(
        &self,
        feed_id: u64,
        change: &(dyn Fn(&mut FeedRecord) + Sync),
        batches: &[Batch],
        keep: usize,
    ) -> Result<Vec<OutboxKey>, StoreError> {
        let none = ReviewBatch::default();
        self.commit_poll_reviewed(feed_id, change, batches, keep, &none)
            .await
    }

    /// [`Store::commit_poll`] with review: the entries' sites added to the feed's, and
    /// each held entry's alert written with its held record and previews (the chats of
    /// its batch get nothing), all in the same transaction ([`review`]).
    pub async fn commit_poll_reviewed(
        &self,
        feed_id: u64,
        change: &(dyn Fn(&mut FeedRecord) + Sync),
        batches: &[Batch],
        keep: usize,
        review: &ReviewBatch,
    ) -> Result<Vec<OutboxKey>, StoreError> {
        let entries = || {
            batches
                .iter()
                .flat_map(|(entries, chats)| entries.iter().map(move |e| (e, chats)))
        };
        let set_key = feed_id.to_be_bytes();
        let (written, fresh, appeals) = if entries().all(|(e, _)| e.alert.is_none()) {
            let stored = self.seen_set(feed_id)?;
            let taken_before = stored.is_some();
            let mut seen = stored.unwrap_or_default();
            let fresh = entries().filter(|(e, _)| seen.take(&e.keys)).count() as u64;
            if fresh > 0 || !taken_before {
                seen.keep_newest(keep);
                self.seen_sets.insert(set_key, seen.bytes())?;
            }
            self.add_link_domains(feed_id, &review.domains)?;
            (Vec::new(), fresh, 0)
        } else {
            // Ids are reserved outside the transaction (the closure may run again).
            let mut seqs = Vec::new();
            for (e, chats) in entries() {
                let mut ids = Vec::new();
                if e.alert.is_some() {
                    for _ in 0..=chats.len() {
                        ids.push(self.db.generate_id()?);
                    }
                }
                seqs.push(ids);
            }
            let preview_seqs = review::reserve(self, review)?;
            crashpoint::reached(Point::CommitBegin);
            let (held, domains) = (self.held_tree()?, self.domains_tree()?);
            let broadcasts = self.broadcasts_tree()?;
            let now = now_unix();
            let trees = (&self.seen_sets, &self.alerts, &self.outbox, &held, &domains);
            (trees.0, trees.1, trees.2, trees.3, trees.4, &broadcasts).transaction(
                |(seen_sets, alerts, outbox, held, domains, broadcasts)| {
                    let stored = seen_sets.get(set_key)?;
                    let mut seen = decode_seen_set(feed_id, stored.as_deref())
                        .map_err(abort)?
                        .unwrap_or_default();
                    let mut written = Vec::new();
                    let (mut fresh, mut appeals) = (0u64, 0u64);
                    for ((e, chats), ids) in entries().zip(&seqs) {
                        if !seen.take(&e.keys) {
                            continue;
                        }
                        fresh += 1;
                        let (Some(alert), Some((&alert_id, out))) = (&e.alert, ids.split_first())
                        else {
                            continue;
                        };
                        appeals += 1;
                        let mut alert = alert.clone();
                        alert.id = alert_id;
                        alerts.insert(&alert_id.to_be_bytes(), enc(&alert).map_err(abort)?)?;
                        let ids = (alert_id, feed_id, now);
                        let trees = (held, outbox);
                        let entry_id = e.keys.first().map_or("", String::as_str);
                        if review::write_hold(
                            trees,
                            review,
                            &preview_seqs,
                            entry_id,
                            ids,
                            &mut written,
                        )? {
                            continue;
                        }
                        let owed = broadcast::write_chunks(broadcasts, alert_id, chats, out, now)?;
                        written.extend(owed);
                    }
                    seen.keep_newest(keep);
                    seen_sets.insert(&set_key, seen.bytes())?;
                    review::merge_domains_tx(domains, feed_id, &review.domains)?;
                    Ok((written, fresh, appeals))
                },
            )?
        };
        self.modify_feed_counting(feed_id, change, fresh, appeals)?;
        if !written.is_empty() {
            crashpoint::reached(Point::CommitWritten);
            self.flush().await?;
            crashpoint::reached(Point::CommitFlushed);
        }
        Ok(written)
    }

    /// Telegram's pace as last saved, if any.
    pub fn pace(&self) -> Result<Option<PaceRecord>, StoreError> {
        self.meta.get("pace")?.map(|v| dec(b"pace", &v)).transpose()
    }

    /// Saves Telegram's pace (made durable by the next flush).
    pub fn save_pace(&self, rec: &PaceRecord) -> Result<(), StoreError> {
        self.meta.insert("pace", enc(rec)?)?;
        Ok(())
    }

    /// The alert with this id, if stored.
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

    /// Rewrites a stored alert (same id) in place.
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

    /// The outbox record under this key, if still pending.
    pub fn delivery(&self, key: OutboxKey) -> Result<Option<DeliveryRecord>, StoreError> {
        let k = key.bytes();
        self.outbox.get(k)?.map(|v| dec(&k, &v)).transpose()
    }

    /// Messages owed: the outbox's records and the chats chunks still owe.
    pub fn outbox_len(&self) -> usize {
        self.outbox.len() + self.broadcast_owed().unwrap_or(0)
    }

    /// Removes delivered (or dropped) records. Not flushed: call [`Store::flush`] at the
    /// commit point.
    pub fn remove_deliveries(&self, keys: &[OutboxKey]) -> Result<(), StoreError> {
        // One remove each, not a batch: sled seals its write buffer around every batch
        // (a write and a wake-up of its IO threads), which cost more CPU than the send
        // itself; the removals are durable at the next flush either way, and a record
        // removed alone only means the rest of a digest is sent again after a crash.
        for k in keys {
            self.outbox.remove(k.bytes())?;
        }
        Ok(())
    }

    /// Rewrites a pending delivery in place.
    pub fn update_delivery(&self, key: OutboxKey, rec: &DeliveryRecord) -> Result<(), StoreError> {
        self.outbox.insert(key.bytes(), enc(rec)?)?;
        Ok(())
    }

    /// Moves a chat's pending deliveries to a new chat id (group migrated to supergroup);
    /// flushed.
    pub fn move_deliveries(&self, from: i64, to: i64) -> Result<Vec<OutboxKey>, StoreError> {
        self.drop_from_broadcasts(from, Some(to))?;
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
        // Durable before the moved records are sent (see `expand_broadcasts`).
        self.flush_sync()?;
        Ok(moved)
    }

    /// Drops every pending delivery of a chat.
    pub fn drop_deliveries(&self, chat_id: i64) -> Result<usize, StoreError> {
        self.drop_from_broadcasts(chat_id, None)?;
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

    /// Deletes alerts that no delivery (record or broadcast chunk) refers to any more and
    /// that were created more than `keep_secs` before `now` (the recent ones are kept for
    /// cross-post detection and `/wrong`). `crate::retention` calls it.
    pub fn prune_alerts(&self, now: i64, keep_secs: i64) -> Result<usize, StoreError> {
        let mut live: std::collections::HashSet<u64> = self
            .outbox()?
            .into_iter()
            .map(|(_, d)| d.alert_id)
            .collect();
        live.extend(self.broadcast_alert_ids()?);
        let cutoff = now - keep_secs;
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

    /// Subscribes a chat or rewrites its record, flushed; whether it is new.
    pub fn subscribe(&self, rec: &SubscriberRecord) -> Result<bool, StoreError> {
        let was = self
            .subscribers
            .insert(i64_key(rec.chat_id), enc(rec)?)?
            .is_none();
        self.subscribers_changed();
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
        self.subscribers_changed();
        self.db.flush()?;
        Ok(())
    }

    /// Ends a chat's subscription and drops its pending deliveries, flushed; whether it was
    /// subscribed.
    pub fn unsubscribe(&self, chat_id: i64) -> Result<bool, StoreError> {
        let was = self.subscribers.remove(i64_key(chat_id))?.is_some();
        self.subscribers_changed();
        self.drop_deliveries(chat_id)?;
        self.db.flush()?;
        Ok(was)
    }

    /// The chat's subscription, if any.
    pub fn subscriber(&self, chat_id: i64) -> Result<Option<SubscriberRecord>, StoreError> {
        let k = i64_key(chat_id);
        self.subscribers.get(k)?.map(|v| dec(&k, &v)).transpose()
    }

    /// Every subscribed chat's record, read from the database (for counts and lists;
    /// routing reads the smaller [`Store::recipients`], kept in memory).
    pub fn subscribers(&self) -> Result<Arc<Vec<SubscriberRecord>>, StoreError> {
        let list: Vec<SubscriberRecord> = self
            .subscribers
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                dec(&k, &v)
            })
            .collect::<Result<_, _>>()?;
        Ok(Arc::new(list))
    }

    /// Called after every write to the subscribers tree.
    fn subscribers_changed(&self) {
        if let Ok(mut cached) = self.cache.subscribers.lock() {
            cached.0 += 1;
            cached.1 = None;
        }
    }

    /// How many chats are subscribed.
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
            self.subscribers_changed();
        }
        Ok(())
    }

    // ---- organizers ----

    /// Makes `user_id` an organizer, granted by `by`, flushed; whether it is new.
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

    /// Takes the organizer role from `user_id`, flushed; whether it had it.
    pub fn revoke(&self, user_id: i64) -> Result<bool, StoreError> {
        let was = self.organizers.remove(i64_key(user_id))?.is_some();
        self.db.flush()?;
        Ok(was)
    }

    /// Whether `user_id` is an organizer.
    pub fn is_organizer(&self, user_id: i64) -> Result<bool, StoreError> {
        Ok(self.organizers.contains_key(i64_key(user_id))?)
    }

    /// Every organizer, in user id order.
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
                self.subscribers_changed();
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

    /// The chat's settings, if it ever chose any.
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
            ..ChatSettings::default()
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

    /// Adds `by` to the counter `name` (tree `stats`, e.g. `sent:<day>`).
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

    /// The counter `name`; 0 if never bumped or unreadable.
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

/// Whether opening failed because another handle still holds the database's file lock
/// (sled reports it as an `Other` error naming the lock, around the `WouldBlock` of the
/// `flock`).
fn lock_is_held(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::WouldBlock
        || e.to_string().starts_with("could not acquire lock")
}

#[cfg(test)]
mod tests;
