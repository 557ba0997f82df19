//! `FeedServer`: a local HTTP server that serves feeds the way real publishers do, good and
//! bad: strong ETags and Last-Modified with 304 answers, Cache-Control, gzip, redirects,
//! status codes with Retry-After, a slow drip, a huge streamed body and a gzip bomb. Plus
//! string builders for RSS 2.0, Atom and JSON Feed documents.
//!
//! It owns only its routes and counters (behind a std mutex never held across an await);
//! it knows nothing about the program under test and never panics on a request.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use sha2::{Digest, Sha256};

use super::gzip;

/// One feed entry for the builders.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub guid: String,
    pub title: String,
    pub link: String,
    /// Entry content as HTML (escaped into the feed).
    pub html: String,
    /// Unix seconds; None leaves the date out.
    pub published: Option<i64>,
}

impl Item {
    pub fn new(guid: &str, title: &str, link: &str, html: &str) -> Self {
        Item {
            guid: guid.to_string(),
            title: title.to_string(),
            link: link.to_string(),
            html: html.to_string(),
            published: None,
        }
    }

    pub fn published(mut self, unix: i64) -> Self {
        self.published = Some(unix);
        self
    }
}

/// Escapes text for XML element content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn datetime(unix: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(unix, 0)
}

/// An HTTP date (IMF-fixdate) for a unix time.
pub fn http_date(unix: i64) -> String {
    datetime(unix)
        .map(|d| d.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or_default()
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

enum Kind {
    Static {
        body: Arc<Vec<u8>>,
        content_type: String,
        etag: String,
        last_modified: i64,
    },
    Raw {
        status: u16,
        headers: Vec<(String, String)>,
        body: Arc<Vec<u8>>,
    },
    Redirect {
        to: String,
        status: u16,
    },
    Drip {
        body: Arc<Vec<u8>>,
        content_type: String,
        interval: Duration,
    },
    Huge {
        size: u64,
        content_type: String,
        announce_length: bool,
    },
    Bomb {
        compressed: Arc<Vec<u8>>,
    },
}

struct Entry {
    kind: Kind,
    gzip: bool,
    max_age: Option<u64>,
    etag_on: bool,
    last_modified_on: bool,
    extra_headers: Vec<(String, String)>,
}

impl Entry {
    fn new(kind: Kind) -> Self {
        Entry {
            kind,
            gzip: false,
            max_age: None,
            etag_on: true,
            last_modified_on: true,
            extra_headers: Vec::new(),
        }
    }
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    requests: HashMap<String, usize>,
    /// When each request for a path arrived, in order.
    request_times: HashMap<String, Vec<std::time::Instant>>,
    not_modified: HashMap<String, usize>,
    last_headers: HashMap<String, Vec<(String, String)>>,
}

struct Shared {
    inner: Mutex<Inner>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

fn build(status: u16, headers: &[(String, String)], body: Body) -> Response {
    let mut builder =
        Response::builder().status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
    for (k, v) in headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(k.as_str()), HeaderValue::from_str(v))
        {
            builder = builder.header(name, value);
        }
    }
    builder
        .body(body)
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

fn header_str(h: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
    if_none_match
        .split(',')
        .any(|t| t.trim() == "*" || bare(t) == bare(etag))
}

#[allow(
    clippy::too_many_lines,
    reason = "one match over the kinds of answer the fake serves (`Kind`, then `Plan`), an arm each"
)]
async fn route(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let full = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    let headers = req.headers().clone();
    let recorded: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();

    // Decide the answer under the lock; build bodies after.
    enum Plan {
        NotFound,
        Ready(Response),
        Drip(Arc<Vec<u8>>, String, Duration),
        Huge(u64, String, bool),
    }
    let plan = {
        let mut inner = shared.lock();
        let key = if inner.entries.contains_key(&full) {
            full.clone()
        } else {
            path.clone()
        };
        *inner.requests.entry(key.clone()).or_default() += 1;
        inner
            .request_times
            .entry(key.clone())
            .or_default()
            .push(std::time::Instant::now());
        inner.last_headers.insert(key.clone(), recorded);
        match inner.entries.get(&key) {
            None => Plan::NotFound,
            Some(entry) => {
                let mut extra = entry.extra_headers.clone();
                if let Some(age) = entry.max_age {
                    extra.push(("cache-control".into(), format!("max-age={age}")));
                }
                match &entry.kind {
                    Kind::Static {
                        body,
                        content_type,
                        etag,
                        last_modified,
                    } => {
                        let mut h = extra;
                        if entry.etag_on {
                            h.push(("etag".into(), etag.clone()));
                        }
                        if entry.last_modified_on {
                            h.push(("last-modified".into(), http_date(*last_modified)));
                        }
                        let inm = header_str(&headers, header::IF_NONE_MATCH);
                        let ims = header_str(&headers, header::IF_MODIFIED_SINCE);
                        let not_modified = match inm {
                            Some(v) if entry.etag_on => etag_matches(v, etag),
                            Some(_) => false,
                            None => match ims {
                                Some(v) if entry.last_modified_on => {
                                    chrono::DateTime::parse_from_rfc2822(v)
                                        .map(|d| d.timestamp() >= *last_modified)
                                        .unwrap_or(false)
                                }
                                _ => false,
                            },
                        };
                        if not_modified {
                            *inner.not_modified.entry(key).or_default() += 1;
                            Plan::Ready(build(304, &h, Body::empty()))
                        } else {
                            h.push(("content-type".into(), content_type.clone()));
                            let accepts_gzip = header_str(&headers, header::ACCEPT_ENCODING)
                                .is_some_and(|v| v.to_ascii_lowercase().contains("gzip"));
                            let payload = if entry.gzip && accepts_gzip {
                                h.push(("content-encoding".into(), "gzip".into()));
                                h.push(("vary".into(), "Accept-Encoding".into()));
                                gzip::gzip_stored(body)
                            } else {
                                body.as_ref().clone()
                            };
                            Plan::Ready(build(200, &h, Body::from(payload)))
                        }
                    }
                    Kind::Raw {
                        status,
                        headers: h,
                        body,
                    } => {
                        let mut all = h.clone();
                        all.extend(extra);
                        Plan::Ready(build(*status, &all, Body::from(body.as_ref().clone())))
                    }
                    Kind::Redirect { to, status } => {
                        let mut h = extra;
                        h.push(("location".into(), to.clone()));
                        Plan::Ready(build(*status, &h, Body::empty()))
                    }
                    Kind::Drip {
                        body,
                        content_type,
                        interval,
                    } => Plan::Drip(Arc::clone(body), content_type.clone(), *interval),
                    Kind::Huge {
                        size,
                        content_type,
                        announce_length,
                    } => Plan::Huge(*size, content_type.clone(), *announce_length),
                    Kind::Bomb { compressed } => {
                        let mut h = extra;
                        h.push(("content-type".into(), "application/rss+xml".into()));
                        h.push(("content-encoding".into(), "gzip".into()));
                        Plan::Ready(build(200, &h, Body::from(compressed.as_ref().clone())))
                    }
                }
            }
        }
    };
    match plan {
        Plan::NotFound => build(
            404,
            &[("content-type".into(), "text/plain".into())],
            Body::from("not found"),
        ),
        Plan::Ready(r) => r,
        Plan::Drip(body, content_type, interval) => {
            let len = body.len();
            let stream =
                futures_util::stream::unfold((body, 0usize), move |(body, i)| async move {
                    if i >= body.len() {
                        return None;
                    }
                    tokio::time::sleep(interval).await;
                    let chunk = Bytes::copy_from_slice(&body[i..i + 1]);
                    Some((Ok::<Bytes, std::io::Error>(chunk), (body, i + 1)))
                });
            build(
                200,
                &[
                    ("content-type".into(), content_type),
                    ("content-length".into(), len.to_string()),
                ],
                Body::from_stream(stream),
            )
        }
        Plan::Huge(size, content_type, announce_length) => {
            const CHUNK: usize = 64 * 1024;
            let prefix: &'static [u8] =
                b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Huge</title><description>";
            let stream = futures_util::stream::unfold(0u64, move |sent| async move {
                if sent >= size {
                    return None;
                }
                let n = (size - sent).min(CHUNK as u64) as usize;
                let mut chunk = vec![b'x'; n];
                if sent == 0 {
                    let k = prefix.len().min(n);
                    chunk[..k].copy_from_slice(&prefix[..k]);
                }
                Some((
                    Ok::<Bytes, std::io::Error>(Bytes::from(chunk)),
                    sent + n as u64,
                ))
            });
            let mut h = vec![("content-type".to_string(), content_type)];
            if announce_length {
                h.push(("content-length".into(), size.to_string()));
            }
            build(200, &h, Body::from_stream(stream))
        }
    }
}

