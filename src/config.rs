//! Configuration: a TOML file plus environment overrides -> a validated [`Config`].
//!
//! Two stages: [`RawConfig`] is what serde reads (unknown keys refused), [`Config`] is
//! what the program uses (durations parsed, ids checked, defaults filled). Errors name the
//! file and the key. Nothing here does IO but reading the named file.

use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Telegram's Bot API server, used when `telegram.api_url` is not set.
pub const DEFAULT_API_URL: &str = "https://api.telegram.org";
/// The database directory used when `storage.path` is not set.
pub const DEFAULT_DATA_PATH: &str = "data/solibot.db";
/// The config file read when none is named and it exists.
pub const DEFAULT_CONFIG_PATH: &str = "config/solibot.toml";

/// The config file as serde reads it: one field per table, unknown keys refused.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// `[telegram]`: the bot's token, API server, admins and webhook.
    #[serde(default)]
    pub telegram: RawTelegram,
    /// `[storage]`: where the database lives.
    #[serde(default)]
    pub storage: RawStorage,
    /// `[polling]`: how often and how many feeds are polled.
    #[serde(default)]
    pub polling: RawPolling,
    /// `[fetch]`: the limits of every fetch.
    #[serde(default)]
    pub fetch: RawFetch,
    /// `[detect]`: the appeal threshold and extra cue files.
    #[serde(default)]
    pub detect: RawDetect,
    /// `[http]`: where `/healthz`, `/metrics`, the webhook and WebSub are served.
    #[serde(default)]
    pub http: RawHttp,
    /// `[log]`: log format and filter.
    #[serde(default)]
    pub log: RawLog,
    /// `[delivery]`: Telegram's pace.
    #[serde(default)]
    pub delivery: RawDelivery,
    /// `[websub]`: WebSub push.
    #[serde(default)]
    pub websub: RawWebSub,
    /// `[review]`: what holds appeals for an organizer's approval.
    #[serde(default)]
    pub review: RawReview,
    /// `[dates]`: the default time zone of appeals' dates.
    #[serde(default)]
    pub dates: RawDates,
    /// `[[feeds]]`: the feeds that exist from the start.
    #[serde(default)]
    pub feeds: Vec<RawFeed>,
}

/// `[dates]`: the time zone appeals' dates are read in when a feed names none.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDates {
    /// `timezone`: an IANA time zone name.
    pub timezone: Option<String>,
    /// How long before an alert's event a chat with `/remind on` is reminded (`3h`).
    pub remind_before: Option<String>,
}

/// `[review]`: what holds appeals for an organizer's approval.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawReview {
    /// Hold an appeal whose action links go to a site new to its feed (on by default).
    pub new_sites: Option<bool>,
}

/// `[websub]`: WebSub push.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawWebSub {
    /// `public_url`: the base URL at which hubs reach `http.listen`.
    pub public_url: Option<String>,
}

/// `[telegram]`: the bot, its API server, its admins and webhook mode.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawTelegram {
    /// `token`: the bot token from @BotFather.
    pub token: Option<String>,
    /// `api_url`: the Bot API server.
    pub api_url: Option<String>,
    /// `admins`: Telegram user ids with every right.
    #[serde(default)]
    pub admins: Vec<i64>,
    /// `webhook_url`: the public HTTPS URL Telegram posts updates to.
    pub webhook_url: Option<String>,
    /// `webhook_secret`: the `secret_token` Telegram sends back.
    pub webhook_secret: Option<String>,
    /// `webhook_max_connections`: `setWebhook`'s `max_connections`.
    pub webhook_max_connections: Option<u32>,
}

/// `[storage]`: where the database lives.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawStorage {
    /// `path`: the database directory.
    pub path: Option<PathBuf>,
}

/// `[polling]`: how often and how many feeds are polled.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawPolling {
    /// `interval`: how often each feed is checked (`10m`).
    pub interval: Option<String>,
    /// `max_concurrent`: feeds polled at once.
    pub max_concurrent: Option<usize>,
    /// How long a feed fails before organizers are told (`24h`).
    pub failure_notice_after: Option<String>,
}

