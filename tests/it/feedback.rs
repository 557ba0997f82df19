//! Verdict feedback through the real bot and the fake Bot API: `/wrong` in reply to an
//! alert, `/send URL` of an entry the detector missed, the threshold a feed gets from
//! alerts marked wrong (shown in `/feeds`, applied by the poll), and
//! `solibot feedback export` (the binary).

use crate::harness::*;
use crate::support::feed_server::{FeedServer, Item};
use crate::support::telegram::{Chat, FakeTelegram, SentMessage};
use solibot::store::{FeedRecord, FeedbackRecord, FeedbackVerdict, Store};
use std::path::Path;

const ORGANIZER: i64 = 90_002;

fn rss(items: &[Item]) -> String {
    FeedServer::rss("Partner Relief Network", items)
}

/// The alerts `chat` got (HTML messages), in order.
fn alerts_to(tg: &FakeTelegram, chat: i64) -> Vec<SentMessage> {
    tg.sent_to(chat)
        .into_iter()
        .filter(|m| m.parse_mode.as_deref() == Some("HTML"))
        .collect()
}

/// Waits until `chat` got `n` alerts and returns them.
async fn wait_alerts(tg: &FakeTelegram, chat: i64, n: usize) -> Vec<SentMessage> {
    let got = tg
        .wait_until(
            |s| {
                s.sent_to(chat)
                    .iter()
                    .filter(|m| m.parse_mode.as_deref() == Some("HTML"))
                    .count()
                    >= n
            },
            WAIT,
        )
        .await;
    assert!(got, "{chat} gets {n} alerts, has {:?}", alerts_to(tg, chat));
    alerts_to(tg, chat)
}

/// Sends `text` from `user_id` in their private chat as a reply to `message_id` there,
/// and returns the bot's answer.
async fn reply(tg: &FakeTelegram, user_id: i64, text: &str, message_id: i64) -> String {
    let before = tg.sent_to(user_id).len();
    tg.push_reply(Chat::private(user_id), user(user_id), text, message_id);
    assert!(
        tg.wait_until(|s| s.sent_to(user_id).len() > before, WAIT)
            .await,
        "a reply to {text:?}"
    );
    tg.sent_to(user_id)[before].visible_text.clone()
}

/// A running bot with the feed `/feed.xml` (its backlog: one news entry) added by the
/// admin, `ORGANIZER` granted and every chat of `subscribers` subscribed.
async fn world(tg: &FakeTelegram, feeds: &FeedServer, dir: &Path, subscribers: &[i64]) -> Running {
    world_with(tg, feeds, dir, subscribers, &[]).await
}

/// [`world`] with more settings.
async fn world_with(
    tg: &FakeTelegram,
    feeds: &FeedServer,
    dir: &Path,
    subscribers: &[i64],
    extra: &[(&str, &str)],
) -> Running {
    let backlog = [news(1)];
    let bot = start_scene(
        tg,
        feeds,
        dir,
        &backlog,
        Some(ORGANIZER),
        subscribers,
        extra,
    )
    .await;
    add_feed(tg, ADMIN, &feeds.url("/feed.xml")).await;
    bot
}

/// Waits until the outbox is empty: every alert sent so far was recorded as delivered
/// (and the alert each message carries remembered, which comes first).
async fn delivered(tg: &FakeTelegram) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let stats = command(tg, ADMIN, "/stats").await;
        if stats.contains("Waiting in the outbox: 0") {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the outbox empties: {stats}"
        );
    }
}