struct ServerTask(tokio::task::JoinHandle<()>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The local feed server. Cheap to clone; stops when the last clone is dropped.
#[derive(Clone)]
pub struct FeedServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    _server: Arc<ServerTask>,
}

impl FeedServer {
    /// Starts on 127.0.0.1 and a free port, serving nothing (every path is 404).
    pub async fn start() -> Self {
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner::default()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0 for the feed server");
        let addr = listener
            .local_addr()
            .expect("local address of the feed server");
        let app = Router::new()
            .fallback(route)
            .with_state(Arc::clone(&shared));
        let handle = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FeedServer {
            shared,
            addr,
            _server: Arc::new(ServerTask(handle)),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The absolute URL of a path (`/feed.xml` -> `http://127.0.0.1:PORT/feed.xml`).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with('/') {
            format!("http://{}{path}", self.addr)
        } else {
            format!("http://{}/{path}", self.addr)
        }
    }

    fn key(path: &str) -> String {
        if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        }
    }

    fn put(&self, path: &str, kind: Kind) {
        self.shared
            .lock()
            .entries
            .insert(Self::key(path), Entry::new(kind));
    }

    fn edit(&self, path: &str, f: impl FnOnce(&mut Entry)) {
        if let Some(e) = self.shared.lock().entries.get_mut(&Self::key(path)) {
            f(e);
        }
    }

