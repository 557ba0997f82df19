//! Tests of the store: feeds, seen sets, the poll's commit and its outbox, conversions
//! of older databases, subscribers, alerts and counters.

use super::*;

fn feed(url: &str) -> FeedRecord {
    FeedRecord::new(url, "N")
}

/// An alert record for tests (also used by the broadcast tests).
pub(crate) fn alert() -> AlertRecord {
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
        verdict: None,
        when: None,
        deadline: None,
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
    assert_eq!(
        s.expand_broadcasts().unwrap(),
        3,
        "the worker expands the chunk"
    );
    assert_eq!(s.outbox_len(), 3);
    s.remove_deliveries(&keys[..1]).unwrap();
    assert_eq!(s.outbox_len(), 2);
    assert_eq!(s.move_deliveries(2, -1009999999999).unwrap().len(), 1);
    assert_eq!(s.drop_deliveries(-1009999999999).unwrap(), 1);
}

#[tokio::test]
async fn a_feed_keeps_its_newest_seen_keys() {
    let s = Store::temporary().unwrap();
    let f = s.add_feed(feed("https://a.example/f")).unwrap().unwrap();
    for i in 0..10 {
        let e = NewEntry {
            keys: vec![format!("e{i}")],
            alert: None,
        };
        s.commit_poll(f.id, &|_| {}, &[(vec![e], vec![])], 4)
            .await
            .unwrap();
    }
    assert!(!s.is_seen(f.id, "e5").unwrap());
    assert!(s.is_seen(f.id, "e6").unwrap() && s.is_seen(f.id, "e9").unwrap());
    assert_eq!(s.seen_count(f.id).unwrap(), 4);
    assert_eq!(s.feed(f.id).unwrap().unwrap().health.entries_seen, 10);
    // Removing the feed forgets what was seen of it.
    s.remove_feed(f.id).unwrap();
    assert_eq!(s.seen_count(f.id).unwrap(), 0);
}

#[tokio::test]
async fn a_poll_commit_changes_the_feed_record_with_its_entries() {
    let s = Store::temporary().unwrap();
    let f = s.add_feed(feed("https://a.example/f")).unwrap().unwrap();
    let other = s.add_feed(feed("https://b.example/f")).unwrap().unwrap();
    let e = NewEntry {
        keys: vec!["e1".into()],
        alert: Some(alert()),
    };
    let polled = |r: &mut FeedRecord| {
        r.etag = Some("\"v2\"".into());
        r.url = "https://b.example/f".into();
    };
    let keys = s
        .commit_poll(f.id, &polled, &[(vec![e], vec![(7, None)])], 10)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1);
    let rec = s.feed(f.id).unwrap().unwrap();
    assert_eq!(rec.etag.as_deref(), Some("\"v2\""));
    // The other feed already has that URL: this one keeps its own.
    assert_eq!(rec.url, "https://a.example/f");
    assert_eq!(
        s.feed_by_url("https://b.example/f").unwrap().unwrap().id,
        other.id
    );
    assert_eq!((rec.health.entries_seen, rec.health.appeals_sent), (1, 1));
    // A free URL moves the index.
    s.modify_feed(f.id, &|r| r.url = "https://c.example/f".into())
        .unwrap();
    assert_eq!(
        s.feed_by_url("https://c.example/f").unwrap().unwrap().id,
        f.id
    );
    assert!(s.feed_by_url("https://a.example/f").unwrap().is_none());
}

#[test]
fn a_version_1_database_is_converted_with_its_seen_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    {
        let db = sled::open(&path).unwrap();
        db.open_tree("meta")
            .unwrap()
            .insert("schema_version", &1u32.to_be_bytes())
            .unwrap();
        let seen = db.open_tree("seen").unwrap();
        let order = db.open_tree("seen_order").unwrap();
        for (feed, seq, key) in [(3u64, 1u64, "a"), (3, 2, "b"), (4, 3, "c")] {
            let mut k = feed.to_be_bytes().to_vec();
            k.extend_from_slice(key.as_bytes());
            seen.insert(k, &seq.to_be_bytes()).unwrap();
            let mut o = feed.to_be_bytes().to_vec();
            o.extend_from_slice(&seq.to_be_bytes());
            order.insert(o, key.as_bytes()).unwrap();
        }
        db.flush().unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert!(s.is_seen(3, "a").unwrap() && s.is_seen(3, "b").unwrap());
    assert!(s.is_seen(4, "c").unwrap() && !s.is_seen(4, "a").unwrap());
    assert_eq!(s.seen_count(3).unwrap(), 2);
    let names = s.db.tree_names();
    assert!(!names.iter().any(|n| n.as_ref() == b"seen"));
    let v = s.meta.get("schema_version").unwrap().unwrap();
    assert_eq!(v.as_ref(), &SCHEMA_VERSION.to_be_bytes());
}

