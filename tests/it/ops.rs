//! Operations: `/healthz` and `/metrics` from the running program, the bot token kept out
//! of every log line and error, JSON logs, the Dockerfile's promises, and the binary
//! started with exactly the environment the image sets.

use crate::harness::{
    Launch, Process, REVIEW_NEW_SITES_OFF, Running, WAIT, appeal, command, config, exit_and_text,
    free_port, news,
};
use crate::support::feed_server::FeedServer;
use crate::support::telegram::{Failure, FakeOptions, FakeTelegram};
use solibot::metrics;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const RSS: &str = "application/rss+xml";

/// GET `url`; the status and body, or None if nothing answers.
async fn get(url: &str) -> Option<(u16, Option<String>, String)> {
    let r = reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .ok()?;
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Some((status, ct, r.text().await.ok()?))
}

/// Waits until `url` answers 200.
async fn wait_ok(url: &str, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Some((200, _, _)) = get(url).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// One family of the exposition text: its type and its samples by label set.
#[derive(Debug, Default)]
struct Family {
    kind: String,
    help: bool,
    samples: BTreeMap<String, f64>,
}

/// Parses the OpenMetrics text format strictly enough to catch a broken endpoint: HELP,
/// TYPE and UNIT before the samples, names and labels well formed, numeric values, a
/// counter's samples named `<family>_total`, and `# EOF` last. Families are keyed by the
/// series name a query uses (a counter's `_total` name).
fn parse_prometheus(text: &str) -> BTreeMap<String, Family> {
    let mut declared: BTreeMap<String, Family> = BTreeMap::new();
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && !n.starts_with(|c: char| c.is_ascii_digit())
    };
    let body = text
        .strip_suffix("# EOF\n")
        .unwrap_or_else(|| panic!("no `# EOF` at the end:\n{text}"));
    for line in body.lines() {
        assert!(!line.trim().is_empty(), "blank line:\n{text}");
        assert!(line != "# EOF", "`# EOF` before the end:\n{text}");
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap_or_default();
            assert!(name_ok(name), "bad HELP line: {line}");
            declared.entry(name.to_string()).or_default().help = true;
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let name = parts.next().unwrap_or_default();
            let kind = parts.next().unwrap_or_default();
            assert!(name_ok(name), "bad TYPE line: {line}");
            assert!(
                [
                    "counter",
                    "gauge",
                    "histogram",
                    "summary",
                    "info",
                    "unknown"
                ]
                .contains(&kind),
                "bad type: {line}"
            );
            declared.entry(name.to_string()).or_default().kind = kind.to_string();
            continue;
        }
        if let Some(rest) = line.strip_prefix("# UNIT ") {
            let (name, unit) = rest
                .split_once(' ')
                .unwrap_or_else(|| panic!("bad UNIT line: {line}"));
            assert!(
                declared.contains_key(name) && name.ends_with(&format!("_{unit}")),
                "bad UNIT line: {line}"
            );
            continue;
        }
        assert!(!line.starts_with('#'), "unknown comment: {line}");
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("value is not a number: {line}"));
        let (name, labels) = match series.split_once('{') {
            Some((n, l)) => {
                let l = l
                    .strip_suffix('}')
                    .unwrap_or_else(|| panic!("unclosed labels: {line}"));
                for pair in l.split(',').filter(|p| !p.is_empty()) {
                    let (k, v) = pair
                        .split_once('=')
                        .unwrap_or_else(|| panic!("bad label: {line}"));
                    assert!(name_ok(k), "bad label name: {line}");
                    assert!(
                        v.len() >= 2 && v.starts_with('"') && v.ends_with('"'),
                        "bad label value: {line}"
                    );
                }
                (n, l.to_string())
            }
            None => (series, String::new()),
        };
        let family_name = match name.strip_suffix("_total") {
            Some(base) if declared.get(base).is_some_and(|f| f.kind == "counter") => base,
            _ => name,
        };
        let family = declared
            .get_mut(family_name)
            .unwrap_or_else(|| panic!("sample before its TYPE: {line}"));
        assert!(!family.kind.is_empty(), "sample before its TYPE: {line}");
        assert!(
            family.kind != "counter" || family_name != name,
            "counter sample without `_total`: {line}"
        );
        family.samples.insert(labels, value);
    }
    declared
        .into_iter()
        .map(|(name, f)| {
            let key = if f.kind == "counter" {
                format!("{name}_total")
            } else {
                name
            };
            (key, f)
        })
        .collect()
}