/// `[fetch]`: limits of every fetch.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawFetch {
    /// `allow_private_addresses`: allow feeds on loopback, private and link-local addresses.
    pub allow_private_addresses: Option<bool>,
    /// `max_body_bytes`: the largest body accepted, after decompression.
    pub max_body_bytes: Option<usize>,
    /// `timeout`: total time for one fetch (`30s`).
    pub timeout: Option<String>,
    /// `user_agent`: the User-Agent sent to partner sites.
    pub user_agent: Option<String>,
}

/// `[detect]`: the appeal detector.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDetect {
    /// `threshold`: the score (0 to 1) at or above which an entry is an appeal.
    pub threshold: Option<f32>,
    /// Extra cue files, same format as the built-in ones.
    #[serde(default)]
    pub cue_files: Vec<PathBuf>,
}

/// `[http]`: the local HTTP endpoint.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawHttp {
    /// `listen`: the address of `/healthz`, `/metrics`, the webhook and WebSub.
    pub listen: Option<String>,
}

/// `[delivery]`: Telegram's pace.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDelivery {
    /// `rate_scale`: Telegram's rate limits times this.
    pub rate_scale: Option<f64>,
    /// `paid_broadcast`: send with `allow_paid_broadcast`, up to 1,000 messages a second.
    pub paid_broadcast: Option<bool>,
}

/// `[log]`: how the program logs.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawLog {
    /// `format`: `text` or `json`.
    pub format: Option<String>,
    /// `level`: a tracing filter such as `info`.
    pub level: Option<String>,
}

/// One `[[feeds]]` table.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawFeed {
    /// `url`: http(s) URL, or a path or `file://` URL (allowed only here).
    pub url: String,
    /// `name`: shown in alerts (default: the feed's title).
    pub name: Option<String>,
    /// `hashtags`: added to every alert of the feed.
    #[serde(default)]
    pub hashtags: Vec<String>,
    /// `mode`: `appeals` or `all`.
    pub mode: Option<String>,
    /// Hold the feed's appeals for an organizer's approval.
    #[serde(default)]
    pub review: bool,
    /// IANA time zone the feed's dates are written in (`Europe/Paris`).
    pub timezone: Option<String>,
}

/// Whether every new entry of a feed is alerted, or only appeals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FeedMode {
    /// Only entries the detector judges appeals (the default).
    #[default]
    Appeals,
    /// Every new entry.
    All,
}

impl FeedMode {
    /// `appeals` or `all`, any case and surrounding space; `None` for anything else.
    pub fn parse(s: &str) -> Option<FeedMode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "appeals" => Some(FeedMode::Appeals),
            "all" => Some(FeedMode::All),
            _ => None,
        }
    }
    /// Its name in the config and in stored feed records.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedMode::Appeals => "appeals",
            FeedMode::All => "all",
        }
    }
}

/// A feed of the config file, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedConfig {
    /// Its URL (a local path made a `file://` URL).
    pub url: String,
    /// Its name in alerts; `None`: the feed's own title.
    pub name: Option<String>,
    /// Hashtags added to every alert, `#` included.
    pub hashtags: Vec<String>,
    /// Which entries are alerted.
    pub mode: FeedMode,
    /// Its appeals wait for an organizer's approval (`review = true`).
    pub review: bool,
    /// The feed's `timezone`; `None`: the configured `dates.timezone`.
    pub timezone: Option<chrono_tz::Tz>,
}

/// `log.format`: how log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    #[default]
    Text,
    /// One JSON object a line.
    Json,
}

