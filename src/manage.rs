//! Organizer operations on feeds, shared by the bot's commands and the command line:
//! add (validate by fetching and parsing, mark the backlog seen), remove, OPML.

use crate::app::Shared;
use crate::config::{FeedMode, normalise_hashtag};
use crate::deliver::render;
use crate::feeds::fetch::{FetchError, MAX_URL_LEN, Validators};
use crate::poll::{self, PollError};
use crate::store::{FeedHealth, FeedRecord, NewEntry, StoreError, now_unix};

/// Why a feed was not added; `Display` is the reply an organizer reads.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    #[error("that is not a valid feed URL: {0}")]
    Malformed(String),
    #[error("that feed is already added (id {0})")]
    AlreadyAdded(u64),
    #[error("the address is blocked: {0}")]
    Blocked(String),
    #[error("the feed is unreachable: {0}")]
    Unreachable(String),
    #[error("the server answered HTTP {0}")]
    Status(u16),
    #[error("the feed is larger than {0} bytes")]
    TooLarge(usize),
    #[error("that is not a feed (RSS, Atom or JSON Feed): {0}")]
    NotAFeed(String),
    #[error("internal error: {0}")]
    Store(#[from] StoreError),
}

/// A feed just added.
pub struct Added {
    pub feed: FeedRecord,
    pub entries: usize,
    /// The latest appeal, rendered as plain text, if the feed has one.
    pub preview: Option<String>,
}

/// Parses `/addfeed URL [#tag …] [mode=all|appeals] [name …]` arguments.
pub struct AddRequest {
    pub url: String,
    pub hashtags: Vec<String>,
    pub name: Option<String>,
    pub mode: FeedMode,
}

pub fn parse_add_args(args: &str) -> Result<AddRequest, String> {
    let mut words = args.split_whitespace();
    let url = words
        .next()
        .ok_or("give the feed's URL: /addfeed URL [#tag …] [mode=all] [name]")?
        .to_string();
    let mut hashtags = Vec::new();
    let mut name = Vec::new();
    let mut mode = FeedMode::Appeals;
    for w in words {
        if let Some(m) = w.strip_prefix("mode=") {
            mode = FeedMode::parse(m).ok_or(format!("unknown mode `{}`: use all or appeals", clip(m, 20)))?;
        } else if w.starts_with('#') {
            hashtags.push(normalise_hashtag(w).ok_or(format!("bad hashtag `{}`", clip(w, 40)))?);
        } else {
            name.push(w);
        }
    }
    let name = (!name.is_empty()).then(|| clip(&name.join(" "), 100));
    Ok(AddRequest {
        url,
        hashtags,
        name,
        mode,
    })
}

pub fn clip(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        s.chars().take(n).collect::<String>() + "…"
    } else {
        s.to_string()
    }
}

