//! Fan-out benchmark: one alert to 10,000 chats, the `solibot` release binary against the
//! fake Bot API enforcing Telegram's limits scaled ×10 (300 messages/s in all).
//!
//! Run: `cargo bench --bench fanout` (add `-- 2000` for fewer chats). Prints the achieved
//! rate as a share of the allowed rate, the 429 count, and the bot's peak RSS and CPU time.

#[path = "../tests/support/mod.rs"]
mod support;

use solibot::store::{Store, SubscriberRecord};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::feed_server::{FeedServer, Item};
use support::telegram::{FakeOptions, FakeTelegram};

const SCALE: f64 = 10.0;

fn item(guid: &str, title: &str, html: &str) -> Item {
    Item::new(
        guid,
        title,
        &format!("https://partner.example/{guid}"),
        html,
    )
}

fn proc_field(pid: u32, file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

fn main() {
    let chats: i64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let tg = FakeTelegram::start_with(FakeOptions {
            enforce_limits: true,
            limits_scale: SCALE,
            ..FakeOptions::default()
        })
        .await;
        let feeds = FeedServer::start().await;
        let news = item("n1", "Field update", "<p>The clinic reopened last month.</p>");
        feeds.set("/feed.xml", FeedServer::rss("Partner", std::slice::from_ref(&news)), "application/rss+xml");

        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("db");
        {
            let store = Store::open(&db).expect("store");
            let recs: Vec<SubscriberRecord> = (0..chats)
                .map(|i| SubscriberRecord {
                    v: 1,
                    chat_id: 100_000 + i,
                    kind: "private".into(),
                    language: None,
                    since: 0,
                    thread_id: None,
                    ..SubscriberRecord::default()
                })
                .collect();
            store.subscribe_many(&recs).expect("subscribers");
        }
        let config = dir.path().join("bench.toml");
        std::fs::write(
            &config,
            format!(
                "[polling]\ninterval = \"1s\"\n[fetch]\nallow_private_addresses = true\n[delivery]\nrate_scale = {SCALE}\n\
                 [[feeds]]\nurl = \"{}\"\nname = \"Partner\"\n",
                feeds.url("/feed.xml")
            ),
        )
        .expect("config");
        let mut child = Command::new(env!("CARGO_BIN_EXE_solibot"))
            .args(["run", "--config"])
            .arg(&config)
            .env_clear()
            .env("SOLIBOT_TELEGRAM_TOKEN", tg.token())
            .env("SOLIBOT_TELEGRAM_API_URL", tg.api_url())
            .env("SOLIBOT_DATA_PATH", &db)
            .env("SOLIBOT_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("solibot starts");
        let pid = child.id();
        assert!(feeds.wait_requests("/feed.xml", 1, Duration::from_secs(30)).await);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let appeal = item(
            "a1",
            "Sign the petition to reopen the border crossing",
            "<p>Sign our petition now: <a href=\"https://www.change.org/p/reopen-crossing\">sign here</a>. #OpenTheCrossing</p>",
        );
        feeds.set("/feed.xml", FeedServer::rss("Partner", &[appeal, news]), "application/rss+xml");
        let expected = chats as usize;
        let done = tg
            .wait_until(|s| s.sent.len() >= expected, Duration::from_secs(chats as u64 / 100 + 120))
            .await;
        let sent = tg.sent();
        let peak_kb = proc_field(pid, "status", "VmHWM:").unwrap_or(0);
        let cpu = cpu_seconds(pid).unwrap_or(f64::NAN);
        let first = sent.iter().map(|m| m.at).min();
        let last = sent.iter().map(|m| m.at).max();
        let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
        let _ = child.wait();
        let (Some(first), Some(last)) = (first, last) else {
            println!("no messages sent");
            return;
        };
        let secs = last.duration_since(first).as_secs_f64().max(1e-9);
        // n messages span n-1 intervals.
        let rate = (sent.len().saturating_sub(1)) as f64 / secs;
        let allowed = 30.0 * SCALE;
        println!("fan-out: {} of {expected} chats in {secs:.2} s (complete: {done})", sent.len());
        println!("achieved rate: {rate:.1} msg/s = {:.1} % of the allowed {allowed} msg/s", 100.0 * rate / allowed);
        println!("429 answers: {}", tg.count_429());
        println!("bot peak RSS: {:.1} MB, CPU: {cpu:.2} s", peak_kb as f64 / 1024.0);
        let _ = Instant::now();
    });
}
