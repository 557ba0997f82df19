//! The one HTTP client that fetches partner feeds (and sends WebSub subscription requests
//! to their hubs, [`Fetcher::post_form`]), and the reader of feed files.
//!
//! Owns politeness and safety on the wire: an identifying User-Agent, connect, read and
//! total timeouts, at most a few redirects (followed here, hop by hop, so that every hop
//! is checked and permanent moves are noticed), a cap on the decompressed body,
//! conditional GET (ETag / Last-Modified), `Retry-After` and `Cache-Control: max-age`
//! hints, and the address guard ([`super::guard`]) on every hop. Whether a failure is
//! worth retrying is decided once, in [`FetchError::is_transient`].
//!
//! It must not parse feeds, schedule polls, sleep for `Retry-After` or store anything:
//! it returns bytes, validators and hints, and the caller decides.

use std::io::ErrorKind;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveDateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;

use super::guard::{Blocked, Guard};

/// The longest feed address accepted, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// Longest validator (ETag, Last-Modified) kept; longer values are dropped, not stored.
const MAX_VALIDATOR_LEN: usize = 512;

/// Longest network cause kept in an error message.
const MAX_CAUSE_LEN: usize = 200;

/// What the client sends as `Accept`: feed types first, anything else last.
const ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
     application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5";

/// The User-Agent sent unless configured otherwise.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "solibot/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/solibot/solibot)"
);

/// How the client behaves; [`Default`] gives the production values.
#[derive(Clone, Debug)]
pub struct FetchOptions {
    /// Sent as `User-Agent` on every request.
    pub user_agent: String,
    /// Limit for establishing a connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// Limit for the whole fetch, redirects and body included.
    pub timeout: Duration,
    /// Limit for any single read; a stalled server fails after this long.
    pub read_timeout: Duration,
    /// Largest body accepted, counted after decompression, in bytes.
    pub max_body: usize,
    /// Most redirects followed for one fetch.
    pub max_redirects: usize,
    /// Allow loopback, private, link-local and other reserved addresses.
    pub allow_private: bool,
}

impl Default for FetchOptions {
    fn default() -> FetchOptions {
        FetchOptions {
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(10),
            max_body: 5 * 1024 * 1024,
            max_redirects: 5,
            allow_private: false,
        }
    }
}

/// The validators of a fetched document, echoed verbatim on the next request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` response header, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// The `Last-Modified` response header, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
}

/// A successful fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    /// The document did not change since the validators were issued (HTTP 304).
    NotModified {
        /// The validators to keep (the server's new ones where it sent any).
        validators: Validators,
        /// `Cache-Control: max-age`: a hint on how long the document stays fresh.
        max_age: Option<Duration>,
    },
    /// The document.
    Body {
        /// The raw body, decompressed, at most `max_body` bytes.
        bytes: Vec<u8>,
        /// The address the body came from, after redirects.
        final_url: String,
        /// Where the feed moved for good (it answered 301 or 308), if it did.
        moved_permanently: Option<String>,
        /// The `Content-Type` response header.
        content_type: Option<String>,
        /// The validators to store and send next time.
        validators: Validators,
        /// `Cache-Control: max-age`: a hint on how long the document stays fresh.
        max_age: Option<Duration>,
        /// The `Link` response header (WebSub discovery: `rel="hub"`, `rel="self"`).
        link_header: Option<String>,
    },
}

/// Why a fetch failed. The display says what failed and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The source is not something this client may fetch.
    #[error("bad feed address: {0}")]
    BadUrl(String),
    /// A hop would connect to a loopback, private or reserved address.
    #[error("{}", blocked_message(url, host, addr))]
    Blocked {
        /// The address that was refused (credentials removed).
        url: String,
        /// The host as written in that address.
        host: String,
        /// The refused IP address.
        addr: IpAddr,
    },
    /// The server answered with an error status (or a 3xx that is not a redirect).
    #[error("feed {url} answered {}", status_text(*code))]
    Status {
        /// The address that answered (credentials removed).
        url: String,
        /// The HTTP status code.
        code: u16,
        /// How long the server asked to wait (`Retry-After`), if it said.
        retry_after: Option<Duration>,
    },
    /// The body (decompressed) or the file is larger than the cap.
    #[error("feed {url} is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The address or path.
        url: String,
        /// The cap in bytes.
        limit: usize,
    },
    /// A connect, read or total timeout expired.
    #[error("feed {url} timed out")]
    Timeout {
        /// The address being fetched (credentials removed).
        url: String,
    },
    /// More redirects than allowed.
    #[error("feed {url} redirected more than {limit} times")]
    Redirects {
        /// The address that redirected once too often (credentials removed).
        url: String,
        /// The redirect limit.
        limit: usize,
    },
    /// The server could not be reached or the transfer broke off.
    #[error("feed {url} could not be fetched: {cause}")]
    Network {
        /// The address (credentials removed).
        url: String,
        /// A short cause, without credentials.
        cause: String,
    },
    /// A feed file could not be read.
    #[error("feed file {path} could not be read: {cause}")]
    Io {
        /// The path as given.
        path: String,
        /// The operating system's reason.
        cause: String,
    },
    /// The HTTP client could not be built from the options.
    #[error("cannot set up the feed fetcher: {0}")]
    Setup(String),
}

impl FetchError {
    /// Whether trying the same fetch again later may succeed. The one place that decides.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout { .. } | FetchError::Network { .. } => true,
            FetchError::Status { code, .. } => {
                matches!(code, 408 | 425 | 429) || ((500..600).contains(code) && *code != 501)
            }
            FetchError::BadUrl(_)
            | FetchError::Blocked { .. }
            | FetchError::TooLarge { .. }
            | FetchError::Redirects { .. }
            | FetchError::Io { .. }
            | FetchError::Setup(_) => false,
        }
    }

    /// A short label for metrics and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::BadUrl(_) => "bad_url",
            FetchError::Blocked { .. } => "blocked",
            FetchError::Status { .. } => "status",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::Timeout { .. } => "timeout",
            FetchError::Redirects { .. } => "redirects",
            FetchError::Network { .. } => "network",
            FetchError::Io { .. } => "io",
            FetchError::Setup(_) => "setup",
        }
    }

    /// How long the server asked the client to wait before the next try, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

