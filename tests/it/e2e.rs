//! The program as a user runs it: the `solibot` binary as a separate process against the
//! fake Bot API and the local feed server; stopped with SIGTERM and with SIGKILL.

use crate::harness::{ADMIN, WAIT, appeal, news, operator_bot, user};
use crate::support::feed_server::FeedServer;
use crate::support::telegram::{Chat, FakeTelegram};
use std::time::{Duration, Instant};

/// The poll interval `harness::operator_bot` configures.
const POLL_SECS: u64 = 2;

fn rss(items: &[crate::support::feed_server::Item]) -> String {
    FeedServer::rss("Partner Relief Network", items)
}

async fn subscribe(tg: &FakeTelegram, ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let ids: Vec<i64> = ids.collect();
    for &id in &ids {
        tg.push_message(Chat::private(id), user(id), "/start");
    }
    let all = tg
        .wait_until(
            |s| ids.iter().all(|id| !s.sent_to(*id).is_empty()),
            Duration::from_secs(60),
        )
        .await;
    assert!(all, "every /start is answered");
    ids
}

fn alerts_to(tg: &FakeTelegram, id: i64) -> usize {
    tg.sent_to(id)
        .iter()
        .filter(|m| m.parse_mode.as_deref() == Some("HTML"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_binary_delivers_within_two_polls_and_resends_nothing_after_restart() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    feeds.set(
        "/feed.xml",
        rss(&[news(1), appeal(1)]),
        "application/rss+xml",
    );
    let url = feeds.url("/feed.xml");
    let mut bot = operator_bot(&tg, dir.path(), Some(&url), "1").spawn();
    assert!(
        tg.wait_polling(WAIT).await,
        "the binary long-polls the fake"
    );
    let subs = subscribe(&tg, 5001..5006).await;
    // The first poll took the backlog as seen (the second request comes after it).
    assert!(feeds.wait_requests("/feed.xml", 2, WAIT).await);

    let added = Instant::now();
    feeds.set(
        "/feed.xml",
        rss(&[appeal(2), news(1), appeal(1)]),
        "application/rss+xml",
    );
    let delivered = tg
        .wait_until(|s| subs.iter().all(|id| s.sent_to(*id).len() >= 2), WAIT)
        .await;
    let took = added.elapsed();
    assert!(delivered, "the appeal reaches all 5 subscribers");
    println!(
        "e2e: appeal delivered to 5 subscribers {:.2} s after it was added (poll interval {POLL_SECS} s)",
        took.as_secs_f64()
    );
    assert!(
        took <= Duration::from_secs(2 * POLL_SECS + 1),
        "within two poll intervals: {took:?}"
    );
    for id in &subs {
        assert_eq!(alerts_to(&tg, *id), 1, "chat {id} got the appeal once");
        assert!(
            tg.sent_to(*id)[1]
                .visible_text
                .contains("free the detained aid workers (2)")
        );
    }
    let status = bot.terminate();
    assert!(status.success(), "exit 0 after SIGTERM: {status:?}");

    let before = tg.sent().len();
    bot.restart();
    assert!(tg.wait_polling(WAIT).await);
    let polls = feeds.requests("/feed.xml");
    assert!(
        feeds.wait_requests("/feed.xml", polls + 2, WAIT).await,
        "it polls again"
    );
    // One more request: the polls before it have completed and committed.
    assert!(feeds.wait_requests("/feed.xml", polls + 3, WAIT).await);
    assert_eq!(
        tg.sent().len(),
        before,
        "nothing is sent again after the restart"
    );
    assert!(bot.terminate().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_killed_midway_is_handled_once_after_the_restart() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let body = FeedServer::rss("Slow partner", &[news(1)]);
    // About four seconds to fetch: time to kill the program in the middle of /addfeed.
    let interval = Duration::from_millis(4000 / body.len() as u64);
    feeds.slow_drip("/slow.xml", body, "application/rss+xml", interval);
    let dir = tempfile::tempdir().unwrap();
    let mut bot = operator_bot(&tg, dir.path(), None, "1").spawn();
    assert!(tg.wait_polling(WAIT).await, "the first run polls");
    let url = feeds.url("/slow.xml");
    tg.push_message(
        Chat::private(ADMIN),
        user(ADMIN),
        &format!("/addfeed {url}"),
    );
    let id = tg.with_state(|s| s.last_update_id);
    assert!(
        feeds.wait_requests("/slow.xml", 1, WAIT).await,
        "/addfeed fetches"
    );
    bot.kill9();
    assert!(tg.sent_to(ADMIN).is_empty(), "killed before it answered");

    bot.restart();
    assert!(
        tg.wait_until(|s| s.confirmed_update_id >= id, Duration::from_secs(60))
            .await,
        "the restarted program handles /addfeed and confirms it"
    );
    let first = tg.sent_to(ADMIN);
    assert_eq!(first.len(), 1, "one reply");
    assert!(
        first[0].visible_text.starts_with("Added feed"),
        "{}",
        first[0].visible_text
    );
    tg.push_message(Chat::private(ADMIN), user(ADMIN), "/feeds");
    assert!(tg.wait_until(|s| s.sent_to(ADMIN).len() >= 2, WAIT).await);
    let listed = tg.sent_to(ADMIN)[1].visible_text.clone();
    assert!(listed.starts_with("1 partner feed:"), "{listed}");
    assert!(bot.terminate().success());
}
