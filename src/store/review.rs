//! Review before broadcast, as stored: appeals held for an organizer's decision, and the
//! sites (registrable domains) each feed's entries have linked to.
//!
//! | tree | key | value |
//! |---|---|---|
//! | `held` | alert id u64 | [`HeldRecord`]: why it is held, who may decide, the decision |
//! | `link_domains` | feed id u64 | [`DomainsRecord`]: the sites the feed's entries linked to |
//!
//! A held appeal is written with its alert, its entry's seen keys and one preview per
//! organizer who may decide, in the poll's own transaction ([`Store::commit_poll`]); a
//! decision (and, for an approval, one outbox record per subscriber) is one transaction
//! too, flushed before the caller answers: whatever presses arrive, an appeal is sent at
//! most once, and never after a rejection.
//!
//! Must not: decide what is held or word anything (`crate::review` does).

use super::{DeliveryRecord, OutboxKey, Store, StoreError, TxResult, abort, dec, enc, now_unix};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::TransactionalTree;
use std::collections::BTreeSet;

/// How long a held appeal waits for a decision before it expires.
pub const HOLD_SECS: i64 = 48 * 3600;
/// How many sites a feed remembers (the newest beyond are dropped, oldest first).
pub(crate) const DOMAINS_KEEP: usize = 2000;

/// Where a held appeal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeldState {
    /// Waiting for a decision.
    Pending,
    /// An organizer approved it: its outbox records were written with the decision.
    Approved,
    /// An organizer rejected it: never sent.
    Rejected,
    /// Nobody decided within [`HOLD_SECS`]: never sent.
    Expired,
}

/// Why an appeal is held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HoldReason {
    /// The feed is under review (`/review`, `review = true`, added by an organizer).
    UnderReview,
    /// Its action links point to sites the feed never linked to before.
    NewSites {
        /// Those sites (registrable domains).
        domains: Vec<String>,
    },
}

/// Who decided what, when (`by` is `None` for an expiry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The decision taken.
    pub state: HeldState,
    /// The Telegram user who decided; `None` for an expiry.
    pub by: Option<i64>,
    /// The decider's name as shown in the edited preview (empty for an expiry).
    pub by_name: String,
    /// Unix time (seconds) of the decision.
    pub at: i64,
}

/// An appeal held for review (tree `held`, key its alert id), written with its poll's commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldRecord {
    /// Record version (1).
    pub v: u32,
    /// The held alert (written, but queued to no subscriber until approved).
    pub alert_id: u64,
    /// The feed the appeal came from.
    pub feed_id: u64,
    /// Why it is held.
    pub reason: HoldReason,
    /// The users who may decide (the feed's adder and the admins when it was held).
    pub deciders: Vec<i64>,
    /// Unix time (seconds) it was held; it expires [`HOLD_SECS`] later.
    pub held_at: i64,
    /// Where it stands.
    pub state: HeldState,
    /// Who decided and when; `None` while pending.
    pub decision: Option<Decision>,
    /// The sites the entry links to, added to the feed's once it is approved.
    pub domains: Vec<String>,
}

impl HeldRecord {
    /// Whether it is still pending at `now` although its [`HOLD_SECS`] have passed.
    pub fn expired_at(&self, now: i64) -> bool {
        self.state == HeldState::Pending && now >= self.held_at + HOLD_SECS
    }
}

/// A preview owed to an organizer (an outbox record carrying the held alert's id): the
/// reason and the two buttons' labels, worded in the recipient's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRecord {
    /// The reason line above the alert.
    pub header: String,
    /// The Approve button's label.
    pub approve: String,
    /// The Reject button's label.
    pub reject: String,
}

/// The sites one feed's entries have linked to, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct DomainsRecord {
    pub v: u32,
    pub domains: Vec<String>,
}

