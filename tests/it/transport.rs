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
        assert_eq!(
            tg.with_state(|s| s.polls),
            0,
            "{failing}: never got to polling"
        );
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

/// The update id of the update queued last.
fn last_update(tg: &FakeTelegram) -> i64 {
    tg.with_state(|s| s.last_update_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_telegram_delivers_again_after_a_restart_act_once_and_get_one_reply() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    feeds.set("/a.xml", FeedServer::rss("Partner A", &[news(1)]), RSS);
    let dir = tempfile::tempdir().unwrap();
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    let added = command(&tg, ADMIN, &format!("/addfeed {}", feeds.url("/a.xml"))).await;
    assert!(added.starts_with("Added feed"), "{added}");
    let addfeed = last_update(&tg);
    assert!(command(&tg, 1001, "/start").await.contains("Subscribed"));
    let start = last_update(&tg);
    assert!(command(&tg, ADMIN, "/grant 777").await.contains("777"));
    let grant = last_update(&tg);
    bot.stop().await;
    let replies = |id: i64| tg.sent_to(id).len();
    let (admin_replies, user_replies) = (replies(ADMIN), replies(1001));

    // A new start; Telegram hands the three commands out again (as it does when the
    // offset that confirmed them never reached it).
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    for id in [addfeed, start, grant] {
        assert!(tg.deliver_again(id), "update {id} exists");
    }
    tg.push_message(Chat::private(ADMIN), user(ADMIN), "/feeds");
    let feeds_cmd = last_update(&tg);
    // The offset passes /feeds only once every update before it was handled.
    assert!(
        tg.wait_until(|s| s.confirmed_update_id >= feeds_cmd, WAIT)
            .await,
        "the replayed updates and /feeds are handled and confirmed"
    );
    let admin = tg.sent_to(ADMIN);
    assert_eq!(admin.len(), admin_replies + 1, "only /feeds is answered");
    let listed = &admin[admin_replies].visible_text;
    assert!(listed.starts_with("1 partner feed:"), "{listed}");
    assert_eq!(replies(1001), user_replies, "/start is not answered again");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offset_passes_a_command_only_after_its_handler_finished() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let body = FeedServer::rss("Slow partner", &[news(1)]);
    // About three seconds to fetch.
    let interval = Duration::from_millis(3000 / body.len() as u64);
    feeds.slow_drip("/slow.xml", body, RSS, interval);
    let dir = tempfile::tempdir().unwrap();
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    let polls = tg.with_state(|s| s.polls);
    tg.push_message(
        Chat::private(ADMIN),
        user(ADMIN),
        &format!("/addfeed {}", feeds.url("/slow.xml")),
    );
    let id = last_update(&tg);
    assert!(feeds.wait_requests("/slow.xml", 1, WAIT).await, "fetching");
    // The bot was parked in a poll; that poll brought the command; the next one comes
    // while the command is being handled.
    assert!(tg.wait_until(|s| s.polls > polls, WAIT).await);
    assert!(
        tg.with_state(|s| s.sent_to(ADMIN).is_empty()),
        "still fetching"
    );
    assert!(
        tg.with_state(|s| s.confirmed_update_id) < id,
        "the command is not confirmed while its handler runs"
    );
    assert!(tg.wait_until(|s| !s.sent_to(ADMIN).is_empty(), WAIT).await);
    assert!(
        tg.wait_until(|s| s.confirmed_update_id >= id, WAIT).await,
        "confirmed once handled"
    );
    bot.stop().await;
}