    /// Serves `body` at `path` with a strong ETag (hash of the body) and Last-Modified (now,
    /// kept when the body is unchanged), answering 304 to a matching If-None-Match or
    /// If-Modified-Since. Keeps the path's gzip, max-age and header settings.
    pub fn set(&self, path: &str, body: impl Into<Vec<u8>>, content_type: &str) {
        let body = body.into();
        let etag = etag_of(&body);
        let mut inner = self.shared.lock();
        let key = Self::key(path);
        let now = unix_now();
        match inner.entries.get_mut(&key) {
            Some(entry) => {
                let last_modified = match &entry.kind {
                    Kind::Static {
                        etag: old,
                        last_modified,
                        ..
                    } if *old == etag => *last_modified,
                    _ => now,
                };
                entry.kind = Kind::Static {
                    body: Arc::new(body),
                    content_type: content_type.to_string(),
                    etag,
                    last_modified,
                };
            }
            None => {
                inner.entries.insert(
                    key,
                    Entry::new(Kind::Static {
                        body: Arc::new(body),
                        content_type: content_type.to_string(),
                        etag,
                        last_modified: now,
                    }),
                );
            }
        }
    }

    /// Serves exactly this status, headers and body (no validators, no 304).
    pub fn set_raw_response(
        &self,
        path: &str,
        status: u16,
        headers: &[(&str, &str)],
        body: impl Into<Vec<u8>>,
    ) {
        let headers = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.put(
            path,
            Kind::Raw {
                status,
                headers,
                body: Arc::new(body.into()),
            },
        );
    }

