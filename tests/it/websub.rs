//! WebSub push (issue 13): a feed that names a hub is subscribed with a callback under
//! `websub.public_url`; the hub's verification is answered only for subscriptions the bot
//! asked for; signed pushes alert within 5 s, unsigned or wrongly signed ones never (but
//! get a 2xx); the lease is renewed before it ends; removing the feed unsubscribes; a
//! poll that later sees pushed entries alerts nothing more; content the hub got its 2xx
//! for survives a kill -9; `/metrics` counts subscriptions, verifications, pushes and
//! renewals.

use crate::harness::*;
use crate::support::feed_server::{FeedServer, Item};
use crate::support::telegram::FakeTelegram;
use crate::support::websub_hub::{Signing, Subscription, WebSubHub};
use solibot::metrics::{self, Metric};
use std::time::{Duration, Instant};

const SUBSCRIBER: i64 = 1001;
const PATH: &str = "/feed.atom";
const ATOM: &str = "application/atom+xml";

/// An Atom feed naming `hub` and its own address `topic` (`rel="self"`).
fn atom_with_hub(hub: &str, topic: &str, items: &[Item]) -> String {
    FeedServer::atom("Partner Relief Network", items).replacen(
        "<link href=\"https://example.org/\"/>",
        &format!(
            "<link href=\"https://example.org/\"/>\n<link rel=\"hub\" href=\"{hub}\"/>\n\
             <link rel=\"self\" href=\"{topic}\"/>"
        ),
        1,
    )
}

/// A running bot with WebSub on, one subscriber, and one feed that names the hub.
struct World {
    tg: FakeTelegram,
    feeds: FeedServer,
    hub: WebSubHub,
    bot: Option<Running>,
    topic: String,
    feed_id: String,
    listen: String,
    _dir: tempfile::TempDir,
}

/// How the feed names its hub.
enum Naming {
    AtomLink,
    LinkHeader,
}

impl World {
    async fn start(lease: Option<u64>, naming: Naming) -> World {
        let tg = FakeTelegram::start().await;
        let feeds = FeedServer::start().await;
        let hub = WebSubHub::start().await;
        if let Some(l) = lease {
            hub.set_lease(l);
        }
        let dir = tempfile::tempdir().unwrap();
        let topic = feeds.url(PATH);
        match naming {
            Naming::AtomLink => {
                feeds.set(PATH, atom_with_hub(&hub.url(), &topic, &[news(1)]), ATOM)
            }
            Naming::LinkHeader => {
                feeds.set(
                    PATH,
                    FeedServer::atom("Partner Relief Network", &[news(1)]),
                    ATOM,
                );
                let link = format!("<{}>; rel=\"hub\", <{topic}>; rel=\"self\"", hub.url());
                feeds.set_header(PATH, "Link", &link);
            }
        }
        let listen = format!("127.0.0.1:{}", free_port());
        let public = format!("http://{listen}");
        let extra = [
            ("SOLIBOT_HTTP_LISTEN", listen.as_str()),
            ("SOLIBOT_PUBLIC_URL", public.as_str()),
        ];
        let bot = Running::start(config(&tg, dir.path(), &extra), &tg).await;
        let r = command(&tg, SUBSCRIBER, "/start").await;
        assert!(r.contains("Subscribed"), "{r}");
        let r = command(&tg, ADMIN, &format!("/addfeed {topic}")).await;
        assert!(r.starts_with("Added feed"), "{r}");
        let feed_id = r["Added feed ".len()..]
            .split(':')
            .next()
            .unwrap()
            .to_string();
        let world = World {
            tg,
            feeds,
            hub,
            bot: Some(bot),
            topic,
            feed_id,
            listen,
            _dir: dir,
        };
        assert!(
            world
                .hub
                .wait_until(|s| s.subscribed(&world.topic).is_some(), WAIT)
                .await,
            "the bot subscribes and answers the verification: {:?}",
            world.hub.state()
        );
        world
    }

    /// The value `/metrics` shows for `m`, at `label` (the value of its one label) for a
    /// labelled family: `(WEBSUB_PUSHES_RECEIVED, Some("accepted"))` reads
    /// `solibot_websub_pushes_total{outcome="accepted"}`.
    async fn metric(&self, m: Metric, label: Option<&str>) -> f64 {
        metric(&self.listen, &series(m, label)).await
    }

    fn callback(&self) -> String {
        subscription(&self.hub, &self.topic).callback
    }