fn sample(f: &BTreeMap<String, Family>, name: &str, labels: &str) -> f64 {
    f.get(name)
        .unwrap_or_else(|| panic!("no family {name}"))
        .samples
        .get(labels)
        .copied()
        .unwrap_or_else(|| panic!("no sample {name}{{{labels}}}: {:?}", f.get(name)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_and_metrics_from_the_running_program() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    feeds.set(
        "/good.xml",
        FeedServer::rss("Good partner", &[news(1)]),
        RSS,
    );
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let bot = Running::start(
        config(&tg, dir.path(), &[("SOLIBOT_HTTP_LISTEN", &listen)]),
        &tg,
    )
    .await;
    let base = format!("http://{listen}");
    assert!(
        wait_ok(&format!("{base}/healthz"), WAIT).await,
        "/healthz answers 200"
    );

    // Activity for every family: two subscribers (one has blocked the bot), a good feed
    // with a new appeal, and a feed that starts answering 404 once added.
    command(&tg, 1001, "/start").await;
    command(&tg, 1002, "/start").await;
    tg.fail_chat(1002, Failure::Blocked, None);
    feeds.set(
        "/soon-gone.xml",
        FeedServer::rss("Soon gone", &[news(2)]),
        RSS,
    );
    for path in ["/good.xml", "/soon-gone.xml"] {
        let r = command(
            &tg,
            crate::harness::ADMIN,
            &format!("/addfeed {}", feeds.url(path)),
        )
        .await;
        assert!(r.starts_with("Added"), "{r}");
    }
    feeds.remove("/soon-gone.xml");
    feeds.set(
        "/good.xml",
        FeedServer::rss("Good partner", &[appeal(1), news(1)]),
        RSS,
    );
    assert!(
        tg.wait_until(|s| s.sent_to(1001).len() >= 2, WAIT).await,
        "the appeal reaches 1001"
    );
    assert!(
        feeds.wait_requests("/soon-gone.xml", 3, WAIT).await,
        "the failing feed is polled"
    );

    let metrics = format!("{base}/metrics");
    let deadline = Instant::now() + WAIT;
    let families = loop {
        let (status, content_type, body) = get(&metrics).await.expect("/metrics answers");
        assert_eq!(status, 200);
        let ct = content_type.unwrap_or_default();
        assert!(
            ct.starts_with("application/openmetrics-text") && ct.contains("version=1.0.0"),
            "{ct}"
        );
        let f = parse_prometheus(&body);
        let failed_blocked = f
            .get(&metrics::MESSAGES_FAILED.sample())
            .and_then(|x| x.samples.get("reason=\"blocked\"").copied())
            .unwrap_or(0.0);
        let fetch_404 = f
            .get(&metrics::FETCH_ERRORS.sample())
            .and_then(|x| x.samples.get("kind=\"status\"").copied())
            .unwrap_or(0.0);
        let outbox = f
            .get(&metrics::OUTBOX_DEPTH.sample())
            .and_then(|x| x.samples.get("").copied());
        // Every queued delivery has been sent or has failed: the outbox is empty again.
        if failed_blocked >= 1.0 && fetch_404 >= 1.0 && outbox == Some(0.0) {
            break f;
        }
        assert!(
            Instant::now() < deadline,
            "metrics never showed the failures:\n{body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    for m in metrics::ALL {
        let name = m.sample();
        let f = families
            .get(&name)
            .unwrap_or_else(|| panic!("no family {name}"));
        assert_eq!(f.kind, m.type_name(), "{name}");
        assert!(f.help, "{name} has HELP");
    }
    let at = |m: metrics::Metric| sample(&families, &m.sample(), "");
    assert_eq!(at(metrics::FEEDS), 2.0);
    assert_eq!(
        at(metrics::SUBSCRIBERS),
        1.0,
        "1002 blocked the bot: only 1001 is left"
    );
    assert!(at(metrics::POLLS) >= 3.0);
    assert!(at(metrics::POLLS_NOT_MODIFIED) >= 1.0);
    assert!(at(metrics::ENTRIES_SEEN) >= 1.0);
    assert!(at(metrics::APPEALS_DETECTED) >= 1.0);
    assert!(at(metrics::MESSAGES_SENT) >= 1.0);
    assert_eq!(at(metrics::OUTBOX_DEPTH), 0.0);
    let age = at(metrics::LAST_POLL_AGE);
    assert!((0.0..10.0).contains(&age), "last poll {age} s ago");

    // An unknown path is a 404, and /healthz still says ok after all that.
    let (status, _, _) = get(&format!("{base}/nope")).await.expect("answers");
    assert_eq!(status, 404);
    let (status, _, body) = get(&format!("{base}/healthz")).await.expect("answers");
    assert_eq!((status, body.trim()), (200, "ok"));
    bot.stop().await;
    assert!(
        get(&format!("{base}/healthz")).await.is_none(),
        "the endpoint stops with the bot"
    );
}

// ---------------------------------------------------------------------------------------
// The binary as a process.

/// `solibot <args>` in `cwd` with exactly `env`, its output captured.
fn spawn(args: &[&str], env: &[(&str, String)], cwd: &Path) -> Process {
    env.iter()
        .fold(Launch::command(args), |l, (k, v)| l.env(k, v.clone()))
        .cwd(cwd)
        .capture()
        .spawn()
}

/// Every line of a JSON log is a JSON object with a level and a message or fields.
fn assert_json_lines(stderr: &str) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for line in stderr.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("log line is not JSON ({e}): {line}"));
        assert!(v.is_object(), "{line}");
        assert!(
            v.get("level").is_some() && v.get("timestamp").is_some(),
            "{line}"
        );
        out.push(v);
    }
    out
}