/// One appeal a poll holds: the entry (by its id), why, and its previews.
#[derive(Debug, Clone)]
pub struct Hold {
    /// The held entry's stable id (its alert is written in the same commit).
    pub entry_id: String,
    /// Why it is held.
    pub reason: HoldReason,
    /// The users who may decide.
    pub deciders: Vec<i64>,
    /// The sites its links point to, added to the feed's on approval.
    pub domains: Vec<String>,
    /// One preview per organizer chat.
    pub previews: Vec<(i64, PreviewRecord)>,
}

/// What review adds to a poll's commit: the sites its entries link to (held ones left
/// out) and the appeals it holds.
#[derive(Debug, Clone, Default)]
pub struct ReviewBatch {
    /// Sites the poll's sent entries link to, added to the feed's.
    pub domains: Vec<String>,
    /// The appeals held by this poll.
    pub holds: Vec<Hold>,
}

/// The outcome of a decision.
#[derive(Debug, Clone, PartialEq)]
pub enum Decided {
    /// Taken now; for an approval, the outbox records written.
    Taken(HeldRecord, Vec<OutboxKey>),
    /// Decided before (or expired): nothing changed.
    Already(HeldRecord),
    /// It had waited too long: now marked expired, nothing sent.
    Expired(HeldRecord),
    /// No such held appeal.
    Missing,
}

/// How many appeals were ever held, and where they stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeldCounts {
    /// Appeals ever held (the sum of the others).
    pub held: usize,
    /// Still waiting for a decision.
    pub pending: usize,
    /// Approved (queued to the subscribers).
    pub approved: usize,
    /// Rejected.
    pub rejected: usize,
    /// Expired without a decision.
    pub expired: usize,
}

/// The record with `add` appended (oldest dropped beyond [`DOMAINS_KEEP`]); `None` when
/// nothing changes. An absent record is written even with nothing to add: from then on
/// the feed's sites are known (see [`Store::link_domains`]).
fn merged(old: Option<DomainsRecord>, add: &[String]) -> Option<DomainsRecord> {
    let absent = old.is_none();
    let mut rec = old.unwrap_or_default();
    let known: BTreeSet<&String> = rec.domains.iter().collect();
    let mut fresh: Vec<String> = Vec::new();
    for d in add {
        if !known.contains(d) && !fresh.contains(d) {
            fresh.push(d.clone());
        }
    }
    if fresh.is_empty() && !absent {
        return None;
    }
    rec.v = 1;
    rec.domains.extend(fresh);
    let over = rec.domains.len().saturating_sub(DOMAINS_KEEP);
    rec.domains.drain(..over);
    Some(rec)
}

/// Inside a transaction: adds `add` to a feed's sites.
pub(super) fn merge_domains_tx(
    tree: &TransactionalTree,
    feed_id: u64,
    add: &[String],
) -> TxResult<()> {
    let key = feed_id.to_be_bytes();
    let old: Option<DomainsRecord> = match tree.get(key)? {
        Some(b) => Some(dec(&key, &b).map_err(abort)?),
        None => None,
    };
    if let Some(rec) = merged(old, add) {
        tree.insert(&key, enc(&rec).map_err(abort)?)?;
    }
    Ok(())
}

/// Outbox sequence numbers for each hold's previews, reserved outside the transaction
/// (its closure may run again).
pub(super) fn reserve(store: &Store, review: &ReviewBatch) -> Result<Vec<Vec<u64>>, StoreError> {
    review
        .holds
        .iter()
        .map(|h| {
            h.previews
                .iter()
                .map(|_| Ok(store.db.generate_id()?))
                .collect()
        })
        .collect()
}

