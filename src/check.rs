//! `solibot check SOURCE`: fetch or read one feed, run detection on every entry, print
//! the verdicts for people or as JSON Lines.
//!
//! Exit codes (the contract): 0 done, 2 usage, 3 could not fetch, 4 not a feed.

use crate::config::Config;
use crate::dates::Dates;
use crate::detect::Verdict;
use crate::entry::Entry;
use crate::feeds::fetch::{FetchError, Fetched, Fetcher, Validators};
use crate::feeds::parse::{self, ParseError};
use crate::i18n::{Lang, tn};
use serde::Serialize;
use std::io::{Read, Write};

/// Why `solibot check` failed; [`CheckError::exit_code`] is the status it exits with.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The URL could not be fetched (exit 3).
    #[error("{0}")]
    Fetch(#[from] FetchError),
    /// The source is not a feed (exit 4).
    #[error("{source_name}: {error}")]
    Parse {
        /// The URL or file given.
        source_name: String,
        /// The parser's error.
        error: ParseError,
    },
    /// The file could not be read (exit 3).
    #[error("cannot read {source_name}: {message}")]
    Read {
        /// The file given.
        source_name: String,
        /// The operating system's error.
        message: String,
    },
    /// The detector could not be built, or a line not written (exit 2).
    #[error("{0}")]
    Setup(String),
}

impl CheckError {
    /// The contract's exit status: 3 could not fetch or read, 4 not a feed, 2 setup.
    pub fn exit_code(&self) -> i32 {
        match self {
            CheckError::Fetch(_) | CheckError::Read { .. } => 3,
            CheckError::Parse { .. } => 4,
            CheckError::Setup(_) => 2,
        }
    }
}

/// One entry of `check --json` output; field names are the contract's.
#[derive(Debug, Serialize)]
pub struct CheckLine<'a> {
    /// The entry's stable id.
    pub id: &'a str,
    /// The entry's title (plain text).
    pub title: &'a str,
    /// The entry's link.
    pub link: Option<&'a str>,
    /// When the entry was published, RFC 3339.
    pub published: Option<String>,
    /// The language the detector identified (ISO 639-1).
    pub lang: &'a str,
    /// Whether the score reached the threshold.
    pub is_appeal: bool,
    /// The detector's score, 0 to 1, rounded to 3 decimals.
    pub score: f64,
    /// What the entry asks to do.
    pub actions: Vec<ActionJson<'a>>,
    /// The detector's hashtags, `#` included.
    pub hashtags: &'a [String],
    /// The detector's summary.
    pub summary: &'a str,
    /// Why the detector decided as it did.
    pub reasons: &'a [String],
    /// Start of the event the entry mobilizes for, RFC 3339 (issue 14).
    pub when: Option<String>,
    /// When its petition, consultation or call closes, RFC 3339.
    pub deadline: Option<String>,
}

/// One action of a [`CheckLine`].
#[derive(Debug, Serialize)]
pub struct ActionJson<'a> {
    /// The action kind's name (`sign`, `donate`, …).
    pub kind: &'static str,
    /// The entry's words for it.
    pub label: &'a str,
    /// Where to take it, if the entry linked it.
    pub url: Option<&'a str>,
}

/// The `--json` line of an entry and its verdict (no dates: the caller adds `when` and `deadline`).
pub fn to_line<'a>(entry: &'a Entry, v: &'a Verdict) -> CheckLine<'a> {
    CheckLine {
        id: &entry.id,
        title: &entry.title,
        link: entry.link.as_deref(),
        published: entry.published.map(|d| d.to_rfc3339()),
        lang: &v.lang,
        is_appeal: v.is_appeal,
        score: (f64::from(v.score) * 1000.0).round() / 1000.0,
        actions: v
            .actions
            .iter()
            .map(|a| ActionJson {
                kind: a.kind.as_str(),
                label: &a.label,
                url: a.url.as_deref(),
            })
            .collect(),
        hashtags: &v.hashtags,
        summary: &v.summary,
        reasons: &v.reasons,
        when: None,
        deadline: None,
    }
}

/// The entry's dates, read in the zone configured for `source` (its feed's `timezone`,
/// else `dates.timezone`); entries without a date of their own are read as of now.
fn entry_dates(config: &Config, source: &str, entry: &Entry, v: &Verdict) -> Dates {
    // A configured file feed is named by its file:// URL; the source may be its path.
    let as_file_url = std::path::absolute(source)
        .ok()
        .and_then(|p| url::Url::from_file_path(p).ok())
        .map(String::from);
    let tz = match as_file_url {
        Some(u) if config.feeds.iter().any(|f| f.url == u) => config.timezone_for(&u),
        _ => config.timezone_for(source),
    };
    crate::dates::for_entry(entry, &v.lang, chrono::Utc::now(), tz)
}