const SECRET_TOKEN: &str = "7654321:AAH-ops-secret-token-3f9a1c";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_never_appears_in_logs_or_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config_file = dir.path().join("solibot.toml");
    std::fs::write(
        &config_file,
        "[fetch]\nallow_private_addresses = true\n[[feeds]]\nurl = \"http://127.0.0.1:9/feed.xml\"\n",
    )
    .expect("config");
    let cfg = config_file.display().to_string();
    let data = dir.path().join("db").display().to_string();

    // Telegram failing at start: each attempt logged once, without the token, at any log
    // level; SIGTERM meanwhile ends the program with 0.
    let down = FakeTelegram::start_with(FakeOptions {
        token: SECRET_TOKEN.to_string(),
        ..FakeOptions::default()
    })
    .await;
    down.fail_method("getMe", Failure::DropConnection, None);
    for (level, format) in [("debug", "text"), ("trace", "json"), ("info", "json")] {
        let before = down.calls_of("getMe").len();
        let p = spawn(
            &["run", "--config", &cfg],
            &[
                ("SOLIBOT_TELEGRAM_TOKEN", SECRET_TOKEN.to_string()),
                ("SOLIBOT_TELEGRAM_API_URL", down.api_url()),
                ("SOLIBOT_DATA_PATH", data.clone()),
                ("SOLIBOT_LOG", level.to_string()),
                ("SOLIBOT_LOG_FORMAT", format.to_string()),
            ],
            dir.path(),
        );
        assert!(
            down.wait_until(|s| s.calls.len() >= before + 3, WAIT).await,
            "getMe is tried again"
        );
        p.signal_term();
        let (code, out, err) = exit_and_text(p.finish(Duration::from_secs(10)));
        assert_eq!(code, Some(0), "{err}");
        let attempts = down.calls_of("getMe").len() - before;
        let logged = err.matches("start-up call failed").count();
        assert!(
            logged == attempts || logged + 1 == attempts,
            "one line per failed attempt ({attempts} attempts):\n{err}"
        );
        assert!(
            !err.contains(SECRET_TOKEN) && !out.contains(SECRET_TOKEN),
            "token leaked:\n{err}"
        );
        assert!(
            !err.contains("AAH-ops-secret"),
            "part of the token leaked:\n{err}"
        );
    }

    // The wrong token for a reachable Bot API: refused, and not repeated back.
    let tg = FakeTelegram::start_with(FakeOptions {
        token: SECRET_TOKEN.to_string(),
        ..FakeOptions::default()
    })
    .await;
    let wrong = "1111111:AAH-wrong-secret-token-77";
    let p = spawn(
        &["run", "--config", &cfg],
        &[
            ("SOLIBOT_TELEGRAM_TOKEN", wrong.to_string()),
            ("SOLIBOT_TELEGRAM_API_URL", tg.api_url()),
            ("SOLIBOT_DATA_PATH", data.clone()),
            ("SOLIBOT_LOG", "debug".to_string()),
        ],
        dir.path(),
    );
    let (code, _, err) = exit_and_text(p.finish(Duration::from_secs(60)));
    assert_eq!(code, Some(1), "{err}");
    assert!(!err.contains(wrong), "token leaked:\n{err}");

    // Running, with everything failing around it: getUpdates answers 500 and drops
    // connections, sends fail, a feed is unreachable and another answers 404. Debug
    // logs, JSON; stopped with SIGTERM.
    let feeds = FeedServer::start().await;
    std::fs::write(
        &config_file,
        format!(
            "[polling]\ninterval = \"1s\"\n[fetch]\nallow_private_addresses = true\n\
             [[feeds]]\nurl = \"http://127.0.0.1:9/feed.xml\"\n\
             [[feeds]]\nurl = \"{}\"\n[[feeds]]\nurl = \"{}?token={SECRET_TOKEN}\"\n",
            feeds.url("/missing.xml"),
            feeds.url("/good.xml"),
        ),
    )
    .expect("config");
    feeds.set("/good.xml", FeedServer::rss("Good", &[news(1)]), RSS);
    tg.fail_method("getUpdates", Failure::ServerError, Some(2));
    let p = spawn(
        &["run", "--config", &cfg],
        &[
            ("SOLIBOT_TELEGRAM_TOKEN", SECRET_TOKEN.to_string()),
            ("SOLIBOT_TELEGRAM_API_URL", tg.api_url()),
            ("SOLIBOT_DATA_PATH", data.clone()),
            ("SOLIBOT_LOG", "trace".to_string()),
            ("SOLIBOT_LOG_FORMAT", "json".to_string()),
            // A news backlog, then an appeal linking elsewhere: not about review.
            (REVIEW_NEW_SITES_OFF.0, REVIEW_NEW_SITES_OFF.1.to_string()),
        ],
        dir.path(),
    );
    assert!(
        tg.wait_polling(Duration::from_secs(60)).await,
        "the bot polls"
    );
    tg.fail_method("getUpdates", Failure::DropConnection, Some(1));
    tg.push_message(
        crate::support::telegram::Chat::private(1001),
        crate::harness::user(1001),
        "/start",
    );
    assert!(
        tg.wait_until(|s| !s.sent_to(1001).is_empty(), Duration::from_secs(60))
            .await,
        "the /start reply"
    );
    tg.fail_method("sendMessage", Failure::ServerError, Some(2));
    feeds.set(
        "/good.xml",
        FeedServer::rss("Good", &[appeal(1), news(1)]),
        RSS,
    );
    assert!(feeds.wait_requests("/missing.xml", 2, WAIT).await);
    assert!(
        tg.wait_until(|s| s.sent_to(1001).len() >= 2, Duration::from_secs(60))
            .await,
        "the alert is sent"
    );
    p.signal_term();
    let (code, out, err) = exit_and_text(p.finish(Duration::from_secs(10)));
    assert_eq!(code, Some(0), "{err}");
    assert!(
        !err.contains(SECRET_TOKEN) && !out.contains(SECRET_TOKEN),
        "token leaked:\n{err}"
    );
    let lines = assert_json_lines(&err);
    assert!(
        lines.iter().any(|l| l.to_string().contains("poll failed")),
        "the failing feeds are logged:\n{err}"
    );
}

