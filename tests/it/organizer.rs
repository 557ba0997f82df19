//! Organizer and subscriber tools against the fake Bot API and the local feed server:
//! OPML in and out (bot and command line), feed editing and health, polite polling with
//! failure notices, subscriber choices, channels and forum topics, replies in English,
//! Arabic and French, and /stats.

use crate::harness::*;
use crate::support::feed_server::{FeedServer, Item};
use crate::support::telegram::{
    Chat, FakeTelegram, MemberStatus, TelegramState, User, channel_id, supergroup_id,
};
use std::time::Duration;

const ORGANIZER: i64 = 90_002;
const RLM: char = '\u{200F}';

fn rss(title: &str, items: &[Item]) -> String {
    FeedServer::rss(title, items)
}

/// A donation appeal in English.
fn donate(n: u32) -> Item {
    Item::new(
        &format!("donate-{n}"),
        &format!("Winter emergency: donate blankets and fuel for displaced families ({n})"),
        &format!("https://partner.example/donate/{n}"),
        &format!(
            "<p>Please donate today to our winter emergency appeal. Every gift buys blankets and \
             heating fuel for displaced families in the camps near Idlib. \
             <a href=\"https://www.gofundme.com/f/winter-blankets-{n}\">Donate now</a>.</p>"
        ),
    )
}

/// A petition in French.
fn petition_fr(n: u32) -> Item {
    Item::new(
        &format!("fr-{n}"),
        &format!("Signez la pétition : libérez les humanitaires détenus ({n})"),
        &format!("https://partner.example/fr/{n}"),
        &format!(
            "<p>Signez notre pétition dès aujourd'hui et demandez au ministre des Affaires \
             étrangères d'exiger la libération des douze travailleurs humanitaires détenus. \
             <a href=\"https://www.change.org/p/liberez-les-humanitaires-{n}\">Signer la pétition</a>.</p>"
        ),
    )
}

/// Sends `text` from `from` in their private chat and returns the reply.
async fn say(tg: &FakeTelegram, from: User, text: &str) -> String {
    let chat = Chat::private_of(&from);
    said_in(tg, chat, from, text).await
}

/// Sends `text` from `from` in `chat` and returns the next message the bot sends there.
async fn said_in(tg: &FakeTelegram, chat: Chat, from: User, text: &str) -> String {
    let id = chat.id;
    let before = tg.sent_to(id).len();
    tg.push_message(chat, from, text);
    assert!(
        tg.wait_until(|s| s.sent_to(id).len() > before, WAIT).await,
        "a reply to {text:?}"
    );
    tg.sent_to(id)[before].visible_text.clone()
}