#[test]
fn seen_sets_round_trip_and_refuse_garbage() {
    let mut set = SeenSet::default();
    for k in ["x", "y", "x", "z"] {
        set.insert(seen_hash(k));
    }
    assert_eq!(set.len(), 3);
    let back = SeenSet::from_bytes(&set.bytes()).unwrap();
    assert_eq!(back.order, set.order);
    assert!(back.contains("y") && !back.contains("w"));
    assert!(SeenSet::from_bytes(&[1, 2, 3]).is_none());
    assert!(SeenSet::from_bytes(&[9]).is_none());
    assert!(SeenSet::from_bytes(&[]).is_none());
}

#[tokio::test]
async fn an_alert_written_by_a_commit_is_read_back_by_its_id() {
    let s = Store::temporary().unwrap();
    let f = s.add_feed(feed("https://a.example/f")).unwrap().unwrap();
    let e = NewEntry {
        keys: vec!["e1".into()],
        alert: Some(alert()),
    };
    s.commit_new_entries(f.id, &[e], &[(1, None)])
        .await
        .unwrap();
    let id = s.recent_alerts(1).unwrap()[0].id;
    let back = s.alert(id).unwrap().expect("the alert by its id");
    assert_eq!((back.id, back.title.as_str()), (id, "T"));
    assert!(s.alert(id + 1000).unwrap().is_none());
}

#[test]
fn many_chats_subscribed_at_once_are_counted_and_read_back() {
    let s = Store::temporary().unwrap();
    let recs: Vec<SubscriberRecord> = (1..=3)
        .map(|chat_id| SubscriberRecord {
            chat_id,
            ..SubscriberRecord::default()
        })
        .collect();
    s.subscribe_many(&recs).unwrap();
    assert_eq!(s.subscriber_count(), 3);
    assert_eq!(s.subscriber(2).unwrap().map(|r| r.chat_id), Some(2));
    assert_eq!(s.subscribers().unwrap().len(), 3);
}

#[test]
fn stats_add_up() {
    let s = Store::temporary().unwrap();
    assert_eq!(s.stat("held"), 0);
    s.bump_stat("held", 2).unwrap();
    s.bump_stat("held", 3).unwrap();
    assert_eq!(s.stat("held"), 5);
    assert_eq!(s.stat("approved"), 0);
}

#[tokio::test]
async fn a_first_poll_with_nothing_new_still_marks_its_backlog_taken() {
    let s = Store::temporary().unwrap();
    let f = s.add_feed(feed("https://a.example/f")).unwrap().unwrap();
    assert!(s.seen_set(f.id).unwrap().is_none(), "never polled");
    // An empty feed: nothing fresh, but the feed's backlog is now taken.
    s.commit_poll(f.id, &|_| {}, &[(vec![], vec![])], 10)
        .await
        .unwrap();
    assert!(s.seen_set(f.id).unwrap().is_some(), "the backlog is taken");
}

#[test]
fn opening_waits_for_the_lock_a_dropped_handle_still_holds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let first = Store::open(&path).unwrap();
    // The scene, not a synchronisation: the first handle is still held for a moment when
    // the second open starts (without the wait, that open fails at once).
    let holder = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        drop(first);
    });
    // Opened while the first handle still holds the lock: waits until it is let go.
    let second = Store::open(&path);
    holder.join().unwrap();
    assert!(second.is_ok(), "{:?}", second.err());
}

#[test]
fn signed_keys_sort_and_round_trip() {
    for v in [-1001234567890i64, -1, 0, 1, i64::MAX, i64::MIN] {
        assert_eq!(i64_from_key(&i64_key(v)), Some(v));
    }
    assert!(i64_key(-5) < i64_key(3));
}

#[test]
fn a_subscriber_who_follows_everything_is_stored_without_its_empty_choices() {
    let rec = SubscriberRecord {
        v: 1,
        chat_id: 100_001,
        kind: "private".into(),
        since: 1_700_000_000,
        ..SubscriberRecord::default()
    };
    let bytes = enc(&rec).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert_eq!(
        text,
        r#"{"v":1,"chat_id":100001,"kind":"private","since":1700000000}"#
    );
    assert_eq!(dec::<SubscriberRecord>(b"k", &bytes).unwrap(), rec);
    // A record written before, with every field spelled out, reads the same.
    let old = br#"{"v":1,"chat_id":100001,"kind":"private","language":null,"since":1700000000,"thread_id":null,"follow_feeds":[],"follow_hashtags":[],"follow_kinds":[],"follow_langs":[],"muted_until":null,"added_by":null}"#;
    assert_eq!(dec::<SubscriberRecord>(b"k", old).unwrap(), rec);
    // Choices that are set are kept.
    let chooses = SubscriberRecord {
        follow_langs: vec!["ar".into()],
        thread_id: Some(4),
        ..rec
    };
    assert_eq!(
        dec::<SubscriberRecord>(b"k", &enc(&chooses).unwrap()).unwrap(),
        chooses
    );
}
