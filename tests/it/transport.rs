//! The transport, in-process (issue 13): start-up against a Bot API with a webhook left
//! set, down at start, or failing while the program is told to stop; replies refused
//! with 429; a feed's Cache-Control sent with a 304; counts in replies; a failed
//! administrator check in a group.

use crate::harness::*;
use crate::support::feed_server::FeedServer;
use crate::support::telegram::{Chat, Failure, FakeOptions, FakeTelegram, MemberStatus};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const RSS: &str = "application/rss+xml";
/// A stop that does not wait for a call in flight: well within the contract's 10 s.
pub const STOP_AT_ONCE: Duration = Duration::from_secs(5);

/// Where the first call of `method` (lower case) stands among all the fake's calls.
fn first_call(tg: &FakeTelegram, method: &str) -> Option<usize> {
    tg.calls().iter().position(|c| c.method == method)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_left_by_an_earlier_deployment_is_deleted_and_commands_are_answered() {
    let tg = FakeTelegram::start().await;
    tg.set_webhook("https://old-deployment.example.org/hook");
    let dir = tempfile::tempdir().unwrap();
    // Running::start waits for a getUpdates that is not refused with 409.
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    let r = command(&tg, 1001, "/start").await;
    assert!(r.contains("Subscribed"), "{r}");
    assert!(tg.with_state(|s| s.webhook_url.is_empty()));
    let order =
        ["getme", "deletewebhook", "setmycommands", "getupdates"].map(|m| first_call(&tg, m));
    assert!(order.iter().all(Option::is_some), "{order:?}");
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "getMe, deleteWebhook, setMyCommands, then getUpdates: {order:?}"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_api_down_at_start_is_retried_with_backoff_until_it_answers() {
    let tg = FakeTelegram::start().await;
    tg.fail_method("getMe", Failure::DropConnection, Some(2));
    tg.fail_method("deleteWebhook", Failure::DropConnection, Some(1));
    let dir = tempfile::tempdir().unwrap();
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    let get_me = tg.calls_of("getMe");
    assert_eq!(get_me.len(), 3, "two failures, then the answer");
    assert_eq!(tg.calls_of("deleteWebhook").len(), 2);
    let gaps: Vec<Duration> = get_me.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(
        gaps[0] >= Duration::from_secs(1) && gaps[1] >= Duration::from_secs(2),
        "backoff, not a loop: {gaps:?}"
    );
    let r = command(&tg, 1001, "/help").await;
    assert!(r.contains("/start"), "{r}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_during_start_up_ends_the_program_at_once_without_error() {
    // Each start-up call in turn answers 500 (teloxide then waits 10 s before reading it);
    // the stop comes while it is in flight.
    for failing in ["getMe", "deleteWebhook", "setMyCommands"] {
        let tg = FakeTelegram::start().await;
        tg.fail_method(failing, Failure::ServerError, None);
        let dir = tempfile::tempdir().unwrap();
        let cancel = CancellationToken::new();
        let run = solibot::app::run(config(&tg, dir.path(), &[]), false, cancel.clone());
        let handle = tokio::spawn(run);
        let method = failing.to_ascii_lowercase();
        assert!(
            tg.wait_until(|s| s.calls.iter().any(|c| c.method == method), WAIT)
                .await,
            "{failing} is called"
        );
        cancel.cancel();
        // The contract allows 10 s; teloxide alone would wait 10 s after the 500. Every
        // start-up call is raced against the stop, so it ends at once.
        let ended = tokio::time::timeout(STOP_AT_ONCE, handle)
            .await
            .unwrap_or_else(|_| panic!("{failing}: stops at once, not after teloxide's 10 s"))
            .expect("no panic");
        ended.unwrap_or_else(|e| panic!("{failing}: a stop during start-up is no error: {e:#}"));
        assert!(!tg.is_polling(), "{failing}: never got to polling");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_quick_commands_each_get_their_reply_though_telegram_answers_429() {
    let tg = FakeTelegram::start_with(FakeOptions {
        enforce_limits: true,
        ..FakeOptions::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    // Replies are paced within the limits; Telegram may still answer 429 (flood control).
    tg.fail_chat(ADMIN, Failure::Flood { retry_after: 1 }, Some(1));
    for text in ["/help", "/feeds", "/settings", "/stats"] {
        tg.push_message(Chat::private(ADMIN), user(ADMIN), text);
    }
    assert!(
        tg.wait_until(|s| s.sent_to(ADMIN).len() >= 4, WAIT).await,
        "every command gets its reply: {:?}",
        tg.sent_to(ADMIN).len()
    );
    assert_eq!(
        tg.count_429(),
        1,
        "only the injected 429: the replies keep the limits"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_max_age_sent_with_a_304_holds_the_feed_like_one_sent_with_a_200() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    feeds.set("/hinted.xml", FeedServer::rss("Hinted", &[news(1)]), RSS);
    feeds.set("/clock.xml", FeedServer::rss("Clock", &[news(2)]), RSS);
    let dir = tempfile::tempdir().unwrap();
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    for path in ["/hinted.xml", "/clock.xml"] {
        let r = command(&tg, ADMIN, &format!("/addfeed {}", feeds.url(path))).await;
        assert!(r.starts_with("Added feed"), "{r}");
    }
    // Polled every second with validators: 304s without a hint.
    let first = feeds.requests("/hinted.xml");
    assert!(feeds.wait_requests("/hinted.xml", first + 2, WAIT).await);
    assert!(feeds.not_modified_count("/hinted.xml") >= 1);
    // From now on its 304s say "fresh for an hour".
    feeds.set_max_age("/hinted.xml", Some(3600));
    let before = feeds.requests("/hinted.xml");
    let not_modified = feeds.not_modified_count("/hinted.xml");
    assert!(feeds.wait_requests("/hinted.xml", before + 1, WAIT).await);
    let after = feeds.requests("/hinted.xml");
    assert!(
        feeds.not_modified_count("/hinted.xml") > not_modified,
        "the hint came with a 304"
    );
    // Four more polls of the other feed, a second apart: none of the hinted one.
    let clock = feeds.requests("/clock.xml");
    assert!(feeds.wait_requests("/clock.xml", clock + 4, WAIT).await);
    assert_eq!(
        feeds.requests("/hinted.xml"),
        after,
        "a 304 with max-age=3600 keeps the feed from being polled at the base interval"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_of_one_read_in_the_singular() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    feeds.set("/one.xml", FeedServer::rss("Only One", &[news(1)]), RSS);
    let dir = tempfile::tempdir().unwrap();
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    let r = command(&tg, ADMIN, &format!("/addfeed {}", feeds.url("/one.xml"))).await;
    assert!(r.contains("(1 entry,"), "{r}");
    let r = command(&tg, 1001, "/feeds").await;
    assert!(r.starts_with("1 partner feed:"), "{r}");
    tg.set_member_status(-4_003, ADMIN, MemberStatus::Administrator);
    tg.push_message(Chat::group(-4_003, "Circle"), user(ADMIN), "/start");
    assert!(tg.wait_until(|s| !s.sent_to(-4_003).is_empty(), WAIT).await);
    let r = command(&tg, ADMIN, "/stats").await;
    assert!(r.contains(", 1 group, 0 channels;"), "{r}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_administrator_check_says_so_and_to_try_again() {
    let tg = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    let group = Chat::group(-4_002, "Solidarity circle");
    tg.set_member_status(-4_002, 3002, MemberStatus::Administrator);
    tg.fail_method("getChatMember", Failure::DropConnection, Some(1));
    tg.push_message(group.clone(), user(3002), "/start");
    assert!(tg.wait_until(|s| !s.sent_to(-4_002).is_empty(), WAIT).await);
    let r = tg.sent_to(-4_002)[0].visible_text.clone();
    assert!(
        r.contains("could not check") && r.contains("try again"),
        "{r}"
    );
    assert!(!r.contains("Only this group's administrators"), "{r}");
    // The check works again: the same administrator subscribes the group.
    tg.push_message(group, user(3002), "/start");
    assert!(tg.wait_until(|s| s.sent_to(-4_002).len() >= 2, WAIT).await);
    let r = tg.sent_to(-4_002)[1].visible_text.clone();
    assert!(r.contains("Subscribed"), "{r}");
    bot.stop().await;
}