    /// Answers `status` (e.g. 429 or 503) with a `Retry-After` of `retry_after_secs`.
    pub fn set_status_retry_after(&self, path: &str, status: u16, retry_after_secs: u64) {
        let ra = retry_after_secs.to_string();
        self.set_raw_response(
            path,
            status,
            &[("retry-after", &ra), ("content-type", "text/plain")],
            format!("status {status}"),
        );
    }

    pub fn remove(&self, path: &str) {
        self.shared.lock().entries.remove(&Self::key(path));
    }

    /// Gzip-encodes the body when the client sends `Accept-Encoding: gzip`.
    pub fn set_gzip(&self, path: &str, on: bool) {
        self.edit(path, |e| e.gzip = on);
    }

    /// Adds `Cache-Control: max-age=N` (None removes it).
    pub fn set_max_age(&self, path: &str, max_age: Option<u64>) {
        self.edit(path, |e| e.max_age = max_age);
    }

    /// Turns the ETag and Last-Modified validators on or off.
    pub fn set_validators(&self, path: &str, etag: bool, last_modified: bool) {
        self.edit(path, |e| {
            e.etag_on = etag;
            e.last_modified_on = last_modified;
        });
    }

    /// Sets the Last-Modified time (unix seconds) of a `set` body.
    pub fn set_last_modified(&self, path: &str, unix: i64) {
        self.edit(path, |e| {
            if let Kind::Static { last_modified, .. } = &mut e.kind {
                *last_modified = unix;
            }
        });
    }

    /// Adds a response header to every answer of the path.
    pub fn set_header(&self, path: &str, name: &str, value: &str) {
        let (name, value) = (name.to_string(), value.to_string());
        self.edit(path, |e| e.extra_headers.push((name, value)));
    }

    /// Redirects `path` to `to_url` with `status` (301, 302, 307, 308).
    pub fn redirect(&self, path: &str, to_url: &str, status: u16) {
        self.put(
            path,
            Kind::Redirect {
                to: to_url.to_string(),
                status,
            },
        );
    }

    /// Serves `body` one byte every `interval` (headers at once, Content-Length announced).
    pub fn slow_drip(
        &self,
        path: &str,
        body: impl Into<Vec<u8>>,
        content_type: &str,
        interval: Duration,
    ) {
        self.put(
            path,
            Kind::Drip {
                body: Arc::new(body.into()),
                content_type: content_type.to_string(),
                interval,
            },
        );
    }

    /// Streams `size` bytes (an RSS preamble, then filler) without holding them in memory;
    /// `announce_length` sends Content-Length.
    pub fn huge(&self, path: &str, size: u64, content_type: &str, announce_length: bool) {
        self.put(
            path,
            Kind::Huge {
                size,
                content_type: content_type.to_string(),
                announce_length,
            },
        );
    }

    /// Serves a small gzip body (Content-Encoding: gzip, whatever the client accepts) that
    /// inflates to `inflated_size` zero bytes.
    pub fn gzip_bomb(&self, path: &str, inflated_size: u64) {
        self.put(
            path,
            Kind::Bomb {
                compressed: Arc::new(gzip::gzip_bomb(inflated_size)),
            },
        );
    }

    /// Requests received for `path` (with its query string if it was registered with one).
    pub fn requests(&self, path: &str) -> usize {
        self.shared
            .lock()
            .requests
            .get(&Self::key(path))
            .copied()
            .unwrap_or(0)
    }

    /// When each request for `path` arrived, oldest first.
    pub fn request_times(&self, path: &str) -> Vec<std::time::Instant> {
        self.shared
            .lock()
            .request_times
            .get(&Self::key(path))
            .cloned()
            .unwrap_or_default()
    }

