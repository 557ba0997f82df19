//! Reminders before an alert's event (issue 14): a chat that sent `/remind on` gets one
//! short reminder `dates.remind_before` ahead of the `when` of an alert it received, in
//! its language, through the outbox; a chat with reminders off gets none; a restart
//! between the alert and the reminder's due time neither loses nor repeats it.
//!
//! The due time comes a few seconds after the alert: the vigil starts on a whole minute
//! (its text says `HH:MM`) a minute or two ahead, and `remind_before` is set so that the
//! reminder falls due [`DUE_IN`] seconds after the feed changes. The tests wait for the
//! fake Bot API's records with a deadline; they never sleep to synchronise.

use crate::harness::*;
use crate::support::feed_server::{FeedServer, Item};
use crate::support::telegram::{FakeTelegram, TelegramState};
use chrono::{DateTime, Datelike, Duration, DurationRound, Utc};

/// Seconds from the feed's change to the reminder's due time.
const DUE_IN: i64 = 25;
const FEED: &str = "/feed.xml";
const TITLE: &str = "Join the vigil for the detained aid workers";
const FR_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// The vigil's start (a whole minute, over a minute after the due time) and the
/// `remind_before` (seconds) that puts the reminder `DUE_IN` seconds from now.
fn timing() -> (DateTime<Utc>, i64) {
    let now = Utc::now();
    let when = (now + Duration::seconds(DUE_IN + 60))
        .duration_trunc(Duration::minutes(1))
        .expect("a minute")
        + Duration::minutes(1);
    (when, (when - now).num_seconds() - DUE_IN)
}

/// A vigil at `when` (UTC, the feed's zone), published a minute ago.
fn vigil(when: DateTime<Utc>) -> Item {
    Item::new(
        "vigil-soon",
        TITLE,
        "https://partner.example/appeals/vigil",
        &format!(
            "<p>Join our candlelit vigil on {} at {} outside the Foreign Ministry and demand \
             the release of the twelve detained aid workers. Bring candles, bring friends, \
             share with #FreeAidWorkers.</p>",
            when.format("%-d %B %Y"),
            when.format("%H:%M")
        ),
    )
    .published((Utc::now() - Duration::minutes(1)).timestamp())
}

fn rss(items: &[Item]) -> String {
    FeedServer::rss("Partner Relief Network", items)
}

fn reminders(tg: &FakeTelegram, chat: i64) -> Vec<String> {
    tg.sent_to(chat)
        .into_iter()
        .map(|m| m.visible_text)
        .filter(|t| t.contains("⏰"))
        .collect()
}

fn got_alert(s: &TelegramState, chat: i64) -> bool {
    s.sent_to(chat)
        .iter()
        .any(|m| m.visible_text.contains(TITLE) && !m.visible_text.contains("⏰"))
}

/// A bot with the partner feed added (its backlog seen) and chat `1001` subscribed with
/// reminders on; `remind_before` as given.
async fn started(
    tg: &FakeTelegram,
    feeds: &FeedServer,
    dir: &std::path::Path,
    remind_before: i64,
) -> Running {
    feeds.set(FEED, rss(&[news(1)]), "application/rss+xml");
    let before = format!("{remind_before}s");
    let bot = Running::start(config(tg, dir, &[("SOLIBOT_REMIND_BEFORE", &before)]), tg).await;
    command(tg, 1001, "/start").await;
    let r = command(tg, 1001, "/remind on").await;
    assert!(r.starts_with("Reminders are on"), "{r}");
    let r = command(tg, ADMIN, &format!("/addfeed {}", feeds.url(FEED))).await;
    assert!(r.starts_with("Added feed"), "{r}");
    bot
}

/// Waits for chat `chat`'s first reminder (due `DUE_IN` seconds after the feed changed).
async fn wait_reminder(tg: &FakeTelegram, chat: i64) {
    let bound = WAIT + std::time::Duration::from_secs(DUE_IN as u64);
    assert!(
        tg.wait_until(
            |s| s
                .sent_to(chat)
                .iter()
                .any(|m| m.visible_text.contains("⏰")),
            bound
        )
        .await,
        "chat {chat} gets its reminder: {:?}",
        tg.sent_to(chat)
    );
}