/// Waits until `chat` got `n` messages, then a little more, and returns them.
async fn settled(
    tg: &FakeTelegram,
    feeds: &FeedServer,
    path: &str,
    chat: i64,
    n: usize,
) -> Vec<String> {
    assert!(
        tg.wait_until(|s| s.sent_to(chat).len() >= n, WAIT).await,
        "{chat} gets {n} messages, has {:?}",
        tg.sent_to(chat)
            .iter()
            .map(|m| m.visible_text.clone())
            .collect::<Vec<_>>()
    );
    polls_pass(feeds, path, 2).await;
    tg.sent_to(chat)
        .iter()
        .map(|m| m.visible_text.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opml_export_then_import_by_reply_and_by_caption_with_one_summary() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    feeds.set("/a.xml", rss("Relief A", &[news(1)]), "application/rss+xml");
    feeds.set(
        "/b.xml",
        rss("Relief B", &[appeal(1)]),
        "application/rss+xml",
    );
    feeds.set("/c.xml", rss("Relief C", &[news(2)]), "application/rss+xml");
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    let admin = user(ADMIN);

    let r = say(
        &tg,
        admin.clone(),
        &format!(
            "/addfeed {} #Syria #Aid mode=all Camp Water Alliance",
            feeds.url("/a.xml")
        ),
    )
    .await;
    added_id(&r);
    let r = say(
        &tg,
        admin.clone(),
        &format!("/addfeed {}", feeds.url("/b.xml")),
    )
    .await;
    added_id(&r);

    // /export sends an OPML 2.0 file with names, hashtags and modes.
    tg.push_message(Chat::private(ADMIN), admin.clone(), "/export");
    assert!(
        tg.wait_until(|s| !s.documents.is_empty(), WAIT).await,
        "a document"
    );
    let docs = tg.documents_sent();
    assert_eq!(docs.len(), 1);
    let opml = String::from_utf8(docs[0].bytes.clone()).unwrap();
    assert!(opml.contains("<opml version=\"2.0\">"), "{opml}");
    assert!(
        opml.contains("Camp Water Alliance")
            && opml.contains("#Syria,#Aid")
            && opml.contains("solibotMode=\"all\""),
        "{opml}"
    );
    assert!(opml.contains(&feeds.url("/b.xml")));
    assert_eq!(docs[0].caption.as_deref(), Some("2 feeds"));
    assert_eq!(docs[0].chat_id, ADMIN);

    // Import into a fresh bot: reply "/import" to the file.
    bot.stop().await;
    let dir2 = tempfile::tempdir().unwrap();
    let bot = Running::start(config(&tg, dir2.path(), &[]), &tg).await;
    let mut list = opml.replace(
        "  </body>",
        &format!(
            "    <outline text=\"Gone\" xmlUrl=\"{}\"/>\n    <outline text=\"Not a feed\" xmlUrl=\"ftp://partner.example/x\"/>\n  </body>",
            feeds.url("/missing.xml")
        ),
    );
    let chat = Chat::private(ADMIN);
    let before = tg.sent_to(ADMIN).len();
    let file_msg = tg.push_document(
        chat.clone(),
        admin.clone(),
        "partners.opml",
        list.clone().into_bytes(),
        None,
    );
    // A file alone is not a command: the bot says what it understands.
    assert!(
        tg.wait_until(|s| s.sent_to(ADMIN).len() > before, WAIT)
            .await
    );
    assert!(tg.sent_to(ADMIN)[before].visible_text.contains("/help"));
    let before = tg.sent_to(ADMIN).len();
    tg.push_reply(chat.clone(), admin.clone(), "/import", file_msg);
    let import = tg.with_state(|s| s.last_update_id);
    handled(&tg, import).await;
    let replies = tg.sent_to(ADMIN);
    assert_eq!(replies.len(), before + 1, "one summary");
    let summary = &replies[before].visible_text;
    assert!(
        summary.starts_with("Import: 2 added, 0 already there, 2 refused."),
        "{summary}"
    );
    assert!(summary.contains("Camp Water Alliance"), "{summary}");
    assert!(
        summary.contains("/missing.xml") && summary.contains("HTTP 404"),
        "{summary}"
    );
    assert!(
        summary.contains("ftp://partner.example/x") && summary.contains("not a valid feed URL"),
        "{summary}"
    );
    let r = say(&tg, admin.clone(), "/feeds").await;
    assert!(
        r.contains("Camp Water Alliance #Syria #Aid") && r.contains("mode all"),
        "names, hashtags and mode survive: {r}"
    );

    // The same list again as a caption, plus one new feed: the old ones are skipped.
    list = list.replace(
        "  </body>",
        &format!(
            "    <outline text=\"Relief C\" xmlUrl=\"{}\"/>\n  </body>",
            feeds.url("/c.xml")
        ),
    );
    let before = tg.sent_to(ADMIN).len();
    tg.push_document(
        chat.clone(),
        admin.clone(),
        "partners.opml",
        list.into_bytes(),
        Some("/import"),
    );
    assert!(
        tg.wait_until(|s| s.sent_to(ADMIN).len() > before, WAIT)
            .await
    );
    let summary = tg.sent_to(ADMIN)[before].visible_text.clone();
    assert!(
        summary.starts_with("Import: 1 added, 2 already there, 2 refused."),
        "{summary}"
    );

    // Refusals: no file, not OPML, not an organizer.
    let r = say(&tg, admin.clone(), "/import").await;
    assert!(r.contains("Reply to an OPML file"), "{r}");
    let before = tg.sent_to(ADMIN).len();
    tg.push_document(
        chat,
        admin.clone(),
        "notes.txt",
        b"just some notes".to_vec(),
        Some("/import"),
    );
    assert!(
        tg.wait_until(|s| s.sent_to(ADMIN).len() > before, WAIT)
            .await
    );
    assert!(
        tg.sent_to(ADMIN)[before]
            .visible_text
            .contains("not an OPML file")
    );
    let stranger = user(7001);
    let r = say(&tg, stranger, "/export").await;
    assert!(r.contains("organizers only"), "{r}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_command_line_exports_and_imports_offline() {
    let feeds = FeedServer::start().await;
    feeds.set("/a.xml", rss("Relief A", &[news(1)]), "application/rss+xml");
    feeds.set(
        "/b.xml",
        rss("Relief B", &[appeal(1)]),
        "application/rss+xml",
    );
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let cfg = dir.path().join("solibot.toml");
    std::fs::write(
        &cfg,
        format!(
            "[storage]\npath = \"{}\"\n[fetch]\nallow_private_addresses = true\n",
            db.display()
        ),
    )
    .unwrap();
    let opml = format!(
        "<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><head><title>x</title></head><body>\n\
         <outline text=\"Partners\">\n\
         <outline text=\"Relief A\" xmlUrl=\"{}\" category=\"#Syria\" solibotMode=\"all\"/>\n\
         <outline text=\"Relief B\" xmlUrl=\"{}\"/>\n\
         <outline text=\"Gone\" xmlUrl=\"{}\"/>\n\
         </outline></body></opml>\n",
        feeds.url("/a.xml"),
        feeds.url("/b.xml"),
        feeds.url("/gone.xml")
    );
    let list = dir.path().join("in.opml");
    std::fs::write(&list, &opml).unwrap();
    let solibot = |args: &[&str]| Launch::command(args).output(WAIT);
    let cfg_s = cfg.display().to_string();
    let out = solibot(&[
        "feeds",
        "import",
        list.to_str().unwrap(),
        "--config",
        &cfg_s,
    ])
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("Import: 2 added, 0 already there, 1 refused."),
        "{stdout}"
    );
    assert!(stdout.contains("HTTP 404"), "{stdout}");
    assert_eq!(
        feeds.requests("/a.xml"),
        1,
        "each feed is fetched to check it"
    );

    // Again: nothing new.
    let out = solibot(&[
        "feeds",
        "import",
        list.to_str().unwrap(),
        "--config",
        &cfg_s,
    ])
    .await;
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .starts_with("Import: 0 added, 2 already there, 1 refused.")
    );

    let exported = dir.path().join("out.opml");
    let out = solibot(&[
        "feeds",
        "export",
        exported.to_str().unwrap(),
        "--config",
        &cfg_s,
    ])
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Exported 2 feeds"));
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(
        text.contains("Relief A")
            && text.contains("category=\"#Syria\"")
            && text.contains("solibotMode=\"all\""),
        "{text}"
    );
    assert!(
        text.contains(&feeds.url("/b.xml")) && !text.contains("gone.xml"),
        "{text}"
    );

    // Standard output, and a file that is not OPML.
    let out = solibot(&["feeds", "export", "-", "--config", &cfg_s]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("<opml version=\"2.0\">"));
    let junk = dir.path().join("junk.txt");
    std::fs::write(&junk, "not xml at all").unwrap();
    let out = solibot(&[
        "feeds",
        "import",
        junk.to_str().unwrap(),
        "--config",
        &cfg_s,
    ])
    .await;
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: "));

    // The bot then runs on that database with the imported feeds.
    let tg = FakeTelegram::start().await;
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    let r = command(&tg, 7002, "/feeds").await;
    assert!(
        r.starts_with("2 partner feeds") && r.contains("Relief A #Syria"),
        "{r}"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editfeed_changes_hashtags_mode_and_name_and_feeds_shows_health() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    feeds.set(
        "/feed.xml",
        rss("Partner Relief Network", &[news(1), appeal(1)]),
        "application/rss+xml",
    );
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    command(&tg, ADMIN, &format!("/grant {ORGANIZER}")).await;
    command(&tg, 1001, "/start").await;
    let r = command(
        &tg,
        ORGANIZER,
        &format!("/addfeed {} #Relief", feeds.url("/feed.xml")),
    )
    .await;
    let id = added_id(&r);
    // An organizer's feed starts under review (tests/it/review.rs); trusted, it alerts.
    command(&tg, ADMIN, &format!("/trust {id}")).await;

    let r = command(
        &tg,
        ORGANIZER,
        &format!("/editfeed {id} #Aleppo #Idlib mode=all name=Aleppo Relief Desk"),
    )
    .await;
    assert!(
        r.starts_with(&format!("Feed {id} changed: Aleppo Relief Desk")),
        "{r}"
    );
    assert!(
        r.contains("#Aleppo #Idlib") && r.contains("mode all"),
        "{r}"
    );

    // Mode all: a news entry now reaches subscribers too.
    feeds.set(
        "/feed.xml",
        rss("Partner Relief Network", &[news(2), news(1), appeal(1)]),
        "application/rss+xml",
    );
    let got = settled(&tg, &feeds, "/feed.xml", 1001, 2).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got[1].contains("school repairs in the north (2)"),
        "{got:?}"
    );

    // Health for organizers; not for everyone.
    let r = command(&tg, ORGANIZER, "/feeds").await;
    assert!(
        r.contains(&format!("{id}. Aleppo Relief Desk #Aleppo #Idlib")),
        "{r}"
    );
    assert!(
        r.contains(&feeds.url("/feed.xml")) && r.contains("mode all"),
        "{r}"
    );
    assert!(r.contains("last success: ") && r.contains("s ago"), "{r}");
    assert!(
        r.contains("entries seen: 3") && r.contains("appeals: 1"),
        "{r}"
    );
    let r = command(&tg, 1001, "/feeds").await;
    assert!(
        r.contains("Aleppo Relief Desk") && !r.contains("entries seen") && !r.contains("/feed.xml"),
        "{r}"
    );

    // A failing feed shows its error.
    feeds.set_raw_response("/feed.xml", 503, &[("content-type", "text/plain")], "down");
    let before = feeds.requests("/feed.xml");
    assert!(feeds.wait_requests("/feed.xml", before + 1, WAIT).await);
    // The next request comes after the failed poll was recorded.
    polls_pass(&feeds, "/feed.xml", 1).await;
    let r = command(&tg, ORGANIZER, "/feeds").await;
    assert!(
        r.contains("failing (") && r.contains("in a row") && r.contains("503"),
        "{r}"
    );

    // Refusals, each with its reason.
    for (args, why) in [
        ("", "give the feed's id"),
        ("999 name=X", "No feed 999"),
        (&format!("{id}") as &str, "nothing to change"),
        (&format!("{id} bogus"), "do not understand bogus"),
        (&format!("{id} mode=some"), "unknown mode some"),
    ] {
        let r = command(&tg, ORGANIZER, &format!("/editfeed {args}")).await;
        assert!(r.contains(why), "/editfeed {args}: {r}");
    }
    let r = command(&tg, 1001, &format!("/editfeed {id} name=Mine")).await;
    assert!(r.contains("organizers only"), "{r}");
    let r = command(&tg, ORGANIZER, &format!("/editfeed {id} tags=none")).await;
    assert!(
        r.contains("hashtags: ·") || r.contains("hashtags:  ·"),
        "{r}"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_feed_backs_off_and_organizers_are_told_once_then_once_on_recovery() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    feeds.set(
        "/feed.xml",
        rss("Partner Relief Network", &[news(1)]),
        "application/rss+xml",
    );
    let bot = Running::start(
        config(&tg, dir.path(), &[("SOLIBOT_FAILURE_NOTICE_AFTER", "2s")]),
        &tg,
    )
    .await;
    command(&tg, ADMIN, &format!("/grant {ORGANIZER}")).await;
    let r = command(
        &tg,
        ADMIN,
        &format!("/addfeed {} Camp Water", feeds.url("/feed.xml")),
    )
    .await;
    let id = added_id(&r);
    // Healthy: polled about every second (the gaps between requests, as the feed
    // server recorded them).
    let gaps = |from: usize, n: usize| -> Vec<Duration> {
        let times = feeds.request_times("/feed.xml");
        times[from..from + n + 1]
            .windows(2)
            .map(|w| w[1].duration_since(w[0]))
            .collect()
    };
    let start = feeds.requests("/feed.xml");
    polls_pass(&feeds, "/feed.xml", 3).await;
    let healthy = gaps(start, 2);
    assert!(
        healthy.iter().all(|g| *g < Duration::from_millis(2500)),
        "polled every second while healthy: {healthy:?}"
    );

    // Failing: 2 s, 4 s, 8 s between polls (the interval doubled per failure; the
    // schedule counts whole seconds, so each gap may be a second off).
    feeds.set_raw_response("/feed.xml", 500, &[("content-type", "text/plain")], "boom");
    let at_switch = feeds.requests("/feed.xml");
    assert!(
        feeds
            .wait_requests("/feed.xml", at_switch + 4, Duration::from_secs(40))
            .await,
        "the failing feed is still polled"
    );
    let failing = gaps(at_switch, 3);
    let total: Duration = failing.iter().sum();
    assert!(
        failing[2] >= Duration::from_secs(6) && total >= Duration::from_secs(10),
        "backed off (2 s, 4 s, 8 s; 1 s each without): {failing:?}"
    );

    // Told once, both the admin and the organizer.
    fn count(s: &TelegramState, chat: i64, what: &str) -> usize {
        s.sent_to(chat)
            .iter()
            .filter(|m| m.visible_text.contains(what))
            .count()
    }
    let notices = |chat: i64, what: &str| tg.with_state(|s| count(s, chat, what));
    for chat in [ADMIN, ORGANIZER] {
        assert!(
            tg.wait_until(|s| count(s, chat, "has been failing") >= 1, WAIT)
                .await,
            "{chat} is told"
        );
        assert_eq!(notices(chat, "has been failing"), 1, "told once");
        let text = tg
            .sent_to(chat)
            .into_iter()
            .find(|m| m.visible_text.contains("has been failing"))
            .unwrap();
        assert!(
            text.visible_text
                .contains(&format!("Feed {id} (Camp Water)"))
                && text.visible_text.contains("500"),
            "{}",
            text.visible_text
        );
        assert!(text.parse_mode.is_none(), "plain text");
    }
    assert_eq!(notices(1001, "has been failing"), 0);

    // Recovers: told once.
    feeds.set(
        "/feed.xml",
        rss("Partner Relief Network", &[news(1)]),
        "application/rss+xml",
    );
    for chat in [ADMIN, ORGANIZER] {
        assert!(
            tg.wait_until(
                |s| count(s, chat, "works again, after") >= 1,
                Duration::from_secs(30)
            )
            .await,
            "{chat} is told of the recovery"
        );
    }
    polls_pass(&feeds, "/feed.xml", 2).await;
    for chat in [ADMIN, ORGANIZER] {
        assert_eq!(notices(chat, "works again, after"), 1);
        assert_eq!(notices(chat, "has been failing"), 1);
    }
    let r = command(&tg, ADMIN, "/feeds").await;
    assert!(!r.contains("failing ("), "healthy again: {r}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_redirect_updates_the_stored_url() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    feeds.set(
        "/old.xml",
        rss("Partner Relief Network", &[appeal(1)]),
        "application/rss+xml",
    );
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    command(&tg, 1001, "/start").await;
    let r = command(&tg, ADMIN, &format!("/addfeed {}", feeds.url("/old.xml"))).await;
    added_id(&r);

    feeds.set(
        "/new.xml",
        rss("Partner Relief Network", &[appeal(2), appeal(1)]),
        "application/rss+xml",
    );
    feeds.redirect("/old.xml", &feeds.url("/new.xml"), 301);
    let got = settled(&tg, &feeds, "/new.xml", 1001, 2).await;
    assert_eq!(got.len(), 2, "the new appeal, once: {got:?}");
    let old_requests = feeds.requests("/old.xml");
    let new_requests = feeds.requests("/new.xml");
    polls_pass(&feeds, "/new.xml", 2).await;
    assert_eq!(
        feeds.requests("/old.xml"),
        old_requests,
        "the old URL is not asked again"
    );
    assert!(feeds.requests("/new.xml") > new_requests);
    let r = command(&tg, ADMIN, "/feeds").await;
    assert!(
        r.contains(&feeds.url("/new.xml")) && !r.contains("/old.xml"),
        "{r}"
    );
    bot.stop().await;
}

#[allow(
    clippy::too_many_lines,
    reason = "one scenario against one running bot: each choice, then the alerts it lets through"
)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriber_choices_decide_which_alerts_a_chat_gets() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    feeds.set(
        "/one.xml",
        rss("Partner One", &[news(1)]),
        "application/rss+xml",
    );
    feeds.set(
        "/two.xml",
        rss("Partner Two", &[news(2)]),
        "application/rss+xml",
    );
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    let one = added_id(
        &command(
            &tg,
            ADMIN,
            &format!("/addfeed {} Partner One", feeds.url("/one.xml")),
        )
        .await,
    );
    let two = added_id(
        &command(
            &tg,
            ADMIN,
            &format!("/addfeed {} #Aleppo Partner Two", feeds.url("/two.xml")),
        )
        .await,
    );

    // Refusals first: not subscribed, bad items, bad durations.
    let r = command(&tg, 3001, "/follow 1").await;
    assert!(r.contains("not subscribed"), "{r}");
    let (all, by_feed, by_tag, by_kind, by_lang, muted) = (3001, 3002, 3003, 3004, 3005, 3006);
    for chat in [all, by_feed, by_tag, by_kind, by_lang, muted] {
        command(&tg, chat, "/start").await;
    }
    let r = command(&tg, by_feed, "/follow").await;
    assert!(r.contains("Say what to follow"), "{r}");
    let r = command(&tg, by_feed, "/follow bananas").await;
    assert!(r.contains("do not know what bananas is"), "{r}");
    let r = command(&tg, by_feed, "/follow 999").await;
    assert!(r.contains("no feed 999"), "{r}");
    let r = command(&tg, muted, "/mute forever").await;
    assert!(r.contains("/mute 2h"), "{r}");
    let r = command(&tg, muted, "/mute 90d").await;
    assert!(r.contains("too long"), "{r}");

    let r = command(&tg, by_feed, &format!("/follow {two}")).await;
    assert!(r.contains(&format!("Feeds: {two} (Partner Two)")), "{r}");
    let r = command(&tg, by_tag, "/follow #aleppo").await;
    assert!(r.contains("Hashtags: #aleppo"), "{r}");
    let r = command(&tg, by_kind, "/follow donate").await;
    assert!(r.contains("Actions: donate"), "{r}");
    let r = command(&tg, by_lang, "/follow fr").await;
    assert!(r.contains("Languages: fr"), "{r}");
    let r = command(&tg, muted, "/mute 2h").await;
    assert!(r.starts_with("Muted until ") && r.contains("UTC"), "{r}");
    let r = command(&tg, muted, "/settings").await;
    assert!(r.contains("Muted until") && r.contains("Feeds: any"), "{r}");
    let r = command(&tg, all, "/settings").await;
    assert!(
        r.contains("Feeds: any") && r.contains("Not muted") && r.contains("Bot language: English"),
        "{r}"
    );

    // Feed one: an English petition, then a French one; feed two: an English donation
    // appeal (the feed's hashtag is #Aleppo).
    feeds.set(
        "/one.xml",
        rss("Partner One", &[appeal(1), news(1)]),
        "application/rss+xml",
    );
    feeds.set(
        "/two.xml",
        rss("Partner Two", &[donate(1), news(2)]),
        "application/rss+xml",
    );
    fn html(s: &TelegramState, chat: i64) -> usize {
        s.sent_to(chat)
            .iter()
            .filter(|m| m.parse_mode.as_deref() == Some("HTML"))
            .count()
    }
    assert!(
        tg.wait_until(|s| html(s, all) >= 2, WAIT).await,
        "two alerts"
    );
    polls_pass(&feeds, "/one.xml", 2).await;
    polls_pass(&feeds, "/two.xml", 2).await;
    feeds.set(
        "/one.xml",
        rss("Partner One", &[petition_fr(1), appeal(1), news(1)]),
        "application/rss+xml",
    );
    assert!(
        tg.wait_until(|s| html(s, all) >= 3, WAIT).await,
        "three alerts"
    );
    polls_pass(&feeds, "/one.xml", 2).await;
    polls_pass(&feeds, "/two.xml", 2).await;
    let alerts = |chat: i64| -> Vec<String> {
        tg.sent_to(chat)
            .into_iter()
            .filter(|m| m.parse_mode.as_deref() == Some("HTML"))
            .map(|m| m.visible_text)
            .collect()
    };
    let has = |v: &[String], what: &str| v.iter().filter(|t| t.contains(what)).count();
    let sign = "free the detained aid workers (1)";
    let give = "donate blankets and fuel for displaced families (1)";
    let fr = "libérez les humanitaires détenus (1)";
    let a = alerts(all);
    assert_eq!(
        (has(&a, sign), has(&a, give), has(&a, fr)),
        (1, 1, 1),
        "everything: {a:?}"
    );
    let f = alerts(by_feed);
    assert_eq!(
        (has(&f, sign), has(&f, give), has(&f, fr)),
        (0, 1, 0),
        "feed two only: {f:?}"
    );
    let t = alerts(by_tag);
    assert_eq!(
        (has(&t, sign), has(&t, give), has(&t, fr)),
        (0, 1, 0),
        "#Aleppo only: {t:?}"
    );
    let k = alerts(by_kind);
    assert_eq!(
        (has(&k, sign), has(&k, give), has(&k, fr)),
        (0, 1, 0),
        "donations only: {k:?}"
    );
    let l = alerts(by_lang);
    assert_eq!(
        (has(&l, sign), has(&l, give), has(&l, fr)),
        (0, 0, 1),
        "French only: {l:?}"
    );
    assert!(alerts(muted).is_empty(), "muted: nothing");
    assert!(one != two);

    // Unmuted: the next alert arrives, the skipped ones do not. Unfollow all: everything.
    let r = command(&tg, muted, "/mute off").await;
    assert!(r.contains("on again"), "{r}");
    let r = command(&tg, by_lang, "/unfollow all").await;
    assert!(r.contains("Languages: any"), "{r}");
    let r = command(&tg, by_kind, "/unfollow donate").await;
    assert!(r.contains("Actions: any"), "{r}");
    feeds.set(
        "/one.xml",
        rss("Partner One", &[appeal(2), petition_fr(1), appeal(1)]),
        "application/rss+xml",
    );
    for chat in [muted, by_lang, by_kind] {
        assert!(
            tg.wait_until(
                |s| s
                    .sent_to(chat)
                    .iter()
                    .any(|m| m.visible_text.contains("aid workers (2)")),
                WAIT
            )
            .await,
            "{chat} gets the next alert"
        );
    }
    polls_pass(&feeds, "/one.xml", 2).await;
    let m = alerts(muted);
    assert_eq!(m.len(), 1, "only the alert after the mute: {m:?}");
    assert_eq!(has(&alerts(by_feed), "aid workers (2)"), 0);
    assert_eq!(has(&alerts(all), "aid workers (2)"), 1);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_are_attached_by_organizers_and_forum_topics_get_their_alerts() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    feeds.set(
        "/feed.xml",
        rss("Partner Relief Network", &[news(1)]),
        "application/rss+xml",
    );
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    command(&tg, ADMIN, &format!("/grant {ORGANIZER}")).await;

    let chan = channel_id(1);
    tg.add_chat(Chat::channel(chan, "Relief News").with_username("relief_news"));
    tg.set_member_status(chan, tg.bot_id(), MemberStatus::Administrator);
    tg.set_member_status(chan, ORGANIZER, MemberStatus::Creator);
    let idle = channel_id(2);
    tg.add_chat(Chat::channel(idle, "Bot is a member").with_username("member_only"));
    tg.set_member_status(idle, tg.bot_id(), MemberStatus::Member);
    tg.set_member_status(idle, ORGANIZER, MemberStatus::Creator);
    let group = supergroup_id(5);
    tg.add_chat(Chat::supergroup(group, "Circle", false).with_username("circle_group"));

    for (args, why) in [
        ("", "Give the channel"),
        ("@nobody_here", "cannot see that channel"),
        ("@circle_group", "is not a channel"),
        ("@member_only", "not an administrator of @member_only"),
    ] {
        let r = command(&tg, ORGANIZER, &format!("/addchannel {args}")).await;
        assert!(r.contains(why), "/addchannel {args}: {r}");
    }
    let r = command(&tg, 7003, "/addchannel @relief_news").await;
    assert!(r.contains("organizers only"), "{r}");
    tg.set_member_status(chan, 7004, MemberStatus::Member);
    command(&tg, ADMIN, "/grant 7004").await;
    let r = command(&tg, 7004, "/addchannel @relief_news").await;
    assert!(
        r.contains("You are not an administrator of @relief_news"),
        "{r}"
    );
    let r = command(&tg, ORGANIZER, "/addchannel @relief_news").await;
    assert!(
        r.contains("Channel @relief_news (Relief News") && r.contains("will get the alerts"),
        "{r}"
    );
    let r = command(&tg, ORGANIZER, &format!("/addchannel {chan}")).await;
    assert!(r.contains("already gets the alerts"), "{r}");

    // A forum topic: /start from an administrator inside topic 77.
    let forum = supergroup_id(6);
    let forum_chat = Chat::supergroup(forum, "Solidarity forum", true);
    tg.set_member_status(forum, 3101, MemberStatus::Administrator);
    let before = tg.sent_to(forum).len();
    tg.push_message_in_thread(forum_chat.clone(), user(3101), "/start", 77);
    assert!(
        tg.wait_until(|s| s.sent_to(forum).len() > before, WAIT)
            .await
    );
    let reply = tg.sent_to(forum)[before].clone();
    assert!(
        reply.visible_text.contains("Subscribed"),
        "{}",
        reply.visible_text
    );
    assert_eq!(reply.thread_id, Some(77), "the reply stays in the topic");

    command(&tg, ADMIN, &format!("/addfeed {}", feeds.url("/feed.xml"))).await;
    feeds.set(
        "/feed.xml",
        rss("Partner Relief Network", &[appeal(1), news(1)]),
        "application/rss+xml",
    );
    assert!(
        tg.wait_until(|s| !s.sent_to(chan).is_empty(), WAIT).await,
        "the channel gets the alert"
    );
    assert!(
        tg.wait_until(|s| s.sent_to(forum).len() > before + 1, WAIT)
            .await,
        "the topic gets the alert"
    );
    let alert = tg.sent_to(forum).last().cloned().unwrap();
    assert!(alert.visible_text.contains("aid workers (1)"));
    assert_eq!(alert.thread_id, Some(77), "the alert goes to the topic");
    assert!(tg.sent_to(chan)[0].visible_text.contains("aid workers (1)"));

    // Another topic's /start moves the destination.
    let r = said_in(&tg, forum_chat.clone(), user(3101), "/settings").await;
    assert!(r.contains("What this chat gets"), "{r}");
    let before = tg.sent_to(forum).len();
    tg.push_message_in_thread(forum_chat, user(3101), "/start", 88);
    assert!(
        tg.wait_until(|s| s.sent_to(forum).len() > before, WAIT)
            .await
    );
    assert!(
        tg.sent_to(forum)[before]
            .visible_text
            .contains("this topic")
    );

    let r = command(&tg, ORGANIZER, "/removechannel @relief_news").await;
    assert!(r.contains("no more alerts"), "{r}");
    let r = command(&tg, ORGANIZER, "/removechannel @relief_news").await;
    assert!(r.contains("is not a channel that gets alerts"), "{r}");
    feeds.set(
        "/feed.xml",
        rss("Partner Relief Network", &[appeal(2), appeal(1), news(1)]),
        "application/rss+xml",
    );
    assert!(
        tg.wait_until(
            |s| s
                .sent_to(forum)
                .iter()
                .any(|m| m.visible_text.contains("aid workers (2)")),
            WAIT
        )
        .await
    );
    assert_eq!(tg.sent_to(forum).last().unwrap().thread_id, Some(88));
    polls_pass(&feeds, "/feed.xml", 2).await;
    assert_eq!(
        tg.sent_to(chan).len(),
        1,
        "a removed channel gets nothing more"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_follow_the_users_language_and_the_language_command() {
    let tg = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;

    // The menu in three languages.
    let sets = tg.with_state(|s| s.command_sets.clone());
    for lang in [None, Some("ar"), Some("fr")] {
        let set = sets
            .iter()
            .find(|s| s.language_code.as_deref() == lang)
            .unwrap_or_else(|| panic!("commands for {lang:?}"));
        assert!(set.commands.iter().any(|c| c.command == "follow"));
        assert_eq!(set.commands.len(), sets[0].commands.len());
    }
    let desc = |lang: Option<&str>, cmd: &str| {
        sets.iter()
            .find(|s| s.language_code.as_deref() == lang)
            .and_then(|s| s.commands.iter().find(|c| c.command == cmd))
            .map(|c| c.description.clone())
            .unwrap_or_default()
    };
    assert!(desc(Some("ar"), "start").contains("اشترك"));
    assert!(desc(Some("fr"), "start").contains("Abonner"));

    let arab = User::new(4001, "Layla").lang("ar");
    let r = say(&tg, arab.clone(), "/start").await;
    assert!(r.starts_with(RLM), "right to left: {r:?}");
    assert!(r.contains("تم الاشتراك"), "{r}");
    assert!(
        r.contains("\u{2066}/stop\u{2069}"),
        "the command keeps its slash in front: {r:?}"
    );
    for line in r.lines().filter(|l| !l.trim().is_empty()) {
        assert!(line.starts_with(RLM), "{line:?}");
    }
    let r = say(&tg, arab.clone(), "/help").await;
    assert!(
        r.contains("الأوامر") && r.contains("/follow") && !r.contains("/addfeed"),
        "{r}"
    );
    let r = say(&tg, arab.clone(), "/frobnicate").await;
    assert!(
        r.contains("أمر غير معروف") && r.contains("/frobnicate"),
        "{r}"
    );
    let r = say(&tg, arab.clone(), "/addfeed https://x.example/f").await;
    assert!(r.contains("المنظِّمين"), "{r}");
    let r = say(&tg, arab.clone(), "hello").await;
    assert!(r.starts_with(RLM) && r.contains("/help"), "{r}");

    let french = User::new(4002, "Camille").lang("fr-FR");
    let r = say(&tg, french.clone(), "/start").await;
    assert!(r.starts_with("Abonné."), "{r}");
    let r = say(&tg, french.clone(), "/mute 1h").await;
    assert!(r.starts_with("En sourdine jusqu'au"), "{r}");
    let r = say(&tg, User::new(4003, "Sam").lang("de"), "/start").await;
    assert!(
        r.starts_with("Subscribed"),
        "other languages get English: {r}"
    );

    // /language overrides the app's language, per chat, and survives a restart.
    let r = say(&tg, arab.clone(), "/language fr").await;
    assert!(r.contains("en français"), "{r}");
    let r = say(&tg, arab.clone(), "/settings").await;
    assert!(
        r.contains("Ce que reçoit ce chat") && r.contains("Langue du bot : français"),
        "{r}"
    );
    let r = say(&tg, french.clone(), "/language ar").await;
    assert!(r.starts_with(RLM) && r.contains("بالعربية"), "{r}");
    let r = say(&tg, french.clone(), "/language xx").await;
    assert!(
        r.contains("/language") && r.contains(" en ") && r.starts_with(RLM),
        "{r}"
    );
    bot.stop().await;
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    let r = say(&tg, arab.clone(), "/feeds").await;
    assert!(r.contains("Pas encore de flux"), "{r}");
    let r = say(&tg, arab.clone(), "/language auto").await;
    assert!(r.contains("بالعربية"), "back to the app's language: {r}");
    let r = say(&tg, User::new(4004, "Ana"), "/language en").await;
    assert!(r.contains("in English"), "{r}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_count_subscribers_feeds_alerts_and_delivery_failures() {
    use crate::support::telegram::Failure;
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    feeds.set(
        "/feed.xml",
        rss("Partner Relief Network", &[news(1)]),
        "application/rss+xml",
    );
    feeds.set("/down.xml", rss("Down", &[news(1)]), "application/rss+xml");
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    command(&tg, ADMIN, &format!("/grant {ORGANIZER}")).await;
    for chat in [5001, 5002, 5003] {
        command(&tg, chat, "/start").await;
    }
    command(&tg, 5002, "/mute 1h").await;
    let r = command(
        &tg,
        ORGANIZER,
        &format!("/addfeed {}", feeds.url("/feed.xml")),
    )
    .await;
    // An organizer's feed starts under review (tests/it/review.rs); trusted, it alerts.
    command(&tg, ADMIN, &format!("/trust {}", added_id(&r))).await;
    command(
        &tg,
        ORGANIZER,
        &format!("/addfeed {}", feeds.url("/down.xml")),
    )
    .await;
    let r = command(&tg, ORGANIZER, "/stats").await;
    assert!(
        r.starts_with("Subscribers: 3 (3 private, 0 groups, 0 channels; 1 muted)"),
        "{r}"
    );
    assert!(
        r.contains("Feeds: 2 (0 failing)") && r.contains("Messages sent today: 0"),
        "{r}"
    );

    tg.fail_chat(5003, Failure::Blocked, None);
    feeds.set_raw_response("/down.xml", 500, &[], "down");
    feeds.set(
        "/feed.xml",
        rss("Partner Relief Network", &[appeal(1), news(1)]),
        "application/rss+xml",
    );
    assert!(tg.wait_until(|s| s.sent_to(5001).len() >= 2, WAIT).await);
    polls_pass(&feeds, "/feed.xml", 2).await;
    let r = command(&tg, ORGANIZER, "/stats").await;
    assert!(
        r.starts_with("Subscribers: 2 (2 private"),
        "the blocked chat is gone: {r}"
    );
    assert!(r.contains("Feeds: 2 (1 failing)"), "{r}");
    assert!(
        r.contains("Messages sent today: 1") && r.contains("Messages sent this week: 1"),
        "{r}"
    );
    assert!(r.contains("Delivery failures since start: 1"), "{r}");
    let r = command(&tg, 5001, "/stats").await;
    assert!(r.contains("organizers only"), "{r}");
    bot.stop().await;
}