/// Checks a URL given by a Telegram user: http(s) only, no credentials, sane length.
pub fn check_user_url(raw: &str) -> Result<String, AddError> {
    if raw.len() > MAX_URL_LEN {
        return Err(AddError::Malformed("longer than 2048 characters".into()));
    }
    let url = url::Url::parse(raw).map_err(|e| AddError::Malformed(format!("{} ({e})", clip(raw, 80))))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(AddError::Malformed(format!(
            "only http and https feeds can be added, not {}:",
            clip(url.scheme(), 20)
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(AddError::Malformed("no host".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(AddError::Malformed("URLs with credentials are not accepted".into()));
    }
    Ok(url.to_string())
}

fn from_poll_error(e: PollError) -> AddError {
    match e {
        PollError::Fetch(f) => match f {
            FetchError::Blocked { host, addr, .. } => AddError::Blocked(format!("{host} ({addr})")),
            FetchError::Status { code, .. } => AddError::Status(code),
            FetchError::TooLarge { limit, .. } => AddError::TooLarge(limit),
            FetchError::BadUrl(u) => AddError::Malformed(u),
            other => AddError::Unreachable(other.to_string()),
        },
        PollError::Parse { error, .. } => AddError::NotAFeed(error.to_string()),
        PollError::Store(s) => AddError::Store(s),
    }
}

/// Fetches and parses the feed, then stores it with its backlog marked seen.
pub async fn add_feed(shared: &Shared, req: AddRequest, by: Option<i64>) -> Result<Added, AddError> {
    let url = check_user_url(req.url.trim())?;
    if let Some(f) = shared.store.feed_by_url(&url)? {
        return Err(AddError::AlreadyAdded(f.id));
    }
    let snap = poll::snapshot(shared, &url, &Validators::default(), false, &req.hashtags)
        .await
        .map_err(from_poll_error)?
        .ok_or_else(|| AddError::Unreachable("answered 304 to a first request".into()))?;
    let stored_url = snap.moved_permanently.clone().unwrap_or(url);
    if let Some(f) = shared.store.feed_by_url(&stored_url)? {
        return Err(AddError::AlreadyAdded(f.id));
    }
    let now = now_unix();
    let name = req
        .name
        .clone()
        .or_else(|| (!snap.title.is_empty()).then(|| clip(&snap.title, 100)))
        .unwrap_or_else(|| stored_url.clone());
    let rec = FeedRecord {
        v: 1,
        id: 0,
        url: stored_url.clone(),
        name,
        hashtags: req.hashtags.clone(),
        mode: req.mode.as_str().into(),
        from_config: false,
        etag: snap.validators.etag.clone(),
        last_modified: snap.validators.last_modified.clone(),
        added_by: by,
        added_at: now,
        next_poll_at: Some(now + shared.config.poll_interval.as_secs() as i64),
        health: FeedHealth {
            last_success: Some(now),
            ..FeedHealth::default()
        },
    };
    let feed = shared
        .store
        .add_feed(rec)?
        .ok_or_else(|| AddError::AlreadyAdded(0))?;
    let backlog: Vec<NewEntry> = snap
        .entries
        .iter()
        .map(|e| NewEntry {
            keys: poll::entry_keys(e),
            alert: None,
        })
        .collect();
    shared.store.commit_new_entries(feed.id, &backlog, &[]).await?;
    let preview = snap
        .entries
        .iter()
        .zip(&snap.verdicts)
        .find(|(_, v)| v.is_appeal)
        .map(|(e, v)| {
            render::render_plain(&crate::deliver::alert_from_record(&poll::alert_record(
                &feed, e, v,
            )))
        });
    let feed = shared.store.feed(feed.id)?.unwrap_or(feed);
    Ok(Added {
        feed,
        entries: snap.entries.len(),
        preview,
    })
}

/// Finds a feed by id or URL.
pub fn find_feed(shared: &Shared, arg: &str) -> Result<Option<FeedRecord>, StoreError> {
    let arg = arg.trim();
    if let Ok(id) = arg.parse::<u64>() {
        return shared.store.feed(id);
    }
    if let Some(f) = shared.store.feed_by_url(arg)? {
        return Ok(Some(f));
    }
    Ok(url::Url::parse(arg)
        .ok()
        .and_then(|u| shared.store.feed_by_url(u.as_str()).ok().flatten()))
}

/// OPML 2.0 of the feeds, with names, hashtags and mode.
pub fn export_opml(feeds: &[FeedRecord]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n    <title>solibot feeds</title>\n  </head>\n  <body>\n",
    );
    for f in feeds {
        out.push_str(&format!(
            "    <outline type=\"rss\" text=\"{}\" title=\"{}\" xmlUrl=\"{}\" category=\"{}\" solibotMode=\"{}\"/>\n",
            xml_escape(&f.name),
            xml_escape(&f.name),
            xml_escape(&f.url),
            xml_escape(&f.hashtags.join(",")),
            f.mode,
        ));
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

/// One feed named by an OPML file.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    pub url: String,
    pub name: Option<String>,
    pub hashtags: Vec<String>,
    pub mode: FeedMode,
}

/// Reads the `outline` elements that carry an `xmlUrl`, nested folders included.
pub fn parse_opml(bytes: &[u8]) -> Result<Vec<Outline>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut saw_opml = false;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let name = e.local_name();
                if name.as_ref().eq_ignore_ascii_case("opml") {
                    saw_opml = true;
                }
                if !name.as_ref().eq_ignore_ascii_case("outline") {
                    buf.clear();
                    continue;
                }
                let mut o = Outline {
                    url: String::new(),
                    name: None,
                    hashtags: Vec::new(),
                    mode: FeedMode::Appeals,
                };
                for a in e.attributes().flatten() {
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map(|v| v.into_owned())
                        .unwrap_or_default();
                    match a.key.local_name().as_ref() {
                        "xmlUrl" | "xmlurl" => o.url = value.trim().to_string(),
                        "title" => o.name = Some(value),
                        "text" if o.name.is_none() => o.name = Some(value),
                        "category" => {
                            o.hashtags = value
                                .split([',', ' '])
                                .filter_map(normalise_hashtag)
                                .collect()
                        }
                        "solibotMode" => o.mode = FeedMode::parse(&value).unwrap_or_default(),
                        _ => {}
                    }
                }
                if !o.url.is_empty() {
                    out.push(o);
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => return Err(format!("broken XML at byte {}: {e}", reader.buffer_position())),
            _ => {}
        }
        buf.clear();
        if out.len() > 1000 {
            return Err("more than 1000 feeds".into());
        }
    }
    if !saw_opml {
        return Err("no <opml> element".into());
    }
    Ok(out)
}

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub added: Vec<(u64, String)>,
    pub skipped: Vec<String>,
    pub refused: Vec<(String, String)>,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Import: {} added, {} already there, {} refused.",
            self.added.len(),
            self.skipped.len(),
            self.refused.len()
        )?;
        for (id, name) in &self.added {
            write!(f, "\n+ {id}. {}", clip(name, 80))?;
        }
        for url in &self.skipped {
            write!(f, "\n= {}", clip(url, 100))?;
        }
        for (url, why) in &self.refused {
            write!(f, "\n- {}: {}", clip(url, 100), clip(why, 160))?;
        }
        Ok(())
    }
}

