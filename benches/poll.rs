//! Polling cost: `cargo bench --bench poll [-- --feeds N --subscribers N]`.
//!
//! A child process (this same binary, `--serve-feeds`) serves N realistic feeds (default
//! 2,000; 10–20 entries of 2–4 KB of HTML each, in English, Arabic and French, about one
//! entry in five an appeal) from the local feed server of `tests/support`, with strong
//! ETags. This process opens a store on disk with the production settings, stores the
//! feeds and the subscribers (default 10,000; one in ten follows every feed, the others
//! one feed that never changes) and drives `solibot::poll::poll_feed` over every feed with
//! the production concurrency, three times: the first poll (fetch, parse, commit every
//! entry as seen with the sites it links to: a backlog is not detected), a second one
//! that the server answers 304, and a third after [`APPEALS`] feeds got a new appeal each
//! (those feeds' entries detected, template learned). The third round's alerts then go through
//! the outbox: the delivery worker sends them to the fake Bot API (in this process,
//! Telegram's limits ×10 with no slack), and every chat that follows every feed must get
//! each new appeal exactly once.
//!
//! Measured in this process (the server runs in the child): CPU seconds (user + system,
//! from /proc/self/stat) per 1,000 feeds for each polling round, wall time, and peak RSS
//! (VmHWM from /proc/self/status) before the delivery round. Exits 1 when a target is
//! missed: ≤ 1.5 s and ≤ 0.1 s of CPU per 1,000 feeds, peak RSS ≤ 40 MB up to 2,000 feeds
//! and ≤ 64 MB up to 10,000, every poll answered, every appeal delivered exactly once, no
//! 429.
#![allow(
    unreachable_pub,
    reason = "a test or bench is a crate of its own with no public API: `pub` in its modules \
              and in tests/support means \"for this crate's other modules\""
)]

#[path = "../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

use solibot::config::{RawConfig, validate};
use solibot::store::{FeedRecord, Store, SubscriberRecord};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::feed_server::{FeedServer, Item};
use support::telegram::{FakeOptions, FakeTelegram};

// ---------------------------------------------------------------------------------------
// Realistic feed content, generated from a seed.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const EN_NEWS: &[&str] = &[
    "Our mobile clinic in the north-west held more than a thousand consultations last month, most of them for children under five.",
    "Water deliveries to the camps near the border have fallen by a third since the summer, after two donors ended their support.",
    "Teachers in the region have not been paid for four months, and several schools closed their afternoon shifts.",
    "The report documents hundreds of attacks on health facilities this year, including strikes on three hospitals.",
    "Families who returned to their villages found their homes damaged and the wells contaminated.",
    "The winter response reached 4,200 households with heating fuel, blankets and children's clothing.",
    "A delegation of our partners met officials in Brussels to discuss the renewal of the cross-border mechanism.",
];
const EN_ASKS: &[&str] = &[
    "Sign the petition to the Foreign Secretary before Friday and share it with #NoUnsafeReturns.",
    "Please donate today: every gift buys heating fuel for a family for a week.",
    "Write to your MP and ask them to attend the debate next Tuesday.",
    "Join us for a silent vigil in front of the embassy on Wednesday at 5 pm.",
];
const AR_NEWS: &[&str] = &[
    "قدمت العيادة المتنقلة أكثر من ألف استشارة طبية خلال الشهر الماضي، معظمها للأطفال دون سن الخامسة.",
    "انخفضت كميات المياه الموزعة على المخيمات بمقدار الثلث منذ الصيف بعد توقف دعم جهتين مانحتين.",
    "لم يتقاض المعلمون رواتبهم منذ أربعة أشهر، وأغلقت عدة مدارس دوامها المسائي.",
    "وثق التقرير عشرات الهجمات على المنشآت الصحية منذ بداية العام.",
];
const AR_ASKS: &[&str] = &[
    "وقعوا على العريضة وشاركوها مع أصدقائكم قبل يوم الجمعة.",
    "تبرعوا اليوم لتأمين وقود التدفئة للعائلات في المخيمات.",
    "انضموا إلينا في الوقفة التضامنية أمام السفارة يوم الأربعاء.",
];
const FR_NEWS: &[&str] = &[
    "Notre clinique mobile a assuré plus de mille consultations le mois dernier, surtout pour des enfants de moins de cinq ans.",
    "Les livraisons d'eau aux camps ont baissé d'un tiers depuis l'été, après le retrait de deux bailleurs.",
    "Les enseignants de la région n'ont pas été payés depuis quatre mois.",
    "Le rapport recense des centaines d'attaques contre des structures de santé cette année.",
];
const FR_ASKS: &[&str] = &[
    "Signez la pétition adressée au ministre avant vendredi et partagez-la avec #PasDeRetourForcé.",
    "Faites un don aujourd'hui : chaque geste finance une semaine de chauffage pour une famille.",
    "Rejoignez-nous pour un rassemblement silencieux devant l'ambassade mercredi à 17 h.",
];

