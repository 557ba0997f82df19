//! The spine, end to end in-process: subscribe, add a feed, alerts reach subscribers once.

use crate::harness::*;
use crate::support::feed_server::{FeedServer, Item};
use crate::support::telegram::{Chat, FakeTelegram, MemberStatus};

fn rss(items: &[Item]) -> String {
    FeedServer::rss("Partner Relief Network", items)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_add_feed_and_alert_each_subscriber_exactly_once() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    feeds.set(
        "/feed.xml",
        rss(&[appeal(1), news(1)]),
        "application/rss+xml",
    );
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;

    // getMe and setMyCommands happened at start.
    assert!(!tg.calls_of("getMe").is_empty());
    assert!(tg.commands().iter().any(|c| c.command == "addfeed"));

    let subscribers = [1001, 1002, 1003];
    for id in subscribers {
        let r = command(&tg, id, "/start").await;
        assert!(r.contains("Subscribed") && r.contains("/stop"), "{r}");
    }
    let r = command(
        &tg,
        ADMIN,
        &format!("/addfeed {} #Relief Partner Relief", feeds.url("/feed.xml")),
    )
    .await;
    assert!(r.starts_with("Added feed"), "{r}");
    assert!(
        r.contains("Latest appeal"),
        "the preview of the latest appeal: {r}"
    );

    // The backlog is not broadcast: two later polls found nothing new to send.
    polls_pass(&feeds, "/feed.xml", 2).await;
    for id in subscribers {
        assert_eq!(tg.sent_to(id).len(), 1, "only the /start reply for {id}");
    }

    // A new appeal and a new news entry: the appeal reaches everyone once, the news nobody.
    feeds.set(
        "/feed.xml",
        rss(&[appeal(2), news(2), appeal(1), news(1)]),
        "application/rss+xml",
    );
    for id in subscribers {
        assert!(
            tg.wait_until(|s| s.sent_to(id).len() >= 2, WAIT).await,
            "alert reaches {id}"
        );
    }
    polls_pass(&feeds, "/feed.xml", 2).await;
    for id in subscribers {
        let sent = tg.sent_to(id);
        assert_eq!(sent.len(), 2, "exactly one alert for {id}");
        let alert = &sent[1];
        assert_eq!(alert.parse_mode.as_deref(), Some("HTML"));
        assert!(alert.link_preview_disabled);
        assert!(
            alert
                .visible_text
                .contains("free the detained aid workers (2)")
        );
        assert!(
            alert.visible_text.contains("#FreeAidWorkers")
                || alert.visible_text.contains("#Relief")
        );
        assert!(!alert.visible_text.contains("school repairs"));
        assert!(!alert.button_urls().is_empty(), "action buttons");
    }
    assert!(tg.render_errors().is_empty());

    // /stop forgets the chat: the next alert skips it.
    let r = command(&tg, 1003, "/stop").await;
    assert!(r.contains("Unsubscribed"), "{r}");
    feeds.set(
        "/feed.xml",
        rss(&[appeal(3), appeal(2), news(2)]),
        "application/rss+xml",
    );
    for id in [1001, 1002] {
        assert!(tg.wait_until(|s| s.sent_to(id).len() >= 3, WAIT).await);
    }
    polls_pass(&feeds, "/feed.xml", 2).await;
    assert_eq!(
        tg.sent_to(1003).len(),
        3,
        "start reply, one alert, stop reply"
    );
    bot.stop().await;

    // A restart on the same data sends nothing again. The server forgets its validators,
    // so the bot's remembered ETag cannot earn a 304: every poll gets the whole feed and
    // only the stored seen set keeps its entries from being alerted again.
    feeds.set_validators("/feed.xml", false, false);
    let before = tg.sent().len();
    let not_modified = feeds.not_modified_count("/feed.xml");
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    polls_pass(&feeds, "/feed.xml", 3).await;
    assert_eq!(
        feeds.not_modified_count("/feed.xml"),
        not_modified,
        "the polls after restart were answered with the full feed"
    );
    assert_eq!(tg.sent().len(), before, "nothing re-sent after restart");

    // The restarted poller does read those answers: a new appeal still gets through.
    feeds.set(
        "/feed.xml",
        rss(&[appeal(4), appeal(3), appeal(2), news(2)]),
        "application/rss+xml",
    );
    for id in [1001, 1002] {
        assert!(
            tg.wait_until(|s| s.sent_to(id).len() >= 4, WAIT).await,
            "the new appeal reaches {id} after restart"
        );
    }
    polls_pass(&feeds, "/feed.xml", 2).await;
    for id in [1001, 1002] {
        assert_eq!(
            tg.sent_to(id).len(),
            4,
            "one alert for the new appeal to {id}"
        );
    }
    bot.stop().await;
}