/// Adds each outline with the same validation as `/addfeed`.
pub async fn import(shared: &Shared, outlines: Vec<Outline>, by: Option<i64>) -> ImportReport {
    let mut report = ImportReport::default();
    for o in outlines {
        let url = o.url.clone();
        let req = AddRequest {
            url: o.url,
            hashtags: o.hashtags,
            name: o.name.map(|n| clip(&n, 100)),
            mode: o.mode,
        };
        match add_feed(shared, req, by).await {
            Ok(a) => report.added.push((a.feed.id, a.feed.name)),
            Err(AddError::AlreadyAdded(_)) => report.skipped.push(url),
            Err(e) => report.refused.push((url, e.to_string())),
        }
    }
    report
}

fn xml_escape(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\t')
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_arguments() {
        let r = parse_add_args("https://x.example/feed #Syria #aleppo mode=all Relief Net").unwrap();
        assert_eq!(r.url, "https://x.example/feed");
        assert_eq!(r.hashtags, vec!["#Syria", "#aleppo"]);
        assert_eq!(r.mode, FeedMode::All);
        assert_eq!(r.name.as_deref(), Some("Relief Net"));
        assert!(parse_add_args("").is_err());
        assert!(parse_add_args("https://x mode=some").is_err());
    }

    #[test]
    fn opml_round_trip() {
        let feeds = vec![FeedRecord {
            v: 1,
            id: 3,
            url: "https://x.example/feed?a=1&b=2".into(),
            name: "Relief <Net> & \"Co\"".into(),
            hashtags: vec!["#Syria".into(), "#Aid".into()],
            mode: "all".into(),
            from_config: false,
            etag: None,
            last_modified: None,
            added_by: None,
            added_at: 0,
            next_poll_at: None,
            health: FeedHealth::default(),
        }];
        let opml = export_opml(&feeds);
        let back = parse_opml(opml.as_bytes()).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].url, feeds[0].url);
        assert_eq!(back[0].name.as_deref(), Some(feeds[0].name.as_str()));
        assert_eq!(back[0].hashtags, feeds[0].hashtags);
        assert_eq!(back[0].mode, FeedMode::All);
        assert!(parse_opml(b"<html></html>").is_err());
        assert!(parse_opml(b"<opml><body><outline xmlUrl=").is_err());
    }

    #[test]
    fn user_urls() {
        assert!(check_user_url("https://x.example/f").is_ok());
        assert!(matches!(check_user_url("file:///etc/passwd"), Err(AddError::Malformed(_))));
        assert!(matches!(check_user_url("not a url"), Err(AddError::Malformed(_))));
        assert!(matches!(check_user_url("https://u:p@x.example/"), Err(AddError::Malformed(_))));
        assert!(check_user_url(&format!("https://x.example/{}", "a".repeat(3000))).is_err());
    }
}
