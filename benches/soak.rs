//! Soak test: the `solibot` release binary for a long run against 500 feeds that change
//! every few seconds and 2,000 subscribers.
//!
//! The feeds are spread over 50 loopback addresses (ten a host, as the poller allows two
//! polls per host at once), each a TCP relay to one local feed server.
//!
//! Run: `cargo bench --bench soak -- --minutes 30` (also `--feeds N`, `--subscribers N`,
//! `--appeal-every SECS`, `--sample SECS`). The feed server and the fake Bot API (with
//! Telegram's limits enforced) run in this process; the bot runs as a child with a 5 s
//! poll interval and `/metrics` on a local port. Every second a fifth of the feeds get a
//! new news entry (each feed keeps its last 15); every `--appeal-every` seconds (default
//! 120) one feed publishes an appeal, which must reach every subscriber exactly once.
//!
//! Prints one line per sample (RSS, CPU, polls, fetch errors, sends, failures, outbox
//! depth, 429s, render errors, warnings logged), then the summary: RSS at start and end,
//! and whether every appeal reached every subscriber once. Exits 1 if not.
#![allow(
    unreachable_pub,
    reason = "a test or bench is a crate of its own with no public API: `pub` in its modules \
              and in tests/support means \"for this crate's other modules\""
)]

#[path = "../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

use solibot::store::{Store, SubscriberRecord};
use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::feed_server::{FeedServer, Item};
use support::telegram::{FakeOptions, FakeTelegram};

const FIRST_CHAT: i64 = 50_000_000;

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn proc_kb(pid: u32, key: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = rest.split_whitespace().collect();
    let t = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) + t(12)) / 100.0
}

/// Sums of the samples of each metric family in a Prometheus text.
fn metrics(text: &str) -> HashMap<String, f64> {
    let mut out = HashMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if let Some((series, value)) = line.rsplit_once(' ') {
            let name = series.split('{').next().unwrap_or_default().to_string();
            *out.entry(name).or_default() += value.parse::<f64>().unwrap_or(0.0);
        }
    }
    out
}

fn news(feed: usize, n: u64) -> Item {
    Item::new(
        &format!("f{feed}-n{n}"),
        &format!("Field update {n} from partner {feed}: the clinic served more families this week"),
        &format!("https://partner{feed}.example/news/{n}"),
        &format!(
            "<p>Our mobile clinic held {} consultations this week, most of them for children. \
             The water point in the camp was repaired and the school reopened its afternoon shift.</p>\
             <p>Read the monthly report on our website.</p>",
            100 + n % 900
        ),
    )
}