/// Inside a poll's transaction, for an alert just written: if its entry is held, writes
/// the held record and one preview per organizer (their outbox keys added to `written`).
/// Whether the entry is held (then no subscriber gets it now).
pub(super) fn write_hold(
    trees: (&TransactionalTree, &TransactionalTree),
    review: &ReviewBatch,
    seqs: &[Vec<u64>],
    entry_id: &str,
    (alert_id, feed_id, now): (u64, u64, i64),
    written: &mut Vec<OutboxKey>,
) -> TxResult<bool> {
    let (held, outbox) = trees;
    let Some((hold, seqs)) = review
        .holds
        .iter()
        .zip(seqs)
        .find(|(h, _)| h.entry_id == entry_id)
    else {
        return Ok(false);
    };
    let rec = HeldRecord {
        v: 1,
        alert_id,
        feed_id,
        reason: hold.reason.clone(),
        deciders: hold.deciders.clone(),
        held_at: now,
        state: HeldState::Pending,
        decision: None,
        domains: hold.domains.clone(),
    };
    held.insert(&alert_id.to_be_bytes(), enc(&rec).map_err(abort)?)?;
    for ((chat, preview), seq) in hold.previews.iter().zip(seqs) {
        let key = OutboxKey {
            chat_id: *chat,
            seq: *seq,
        };
        let d = DeliveryRecord {
            preview: Some(preview.clone()),
            ..DeliveryRecord::to_chat(*chat, None, alert_id, now)
        };
        outbox.insert(&key.bytes(), enc(&d).map_err(abort)?)?;
        written.push(key);
    }
    Ok(true)
}

impl Store {
    pub(super) fn held_tree(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree("held")?)
    }

    pub(super) fn domains_tree(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree("link_domains")?)
    }

    /// The sites a feed's entries have linked to; `None` while none were ever recorded
    /// (a feed polled only before this version): then nothing is new to it yet.
    pub fn link_domains(&self, feed_id: u64) -> Result<Option<BTreeSet<String>>, StoreError> {
        let key = feed_id.to_be_bytes();
        let Some(b) = self.domains_tree()?.get(key)? else {
            return Ok(None);
        };
        let rec: DomainsRecord = dec(&key, &b)?;
        Ok(Some(rec.domains.into_iter().collect()))
    }

    /// Adds sites to a feed's, outside a transaction (a poll that queues nothing,
    /// `/addfeed`'s first look); made durable by the background flush or the next one.
    /// A feed is polled by one task at a time; a push racing its poll may lose a site,
    /// which only means it is new once more.
    pub fn add_link_domains(&self, feed_id: u64, add: &[String]) -> Result<(), StoreError> {
        let tree = self.domains_tree()?;
        let key = feed_id.to_be_bytes();
        let old: Option<DomainsRecord> = tree.get(key)?.map(|b| dec(&key, &b)).transpose()?;
        if let Some(rec) = merged(old, add) {
            tree.insert(key, enc(&rec)?)?;
        }
        Ok(())
    }

    /// The held appeal of this alert, if any.
    pub fn held(&self, alert_id: u64) -> Result<Option<HeldRecord>, StoreError> {
        let key = alert_id.to_be_bytes();
        self.held_tree()?
            .get(key)?
            .map(|v| dec(&key, &v))
            .transpose()
    }

    /// Every held appeal, oldest first.
    pub fn held_all(&self) -> Result<Vec<HeldRecord>, StoreError> {
        self.held_tree()?
            .iter()
            .map(|kv| {
                let (k, v) = kv?;
                dec(&k, &v)
            })
            .collect()
    }

    /// How many appeals were held and where they stand, counted over the whole tree.
    pub fn held_counts(&self) -> Result<HeldCounts, StoreError> {
        let mut c = HeldCounts::default();
        for rec in self.held_all()? {
            c.held += 1;
            match rec.state {
                HeldState::Pending => c.pending += 1,
                HeldState::Approved => c.approved += 1,
                HeldState::Rejected => c.rejected += 1,
                HeldState::Expired => c.expired += 1,
            }
        }
        Ok(c)
    }

    /// Decides a held appeal once: `decision.state` is `Approved` or `Rejected`. An
    /// approval queues the alert for `recipients` (chat, topic) in the same transaction
    /// and adds the entry's sites to its feed's; a pending appeal past [`HOLD_SECS`]
    /// expires instead. Flushed before it returns.
    pub async fn decide(
        &self,
        alert_id: u64,
        decision: &Decision,
        recipients: &[(i64, Option<i32>)],
    ) -> Result<Decided, StoreError> {
        let mut seqs = Vec::with_capacity(recipients.len());
        for _ in recipients {
            seqs.push(self.db.generate_id()?);
        }
        let (held, domains) = (self.held_tree()?, self.domains_tree()?);
        let key = alert_id.to_be_bytes();
        let decided = (&held, &self.outbox, &domains).transaction(|(held, outbox, domains)| {
            let Some(bytes) = held.get(key)? else {
                return Ok(Decided::Missing);
            };
            let mut rec: HeldRecord = dec(&key, &bytes).map_err(abort)?;
            if rec.state != HeldState::Pending {
                return Ok(Decided::Already(rec));
            }
            if rec.expired_at(decision.at) {
                rec.state = HeldState::Expired;
                rec.decision = Some(expiry(decision.at));
                held.insert(&key, enc(&rec).map_err(abort)?)?;
                return Ok(Decided::Expired(rec));
            }
            rec.state = decision.state;
            rec.decision = Some(decision.clone());
            held.insert(&key, enc(&rec).map_err(abort)?)?;
            let mut written = Vec::new();
            if decision.state == HeldState::Approved {
                for ((chat, thread), seq) in recipients.iter().zip(&seqs) {
                    let k = OutboxKey {
                        chat_id: *chat,
                        seq: *seq,
                    };
                    let d = DeliveryRecord::to_chat(*chat, *thread, alert_id, decision.at);
                    outbox.insert(&k.bytes(), enc(&d).map_err(abort)?)?;
                    written.push(k);
                }
                merge_domains_tx(domains, rec.feed_id, &rec.domains)?;
            }
            Ok(Decided::Taken(rec, written))
        })?;
        self.flush().await?;
        Ok(decided)
    }

    /// Marks every pending appeal held longer than [`HOLD_SECS`] expired; returns them.
    pub fn expire_held(&self, now: i64) -> Result<Vec<HeldRecord>, StoreError> {
        let tree = self.held_tree()?;
        let mut out = Vec::new();
        for rec in self.held_all()?.into_iter().filter(|r| r.expired_at(now)) {
            let key = rec.alert_id.to_be_bytes();
            let done = tree.transaction(|t| {
                let Some(b) = t.get(key)? else {
                    return Ok(None);
                };
                let mut r: HeldRecord = dec(&key, &b).map_err(abort)?;
                if !r.expired_at(now) {
                    return Ok(None);
                }
                r.state = HeldState::Expired;
                r.decision = Some(expiry(now));
                t.insert(&key, enc(&r).map_err(abort)?)?;
                Ok(Some(r))
            })?;
            out.extend(done);
        }
        if !out.is_empty() {
            self.flush_sync()?;
        }
        Ok(out)
    }
}