/// Whether text logs may carry ANSI colour codes: only on a terminal, and never when
/// `NO_COLOR` is set to anything but the empty string (no-color.org).
pub fn log_colours(stderr_is_terminal: bool, env: &HashMap<String, String>) -> bool {
    stderr_is_terminal && env.get("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from, if any (file feeds are resolved relative to it).
    pub source: Option<PathBuf>,
    /// The bot token (file or environment); the bot does not start without it.
    pub token: Option<String>,
    /// The Bot API server's base URL, no trailing slash.
    pub api_url: String,
    /// Telegram user ids with every right.
    pub admins: Vec<i64>,
    /// The database directory.
    pub data_path: PathBuf,
    /// How often each feed is checked (at least 1 s).
    pub poll_interval: Duration,
    /// Feeds polled at once.
    pub max_concurrent_polls: usize,
    /// How long a feed fails before admins and organizers are told (once).
    pub failure_notice_after: Duration,
    /// Whether feeds may be on loopback, private and link-local addresses.
    pub allow_private: bool,
    /// The largest feed body accepted, after decompression.
    pub max_body_bytes: usize,
    /// Total time allowed for one fetch.
    pub fetch_timeout: Duration,
    /// `fetch.user_agent`; `None`: solibot's own.
    pub user_agent: Option<String>,
    /// The appeal threshold (0 to 1); `None`: the detector's built-in default.
    pub threshold: Option<f32>,
    /// Extra cue files (relative paths already joined to the config file's folder).
    pub cue_files: Vec<PathBuf>,
    /// Where `/healthz`, `/metrics`, the webhook and WebSub are served; `None`: nowhere.
    pub http_listen: Option<std::net::SocketAddr>,
    /// Webhook mode (`telegram.webhook_url`); `None`: long polling.
    pub webhook: Option<Webhook>,
    /// `websub.public_url`: where hubs reach `http.listen`; `None`: no WebSub.
    pub websub_public_url: Option<url::Url>,
    /// How log lines are written.
    pub log_format: LogFormat,
    /// The tracing filter (`log.level` or `SOLIBOT_LOG`); `None`: the default.
    pub log_level: Option<String>,
    /// Telegram's rate limits multiplied by this (1 for Telegram itself; more only for a
    /// local Bot API server or a test double that allows it).
    pub rate_scale: f64,
    /// `review.new_sites`: hold appeals linking to a site new to their feed.
    pub review_new_sites: bool,
    /// `dates.timezone`: the zone appeals' dates are read and shown in (default UTC).
    pub timezone: chrono_tz::Tz,
    /// `dates.remind_before`: how long before an alert's event chats with `/remind on`
    /// get their reminder (default 3 hours).
    pub remind_before: Duration,
    /// `delivery.paid_broadcast`: send with `allow_paid_broadcast` (Telegram Stars) and
    /// pace up to 1,000 messages a second overall.
    pub paid_broadcast: bool,
    /// The feeds of the config file.
    pub feeds: Vec<FeedConfig>,
}

impl Config {
    /// The time zone of the feed at `url`: its own `timezone`, else `dates.timezone`.
    pub fn timezone_for(&self, url: &str) -> chrono_tz::Tz {
        self.feeds
            .iter()
            .find(|f| f.url == url)
            .and_then(|f| f.timezone)
            .unwrap_or(self.timezone)
    }
}

/// An IANA time zone name (`Europe/Berlin`, `UTC`).
fn time_zone(origin: &str, key: &'static str, name: &str) -> Result<chrono_tz::Tz, ConfigError> {
    name.trim().parse().map_err(|_| {
        invalid(
            origin,
            key,
            format!("`{name}` is not an IANA time zone name (such as `Europe/Paris` or `UTC`)"),
        )
    })
}

/// Webhook mode: Telegram posts updates to `url`, served on `http.listen` at its path.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// The URL Telegram posts updates to (`telegram.webhook_url`).
    pub url: url::Url,
    /// `telegram.webhook_secret`; `None`: generated once and kept in the store.
    pub secret: Option<String>,
    /// `setWebhook`'s `max_connections` (1–100, default 40).
    pub max_connections: u8,
}

/// Telegram's rule for a `secret_token`: 1–256 of `A-Z a-z 0-9 _ -`.
pub fn valid_webhook_secret(s: &str) -> bool {
    (1..=256).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// What loading the configuration can fail with; the message names the file (or variable) and the
/// key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file named.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has an unknown key or a wrong type.
    #[error("config file {path}: {message}")]
    Parse {
        /// The file named.
        path: PathBuf,
        /// toml's error, on one line.
        message: String,
    },
    /// A value is out of range or malformed.
    #[error("{origin}: key `{key}`: {message}")]
    Invalid {
        /// Where the value came from: the file, or `environment <VARIABLE>`.
        origin: String,
        /// The key, as in the file (`polling.interval`).
        key: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

/// Where the configuration comes from: an explicit file, `SOLIBOT_CONFIG`, the default
/// path if it exists, or nothing.
pub fn locate(explicit: Option<&Path>, env: &HashMap<String, String>) -> Option<(PathBuf, bool)> {
    if let Some(p) = explicit {
        return Some((p.to_path_buf(), true));
    }
    if let Some(p) = env.get("SOLIBOT_CONFIG").filter(|p| !p.is_empty()) {
        return Some((PathBuf::from(p), true));
    }
    let default = PathBuf::from(DEFAULT_CONFIG_PATH);
    default.exists().then_some((default, false))
}

/// Loads the configuration: file (if any) then environment overrides, then validation.
pub fn load(explicit: Option<&Path>, env: &HashMap<String, String>) -> Result<Config, ConfigError> {
    let (raw, source) = match locate(explicit, env) {
        Some((path, _)) => {
            let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            (parse_toml(&text, &path)?, Some(path))
        }
        None => (RawConfig::default(), None),
    };
    validate(raw, source, env)
}

/// Parses the file's text (`path` only names it in errors).
pub fn parse_toml(text: &str, path: &Path) -> Result<RawConfig, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string().trim().replace('\n', " | "),
    })
}