/// The site chrome every entry of a feed repeats: share links, a newsletter box,
/// related posts.
fn chrome(feed: usize) -> String {
    format!(
        "<div class=\"share\"><a href=\"https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fpartner{feed}.example%2F\">Facebook</a> \
         <a href=\"https://twitter.com/intent/tweet?url=https%3A%2F%2Fpartner{feed}.example%2F\">Twitter</a></div>\
         <div class=\"newsletter\"><p>Subscribe to our newsletter for updates.</p>\
         <a href=\"https://partner{feed}.example/newsletter\">Subscribe</a></div>\
         <ul class=\"related\"><li><a href=\"https://partner{feed}.example/a\">Annual report</a></li>\
         <li><a href=\"https://partner{feed}.example/b\">Our programmes</a></li></ul>"
    )
}

fn entry_html(rng: &mut Rng, feed: usize, lang: usize, appeal: bool, target: usize) -> String {
    let (news, asks) = match lang {
        0 => (EN_NEWS, EN_ASKS),
        1 => (AR_NEWS, AR_ASKS),
        _ => (FR_NEWS, FR_ASKS),
    };
    let mut html = String::new();
    if appeal {
        html.push_str(&format!(
            "<p><strong>{}</strong> <a href=\"https://www.change.org/p/partner{feed}-{}\">{}</a></p>",
            rng.pick(asks),
            rng.next() % 100_000,
            rng.pick(asks)
        ));
    }
    while html.len() < target {
        html.push_str("<p>");
        for _ in 0..3 {
            html.push_str(rng.pick(news));
            html.push(' ');
        }
        html.push_str("</p>");
        if rng.below(4) == 0 {
            html.push_str(&format!(
                "<figure><img src=\"https://partner{feed}.example/img/{}.jpg\" alt=\"\"><figcaption>{}</figcaption></figure>",
                rng.next() % 10_000,
                rng.pick(news)
            ));
        }
    }
    html.push_str(&chrome(feed));
    html
}

/// Feed `i`: 10–20 entries of 2–4 KB, one language per feed.
fn feed_document(i: usize) -> String {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let lang = i % 3;
    let n = 10 + rng.below(11);
    let now = 1_700_000_000i64;
    let items: Vec<Item> = (0..n)
        .map(|k| {
            let appeal = rng.below(5) == 0;
            let target = 2048 + rng.below(2048);
            let title = match (lang, appeal) {
                (0, true) => format!("Act now: {}", rng.pick(EN_ASKS)),
                (0, false) => rng.pick(EN_NEWS).to_string(),
                (1, true) => rng.pick(AR_ASKS).to_string(),
                (1, false) => rng.pick(AR_NEWS).to_string(),
                (_, true) => rng.pick(FR_ASKS).to_string(),
                (_, false) => rng.pick(FR_NEWS).to_string(),
            };
            let title: String = title.chars().take(90).collect();
            Item::new(
                &format!("https://partner{i}.example/posts/{k}"),
                &title,
                &format!("https://partner{i}.example/posts/{k}"),
                &entry_html(&mut rng, i, lang, appeal, target),
            )
            .published(now - (k as i64) * 86_400)
        })
        .collect();
    FeedServer::rss(&format!("Partner organisation {i}"), &items)
}

