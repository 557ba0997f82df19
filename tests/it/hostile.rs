//! Hostile input: feeds, servers, addresses and commands built to hurt the program. Each
//! test ends with a clear error or a safe message, and shows that the bot keeps serving
//! everyone else: a second, healthy feed's appeal still reaches a subscriber in the same
//! run. The last tests run `solibot check --json --all` on every hostile fixture.

use crate::harness::{ADMIN, Launch, Running, WAIT, appeal, command, config, news};
use crate::support::feed_server::{FeedServer, Item, xml_escape};
use crate::support::telegram::{FakeTelegram, SentMessage};
use crate::support::tg_html;
use solibot::config::{Config, FeedConfig, FeedMode};
use solibot::feeds::fetch::{FetchError, Fetcher};
use solibot::feeds::guard::Guard;
use solibot::poll::{PollError, poll_feed};
use solibot::store::{FeedRecord, Store, SubscriberRecord};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SUBSCRIBER: i64 = 1001;
const HEALTHY: &str = "/healthy.xml";
const HOSTILE: &str = "/hostile.xml";
const RSS: &str = "application/rss+xml";

// ---------------------------------------------------------------------------------------
// Fixtures (all written here, by hand or by a loop).

/// The classic "billion laughs": nine levels of entities, each ten of the one below.
fn billion_laughs() -> String {
    let mut doc =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n <!ENTITY lol \"lol\">\n");
    for level in 1..=9 {
        let below = if level == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", level - 1)
        };
        doc.push_str(&format!(
            " <!ENTITY lol{level} \"{}\">\n",
            format!("&{below};").repeat(10)
        ));
    }
    doc.push_str(
        "]>\n<rss version=\"2.0\"><channel><title>Laughs &lol9;</title>\
         <item><guid>laugh-1</guid><title>Sign &lol9;</title><description>&lol9;</description></item>\
         </channel></rss>\n",
    );
    doc
}

/// `levels` nested unknown elements inside the channel, then one ordinary item.
fn deeply_nested_xml(levels: usize) -> String {
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Deep</title>{}{}\
         <item><guid>deep-1</guid><title>Deep item</title></item></channel></rss>",
        "<x>".repeat(levels),
        "</x>".repeat(levels)
    )
}

/// An Atom entry whose XHTML content nests `levels` divs: feed-rs keeps XHTML content
/// as markup, so this depth reaches the HTML-to-text code as well.
fn deeply_nested_xhtml(levels: usize) -> String {
    format!(
        "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Deep</title>\
         <id>urn:deep</id><updated>2024-01-01T00:00:00Z</updated>\
         <entry><id>urn:deep:2</id><title>Deep XHTML appeal</title><updated>2024-01-01T00:00:00Z</updated>\
         <content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">{}Sign the petition{}</div></content>\
         </entry></feed>",
        "<div>".repeat(levels),
        "</div>".repeat(levels)
    )
}

/// HTML (escaped into the description) nested `levels` deep.
fn deeply_nested_html_item(levels: usize) -> Item {
    Item::new(
        "deep-html-1",
        "Deeply nested description",
        "https://partner.example/deep",
        &format!(
            "{}Join the vigil on Friday{}",
            "<div><span>".repeat(levels / 2),
            "</span></div>".repeat(levels / 2)
        ),
    )
}

/// Encodes the Arabic letters used in the tests (and ASCII) as windows-1256.
fn windows_1256(s: &str) -> Vec<u8> {
    let table: &[(char, u8)] = &[
        ('ء', 0xC1),
        ('آ', 0xC2),
        ('أ', 0xC3),
        ('ؤ', 0xC4),
        ('إ', 0xC5),
        ('ئ', 0xC6),
        ('ا', 0xC7),
        ('ب', 0xC8),
        ('ة', 0xC9),
        ('ت', 0xCA),
        ('ث', 0xCB),
        ('ج', 0xCC),
        ('ح', 0xCD),
        ('خ', 0xCE),
        ('د', 0xCF),
        ('ذ', 0xD0),
        ('ر', 0xD1),
        ('ز', 0xD2),
        ('س', 0xD3),
        ('ش', 0xD4),
        ('ص', 0xD5),
        ('ض', 0xD6),
        ('ط', 0xD8),
        ('ظ', 0xD9),
        ('ع', 0xDA),
        ('غ', 0xDB),
        ('ف', 0xDD),
        ('ق', 0xDE),
        ('ك', 0xDF),
        ('ل', 0xE1),
        ('م', 0xE3),
        ('ن', 0xE4),
        ('ه', 0xE5),
        ('و', 0xE6),
        ('ى', 0xEC),
        ('ي', 0xED),
        ('،', 0xA1),
    ];
    s.chars()
        .map(|c| {
            if c.is_ascii() {
                c as u8
            } else {
                table
                    .iter()
                    .find(|(k, _)| *k == c)
                    .map(|(_, b)| *b)
                    .unwrap_or_else(|| panic!("{c:?} is not in the test's windows-1256 table"))
            }
        })
        .collect()
}

const ARABIC_TITLE: &str = "وقعوا على العريضة للإفراج عن المعتقلين";
const ARABIC_BODY: &str = "ندعو الجميع إلى التوقيع على العريضة ومشاركتها، والاتصال بوزارة الخارجية للمطالبة بالإفراج عن عمال الإغاثة";

/// An RSS feed in windows-1256, declared in the XML prolog.
fn windows_1256_feed(guid: &str) -> Vec<u8> {
    let mut doc = windows_1256(
        "<?xml version=\"1.0\" encoding=\"windows-1256\"?>\n<rss version=\"2.0\"><channel>\
         <title>شبكة الإغاثة</title><link>https://partner.example/</link><language>ar</language>",
    );
    doc.extend(windows_1256(&format!(
        "<item><guid>{guid}</guid><title>{ARABIC_TITLE}</title>\
         <link>https://partner.example/ar/{guid}</link><description>{ARABIC_BODY}</description></item>"
    )));
    doc.extend(b"</channel></rss>\n");
    doc
}

/// A feed that says UTF-8 and is not: stray continuation bytes, a truncated sequence, an
/// overlong encoding and bytes that are never UTF-8.
fn invalid_utf8_feed(guid: &str) -> Vec<u8> {
    let mut doc = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Broken \xff\xfe</title><item><guid>"
        .to_vec();
    doc.extend(guid.as_bytes());
    doc.extend(b"</guid><title>Sign the petition \x80\xbf \xc3 \xe2\x82 \xc0\xaf \xf8\x88\x80\x80\x80 end</title>");
    doc.extend(b"<link>https://partner.example/utf8</link><description>Donate \xed\xa0\x80 today \xf4\x90\x80\x80</description></item></channel></rss>");
    doc
}

/// Markers that live only inside script, style, iframe, noscript and template elements.
const HIDDEN_MARKERS: &[&str] = &[
    "SCRIPTMARK",
    "STYLEMARK",
    "IFRAMEMARK",
    "NOSCRIPTMARK",
    "TEMPLATEMARK",
    "SVGSCRIPTMARK",
];

