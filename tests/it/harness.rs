//! The tests' world: the real program against the fake Bot API and the local feed server,
//! booted in-process ([`Running`]) or as the binary ([`Launch`], [`Process`]), both from one
//! environment ([`bot_env`]); the steps most tests share (a command and its reply, a feed's
//! polls, the scene most tests start from, adding a feed, subscribing, the database
//! reopened after a stop).

mod process;

pub use process::{Launch, Process, exit_and_text, operator_bot};

use crate::support::feed_server::{FeedServer, Item};
use crate::support::telegram::{Chat, FakeTelegram, User};
use solibot::config::{Config, RawConfig, validate};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub const ADMIN: i64 = 90_001;
pub const WAIT: Duration = Duration::from_secs(20);

/// Review of appeals that link to a site new to their feed (`review.new_sites`), off for
/// the tests: the older scenes' appeals link to sites their feeds never linked to before
/// (a petition site after a backlog of plain news), which review would hold. The review
/// tests (tests/it/review.rs) turn it back on.
pub const REVIEW_NEW_SITES_OFF: (&str, &str) = ("SOLIBOT_REVIEW_NEW_SITES", "0");
/// The same review on, as the program's default.
pub const REVIEW_NEW_SITES_ON: (&str, &str) = (REVIEW_NEW_SITES_OFF.0, "1");

/// The environment every test bot runs with, in-process ([`config`]) or as a process
/// ([`Launch::bot`]): the fake Telegram, data in `<dir>/db`, `ADMIN` as admin, polling
/// every second, feeds on loopback allowed, [`REVIEW_NEW_SITES_OFF`].
pub fn bot_env(tg: &FakeTelegram, dir: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("SOLIBOT_TELEGRAM_TOKEN", tg.token()),
        ("SOLIBOT_TELEGRAM_API_URL", tg.api_url()),
        ("SOLIBOT_ADMINS", ADMIN.to_string()),
        ("SOLIBOT_DATA_PATH", dir.join("db").display().to_string()),
        ("SOLIBOT_POLL_INTERVAL", "1s".into()),
        ("SOLIBOT_ALLOW_PRIVATE", "1".into()),
        (REVIEW_NEW_SITES_OFF.0, REVIEW_NEW_SITES_OFF.1.into()),
    ]
}

/// The configuration a test runs with in-process: [`bot_env`], then `extra`.
pub fn config(tg: &FakeTelegram, dir: &Path, extra: &[(&str, &str)]) -> Config {
    let mut env: HashMap<String, String> = bot_env(tg, dir)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    validate(RawConfig::default(), None, &env).expect("test config is valid")
}

/// A running bot.
pub struct Running {
    cancel: CancellationToken,
    handle: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    pub async fn start(config: Config, tg: &FakeTelegram) -> Running {
        let cancel = CancellationToken::new();
        let handle = tokio::spawn(solibot::app::run(config, false, cancel.clone()));
        assert!(tg.wait_polling(WAIT).await, "the bot starts long polling");
        Running { cancel, handle }
    }

    /// Starts the bot in webhook mode: returns once the webhook is set and the update
    /// endpoint on `listen` takes connections.
    pub async fn start_webhook(config: Config, tg: &FakeTelegram) -> Running {
        let listen = config.http_listen.expect("webhook mode needs http.listen");
        let cancel = CancellationToken::new();
        let handle = tokio::spawn(solibot::app::run(config, false, cancel.clone()));
        assert!(
            tg.wait_until(|s| !s.webhook_url.is_empty(), WAIT).await,
            "the bot sets its webhook"
        );
        let deadline = tokio::time::Instant::now() + WAIT;
        while tokio::net::TcpStream::connect(listen).await.is_err() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the update endpoint listens on {listen}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Running { cancel, handle }
    }