    /// The alerts the subscriber got (its messages but the /start reply).
    fn alerts(&self) -> Vec<String> {
        self.tg
            .sent_to(SUBSCRIBER)
            .into_iter()
            .skip(1)
            .map(|m| m.visible_text)
            .collect()
    }

    async fn push(&self, items: &[Item], signing: Signing) -> Vec<u16> {
        let body = atom_with_hub(&self.hub.url(), &self.topic, items);
        self.hub.publish(&self.topic, &body, ATOM, signing).await
    }

    async fn wait_alerts(&self, n: usize) -> bool {
        self.tg
            .wait_until(|s| s.sent_to(SUBSCRIBER).len() > n, WAIT)
            .await
    }

    async fn stop(mut self) {
        if let Some(bot) = self.bot.take() {
            bot.stop().await;
        }
    }
}

/// The name of `m`'s sample with its label at `value`, as `/metrics` writes it.
fn series(m: Metric, value: Option<&str>) -> String {
    match (m.label, value) {
        (Some(label), Some(v)) => format!("{}{{{label}=\"{v}\"}}", m.sample()),
        (None, None) => m.sample(),
        _ => panic!(
            "{} has label {:?}, asked with {value:?}",
            m.family(),
            m.label
        ),
    }
}

/// The value of one series in the `/metrics` text served on `listen`.
async fn metric(listen: &str, series: &str) -> f64 {
    let text = reqwest::get(format!("http://{listen}/metrics"))
        .await
        .expect("/metrics answers")
        .text()
        .await
        .expect("a body");
    let prefix = format!("{series} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {series} in:\n{text}"))
        .parse()
        .expect("a number")
}