fn script_style_iframe_item(guid: &str) -> Item {
    Item::new(
        guid,
        "Join the vigil for the detained journalists<script>alert('SCRIPTMARK')</script>",
        "https://partner.example/vigil",
        "<style>body{color:red} .SCRIPTMARK{} /* STYLEMARK */</style>\
         <p>Join our candlelight vigil on Friday at 6 pm in front of the embassy.</p>\
         <script>document.write('SCRIPTMARK'); var x = \"</p>STYLEMARK\";</script>\
         <iframe src=\"https://evil.example/\">IFRAMEMARK fallback</iframe>\
         <noscript>NOSCRIPTMARK enable scripts</noscript>\
         <template><p>TEMPLATEMARK</p></template>\
         <svg><script>SVGSCRIPTMARK</script></svg>\
         <p>Bring a candle and <a href=\"javascript:alert('SCRIPTMARK')\">share</a> #FreeThePress.</p>",
    )
}

/// Every bidi control and a selection of C0/C1 control characters, in a JSON feed (JSON
/// can carry characters XML 1.0 forbids).
fn bidi_and_controls_feed(guid: &str) -> String {
    let title = "Sign \u{202E}noitited\u{202C} now \u{202A}x\u{202B}y\u{202D}z\u{2066}a\u{2067}b\u{2068}c\u{2069} \
                 \u{200E}\u{200F}\u{061C} nul\u{0}bell\u{7}esc\u{1b}[31mred del\u{7f} c1\u{85}\u{9b} end";
    let html = "<p>Join the protest \u{202E}yadirf\u{202C} \u{0}\u{8}\u{1b}[2J at the square.</p>";
    serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Controls \u{202E}evil",
        "items": [{
            "id": guid,
            "title": title,
            "url": "https://partner.example/controls",
            "content_html": html,
        }]
    })
    .to_string()
}

const BIDI_AND_CONTROLS: &[char] = &[
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{0}', '\u{7}', '\u{8}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}',
];

fn long_title_item(guid: &str, chars: usize) -> Item {
    let unit = "Sign the petition and free them now ";
    let title: String = unit.chars().cycle().take(chars).collect();
    Item::new(
        guid,
        &title,
        "https://partner.example/long",
        "<p>Sign the petition.</p>",
    )
}

// ---------------------------------------------------------------------------------------
// The scene: a bot with a healthy feed and a hostile one, and one subscriber.

struct Scene {
    tg: FakeTelegram,
    feeds: FeedServer,
    dir: tempfile::TempDir,
    bot: Running,
    hostile_url: String,
}

/// What the hostile feed serves until the test turns it hostile: one harmless entry.
fn harmless() -> String {
    FeedServer::rss("Hostile partner", &[news(500)])
}

impl Scene {
    /// Starts the bot with two config feeds: `HEALTHY` (appeals only, one news entry) and
    /// `hostile_url` (every entry alerted, so any message it produces is seen). `serve`
    /// puts the hostile feed's first answer in place before the bot starts.
    async fn start(
        hostile_url: impl FnOnce(&FeedServer) -> String,
        serve: impl FnOnce(&FeedServer),
        tweak: impl FnOnce(&mut Config),
    ) -> Scene {
        let tg = FakeTelegram::start().await;
        let feeds = FeedServer::start().await;
        let dir = tempfile::tempdir().expect("temp dir");
        feeds.set(HEALTHY, FeedServer::rss("Healthy partner", &[news(1)]), RSS);
        serve(&feeds);
        let hostile_url = hostile_url(&feeds);
        let mut cfg = config(&tg, dir.path(), &[]);
        cfg.feeds = vec![
            FeedConfig {
                url: feeds.url(HEALTHY),
                name: Some("Healthy partner".into()),
                hashtags: vec![],
                mode: FeedMode::Appeals,
                review: false,
                timezone: None,
            },
            FeedConfig {
                url: hostile_url.clone(),
                name: Some("Hostile partner".into()),
                hashtags: vec![],
                mode: FeedMode::All,
                review: false,
                timezone: None,
            },
        ];
        tweak(&mut cfg);
        let bot = Running::start(cfg, &tg).await;
        let r = command(&tg, SUBSCRIBER, "/start").await;
        assert!(r.contains("Subscribed"), "{r}");
        Scene {
            tg,
            feeds,
            dir,
            bot,
            hostile_url,
        }
    }

    /// Waits until both feeds were requested `n` times (the first poll of each is done
    /// once the second has started).
    async fn polled(&self, hostile_path: &str, n: usize, timeout: Duration) {
        assert!(
            self.feeds.wait_requests(HEALTHY, n, timeout).await,
            "the healthy feed is polled {n} times"
        );
        assert!(
            self.feeds.wait_requests(hostile_path, n, timeout).await,
            "the hostile feed is polled {n} times"
        );
    }

    /// Publishes appeal `n` on the healthy feed and waits until it reaches the subscriber.
    async fn healthy_appeal_arrives(&self, n: u32) {
        self.feeds.set(
            HEALTHY,
            FeedServer::rss("Healthy partner", &[appeal(n), news(1)]),
            RSS,
        );
        let marker = format!("aid workers ({n})");
        assert!(
            self.tg
                .wait_until(
                    |s| s
                        .sent_to(SUBSCRIBER)
                        .iter()
                        .any(|m| m.visible_text.contains(&marker)),
                    WAIT
                )
                .await,
            "the healthy feed's appeal {n} still reaches the subscriber"
        );
    }

    /// The alerts the subscriber got (everything but the /start reply).
    fn alerts(&self) -> Vec<SentMessage> {
        self.tg.sent_to(SUBSCRIBER).into_iter().skip(1).collect()
    }

    /// Waits until an alert whose visible text satisfies `pred` arrives.
    async fn wait_alert(&self, what: &str, pred: impl Fn(&str) -> bool) -> SentMessage {
        let ok = self
            .tg
            .wait_until(
                |s| {
                    s.sent_to(SUBSCRIBER)
                        .iter()
                        .skip(1)
                        .any(|m| pred(&m.visible_text))
                },
                WAIT,
            )
            .await;
        assert!(ok, "an alert for {what} arrives; got {:#?}", self.texts());
        self.alerts()
            .into_iter()
            .find(|m| pred(&m.visible_text))
            .expect("the alert just seen")
    }

    fn texts(&self) -> Vec<String> {
        self.alerts().into_iter().map(|m| m.visible_text).collect()
    }

    /// Every message the bot sent is valid Telegram HTML within the length limit.
    fn assert_all_valid(&self) {
        assert!(
            self.tg.render_errors().is_empty(),
            "Telegram refused: {:?}",
            self.tg.render_errors()
        );
        for m in self.tg.sent() {
            if m.parse_mode.as_deref() == Some("HTML") {
                let visible = tg_html::parse_telegram_html(&m.text)
                    .unwrap_or_else(|e| panic!("invalid HTML ({e}): {}", m.text));
                assert!(visible.chars().count() <= tg_html::MAX_TEXT_CHARS);
            }
            assert!(m.visible_text.chars().count() <= tg_html::MAX_TEXT_CHARS);
        }
    }

    /// Stops the bot and returns the hostile feed as the store has it.
    async fn stop(self) -> FeedRecord {
        self.assert_all_valid();
        self.bot.stop().await;
        let store = crate::harness::reopen_store(&self.dir.path().join("db")).await;
        store
            .feed_by_url(&self.hostile_url)
            .expect("store readable")
            .expect("the hostile feed is still stored")
    }
}

