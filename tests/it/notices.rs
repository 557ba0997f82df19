//! Organizer notices go through the outbox: the same limits and crash safety as alerts;
//! and the gate's recent sends survive a restart.

use crate::harness::*;
use crate::support::telegram::{Chat, FakeOptions, FakeTelegram, TelegramState, group_id};
use solibot::store::{AlertRecord, FeedRecord, NewEntry, Store};
use std::path::Path;
use std::time::Duration;

/// The database the harness's config points at.
fn db(dir: &Path) -> Store {
    Store::open(&dir.join("db")).expect("the test database opens")
}

/// Writes notices to the outbox of the (stopped) bot's database, as the notice task does
/// just before a crash.
async fn queue_notices(dir: &Path, notices: &[(i64, String)]) {
    let store = db(dir);
    store.queue_notices(notices).await.expect("notices queued");
}

/// Writes `n` alerts for `chat` to the outbox, as a poll does just before a crash.
async fn queue_alerts(dir: &Path, chat: i64, n: usize) {
    let store = db(dir);
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
    queue_notices(dir.path(), &[(ADMIN, TEXT.into())]).await;
    for run in 1..=2 {
        let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
        assert!(
            tg.wait_until(|s| told(s, ADMIN, TEXT) >= 1, WAIT).await,
            "run {run}: the notice is sent from the outbox"
        );
        // A reply after it: the worker had its turn at the chat since.
        command(&tg, ADMIN, "/help").await;
        bot.stop().await;
        assert_eq!(
            tg.with_state(|s| told(s, ADMIN, TEXT)),
            1,
            "run {run}: once"
        );
    }
    let notice = tg
        .sent_to(ADMIN)
        .into_iter()
        .find(|m| m.visible_text.contains(TEXT))
        .unwrap();
    assert!(notice.parse_mode.is_none(), "plain text");
    assert_eq!(db(dir.path()).outbox_len(), 0, "nothing left in the outbox");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_notices_and_replies_to_one_chat_keep_the_limits_with_no_slack() {
    let tg = strict(1.0).await;
    let dir = tempfile::tempdir().unwrap();
    const CHAT: i64 = 8601;
    queue_alerts(dir.path(), CHAT, 3).await;
    let notices: Vec<(i64, String)> = (1..=3)
        .map(|i| (CHAT, format!("Feed {i} (Camp Water) has been failing")))
        .collect();
    queue_notices(dir.path(), &notices).await;
    let bot = Running::start(config(&tg, dir.path(), &[("SOLIBOT_RATE_SCALE", "1")]), &tg).await;
    for _ in 0..3 {
        tg.push_message(Chat::private(CHAT), user(CHAT), "/help");
    }
    // Six records waiting: the three alerts go as one digest, each notice on its own.
    let all = |s: &TelegramState| {
        told(s, CHAT, "has been failing") == 3
            && told(s, CHAT, "Sign the petition (2)") == 1
            && s.sent_to(CHAT).len() >= 7
    };
    assert!(
        tg.wait_until(all, Duration::from_secs(40)).await,
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
