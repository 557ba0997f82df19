//! Old alert records go: the running bot's poller deletes an alert older than
//! `retention::ALERT_KEEP_SECS` that nothing queued carries, at start and then every ten
//! minutes, and keeps the recent ones.

use crate::harness::*;
use crate::support::feed_server::FeedServer;
use crate::support::telegram::FakeTelegram;
use solibot::retention::ALERT_KEEP_SECS;
use solibot::store::{AlertRecord, FeedRecord, now_unix};

const DAY: i64 = 24 * 3600;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_poller_prunes_old_alerts_and_keeps_recent_ones() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    feeds.set(
        "/feed.xml",
        FeedServer::rss("Partner Relief Network", &[news(1)]),
        "application/rss+xml",
    );
    let alert = |id: u64, age: i64| AlertRecord {
        v: 1,
        id,
        entry_id: format!("entry-{id}"),
        created_at: now_unix() - age,
        ..AlertRecord::default()
    };
    {
        let store = open_store(dir.path()).await;
        store
            .add_feed(FeedRecord::new(feeds.url("/feed.xml"), "Partner"))
            .expect("feed added");
        store
            .update_alert(&alert(1, ALERT_KEEP_SECS + DAY))
            .unwrap();
        store
            .update_alert(&alert(2, ALERT_KEEP_SECS - DAY))
            .unwrap();
        store.flush().await.unwrap();
    }
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    // The poller sweeps before it polls the feeds that are due.
    polls_pass(&feeds, "/feed.xml", 1).await;
    bot.stop().await;

    let store = open_store(dir.path()).await;
    assert!(
        store.alert(1).unwrap().is_none(),
        "the old alert is deleted"
    );
    assert!(
        store.alert(2).unwrap().is_some(),
        "the recent alert is kept"
    );
}