// ---------------------------------------------------------------------------------------
// Measurement.

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// User + system CPU seconds of this process (all threads).
fn cpu_seconds(ticks: f64) -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the command name: state is field 3, utime 14 and stime 15 (1-based).
    let utime: f64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    let stime: f64 = fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    (utime + stime) / ticks
}

/// Bytes this process has written (storage, from /proc/self/io), in MB.
fn written_mb() -> f64 {
    std::fs::read_to_string("/proc/self/io")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("wchar:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map_or(0.0, |b| b / 1e6)
}

/// A line of /proc/self/status in MB (VmRSS, VmHWM).
fn status_mb(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------

fn serve(feeds: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("feed-server")
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let server = FeedServer::start().await;
        let mut bytes = 0usize;
        for i in 0..feeds {
            let doc = feed_document(i);
            bytes += doc.len();
            server.set(&format!("/feeds/{i}.xml"), doc, "application/rss+xml");
        }
        println!("PORT {} BYTES {bytes}", server.addr().port());
        let _ = std::io::stdout().flush();
        // Serve until the parent closes our standard input; a line `APPEALS` adds a new
        // appeal to the first feeds of [`appeal_feeds`].
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        std::thread::spawn(move || {
            for line in std::io::stdin().lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        while let Some(line) = rx.recv().await {
            if line.trim() == "APPEALS" {
                for i in appeal_feeds(feeds) {
                    server.set(
                        &format!("/feeds/{i}.xml"),
                        feed_with_appeal(i),
                        "application/rss+xml",
                    );
                }
                println!("OK");
                let _ = std::io::stdout().flush();
            }
        }
    });
}

/// How many feeds get a new appeal in the third round.
const APPEALS: usize = 3;

/// The feeds that get a new appeal: English ones (every third), never feed 1 (the one
/// most subscribers follow).
fn appeal_feeds(feeds: usize) -> Vec<usize> {
    (0..feeds).filter(|i| i % 3 == 0).take(APPEALS).collect()
}

fn appeal_title(feed: usize) -> String {
    format!("Act now for the families of partner {feed}")
}

/// Each new appeal asks for something else, so none is taken for a cross-post of another.
fn appeal_html(feed: usize) -> String {
    let ask = match feed / 3 % 3 {
        0 => format!(
            "Sign the petition to the Foreign Secretary before Friday: \
             <a href=\"https://www.change.org/p/partner{feed}-families\">sign here</a>."
        ),
        1 => format!(
            "Please donate today: every gift buys heating fuel for a family for a week. \
             <a href=\"https://partner{feed}.example/donate\">Donate</a>."
        ),
        _ => "Join us for a silent vigil in front of the embassy on Wednesday at 5 pm, and \
              bring a candle."
            .to_string(),
    };
    format!("<p>{ask}</p>{}", chrome(feed))
}

/// Feed `i` with one more entry on top: an appeal.
fn feed_with_appeal(i: usize) -> String {
    let doc = feed_document(i);
    let item = Item::new(
        &format!("https://partner{i}.example/posts/appeal"),
        &appeal_title(i),
        &format!("https://partner{i}.example/posts/appeal"),
        &appeal_html(i),
    )
    .published(1_700_100_000);
    let one = FeedServer::rss("x", std::slice::from_ref(&item));
    let start = one.find("<item>").expect("an item");
    let end = one.rfind("</item>").expect("an item") + "</item>".len();
    let at = doc.find("<item>").expect("items");
    format!("{}{}{}", &doc[..at], &one[start..end], &doc[at..])
}

/// Chat `n`: one in ten follows every feed, the others only `quiet_feed`.
fn subscriber(n: usize, quiet_feed: u64) -> SubscriberRecord {
    let follow: Vec<u64> = if n % 10 == 0 {
        vec![]
    } else {
        vec![quiet_feed]
    };
    serde_json::from_value(serde_json::json!({
        "v": 1, "chat_id": 10_000_000 + n as i64, "kind": "private", "language": null,
        "since": 0, "thread_id": null, "follow_feeds": follow
    }))
    .expect("a subscriber record")
}

struct Round {
    cpu: f64,
    written: f64,
    wall: Duration,
    errors: usize,
    entries: usize,
    not_modified: usize,
}

async fn round(shared: &Arc<solibot::context::Shared>, ids: &[u64], ticks: f64) -> Round {
    let cpu0 = cpu_seconds(ticks);
    let written0 = written_mb();
    let t0 = Instant::now();
    // As the polling loop does: at most `max_concurrent_polls` at once, each joined when
    // it ends (a task not yet joined keeps its memory).
    let mut tasks = tokio::task::JoinSet::new();
    let mut tally = Tally::default();
    for &id in ids {
        while tasks.len() >= shared.config.max_concurrent_polls {
            tally.add(tasks.join_next().await);
        }
        let shared = shared.clone();
        tasks.spawn(async move { solibot::poll::poll_feed(&shared, id).await });
    }
    while let Some(r) = tasks.join_next().await {
        tally.add(Some(r));
    }
    Round {
        cpu: cpu_seconds(ticks) - cpu0,
        written: written_mb() - written0,
        wall: t0.elapsed(),
        errors: tally.errors,
        entries: tally.entries,
        not_modified: tally.not_modified,
    }
}

/// What a round's polls reported.
#[derive(Default)]
struct Tally {
    errors: usize,
    entries: usize,
    not_modified: usize,
}

type Joined =
    Result<Result<solibot::poll::PollReport, solibot::poll::PollError>, tokio::task::JoinError>;

impl Tally {
    fn add(&mut self, joined: Option<Joined>) {
        match joined {
            Some(Ok(Ok(report))) => {
                self.entries += report.entries;
                self.not_modified += usize::from(report.not_modified);
            }
            Some(Ok(Err(e))) => {
                if self.errors < 3 {
                    eprintln!("poll error: {e}");
                }
                self.errors += 1;
            }
            Some(Err(e)) => panic!("poll task failed: {e}"),
            None => {}
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let feeds = arg(&args, "--feeds", 2_000);
    if args.iter().any(|a| a == "--serve-feeds") {
        serve(feeds);
        return;
    }
    let subscribers = arg(&args, "--subscribers", 10_000);
    let ticks = clock_ticks();

    let mut child = Command::new(std::env::current_exe().expect("own path"))
        .args(["--serve-feeds", "--feeds", &feeds.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("feed server process");
    let mut server_in = child.stdin.take().expect("stdin");
    let mut server_out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    server_out.read_line(&mut line).expect("port line");
    let words: Vec<&str> = line.split_whitespace().collect();
    let port: u16 = words.get(1).and_then(|p| p.parse().ok()).expect("a port");
    let served: usize = words.get(3).and_then(|p| p.parse().ok()).unwrap_or(0);
    eprintln!(
        "serving {feeds} feeds, {:.1} MB of RSS, on port {port}",
        served as f64 / 1e6
    );

    let rss_start = status_mb("VmRSS:");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("solibot.db");
    let store = Store::open(&db).expect("store");
    let t = Instant::now();
    let mut ids = Vec::with_capacity(feeds);
    for i in 0..feeds {
        let rec = FeedRecord {
            from_config: true,
            ..FeedRecord::new(format!("http://127.0.0.1:{port}/feeds/{i}.xml"), "")
        };
        let added = store.add_feed(rec).expect("add feed").expect("a new feed");
        ids.push(added.id);
    }
    let quiet_feed = ids.get(1).copied().unwrap_or(0);
    let subs: Vec<SubscriberRecord> = (0..subscribers)
        .map(|n| subscriber(n, quiet_feed))
        .collect();
    let followers: Vec<i64> = subs
        .iter()
        .filter(|s| s.follow_feeds.is_empty())
        .map(|s| s.chat_id)
        .collect();
    // In batches, as an import would; the bot itself adds them one by one.
    for chunk in subs.chunks(100) {
        store.subscribe_many(chunk).expect("subscribe");
    }
    drop(subs);
    eprintln!(
        "stored {subscribers} subscribers and {feeds} feeds in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let rss_stored = status_mb("VmRSS:");

    let rt = solibot::app::runtime().expect("runtime");
    let tg = rt.block_on(FakeTelegram::start_with(FakeOptions {
        enforce_limits: true,
        limits_scale: SCALE,
        limit_slack: 0,
        ..FakeOptions::default()
    }));
    let mut env = HashMap::new();
    env.insert("SOLIBOT_ALLOW_PRIVATE".to_string(), "1".to_string());
    env.insert("SOLIBOT_DATA_PATH".to_string(), db.display().to_string());
    env.insert("SOLIBOT_TELEGRAM_TOKEN".to_string(), tg.token());
    env.insert("SOLIBOT_TELEGRAM_API_URL".to_string(), tg.api_url());
    env.insert("SOLIBOT_RATE_SCALE".to_string(), SCALE.to_string());
    let config = validate(RawConfig::default(), None, &env).expect("config");
    let (first, second, third, rss_after, peak) = rt.block_on(async {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let shared = Arc::new(
            solibot::context::shared(config, store, Some(tx), None).expect("shared state"),
        );
        let first = round(&shared, &ids, ticks).await;
        let rss_after = status_mb("VmRSS:");
        eprintln!(
            "peak RSS after the first poll: {:.1} MB",
            status_mb("VmHWM:")
        );
        let second = round(&shared, &ids, ticks).await;
        eprintln!("peak RSS after the 304 poll: {:.1} MB", status_mb("VmHWM:"));
        writeln!(server_in, "APPEALS").expect("to the feed server");
        let mut ok = String::new();
        server_out
            .read_line(&mut ok)
            .expect("the feed server's answer");
        let third = round(&shared, &ids, ticks).await;
        let peak = status_mb("VmHWM:");
        let delivered = deliver(&shared, rx, &tg, &followers, feeds).await;
        shared.store.flush().await.expect("flush");
        (first, second, (third, delivered), rss_after, peak)
    });
    drop(server_in);
    let _ = child.wait();
    let (third, delivery) = third;
    report(&Report {
        feeds,
        subscribers,
        first,
        second,
        third,
        delivery,
        rss: (rss_start, rss_stored, rss_after, peak),
    });
}

const SCALE: f64 = 10.0;

/// What the delivery round found.
struct Delivery {
    expected: usize,
    missing: usize,
    twice: usize,
    count_429: usize,
    wall: Duration,
}

/// Runs the delivery worker until every chat that follows every feed got each new
/// appeal, or a deadline; counts what the fake Bot API received.
async fn deliver(
    shared: &Arc<solibot::context::Shared>,
    rx: tokio::sync::mpsc::UnboundedReceiver<Vec<solibot::store::OutboxKey>>,
    tg: &FakeTelegram,
    followers: &[i64],
    feeds: usize,
) -> Delivery {
    let token = tg.token();
    let bot = solibot::bot::make_bot(&shared.config, &token).expect("bot");
    let worker = solibot::deliver::worker::Worker::new(
        solibot::deliver::worker::Handles {
            store: shared.store.clone(),
            counters: shared.counters.clone(),
            pace: shared.pace.clone(),
            events: shared.events.clone(),
        },
        bot,
        &token,
        false,
    );
    let cancel = tokio_util::sync::CancellationToken::new();
    let task = tokio::spawn(worker.run(rx, cancel.clone()));
    let titles: Vec<String> = appeal_feeds(feeds).into_iter().map(appeal_title).collect();
    let expected = followers.len() * titles.len();
    let t0 = Instant::now();
    let allowed = 30.0 * SCALE;
    let deadline = Duration::from_secs_f64(expected as f64 / allowed * 2.0 + 30.0);
    tg.wait_until(|s| s.sent.len() >= expected, deadline).await;
    let wall = t0.elapsed();
    cancel.cancel();
    let _ = task.await;
    let mut got: HashMap<(i64, usize), usize> = HashMap::new();
    for m in tg.sent() {
        for (k, title) in titles.iter().enumerate() {
            if m.visible_text.contains(title.as_str()) {
                *got.entry((m.chat_id, k)).or_default() += 1;
            }
        }
    }
    let missing = followers
        .iter()
        .flat_map(|c| (0..titles.len()).map(move |k| (*c, k)))
        .filter(|key| !got.contains_key(key))
        .count();
    Delivery {
        expected,
        missing,
        twice: got.values().filter(|n| **n > 1).count(),
        count_429: tg.count_429(),
        wall,
    }
}

struct Report {
    feeds: usize,
    subscribers: usize,
    first: Round,
    second: Round,
    third: Round,
    delivery: Delivery,
    /// RSS at start, with the store filled, after the first poll; peak before delivery.
    rss: (f64, f64, f64, f64),
}

/// Prints the figures; exits 1 when a target is missed.
fn report(r: &Report) {
    let per_k = |cpu: f64| cpu * 1000.0 / r.feeds as f64;
    let (rss_start, rss_stored, rss_after, peak) = r.rss;
    let rss_target = if r.feeds <= 2_000 { 40.0 } else { 64.0 };
    println!(
        "poll benchmark: {} feeds, {} subscribers stored, {} threads",
        r.feeds,
        r.subscribers,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "first poll: {:.2} s CPU per 1,000 feeds (target <= 1.5), {:.1} s wall, {} entries, {} errors, {:.1} MB written",
        per_k(r.first.cpu),
        r.first.wall.as_secs_f64(),
        r.first.entries,
        r.first.errors,
        r.first.written
    );
    println!(
        "304 poll:   {:.3} s CPU per 1,000 feeds (target <= 0.1), {:.1} s wall, {} answered 304, {} errors",
        per_k(r.second.cpu),
        r.second.wall.as_secs_f64(),
        r.second.not_modified,
        r.second.errors
    );
    println!(
        "appeals:    {:.3} s CPU per 1,000 feeds, {} feeds with a new appeal ({} entries \
         detected), {} errors; {} of {} deliveries in {:.1} s, {} missing, {} twice, {} answers 429",
        per_k(r.third.cpu),
        r.feeds - r.third.not_modified,
        r.third.entries,
        r.third.errors,
        r.delivery.expected - r.delivery.missing,
        r.delivery.expected,
        r.delivery.wall.as_secs_f64(),
        r.delivery.missing,
        r.delivery.twice,
        r.delivery.count_429
    );
    println!(
        "RSS: {rss_start:.1} MB at start, {rss_stored:.1} MB with the store open and filled, \
         {rss_after:.1} MB after the first poll, peak {peak:.1} MB before delivery (target <= {rss_target})",
    );
    let checks = [
        (
            r.first.errors == 0 && r.second.errors == 0 && r.third.errors == 0,
            "every poll succeeded",
        ),
        (
            r.second.not_modified == r.feeds,
            "every second poll answered 304",
        ),
        (
            per_k(r.first.cpu) <= 1.5,
            "first poll <= 1.5 s CPU per 1,000 feeds",
        ),
        (
            per_k(r.second.cpu) <= 0.1,
            "304 poll <= 0.1 s CPU per 1,000 feeds",
        ),
        (peak <= rss_target, "peak RSS"),
        (
            r.delivery.missing == 0 && r.delivery.twice == 0,
            "every appeal to every follower exactly once",
        ),
        (r.delivery.count_429 == 0, "no 429"),
    ];
    let missed: Vec<&str> = checks
        .iter()
        .filter(|(ok, _)| !ok)
        .map(|(_, what)| *what)
        .collect();
    if !missed.is_empty() {
        eprintln!("poll benchmark missed: {}", missed.join("; "));
        std::process::exit(1);
    }
}