fn blocked_message(url: &str, host: &str, addr: &IpAddr) -> String {
    let what = if host.trim_matches(['[', ']']) == addr.to_string() {
        format!("{addr} is")
    } else {
        format!("{host} resolves to {addr},")
    };
    format!(
        "feed {url} is refused: {what} a loopback, private or reserved address \
         (fetch.allow_private_addresses allows it)"
    )
}

fn status_text(code: u16) -> String {
    match StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("{code} {reason}"),
        None => code.to_string(),
    }
}

/// The feed fetcher: one HTTP client, built once. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Fetcher {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: reqwest::Client,
    opts: FetchOptions,
    guard: Guard,
}

/// Where a source points.
enum Source {
    Http(Url),
    File(PathBuf),
}

impl Fetcher {
    /// Builds the client; the guard follows `opts.allow_private`.
    pub fn new(opts: FetchOptions) -> Result<Fetcher, FetchError> {
        let guard = Guard::new(opts.allow_private);
        Fetcher::with_guard(opts, guard)
    }

    /// Builds the client with an explicit address guard (for instance one that lets
    /// through a single internal address); `opts.allow_private` is then ignored.
    pub fn with_guard(opts: FetchOptions, guard: Guard) -> Result<Fetcher, FetchError> {
        if opts.max_body == 0 {
            return Err(FetchError::Setup("the body limit must be above 0".into()));
        }
        if opts.timeout.is_zero() || opts.connect_timeout.is_zero() || opts.read_timeout.is_zero() {
            return Err(FetchError::Setup("timeouts must be above 0".into()));
        }
        let client = reqwest::Client::builder()
            .user_agent(opts.user_agent.as_str())
            .connect_timeout(opts.connect_timeout)
            .read_timeout(opts.read_timeout)
            .timeout(opts.timeout)
            // Redirects are followed in `fetch_http`, where every hop is checked.
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the feed's host itself, out of the guard's reach.
            .no_proxy()
            .dns_resolver(guard.resolver())
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(2)
            .build()
            .map_err(|e| FetchError::Setup(deepest_cause(&e)))?;
        Ok(Fetcher {
            inner: Arc::new(Inner {
                client,
                opts,
                guard,
            }),
        })
    }

    /// The options the client was built with.
    pub fn options(&self) -> &FetchOptions {
        &self.inner.opts
    }

    /// Fetches an `http(s)://` URL, or reads a `file://` URL or local path when
    /// `allow_files` is set. `validators` come from the previous successful fetch.
    pub async fn fetch(
        &self,
        source: &str,
        validators: &Validators,
        allow_files: bool,
    ) -> Result<Fetched, FetchError> {
        let source = source.trim();
        let deadline = self.inner.opts.timeout;
        match parse_source(source, allow_files)? {
            Source::Http(url) => {
                let shown = shown_url(&url);
                tokio::time::timeout(deadline, self.fetch_http(url, validators))
                    .await
                    .unwrap_or(Err(FetchError::Timeout { url: shown }))
            }
            Source::File(path) => {
                let shown = path.display().to_string();
                tokio::time::timeout(deadline, self.read_file(&path, validators))
                    .await
                    .unwrap_or(Err(FetchError::Io {
                        path: shown,
                        cause: "timed out".into(),
                    }))
            }
        }
    }

