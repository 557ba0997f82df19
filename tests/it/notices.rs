//! Organizer notices go through the outbox: the same limits and crash safety as alerts
//! (a notice killed with the program before it was sent arrives once after the restart);
//! and the gate's recent sends survive a restart.

use crate::harness::*;
use crate::support::feed_server::FeedServer;
use crate::support::telegram::{Chat, Failure, FakeOptions, FakeTelegram, TelegramState, group_id};
use solibot::store::{AlertRecord, FeedRecord, NewEntry};
use std::path::Path;
use std::time::Duration;

/// Writes notices to the outbox of the (stopped) bot's database, as the notice task does
/// just before a crash.
async fn queue_notices(dir: &Path, notices: &[(i64, String)]) {
    let store = open_store(dir).await;
    store.queue_notices(notices).await.expect("notices queued");
}

/// Writes `n` alerts for `chat` to the outbox, as a poll does just before a crash.
async fn queue_alerts(dir: &Path, chat: i64, n: usize) {
    let store = open_store(dir).await;
    let feed = store
        .add_feed(FeedRecord::new(
            "https://partner.example/feed.xml",
            "Partner",
        ))
        .expect("feed added")
        .expect("a new feed");
    let entries = (0..n).map(|i| NewEntry {
        keys: vec![format!("entry-{i}")],
        alert: Some(alert(feed.id, i)),
    });
    let batch = (entries.collect(), vec![(chat, None)]);
    let keys = store
        .commit_poll(feed.id, &|_| {}, &[batch], 100)
        .await
        .expect("alerts queued");
    assert_eq!(keys.len(), n);
}

fn alert(feed_id: u64, i: usize) -> AlertRecord {
    AlertRecord {
        v: 1,
        id: 0,
        feed_id,
        feed_name: "Partner".into(),
        entry_id: format!("entry-{i}"),
        title: format!("Sign the petition ({i})"),
        link: Some(format!("https://partner.example/appeals/{i}")),
        summary: "Sign the petition for the detained aid workers.".into(),
        actions: Vec::new(),
        hashtags: Vec::new(),
        lang: "en".into(),
        also_published_by: Vec::new(),
        fingerprint_urls: Vec::new(),
        fingerprint_simhash: i as u64,
        created_at: solibot::store::now_unix(),
        verdict: None,
        when: None,
        deadline: None,
    }
}

fn told(s: &TelegramState, chat: i64, what: &str) -> usize {
    s.sent_to(chat)
        .iter()
        .filter(|m| m.visible_text.contains(what))
        .count()
}

