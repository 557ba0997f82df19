//! Organizer operations on feeds, shared by the bot's commands and the command line:
//! add (validate by fetching and parsing, mark the backlog seen), edit, remove, OPML
//! export and import, and the `solibot feeds export|import FILE` commands.
//!
//! Errors carry what went wrong, not words: [`AddError::message`] and
//! [`ArgError::message`] word them in a reply language (English for `Display`). Sends
//! nothing to Telegram.

use crate::config::{Config, FeedMode, normalise_hashtag};
use crate::context::Shared;
use crate::deliver::render;
use crate::feeds::fetch::{FetchError, MAX_URL_LEN, Validators};
use crate::i18n::{Lang, t, tn, tv};
use crate::poll::{self, PollError};
use crate::store::{FeedHealth, FeedRecord, NewEntry, Store, StoreError, now_unix};
use std::path::Path;

/// The largest OPML file accepted.
pub const MAX_OPML_BYTES: usize = 1024 * 1024;

/// Why a URL given by a user is not a feed URL.
#[derive(Debug, Clone, PartialEq)]
pub enum Malformed {
    /// Longer than the fetcher accepts (`MAX_URL_LEN`).
    TooLong,
    /// Not a URL at all: what was given and why.
    NotUrl(String, String),
    /// Not http or https: the scheme given (clipped).
    Scheme(String),
    /// No host name.
    NoHost,
    /// A user name or password in the URL.
    Credentials,
    /// Refused by the fetcher.
    Rejected(String),
}

/// Why a feed was not added; [`AddError::message`] is the reply an organizer reads.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    /// The URL itself is refused.
    #[error("{}", self.message(Lang::En))]
    Malformed(Malformed),
    /// A feed with this URL (or the one it moved to) is already stored: its id.
    #[error("{}", self.message(Lang::En))]
    AlreadyAdded(u64),
    /// The address guard refused the host: `host (address)`.
    #[error("{}", self.message(Lang::En))]
    Blocked(String),
    /// The fetch failed (network, timeout, redirects): the fetcher's error.
    #[error("{}", self.message(Lang::En))]
    Unreachable(String),
    /// The first fetch answered 304 Not Modified: there is nothing to read.
    #[error("{}", self.message(Lang::En))]
    NotModified,
    /// The server answered this HTTP status.
    #[error("{}", self.message(Lang::En))]
    Status(u16),
    /// The body is larger than this many bytes.
    #[error("{}", self.message(Lang::En))]
    TooLarge(usize),
    /// The body is not a feed: the parser's error.
    #[error("{}", self.message(Lang::En))]
    NotAFeed(String),
    /// The database failed.
    #[error("{}", self.message(Lang::En))]
    Store(#[from] StoreError),
}

impl AddError {
    /// The reason in `lang`, as it follows "Not added: ".
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AddError::Malformed(m) => {
                let why = match m {
                    Malformed::TooLong => t(lang, "url.too_long", &[]),
                    Malformed::NotUrl(raw, e) => {
                        t(lang, "url.not_url", &[("url", raw), ("why", e)])
                    }
                    Malformed::Scheme(s) => t(lang, "url.scheme", &[("scheme", s)]),
                    Malformed::NoHost => t(lang, "url.no_host", &[]),
                    Malformed::Credentials => t(lang, "url.credentials", &[]),
                    Malformed::Rejected(u) => t(lang, "url.rejected", &[("url", u)]),
                };
                t(lang, "adderr.malformed", &[("why", &why)])
            }
            AddError::AlreadyAdded(id) => t(lang, "adderr.already", &[("id", &id.to_string())]),
            AddError::Blocked(w) => t(lang, "adderr.blocked", &[("why", w)]),
            AddError::Unreachable(w) => t(lang, "adderr.unreachable", &[("why", w)]),
            AddError::NotModified => t(lang, "adderr.not_modified", &[]),
            AddError::Status(c) => t(lang, "adderr.status", &[("code", &c.to_string())]),
            AddError::TooLarge(n) => tn(lang, "adderr.too_large", *n as u64, &[]),
            AddError::NotAFeed(w) => t(lang, "adderr.not_a_feed", &[("why", w)]),
            AddError::Store(e) => t(lang, "adderr.internal", &[("why", &e.to_string())]),
        }
    }
}

