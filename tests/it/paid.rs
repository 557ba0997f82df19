//! Paid broadcasts (`delivery.paid_broadcast`): every message carries
//! `allow_paid_broadcast`, and the bot goes past the free 30 messages a second (up to
//! 1,000) against a fake that allows that only for paid messages, with no slack.

use crate::harness::*;
use crate::support::feed_server::FeedServer;
use crate::support::telegram::{FakeOptions, FakeTelegram};
use solibot::store::{Store, SubscriberRecord};
use std::time::Duration;

const CHATS: i64 = 150;

/// The most messages in any half-open one-second window.
fn most_in_one_second(mut at: Vec<std::time::Instant>) -> usize {
    at.sort();
    let mut best = 0;
    let mut start = 0;
    for end in 0..at.len() {
        while at[end].duration_since(at[start]) >= Duration::from_secs(1) {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_broadcast_goes_past_thirty_a_second_with_the_flag_and_no_429() {
    let tg = FakeTelegram::start_with(FakeOptions {
        enforce_limits: true,
        limit_slack: 0,
        ..FakeOptions::default()
    })
    .await;
    let feeds = FeedServer::start().await;
    feeds.set(
        "/feed.xml",
        FeedServer::rss("Partner", &[news(1)]),
        "application/rss+xml",
    );
    let dir = tempfile::tempdir().unwrap();
    let config = config(&tg, dir.path(), &[("SOLIBOT_PAID_BROADCAST", "1")]);
    assert!(config.paid_broadcast);
    {
        let store = Store::open(&config.data_path).unwrap();
        let subs: Vec<SubscriberRecord> = (0..CHATS)
            .map(|i| SubscriberRecord {
                v: 1,
                chat_id: 7_000_000 + i,
                kind: "private".into(),
                ..SubscriberRecord::default()
            })
            .collect();
        store.subscribe_many(&subs).unwrap();
    }
    let bot = Running::start(config, &tg).await;
    let r = command(&tg, ADMIN, &format!("/addfeed {}", feeds.url("/feed.xml"))).await;
    assert!(r.starts_with("Added feed"), "{r}");
    feeds.set(
        "/feed.xml",
        FeedServer::rss("Partner", &[appeal(1), news(1)]),
        "application/rss+xml",
    );
    let is_alert = |m: &crate::support::telegram::SentMessage| m.chat_id >= 7_000_000;
    assert!(
        tg.wait_until(
            |s| s.sent.iter().filter(|m| is_alert(m)).count() >= CHATS as usize,
            WAIT
        )
        .await,
        "every chat gets the alert"
    );
    bot.stop().await;
    let sent = tg.sent();
    let alerts: Vec<_> = sent.iter().filter(|m| is_alert(m)).collect();
    assert_eq!(alerts.len(), CHATS as usize, "each chat once");
    assert!(
        sent.iter().all(|m| m.paid),
        "every message, replies too, is paid"
    );
    assert_eq!(tg.count_429(), 0);
    let most = most_in_one_second(alerts.iter().map(|m| m.at).collect());
    assert!(
        most > 30,
        "at most {most} alerts in one second: not past the free rate"
    );
}
