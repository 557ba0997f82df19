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
mod tests;