/// [`AddError::message`] with the bot token scrubbed and the length bounded.
pub fn add_error_message(e: &AddError, lang: Lang, token: Option<&str>) -> String {
    clip(&crate::text::scrub(&e.message(lang), token), 400)
}

/// What is wrong with a command's arguments.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArgError {
    /// `/addfeed` without a URL.
    #[error("{}", self.message(Lang::En))]
    AddUsage,
    /// `/editfeed` without a feed.
    #[error("{}", self.message(Lang::En))]
    EditUsage,
    /// `mode=` with something else than `all` or `appeals` (clipped).
    #[error("{}", self.message(Lang::En))]
    UnknownMode(String),
    /// A `#word` that is not a hashtag (clipped).
    #[error("{}", self.message(Lang::En))]
    BadHashtag(String),
    /// `/editfeed` got a word it does not know (clipped).
    #[error("{}", self.message(Lang::En))]
    UnknownWord(String),
    /// `/editfeed` with nothing to change.
    #[error("{}", self.message(Lang::En))]
    NothingToChange,
}

impl ArgError {
    /// The reply in `lang` that says what is wrong and how to write the command.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ArgError::AddUsage => t(lang, "args.add_usage", &[]),
            ArgError::EditUsage => t(lang, "args.edit_usage", &[]),
            ArgError::UnknownMode(m) => t(lang, "args.unknown_mode", &[("mode", m)]),
            ArgError::BadHashtag(h) => t(lang, "args.bad_hashtag", &[("tag", h)]),
            ArgError::UnknownWord(w) => t(lang, "args.unknown_word", &[("word", w)]),
            ArgError::NothingToChange => t(lang, "args.nothing_to_change", &[]),
        }
    }
}

/// A feed just added.
pub struct Added {
    /// The stored feed (its id given, its backlog marked seen).
    pub feed: FeedRecord,
    /// How many entries the first fetch found.
    pub entries: usize,
    /// The latest appeal, rendered as plain text, if the feed has one.
    pub preview: Option<String>,
}

/// Parses `/addfeed URL [#tag …] [mode=all|appeals] [name …]` arguments.
pub struct AddRequest {
    /// The feed URL as given.
    pub url: String,
    /// Hashtags for every alert of the feed, normalised, `#` included.
    pub hashtags: Vec<String>,
    /// The name given (the rest of the words, clipped to 100 characters); `None`: the feed's title.
    pub name: Option<String>,
    /// `mode=` (`appeals` unless given).
    pub mode: FeedMode,
}