    async fn fetch_http(&self, url: Url, validators: &Validators) -> Result<Fetched, FetchError> {
        let opts = &self.inner.opts;
        let original = url.clone();
        let mut current = url;
        // Where the leading run of permanent redirects leads: a 301 after a 302 says
        // nothing about the address the caller stored.
        let mut moved: Option<Url> = None;
        let mut all_permanent = true;
        let mut hops = 0;
        let response = loop {
            self.check_literal(&current)?;
            let response = self.send(&current, validators).await?;
            let status = response.status();
            if !is_redirect(status) {
                break response;
            }
            let Some(next) = redirect_target(&current, response.headers()) else {
                break response;
            };
            let next = next.map_err(|why| {
                FetchError::BadUrl(format!("feed {} redirected to {why}", shown_url(&current)))
            })?;
            if hops == opts.max_redirects {
                return Err(FetchError::Redirects {
                    url: shown_url(&current),
                    limit: opts.max_redirects,
                });
            }
            hops += 1;
            let permanent = matches!(
                status,
                StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
            );
            all_permanent &= permanent;
            if all_permanent {
                moved = Some(next.clone());
            }
            current = next;
        };

        let status = response.status();
        let headers = response.headers();
        let max_age = max_age(headers);
        if status == StatusCode::NOT_MODIFIED {
            let fresh = validators_of(headers);
            return Ok(Fetched::NotModified {
                validators: Validators {
                    etag: fresh.etag.or_else(|| validators.etag.clone()),
                    last_modified: fresh
                        .last_modified
                        .or_else(|| validators.last_modified.clone()),
                },
                max_age,
            });
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                url: shown_url(&current),
                code: status.as_u16(),
                retry_after: header_str(headers, &header::RETRY_AFTER)
                    .and_then(|v| parse_retry_after(v, Utc::now())),
            });
        }
        let content_type = header_str(headers, &header::CONTENT_TYPE).map(str::to_owned);
        let new_validators = validators_of(headers);
        let link_header = link_header(headers);
        let bytes = self.read_body(response, &current).await?;
        Ok(Fetched::Body {
            bytes,
            final_url: current.to_string(),
            moved_permanently: moved.filter(|m| *m != original).map(String::from),
            content_type,
            validators: new_validators,
            max_age,
            link_header,
        })
    }

    /// POSTs a form to `url` with the same client, guard and timeouts as a fetch (no
    /// redirects followed): the WebSub subscription requests to a hub. `Ok` on any 2xx.
    pub async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> Result<(), FetchError> {
        let url = match parse_source(url, false)? {
            Source::Http(url) => url,
            Source::File(_) => return Err(FetchError::BadUrl(url.to_string())),
        };
        self.check_literal(&url)?;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let response = self
            .inner
            .client
            .post(url.clone())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| self.http_error(&e, &url))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        Err(FetchError::Status {
            url: shown_url(&url),
            code: status.as_u16(),
            retry_after: header_str(response.headers(), &header::RETRY_AFTER)
                .and_then(|v| parse_retry_after(v, Utc::now())),
        })
    }

    /// Refuses a URL whose host is an IP literal the guard does not allow (the DNS
    /// resolver, which guards host names, is not asked about literals).
    fn check_literal(&self, url: &Url) -> Result<(), FetchError> {
        let addr = match url.host() {
            Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
            Some(url::Host::Domain(_)) => return Ok(()),
            None => {
                return Err(FetchError::BadUrl(format!(
                    "{} has no host",
                    shown_url(url)
                )));
            }
        };
        let host = url.host_str().unwrap_or_default();
        self.inner
            .guard
            .check(host, addr)
            .map_err(|b| blocked(url, b))
    }

    async fn send(
        &self,
        url: &Url,
        validators: &Validators,
    ) -> Result<reqwest::Response, FetchError> {
        let mut request = self
            .inner
            .client
            .get(url.clone())
            .header(header::ACCEPT, ACCEPT);
        if let Some(etag) = validators.etag.as_deref().and_then(header_value) {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(date) = validators.last_modified.as_deref().and_then(header_value) {
            request = request.header(header::IF_MODIFIED_SINCE, date);
        }
        request.send().await.map_err(|e| self.http_error(&e, url))
    }

    async fn read_body(
        &self,
        mut response: reqwest::Response,
        url: &Url,
    ) -> Result<Vec<u8>, FetchError> {
        let limit = self.inner.opts.max_body;
        let too_large = || FetchError::TooLarge {
            url: shown_url(url),
            limit,
        };
        // Without decompression this is Content-Length; a compressed body has none and
        // is capped while it streams.
        let declared = response.content_length();
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(declared.map_or(0, |len| len as usize).min(limit));
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.http_error(&e, url))?
        {
            if chunk.len() > limit - body.len() {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Maps a client error to a [`FetchError`] by its typed causes, never its text.
    fn http_error(&self, err: &reqwest::Error, url: &Url) -> FetchError {
        if let Some(b) = find_blocked(err) {
            return blocked(url, b.clone());
        }
        if err.is_timeout() {
            return FetchError::Timeout {
                url: shown_url(url),
            };
        }
        let what = if err.is_connect() {
            "cannot connect"
        } else if err.is_body() || err.is_decode() {
            "the body broke off"
        } else {
            "the request failed"
        };
        FetchError::Network {
            url: shown_url(url),
            cause: truncate(format!("{what}: {}", deepest_cause(err)), MAX_CAUSE_LEN),
        }
    }

    async fn read_file(&self, path: &Path, validators: &Validators) -> Result<Fetched, FetchError> {
        use tokio::io::AsyncReadExt;

        let limit = self.inner.opts.max_body;
        let shown = path.display().to_string();
        let io_error = |e: std::io::Error| FetchError::Io {
            path: shown.clone(),
            cause: e.to_string(),
        };
        let file = tokio::fs::File::open(path).await.map_err(io_error)?;
        let meta = file.metadata().await.map_err(io_error)?;
        if meta.is_dir() {
            return Err(io_error(std::io::Error::new(
                ErrorKind::IsADirectory,
                "is a directory",
            )));
        }
        if meta.len() > limit as u64 {
            return Err(FetchError::TooLarge { url: shown, limit });
        }
        // A file's ETag is its length and modification time, so an unchanged file
        // polls as cheaply as an unchanged web feed.
        let etag = meta
            .modified()
            .ok()
            .map(|modified| file_etag(meta.len(), modified));
        if etag.is_some() && etag == validators.etag {
            return Ok(Fetched::NotModified {
                validators: validators.clone(),
                max_age: None,
            });
        }
        let mut bytes = Vec::new();
        file.take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .await
            .map_err(io_error)?;
        if bytes.len() > limit {
            return Err(FetchError::TooLarge { url: shown, limit });
        }
        let final_url = std::path::absolute(path)
            .ok()
            .and_then(|abs| Url::from_file_path(abs).ok())
            .map_or(shown, String::from);
        Ok(Fetched::Body {
            bytes,
            final_url,
            moved_permanently: None,
            content_type: None,
            validators: Validators {
                etag,
                last_modified: None,
            },
            max_age: None,
            link_header: None,
        })
    }
}

/// Decides what `source` names: an http(s) URL, or a file when files are allowed.
fn parse_source(source: &str, allow_files: bool) -> Result<Source, FetchError> {
    if source.is_empty() {
        return Err(FetchError::BadUrl("the address is empty".into()));
    }
    if source.len() > MAX_URL_LEN {
        return Err(FetchError::BadUrl(format!(
            "the address is longer than {MAX_URL_LEN} bytes"
        )));
    }
    match Url::parse(source) {
        Ok(url) => match url.scheme() {
            "http" | "https" => {
                if url.host().is_none() {
                    return Err(FetchError::BadUrl(format!(
                        "{} has no host",
                        shown_url(&url)
                    )));
                }
                Ok(Source::Http(url))
            }
            "file" if allow_files => url
                .to_file_path()
                .map(Source::File)
                .map_err(|()| FetchError::BadUrl(format!("{source} is not a local file"))),
            "file" => Err(FetchError::BadUrl(format!(
                "{source}: local files are not allowed here, only http(s) URLs"
            ))),
            scheme => Err(FetchError::BadUrl(format!(
                "{}: the scheme {scheme}: is not supported, only http(s) URLs",
                shown_url(&url)
            ))),
        },
        Err(url::ParseError::RelativeUrlWithoutBase) if allow_files => {
            Ok(Source::File(PathBuf::from(source)))
        }
        Err(url::ParseError::RelativeUrlWithoutBase) => Err(FetchError::BadUrl(format!(
            "{source} is not an http(s) URL"
        ))),
        Err(e) => Err(FetchError::BadUrl(format!("{source}: {e}"))),
    }
}

/// 301, 302, 303, 307 and 308 are followed; 300, 304, 305 and 306 are not redirects.
fn is_redirect(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    )
}

/// The next hop of a redirect: `None` without a `Location`, an error when the
/// location is not a usable http(s) URL.
fn redirect_target(current: &Url, headers: &HeaderMap) -> Option<Result<Url, String>> {
    let location = headers.get(header::LOCATION)?;
    let target = (|| {
        let location = location
            .to_str()
            .map_err(|_| "a Location that is not text".to_owned())?;
        if location.len() > MAX_URL_LEN {
            return Err(format!("an address longer than {MAX_URL_LEN} bytes"));
        }
        let next = current
            .join(location)
            .map_err(|e| format!("an invalid address ({e})"))?;
        match next.scheme() {
            "http" | "https" if next.host().is_some() => Ok(next),
            _ => Err(format!("{}, which is not an http(s) URL", shown_url(&next))),
        }
    })();
    Some(target)
}

fn blocked(url: &Url, b: Blocked) -> FetchError {
    FetchError::Blocked {
        url: shown_url(url),
        host: b.host,
        addr: b.addr,
    }
}

/// The guard's refusal, wherever it sits in the error's cause chain.
fn find_blocked<'e>(err: &'e (dyn std::error::Error + 'static)) -> Option<&'e Blocked> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(b) = e.downcast_ref::<Blocked>() {
            return Some(b);
        }
        // `io::Error::source` skips the error it wraps; look inside explicitly.
        if let Some(b) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| find_blocked(inner))
        {
            return Some(b);
        }
        next = e.source();
    }
    None
}