    /// 304 answers given for `path`.
    pub fn not_modified_count(&self, path: &str) -> usize {
        self.shared
            .lock()
            .not_modified
            .get(&Self::key(path))
            .copied()
            .unwrap_or(0)
    }

    /// Headers of the last request for `path`, names lower-cased.
    pub fn last_request_headers(&self, path: &str) -> Option<Vec<(String, String)>> {
        self.shared
            .lock()
            .last_headers
            .get(&Self::key(path))
            .cloned()
    }

    /// One header of the last request for `path`.
    pub fn last_request_header(&self, path: &str, name: &str) -> Option<String> {
        let name = name.to_ascii_lowercase();
        self.last_request_headers(path)?
            .into_iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    /// Polls every 20 ms until `path` was requested at least `n` times.
    pub async fn wait_requests(&self, path: &str, n: usize, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if self.requests(path) >= n {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// An RSS 2.0 document.
    pub fn rss(title: &str, items: &[Item]) -> String {
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\">\n<channel>\n",
        );
        out.push_str(&format!(
            "<title>{}</title>\n<link>https://example.org/</link>\n<description>{}</description>\n",
            xml_escape(title),
            xml_escape(title)
        ));
        for it in items {
            out.push_str("<item>\n");
            out.push_str(&format!(
                "<guid isPermaLink=\"false\">{}</guid>\n<title>{}</title>\n<link>{}</link>\n<description>{}</description>\n",
                xml_escape(&it.guid),
                xml_escape(&it.title),
                xml_escape(&it.link),
                xml_escape(&it.html)
            ));
            if let Some(d) = it.published.and_then(datetime) {
                out.push_str(&format!("<pubDate>{}</pubDate>\n", d.to_rfc2822()));
            }
            out.push_str("</item>\n");
        }
        out.push_str("</channel>\n</rss>\n");
        out
    }

    /// An Atom 1.0 document.
    pub fn atom(title: &str, items: &[Item]) -> String {
        let updated = items
            .iter()
            .filter_map(|i| i.published)
            .max()
            .and_then(datetime)
            .or_else(|| datetime(0))
            .map(|d| d.to_rfc3339())
            .unwrap_or_default();
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
        );
        out.push_str(&format!(
            "<title>{}</title>\n<id>urn:solibot-test:{}</id>\n<updated>{updated}</updated>\n<link href=\"https://example.org/\"/>\n",
            xml_escape(title),
            xml_escape(&title.to_lowercase().replace(' ', "-"))
        ));
        for it in items {
            let when = it
                .published
                .and_then(datetime)
                .map(|d| d.to_rfc3339())
                .unwrap_or_else(|| updated.clone());
            out.push_str(&format!(
                "<entry>\n<id>{}</id>\n<title>{}</title>\n<link href=\"{}\"/>\n<updated>{when}</updated>\n",
                xml_escape(&it.guid),
                xml_escape(&it.title),
                xml_escape(&it.link)
            ));
            if it.published.is_some() {
                out.push_str(&format!("<published>{when}</published>\n"));
            }
            out.push_str(&format!(
                "<content type=\"html\">{}</content>\n</entry>\n",
                xml_escape(&it.html)
            ));
        }
        out.push_str("</feed>\n");
        out
    }

    /// A JSON Feed 1.1 document.
    pub fn json_feed(title: &str, items: &[Item]) -> String {
        let items: Vec<serde_json::Value> = items
            .iter()
            .map(|it| {
                let mut v = serde_json::json!({
                    "id": it.guid,
                    "title": it.title,
                    "url": it.link,
                    "content_html": it.html,
                });
                if let Some(d) = it.published.and_then(datetime) {
                    v["date_published"] = d.to_rfc3339().into();
                }
                v
            })
            .collect();
        serde_json::json!({
            "version": "https://jsonfeed.org/version/1.1",
            "title": title,
            "home_page_url": "https://example.org/",
            "items": items,
        })
        .to_string()
    }
}