/// `/addfeed`'s arguments: the URL first, then hashtags, `mode=` and the name's words in any order.
pub fn parse_add_args(args: &str) -> Result<AddRequest, ArgError> {
    let mut words = args.split_whitespace();
    let url = words.next().ok_or(ArgError::AddUsage)?.to_string();
    let mut hashtags = Vec::new();
    let mut name = Vec::new();
    let mut mode = FeedMode::Appeals;
    for w in words {
        if let Some(m) = w.strip_prefix("mode=") {
            mode = FeedMode::parse(m).ok_or_else(|| ArgError::UnknownMode(clip(m, 20)))?;
        } else if w.starts_with('#') {
            hashtags.push(normalise_hashtag(w).ok_or_else(|| ArgError::BadHashtag(clip(w, 40)))?);
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

/// `/editfeed ID|URL [#tag …] [tags=none] [mode=all|appeals] [name=NAME …]`: what to
/// change. Hashtags given replace the feed's; `name=` takes the rest of the line.
#[derive(Debug, Clone, PartialEq)]
pub struct EditRequest {
    /// The feed's id or URL.
    pub feed: String,
    /// The new hashtags (`Some` of empty: `tags=none`); `None`: unchanged.
    pub hashtags: Option<Vec<String>>,
    /// The new name; `None`: unchanged.
    pub name: Option<String>,
    /// The new mode; `None`: unchanged.
    pub mode: Option<FeedMode>,
}

/// `/editfeed`'s arguments; an error when there is nothing to change or a word is unknown.
pub fn parse_edit_args(args: &str) -> Result<EditRequest, ArgError> {
    let args = args.trim();
    let (feed, mut rest) = match args.find(char::is_whitespace) {
        Some(i) => (&args[..i], args[i..].trim_start()),
        None => (args, ""),
    };
    if feed.is_empty() {
        return Err(ArgError::EditUsage);
    }
    let mut edit = EditRequest {
        feed: feed.to_string(),
        hashtags: None,
        name: None,
        mode: None,
    };
    while !rest.is_empty() {
        if let Some(name) = rest.strip_prefix("name=") {
            let name = name.trim();
            if name.is_empty() {
                return Err(ArgError::EditUsage);
            }
            edit.name = Some(clip(name, 100));
            break;
        }
        let (w, after) = match rest.find(char::is_whitespace) {
            Some(i) => (&rest[..i], rest[i..].trim_start()),
            None => (rest, ""),
        };
        if let Some(m) = w.strip_prefix("mode=") {
            edit.mode = Some(FeedMode::parse(m).ok_or_else(|| ArgError::UnknownMode(clip(m, 20)))?);
        } else if w.eq_ignore_ascii_case("tags=none") || w.eq_ignore_ascii_case("tags=") {
            edit.hashtags = Some(Vec::new());
        } else if w.starts_with('#') {
            let tag = normalise_hashtag(w).ok_or_else(|| ArgError::BadHashtag(clip(w, 40)))?;
            let tags = edit.hashtags.get_or_insert_with(Vec::new);
            if !tags.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
                tags.push(tag);
            }
        } else {
            return Err(ArgError::UnknownWord(clip(w, 40)));
        }
        rest = after;
    }
    if edit.hashtags.is_none() && edit.name.is_none() && edit.mode.is_none() {
        return Err(ArgError::NothingToChange);
    }
    Ok(edit)
}

/// Applies an edit; `Ok(None)` when there is no such feed.
pub fn edit_feed(shared: &Shared, edit: &EditRequest) -> Result<Option<FeedRecord>, StoreError> {
    let Some(mut feed) = find_feed(shared, &edit.feed)? else {
        return Ok(None);
    };
    if let Some(tags) = &edit.hashtags {
        feed.hashtags = tags.clone();
    }
    if let Some(name) = &edit.name {
        feed.name = name.clone();
    }
    if let Some(mode) = edit.mode {
        feed.mode = mode.as_str().to_string();
    }
    // Polling rewrites the record too: take its latest health and validators, keep ours.
    if let Some(latest) = shared.store.feed(feed.id)? {
        let edited = FeedRecord {
            hashtags: feed.hashtags,
            name: feed.name,
            mode: feed.mode,
            ..latest
        };
        shared.store.update_feed(&edited)?;
        shared.store.flush_sync()?;
        return Ok(Some(edited));
    }
    Ok(None)
}

/// `s` cut to `n` characters, with `…` when cut.
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
        return Err(AddError::Malformed(Malformed::TooLong));
    }
    let url = url::Url::parse(raw)
        .map_err(|e| AddError::Malformed(Malformed::NotUrl(clip(raw, 80), e.to_string())))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(AddError::Malformed(Malformed::Scheme(clip(
            url.scheme(),
            20,
        ))));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(AddError::Malformed(Malformed::NoHost));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(AddError::Malformed(Malformed::Credentials));
    }
    Ok(url.to_string())
}