/// The innermost cause's message: the most specific, and free of URLs.
fn deepest_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut last: &(dyn std::error::Error + 'static) = err;
    while let Some(source) = last.source() {
        last = source;
    }
    last.to_string()
}

fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// A URL for messages and logs: without user name and password.
fn shown_url(url: &Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut shown = url.clone();
    // Only fails for URLs that cannot have credentials, which then have none.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

fn header_str<'h>(headers: &'h HeaderMap, name: &header::HeaderName) -> Option<&'h str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

/// Every `Link` header, joined as one list (RFC 8288 allows several).
fn link_header(headers: &HeaderMap) -> Option<String> {
    let all: Vec<&str> = headers
        .get_all(header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!all.is_empty()).then(|| all.join(", "))
}

fn header_value(value: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(value).ok()
}

fn validators_of(headers: &HeaderMap) -> Validators {
    let keep = |name| {
        header_str(headers, name)
            .filter(|v| !v.is_empty() && v.len() <= MAX_VALIDATOR_LEN)
            .map(str::to_owned)
    };
    Validators {
        etag: keep(&header::ETAG),
        last_modified: keep(&header::LAST_MODIFIED),
    }
}

/// `Cache-Control: max-age=N` over every Cache-Control header.
fn max_age(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|directive| {
            let (name, value) = directive.split_once('=')?;
            if !name.trim().eq_ignore_ascii_case("max-age") {
                return None;
            }
            let secs = value.trim().trim_matches('"').parse::<u64>().ok()?;
            Some(Duration::from_secs(secs))
        })
}

/// `Retry-After` as delay-seconds or an HTTP date (IMF-fixdate, RFC 850 or asctime);
/// a date in the past means no wait.
fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = DateTime::parse_from_rfc2822(value)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
                .iter()
                .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
                .map(|naive| naive.and_utc())
        })?;
    Some((date - now).to_std().unwrap_or(Duration::ZERO))
}