/// `solibot feedback export --config FILE` on the database in `dir`.
async fn export(dir: &Path) -> std::process::Output {
    let cfg = dir.join("export.toml");
    let db = dir.join("db");
    std::fs::write(&cfg, format!("[storage]\npath = \"{}\"\n", db.display())).unwrap();
    Launch::command(&["feedback", "export", "--config", cfg.to_str().unwrap()])
        .output(WAIT)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_in_reply_to_an_alert_records_once_and_the_export_prints_it() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = world(&tg, &feeds, dir.path(), &[ORGANIZER, 1001]).await;
    feeds.set(
        "/feed.xml",
        rss(&[appeal(1), news(1)]),
        "application/rss+xml",
    );
    let alert = wait_alerts(&tg, ORGANIZER, 1).await.remove(0);
    let title = "Sign the petition: free the detained aid workers (1)";
    assert!(alert.visible_text.contains(title), "{}", alert.visible_text);

    let r = reply(&tg, ORGANIZER, "/wrong", alert.message_id).await;
    assert_eq!(
        r,
        format!("Recorded: “{title}” was not an appeal. Thank you.")
    );
    let r = reply(&tg, ORGANIZER, "/wrong", alert.message_id).await;
    assert_eq!(
        r,
        format!("You had already marked “{title}” as not an appeal.")
    );

    // Without a reply, or in reply to something the bot did not send: how to use it.
    let r = command(&tg, ORGANIZER, "/wrong").await;
    assert!(
        r.starts_with("Reply to one of my alerts with /wrong"),
        "{r}"
    );
    let before = tg.sent_to(ORGANIZER).len();
    let own = tg.push_message(Chat::private(ORGANIZER), user(ORGANIZER), "hello");
    let answered =
        |s: &crate::support::telegram::TelegramState| s.sent_to(ORGANIZER).len() > before;
    assert!(tg.wait_until(answered, WAIT).await, "a reply to hello");
    let r = reply(&tg, ORGANIZER, "/wrong", own).await;
    assert!(
        r.starts_with("Reply to one of my alerts with /wrong"),
        "{r}"
    );
    // A subscriber may not give verdicts.
    let theirs = wait_alerts(&tg, 1001, 1).await.remove(0);
    let r = reply(&tg, 1001, "/wrong", theirs.message_id).await;
    assert!(r.contains("organizers only"), "{r}");

    // The bot holds the database: the export says so and fails.
    let out = export(dir.path()).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains("stop it first"),
        "{stderr}"
    );
    bot.stop().await;

    let out = export(dir.path()).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "recorded once: {stdout}");
    let v: serde_json::Value = serde_json::from_str(lines[0]).expect("a JSON line");
    for field in solibot::feedback::EXPORT_FIELDS {
        assert!(v.get(field).is_some(), "{field} in {v}");
    }
    assert_eq!(
        v.as_object().map(|o| o.len()),
        Some(solibot::feedback::EXPORT_FIELDS.len()),
        "{v}"
    );
    assert_eq!(v["verdict"], "not_appeal");
    assert_eq!(v["by"], ORGANIZER);
    assert_eq!(v["title"], title);
    assert!(v["id"].as_str().is_some_and(|id| !id.is_empty()), "{v}");
    assert_eq!(v["link"], "https://partner.example/appeals/1");
    assert_eq!(v["is_appeal"], true);
    assert!(
        v["score"]
            .as_f64()
            .is_some_and(|s| (0.0..=1.0).contains(&s)),
        "{v}"
    );
    assert!(
        v["actions"].as_array().is_some_and(|a| !a.is_empty()),
        "{v}"
    );
    let at = v["at"].as_str().expect("at is a string");
    assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
    // The detector's tools read it as a gold label.
    let label = solibot::gold::label_from_feedback(lines[0], "partner.xml").unwrap();
    assert!(!label.appeal && label.link == "https://partner.example/appeals/1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_names_the_alert_of_that_very_message() {
    // Two feeds alert two different appeals under one link: only the message itself
    // says which alert a reply is about.
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = world(&tg, &feeds, dir.path(), &[ORGANIZER]).await;
    let other = Item::new(
        "vigil-1",
        "Join the candlelight vigil for the detained aid workers on Friday",
        "https://partner.example/appeals/1",
        "<p>Join our vigil on Friday at 18:00 in front of the city hall. Bring a candle and \
         invite your neighbours. <a href=\"https://vigil.example/rsvp-1\">Register</a>.</p>",
    );
    feeds.set(
        "/other.xml",
        FeedServer::rss("Vigil Circle", &[news(7)]),
        "application/rss+xml",
    );
    let r = command(&tg, ADMIN, &format!("/addfeed {}", feeds.url("/other.xml"))).await;
    assert!(r.starts_with("Added feed "), "{r}");
    feeds.set(
        "/feed.xml",
        rss(&[appeal(1), news(1)]),
        "application/rss+xml",
    );
    wait_alerts(&tg, ORGANIZER, 1).await;
    feeds.set(
        "/other.xml",
        FeedServer::rss("Vigil Circle", &[other, news(7)]),
        "application/rss+xml",
    );
    let alerts = wait_alerts(&tg, ORGANIZER, 2).await;
    let vigil = alerts
        .iter()
        .find(|m| m.visible_text.contains("candlelight vigil"))
        .expect("the vigil's alert");
    delivered(&tg).await;
    let r = reply(&tg, ORGANIZER, "/wrong", vigil.message_id).await;
    assert!(
        r.starts_with("Recorded: “Join the candlelight vigil"),
        "{r}"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_url_of_a_missed_entry_sends_it_once_to_every_subscriber() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = world(&tg, &feeds, dir.path(), &[1001, 1002]).await;
    // A new entry the detector takes for news: polled, nothing sent.
    feeds.set("/feed.xml", rss(&[news(2), news(1)]), "application/rss+xml");
    polls_pass(&feeds, "/feed.xml", 2).await;
    assert!(alerts_to(&tg, 1001).is_empty());

    let url = "https://partner.example/news/2";
    let r = command(&tg, ORGANIZER, &format!("/send {url}")).await;
    assert!(
        r.starts_with(
            "Recorded as an appeal the detector missed, and sent as an alert: “Our field team"
        ) && r.ends_with("chats: 2."),
        "{r}"
    );
    for chat in [1001, 1002] {
        let got = wait_alerts(&tg, chat, 1).await;
        assert!(
            got[0]
                .visible_text
                .contains("school repairs in the north (2)")
        );
    }
    // Again, under another spelling of the same link: nothing more.
    let r = command(&tg, ORGANIZER, &format!("/send {url}/?utm_source=tg")).await;
    assert!(r.contains("was already sent as an alert"), "{r}");
    polls_pass(&feeds, "/feed.xml", 2).await;
    for chat in [1001, 1002] {
        assert_eq!(alerts_to(&tg, chat).len(), 1, "{chat} got it once");
    }

    // An appeal the poll already sent is not sent again.
    feeds.set(
        "/feed.xml",
        rss(&[appeal(3), news(2), news(1)]),
        "application/rss+xml",
    );
    wait_alerts(&tg, 1001, 2).await;
    let r = command(&tg, ORGANIZER, "/send https://partner.example/appeals/3").await;
    assert!(r.contains("was already sent as an alert"), "{r}");

    // Refusals, each with its reason.
    let r = command(&tg, ORGANIZER, "/send https://elsewhere.example/news/2").await;
    assert!(
        r.contains("is not an entry any partner feed lists now"),
        "{r}"
    );
    let r = command(&tg, ORGANIZER, "/send").await;
    assert!(
        r.starts_with("Give the link of a partner feed's entry"),
        "{r}"
    );
    let r = command(&tg, 1001, &format!("/send {url}")).await;
    assert!(r.contains("organizers only"), "{r}");
    feeds.set_raw_response("/feed.xml", 503, &[("content-type", "text/plain")], "down");
    let r = command(&tg, ORGANIZER, "/send https://partner.example/news/9").await;
    assert!(r.contains("could not be read") && r.contains("503"), "{r}");
    assert_eq!(alerts_to(&tg, 1002).len(), 2, "one /send, one appeal");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_threshold_rises_after_three_alerts_marked_wrong_shows_in_feeds_and_send_resets_it() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    // The detector's threshold sits 0.03 under the appeals' scores, as the poll scores
    // them: +0.05 hides them.
    let first = [appeal(1), appeal(2), appeal(3), news(1)];
    let later = [appeal(4), appeal(1), appeal(2), appeal(3), news(1)];
    let plain = config(&tg, dir.path(), &[]);
    let mut scores = scores_in(&plain, &first)[..3].to_vec();
    scores.push(scores_in(&plain, &later)[0]);
    let low = scores.iter().copied().fold(1.0, f32::min);
    let high = scores.iter().copied().fold(0.0, f32::max);
    assert!(high - low < 0.02, "the fixtures score alike: {scores:?}");
    let threshold = format!("{:.3}", low - 0.03);
    let extra = [("SOLIBOT_THRESHOLD", threshold.as_str())];
    let bot = world_with(&tg, &feeds, dir.path(), &[ORGANIZER, 1001], &extra).await;
    feeds.set("/feed.xml", rss(&first), "application/rss+xml");
    let alerts = wait_alerts(&tg, ORGANIZER, 3).await;
    let mut replies = Vec::new();
    for alert in &alerts {
        replies.push(reply(&tg, ORGANIZER, "/wrong", alert.message_id).await);
    }
    assert!(!replies[1].contains("threshold"), "{replies:?}");
    assert!(
        replies[2].ends_with(
            "Feed Partner Relief Network now needs a higher score to alert: threshold +0.05."
        ),
        "{replies:?}"
    );
    let r = command(&tg, ORGANIZER, "/feeds").await;
    assert!(
        r.contains("threshold raised by +0.05 · alerts marked wrong in 30 days: 3"),
        "{r}"
    );
    let r = command(&tg, 1001, "/feeds").await;
    assert!(!r.contains("threshold"), "{r}");

    // The poll applies it: the next appeal, as borderline, is not sent.
    feeds.set("/feed.xml", rss(&later), "application/rss+xml");
    polls_pass(&feeds, "/feed.xml", 2).await;
    assert_eq!(alerts_to(&tg, 1001).len(), 3);
    // Sent by hand, it goes out, and the raise that hid it is taken back.
    // The organizer is a subscriber too: the alert may reach it before the reply.
    let before = tg.sent_to(ORGANIZER).len();
    tg.push_message(
        Chat::private(ORGANIZER),
        user(ORGANIZER),
        "/send https://partner.example/appeals/4",
    );
    let replied = |s: &crate::support::telegram::TelegramState| {
        s.sent_to(ORGANIZER)[before..]
            .iter()
            .any(|m| m.visible_text.ends_with("chats: 2."))
    };
    assert!(
        tg.wait_until(replied, WAIT).await,
        "{:?}",
        tg.sent_to(ORGANIZER)[before..]
            .iter()
            .map(|m| m.visible_text.clone())
            .collect::<Vec<_>>()
    );
    assert!(
        wait_alerts(&tg, 1001, 4).await[3]
            .visible_text
            .contains("(4)")
    );
    let r = command(&tg, ORGANIZER, "/feeds").await;
    assert!(!r.contains("threshold"), "{r}");
    bot.stop().await;
}

/// An admin's `/trust` takes a feed's raised threshold back to the detector's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_takes_back_the_raise_of_alerts_marked_wrong() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = world(&tg, &feeds, dir.path(), &[ORGANIZER]).await;
    let items = [appeal(1), appeal(2), appeal(3), news(1)];
    feeds.set("/feed.xml", rss(&items), "application/rss+xml");
    for alert in wait_alerts(&tg, ORGANIZER, 3).await {
        reply(&tg, ORGANIZER, "/wrong", alert.message_id).await;
    }
    let r = command(&tg, ORGANIZER, "/feeds").await;
    assert!(r.contains("threshold raised by +0.05"), "{r}");
    let r = command(&tg, ADMIN, &format!("/trust {}", feeds.url("/feed.xml"))).await;
    assert!(!r.contains("failed"), "{r}");
    let r = command(&tg, ORGANIZER, "/feeds").await;
    assert!(!r.contains("threshold"), "{r}");
    bot.stop().await;
}