impl From<PollError> for AddError {
    fn from(e: PollError) -> AddError {
        match e {
            PollError::Fetch(f) => match f {
                FetchError::Blocked { host, addr, .. } => {
                    AddError::Blocked(format!("{host} ({addr})"))
                }
                FetchError::Status { code, .. } => AddError::Status(code),
                FetchError::TooLarge { limit, .. } => AddError::TooLarge(limit),
                FetchError::BadUrl(u) => AddError::Malformed(Malformed::Rejected(clip(&u, 120))),
                other => AddError::Unreachable(other.to_string()),
            },
            PollError::Parse { error, .. } => AddError::NotAFeed(error.to_string()),
            PollError::Store(s) => AddError::Store(s),
        }
    }
}

/// Fetches and parses the feed, then stores it with its backlog marked seen.
pub async fn add_feed(
    shared: &Shared,
    req: AddRequest,
    by: Option<i64>,
) -> Result<Added, AddError> {
    let url = check_user_url(req.url.trim())?;
    if let Some(f) = shared.store.feed_by_url(&url)? {
        return Err(AddError::AlreadyAdded(f.id));
    }
    let partner = req.name.clone().unwrap_or_default();
    let snap = poll::snapshot(
        shared,
        &url,
        &Validators::default(),
        false,
        &req.hashtags,
        &partner,
    )
    .await
    .map_err(AddError::from)?
    .changed()
    .ok_or(AddError::NotModified)?;
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
        hashtags: req.hashtags.clone(),
        mode: req.mode.as_str().into(),
        etag: snap.validators.etag.clone(),
        last_modified: snap.validators.last_modified.clone(),
        added_by: by,
        // An organizer who is not an admin adds a feed under review.
        review: by.is_some_and(|u| !shared.config.admins.contains(&u)),
        added_at: now,
        next_poll_at: Some(now + shared.config.poll_interval.as_secs() as i64),
        health: FeedHealth {
            last_success: Some(now),
            ..FeedHealth::default()
        },
        ..FeedRecord::new(stored_url.clone(), name)
    };
    let feed = shared
        .store
        .add_feed(rec)?
        .ok_or(AddError::AlreadyAdded(0))?;
    let backlog: Vec<NewEntry> = snap
        .entries
        .iter()
        .map(|e| NewEntry {
            keys: poll::entry_keys(e),
            alert: None,
        })
        .collect();
    // The backlog's sites count as the feed's own from now on (recorded first: the
    // seen set below marks the backlog taken).
    let sites: Vec<String> = snap
        .entries
        .iter()
        .zip(&snap.verdicts)
        .flat_map(|(e, v)| crate::review::entry_sites(e, v))
        .collect();
    shared.store.add_link_domains(feed.id, &sites)?;
    shared
        .store
        .commit_new_entries(feed.id, &backlog, &[])
        .await?;
    crate::hub::discovered(shared, feed.id, snap.hub.as_ref());
    let preview = snap
        .entries
        .iter()
        .zip(&snap.verdicts)
        .find(|(_, v)| v.is_appeal)
        .map(|(e, v)| {
            render::render_plain(&crate::deliver::alert_from_record(
                &poll::dated_alert_record(&shared.config, &feed, e, v),
            ))
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
    /// Its `xmlUrl`.
    pub url: String,
    /// Its `title` (else `text`), if any.
    pub name: Option<String>,
    /// Hashtags of its `category` attribute, normalised.
    pub hashtags: Vec<String>,
    /// Its `solibotMode` attribute, else `appeals`.
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
            Err(e) => {
                return Err(format!(
                    "broken XML at byte {}: {e}",
                    reader.buffer_position()
                ));
            }
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
    /// Feeds added: id and name.
    pub added: Vec<(u64, String)>,
    /// URLs already stored.
    pub skipped: Vec<String>,
    /// URLs refused, with why.
    pub refused: Vec<(String, AddError)>,
}

impl ImportReport {
    /// One summary: counts, then each feed added, skipped and refused with its reason.
    pub fn render(&self, lang: Lang, token: Option<&str>) -> String {
        let mut s = tv(
            lang,
            "import.summary",
            &[
                ("added", self.added.len().into()),
                ("skipped", self.skipped.len().into()),
                ("refused", self.refused.len().into()),
            ],
        );
        for (id, name) in &self.added {
            s.push('\n');
            s.push_str(&t(
                lang,
                "import.added",
                &[("id", &id.to_string()), ("name", &clip(name, 80))],
            ));
        }
        for url in &self.skipped {
            s.push('\n');
            s.push_str(&t(lang, "import.skipped", &[("url", &clip(url, 100))]));
        }
        for (url, why) in &self.refused {
            s.push('\n');
            s.push_str(&t(
                lang,
                "import.refused",
                &[
                    ("url", &clip(url, 100)),
                    ("why", &clip(&add_error_message(why, lang, token), 160)),
                ],
            ));
        }
        s
    }
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Lang::En, None))
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
            Err(e) => report.refused.push((url, e)),
        }
    }
    report
}