/// Reads the source: `-` is standard input, a URL is fetched, anything else is a path.
pub async fn load_source(
    source: &str,
    fetcher: &Fetcher,
    max_body: usize,
) -> Result<(Vec<u8>, Option<String>), CheckError> {
    if source == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .take(max_body as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(|e| CheckError::Read {
                source_name: "standard input".into(),
                message: e.to_string(),
            })?;
        if buf.len() > max_body {
            return Err(CheckError::Read {
                source_name: "standard input".into(),
                message: format!("more than {max_body} bytes"),
            });
        }
        return Ok((buf, None));
    }
    match fetcher.fetch(source, &Validators::default(), true).await? {
        Fetched::Body {
            bytes, final_url, ..
        } => {
            let base = final_url.starts_with("http").then_some(final_url);
            Ok((bytes, base))
        }
        Fetched::NotModified { .. } => Err(CheckError::Read {
            source_name: source.into(),
            message: "answered 304 Not Modified to an unconditional request".into(),
        }),
    }
}

/// Runs `check` and writes its output; returns the process exit code.
pub async fn run(
    config: &Config,
    source: &str,
    json: bool,
    all: bool,
    out: &mut dyn Write,
) -> Result<(), CheckError> {
    let fetcher = Fetcher::new(crate::context::fetch_options(config))?;
    let detector =
        crate::context::build_detector(config).map_err(|e| CheckError::Setup(e.to_string()))?;
    let (bytes, base) = load_source(source, &fetcher, config.max_body_bytes).await?;
    let feed = parse::parse(&bytes, base.as_deref()).map_err(|error| CheckError::Parse {
        source_name: source.to_string(),
        error,
    })?;
    let ctx = detector
        .feed_context(&feed.entries)
        .with_publisher([feed.title.as_str()]);
    let write_err = |e: std::io::Error| CheckError::Read {
        source_name: "standard output".into(),
        message: e.to_string(),
    };
    if !json {
        let title = if feed.title.is_empty() {
            source
        } else {
            &feed.title
        };
        let n = feed.entries.len() as u64;
        let line = tn(Lang::En, "cli.entries", n, &[("title", title)]);
        writeln!(out, "{line}").map_err(write_err)?;
    }
    for entry in &feed.entries {
        let v = detector.detect(entry, &ctx, &[]);
        if !all && !v.is_appeal {
            continue;
        }
        let dates = entry_dates(config, source, entry, &v);
        if json {
            let mut line = to_line(entry, &v);
            line.when = dates.when.map(|f| f.at.to_rfc3339());
            line.deadline = dates.deadline.map(|f| f.at.to_rfc3339());
            let line =
                serde_json::to_string(&line).map_err(|e| CheckError::Setup(e.to_string()))?;
            writeln!(out, "{line}").map_err(write_err)?;
        } else {
            write_human(out, entry, &v, &dates).map_err(write_err)?;
        }
    }
    out.flush().map_err(write_err)?;
    Ok(())
}

fn write_human(
    out: &mut dyn Write,
    entry: &Entry,
    v: &Verdict,
    dates: &Dates,
) -> std::io::Result<()> {
    let mark = if v.is_appeal { "APPEAL" } else { "news  " };
    writeln!(out, "\n[{mark} {:.2} {}] {}", v.score, v.lang, entry.title)?;
    if let Some(link) = &entry.link {
        writeln!(out, "  {link}")?;
    }
    for a in &v.actions {
        writeln!(
            out,
            "  - {} ({}){}",
            a.label,
            a.kind.as_str(),
            a.url
                .as_deref()
                .map(|u| format!(": {u}"))
                .unwrap_or_default()
        )?;
    }
    if !v.hashtags.is_empty() {
        writeln!(out, "  {}", v.hashtags.join(" "))?;
    }
    write_dates(out, dates)?;
    if v.is_appeal && !v.summary.is_empty() {
        writeln!(out, "  {}", v.summary)?;
    }
    for r in &v.reasons {
        writeln!(out, "  · {r}")?;
    }
    Ok(())
}

/// `when` and `deadline` for people: the day, and the time when one was given.
fn write_dates(out: &mut dyn Write, dates: &Dates) -> std::io::Result<()> {
    let show = |f: &crate::dates::Found| {
        let format = if f.day_only {
            "%Y-%m-%d (%a)"
        } else {
            "%Y-%m-%d (%a) %H:%M %:z"
        };
        f.at.format(format).to_string()
    };
    if let Some(f) = &dates.when {
        writeln!(out, "  when: {}", show(f))?;
    }
    if let Some(f) = &dates.deadline {
        writeln!(out, "  deadline: {}", show(f))?;
    }
    Ok(())
}