/// The scores the detector gives the entries of a feed of `items`, named like the feed.
fn scores_in(config: &solibot::config::Config, items: &[Item]) -> Vec<f32> {
    let detector = solibot::context::build_detector(config).unwrap();
    let feed = solibot::feeds::parse::parse(rss(items).as_bytes(), None).unwrap();
    let ctx = detector
        .feed_context(&feed.entries)
        .with_publisher([feed.title.as_str(), "Partner Relief Network"]);
    feed.entries
        .iter()
        .map(|e| detector.detect(e, &ctx, &[]).score)
        .collect()
}

/// What the detector scores `item` as, in a feed of that one item named like the feed.
fn score_of(config: &solibot::config::Config, item: &Item) -> f32 {
    scores_in(config, std::slice::from_ref(item))[0]
}

fn wrong_mark(feed_id: u64, n: usize) -> FeedbackRecord {
    FeedbackRecord {
        v: 1,
        feed_id,
        feed_name: "Partner Relief Network".into(),
        feed_url: String::new(),
        alert_id: None,
        entry_id: format!("old-{n}"),
        title: String::new(),
        link: None,
        published: None,
        lang: "en".into(),
        is_appeal: true,
        score: None,
        actions: vec![],
        hashtags: vec![],
        summary: String::new(),
        reasons: vec![],
        when: None,
        deadline: None,
        verdict: FeedbackVerdict::NotAppeal,
        by: ORGANIZER,
        at: solibot::store::now_unix(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raised_threshold_keeps_borderline_appeals_of_that_feed_from_alerting() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let items = [appeal(1), appeal(2), appeal(3)];
    // The threshold sits 0.07 under the appeals' scores: appeals, unless raised by 0.15.
    let plain = config(&tg, dir.path(), &[]);
    let scores: Vec<f32> = items.iter().map(|i| score_of(&plain, i)).collect();
    let low = scores.iter().copied().fold(1.0, f32::min);
    let high = scores.iter().copied().fold(0.0, f32::max);
    assert!(
        low > 0.2 && high - low < 0.07,
        "the fixtures score alike: {scores:?}"
    );
    let threshold = format!("{:.3}", low - 0.07);
    let config = config(&tg, dir.path(), &[("SOLIBOT_THRESHOLD", &threshold)]);
    let shared = solibot::context::shared(config, Store::temporary().unwrap(), None, None).unwrap();
    let url = feeds.url("/a.xml");
    let feed = shared
        .store
        .add_feed(FeedRecord::new(url.clone(), "Partner Relief Network"))
        .unwrap()
        .unwrap();
    let poll = |entries: &[Item]| {
        feeds.set("/a.xml", rss(entries), "application/rss+xml");
        solibot::poll::poll_feed(&shared, feed.id)
    };
    let push = |entries: &[Item]| {
        let doc = rss(entries);
        let (shared, url) = (&shared, url.clone());
        async move {
            solibot::poll::take_pushed(shared, feed.id, doc.as_bytes(), &url)
                .await
                .unwrap()
        }
    };
    // The backlog is taken first, as at /addfeed.
    poll(&[news(1)]).await.unwrap();
    for n in 0..9 {
        assert!(
            shared
                .store
                .record_feedback(&wrong_mark(feed.id, n))
                .await
                .unwrap()
        );
    }
    let [first, second, third] = items;
    let polled = poll(&[first.clone(), news(1)]).await.unwrap();
    assert_eq!(
        (polled.new_entries, polled.alerts),
        (1, 0),
        "a poll, raised by 0.15"
    );
    let pushed = push(&[second.clone(), first.clone(), news(1)]).await;
    assert_eq!(
        (pushed.new_entries, pushed.alerts),
        (1, 0),
        "a push, raised by 0.15"
    );

    // Reset (as /trust does): the feed's next borderline appeal alerts.
    solibot::feedback::reset_feedback_threshold(&shared.store, feed.id).unwrap();
    let after = push(&[third, second, first, news(1)]).await;
    assert_eq!(
        (after.new_entries, after.alerts),
        (1, 1),
        "the detector's threshold"
    );
}