fn file_etag(len: u64, modified: SystemTime) -> String {
    let nanos = modified
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("\"file-{len}-{nanos}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;
    use std::sync::Mutex;
    use std::time::Instant;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    const RSS: &str = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
                       <item><guid>1</guid><title>Sign the letter</title></item></channel></rss>";

    /// A request as the test server saw it.
    #[derive(Clone, Debug)]
    struct Seen {
        path: String,
        headers: Vec<(String, String)>,
    }

    impl Seen {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }
    }

    enum Body {
        /// Sent in full, with Content-Length unless `length` is false (then the
        /// connection's end delimits it).
        Bytes { bytes: Vec<u8>, length: bool },
        /// Headers, then one byte every `every`, without end.
        Drip { every: Duration },
        /// Headers, then nothing.
        Stall,
        /// Nothing at all, not even a status line.
        Silent,
    }

    struct Reply {
        status: u16,
        headers: Vec<(String, String)>,
        body: Body,
    }

    impl Reply {
        fn new(status: u16, body: &[u8]) -> Reply {
            Reply {
                status,
                headers: Vec::new(),
                body: Body::Bytes {
                    bytes: body.to_vec(),
                    length: true,
                },
            }
        }

        fn header(mut self, name: &str, value: &str) -> Reply {
            self.headers.push((name.to_owned(), value.to_owned()));
            self
        }

        fn redirect(status: u16, location: &str) -> Reply {
            Reply::new(status, b"").header("Location", location)
        }
    }

    type Handler = dyn Fn(&Seen, SocketAddr) -> Reply + Send + Sync;

    /// A tiny HTTP/1.1 server on `ip`:0, one reply a connection.
    struct Server {
        addr: SocketAddr,
        seen: Arc<Mutex<Vec<Seen>>>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Drop for Server {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    impl Server {
        async fn start(
            ip: &str,
            handler: impl Fn(&Seen, SocketAddr) -> Reply + Send + Sync + 'static,
        ) -> Server {
            let listener = TcpListener::bind((ip, 0)).await.expect("bind");
            let addr = listener.local_addr().expect("local addr");
            let seen = Arc::new(Mutex::new(Vec::new()));
            let handler: Arc<Handler> = Arc::new(handler);
            let log = Arc::clone(&seen);
            let task = tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let handler = Arc::clone(&handler);
                    let log = Arc::clone(&log);
                    tokio::spawn(async move { serve(stream, addr, &*handler, &log).await });
                }
            });
            Server { addr, seen, task }
        }

        fn url(&self, path: &str) -> String {
            format!("http://{}{path}", self.addr)
        }

        fn seen(&self) -> Vec<Seen> {
            self.seen.lock().expect("lock").clone()
        }
    }

    async fn serve(
        mut stream: TcpStream,
        me: SocketAddr,
        handler: &Handler,
        log: &Mutex<Vec<Seen>>,
    ) {
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        let mut lines = head.split("\r\n");
        let path = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .unwrap_or("/")
            .to_owned();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let seen = Seen { path, headers };
        log.lock().expect("lock").push(seen.clone());
        let reply = handler(&seen, me);

        let mut out = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", reply.status);
        for (n, v) in &reply.headers {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
        match &reply.body {
            Body::Bytes {
                bytes,
                length: true,
            } => out.push_str(&format!("Content-Length: {}\r\n", bytes.len())),
            Body::Drip { .. } | Body::Stall => out.push_str("Content-Length: 100000\r\n"),
            Body::Bytes { length: false, .. } | Body::Silent => {}
        }
        out.push_str("\r\n");
        if matches!(reply.body, Body::Silent) {
            tokio::time::sleep(Duration::from_secs(60)).await;
            return;
        }
        if stream.write_all(out.as_bytes()).await.is_err() {
            return;
        }
        match reply.body {
            Body::Bytes { bytes, .. } => {
                let _ = stream.write_all(&bytes).await;
                let _ = stream.shutdown().await;
            }
            Body::Drip { every } => loop {
                if stream.write_all(b" ").await.is_err() {
                    return;
                }
                tokio::time::sleep(every).await;
            },
            Body::Stall | Body::Silent => tokio::time::sleep(Duration::from_secs(60)).await,
        }
    }

    fn opts() -> FetchOptions {
        FetchOptions {
            allow_private: true,
            ..FetchOptions::default()
        }
    }

    fn fetcher(opts: FetchOptions) -> Fetcher {
        Fetcher::new(opts).expect("client builds")
    }

    async fn get(fetcher: &Fetcher, url: &str) -> Result<Fetched, FetchError> {
        fetcher.fetch(url, &Validators::default(), false).await
    }

    fn body_of(
        fetched: Fetched,
    ) -> (
        Vec<u8>,
        String,
        Option<String>,
        Validators,
        Option<Duration>,
    ) {
        match fetched {
            Fetched::Body {
                bytes,
                final_url,
                moved_permanently,
                validators,
                max_age,
                ..
            } => (bytes, final_url, moved_permanently, validators, max_age),
            other => panic!("expected a body, got {other:?}"),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address parses")
    }

    fn rss_server() -> impl Fn(&Seen, SocketAddr) -> Reply + Send + Sync + 'static {
        |_, _| Reply::new(200, RSS.as_bytes()).header("Content-Type", "application/rss+xml")
    }

    #[tokio::test]
    async fn loopback_feed_is_refused_unless_private_addresses_are_allowed() {
        let server = Server::start("127.0.0.1", rss_server()).await;
        let strict = fetcher(FetchOptions::default());
        let err = get(&strict, &server.url("/feed"))
            .await
            .expect_err("refused");
        assert_eq!(
            err,
            FetchError::Blocked {
                url: server.url("/feed"),
                host: "127.0.0.1".into(),
                addr: ip("127.0.0.1"),
            }
        );
        assert_eq!(err.kind(), "blocked");
        assert!(!err.is_transient());
        assert!(server.seen().is_empty(), "no request may reach the server");

        let fetched = get(&fetcher(opts()), &server.url("/feed"))
            .await
            .expect("allowed");
        let Fetched::Body {
            bytes,
            final_url,
            content_type,
            moved_permanently,
            ..
        } = fetched
        else {
            panic!("expected a body");
        };
        assert_eq!(bytes, RSS.as_bytes());
        assert_eq!(final_url, server.url("/feed"));
        assert_eq!(content_type.as_deref(), Some("application/rss+xml"));
        assert_eq!(moved_permanently, None);

        let seen = server.seen();
        assert_eq!(seen.len(), 1);
        let ua = seen[0].header("user-agent").expect("a User-Agent");
        assert!(
            ua.starts_with("solibot/") && ua.contains("(+https://"),
            "{ua}"
        );
        assert!(
            seen[0]
                .header("accept")
                .is_some_and(|a| a.contains("application/rss+xml"))
        );
        assert!(
            seen[0]
                .header("accept-encoding")
                .is_some_and(|a| a.contains("gzip"))
        );
    }

    #[tokio::test]
    async fn ipv4_mapped_loopback_literal_is_refused() {
        let strict = fetcher(FetchOptions::default());
        let err = get(&strict, "http://[::ffff:127.0.0.1]:9/feed")
            .await
            .expect_err("refused");
        assert!(
            matches!(err, FetchError::Blocked { addr, .. } if addr == ip("::ffff:127.0.0.1")),
            "{err:?}"
        );
        let err = get(&strict, "http://169.254.169.254/latest/meta-data/")
            .await
            .expect_err("refused");
        assert_eq!(err.kind(), "blocked");
        // Integer and short IPv4 spellings are normalised to the same literal.
        for spelling in [
            "http://2130706433/",
            "http://0x7f.1/",
            "http://127.1/",
            "http://127.0.0.1./",
        ] {
            let err = get(&strict, spelling).await.expect_err("refused");
            assert!(
                matches!(err, FetchError::Blocked { addr, .. } if addr == ip("127.0.0.1")),
                "{spelling}: {err:?}"
            );
        }
    }

    #[tokio::test]
    async fn host_name_resolving_to_loopback_is_refused() {
        let server = Server::start("127.0.0.1", rss_server()).await;
        let url = format!("http://localhost:{}/feed", server.addr.port());
        let err = get(&fetcher(FetchOptions::default()), &url)
            .await
            .expect_err("refused");
        match &err {
            FetchError::Blocked { host, addr, .. } => {
                assert_eq!(host, "localhost");
                assert!(addr.is_loopback());
            }
            other => panic!("expected Blocked, got {other:?}"),
        }
        assert!(err.to_string().contains("localhost resolves to"), "{err}");
        assert!(server.seen().is_empty());
    }

    #[tokio::test]
    async fn redirect_to_blocked_literal_is_refused() {
        // The first hop is let through by an exemption; the hop to another loopback
        // address is refused by the per-hop literal check.
        let server = Server::start("127.0.0.1", |_, me| {
            Reply::redirect(302, &format!("http://127.0.0.2:{}/feed", me.port()))
        })
        .await;
        let guard = Guard::new(false).exempting([ip("127.0.0.1")]);
        let fetcher = Fetcher::with_guard(FetchOptions::default(), guard).expect("builds");
        let err = get(&fetcher, &server.url("/")).await.expect_err("refused");
        match err {
            FetchError::Blocked { url, host, addr } => {
                assert_eq!(url, format!("http://127.0.0.2:{}/feed", server.addr.port()));
                assert_eq!(host, "127.0.0.2");
                assert_eq!(addr, ip("127.0.0.2"));
            }
            other => panic!("expected Blocked, got {other:?}"),
        }
        assert_eq!(server.seen().len(), 1);
    }

    #[tokio::test]
    async fn redirect_to_name_resolving_to_loopback_is_refused() {
        // The first hop (127.0.0.2, exempt) is allowed; the redirect names `localhost`,
        // which the guarded resolver refuses.
        let server = Server::start("127.0.0.2", |_, me| {
            Reply::redirect(301, &format!("http://localhost:{}/feed", me.port()))
        })
        .await;
        let guard = Guard::new(false).exempting([ip("127.0.0.2")]);
        let fetcher = Fetcher::with_guard(FetchOptions::default(), guard).expect("builds");
        let err = get(&fetcher, &server.url("/")).await.expect_err("refused");
        match err {
            FetchError::Blocked { host, addr, .. } => {
                assert_eq!(host, "localhost");
                assert!(addr.is_loopback() && addr != ip("127.0.0.2"));
            }
            other => panic!("expected Blocked, got {other:?}"),
        }
        assert_eq!(server.seen().len(), 1);
    }

    #[tokio::test]
    async fn redirect_to_another_scheme_is_a_bad_url() {
        let server = Server::start("127.0.0.1", |_, _| {
            Reply::redirect(302, "ftp://example.org/feed")
        })
        .await;
        let err = get(&fetcher(opts()), &server.url("/"))
            .await
            .expect_err("refused");
        assert!(
            matches!(&err, FetchError::BadUrl(m) if m.contains("ftp://example.org/feed")),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn etag_round_trip() {
        let server = Server::start("127.0.0.1", |seen, _| {
            if seen.header("if-none-match") == Some("\"v1\"") {
                Reply::new(304, b"")
                    .header("ETag", "\"v1\"")
                    .header("Cache-Control", "max-age=60")
            } else {
                Reply::new(200, RSS.as_bytes())
                    .header("ETag", "\"v1\"")
                    .header("Cache-Control", "public, max-age=600")
            }
        })
        .await;
        let fetcher = fetcher(opts());
        let (bytes, _, _, validators, max_age) =
            body_of(get(&fetcher, &server.url("/")).await.expect("ok"));
        assert_eq!(bytes, RSS.as_bytes());
        assert_eq!(
            validators,
            Validators {
                etag: Some("\"v1\"".into()),
                last_modified: None
            }
        );
        assert_eq!(max_age, Some(Duration::from_secs(600)));

        let again = fetcher
            .fetch(&server.url("/"), &validators, false)
            .await
            .expect("ok");
        assert_eq!(
            again,
            Fetched::NotModified {
                validators: validators.clone(),
                max_age: Some(Duration::from_secs(60)),
            }
        );
        let seen = server.seen();
        assert_eq!(seen[0].header("if-none-match"), None);
        assert_eq!(seen[1].header("if-none-match"), Some("\"v1\""));
        assert_eq!(seen[1].header("if-modified-since"), None);
    }

    #[tokio::test]
    async fn last_modified_round_trip() {
        const DATE: &str = "Tue, 03 Mar 2026 10:00:00 GMT";
        let server = Server::start("127.0.0.1", |seen, _| {
            if seen.header("if-modified-since") == Some(DATE) {
                // A 304 without validators: the stored ones stay.
                Reply::new(304, b"")
            } else {
                Reply::new(200, RSS.as_bytes()).header("Last-Modified", DATE)
            }
        })
        .await;
        let fetcher = fetcher(opts());
        let (_, _, _, validators, max_age) =
            body_of(get(&fetcher, &server.url("/")).await.expect("ok"));
        assert_eq!(validators.last_modified.as_deref(), Some(DATE));
        assert_eq!(validators.etag, None);
        assert_eq!(max_age, None);
        let again = fetcher
            .fetch(&server.url("/"), &validators, false)
            .await
            .expect("ok");
        assert_eq!(
            again,
            Fetched::NotModified {
                validators,
                max_age: None
            }
        );
        assert_eq!(server.seen()[1].header("if-modified-since"), Some(DATE));
    }

    #[tokio::test]
    async fn body_over_the_cap_is_too_large() {
        let big = vec![b'x'; 2000];
        let server = Server::start("127.0.0.1", move |seen, _| Reply {
            status: 200,
            headers: Vec::new(),
            body: Body::Bytes {
                bytes: big.clone(),
                length: seen.path != "/unsized",
            },
        })
        .await;
        let capped = fetcher(FetchOptions {
            max_body: 1000,
            ..opts()
        });
        for path in ["/sized", "/unsized"] {
            let err = get(&capped, &server.url(path))
                .await
                .expect_err("too large");
            assert_eq!(
                err,
                FetchError::TooLarge {
                    url: server.url(path),
                    limit: 1000
                }
            );
            assert_eq!(err.kind(), "too_large");
        }
        // Exactly at the cap is fine.
        let exact = fetcher(FetchOptions {
            max_body: 2000,
            ..opts()
        });
        let (bytes, ..) = body_of(get(&exact, &server.url("/unsized")).await.expect("fits"));
        assert_eq!(bytes.len(), 2000);
    }

    #[tokio::test]
    async fn declared_length_over_the_cap_is_refused_before_reading() {
        let server = Server::start("127.0.0.1", |_, _| Reply {
            status: 200,
            headers: Vec::new(),
            body: Body::Stall, // declares 100000 bytes, sends none
        })
        .await;
        let fetcher = fetcher(FetchOptions {
            max_body: 1000,
            read_timeout: Duration::from_secs(20),
            ..opts()
        });
        let started = Instant::now();
        let err = get(&fetcher, &server.url("/"))
            .await
            .expect_err("too large");
        assert_eq!(err.kind(), "too_large");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data).expect("compress");
        encoder.finish().expect("compress")
    }

    #[tokio::test]
    async fn gzip_bodies_are_inflated_and_capped_after_inflation() {
        let bomb = gzip(&vec![b' '; 3 * 1024 * 1024]);
        assert!(bomb.len() < 20 * 1024, "the compressed body is small");
        let feed = gzip(RSS.as_bytes());
        let server = Server::start("127.0.0.1", move |seen, _| {
            let body = if seen.path == "/bomb" { &bomb } else { &feed };
            Reply::new(200, body).header("Content-Encoding", "gzip")
        })
        .await;
        let fetcher = fetcher(FetchOptions {
            max_body: 1024 * 1024,
            ..opts()
        });
        let (bytes, ..) = body_of(get(&fetcher, &server.url("/feed")).await.expect("ok"));
        assert_eq!(bytes, RSS.as_bytes());
        let err = get(&fetcher, &server.url("/bomb"))
            .await
            .expect_err("too large");
        assert_eq!(
            err,
            FetchError::TooLarge {
                url: server.url("/bomb"),
                limit: 1024 * 1024
            }
        );
    }

    #[tokio::test]
    async fn stalled_server_times_out_after_the_read_timeout() {
        let server = Server::start("127.0.0.1", |seen, _| Reply {
            status: 200,
            headers: Vec::new(),
            body: if seen.path == "/silent" {
                Body::Silent
            } else {
                Body::Stall
            },
        })
        .await;
        let fetcher = fetcher(FetchOptions {
            read_timeout: Duration::from_millis(300),
            timeout: Duration::from_secs(20),
            ..opts()
        });
        for path in ["/stall", "/silent"] {
            let started = Instant::now();
            let err = get(&fetcher, &server.url(path))
                .await
                .expect_err("times out");
            assert_eq!(
                err,
                FetchError::Timeout {
                    url: server.url(path)
                },
                "{path}"
            );
            assert!(err.is_transient());
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "{path}: {:?}",
                started.elapsed()
            );
        }
    }

    #[tokio::test]
    async fn dripping_server_times_out_after_the_total_timeout() {
        // A byte every 100 ms resets the read timeout each time; the total one ends it.
        let server = Server::start("127.0.0.1", |_, _| Reply {
            status: 200,
            headers: Vec::new(),
            body: Body::Drip {
                every: Duration::from_millis(100),
            },
        })
        .await;
        let fetcher = fetcher(FetchOptions {
            read_timeout: Duration::from_secs(1),
            timeout: Duration::from_millis(1500),
            ..opts()
        });
        let started = Instant::now();
        let err = get(&fetcher, &server.url("/"))
            .await
            .expect_err("times out");
        assert_eq!(err.kind(), "timeout");
        let elapsed = started.elapsed();
        assert!(
            elapsed >= Duration::from_millis(1400) && elapsed < Duration::from_secs(4),
            "{elapsed:?}"
        );
    }

    #[tokio::test]
    async fn redirect_loop_ends_in_redirects() {
        let server = Server::start("127.0.0.1", |_, _| Reply::redirect(302, "/again")).await;
        let err = get(&fetcher(opts()), &server.url("/"))
            .await
            .expect_err("loops");
        assert_eq!(
            err,
            FetchError::Redirects {
                url: server.url("/again"),
                limit: 5
            }
        );
        assert_eq!(err.kind(), "redirects");
        assert_eq!(
            server.seen().len(),
            6,
            "the first request and five redirects"
        );
    }

    #[tokio::test]
    async fn permanent_moves_are_reported() {
        let server = Server::start("127.0.0.1", |seen, _| match seen.path.as_str() {
            "/old" => Reply::redirect(301, "/older"),
            "/older" => Reply::redirect(308, "/new"),
            "/temp" => Reply::redirect(302, "/new"),
            "/mixed" => Reply::redirect(301, "/temp"),
            "/self" => Reply::redirect(301, "/self?x=1"),
            _ => Reply::new(200, RSS.as_bytes()),
        })
        .await;
        let fetcher = fetcher(opts());
        let (_, final_url, moved, ..) =
            body_of(get(&fetcher, &server.url("/old")).await.expect("ok"));
        assert_eq!(final_url, server.url("/new"));
        assert_eq!(moved, Some(server.url("/new")));

        let (_, final_url, moved, ..) =
            body_of(get(&fetcher, &server.url("/temp")).await.expect("ok"));
        assert_eq!(final_url, server.url("/new"));
        assert_eq!(moved, None);

        // 301 then 302: the feed moved for good to the address that redirects for now.
        let (_, final_url, moved, ..) =
            body_of(get(&fetcher, &server.url("/mixed")).await.expect("ok"));
        assert_eq!(final_url, server.url("/new"));
        assert_eq!(moved, Some(server.url("/temp")));
    }

    #[tokio::test]
    async fn error_statuses_carry_code_and_retry_after() {
        let server = Server::start("127.0.0.1", |seen, _| match seen.path.as_str() {
            "/busy" => Reply::new(429, b"slow down").header("Retry-After", "7"),
            "/down" => Reply::new(503, b"").header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),
            "/multiple" => Reply::new(300, b"").header("Location", "/x"),
            "/nowhere" => Reply::new(302, b""),
            _ => Reply::new(404, b"no"),
        })
        .await;
        let fetcher = fetcher(opts());

        let err = get(&fetcher, &server.url("/missing"))
            .await
            .expect_err("404");
        assert_eq!(
            err,
            FetchError::Status {
                url: server.url("/missing"),
                code: 404,
                retry_after: None
            }
        );
        assert_eq!(
            err.to_string(),
            format!("feed {} answered 404 Not Found", server.url("/missing"))
        );
        assert!(!err.is_transient());
        assert_eq!(err.kind(), "status");

        let err = get(&fetcher, &server.url("/busy")).await.expect_err("429");
        assert_eq!(
            err,
            FetchError::Status {
                url: server.url("/busy"),
                code: 429,
                retry_after: Some(Duration::from_secs(7))
            }
        );
        assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
        assert!(err.is_transient());

        // A date in the past: retry now.
        let err = get(&fetcher, &server.url("/down")).await.expect_err("503");
        assert_eq!(err.retry_after(), Some(Duration::ZERO));
        assert!(err.is_transient());

        for path in ["/multiple", "/nowhere"] {
            let err = get(&fetcher, &server.url(path))
                .await
                .expect_err("not followed");
            assert_eq!(err.kind(), "status", "{path}");
        }
    }

    #[tokio::test]
    async fn unreachable_server_is_a_transient_network_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        drop(listener);
        let url = format!("http://user:secret@{addr}/feed");
        let err = get(&fetcher(opts()), &url).await.expect_err("refused");
        match &err {
            FetchError::Network { url, cause } => {
                assert_eq!(url, &format!("http://{addr}/feed"));
                assert!(cause.starts_with("cannot connect"), "{cause}");
            }
            other => panic!("expected Network, got {other:?}"),
        }
        assert!(err.is_transient());
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[tokio::test]
    async fn files_are_read_only_when_allowed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("feed.xml");
        std::fs::write(&path, RSS).expect("write");
        let file_url = Url::from_file_path(&path).expect("file URL").to_string();
        let plain = path.display().to_string();
        let fetcher = fetcher(FetchOptions::default());

        for source in [&file_url, &plain] {
            let err = fetcher
                .fetch(source, &Validators::default(), false)
                .await
                .expect_err("files not allowed");
            assert_eq!(err.kind(), "bad_url", "{source}");

            let (bytes, final_url, _, validators, _) = body_of(
                fetcher
                    .fetch(source, &Validators::default(), true)
                    .await
                    .expect("read"),
            );
            assert_eq!(bytes, RSS.as_bytes());
            assert_eq!(final_url, file_url);
            assert!(validators.etag.is_some());
            // Unchanged file: not modified.
            let again = fetcher
                .fetch(source, &validators, true)
                .await
                .expect("read");
            assert!(matches!(again, Fetched::NotModified { .. }), "{again:?}");
        }

        let small = Fetcher::new(FetchOptions {
            max_body: 10,
            ..FetchOptions::default()
        })
        .expect("builds");
        let err = small
            .fetch(&plain, &Validators::default(), true)
            .await
            .expect_err("too large");
        assert_eq!(err.kind(), "too_large");

        let missing = dir.path().join("missing.xml").display().to_string();
        let err = fetcher
            .fetch(&missing, &Validators::default(), true)
            .await
            .expect_err("missing");
        assert!(
            matches!(&err, FetchError::Io { path, .. } if *path == missing),
            "{err:?}"
        );
        assert!(!err.is_transient());
        let err = fetcher
            .fetch(
                &dir.path().display().to_string(),
                &Validators::default(),
                true,
            )
            .await
            .expect_err("a directory");
        assert_eq!(err.kind(), "io");
    }

    #[tokio::test]
    async fn unsupported_sources_are_bad_urls() {
        let fetcher = fetcher(FetchOptions::default());
        let long = format!("https://example.org/{}", "a".repeat(MAX_URL_LEN));
        for source in [
            "ftp://example.org/feed.xml",
            "javascript:alert(1)",
            "gopher://example.org/",
            "",
            "https://",
            "http://exa mple.org/",
            long.as_str(),
        ] {
            for allow_files in [false, true] {
                let err = fetcher
                    .fetch(source, &Validators::default(), allow_files)
                    .await
                    .expect_err("refused");
                assert!(matches!(err, FetchError::BadUrl(_)), "{source}: {err:?}");
                assert!(!err.is_transient());
            }
        }
        let err = get(&fetcher, "ftp://example.org/feed.xml")
            .await
            .expect_err("refused");
        assert!(err.to_string().contains("ftp"), "{err}");
    }

    #[test]
    fn options_are_validated() {
        let err = Fetcher::new(FetchOptions {
            max_body: 0,
            ..FetchOptions::default()
        })
        .expect_err("invalid");
        assert_eq!(err.kind(), "setup");
        let err = Fetcher::new(FetchOptions {
            timeout: Duration::ZERO,
            ..FetchOptions::default()
        })
        .expect_err("invalid");
        assert_eq!(err.kind(), "setup");
        assert!(
            DEFAULT_USER_AGENT
                .starts_with(&format!("solibot/{} (+https://", env!("CARGO_PKG_VERSION")))
        );
    }

    #[test]
    fn retry_after_values() {
        let now = DateTime::parse_from_rfc3339("2026-03-03T10:00:00Z")
            .expect("date")
            .with_timezone(&Utc);
        let check = |value: &str, expected: Option<u64>| {
            assert_eq!(
                parse_retry_after(value, now),
                expected.map(Duration::from_secs),
                "{value}"
            );
        };
        check("7", Some(7));
        check(" 120 ", Some(120));
        check("0", Some(0));
        check("Tue, 03 Mar 2026 10:01:30 GMT", Some(90));
        check("Tuesday, 03-Mar-26 10:00:10 GMT", Some(10));
        check("Tue Mar  3 10:00:05 2026", Some(5));
        check("Mon, 02 Mar 2026 10:00:00 GMT", Some(0));
        check("-5", None);
        check("soon", None);
        check("", None);
    }

    #[test]
    fn cache_control_max_age() {
        let check = |values: &[&str], expected: Option<u64>| {
            let mut headers = HeaderMap::new();
            for v in values {
                headers.append(
                    header::CACHE_CONTROL,
                    HeaderValue::from_str(v).expect("value"),
                );
            }
            assert_eq!(
                max_age(&headers),
                expected.map(Duration::from_secs),
                "{values:?}"
            );
        };
        check(&["max-age=300"], Some(300));
        check(&["public, MAX-AGE = 60 , must-revalidate"], Some(60));
        check(&["no-cache", "max-age=\"90\""], Some(90));
        check(&["s-maxage=100"], None);
        check(&["max-age=soon"], None);
        check(&[], None);
    }

    #[test]
    fn error_messages_say_what_and_where() {
        let cases = [
            (
                FetchError::Blocked {
                    url: "http://10.0.0.1/feed".into(),
                    host: "10.0.0.1".into(),
                    addr: ip("10.0.0.1"),
                },
                "feed http://10.0.0.1/feed is refused: 10.0.0.1 is a loopback, private or reserved address (fetch.allow_private_addresses allows it)",
            ),
            (
                FetchError::Blocked {
                    url: "http://[::1]/".into(),
                    host: "[::1]".into(),
                    addr: ip("::1"),
                },
                "feed http://[::1]/ is refused: ::1 is a loopback, private or reserved address (fetch.allow_private_addresses allows it)",
            ),
            (
                FetchError::Status {
                    url: "https://example.org/feed".into(),
                    code: 503,
                    retry_after: None,
                },
                "feed https://example.org/feed answered 503 Service Unavailable",
            ),
            (
                FetchError::Status {
                    url: "https://example.org/feed".into(),
                    code: 599,
                    retry_after: None,
                },
                "feed https://example.org/feed answered 599",
            ),
            (
                FetchError::TooLarge {
                    url: "https://example.org/feed".into(),
                    limit: 5,
                },
                "feed https://example.org/feed is larger than the limit of 5 bytes",
            ),
            (
                FetchError::Timeout {
                    url: "https://example.org/feed".into(),
                },
                "feed https://example.org/feed timed out",
            ),
        ];
        for (err, text) in cases {
            assert_eq!(err.to_string(), text);
        }
    }

    #[test]
    fn transient_decisions() {
        let status = |code| FetchError::Status {
            url: String::new(),
            code,
            retry_after: None,
        };
        for code in [408, 425, 429, 500, 502, 503, 504, 520] {
            assert!(status(code).is_transient(), "{code}");
        }
        for code in [300, 400, 401, 403, 404, 410, 451, 501] {
            assert!(!status(code).is_transient(), "{code}");
        }
    }

    #[test]
    fn credentials_are_not_shown() {
        let url = Url::parse("https://alice:pw@example.org/feed?x=1").expect("url");
        assert_eq!(shown_url(&url), "https://example.org/feed?x=1");
        assert_eq!(truncate("ab".repeat(150), 200).chars().count(), 201);
        assert_eq!(truncate("é".repeat(150), 201).len(), 200 + '…'.len_utf8());
    }
}