/// `telegram.webhook_*` with their environment overrides: the URL must be http(s) and
/// needs `http.listen` (where its path is served); a secret must be one Telegram takes.
fn validate_webhook(
    raw: &RawTelegram,
    env: &HashMap<String, String>,
    file_origin: &str,
    http_listen: Option<std::net::SocketAddr>,
) -> Result<Option<Webhook>, ConfigError> {
    let from_env = |k: &str| {
        env.get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let invalid = |key: &'static str, message: String| ConfigError::Invalid {
        origin: file_origin.to_string(),
        key,
        message,
    };
    let Some(text) = from_env("SOLIBOT_WEBHOOK_URL").or_else(|| raw.webhook_url.clone()) else {
        return Ok(None);
    };
    let url = url::Url::parse(&text)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| {
            invalid(
                "telegram.webhook_url",
                format!("`{text}` is not an https URL"),
            )
        })?;
    if http_listen.is_none() {
        return Err(invalid(
            "telegram.webhook_url",
            "webhook mode needs `http.listen` (the address Telegram's posts reach)".into(),
        ));
    }
    let secret = from_env("SOLIBOT_WEBHOOK_SECRET").or_else(|| raw.webhook_secret.clone());
    if let Some(s) = secret.as_deref().filter(|s| !valid_webhook_secret(s)) {
        return Err(invalid(
            "telegram.webhook_secret",
            format!(
                "must be 1 to 256 of A-Z a-z 0-9 _ - (found {} characters)",
                s.len()
            ),
        ));
    }
    let max_connections = raw.webhook_max_connections.unwrap_or(40);
    if !(1..=100).contains(&max_connections) {
        return Err(invalid(
            "telegram.webhook_max_connections",
            format!("`{max_connections}` is not between 1 and 100"),
        ));
    }
    Ok(Some(Webhook {
        url,
        secret,
        max_connections: max_connections as u8,
    }))
}

/// `websub.public_url` (or `SOLIBOT_PUBLIC_URL`): an http(s) URL without query, and only
/// with `http.listen` (where the hubs' requests arrive).
fn validate_public_url(
    file_value: Option<String>,
    env: &HashMap<String, String>,
    file_origin: &str,
    http_listen: Option<std::net::SocketAddr>,
) -> Result<Option<url::Url>, ConfigError> {
    let from_env = env
        .get("SOLIBOT_PUBLIC_URL")
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let origin = if from_env.is_some() {
        "environment SOLIBOT_PUBLIC_URL".to_string()
    } else {
        file_origin.to_string()
    };
    let Some(text) = from_env.or(file_value).filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    let invalid = |message: String| ConfigError::Invalid {
        origin: origin.clone(),
        key: "websub.public_url",
        message,
    };
    let url = url::Url::parse(text.trim())
        .ok()
        .filter(|u| {
            matches!(u.scheme(), "http" | "https") && u.host().is_some() && u.query().is_none()
        })
        .ok_or_else(|| invalid(format!("`{text}` is not an http(s) URL without a query")))?;
    if http_listen.is_none() {
        return Err(invalid(
            "WebSub needs `http.listen` (the address the hubs' requests reach)".into(),
        ));
    }
    Ok(Some(url))
}