/// A hostile feed that fails: the healthy appeal still arrives, the hostile feed records
/// an error that says what went wrong, and nothing of it was sent.
async fn failing_feed(
    path: &str,
    hits_per_poll: usize,
    serve: impl FnOnce(&FeedServer),
    tweak: impl FnOnce(&mut Config),
    expected: &[&str],
) {
    let p = path.to_string();
    let scene = Scene::start(move |f| f.url(&p), serve, tweak).await;
    assert!(
        scene.feeds.wait_requests(HEALTHY, 2, WAIT).await,
        "healthy baseline done"
    );
    scene.healthy_appeal_arrives(1).await;
    // The next poll of the hostile feed has started: the first one has failed and is
    // recorded.
    assert!(
        scene
            .feeds
            .wait_requests(path, hits_per_poll + 1, WAIT)
            .await,
        "the hostile feed is polled again"
    );
    assert_eq!(
        scene.alerts().len(),
        1,
        "only the healthy appeal was sent: {:?}",
        scene.texts()
    );
    let feed = scene.stop().await;
    let error = feed.health.last_error.clone().unwrap_or_default();
    assert!(feed.health.consecutive_failures >= 1, "{feed:?}");
    assert!(feed.health.last_success.is_none(), "{feed:?}");
    for phrase in expected {
        assert!(error.contains(phrase), "error {error:?} says {phrase:?}");
    }
    assert!(error.chars().count() < 600, "a short error: {error}");
}

/// A hostile document that turns up after the baseline: the healthy appeal still arrives,
/// and the hostile feed either records a clear "not a feed" error or its alerts are safe
/// (checked by `check`).
async fn after_baseline(hostile: impl FnOnce(&FeedServer)) -> (Scene, usize) {
    let scene = Scene::start(
        |f| f.url(HOSTILE),
        |f| f.set(HOSTILE, harmless(), RSS),
        |_| {},
    )
    .await;
    scene.polled(HOSTILE, 2, WAIT).await;
    let before = scene.feeds.requests(HOSTILE);
    hostile(&scene.feeds);
    scene.healthy_appeal_arrives(1).await;
    (scene, before)
}