    pub async fn stop(self) {
        self.cancel.cancel();
        let r = tokio::time::timeout(Duration::from_secs(10), self.handle)
            .await
            .expect("stops within 10 s")
            .expect("task did not panic");
        r.expect("run ends without error");
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

pub fn user(id: i64) -> User {
    User::new(id, "Tester")
}

/// Sends a command as `user` in their private chat and returns the bot's reply text.
pub async fn command(tg: &FakeTelegram, user_id: i64, text: &str) -> String {
    let before = tg.sent_to(user_id).len();
    tg.push_message(Chat::private(user_id), user(user_id), text);
    assert!(
        tg.wait_until(|s| s.sent_to(user_id).len() > before, WAIT)
            .await,
        "a reply to {text:?}"
    );
    tg.sent_to(user_id)[before].visible_text.clone()
}

/// Waits until Telegram has the update `update_id` confirmed: the bot confirms an update
/// only after its handler finished, so every reply it will ever send has been sent. A test
/// that must show "only one reply" counts after this positive event.
pub async fn handled(tg: &FakeTelegram, update_id: i64) {
    assert!(
        tg.wait_until(|s| s.confirmed_update_id >= update_id, WAIT)
            .await,
        "update {update_id} is handled and confirmed"
    );
}

/// A partner feed as RSS, titled "Partner Relief Network".
pub fn partner_rss(items: &[Item]) -> String {
    FeedServer::rss("Partner Relief Network", items)
}

/// Each chat of `chats` sends /start in private and is subscribed.
pub async fn subscribe(tg: &FakeTelegram, chats: &[i64]) {
    for &id in chats {
        let r = command(tg, id, "/start").await;
        assert!(r.contains("Subscribed"), "{r}");
    }
}

/// The set-up most scenes share: `/feed.xml` serving `backlog` as a partner feed, the bot
/// running in-process on [`config`] with `extra`, `organizer` (if any) granted by the
/// admin and each chat of `subscribers` subscribed. Adding the feed (as the admin or the
/// organizer) is the scene's own step: [`add_feed`].
pub async fn start_scene(
    tg: &FakeTelegram,
    feeds: &FeedServer,
    dir: &Path,
    backlog: &[Item],
    organizer: Option<i64>,
    subscribers: &[i64],
    extra: &[(&str, &str)],
) -> Running {
    feeds.set("/feed.xml", partner_rss(backlog), "application/rss+xml");
    let bot = Running::start(config(tg, dir, extra), tg).await;
    if let Some(id) = organizer {
        let r = command(tg, ADMIN, &format!("/grant {id}")).await;
        assert!(r.contains(&id.to_string()), "{r}");
    }
    subscribe(tg, subscribers).await;
    bot
}

/// The id `/addfeed` gave (from "Added feed N: …").
pub fn added_id(reply: &str) -> u64 {
    reply
        .strip_prefix("Added feed ")
        .and_then(|r| r.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not an /addfeed success: {reply}"))
}

/// `user` adds the feed at `url` with `/addfeed`; its id.
pub async fn add_feed(tg: &FakeTelegram, user: i64, url: &str) -> u64 {
    added_id(&command(tg, user, &format!("/addfeed {url}")).await)
}

/// A clear appeal, as a partner would publish it (each with its own text: sentences that
/// recur across a feed's entries are its template, not evidence).
pub fn appeal(n: u32) -> Item {
    Item::new(
        &format!("appeal-{n}"),
        &format!("Sign the petition: free the detained aid workers ({n})"),
        &format!("https://partner.example/appeals/{n}"),
        &format!(
            "<p>Sign our petition ({n}) today and call on the Foreign Minister to demand the release of the \
             twelve detained aid workers. <a href=\"https://www.change.org/p/free-aid-workers-{n}\">Sign petition {n}</a>. \
             Share appeal {n} with #FreeAidWorkers.</p>"
        ),
    )
}

/// Ordinary news, with nothing to act on.
pub fn news(n: u32) -> Item {
    Item::new(
        &format!("news-{n}"),
        &format!("Our field team completed the school repairs in the north ({n})"),
        &format!("https://partner.example/news/{n}"),
        "<p>The repairs of the primary school were completed last month. Classes resumed on Monday \
         with 300 pupils. The project was funded by our long-term partners.</p>",
    )
}

/// Waits until the feed at `path` has been fetched `n` more times. Polls of one feed do
/// not overlap, so every poll before the last of these has completed and committed what it
/// found, and the worker was told: a test that must show "nothing more is sent" waits for
/// this positive event, not for a quiet period.
pub async fn polls_pass(feeds: &FeedServer, path: &str, n: usize) {
    let before = feeds.requests(path);
    assert!(
        feeds.wait_requests(path, before + n, WAIT).await,
        "{path} is polled {n} more times"
    );
}

/// The database of the test bot whose data folder is `dir` (`<dir>/db`, [`bot_env`]),
/// opened to seed it before a start or to read it after a stop ([`reopen_store`]).
pub async fn open_store(dir: &Path) -> solibot::store::Store {
    reopen_store(&dir.join("db")).await
}

/// Opens the database of a bot that has just stopped. sled releases its file lock when its
/// background flusher ends, a moment after the last handle is dropped: the open is tried
/// again while the lock is still held, until `WAIT` (the failure bound).
pub async fn reopen_store(path: &Path) -> solibot::store::Store {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match solibot::store::Store::open(path) {
            Ok(store) => return store,
            Err(e) if e.to_string().contains("lock") && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("the database at {} reopens: {e}", path.display()),
        }
    }
}