/// Applies environment overrides to a raw config and checks every value, one key (or
/// section) a step, in the order errors are reported.
pub fn validate(
    mut raw: RawConfig,
    source: Option<PathBuf>,
    env: &HashMap<String, String>,
) -> Result<Config, ConfigError> {
    let src = Sources {
        env,
        file_origin: source
            .as_ref()
            .map(|p| format!("config file {}", p.display()))
            .unwrap_or_else(|| "configuration".to_string()),
    };
    let webhook_keys = RawTelegram {
        webhook_url: raw.telegram.webhook_url.take(),
        webhook_secret: raw.telegram.webhook_secret.take(),
        webhook_max_connections: raw.telegram.webhook_max_connections,
        ..RawTelegram::default()
    };
    let token = src
        .get("SOLIBOT_TELEGRAM_TOKEN")
        .or_else(|| src.get("TELOXIDE_TOKEN"))
        .or(raw.telegram.token)
        .filter(|t| !t.trim().is_empty());
    let api_url = api_url(&src, raw.telegram.api_url)?;
    let admins = admins(&src, raw.telegram.admins)?;
    let data_path = src
        .get("SOLIBOT_DATA_PATH")
        .map(PathBuf::from)
        .or(raw.storage.path)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_PATH));
    let poll_interval = poll_interval(&src, raw.polling.interval)?;
    let failure_notice_after = failure_notice_after(&src, raw.polling.failure_notice_after)?;
    let allow_private = allow_private(&src, raw.fetch.allow_private_addresses)?;
    let (fetch_timeout, max_body_bytes) = fetch_limits(&src, &raw.fetch)?;
    let threshold = threshold(&src, raw.detect.threshold)?;
    let http_listen = http_listen(&src, raw.http.listen)?;
    let webhook = validate_webhook(&webhook_keys, env, &src.file_origin, http_listen)?;
    let websub_public_url = validate_public_url(
        raw.websub.public_url.take(),
        env,
        &src.file_origin,
        http_listen,
    )?;
    let log_format = log_format(&src, raw.log.format)?;
    let rate_scale = rate_scale(&src, raw.delivery.rate_scale)?;
    let paid_broadcast = paid_broadcast(&src, raw.delivery.paid_broadcast)?;
    let base_dir = source
        .as_ref()
        .and_then(|p| p.parent())
        .map(Path::to_path_buf);
    let feeds = feeds(&src, raw.feeds, base_dir.as_deref())?;
    let timezone = match raw.dates.timezone.as_deref() {
        Some(name) => time_zone(&src.file_origin, "dates.timezone", name)?,
        None => chrono_tz::Tz::UTC,
    };

    Ok(Config {
        source,
        token,
        api_url,
        admins,
        data_path,
        poll_interval,
        max_concurrent_polls: raw.polling.max_concurrent.unwrap_or(8).max(1),
        failure_notice_after,
        allow_private,
        max_body_bytes,
        fetch_timeout,
        user_agent: raw.fetch.user_agent,
        threshold,
        cue_files: raw
            .detect
            .cue_files
            .into_iter()
            .map(|p| match &base_dir {
                Some(b) if p.is_relative() => b.join(p),
                _ => p,
            })
            .collect(),
        http_listen,
        webhook,
        websub_public_url,
        log_format,
        log_level: src.get("SOLIBOT_LOG").or(raw.log.level),
        rate_scale,
        review_new_sites: review_new_sites(&src, raw.review.new_sites)?,
        timezone,
        remind_before: remind_before(&src, raw.dates.remind_before)?,
        paid_broadcast,
        feeds,
    })
}

/// Where values come from while validating: the environment, else the file (named in
/// errors as `file_origin`: "config file <path>", or "configuration" without a file).
struct Sources<'a> {
    env: &'a HashMap<String, String>,
    file_origin: String,
}

impl Sources<'_> {
    /// An environment variable, trimmed; `None` when unset or empty.
    fn get(&self, k: &str) -> Option<String> {
        self.env
            .get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }
}

fn invalid(origin: &str, key: &'static str, message: String) -> ConfigError {
    ConfigError::Invalid {
        origin: origin.to_string(),
        key,
        message,
    }
}