// ---------------------------------------------------------------------------------------
// Documents.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billion_laughs_is_not_expanded() {
    let started = Instant::now();
    let (scene, _) = after_baseline(|f| f.set(HOSTILE, billion_laughs(), RSS)).await;
    // The document is parsed with its entities left alone (`check` on it exits 0): its
    // one item is alerted (the feed is in `all` mode), a few bytes long, not a billion.
    let m = scene
        .wait_alert("the laughing item", |t| {
            t.contains("Sign") && !t.contains("aid workers")
        })
        .await;
    assert!(
        m.text.matches("lol").count() < 100,
        "entities were expanded: {:.300}",
        m.text
    );
    let feed = scene.stop().await;
    assert_eq!(feed.health.last_error, None, "{feed:?}");
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_xml_is_refused_or_survived() {
    // 100,000 levels: past the XML reader's depth limit, a clear "not a feed".
    failing_feed(
        HOSTILE,
        1,
        |f| f.set(HOSTILE, deeply_nested_xml(100_000), RSS),
        |_| {},
        &["not a feed", "nests elements deeper"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_nesting_below_the_reader_limit_does_not_overflow_a_stack() {
    // 60,000 levels pass the XML reader; the program must not recurse on them (polling
    // runs on tokio's worker threads, whose stacks are 2 MiB).
    let (scene, _) = after_baseline(|f| {
        f.set(HOSTILE, deeply_nested_xhtml(60_000), "application/atom+xml");
    })
    .await;
    let m = scene
        .wait_alert("the deep XHTML entry", |t| t.contains("Deep XHTML appeal"))
        .await;
    assert!(
        m.visible_text.contains("Sign the petition"),
        "{}",
        m.visible_text
    );
    let items = [deeply_nested_html_item(100_000), news(500)];
    scene
        .feeds
        .set(HOSTILE, FeedServer::rss("Hostile partner", &items), RSS);
    scene
        .wait_alert("the deep HTML entry", |t| {
            t.contains("Deeply nested description")
        })
        .await;
    scene.feeds.set(
        HOSTILE,
        deeply_nested_xml(60_000).replace("deep-1", "deep-3"),
        RSS,
    );
    scene
        .wait_alert("the deep XML entry", |t| t.contains("Deep item"))
        .await;
    scene.healthy_appeal_arrives(2).await;
    let feed = scene.stop().await;
    assert_eq!(feed.health.consecutive_failures, 0, "{feed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_50_mb_body_is_cut_off_at_the_limit() {
    failing_feed(
        HOSTILE,
        1,
        |f| f.huge(HOSTILE, 50 * 1024 * 1024, RSS, true),
        |_| {},
        &["larger than the limit"],
    )
    .await;
    // The same without Content-Length: the cap is counted while streaming.
    failing_feed(
        HOSTILE,
        1,
        |f| f.huge(HOSTILE, 50 * 1024 * 1024, RSS, false),
        |_| {},
        &["larger than the limit"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_bomb_is_cut_off_at_the_limit() {
    failing_feed(
        HOSTILE,
        1,
        |f| f.gzip_bomb(HOSTILE, 1024 * 1024 * 1024),
        |_| {},
        &["larger than the limit"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_drips_one_byte_a_second_times_out() {
    let started = Instant::now();
    failing_feed(
        HOSTILE,
        1,
        |f| {
            f.slow_drip(
                HOSTILE,
                FeedServer::rss("Drip", &[news(7)]),
                RSS,
                Duration::from_secs(1),
            )
        },
        |c| c.fetch_timeout = Duration::from_secs(3),
        &["timed out"],
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_loop_ends_with_an_error() {
    failing_feed(
        "/loop-a",
        3,
        |f| {
            f.redirect("/loop-a", &f.url("/loop-b"), 302);
            f.redirect("/loop-b", &f.url("/loop-a"), 301);
        },
        |_| {},
        &["redirected more than"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_is_refused_with_a_clear_error_and_sends_nothing() {
    let (scene, before) =
        after_baseline(|f| f.set(HOSTILE, invalid_utf8_feed("utf8-1"), RSS)).await;
    // Two polls after the broken answer: the first one's outcome is recorded before the
    // second request is made (polls of one feed do not overlap).
    assert!(scene.feeds.wait_requests(HOSTILE, before + 2, WAIT).await);
    let from_broken: Vec<_> = scene
        .alerts()
        .into_iter()
        .filter(|m| m.text.contains("partner.example/utf8"))
        .collect();
    let feed = scene.stop().await;
    // The broken document is refused with a clear error, and nothing is sent from it.
    let error = feed.health.last_error.unwrap_or_default();
    assert!(error.contains("not a feed"), "no clear error: {error:?}");
    assert!(
        from_broken.is_empty(),
        "sent from a refused document: {from_broken:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_windows_1256_feed_arrives_in_arabic() {
    let (scene, _) = after_baseline(|f| {
        f.set(
            HOSTILE,
            windows_1256_feed("cp1256-1"),
            "application/rss+xml",
        );
    })
    .await;
    let m = scene
        .wait_alert("the windows-1256 entry", |t| t.contains(ARABIC_TITLE))
        .await;
    assert!(!m.visible_text.contains('\u{FFFD}'), "{}", m.visible_text);
    // The same bytes served with a charset in Content-Type that agrees.
    scene.feeds.set(
        HOSTILE,
        windows_1256_feed("cp1256-2"),
        "application/rss+xml; charset=windows-1256",
    );
    assert!(
        scene
            .tg
            .wait_until(
                |s| s
                    .sent_to(SUBSCRIBER)
                    .iter()
                    .filter(|m| m.visible_text.contains(ARABIC_TITLE))
                    .count()
                    >= 2,
                WAIT
            )
            .await,
        "the second windows-1256 entry arrives in Arabic: {:#?}",
        scene.texts()
    );
    let feed = scene.stop().await;
    assert_eq!(feed.health.consecutive_failures, 0, "{feed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn script_style_and_iframe_text_never_reaches_an_alert() {
    let (scene, _) = after_baseline(|f| {
        let items = [script_style_iframe_item("script-1"), news(500)];
        f.set(HOSTILE, FeedServer::rss("Hostile partner", &items), RSS);
    })
    .await;
    let m = scene
        .wait_alert("the vigil entry", |t| t.contains("candlelight vigil"))
        .await;
    for marker in HIDDEN_MARKERS {
        assert!(!m.text.contains(marker), "{marker} in {}", m.text);
        assert!(
            !m.visible_text.contains(marker),
            "{marker} in {}",
            m.visible_text
        );
        for url in m.button_urls() {
            assert!(
                !url.contains(marker) && !url.starts_with("javascript"),
                "{url}"
            );
        }
    }
    assert!(!m.text.contains("javascript:"), "{}", m.text);
    scene.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100000_character_title_gives_one_message_within_the_limit() {
    let (scene, _) = after_baseline(|f| {
        let items = [long_title_item("long-1", 100_000), news(500)];
        f.set(HOSTILE, FeedServer::rss("Hostile partner", &items), RSS);
    })
    .await;
    let m = scene
        .wait_alert("the long title", |t| {
            t.contains("Sign the petition and free them")
        })
        .await;
    assert!(m.visible_text.chars().count() <= 4096);
    assert!(m.text.len() <= 32_768);
    scene.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bidi_and_control_characters_are_removed_from_titles() {
    let (scene, _) = after_baseline(|f| {
        f.set(
            HOSTILE,
            bidi_and_controls_feed("bidi-1"),
            "application/feed+json",
        );
    })
    .await;
    let m = scene
        .wait_alert("the controls entry", |t| t.contains("noitited"))
        .await;
    for c in BIDI_AND_CONTROLS {
        assert!(!m.text.contains(*c), "{c:?} in {:?}", m.text);
        assert!(
            !m.visible_text.contains(*c),
            "{c:?} in {:?}",
            m.visible_text
        );
    }
    assert!(m.visible_text.contains("end"), "{}", m.visible_text);
    scene.stop().await;
}

#[test]
fn long_unpunctuated_text_is_analysed_in_linear_time() {
    // Regression: the cue matcher's work on one sentence grew with the square of its
    // length, and text without full stops is one sentence: a 400 KB body took minutes of
    // CPU. Now long runs are cut into pieces; 1.6 MB in all must take seconds.
    let dir = tempfile::tempdir().expect("temp dir");
    let run: String = "Sign the petition and free them now "
        .chars()
        .cycle()
        .take(400_000)
        .collect();
    let items = [
        Item::new(
            "run-1",
            &run[..100_000],
            "https://partner.example/run",
            &run,
        ),
        Item::new(
            "run-2",
            "Short",
            "https://partner.example/run2",
            &run.replace(' ', ""),
        ),
        Item::new(
            "run-3",
            "Arabic",
            "https://partner.example/run3",
            &"وقعوا على العريضة ".repeat(20_000),
        ),
    ];
    let path = dir.path().join("runs.xml");
    std::fs::write(&path, FeedServer::rss("Runs", &items)).expect("fixture");
    let started = Instant::now();
    let r = run_check(dir.path(), &path.display().to_string(), false, None);
    let objects = assert_check_contract("runs.xml", &r);
    assert_eq!(objects.len(), 3);
    // A failure bound, not a speed target (that is `benches/detect.rs`): quadratic work on
    // 1.6 MB takes far over an hour, a linear pass seconds even on a loaded machine.
    assert!(
        started.elapsed() < Duration::from_secs(180),
        "took {:?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------------------
// Commands.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_character_commands_get_a_short_clear_reply() {
    let scene = Scene::start(
        |f| f.url(HOSTILE),
        |f| f.set(HOSTILE, harmless(), RSS),
        |_| {},
    )
    .await;
    scene.polled(HOSTILE, 2, WAIT).await;
    let long = |c: char| c.to_string().repeat(10_000);
    let cases: Vec<(i64, String, &[&str])> = vec![
        (
            ADMIN,
            format!("/addfeed https://{}", long('h')),
            &["Not added"],
        ),
        (ADMIN, format!("/addfeed {}", long('x')), &["Not added"]),
        (ADMIN, format!("/preview {}", long('p')), &["No preview"]),
        (ADMIN, format!("/removefeed {}", long('9')), &["feed"]),
        (ADMIN, format!("/grant {}", long('1')), &["user id"]),
        (ADMIN, format!("/{}", long('a')), &["Unknown command"]),
        (2002, format!("/start {}", long('s')), &["Subscribed"]),
        (2003, long('w'), &["/help"]),
        (2004, format!("/help {}", long('\u{202E}')), &["/start"]),
    ];
    for (user, text, phrases) in cases {
        let reply = command(&scene.tg, user, &text).await;
        assert!(
            reply.chars().count() <= 4096 && !reply.trim().is_empty(),
            "{reply:.200}"
        );
        assert!(
            phrases
                .iter()
                .any(|p| reply.to_lowercase().contains(&p.to_lowercase())),
            "reply to {:.40}… says one of {phrases:?}: {reply:.300}",
            text
        );
        assert!(!reply.contains('\u{202E}'), "{reply:.200}");
    }
    scene.healthy_appeal_arrives(1).await;
    scene.stop().await;
}

// ---------------------------------------------------------------------------------------
// Addresses. The guard is tested with allow_private off; the test servers live on
// loopback, so the first hop is let through by an exact exemption of 127.0.0.2 and every
// other loopback, private or link-local address stays closed.

/// Path -> (status, headers, body).
type Routes = Arc<Mutex<HashMap<String, (u16, Vec<(String, String)>, Vec<u8>)>>>;

/// A tiny HTTP/1.1 server on 127.0.0.2 with fixed answers per path (`Connection: close`).
#[derive(Clone)]
struct TinyServer {
    addr: SocketAddr,
    routes: Routes,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl TinyServer {
    async fn start() -> TinyServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.2:0")
            .await
            .expect("bind 127.0.0.2");
        let server = TinyServer {
            addr: listener.local_addr().expect("address"),
            routes: Arc::default(),
            hits: Arc::default(),
        };
        let s = server.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 1024];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 65_536 {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf);
                    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                    *s.hits.lock().unwrap().entry(path.clone()).or_default() += 1;
                    let route = s.routes.lock().unwrap().get(&path).cloned();
                    let (status, headers, body) =
                        route.unwrap_or((404, vec![], b"not found".to_vec()));
                    let mut out = format!(
                        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                        body.len()
                    );
                    for (k, v) in headers {
                        out.push_str(&format!("{k}: {v}\r\n"));
                    }
                    out.push_str("\r\n");
                    let mut bytes = out.into_bytes();
                    bytes.extend(body);
                    let _ = sock.write_all(&bytes).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        server
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn set(&self, path: &str, status: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) {
        let headers = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.routes
            .lock()
            .unwrap()
            .insert(path.to_string(), (status, headers, body.into()));
    }

    fn redirect(&self, path: &str, to: &str) {
        self.set(path, 302, &[("Location", to)], Vec::new());
    }

    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

/// A private-chat subscriber record (built through serde, so that fields added later with
/// defaults need no change here).
fn subscriber(chat_id: i64) -> SubscriberRecord {
    serde_json::from_value(serde_json::json!({
        "v": 1, "chat_id": chat_id, "kind": "private", "language": null, "since": 0, "thread_id": null
    }))
    .expect("a subscriber record")
}

fn loopback2() -> IpAddr {
    "127.0.0.2".parse().expect("address")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_to_private_addresses_are_refused_and_others_still_polled() {
    let tiny = TinyServer::start().await;
    let target = FeedServer::start().await; // on 127.0.0.1: the place the redirects aim at
    target.set(
        "/secret.xml",
        FeedServer::rss("Internal", &[appeal(66)]),
        RSS,
    );
    let port = target.addr().port();
    let redirects = [
        (
            "/to-loopback",
            format!("http://127.0.0.1:{port}/secret.xml"),
            &["127.0.0.1"][..],
        ),
        (
            "/to-metadata",
            "http://169.254.169.254/latest/meta-data/".to_string(),
            &["169.254.169.254"],
        ),
        (
            "/to-localhost",
            format!("http://localhost:{port}/secret.xml"),
            &["127.0.0.1", "::1"],
        ),
        (
            "/to-mapped",
            format!("http://[::ffff:127.0.0.1]:{port}/secret.xml"),
            &["127.0.0.1"],
        ),
        (
            "/to-decimal",
            format!("http://2130706433:{port}/secret.xml"),
            &["127.0.0.1"],
        ),
        (
            "/to-private",
            "http://10.1.2.3/feed.xml".to_string(),
            &["10.1.2.3"],
        ),
    ];
    for (path, to, _) in &redirects {
        tiny.redirect(path, to);
    }
    tiny.set(
        HEALTHY,
        200,
        &[("Content-Type", RSS)],
        FeedServer::rss("Healthy", &[news(1)]),
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let tg = FakeTelegram::start().await;
    let mut cfg = config(&tg, dir.path(), &[("SOLIBOT_ALLOW_PRIVATE", "0")]);
    assert!(!cfg.allow_private);
    cfg.feeds = std::iter::once(HEALTHY)
        .chain(redirects.iter().map(|(p, _, _)| *p))
        .map(|p| FeedConfig {
            url: tiny.url(p),
            name: Some(p.to_string()),
            hashtags: vec![],
            mode: FeedMode::All,
            review: false,
            timezone: None,
        })
        .collect();
    let store = Store::open(&dir.path().join("db")).expect("store");
    solibot::app::sync_config_feeds(&store, &cfg.feeds).expect("feeds stored");
    store
        .subscribe(&subscriber(SUBSCRIBER))
        .expect("subscribed");
    let fetch_options = solibot::context::fetch_options(&cfg);
    let mut shared = solibot::context::shared(cfg, store, None, None).expect("shared state");
    shared.fetcher = Fetcher::with_guard(fetch_options, Guard::new(false).exempting([loopback2()]))
        .expect("fetcher");
    let id_of = |url: &str| {
        shared
            .store
            .feed_by_url(url)
            .expect("store")
            .expect("feed")
            .id
    };

    // The healthy feed: a baseline poll.
    let healthy = id_of(&tiny.url(HEALTHY));
    poll_feed(&shared, healthy).await.expect("healthy baseline");

    for (path, to, addrs) in &redirects {
        let err = poll_feed(&shared, id_of(&tiny.url(path)))
            .await
            .expect_err("a redirect to a private address fails");
        let PollError::Fetch(FetchError::Blocked { addr, .. }) = &err else {
            panic!("{path} -> {to}: not refused as blocked: {err}");
        };
        let shown = addr.to_string();
        assert!(
            addrs.iter().any(|a| shown.ends_with(a)),
            "{path} -> {to}: refused {shown}, expected one of {addrs:?}"
        );
        let text = err.to_string();
        assert!(text.contains("refused") && text.contains(&shown), "{text}");
        assert_eq!(tiny.hits(path), 1, "{path} was asked once");
    }
    assert_eq!(
        target.requests("/secret.xml"),
        0,
        "nothing reached the loopback server"
    );

    // Everyone else is still served: the healthy feed's new appeal is queued.
    tiny.set(
        HEALTHY,
        200,
        &[("Content-Type", RSS)],
        FeedServer::rss("Healthy", &[appeal(3), news(1)]),
    );
    let report = poll_feed(&shared, healthy).await.expect("healthy poll");
    assert_eq!((report.new_entries, report.queued), (1, 1), "{report:?}");
    assert_eq!(shared.store.outbox_len(), 1);
    let errors = shared.counters.fetch_errors();
    assert_eq!(
        errors.get("blocked").copied(),
        Some(redirects.len() as u64),
        "{errors:?}"
    );
}

// ---------------------------------------------------------------------------------------
// `solibot check` on every hostile fixture.

struct CheckRun {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `solibot check --json --all SOURCE` with a clean environment, `allow_private` as
/// given and a 2-second fetch timeout; kills it after 60 s (a hang fails the test).
fn run_check(dir: &Path, source: &str, allow_private: bool, stdin: Option<&[u8]>) -> CheckRun {
    let config = dir.join("check.toml");
    std::fs::write(
        &config,
        format!("[fetch]\ntimeout = \"2s\"\nallow_private_addresses = {allow_private}\n"),
    )
    .expect("config written");
    let config = config.display().to_string();
    let launch = Launch::command(&["check", "--json", "--all", "--config", &config, source]);
    let launch = match stdin {
        Some(bytes) => launch.stdin(bytes),
        None => launch,
    };
    // The bound a hang is caught by, generous for a loaded machine.
    let out = launch.capture().spawn().finish(Duration::from_secs(180));
    CheckRun {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The check contract on hostile input: exit 0, 3 or 4; stdout only JSON objects, one a
/// line; on failure one `error:` line on stderr and nothing on stdout.
fn assert_check_contract(name: &str, r: &CheckRun) -> Vec<serde_json::Value> {
    let code = r
        .code
        .unwrap_or_else(|| panic!("{name}: killed by a signal: {}", r.stderr));
    assert!(
        [0, 3, 4].contains(&code),
        "{name}: exit {code}: {}",
        r.stderr
    );
    let mut objects = Vec::new();
    for line in r.stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{name}: stdout line is not JSON ({e}): {line:.200}"));
        assert!(v.is_object(), "{name}: not an object: {line:.200}");
        for field in [
            "id",
            "title",
            "lang",
            "is_appeal",
            "score",
            "actions",
            "hashtags",
            "summary",
            "reasons",
        ] {
            assert!(v.get(field).is_some(), "{name}: no {field} in {line:.200}");
        }
        assert!(
            v["summary"]
                .as_str()
                .is_some_and(|s| s.chars().count() <= 600),
            "{name}: summary over 600 characters"
        );
        objects.push(v);
    }
    if code != 0 {
        assert!(
            r.stdout.is_empty(),
            "{name}: output and a failure: {}",
            r.stdout
        );
        let lines: Vec<&str> = r.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{name}: one error line: {}", r.stderr);
        assert!(lines[0].starts_with("error: "), "{name}: {}", r.stderr);
        assert!(
            lines[0].len() < 1000,
            "{name}: a short error: {:.300}",
            lines[0]
        );
    }
    objects
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_never_crashes_hangs_or_prints_anything_but_json_on_hostile_fixtures() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rss_items = |items: &[Item]| FeedServer::rss("Hostile", items).into_bytes();
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        ("billion-laughs.xml", billion_laughs().into_bytes()),
        ("nested-100k.xml", deeply_nested_xml(100_000).into_bytes()),
        ("nested-60k.xml", deeply_nested_xml(60_000).into_bytes()),
        ("nested-xhtml-60k.atom", deeply_nested_xhtml(60_000).into_bytes()),
        ("nested-html-100k.xml", rss_items(&[deeply_nested_html_item(100_000)])),
        ("invalid-utf8.xml", invalid_utf8_feed("u1")),
        ("windows-1256.xml", windows_1256_feed("w1")),
        ("script-style-iframe.xml", rss_items(&[script_style_iframe_item("s1")])),
        ("title-100k.xml", rss_items(&[long_title_item("t1", 100_000)])),
        ("bidi-controls.json", bidi_and_controls_feed("b1").into_bytes()),
        ("empty.xml", Vec::new()),
        ("nul-bytes.xml", vec![0u8; 4096]),
        ("bom-only.xml", b"\xef\xbb\xbf".to_vec()),
        ("html-page.xml", b"<!doctype html><html><body><p>Hello</p></body></html>".to_vec()),
        ("json-array.json", b"[1,2,3]".to_vec()),
        ("json-deep.json", format!("{{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"x\",\"items\":[{{\"id\":\"1\",\"title\":\"t\",\"x\":{}{}}}]}}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes()),
        ("truncated.xml", FeedServer::rss("Cut", &[appeal(1)]).as_bytes()[..150].to_vec()),
        ("cdata-tags.xml", b"<rss version=\"2.0\"><channel><title>c</title><item><guid>c1</guid><title><![CDATA[<b>Sign</b> </i></a><a href=\"javascript:x\">now]]></title><description><![CDATA[<p>Donate <b>now</i></p>]]></description></item></channel></rss>".to_vec()),
        ("many-entries.xml", rss_items(&(0..5_000).map(news).collect::<Vec<_>>())),
    ];
    // Bytes that are not a feed at all: a fixed pseudo-random sequence.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    files.push((
        "random.bin",
        (0..65_536)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect(),
    ));
    for (name, bytes) in &files {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("fixture written");
        let r = run_check(dir.path(), &path.display().to_string(), false, None);
        let objects = assert_check_contract(name, &r);
        match *name {
            "windows-1256.xml" => {
                assert_eq!(objects.len(), 1, "{}", r.stdout);
                assert_eq!(objects[0]["title"], ARABIC_TITLE);
            }
            "script-style-iframe.xml" => {
                for marker in HIDDEN_MARKERS {
                    assert!(!r.stdout.contains(marker), "{marker} in {}", r.stdout);
                }
            }
            "nested-100k.xml" | "empty.xml" | "random.bin" | "json-array.json" => {
                assert_eq!(r.code, Some(4), "{name}: {}", r.stderr);
            }
            "many-entries.xml" => assert_eq!(objects.len(), 5_000),
            _ => {}
        }
    }
    // A 50 MB file is larger than the cap: could not read, exit 3.
    let big = dir.path().join("big.xml");
    {
        let f = std::fs::File::create(&big).expect("big file");
        f.set_len(50 * 1024 * 1024).expect("sparse 50 MB");
    }
    let r = run_check(dir.path(), &big.display().to_string(), false, None);
    assert_check_contract("big.xml", &r);
    assert_eq!(r.code, Some(3), "{}", r.stderr);
    // Standard input, hostile too.
    let r = run_check(dir.path(), "-", false, Some(&windows_1256_feed("w2")));
    let objects = assert_check_contract("stdin windows-1256", &r);
    assert_eq!(objects[0]["title"], ARABIC_TITLE);
    let r = run_check(dir.path(), "-", false, Some(&vec![b'<'; 6 * 1024 * 1024]));
    assert_check_contract("stdin 6 MB", &r);
    assert_eq!(r.code, Some(3));

    // Over the network.
    let feeds = FeedServer::start().await;
    feeds.huge("/huge", 50 * 1024 * 1024, RSS, false);
    feeds.gzip_bomb("/bomb", 1024 * 1024 * 1024);
    feeds.slow_drip(
        "/drip",
        FeedServer::rss("Drip", &[news(1)]),
        RSS,
        Duration::from_secs(1),
    );
    feeds.redirect("/loop-a", &feeds.url("/loop-b"), 302);
    feeds.redirect("/loop-b", &feeds.url("/loop-a"), 302);
    // A redirect to a loopback port nobody listens on (never to an outside host).
    feeds.redirect("/to-closed-port", "http://127.0.0.1:9/feed.xml", 302);
    feeds.set_raw_response(
        "/lying-gzip",
        200,
        &[("content-encoding", "gzip")],
        b"not gzip at all".to_vec(),
    );
    feeds.set("/laughs", billion_laughs(), RSS);
    let cases: &[(&str, bool, i32, &str)] = &[
        ("/huge", true, 3, "larger than the limit"),
        ("/bomb", true, 3, "larger than the limit"),
        ("/drip", true, 3, "timed out"),
        ("/loop-a", true, 3, "redirected more than"),
        ("/to-closed-port", true, 3, "cannot connect"),
        ("/lying-gzip", true, 3, "Invalid gzip header"),
        ("/laughs", true, 0, ""),
        ("/laughs", false, 3, "refused"),
    ];
    for (path, allow_private, code, phrase) in cases {
        let started = Instant::now();
        let r = run_check(dir.path(), &feeds.url(path), *allow_private, None);
        let name = format!("{path} (allow_private {allow_private})");
        assert_check_contract(&name, &r);
        assert_eq!(r.code, Some(*code), "{name}: {}", r.stderr);
        assert!(r.stderr.contains(phrase), "{name}: {}", r.stderr);
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{name} took {:?}",
            started.elapsed()
        );
    }
    // Names and literals that lead to private addresses, with the guard on.
    let port = feeds.addr().port();
    for (url, shown) in [
        (
            format!("http://localhost:{port}/laughs"),
            "localhost resolves to",
        ),
        (
            "http://169.254.169.254/latest/meta-data/".to_string(),
            "169.254.169.254 is",
        ),
        (format!("http://[::1]:{port}/laughs"), "::1 is"),
        (format!("http://0x7f000001:{port}/laughs"), "127.0.0.1 is"),
    ] {
        let r = run_check(dir.path(), &url, false, None);
        assert_check_contract(&url, &r);
        assert_eq!(r.code, Some(3), "{url}: {}", r.stderr);
        assert!(
            r.stderr.contains("refused") && r.stderr.contains(shown),
            "{url}: {}",
            r.stderr
        );
    }
    assert_eq!(
        feeds.requests("/laughs"),
        1,
        "only the allowed fetch reached the server"
    );
}

#[test]
fn windows_1256_table_spells_the_test_title() {
    // The hand-written table gives one byte per letter, all in the Arabic block of
    // windows-1256, and round-trips the title (so the fixture is what it claims).
    let bytes = windows_1256(ARABIC_TITLE);
    assert_eq!(bytes.len(), ARABIC_TITLE.chars().count());
    assert!(bytes.iter().all(|b| *b == b' ' || *b >= 0xA1));
    assert!(xml_escape(ARABIC_TITLE) == ARABIC_TITLE);
}

// ---------------------------------------------------------------------------------------
// The rendering invariant, through the fake Bot API's validator (a port of Telegram's own
// HTML parser): whatever the alert's fields hold, the message is valid Telegram HTML of at
// most 4096 visible characters. A seeded loop, the same inputs every run.

#[allow(
    clippy::too_many_lines,
    reason = "a table of hostile pieces (about 90 lines), then the seeded loop that combines them"
)]
#[test]
fn rendered_alerts_and_digests_pass_telegrams_html_parser_whatever_the_fields() {
    use solibot::deliver::render::{Alert, render_alert, render_digest};
    use solibot::detect::{Action, ActionKind};

    const PIECES: &[&str] = &[
        "&",
        "<",
        ">",
        "\"",
        "'",
        "&amp;",
        "&lt;",
        "&#",
        "&#x;",
        "&#1114112;",
        "&nbsp",
        "<b>",
        "</b>",
        "<i>",
        "</a>",
        "<a href=\"x\">",
        "<tg-spoiler>",
        "<pre><code class=\"",
        "<br>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "\u{202E}",
        "\u{2067}",
        "\u{200F}",
        "\u{0}",
        "\u{1}",
        "\u{1b}",
        "\u{7f}",
        "\u{85}",
        "\u{ad}",
        "\u{FEFF}",
        "\u{2028}",
        "\u{FFFD}",
        "\r",
        "\n",
        "\t",
        " ",
        "😀",
        "👩🏽‍⚕️",
        "🇵🇸",
        "a\u{300}\u{301}\u{302}",
        "ﷺ",
        "سوريا",
        "עברית",
        "Kurdî",
        "Ş",
        "word",
        "Sign now. ",
        "#",
        "#tag",
        "##",
        "…",
        "javascript:",
        "https://",
        "mailto:",
        "tel:",
        "%3C",
        "\\",
        "`",
        "*",
        "_",
        "[",
        "]",
        "(",
        ")",
        "|",
        "~",
    ];
    const URLS: &[&str] = &[
        "https://partner.example/a?b=1&c=2#f",
        "http://partner.example/",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html;base64,PGI+",
        "vbscript:x",
        "https://ex.example/\"><b>x</b>",
        "https://ex.example/ space",
        "https://",
        "mailto:someone@example.org?subject=a&body=\"b\"",
        "tel:+49 30 1234",
        "file:///etc/passwd",
        "//evil.example",
        "https://xn--mgbh0fb.example/مسار",
        "https://ex.example/\u{202E}fdp.exe",
        "https://user:pass@ex.example/",
        "tg://resolve?domain=x",
    ];

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn text(&mut self) -> String {
            match self.below(12) {
                0 => PIECES[self.below(PIECES.len())].repeat(1 + self.below(20_000)),
                1 => String::new(),
                _ => (0..self.below(80))
                    .map(|_| PIECES[self.below(PIECES.len())])
                    .collect(),
            }
        }
        fn url(&mut self) -> Option<String> {
            match self.below(5) {
                0 => None,
                1 => Some(self.text()),
                2 => Some(format!("{}{}", URLS[self.below(URLS.len())], self.text())),
                _ => Some(URLS[self.below(URLS.len())].to_string()),
            }
        }
        fn alert(&mut self) -> Alert {
            Alert {
                feed_name: self.text(),
                title: self.text(),
                link: self.url(),
                summary: self.text(),
                actions: (0..self.below(15))
                    .map(|_| Action {
                        kind: ActionKind::ALL[self.below(ActionKind::ALL.len())],
                        label: self.text(),
                        url: self.url(),
                    })
                    .collect(),
                hashtags: (0..self.below(15)).map(|_| self.text()).collect(),
                lang: [
                    "en", "ar", "fr", "de", "tr", "ku", "fa", "he", "", "und", "AR",
                ][self.below(11)]
                .to_string(),
                also_published_by: (0..self.below(8)).map(|_| self.text()).collect(),
                ..Alert::default()
            }
        }
    }

    let check = |what: &str, html: &str, plain: &str, buttons: &[(String, String)]| {
        let visible = tg_html::parse_telegram_html(html)
            .unwrap_or_else(|e| panic!("{what}: Telegram refuses it: {e}\n{html:.3000}"));
        assert!(!visible.is_empty(), "{what}: empty message");
        assert!(
            visible.chars().count() <= tg_html::MAX_TEXT_CHARS,
            "{what}: {} visible characters",
            visible.chars().count()
        );
        assert!(html.len() <= 32_768, "{what}: {} bytes", html.len());
        let plain_visible = tg_html::plain_visible(plain);
        assert!(
            !plain_visible.is_empty() && plain_visible.chars().count() <= tg_html::MAX_TEXT_CHARS,
            "{what}: plain"
        );
        for c in ['\u{202E}', '\u{2067}', '\u{0}', '\u{1b}'] {
            assert!(
                !html.contains(c) && !plain.contains(c),
                "{what}: {c:?} passed through"
            );
        }
        for (text, url) in buttons {
            assert!(
                url.starts_with("https://") || url.starts_with("http://"),
                "{what}: button {url}"
            );
            assert!(!url.contains(['"', ' ', '<', '>']), "{what}: button {url}");
            assert!(
                !text.trim().is_empty() && text.chars().count() <= 64,
                "{what}: button {text:?}"
            );
        }
    };
    let mut rng = Rng(20_240_601);
    for round in 0..400 {
        let alerts: Vec<Alert> = (0..1 + rng.below(6)).map(|_| rng.alert()).collect();
        for (i, alert) in alerts.iter().enumerate() {
            let r = render_alert(alert);
            let buttons: Vec<(String, String)> = r
                .buttons
                .iter()
                .map(|b| (b.text.clone(), b.url.clone()))
                .collect();
            check(
                &format!("round {round} alert {i}"),
                &r.html,
                &r.plain,
                &buttons,
            );
        }
        let d = render_digest(&alerts);
        let buttons: Vec<(String, String)> = d
            .buttons
            .iter()
            .map(|b| (b.text.clone(), b.url.clone()))
            .collect();
        check(
            &format!("round {round} digest"),
            &d.html,
            &d.plain,
            &buttons,
        );
    }
}

/// Regression (found by the `parse` fuzzer): an XML declaration naming another encoding
/// after the start of the document made quick-xml, under feed-rs, panic with
/// "set_encoding() called after prefix buffer was drained", which killed `check` (exit
/// 101) and left the poller's task for that feed dead.
#[test]
fn late_xml_declaration_naming_another_encoding_does_not_panic() {
    use solibot::feeds::parse::parse;
    let crash: &[u8] = b"<?xml veersion=\"1.0\"?><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
        xmlns=\"http://purl.org/rss/1.0/\"><channel rdf:about=\"https://partner.example/\"><title>RSS 1.0\
        <?xml version=\"1.0\" encoding=\"windows-1256\"?><rss version=</title>\"<2";
    assert!(parse(crash, None).is_err());
    // A well-formed feed with a stray late declaration still parses, entries intact.
    let late = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>T</title>\
        <?xml version=\"1.0\" encoding=\"windows-1256\"?><item><guid>g1</guid><title>Sign now</title></item>\
        <!-- <?xml encoding=\"koi8-r\"?> --><item><guid>g2</guid><title><![CDATA[Code: <?xml version=\"1.0\"?>]]></title></item>\
        </channel></rss>";
    let feed = parse(late.as_bytes(), None).expect("parses");
    assert_eq!(feed.entries.len(), 2);
    assert_eq!(feed.entries[0].title, "Sign now");
    assert!(
        feed.entries[1].title.contains("Code:"),
        "{}",
        feed.entries[1].title
    );
    // Without a declaration at the start, and after a byte order mark.
    for doc in [
        "  \n<rss version=\"2.0\"><channel><title>T</title><?xml version=\"1.0\" encoding=\"ISO-8859-1\"?></channel></rss>"
            .to_string(),
        "\u{FEFF}<?xml version=\"1.0\" encoding=\"windows-1256\"?><rss version=\"2.0\"><channel><title>T</title><?xml encoding=\"UTF-16\"?></channel></rss>"
            .to_string(),
    ] {
        assert!(parse(doc.as_bytes(), None).is_ok(), "{doc}");
    }
    // The first declaration still decides the encoding.
    let feed = parse(&windows_1256_feed("w9"), None).expect("parses");
    assert_eq!(feed.entries[0].title, ARABIC_TITLE);
    // And `check` exits with a contract code.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("late-declaration.xml");
    std::fs::write(&path, crash).expect("fixture");
    let r = run_check(dir.path(), &path.display().to_string(), false, None);
    assert_check_contract("late-declaration.xml", &r);
}

/// Regression (found by the `detect` fuzzer): the same quick-xml panic when the opening
/// declaration itself ends after the decoder's first 64 bytes (a long or unterminated
/// declaration, or one after leading white space) and names a non-UTF-8 encoding.
#[test]
fn long_or_late_opening_xml_declaration_does_not_panic() {
    use solibot::feeds::parse::parse;
    let item = "<item><guid>g1</guid><title>وقعوا</title></item>";
    let cases = [
        // Unterminated: runs on to the next "?>".
        format!(
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"eed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"fr\"><title>x</title><?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>T</title>{item}</channel></rss>"
        ),
        // Long but valid.
        format!(
            "<?xml version=\"1.0\"      encoding=\"windows-1256\"      standalone=\"yes\"   ?><rss version=\"2.0\"><channel><title>T</title>{item}</channel></rss>"
        ),
        // After leading white space (common in feeds printed by templates).
        format!(
            "{}<?xml version=\"1.0\" encoding=\"windows-1256\"?><rss version=\"2.0\"><channel><title>T</title>{item}</channel></rss>",
            "\n".repeat(40)
        ),
        // After a byte order mark and white space.
        format!(
            "\u{FEFF}   \t<?xml version='1.0' encoding='ISO-8859-1' standalone='no' ?><rss version=\"2.0\"><channel><title>T</title>{item}</channel></rss>"
        ),
        // A bogus encoding name.
        format!(
            "<?xml version=\"1.0\" encoding=\"{}\"?><rss version=\"2.0\"><channel><title>T</title>{item}</channel></rss>",
            "x".repeat(200)
        ),
    ];
    let cases: Vec<String> = cases
        .into_iter()
        .chain([
            // A late declaration after "<![CDATA[" inside an attribute value.
            format!("<rss version=\"2.0\"><channel><title a=\"<![CDATA[\">T</title><?xml x encoding=\"windows-1256\"?>{item}</channel></rss>"),
            format!("<rss version=\"2.0\"><channel><!-- <?xml x --><?xml encoding=\"koi8-r\"?>{item}</channel></rss>"),
        ])
        .collect();
    for doc in &cases {
        // Must not panic; well-formed documents (all but the first) still parse.
        let _ = parse(doc.as_bytes(), None);
    }
    for doc in &cases[1..4] {
        let feed = parse(doc.as_bytes(), None).unwrap_or_else(|e| panic!("{e}: {doc:.120}"));
        assert_eq!(feed.entries.len(), 1, "{doc:.120}");
    }
    // The declared encoding is still honoured after the rewrite.
    let mut doc = windows_1256(
        "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n<?xml version=\"1.0\" encoding=\"windows-1256\" standalone=\"yes\"?>",
    );
    doc.extend(windows_1256(&format!(
        "<rss version=\"2.0\"><channel><title>T</title><item><guid>g</guid><title>{ARABIC_TITLE}</title></item></channel></rss>"
    )));
    let feed = parse(&doc, None).expect("parses");
    assert_eq!(feed.entries[0].title, ARABIC_TITLE);

    // UTF-16, with and without a byte order mark, whatever its declaration says.
    let text = format!(
        "<?xml version=\"1.0\" encoding=\"windows-1256\"?><rss version=\"2.0\"><channel><title>T</title>\
         <item><guid>g</guid><title>{ARABIC_TITLE}</title></item></channel></rss>"
    );
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for doc in [
        [&[0xFF, 0xFE][..], &le].concat(),
        [&[0xFE, 0xFF][..], &be].concat(),
        le.clone(),
        be.clone(),
    ] {
        let feed = parse(&doc, None).expect("UTF-16 parses");
        assert_eq!(feed.entries[0].title, ARABIC_TITLE);
    }
}

/// Regression (found by the `render` fuzzer): a title made only of the combining marks
/// Telegram deletes (U+0333, U+033F, U+030A) gave a message that is empty once Telegram
/// has cleaned it, which the Bot API refuses.
#[test]
fn title_of_only_marks_telegram_deletes_still_gives_a_message() {
    use solibot::deliver::render::{Alert, render_alert, render_digest};
    for title in [
        "\u{33f}",
        "\u{333}\u{30a}\u{33f}",
        " \u{33f} \u{202E}\u{FEFF} ",
    ] {
        let alert = Alert {
            title: title.to_string(),
            ..Alert::default()
        };
        for html in [
            render_alert(&alert).html,
            render_digest(std::slice::from_ref(&alert)).html,
        ] {
            let visible = tg_html::parse_telegram_html(&html).expect("valid HTML");
            assert!(!visible.trim().is_empty(), "{title:?} gave {html:?}");
        }
    }
}

/// Regression (found by the `parse` and `detect` fuzzers): an "&" followed by Arabic text
/// in a title ("&لعريضة") made the entity decoder slice inside a character and panic,
/// killing the poll of that feed.
#[test]
fn ampersand_before_arabic_text_in_a_title_does_not_panic() {
    use solibot::feeds::parse::parse;
    let doc = "<rss version=\"2.0\"><channel><title>حملة &amp;التضامن</title>\
        <item><guid>a1</guid><title>وقعوا &amp;لعريضة الآن</title></item>\
        <item><guid>a2</guid><title>&amp;😀😀😀 &amp;#x62;</title></item></channel></rss>";
    let feed = parse(doc.as_bytes(), None).expect("parses");
    assert_eq!(feed.title, "حملة &التضامن");
    assert_eq!(feed.entries[0].title, "وقعوا &لعريضة الآن");
    assert_eq!(feed.entries[1].title, "&😀😀😀 b");
}