/// After the bot stopped: nothing owed, nothing waiting in the outbox.
async fn nothing_left(dir: &std::path::Path) {
    let store = reopen_store(&dir.join("db")).await;
    assert!(store.reminders_until(i64::MAX).unwrap().is_empty());
    let waiting: Vec<_> = store
        .outbox()
        .unwrap()
        .into_iter()
        .filter_map(|(_, d)| d.notice)
        .collect();
    assert!(waiting.is_empty(), "{waiting:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_with_reminders_on_gets_one_and_a_chat_with_them_off_none() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (when, before) = timing();
    let bot = started(&tg, &feeds, dir.path(), before).await;
    command(&tg, 1002, "/start").await;
    command(&tg, 1002, "/remind on").await;
    let r = command(&tg, 1002, "/remind off").await;
    assert_eq!(r, "Reminders are off.");
    let r = command(&tg, 1003, "/start").await;
    assert!(!r.is_empty());
    let r = command(&tg, 1003, "/language fr").await;
    assert!(!r.is_empty());
    command(&tg, 1003, "/remind on").await;

    feeds.set(FEED, rss(&[vigil(when), news(1)]), "application/rss+xml");
    assert!(
        tg.wait_until(
            |s| [1001, 1002, 1003].iter().all(|c| got_alert(s, *c)),
            WAIT
        )
        .await,
        "every chat gets the vigil"
    );
    wait_reminder(&tg, 1001).await;
    wait_reminder(&tg, 1003).await;
    bot.stop().await;

    let [one] = reminders(&tg, 1001).try_into().expect("one reminder");
    assert!(one.contains(TITLE), "{one}");
    assert!(
        one.contains("https://partner.example/appeals/vigil"),
        "{one}"
    );
    let day = format!("{}, {}", when.format("%-d %B %Y"), when.format("%H:%M"));
    assert!(one.contains("📅 ") && one.contains(&day), "{one}");
    // The alert's 📅 line reads in each chat's language (the entry is English).
    let alert_to = |chat: i64| {
        tg.sent_to(chat)
            .into_iter()
            .map(|m| m.visible_text)
            .find(|t| t.contains(TITLE) && !t.contains("⏰"))
            .expect("the alert")
    };
    assert!(
        alert_to(1001).contains(&format!("📅 {}", when.format("%A"))),
        "{}",
        alert_to(1001)
    );
    let fr_day = format!(
        "{} {} {} à {}",
        when.format("%-d"),
        FR_MONTHS[when.month0() as usize],
        when.format("%Y"),
        when.format("%H:%M")
    );
    assert!(alert_to(1003).contains(&fr_day), "{}", alert_to(1003));
    let [fr] = reminders(&tg, 1003)
        .try_into()
        .expect("one reminder in French");
    assert!(fr.starts_with("⏰ Rappel"), "{fr}");
    assert!(fr.contains(&format!("à {}", when.format("%H:%M"))), "{fr}");
    assert!(reminders(&tg, 1002).is_empty(), "reminders off: none");
    nothing_left(dir.path()).await;
    println!("{}", tg.transcript());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_before_the_due_time_still_reminds_once() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (when, before) = timing();
    let due = when - Duration::seconds(before);
    let bot = started(&tg, &feeds, dir.path(), before).await;

    feeds.set(FEED, rss(&[vigil(when), news(1)]), "application/rss+xml");
    assert!(
        tg.wait_until(|s| got_alert(s, 1001), WAIT).await,
        "the vigil is alerted"
    );
    bot.stop().await;
    let before_env = format!("{before}s");
    let config = config(&tg, dir.path(), &[("SOLIBOT_REMIND_BEFORE", &before_env)]);
    let bot = Running::start(config, &tg).await;
    assert!(
        Utc::now() < due,
        "the restart came before the due time ({due}); the machine is too slow for this test"
    );
    wait_reminder(&tg, 1001).await;
    // The feed is polled on: every poll after this one saw the vigil as seen.
    polls_pass(&feeds, FEED, 2).await;
    bot.stop().await;
    assert_eq!(reminders(&tg, 1001).len(), 1, "{:?}", tg.sent_to(1001));
    nothing_left(dir.path()).await;
}

/// The binary, killed with SIGKILL between the alert and the reminder's due time, then
/// started again: the reminder comes once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_nine_before_the_due_time_still_reminds_once() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    feeds.set(FEED, rss(&[news(1)]), "application/rss+xml");
    let toml = format!(
        "[[feeds]]\nurl = \"{}\"\nname = \"Partner\"\n",
        feeds.url(FEED)
    );
    let (when, before) = timing();
    let due = when - Duration::seconds(before);
    let mut bot = Launch::bot(&tg, dir.path(), &toml)
        .env("SOLIBOT_REMIND_BEFORE", format!("{before}s"))
        .spawn();
    command(&tg, 1001, "/start").await;
    let r = command(&tg, 1001, "/remind on").await;
    assert!(r.starts_with("Reminders are on"), "{r}");
    assert!(
        feeds.wait_requests(FEED, 2, WAIT).await,
        "the backlog is taken"
    );

    feeds.set(FEED, rss(&[vigil(when), news(1)]), "application/rss+xml");
    assert!(
        tg.wait_until(|s| got_alert(s, 1001), WAIT).await,
        "the vigil is alerted"
    );
    bot.restart();
    assert!(tg.wait_until(|s| s.polling, WAIT).await, "the bot is back");
    assert!(
        Utc::now() < due,
        "the restart came before the due time ({due}); the machine is too slow for this test"
    );
    wait_reminder(&tg, 1001).await;
    polls_pass(&feeds, FEED, 2).await;
    assert!(bot.terminate().success(), "exit 0 after SIGTERM");
    assert_eq!(reminders(&tg, 1001).len(), 1, "{:?}", tg.sent_to(1001));
    nothing_left(dir.path()).await;
}