/// `telegram.api_url` (or `SOLIBOT_TELEGRAM_API_URL`): http(s), no trailing slash.
fn api_url(src: &Sources, raw: Option<String>) -> Result<String, ConfigError> {
    let (api_url, origin) = match src.get("SOLIBOT_TELEGRAM_API_URL") {
        Some(v) => (v, "environment SOLIBOT_TELEGRAM_API_URL".to_string()),
        None => (
            raw.unwrap_or_else(|| DEFAULT_API_URL.to_string()),
            src.file_origin.clone(),
        ),
    };
    let api_url = api_url.trim_end_matches('/').to_string();
    match url::Url::parse(&api_url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(api_url),
        _ => Err(invalid(
            &origin,
            "telegram.api_url",
            format!("`{api_url}` is not an http(s) URL"),
        )),
    }
}

/// `telegram.admins` (or `SOLIBOT_ADMINS`, comma-separated): Telegram user ids.
fn admins(src: &Sources, raw: Vec<i64>) -> Result<Vec<i64>, ConfigError> {
    let admins = match src.get("SOLIBOT_ADMINS") {
        Some(v) => v
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<i64>().map_err(|_| {
                    invalid(
                        "environment SOLIBOT_ADMINS",
                        "telegram.admins",
                        format!("`{s}` is not a Telegram user id"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
        None => raw,
    };
    if let Some(bad) = admins.iter().find(|id| **id <= 0) {
        return Err(invalid(
            &src.file_origin,
            "telegram.admins",
            format!("`{bad}` is not a Telegram user id"),
        ));
    }
    Ok(admins)
}

/// `polling.interval` (or `SOLIBOT_POLL_INTERVAL`): at least a second, 10 minutes by
/// default.
fn poll_interval(src: &Sources, raw: Option<String>) -> Result<Duration, ConfigError> {
    let (interval_text, origin) = match src.get("SOLIBOT_POLL_INTERVAL") {
        Some(v) => (v, "environment SOLIBOT_POLL_INTERVAL".to_string()),
        None => (raw.unwrap_or_else(|| "10m".into()), src.file_origin.clone()),
    };
    parse_duration(&interval_text)
        .filter(|d| *d >= Duration::from_secs(1))
        .ok_or_else(|| {
            invalid(
                &origin,
                "polling.interval",
                format!("`{interval_text}` is not a duration of at least 1s (like 30s, 10m, 1h)"),
            )
        })
}

/// `polling.failure_notice_after` (or `SOLIBOT_FAILURE_NOTICE_AFTER`): at least a
/// second, a day by default.
fn failure_notice_after(src: &Sources, raw: Option<String>) -> Result<Duration, ConfigError> {
    let (notice_text, origin) = match src.get("SOLIBOT_FAILURE_NOTICE_AFTER") {
        Some(v) => (v, "environment SOLIBOT_FAILURE_NOTICE_AFTER".to_string()),
        None => (raw.unwrap_or_else(|| "24h".into()), src.file_origin.clone()),
    };
    parse_duration(&notice_text)
        .filter(|d| *d >= Duration::from_secs(1))
        .ok_or_else(|| {
            invalid(
                &origin,
                "polling.failure_notice_after",
                format!("`{notice_text}` is not a duration of at least 1s (like 30m, 24h)"),
            )
        })
}

/// `dates.remind_before` (or `SOLIBOT_REMIND_BEFORE`): from a second to a week, three
/// hours by default.
fn remind_before(src: &Sources, raw: Option<String>) -> Result<Duration, ConfigError> {
    let (text, origin) = match src.get("SOLIBOT_REMIND_BEFORE") {
        Some(v) => (v, "environment SOLIBOT_REMIND_BEFORE".to_string()),
        None => (raw.unwrap_or_else(|| "3h".into()), src.file_origin.clone()),
    };
    parse_duration(&text)
        .filter(|d| (1..=7 * 86_400).contains(&d.as_secs()))
        .ok_or_else(|| {
            invalid(
                &origin,
                "dates.remind_before",
                format!("`{text}` is not a duration from 1s to 7d (like 30m, 3h)"),
            )
        })
}

/// `fetch.allow_private_addresses` (or `SOLIBOT_ALLOW_PRIVATE`), off by default.
fn allow_private(src: &Sources, raw: Option<bool>) -> Result<bool, ConfigError> {
    match src.get("SOLIBOT_ALLOW_PRIVATE") {
        Some(v) => parse_bool(&v).ok_or_else(|| {
            invalid(
                "environment SOLIBOT_ALLOW_PRIVATE",
                "fetch.allow_private_addresses",
                format!("`{v}` is not 1/0/true/false"),
            )
        }),
        None => Ok(raw.unwrap_or(false)),
    }
}

/// `review.new_sites` (or `SOLIBOT_REVIEW_NEW_SITES`), on by default.
fn review_new_sites(src: &Sources, raw: Option<bool>) -> Result<bool, ConfigError> {
    match src.get("SOLIBOT_REVIEW_NEW_SITES") {
        Some(v) => parse_bool(&v).ok_or_else(|| {
            invalid(
                "environment SOLIBOT_REVIEW_NEW_SITES",
                "review.new_sites",
                format!("`{v}` is not 1/0/true/false"),
            )
        }),
        None => Ok(raw.unwrap_or(true)),
    }
}

/// `delivery.paid_broadcast` (or `SOLIBOT_PAID_BROADCAST`), off by default.
fn paid_broadcast(src: &Sources, raw: Option<bool>) -> Result<bool, ConfigError> {
    match src.get("SOLIBOT_PAID_BROADCAST") {
        Some(v) => parse_bool(&v).ok_or_else(|| {
            invalid(
                "environment SOLIBOT_PAID_BROADCAST",
                "delivery.paid_broadcast",
                format!("`{v}` is not 1/0/true/false"),
            )
        }),
        None => Ok(raw.unwrap_or(false)),
    }
}

/// `fetch.timeout` (30 s by default) and `fetch.max_body_bytes` (5 MiB, above 0).
fn fetch_limits(src: &Sources, raw: &RawFetch) -> Result<(Duration, usize), ConfigError> {
    let fetch_timeout = match &raw.timeout {
        Some(t) => parse_duration(t).ok_or_else(|| {
            invalid(
                &src.file_origin,
                "fetch.timeout",
                format!("`{t}` is not a duration"),
            )
        })?,
        None => Duration::from_secs(30),
    };
    let max_body_bytes = raw.max_body_bytes.unwrap_or(5 * 1024 * 1024);
    if max_body_bytes == 0 {
        return Err(invalid(
            &src.file_origin,
            "fetch.max_body_bytes",
            "must be above 0".into(),
        ));
    }
    Ok((fetch_timeout, max_body_bytes))
}

/// `detect.threshold` (or `SOLIBOT_THRESHOLD`): between 0 and 1; `None`: the model's.
fn threshold(src: &Sources, raw: Option<f32>) -> Result<Option<f32>, ConfigError> {
    Ok(match src.get("SOLIBOT_THRESHOLD") {
        Some(v) => Some(
            v.parse::<f32>()
                .ok()
                .filter(|t| (0.0..=1.0).contains(t))
                .ok_or_else(|| {
                    invalid(
                        "environment SOLIBOT_THRESHOLD",
                        "detect.threshold",
                        format!("`{v}` is not a number between 0 and 1"),
                    )
                })?,
        ),
        None => match raw {
            Some(t) if !(0.0..=1.0).contains(&t) => {
                return Err(invalid(
                    &src.file_origin,
                    "detect.threshold",
                    format!("`{t}` is not between 0 and 1"),
                ));
            }
            t => t,
        },
    })
}

/// `http.listen` (or `SOLIBOT_HTTP_LISTEN`): a socket address; empty or `off`: none.
fn http_listen(
    src: &Sources,
    raw: Option<String>,
) -> Result<Option<std::net::SocketAddr>, ConfigError> {
    let (listen, origin) = match src.get("SOLIBOT_HTTP_LISTEN") {
        Some(v) => (Some(v), "environment SOLIBOT_HTTP_LISTEN".to_string()),
        None => (raw, src.file_origin.clone()),
    };
    Ok(match listen.filter(|l| !l.is_empty() && l != "off") {
        Some(l) => Some(l.parse().map_err(|_| {
            invalid(
                &origin,
                "http.listen",
                format!("`{l}` is not an address like 127.0.0.1:9090"),
            )
        })?),
        None => None,
    })
}

/// `log.format` (or `SOLIBOT_LOG_FORMAT`): `text` (the default) or `json`.
fn log_format(src: &Sources, raw: Option<String>) -> Result<LogFormat, ConfigError> {
    match src.get("SOLIBOT_LOG_FORMAT").or(raw).as_deref() {
        None | Some("text") => Ok(LogFormat::Text),
        Some("json") => Ok(LogFormat::Json),
        Some(other) => Err(invalid(
            &src.file_origin,
            "log.format",
            format!("`{other}` is not `text` or `json`"),
        )),
    }
}

/// `delivery.rate_scale` (or `SOLIBOT_RATE_SCALE`): a positive number, 1 by default.
fn rate_scale(src: &Sources, raw: Option<f64>) -> Result<f64, ConfigError> {
    Ok(match src.get("SOLIBOT_RATE_SCALE") {
        Some(v) => v
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f > 0.0)
            .ok_or_else(|| {
                invalid(
                    "environment SOLIBOT_RATE_SCALE",
                    "delivery.rate_scale",
                    format!("`{v}` is not a positive number"),
                )
            })?,
        None => match raw {
            Some(f) if !(f.is_finite() && f > 0.0) => {
                return Err(invalid(
                    &src.file_origin,
                    "delivery.rate_scale",
                    format!("`{f}` is not a positive number"),
                ));
            }
            f => f.unwrap_or(1.0),
        },
    })
}

/// The `[[feeds]]` of the file: mode, URL (a path relative to the file's folder) and
/// hashtags checked.
fn feeds(
    src: &Sources,
    raw: Vec<RawFeed>,
    base_dir: Option<&Path>,
) -> Result<Vec<FeedConfig>, ConfigError> {
    let file_origin = &src.file_origin;
    let mut feeds = Vec::new();
    for f in raw {
        let mode = match f.mode.as_deref() {
            None => FeedMode::Appeals,
            Some(m) => FeedMode::parse(m).ok_or_else(|| {
                invalid(
                    file_origin,
                    "feeds.mode",
                    format!("`{m}` is not `appeals` or `all` (feed {})", f.url),
                )
            })?,
        };
        let url = resolve_feed_url(&f.url, base_dir).ok_or_else(|| {
            invalid(
                file_origin,
                "feeds.url",
                format!("`{}` is not a URL or a file path", f.url),
            )
        })?;
        let hashtags = f
            .hashtags
            .iter()
            .map(|h| normalise_hashtag(h))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                invalid(
                    file_origin,
                    "feeds.hashtags",
                    format!("a hashtag of feed {} is empty or has spaces", f.url),
                )
            })?;
        let timezone = f
            .timezone
            .as_deref()
            .map(|name| time_zone(file_origin, "feeds.timezone", name))
            .transpose()?;
        feeds.push(FeedConfig {
            url,
            name: f.name,
            hashtags,
            mode,
            review: f.review,
            timezone,
        });
    }
    Ok(feeds)
}

/// `#tag` or `tag` -> `#tag`; `None` for empty or spaced tags.
pub fn normalise_hashtag(s: &str) -> Option<String> {
    let t = s.trim().trim_start_matches('#');
    if t.is_empty() || t.chars().any(|c| c.is_whitespace() || c == '#') {
        return None;
    }
    Some(format!("#{t}"))
}

/// A feed URL from the config file: http(s) and file URLs as they are; a plain path is
/// taken relative to the config file's folder and turned into a `file://` URL.
fn resolve_feed_url(s: &str, base_dir: Option<&Path>) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(u) = url::Url::parse(s) {
        if u.scheme() == "file" {
            let path = u.to_file_path().ok()?;
            return Some(url::Url::from_file_path(path).ok()?.to_string());
        }
        if u.scheme().len() > 1 {
            return Some(u.to_string());
        }
    }
    let rel = s.strip_prefix("file:").unwrap_or(s);
    let path = PathBuf::from(rel);
    let abs = match base_dir {
        Some(b) if path.is_relative() => b.join(&path),
        _ => path,
    };
    let abs = if abs.is_relative() {
        std::env::current_dir().ok()?.join(abs)
    } else {
        abs
    };
    url::Url::from_file_path(abs).ok().map(|u| u.to_string())
}

/// `30s`, `10m`, `1h`, `1d`, `500ms`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().ok()?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "ms" => return Some(Duration::from_millis(n)),
        "m" | "min" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