// ---------------------------------------------------------------------------------------
// The container.

/// The Dockerfile's instructions (continuation lines joined, comments dropped), as
/// (instruction upper-case, arguments).
fn dockerfile() -> Vec<(String, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Dockerfile");
    let text = std::fs::read_to_string(&path).expect("Dockerfile at the repository root");
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('#') || (t.is_empty() && current.is_empty()) {
            continue;
        }
        match t.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(t);
                let (ins, args) = current
                    .trim()
                    .split_once(char::is_whitespace)
                    .unwrap_or((current.trim(), ""));
                out.push((ins.to_ascii_uppercase(), args.trim().to_string()));
                current.clear();
            }
        }
    }
    out
}

/// The instructions of the final stage (after the last FROM).
fn final_stage(all: &[(String, String)]) -> Vec<(String, String)> {
    let last_from = all.iter().rposition(|(i, _)| i == "FROM").expect("a FROM");
    all[last_from..].to_vec()
}

/// A JSON array (`["a", "b"]`) or shell form, as words.
fn words(args: &str) -> Vec<String> {
    match serde_json::from_str::<Vec<String>>(args) {
        Ok(v) => v,
        Err(_) => args.split_whitespace().map(str::to_string).collect(),
    }
}

/// `ENV K=V K2=V2` and `ENV K V` forms.
fn image_env(stage: &[(String, String)]) -> HashMap<String, String> {
    let mut env = HashMap::new();
    for (_, args) in stage.iter().filter(|(i, _)| i == "ENV") {
        if args.contains('=') {
            for pair in args.split_whitespace() {
                if let Some((k, v)) = pair.split_once('=') {
                    env.insert(k.to_string(), v.trim_matches('"').to_string());
                }
            }
        } else if let Some((k, v)) = args.split_once(char::is_whitespace) {
            env.insert(k.to_string(), v.trim().to_string());
        }
    }
    env
}