/// A fake that refuses anything over Telegram's limits (× `scale`) with no slack at all.
async fn strict(scale: f64) -> FakeTelegram {
    FakeTelegram::start_with(FakeOptions {
        enforce_limits: true,
        limits_scale: scale,
        limit_slack: 0,
        ..FakeOptions::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_written_before_a_crash_is_sent_once_after_the_restart() {
    let tg = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    const TEXT: &str = "Feed 7 (Camp Water) has been failing";
    // Before each start a notice that run waits for: the outbox goes to a chat in the
    // order it was written, so once run 2's arrives, the first one, had it been left
    // behind, would have gone before it.
    for (run, text) in [(1, TEXT), (2, "Feed 8 (Field Kitchens) has been failing")] {
        queue_notices(dir.path(), &[(ADMIN, text.into())]).await;
        let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
        assert!(
            tg.wait_until(|s| told(s, ADMIN, text) >= 1, WAIT).await,
            "run {run}: the notice is sent from the outbox"
        );
        command(&tg, ADMIN, "/help").await;
        bot.stop().await;
        assert_eq!(
            tg.with_state(|s| (told(s, ADMIN, TEXT), told(s, ADMIN, text))),
            (1, 1),
            "run {run}: each once"
        );
    }
    let notice = tg
        .sent_to(ADMIN)
        .into_iter()
        .find(|m| m.visible_text.contains(TEXT))
        .unwrap();
    assert!(notice.parse_mode.is_none(), "plain text");
    assert_eq!(
        open_store(dir.path()).await.outbox_len(),
        0,
        "nothing left in the outbox"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_notices_and_replies_to_one_chat_keep_the_limits_with_no_slack() {
    // A quarter of Telegram's rates: one message every 4 s to a chat, longer than a
    // restart takes, so the chat's last reply before the restart still counts after it.
    let tg = strict(0.25).await;
    let dir = tempfile::tempdir().unwrap();
    const CHAT: i64 = 8601;
    let cfg = || config(&tg, dir.path(), &[("SOLIBOT_RATE_SCALE", "0.25")]);
    let bot = Running::start(cfg(), &tg).await;
    command(&tg, CHAT, "/help").await;
    bot.stop().await;
    // Notices first: the first thing the worker sends after the restart is a notice, and
    // the reply before the restart is less than 4 s old.
    let notices: Vec<(i64, String)> = (1..=2)
        .map(|i| (CHAT, format!("Feed {i} (Camp Water) has been failing")))
        .collect();
    queue_notices(dir.path(), &notices).await;
    queue_alerts(dir.path(), CHAT, 2).await;
    let bot = Running::start(cfg(), &tg).await;
    for _ in 0..2 {
        tg.push_message(Chat::private(CHAT), user(CHAT), "/help");
    }
    // 1 reply before the restart; 2 notices, 2 alerts and 2 replies after it.
    let all = |s: &TelegramState| {
        told(s, CHAT, "has been failing") == 2
            && told(s, CHAT, "Sign the petition (1)") == 1
            && s.sent_to(CHAT).len() >= 7
    };
    assert!(
        tg.wait_until(all, Duration::from_secs(60)).await,
        "alerts, notices and replies all arrive: {:?}",
        tg.sent_to(CHAT)
            .iter()
            .map(|m| m.visible_text.clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(tg.count_429(), 0, "{:?}", tg.error_replies());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_right_after_a_send_keeps_that_groups_minute_with_no_slack() {
    // A twentieth of Telegram's rates: one message a minute to a group, far longer than a
    // restart takes.
    let tg = strict(0.05).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = || config(&tg, dir.path(), &[("SOLIBOT_RATE_SCALE", "0.05")]);
    let group = Chat::group(group_id(61), "Restarted circle");
    let bot = Running::start(cfg(), &tg).await;
    tg.push_message(&group, user(8611), "/help");
    assert!(
        tg.wait_until(|s| !s.sent_to(group.id).is_empty(), WAIT)
            .await,
        "the group has its reply"
    );
    bot.stop().await;
    queue_alerts(dir.path(), group.id, 1).await;
    let bot = Running::start(cfg(), &tg).await;
    assert!(
        tg.wait_until(
            |s| told(s, group.id, "Sign the petition (0)") == 1,
            Duration::from_secs(90)
        )
        .await,
        "the alert is sent after the restart"
    );
    assert_eq!(tg.count_429(), 0, "{:?}", tg.error_replies());
    bot.stop().await;
}

/// A feed that answers 404 until a test puts a document there.
const FAILING: &str = "/camp-water.xml";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_killed_before_it_is_sent_arrives_once_after_the_restart() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[[feeds]]\nurl = \"{}\"\nname = \"Camp Water\"\n",
        feeds.url(FAILING)
    );
    let env = [("SOLIBOT_FAILURE_NOTICE_AFTER", "1s")];
    // Telegram takes nothing for the admin: the notice stays in the outbox.
    tg.fail_chat(ADMIN, Failure::ServerError, None);
    let mut bot = Launch::bot(&tg, dir.path(), &toml).envs(&env).spawn();
    let admin = ADMIN.to_string();
    let tried = |s: &TelegramState| {
        s.error_replies.iter().any(|e| {
            e.method.eq_ignore_ascii_case("sendMessage")
                && e.chat_id.as_deref() == Some(admin.as_str())
        })
    };
    assert!(
        tg.wait_until(tried, WAIT).await,
        "the feed fails for a second and the notice is tried: {:?}",
        tg.error_replies()
    );
    bot.kill9();
    assert_eq!(tg.with_state(|s| told(s, ADMIN, "has been failing")), 0);

    // After the restart the admin can be reached and the feed works again.
    tg.clear_chat_failure(ADMIN);
    feeds.set(
        FAILING,
        FeedServer::rss("Camp Water", &[news(1)]),
        "application/rss+xml",
    );
    bot.restart();
    assert!(
        tg.wait_until(|s| told(s, ADMIN, "works again, after failing") == 1, WAIT)
            .await,
        "the feed's recovery is told (the failing notice was, before the kill): {:?}",
        tg.sent_to(ADMIN)
    );
    assert!(bot.terminate().success(), "exit 0 after SIGTERM");
    // Notices to one chat go in the order they were written: the failing one went first.
    assert_eq!(
        tg.with_state(|s| told(s, ADMIN, "has been failing")),
        1,
        "{:?}",
        tg.sent_to(ADMIN)
    );
    assert_eq!(
        tg.with_state(|s| told(s, ADMIN, "works again, after failing")),
        1
    );
    // The recovery notice may have been in flight at SIGTERM; the failing one is gone.
    let left = open_store(dir.path())
        .await
        .outbox()
        .expect("the outbox reads");
    assert!(
        left.iter().all(|(_, d)| !d
            .notice
            .as_deref()
            .unwrap_or("")
            .contains("has been failing")),
        "{left:?}"
    );
}