/// Why `solibot feeds export|import` failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The database could not be opened (a running bot holds it).
    #[error(
        "cannot open the database at {path}: {message} (a running bot holds it: stop it first)"
    )]
    Database {
        /// The database directory.
        path: String,
        /// sled's reason.
        message: String,
    },
    /// The OPML file could not be read.
    #[error("cannot read {path}: {message}")]
    Read {
        /// The file named.
        path: String,
        /// The operating system's error.
        message: String,
    },
    /// The OPML file could not be written.
    #[error("cannot write {path}: {message}")]
    Write {
        /// The file named.
        path: String,
        /// The operating system's error.
        message: String,
    },
    /// The file is not OPML.
    #[error("{path} is not an OPML file: {message}")]
    NotOpml {
        /// The file named.
        path: String,
        /// The XML reader's error.
        message: String,
    },
    /// The configuration or the context could not be built.
    #[error("{0}")]
    Setup(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CliError {
    /// 1 for the database and setup, 2 for a file that cannot be read or written, 4 for
    /// a file that is not OPML.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Read { .. } | CliError::Write { .. } => 2,
            CliError::NotOpml { .. } => 4,
            _ => 1,
        }
    }
}

fn open_store(config: &Config) -> Result<Store, CliError> {
    Store::open(&config.data_path).map_err(|e| CliError::Database {
        path: config.data_path.display().to_string(),
        message: e.to_string(),
    })
}

/// `solibot feeds export FILE` (`-` = standard output): the database's feeds as OPML.
/// Returns how many feeds were written.
pub async fn export_file(config: &Config, path: &Path) -> Result<usize, CliError> {
    let store = open_store(config)?;
    let feeds = store.feeds()?;
    let opml = export_opml(&feeds);
    let shown = path.display().to_string();
    let written = if path == Path::new("-") {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(opml.as_bytes()).and_then(|_| out.flush())
    } else {
        std::fs::write(path, opml.as_bytes())
    };
    written.map_err(|e| CliError::Write {
        path: shown,
        message: e.to_string(),
    })?;
    Ok(feeds.len())
}

/// `solibot feeds import FILE` (`-` = standard input): adds each feed of an OPML file to
/// the database, fetching and checking each like `/addfeed`.
pub async fn import_file(config: Config, path: &Path) -> Result<ImportReport, CliError> {
    let shown = path.display().to_string();
    let read = if path == Path::new("-") {
        use std::io::Read;
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .take(MAX_OPML_BYTES as u64 + 1)
            .read_to_end(&mut buf)
            .map(|_| buf)
    } else {
        std::fs::read(path)
    };
    let bytes = read.map_err(|e| CliError::Read {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    if bytes.len() > MAX_OPML_BYTES {
        return Err(CliError::NotOpml {
            path: shown,
            message: format!("larger than {MAX_OPML_BYTES} bytes"),
        });
    }
    let outlines = parse_opml(&bytes).map_err(|message| CliError::NotOpml {
        path: shown,
        message,
    })?;
    let store = open_store(&config)?;
    let shared = crate::context::shared(config, store, None, None)
        .map_err(|e| CliError::Setup(format!("{e:#}")))?;
    let report = import(&shared, outlines, None).await;
    shared.store.flush().await?;
    Ok(report)
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
mod tests;