#[test]
fn the_dockerfile_keeps_its_promises() {
    let all = dockerfile();
    let froms = all.iter().filter(|(i, _)| i == "FROM").count();
    assert!(froms >= 2, "multi-stage build");
    let stage = final_stage(&all);
    let last = |ins: &str| {
        stage
            .iter()
            .rev()
            .find(|(i, _)| i == ins)
            .map(|(_, a)| a.clone())
            .unwrap_or_else(|| panic!("no {ins} in the final stage"))
    };

    let user = last("USER");
    let name = user.split(':').next().unwrap_or_default();
    assert!(!["root", "0", ""].contains(&name), "runs as {user}");
    // The user exists in the image: created in the final stage.
    assert!(
        stage.iter().any(|(i, a)| i == "RUN"
            && (a.contains("useradd") || a.contains("adduser"))
            && a.contains(name)),
        "user {name} is created"
    );

    let volumes: Vec<String> = stage
        .iter()
        .filter(|(i, _)| i == "VOLUME")
        .flat_map(|(_, a)| words(a))
        .collect();
    assert!(
        volumes.iter().any(|v| v == "/data"),
        "VOLUME /data: {volumes:?}"
    );

    let env = image_env(&stage);
    let data = env.get("SOLIBOT_DATA_PATH").expect("SOLIBOT_DATA_PATH set");
    assert!(
        data.starts_with("/data/"),
        "the database lives in the volume: {data}"
    );
    let listen = env
        .get("SOLIBOT_HTTP_LISTEN")
        .expect("SOLIBOT_HTTP_LISTEN set");
    let port = listen.rsplit(':').next().unwrap_or_default();
    assert!(port.parse::<u16>().is_ok(), "{listen}");

    let entry = words(&last("ENTRYPOINT"));
    let cmd = stage
        .iter()
        .rev()
        .find(|(i, _)| i == "CMD")
        .map(|(_, a)| words(a))
        .unwrap_or_default();
    let argv: Vec<String> = entry.iter().chain(cmd.iter()).cloned().collect();
    assert!(
        argv.first()
            .is_some_and(|b| b.ends_with("/solibot") || b == "solibot"),
        "starts the solibot binary: {argv:?}"
    );
    assert_eq!(
        argv.get(1).map(String::as_str),
        Some("run"),
        "starts `solibot run`: {argv:?}"
    );
    // The binary it starts is the one copied from the build stage.
    assert!(
        stage
            .iter()
            .any(|(i, a)| i == "COPY" && a.contains("--from=") && a.ends_with(argv[0].as_str())),
        "{} is copied from the build stage",
        argv[0]
    );

    let health = last("HEALTHCHECK");
    assert!(health.contains("CMD"), "{health}");
    assert!(
        health.contains(&format!("127.0.0.1:{port}/healthz"))
            || health.contains(&format!("localhost:{port}/healthz")),
        "HEALTHCHECK asks /healthz on the listen port {port}: {health}"
    );
    let probe = health
        .split("CMD")
        .nth(1)
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(
        probe == "solibot"
            || probe.ends_with("/solibot")
            || stage
                .iter()
                .any(|(i, a)| i == "RUN" && a.contains("install") && a.contains(&probe)),
        "the health probe {probe} is installed in the final image"
    );

    let stop = last("STOPSIGNAL");
    assert!(
        ["SIGTERM", "SIGINT", "15", "2"].contains(&stop.as_str()),
        "STOPSIGNAL {stop}"
    );
    let exposed = last("EXPOSE");
    assert!(
        exposed
            .split_whitespace()
            .any(|p| p.trim_end_matches("/tcp") == port),
        "EXPOSE {exposed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_runs_with_exactly_the_image_environment() {
    let stage = final_stage(&dockerfile());
    let image = image_env(&stage);
    let dir = tempfile::tempdir().expect("temp dir");
    let tg = FakeTelegram::start().await;
    let port = free_port();
    // Exactly the image's variables, with the paths and port moved to this machine,
    // plus what an operator adds: the token and (here) the Bot API address.
    let mut env: Vec<(&str, String)> = Vec::new();
    for (k, v) in &image {
        let v = match k.as_str() {
            "SOLIBOT_DATA_PATH" => {
                let name = Path::new(v).file_name().expect("a file name").to_owned();
                dir.path().join(name).display().to_string()
            }
            "SOLIBOT_HTTP_LISTEN" => format!("127.0.0.1:{port}"),
            _ => v.clone(),
        };
        env.push((k.as_str(), v));
    }
    assert!(
        env.iter()
            .any(|(k, v)| *k == "SOLIBOT_LOG_FORMAT" && v == "json"),
        "{env:?}"
    );
    env.push(("SOLIBOT_TELEGRAM_TOKEN", tg.token()));
    env.push(("SOLIBOT_TELEGRAM_API_URL", tg.api_url()));
    let p = spawn(&["run"], &env, dir.path());
    assert!(
        wait_ok(
            &format!("http://127.0.0.1:{port}/healthz"),
            Duration::from_secs(60)
        )
        .await,
        "/healthz answers 200"
    );
    let (status, _, body) = get(&format!("http://127.0.0.1:{port}/metrics"))
        .await
        .expect("metrics");
    assert_eq!(status, 200);
    parse_prometheus(&body);
    let r = command(&tg, 1001, "/start").await;
    assert!(r.contains("Subscribed"), "{r}");
    p.signal_term();
    let (code, _, err) = exit_and_text(p.finish(Duration::from_secs(10)));
    assert_eq!(code, Some(0), "exit 0 on SIGTERM:\n{err}");
    let lines = assert_json_lines(&err);
    assert!(!lines.is_empty(), "it logs");
    assert!(
        dir.path()
            .join(
                Path::new(image["SOLIBOT_DATA_PATH"].as_str())
                    .file_name()
                    .expect("name")
            )
            .exists(),
        "the database is where SOLIBOT_DATA_PATH says"
    );
}

// ---------------------------------------------------------------------------------------
// Start and stop (issue 13).

/// The environment of a bot run against `tg` with its data in `dir`.
fn run_env(tg: &FakeTelegram, dir: &Path, log: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SOLIBOT_TELEGRAM_TOKEN", tg.token()),
        ("SOLIBOT_TELEGRAM_API_URL", tg.api_url()),
        ("SOLIBOT_DATA_PATH", dir.join("db").display().to_string()),
        ("SOLIBOT_LOG", log.to_string()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_start_up_against_a_bot_api_answering_5xx_exits_0_within_10_s() {
    for failing in ["getMe", "deleteWebhook", "setMyCommands"] {
        let tg = FakeTelegram::start().await;
        tg.fail_method(failing, Failure::ServerError, None);
        let dir = tempfile::tempdir().expect("temp dir");
        let p = spawn(&["run"], &run_env(&tg, dir.path(), "info"), dir.path());
        let method = failing.to_ascii_lowercase();
        assert!(
            tg.wait_until(|s| s.calls.iter().any(|c| c.method == method), WAIT)
                .await,
            "{failing} is called"
        );
        p.signal_term();
        // Within the contract's 10 s with room to spare: nothing waits for the 500.
        let (code, _, err) = exit_and_text(p.finish(crate::transport::STOP_AT_ONCE));
        assert_eq!(code, Some(0), "{failing}: exit 0 after SIGTERM:\n{err}");
    }
}

/// The contract's moments: SIGTERM 1 s, 3 s and 15 s after start while every `getMe`
/// answers 500 (the bot is retrying with backoff); the process exits 0 within 10 s each
/// time. The delays are the scenario, not a wait for state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_1_3_and_15_s_after_start_against_a_failing_bot_api_exits_0_within_10_s() {
    let runs = [1u64, 3, 15].map(|after| {
        tokio::spawn(async move {
            let tg = FakeTelegram::start().await;
            tg.fail_method("getMe", Failure::ServerError, None);
            let dir = tempfile::tempdir().expect("temp dir");
            let p = spawn(&["run"], &run_env(&tg, dir.path(), "info"), dir.path());
            tokio::time::sleep(Duration::from_secs(after)).await;
            p.signal_term();
            let (code, _, err) = tokio::task::spawn_blocking(move || {
                exit_and_text(p.finish(Duration::from_secs(10)))
            })
            .await
            .expect("no panic");
            assert_eq!(
                code,
                Some(0),
                "SIGTERM {after} s after start: exit 0:\n{err}"
            );
            // The fake's record: no getUpdates was ever asked (after the exit, "not polling
            // now" would hold whatever happened before).
            assert_eq!(
                tg.with_state(|s| s.polls),
                0,
                "{after} s: never got past start-up"
            );
        })
    });
    for run in runs {
        run.await.expect("no panic");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_written_to_a_pipe_carry_no_colour_codes() {
    let tg = FakeTelegram::start().await;
    tg.fail_method("getMe", Failure::DropConnection, Some(1));
    let dir = tempfile::tempdir().expect("temp dir");
    let p = spawn(&["run"], &run_env(&tg, dir.path(), "info"), dir.path());
    assert!(tg.wait_polling(WAIT).await, "the bot polls");
    p.signal_term();
    let (code, _, err) = exit_and_text(p.finish(Duration::from_secs(10)));
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("start-up call failed") && err.contains("solibot started"),
        "{err}"
    );
    assert!(
        !err.contains('\u{1b}'),
        "colour codes in a log that is not a terminal:\n{err:?}"
    );
}
