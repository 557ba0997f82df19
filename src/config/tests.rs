//! Tests of the config: the documented example and the demo load, the environment
//! overrides the file, errors name the file and the key, durations and time zones.

use super::*;

#[test]
fn log_colours_only_on_a_terminal_and_never_with_no_color() {
    assert!(log_colours(true, &env(&[])));
    assert!(!log_colours(false, &env(&[])));
    assert!(!log_colours(true, &env(&[("NO_COLOR", "1")])));
    assert!(log_colours(true, &env(&[("NO_COLOR", "")])));
}

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_documented_example_loads_and_names_every_key() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/solibot.toml");
    let cfg = load(Some(&path), &HashMap::new()).expect("example config loads");
    assert_eq!(cfg.poll_interval, Duration::from_secs(600));
    assert!(!cfg.allow_private);
    assert!(!cfg.feeds.is_empty());
    let text = std::fs::read_to_string(&path).unwrap();
    for key in [
        "token",
        "api_url",
        "admins",
        "path",
        "interval",
        "allow_private_addresses",
        "threshold",
        "listen",
        "public_url",
        "[[feeds]]",
        "hashtags",
        "mode",
        "[dates]",
        "timezone",
    ] {
        assert!(text.contains(key), "example config documents {key}");
    }
}

#[test]
fn websub_public_url_needs_http_listen_and_an_http_url() {
    let ok = env(&[
        ("SOLIBOT_PUBLIC_URL", "https://bot.example.org/solibot"),
        ("SOLIBOT_HTTP_LISTEN", "127.0.0.1:9090"),
    ]);
    let cfg = validate(RawConfig::default(), None, &ok).unwrap();
    assert_eq!(
        cfg.websub_public_url.map(String::from).as_deref(),
        Some("https://bot.example.org/solibot")
    );
    let no_listen = env(&[("SOLIBOT_PUBLIC_URL", "https://bot.example.org")]);
    let e = validate(RawConfig::default(), None, &no_listen).unwrap_err();
    assert!(e.to_string().contains("websub.public_url"), "{e}");
    let bad = env(&[
        ("SOLIBOT_PUBLIC_URL", "ftp://bot.example.org"),
        ("SOLIBOT_HTTP_LISTEN", "127.0.0.1:9090"),
    ]);
    assert!(validate(RawConfig::default(), None, &bad).is_err());
    let off = validate(RawConfig::default(), None, &env(&[])).unwrap();
    assert!(off.websub_public_url.is_none());
}

#[test]
fn time_zones_default_to_utc_and_a_feed_may_name_its_own() {
    let text = "[dates]\ntimezone = \"Europe/Paris\"\n[[feeds]]\nurl = \"https://a.example/f\"\n\
                    timezone = \"Asia/Beirut\"\n[[feeds]]\nurl = \"https://b.example/f\"\n";
    let cfg = validate(
        parse_toml(text, Path::new("x.toml")).unwrap(),
        None,
        &env(&[]),
    )
    .unwrap();
    assert_eq!(
        cfg.timezone_for("https://a.example/f"),
        chrono_tz::Asia::Beirut
    );
    assert_eq!(
        cfg.timezone_for("https://b.example/f"),
        chrono_tz::Europe::Paris
    );
    assert_eq!(
        cfg.timezone_for("https://elsewhere.example/"),
        chrono_tz::Europe::Paris
    );
    // A file without a `[dates]` table reads dates in UTC.
    let plain = parse_toml(
        "[[feeds]]\nurl = \"https://a.example/f\"\n",
        Path::new("x.toml"),
    );
    let plain = validate(plain.unwrap(), None, &env(&[])).unwrap();
    assert_eq!(plain.timezone, chrono_tz::UTC);
    let bad = parse_toml(
        "[dates]\ntimezone = \"Mars/Olympus\"\n",
        Path::new("x.toml"),
    )
    .unwrap();
    let e = validate(bad, None, &env(&[])).unwrap_err().to_string();
    assert!(
        e.contains("dates.timezone") && e.contains("Mars/Olympus"),
        "{e}"
    );
}

#[test]
fn the_demo_config_loads_with_file_feeds() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo.toml");
    let cfg = load(Some(&path), &HashMap::new()).expect("demo config loads");
    assert!(cfg.feeds.len() >= 3);
    assert!(cfg.feeds.iter().all(|f| f.url.starts_with("file://")));
}

#[test]
fn environment_overrides_the_file() {
    let raw = parse_toml(
        "[polling]\ninterval = \"5m\"\n[telegram]\nadmins = [1]\n",
        Path::new("x.toml"),
    )
    .unwrap();
    let e = env(&[
        ("SOLIBOT_POLL_INTERVAL", "3s"),
        ("SOLIBOT_ADMINS", "7, 8"),
        ("TELOXIDE_TOKEN", "1:abc"),
        ("SOLIBOT_ALLOW_PRIVATE", "1"),
    ]);
    let cfg = validate(raw, None, &e).unwrap();
    assert_eq!(cfg.poll_interval, Duration::from_secs(3));
    assert_eq!(cfg.admins, vec![7, 8]);
    assert_eq!(cfg.token.as_deref(), Some("1:abc"));
    assert!(cfg.allow_private);
}

#[test]
fn errors_name_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.toml");
    std::fs::write(&p, "[polling]\ninterval = \"soon\"\n").unwrap();
    let err = load(Some(&p), &HashMap::new()).unwrap_err().to_string();
    assert!(
        err.contains("bad.toml") && err.contains("polling.interval"),
        "{err}"
    );

    std::fs::write(&p, "[polling]\nintervall = \"1m\"\n").unwrap();
    let err = load(Some(&p), &HashMap::new()).unwrap_err().to_string();
    assert!(
        err.contains("bad.toml") && err.contains("intervall"),
        "{err}"
    );

    let missing = dir.path().join("missing.toml");
    let err = load(Some(&missing), &HashMap::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing.toml"), "{err}");
}

#[test]
fn durations() {
    assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
    assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
    assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
    assert_eq!(parse_duration("2"), Some(Duration::from_secs(2)));
    assert_eq!(parse_duration("soon"), None);
    assert_eq!(parse_duration("-1s"), None);
}