fn appeal(feed: usize, n: u64) -> Item {
    Item::new(
        &format!("f{feed}-a{n}"),
        &format!("Sign the petition: free the detained aid workers (soak appeal {n})"),
        &format!("https://partner{feed}.example/appeals/{n}"),
        &format!(
            "<p>Sign our petition today and call on the Foreign Minister to demand the release of \
             the detained aid workers. <a href=\"https://www.change.org/p/soak-{n}\">Sign the petition</a>. \
             Share it with #FreeAidWorkers.</p>"
        ),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let minutes = arg(&args, "--minutes", 30);
    let n_feeds = arg(&args, "--feeds", 500) as usize;
    let n_subs = arg(&args, "--subscribers", 2_000) as i64;
    let appeal_every = arg(&args, "--appeal-every", 120);
    let sample_every = arg(&args, "--sample", 60);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let ok = rt.block_on(soak(minutes, n_feeds, n_subs, appeal_every, sample_every));
    if !ok {
        std::process::exit(1);
    }
}

#[allow(
    clippy::too_many_lines,
    reason = "the soak run's phases in order (set up, change and sample, drain, judge) over \
              shared locals"
)]
async fn soak(
    minutes: u64,
    n_feeds: usize,
    n_subs: i64,
    appeal_every: u64,
    sample_every: u64,
) -> bool {
    let tg = FakeTelegram::start_with(FakeOptions {
        enforce_limits: true,
        ..FakeOptions::default()
    })
    .await;
    let server = FeedServer::start().await;
    let mut items: Vec<Vec<Item>> = (0..n_feeds).map(|f| vec![news(f, 0)]).collect();
    for (f, list) in items.iter().enumerate() {
        server.set(
            &format!("/f/{f}.xml"),
            FeedServer::rss(&format!("Partner {f}"), list),
            "application/rss+xml",
        );
    }

    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("db");
    {
        let store = Store::open(&db).expect("store");
        for i in 0..n_subs {
            let rec: SubscriberRecord = serde_json::from_value(serde_json::json!({
                "v": 1, "chat_id": FIRST_CHAT + i, "kind": "private", "language": null,
                "since": 0, "thread_id": null
            }))
            .expect("subscriber record");
            store.subscribe(&rec).expect("subscribe");
        }
        store.flush_sync().expect("flush");
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    // Partners live on many hosts (the poller allows two polls per host at once): ten
    // feeds per loopback address, each address a TCP relay to the one feed server.
    let hosts = n_feeds.div_ceil(10).max(1);
    let mut host_addrs = Vec::with_capacity(hosts);
    for h in 0..hosts {
        let ip = format!("127.0.{}.{}", 1 + h / 250, 1 + h % 250);
        host_addrs.push(relay(&ip, server.addr()).await);
    }
    let mut config = String::from(
        "[polling]\ninterval = \"5s\"\nmax_concurrent = 8\n[fetch]\nallow_private_addresses = true\n",
    );
    for f in 0..n_feeds {
        config.push_str(&format!(
            "[[feeds]]\nurl = \"http://{}/f/{f}.xml\"\nname = \"Partner {f}\"\n",
            host_addrs[f % hosts]
        ));
    }
    let config_path = dir.path().join("solibot.toml");
    std::fs::write(&config_path, config).expect("config");
    let log_path = dir.path().join("solibot.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_solibot"))
        .args(["run", "--config"])
        .arg(&config_path)
        .env_clear()
        .env("SOLIBOT_TELEGRAM_TOKEN", tg.token())
        .env("SOLIBOT_TELEGRAM_API_URL", tg.api_url())
        .env("SOLIBOT_DATA_PATH", &db)
        .env("SOLIBOT_HTTP_LISTEN", format!("127.0.0.1:{port}"))
        .env("SOLIBOT_LOG", "warn")
        .env("SOLIBOT_LOG_FORMAT", "json")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("the solibot binary starts");
    let pid = child.id();
    assert!(
        tg.wait_polling(Duration::from_secs(60)).await,
        "the bot starts"
    );
    // Let the baseline polls of every feed happen before anything changes.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let http = reqwest::Client::new();
    let metrics_url = format!("http://127.0.0.1:{port}/metrics");
    let rss_start = proc_kb(pid, "VmRSS:") / 1024.0;
    println!(
        "soak: {n_feeds} feeds changing every ~5 s, {n_subs} subscribers, an appeal every {appeal_every} s, {minutes} min"
    );
    println!(
        "{:>6} {:>7} {:>7} {:>8} {:>8} {:>8} {:>6} {:>7} {:>5} {:>5} {:>5}",
        "min",
        "RSS MB",
        "CPU s",
        "polls",
        "fetcherr",
        "sent",
        "failed",
        "outbox",
        "429",
        "rendr",
        "warns"
    );

    let start = Instant::now();
    let end = start + Duration::from_secs(minutes * 60);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut next_sample = start;
    let mut next_appeal = start + Duration::from_secs(5);
    let mut appeals = 0u64;
    let mut n = 1u64;
    let mut rss_peak = rss_start;
    let mut cursor = 0usize;
    while Instant::now() < end {
        tick.tick().await;
        // A fifth of the feeds get a new entry.
        for _ in 0..n_feeds.div_ceil(5) {
            let f = cursor % n_feeds;
            cursor += 1;
            let list = &mut items[f];
            if Instant::now() >= next_appeal {
                appeals += 1;
                list.insert(0, appeal(f, appeals));
                next_appeal += Duration::from_secs(appeal_every);
            } else {
                list.insert(0, news(f, n));
            }
            n += 1;
            list.truncate(15);
            server.set(
                &format!("/f/{f}.xml"),
                FeedServer::rss(&format!("Partner {f}"), list),
                "application/rss+xml",
            );
        }
        if Instant::now() >= next_sample {
            next_sample += Duration::from_secs(sample_every);
            let rss = proc_kb(pid, "VmRSS:") / 1024.0;
            rss_peak = rss_peak.max(rss);
            sample(&http, &metrics_url, &tg, pid, start, rss, &log_path).await;
        }
    }
    // Drain: no more changes; wait for the outbox to empty (at most 5 minutes).
    let drain_until = Instant::now() + Duration::from_secs(300);
    loop {
        let m = match http.get(&metrics_url).send().await {
            Ok(r) => metrics(&r.text().await.unwrap_or_default()),
            Err(_) => HashMap::new(),
        };
        if m.get("solibot_outbox_depth").copied() == Some(0.0) || Instant::now() > drain_until {
            break;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let rss_end = proc_kb(pid, "VmRSS:") / 1024.0;
    let rss_hwm = proc_kb(pid, "VmHWM:") / 1024.0;
    sample(&http, &metrics_url, &tg, pid, start, rss_end, &log_path).await;

    // Every appeal reached every subscriber exactly once.
    let mut counts: HashMap<(i64, u64), usize> = HashMap::new();
    for m in tg.sent() {
        if let Some(k) = m
            .visible_text
            .split("(soak appeal ")
            .nth(1)
            .and_then(|r| r.split(')').next())
            .and_then(|k| k.parse::<u64>().ok())
        {
            *counts.entry((m.chat_id, k)).or_default() += 1;
        }
    }
    let dupes = counts.values().filter(|c| **c > 1).count();
    let missing = (1..=appeals)
        .flat_map(|k| (0..n_subs).map(move |i| (FIRST_CHAT + i, k)))
        .filter(|key| !counts.contains_key(key))
        .count();

    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let stopped = Instant::now();
    let status = loop {
        if let Ok(Some(s)) = child.try_wait() {
            break Some(s);
        }
        if stopped.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    println!(
        "RSS: {rss_start:.1} MB at start, {rss_end:.1} MB at the end, peak {:.1} MB",
        rss_hwm.max(rss_peak)
    );
    println!(
        "appeals: {appeals} × {n_subs} subscribers: {missing} deliveries missing, {dupes} duplicated; \
         exit on SIGTERM: {:?} after {:.1} s",
        status.and_then(|s| s.code()),
        stopped.elapsed().as_secs_f64()
    );
    let _ = std::io::stdout().flush();
    missing == 0 && dupes == 0 && status.is_some_and(|s| s.success())
}

/// Listens on `ip` (a free port) and relays every connection to `to`; returns the
/// listening address.
async fn relay(ip: &str, to: std::net::SocketAddr) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind((ip, 0))
        .await
        .expect("bind a loopback address");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(to).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    addr
}

async fn sample(
    http: &reqwest::Client,
    url: &str,
    tg: &FakeTelegram,
    pid: u32,
    start: Instant,
    rss: f64,
    log: &std::path::Path,
) {
    let m = match http.get(url).send().await {
        Ok(r) => metrics(&r.text().await.unwrap_or_default()),
        Err(_) => HashMap::new(),
    };
    // A family without samples (no errors yet) counts as 0; -1 when /metrics did not answer.
    let g = |k: &str| {
        if m.is_empty() {
            -1.0
        } else {
            m.get(k).copied().unwrap_or(0.0)
        }
    };
    let warns = std::fs::read_to_string(log)
        .map(|t| t.lines().count())
        .unwrap_or(0);
    println!(
        "{:>6.1} {:>7.1} {:>7.1} {:>8} {:>8} {:>8} {:>6} {:>7} {:>5} {:>5} {:>5}",
        start.elapsed().as_secs_f64() / 60.0,
        rss,
        cpu_seconds(pid),
        g("solibot_polls_total"),
        g("solibot_fetch_errors_total"),
        g("solibot_messages_sent_total"),
        g("solibot_messages_failed_total"),
        g("solibot_outbox_depth"),
        tg.count_429(),
        tg.render_errors().len(),
        warns
    );
    let _ = std::io::stdout().flush();
}