/// The hub's verified subscription to `topic`.
fn subscription(hub: &WebSubHub, topic: &str) -> Subscription {
    hub.state()
        .subscribed(topic)
        .expect("a verified subscription")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_challenge_is_echoed_only_for_a_subscription_the_bot_asked_for() {
    let w = World::start(None, Naming::AtomLink).await;
    let state = w.hub.state();
    let asked = state.requests_of("subscribe", &w.topic);
    assert_eq!(asked.len(), 1, "{state:?}");
    assert!(asked[0].secret.as_deref().is_some_and(|s| s.len() >= 32));
    assert_eq!(state.verified("subscribe", &w.topic).len(), 1, "{state:?}");
    let callback = w.callback();
    assert!(callback.contains("/websub/"), "{callback}");
    // Another topic on our callback, an unknown callback, a mode we did not ask for.
    for (callback, mode, topic) in [
        (
            callback.clone(),
            "subscribe",
            "http://127.0.0.1:9/other.atom".to_string(),
        ),
        (
            format!(
                "{}/websub/not-a-subscription",
                callback.split("/websub/").next().unwrap()
            ),
            "subscribe",
            w.topic.clone(),
        ),
        (callback.clone(), "unsubscribe", w.topic.clone()),
        (callback.clone(), "bogus", w.topic.clone()),
    ] {
        let (status, echoed) = w.hub.verify_intent(&callback, mode, &topic).await;
        assert_eq!(status, 404, "{mode} {topic} at {callback}");
        assert!(!echoed);
    }
    // The subscription is still the bot's: a renewal-style verification is echoed.
    assert_eq!(
        w.hub.verify_intent(&callback, "subscribe", &w.topic).await,
        (200, true)
    );
    // A denial from the hub is taken (200, no challenge), and a later verification for
    // the denied subscription is no longer echoed until the bot asks again.
    let (status, _) = w.hub.verify_intent(&callback, "denied", &w.topic).await;
    assert_eq!(status, 200);
    assert_eq!(
        w.hub.verify_intent(&callback, "subscribe", &w.topic).await,
        (404, false)
    );
    // Each answer is counted: the bot's own verification and the renewal-style one, the
    // denial, the four refused above and the one after the denial.
    for (outcome, n) in [
        ("subscribe", 2.0),
        ("denied", 1.0),
        (metrics::WEBSUB_REFUSED, 5.0),
    ] {
        let answered = w
            .metric(metrics::WEBSUB_VERIFICATIONS_ANSWERED, Some(outcome))
            .await;
        assert_eq!(answered, n, "{outcome}");
    }
    let state = |s| w.metric(metrics::WEBSUB_SUBSCRIPTIONS, Some(s));
    assert_eq!(state("denied").await, 1.0);
    assert_eq!(state("active").await, 0.0);
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_push_reaches_the_subscriber_within_5_seconds() {
    let w = World::start(None, Naming::AtomLink).await;
    // The feed itself never changes: only the push can bring the appeal.
    let started = Instant::now();
    let statuses = w.push(&[appeal(1), news(1)], Signing::Sha256).await;
    assert_eq!(statuses, vec![202]);
    assert!(
        w.wait_alerts(1).await,
        "the pushed appeal reaches the subscriber"
    );
    // When the fake Bot API took the alert, not when this test noticed it.
    let latency = w.tg.sent_to(SUBSCRIBER)[1].at.duration_since(started);
    assert!(
        latency <= Duration::from_secs(5),
        "publication to the first subscriber took {latency:?}"
    );
    let since_start_reply = started.duration_since(w.tg.sent_to(SUBSCRIBER)[0].at);
    eprintln!(
        "websub push -> alert latency: {latency:?} (the /start reply to that chat went \
         {since_start_reply:?} before the push; Telegram's limit is 1 message a second a chat)"
    );
    // Other signature methods of the Recommendation count too.
    assert_eq!(w.push(&[appeal(2)], Signing::Sha1).await, vec![202]);
    assert!(w.wait_alerts(2).await);
    assert_eq!(w.push(&[appeal(3)], Signing::Sha512).await, vec![202]);
    assert!(w.wait_alerts(3).await);
    let alerts = w.alerts();
    assert_eq!(alerts.len(), 3, "{alerts:?}");
    for (n, alert) in alerts.iter().enumerate() {
        assert!(
            alert.contains(&format!("free the detained aid workers ({})", n + 1)),
            "{alert}"
        );
    }
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_or_wrongly_signed_content_is_acknowledged_and_ignored() {
    let w = World::start(None, Naming::AtomLink).await;
    assert_eq!(w.push(&[appeal(1)], Signing::Wrong).await, vec![202]);
    assert_eq!(w.push(&[appeal(2)], Signing::Unsigned).await, vec![202]);
    // Signed with the right key but for another subscription's secret: same as wrong.
    let forged = w
        .hub
        .post_content(
            &w.callback(),
            &atom_with_hub(&w.hub.url(), &w.topic, &[appeal(4)]),
            ATOM,
            "guess",
            Signing::Sha256,
        )
        .await;
    assert_eq!(forged, 202);
    // Content is taken in order: once the signed push is alerted, the others were seen
    // and dropped.
    assert_eq!(w.push(&[appeal(3)], Signing::Sha256).await, vec![202]);
    assert!(w.wait_alerts(1).await);
    let alerts = w.alerts();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(alerts[0].contains("(3)"), "{alerts:?}");
    let pushes = |o| w.metric(metrics::WEBSUB_PUSHES_RECEIVED, Some(o));
    assert_eq!(pushes(metrics::WEBSUB_PUSH_ACCEPTED).await, 1.0);
    assert_eq!(pushes(metrics::WEBSUB_BAD_SIGNATURE).await, 3.0);
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lease_is_renewed_before_it_ends() {
    const LEASE: u64 = 10;
    let w = World::start(Some(LEASE), Naming::LinkHeader).await;
    let first = subscription(&w.hub, &w.topic).verified_at;
    assert!(
        w.hub
            .wait_until(|s| s.verified("subscribe", &w.topic).len() >= 2, WAIT)
            .await,
        "the subscription is renewed: {:?}",
        w.hub.state()
    );
    let state = w.hub.state();
    let renewal = &state.requests_of("subscribe", &w.topic)[1];
    let before_end = renewal.at.duration_since(first);
    assert!(
        before_end < Duration::from_secs(LEASE),
        "renewed {before_end:?} after the verification, lease {LEASE} s"
    );
    // The same callback and secret: the renewed subscription still pushes.
    assert_eq!(
        renewal.callback,
        state.requests_of("subscribe", &w.topic)[0].callback
    );
    assert_eq!(w.push(&[appeal(1)], Signing::Sha256).await, vec![202]);
    assert!(w.wait_alerts(1).await);
    assert!(w.metric(metrics::WEBSUB_RENEWALS, None).await >= 1.0);
    assert_eq!(
        w.metric(metrics::WEBSUB_SUBSCRIPTIONS, Some("active"))
            .await,
        1.0
    );
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_the_feed_unsubscribes_from_the_hub() {
    let w = World::start(None, Naming::LinkHeader).await;
    let callback = w.callback();
    let r = command(&w.tg, ADMIN, &format!("/removefeed {}", w.feed_id)).await;
    assert!(r.starts_with("Removed feed"), "{r}");
    assert!(
        w.hub
            .wait_until(|s| !s.verified("unsubscribe", &w.topic).is_empty(), WAIT)
            .await,
        "the bot unsubscribes and confirms it: {:?}",
        w.hub.state()
    );
    let state = w.hub.state();
    assert_eq!(
        state.requests_of("unsubscribe", &w.topic)[0].callback,
        callback
    );
    assert!(state.subscribed(&w.topic).is_none());
    // The callback is gone: content sent to it anyway is refused, and nothing alerts.
    let late = w
        .hub
        .post_content(
            &callback,
            &atom_with_hub(&w.hub.url(), &w.topic, &[appeal(1)]),
            ATOM,
            "x",
            Signing::Sha256,
        )
        .await;
    assert_eq!(late, 404);
    assert!(w.alerts().is_empty());
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_that_sees_pushed_entries_does_not_alert_them_again() {
    let w = World::start(None, Naming::AtomLink).await;
    assert_eq!(w.push(&[appeal(1)], Signing::Sha256).await, vec![202]);
    assert!(w.wait_alerts(1).await);
    // The publisher's feed now lists the pushed appeal: the polls find nothing new.
    w.feeds.set(
        PATH,
        atom_with_hub(&w.hub.url(), &w.topic, &[appeal(1), news(1)]),
        ATOM,
    );
    polls_pass(&w.feeds, PATH, 1).await;
    let between = Instant::now();
    polls_pass(&w.feeds, PATH, 1).await;
    // A pushed feed is polled PUSHED_POLL_FACTOR (6) times less often: every 6 s here.
    let gap = between.elapsed();
    assert!(gap >= Duration::from_secs(4), "polled again after {gap:?}");
    assert_eq!(w.alerts().len(), 1, "{:?}", w.alerts());
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_the_hub_got_its_2xx_for_survives_a_kill_9() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let hub = WebSubHub::start().await;
    let dir = tempfile::tempdir().unwrap();
    let topic = feeds.url(PATH);
    // The feed itself never lists the appeal: only the push can bring it.
    feeds.set(PATH, atom_with_hub(&hub.url(), &topic, &[news(1)]), ATOM);
    let listen = format!("127.0.0.1:{}", free_port());
    let public = format!("http://{listen}");
    let env = [
        ("SOLIBOT_HTTP_LISTEN", listen.as_str()),
        ("SOLIBOT_PUBLIC_URL", public.as_str()),
    ];
    let toml = format!("[[feeds]]\nurl = \"{topic}\"\nname = \"Partner Relief Network\"\n");
    let mut bot = Launch::bot(&tg, dir.path(), &toml).envs(&env).spawn();
    let r = command(&tg, SUBSCRIBER, "/start").await;
    assert!(r.contains("Subscribed"), "{r}");
    assert!(
        hub.wait_until(|s| s.subscribed(&topic).is_some(), WAIT)
            .await,
        "the bot subscribes: {:?}",
        hub.state()
    );
    // A long document (an appeal and 150 news entries): taking it takes a while, and the
    // kill comes as soon as the hub has its answer.
    let mut items = vec![appeal(1)];
    items.extend((2..=151).map(news));
    let body = atom_with_hub(&hub.url(), &topic, &items);
    assert_eq!(
        hub.publish(&topic, &body, ATOM, Signing::Sha256).await,
        vec![202]
    );
    bot.kill9();
    let before = tg.sent_to(SUBSCRIBER).len();

    bot.restart();
    let alerted = |s: &crate::support::telegram::TelegramState| {
        s.sent_to(SUBSCRIBER)
            .iter()
            .filter(|m| m.visible_text.contains("free the detained aid workers (1)"))
            .count()
    };
    assert!(
        tg.wait_until(|s| alerted(s) >= 1, Duration::from_secs(60))
            .await,
        "the pushed appeal is alerted after the restart (sent before the kill: {})",
        before - 1
    );
    assert!(bot.terminate().success(), "exit 0 after SIGTERM");
    assert_eq!(tg.with_state(alerted), 1, "once");
    let store = open_store(dir.path()).await;
    assert!(
        store.pushes().expect("read").is_empty(),
        "nothing kept after it was taken"
    );
}