fn expiry(at: i64) -> Decision {
    Decision {
        state: HeldState::Expired,
        by: None,
        by_name: String::new(),
        at,
    }
}

/// Now, for callers that have no clock of their own.
pub fn decision_now(state: HeldState, by: i64, by_name: &str) -> Decision {
    Decision {
        state,
        by: Some(by),
        by_name: by_name.to_string(),
        at: now_unix(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{FeedRecord, NewEntry};

    fn alert(feed_id: u64) -> crate::store::AlertRecord {
        crate::store::AlertRecord {
            v: 1,
            id: 0,
            feed_id,
            feed_name: "F".into(),
            entry_id: "e1".into(),
            title: "T".into(),
            link: None,
            summary: "S".into(),
            actions: vec![],
            hashtags: vec![],
            lang: "en".into(),
            also_published_by: vec![],
            fingerprint_urls: vec![],
            fingerprint_simhash: 0,
            created_at: 0,
            verdict: None,
            when: None,
            deadline: None,
        }
    }

    fn preview() -> PreviewRecord {
        PreviewRecord {
            header: "held".into(),
            approve: "Approve".into(),
            reject: "Reject".into(),
        }
    }

    /// A store with one feed whose appeal `e1` was held for organizer 7; returns the
    /// store, the held alert's id and the outbox keys the poll wrote.
    async fn held_one() -> (Store, u64, Vec<OutboxKey>) {
        let s = Store::temporary().unwrap();
        let f = s
            .add_feed(FeedRecord::new("https://a.example/f", "A"))
            .unwrap()
            .unwrap();
        let entry = NewEntry {
            keys: vec!["e1".into()],
            alert: Some(alert(f.id)),
        };
        let review = ReviewBatch {
            domains: vec!["a.example".into()],
            holds: vec![Hold {
                entry_id: "e1".into(),
                reason: HoldReason::NewSites {
                    domains: vec!["evil.example".into()],
                },
                deciders: vec![7],
                domains: vec!["evil.example".into()],
                previews: vec![(7, preview())],
            }],
        };
        let keys = s
            .commit_poll_reviewed(f.id, &|_| {}, &[(vec![entry], vec![])], 200, &review)
            .await
            .unwrap();
        let id = s.held_all().unwrap()[0].alert_id;
        (s, id, keys)
    }

    #[tokio::test]
    async fn a_held_appeal_is_committed_with_its_previews_and_not_its_sites() {
        let (s, id, keys) = held_one().await;
        assert_eq!(keys.len(), 1, "one preview, to the organizer");
        let d = s.delivery(keys[0]).unwrap().unwrap();
        assert_eq!((d.chat_id, d.alert_id), (7, id));
        assert_eq!(d.preview, Some(preview()));
        let feed = s.held(id).unwrap().unwrap().feed_id;
        assert!(s.is_seen(feed, "e1").unwrap());
        let sites = s.link_domains(feed).unwrap().unwrap();
        assert!(sites.contains("a.example"));
        assert!(!sites.contains("evil.example"), "a held entry's sites wait");
    }

    #[tokio::test]
    async fn an_approval_queues_once_and_a_rejection_is_final() {
        let (s, id, _) = held_one().await;
        let chats = [(100, None), (101, None)];
        let yes = decision_now(HeldState::Approved, 7, "Ann");
        let Decided::Taken(rec, keys) = s.decide(id, &yes, &chats).await.unwrap() else {
            panic!("first approval takes");
        };
        assert_eq!((rec.state, keys.len()), (HeldState::Approved, 2));
        assert!(
            s.link_domains(rec.feed_id)
                .unwrap()
                .unwrap()
                .contains("evil.example")
        );
        let again = s.decide(id, &yes, &chats).await.unwrap();
        assert!(matches!(again, Decided::Already(_)));
        let no = decision_now(HeldState::Rejected, 7, "Ann");
        assert!(matches!(
            s.decide(id, &no, &chats).await.unwrap(),
            Decided::Already(_)
        ));
        assert_eq!(s.outbox_len(), 1 + 2, "the preview and one approval's two");

        let (s, id, _) = held_one().await;
        assert!(
            matches!(s.decide(id, &no, &chats).await.unwrap(), Decided::Taken(_, k) if k.is_empty())
        );
        assert!(matches!(
            s.decide(id, &yes, &chats).await.unwrap(),
            Decided::Already(_)
        ));
        assert_eq!(s.outbox_len(), 1, "only the preview");
        let c = s.held_counts().unwrap();
        assert_eq!((c.held, c.rejected, c.approved), (1, 1, 0));
    }

    #[tokio::test]
    async fn a_pending_appeal_expires_after_48_hours() {
        let (s, id, _) = held_one().await;
        let held_at = s.held(id).unwrap().unwrap().held_at;
        assert!(s.expire_held(held_at + HOLD_SECS - 1).unwrap().is_empty());
        let mut late = decision_now(HeldState::Approved, 7, "Ann");
        late.at = held_at + HOLD_SECS;
        assert!(matches!(
            s.decide(id, &late, &[(100, None)]).await.unwrap(),
            Decided::Expired(_)
        ));
        assert_eq!(s.outbox_len(), 1, "nothing queued");
        let (s, _, _) = held_one().await;
        assert_eq!(s.expire_held(now_unix() + HOLD_SECS).unwrap().len(), 1);
        assert_eq!(s.held_counts().unwrap().expired, 1);
    }
}
