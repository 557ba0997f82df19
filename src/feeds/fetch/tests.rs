//! Tests of the fetch client against servers on 127.0.0.1: the address guard on every hop,
//! redirects, conditional GET, the body cap (also after gzip), timeouts, Retry-After and
//! Cache-Control, errors that say what and where.

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

async fn serve(mut stream: TcpStream, me: SocketAddr, handler: &Handler, log: &Mutex<Vec<Seen>>) {
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
    let (_, final_url, moved, ..) = body_of(get(&fetcher, &server.url("/old")).await.expect("ok"));
    assert_eq!(final_url, server.url("/new"));
    assert_eq!(moved, Some(server.url("/new")));

    let (_, final_url, moved, ..) = body_of(get(&fetcher, &server.url("/temp")).await.expect("ok"));
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