/// `appeal(n)` republished under another guid: same link, title and content.
fn reguid(item: Item) -> Item {
    Item {
        guid: format!("{}-republished", item.guid),
        ..item
    }
}

/// ARCHITECTURE.md: "The same link and title under a new guid is the same entry (a second
/// 'republish' key)". A partner's CMS that rewrites every guid (a migration, a plugin)
/// while a restart also threw away the feed's validators: the full feed comes back with
/// every id new, and only the stored republish keys keep it from being alerted again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_with_every_guid_rewritten_sends_nothing_again() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    feeds.set(
        "/feed.xml",
        rss(&[appeal(1), news(1)]),
        "application/rss+xml",
    );
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    command(&tg, 1001, "/start").await;
    let r = command(&tg, ADMIN, &format!("/addfeed {}", feeds.url("/feed.xml"))).await;
    assert!(r.starts_with("Added feed"), "{r}");
    // appeal(2) is alerted live, appeal(1) and news(1) were the backlog: both ways of
    // becoming seen are covered below.
    feeds.set(
        "/feed.xml",
        rss(&[appeal(2), appeal(1), news(1)]),
        "application/rss+xml",
    );
    assert!(
        tg.wait_until(|s| s.sent_to(1001).len() >= 2, WAIT).await,
        "the live appeal is alerted"
    );
    polls_pass(&feeds, "/feed.xml", 2).await;
    assert_eq!(tg.sent_to(1001).len(), 2, "start reply and one alert");
    bot.stop().await;

    // Every guid rewritten, and no validators: each poll after restart reads all of it.
    feeds.set_validators("/feed.xml", false, false);
    feeds.set(
        "/feed.xml",
        rss(&[reguid(appeal(2)), reguid(appeal(1)), reguid(news(1))]),
        "application/rss+xml",
    );
    let not_modified = feeds.not_modified_count("/feed.xml");
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    polls_pass(&feeds, "/feed.xml", 3).await;
    assert_eq!(
        feeds.not_modified_count("/feed.xml"),
        not_modified,
        "the polls after restart were answered with the full feed"
    );
    assert_eq!(
        tg.sent_to(1001).len(),
        2,
        "republished entries are not alerted again: {:?}",
        tg.sent_to(1001).last().map(|m| &m.visible_text)
    );

    // Control: a genuinely new appeal in the same feed is alerted once.
    feeds.set(
        "/feed.xml",
        rss(&[
            appeal(3),
            reguid(appeal(2)),
            reguid(appeal(1)),
            reguid(news(1)),
        ]),
        "application/rss+xml",
    );
    assert!(
        tg.wait_until(|s| s.sent_to(1001).len() >= 3, WAIT).await,
        "the new appeal is alerted after restart"
    );
    polls_pass(&feeds, "/feed.xml", 2).await;
    let sent = tg.sent_to(1001);
    assert_eq!(sent.len(), 3, "one alert for the new appeal");
    assert!(
        sent[2].visible_text.contains("aid workers (3)"),
        "{}",
        sent[2].visible_text
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permissions_and_replies_to_everything() {
    let tg = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;

    let stranger = 2001;
    let r = command(&tg, stranger, "/addfeed https://partner.example/feed").await;
    assert!(r.contains("organizers only"), "{r}");
    let r = command(&tg, stranger, "/grant 2002").await;
    assert!(r.contains("admins only"), "{r}");
    let r = command(&tg, stranger, "/frobnicate").await;
    assert!(r.contains("Unknown command"), "{r}");
    let r = command(&tg, stranger, "hello there").await;
    assert!(r.contains("/help"), "{r}");
    let r = command(&tg, stranger, &format!("/addfeed {}", "x".repeat(10_000))).await;
    assert!(r.contains("organizers only"), "{r}");
    let r = command(&tg, stranger, "/help").await;
    assert!(r.contains("/start") && !r.contains("/addfeed"), "{r}");

    let r = command(&tg, ADMIN, &format!("/grant {stranger}")).await;
    assert!(r.contains("is now an organizer"), "{r}");
    let r = command(&tg, stranger, "/addfeed").await;
    assert!(r.starts_with("Not added"), "{r}");
    let r = command(&tg, stranger, "/stats").await;
    assert!(r.contains("Subscribers"), "{r}");
    let r = command(&tg, ADMIN, &format!("/revoke {stranger}")).await;
    assert!(r.contains("no longer"), "{r}");
    let r = command(&tg, stranger, "/stats").await;
    assert!(r.contains("organizers only"), "{r}");

    // In a group, /start is for the group's administrators.
    let group = Chat::group(-4_001, "Solidarity circle");
    tg.set_member_status(-4_001, 3001, MemberStatus::Member);
    tg.set_member_status(-4_001, 3002, MemberStatus::Administrator);
    tg.push_message(group.clone(), user(3001), "/start");
    assert!(tg.wait_until(|s| !s.sent_to(-4_001).is_empty(), WAIT).await);
    assert!(
        tg.sent_to(-4_001)[0]
            .visible_text
            .contains("administrators")
    );
    tg.push_message(
        group,
        user(3002),
        "/start@"
            .to_string()
            .as_str()
            .to_owned()
            .replace("@", &format!("@{}", tg.bot_username()))
            .as_str(),
    );
    assert!(tg.wait_until(|s| s.sent_to(-4_001).len() >= 2, WAIT).await);
    assert!(tg.sent_to(-4_001)[1].visible_text.contains("Subscribed"));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn addfeed_refuses_with_the_reason() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    feeds.set(
        "/page.html",
        "<!doctype html><html><body><p>Welcome</p></body></html>",
        "text/html",
    );
    feeds.set(
        "/garbage",
        "\u{1}\u{2} this is not a feed {{{",
        "text/plain",
    );
    feeds.set("/feed.xml", rss(&[news(1)]), "application/rss+xml");
    feeds.set(
        "/huge.xml",
        format!(
            "<rss version=\"2.0\"><channel><title>x</title>{}</channel></rss>",
            "<item><title>a</title></item>".repeat(250_000)
        ),
        "application/rss+xml",
    );
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;

    let cases = [
        (feeds.url("/page.html"), "not a feed"),
        (feeds.url("/missing.xml"), "HTTP 404"),
        (feeds.url("/garbage"), "not a feed"),
        (feeds.url("/huge.xml"), "larger than"),
        (
            "ftp://partner.example/feed".to_string(),
            "not a valid feed URL",
        ),
        ("not-a-url".to_string(), "not a valid feed URL"),
        ("http://127.0.0.1:9/feed".to_string(), "unreachable"),
    ];
    for (url, why) in &cases {
        let r = command(&tg, ADMIN, &format!("/addfeed {url}")).await;
        assert!(r.starts_with("Not added") && r.contains(why), "{url}: {r}");
    }
    let r = command(&tg, ADMIN, &format!("/addfeed {}", feeds.url("/feed.xml"))).await;
    assert!(r.starts_with("Added feed"), "{r}");
    let r = command(&tg, ADMIN, &format!("/addfeed {}", feeds.url("/feed.xml"))).await;
    assert!(r.contains("already added"), "{r}");
    bot.stop().await;

    // With private addresses not allowed, a feed on 127.0.0.1 is refused as blocked.
    let dir = tempfile::tempdir().unwrap();
    let bot = Running::start(
        config(&tg, dir.path(), &[("SOLIBOT_ALLOW_PRIVATE", "0")]),
        &tg,
    )
    .await;
    let r = command(&tg, ADMIN, &format!("/addfeed {}", feeds.url("/feed.xml"))).await;
    assert!(r.starts_with("Not added") && r.contains("blocked"), "{r}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_titles_and_content_still_give_a_valid_message() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    feeds.set("/feed.xml", rss(&[news(1)]), "application/rss+xml");
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    command(&tg, 1001, "/start").await;
    let r = command(
        &tg,
        ADMIN,
        &format!("/addfeed {} mode=all Hostile <b>&", feeds.url("/feed.xml")),
    )
    .await;
    assert!(r.starts_with("Added feed"), "{r}");

    let long = "Sign the petition now. ".repeat(500);
    let items = vec![
        Item::new(
            "h1",
            "Donate & <share> \"now\" </b><i> & > <",
            "https://partner.example/h1",
            "<p>Please <b>donate <i>now</b> & share</p><script>alert(1)</script><a href=\"javascript:alert(1)\">x</a> <a href=\"https://www.gofundme.com/f/x\">Donate</a>",
        ),
        Item::new(
            "h2",
            &format!("Sign {}", "long title ".repeat(2000)),
            "https://partner.example/h2",
            &long,
        ),
        Item::new(
            "h3",
            "\u{202E}Reversed\u{202C} title\u{0007} with controls",
            "https://partner.example/h3",
            "<p>Join the vigil on Friday.</p>",
        ),
        news(1),
    ];
    feeds.set("/feed.xml", rss(&items), "application/rss+xml");
    assert!(
        tg.wait_until(|s| s.sent_to(1001).len() >= 4, WAIT).await,
        "three alerts arrive"
    );
    assert!(tg.render_errors().is_empty(), "{:?}", tg.render_errors());
    for m in tg.sent_to(1001).iter().skip(1) {
        assert!(m.visible_text.chars().count() <= 4096);
        assert!(!m.visible_text.contains('\u{202E}'));
    }
    bot.stop().await;
}
