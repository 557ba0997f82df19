//! `WebSubHub`: a local WebSub hub (W3C Recommendation) on 127.0.0.1 that behaves like a
//! real one towards a subscriber. A subscription request (`POST /`, form with `hub.mode`,
//! `hub.topic`, `hub.callback`, `hub.secret`) is recorded and answered 202; the intent is
//! then verified (asynchronously, as hubs do) by a `GET` to the callback with
//! `hub.mode`, `hub.topic`, a random `hub.challenge` and `hub.lease_seconds`; only an
//! echo of the challenge with a 2xx makes the subscription (or unsubscription) take
//! effect. `publish` distributes content to the verified subscribers of a topic, signed
//! with each one's secret (`X-Hub-Signature`), wrongly signed or unsigned.
//!
//! It owns only its state (behind a std mutex never held across an await) and knows
//! nothing about the program under test.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use hmac::{Hmac, Mac};

/// A subscription request as the hub received it.
#[derive(Debug, Clone, PartialEq)]
pub struct HubRequest {
    pub mode: String,
    pub topic: String,
    pub callback: String,
    pub secret: Option<String>,
    pub at: Instant,
}

/// One verification of intent the hub sent, and what the subscriber answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub mode: String,
    pub topic: String,
    pub callback: String,
    pub status: u16,
    /// The answer's body was exactly the challenge.
    pub echoed: bool,
    pub at: Instant,
}

/// A verified subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    pub topic: String,
    pub callback: String,
    pub secret: Option<String>,
    pub lease_seconds: u64,
    pub verified_at: Instant,
}

/// How `publish` signs the content.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Signing {
    Sha1,
    Sha256,
    Sha512,
    /// `sha256=` of the body under another key.
    Wrong,
    /// No `X-Hub-Signature` at all.
    Unsigned,
}

/// What the tests can look at.
#[derive(Debug, Default, Clone)]
pub struct HubState {
    pub requests: Vec<HubRequest>,
    pub verifications: Vec<Verification>,
    pub subscriptions: Vec<Subscription>,
}

impl HubState {
    pub fn requests_of(&self, mode: &str, topic: &str) -> Vec<HubRequest> {
        self.requests
            .iter()
            .filter(|r| r.mode == mode && r.topic == topic)
            .cloned()
            .collect()
    }

    pub fn verified(&self, mode: &str, topic: &str) -> Vec<Verification> {
        self.verifications
            .iter()
            .filter(|v| v.mode == mode && v.topic == topic && v.echoed)
            .cloned()
            .collect()
    }

    pub fn subscribed(&self, topic: &str) -> Option<Subscription> {
        self.subscriptions
            .iter()
            .find(|s| s.topic == topic)
            .cloned()
    }
}

struct Inner {
    state: HubState,
    lease_seconds: u64,
    tasks: tokio::task::JoinSet<()>,
}

struct Shared {
    inner: Mutex<Inner>,
    client: reqwest::Client,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct ServerTask(tokio::task::JoinHandle<()>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The local hub. Cheap to clone; stops when the last clone is dropped.
#[derive(Clone)]
pub struct WebSubHub {
    shared: Arc<Shared>,
    addr: SocketAddr,
    _server: Arc<ServerTask>,
}

impl WebSubHub {
    /// Starts on 127.0.0.1 and a free port, granting leases of 10 days.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                state: HubState::default(),
                lease_seconds: 864_000,
                tasks: tokio::task::JoinSet::new(),
            }),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("a client for the hub"),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0 for the hub");
        let addr = listener.local_addr().expect("local address of the hub");
        let app = Router::new()
            .route("/", post(subscription_request))
            .with_state(Arc::clone(&shared));
        let handle = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        WebSubHub {
            shared,
            addr,
            _server: Arc::new(ServerTask(handle)),
        }
    }

    /// The hub's URL, as a feed names it.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The lease granted to the next verified subscriptions.
    pub fn set_lease(&self, seconds: u64) {
        self.shared.lock().lease_seconds = seconds;
    }

    pub fn state(&self) -> HubState {
        self.shared.lock().state.clone()
    }

    /// Polls the state every 20 ms until `f` holds; whether it did within `timeout`.
    pub async fn wait_until(
        &self,
        mut f: impl FnMut(&HubState) -> bool,
        timeout: Duration,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if f(&self.shared.lock().state) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Distributes `body` to every verified subscriber of `topic`; their answers'
    /// statuses (0: no answer).
    pub async fn publish(
        &self,
        topic: &str,
        body: &str,
        content_type: &str,
        signing: Signing,
    ) -> Vec<u16> {
        let subs: Vec<Subscription> = self
            .state()
            .subscriptions
            .into_iter()
            .filter(|s| s.topic == topic)
            .collect();
        let mut statuses = Vec::new();
        for s in subs {
            let secret = s.secret.clone().unwrap_or_default();
            statuses.push(
                self.post_content(&s.callback, body, content_type, &secret, signing)
                    .await,
            );
        }
        statuses
    }

    /// Posts content to any callback, signed with `secret` as `signing` says.
    pub async fn post_content(
        &self,
        callback: &str,
        body: &str,
        content_type: &str,
        secret: &str,
        signing: Signing,
    ) -> u16 {
        let mut req = self
            .shared
            .client
            .post(callback)
            .header("content-type", content_type)
            .header("link", format!("<{}>; rel=\"hub\"", self.url()))
            .body(body.to_string());
        if let Some(sig) = signature(secret, body.as_bytes(), signing) {
            req = req.header("X-Hub-Signature", sig);
        }
        match req.send().await {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        }
    }

    /// Sends a verification of intent of the hub's own making to `callback`: the status,
    /// and whether the challenge was echoed.
    pub async fn verify_intent(&self, callback: &str, mode: &str, topic: &str) -> (u16, bool) {
        let (status, echoed) = verify(&self.shared.client, callback, mode, topic, 60).await;
        (status, echoed)
    }
}

/// `method=hex` of the HMAC of `body`, as `signing` says.
pub fn signature(secret: &str, body: &[u8], signing: Signing) -> Option<String> {
    fn hex<M: Mac + hmac::digest::KeyInit>(key: &[u8], body: &[u8]) -> String {
        let mut m = <M as hmac::digest::KeyInit>::new_from_slice(key).expect("any key length");
        m.update(body);
        m.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
    let key = secret.as_bytes();
    Some(match signing {
        Signing::Sha1 => format!("sha1={}", hex::<Hmac<sha1::Sha1>>(key, body)),
        Signing::Sha256 => format!("sha256={}", hex::<Hmac<sha2::Sha256>>(key, body)),
        Signing::Sha512 => format!("sha512={}", hex::<Hmac<sha2::Sha512>>(key, body)),
        Signing::Wrong => format!(
            "sha256={}",
            hex::<Hmac<sha2::Sha256>>(b"not-the-secret", body)
        ),
        Signing::Unsigned => return None,
    })
}

fn challenge() -> String {
    (0..32).map(|_| fastrand::alphanumeric()).collect()
}

/// GETs `callback` with the verification parameters; its status and whether the body
/// was the challenge.
async fn verify(
    client: &reqwest::Client,
    callback: &str,
    mode: &str,
    topic: &str,
    lease: u64,
) -> (u16, bool) {
    let challenge = challenge();
    let Ok(mut url) = url::Url::parse(callback) else {
        return (0, false);
    };
    url.query_pairs_mut()
        .append_pair("hub.mode", mode)
        .append_pair("hub.topic", topic)
        .append_pair("hub.challenge", &challenge)
        .append_pair("hub.lease_seconds", &lease.to_string());
    match client.get(url).send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            let body = r.text().await.unwrap_or_default();
            (status, (200..300).contains(&status) && body == challenge)
        }
        Err(_) => (0, false),
    }
}

async fn subscription_request(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let (mode, topic, callback) = (get("hub.mode"), get("hub.topic"), get("hub.callback"));
    if !matches!(mode.as_str(), "subscribe" | "unsubscribe")
        || topic.is_empty()
        || url::Url::parse(&callback).is_err()
    {
        return StatusCode::BAD_REQUEST;
    }
    let request = HubRequest {
        mode,
        topic,
        callback,
        secret: form.get("hub.secret").cloned(),
        at: Instant::now(),
    };
    let mut inner = shared.lock();
    inner.state.requests.push(request.clone());
    let lease = inner.lease_seconds;
    let task_shared = Arc::clone(&shared);
    inner
        .tasks
        .spawn(async move { verify_and_apply(task_shared, request, lease).await });
    StatusCode::ACCEPTED
}

/// The hub's side of a request: verify intent, then apply it if the challenge came back.
async fn verify_and_apply(shared: Arc<Shared>, r: HubRequest, lease: u64) {
    let (status, echoed) = verify(&shared.client, &r.callback, &r.mode, &r.topic, lease).await;
    let mut inner = shared.lock();
    let now = Instant::now();
    inner.state.verifications.push(Verification {
        mode: r.mode.clone(),
        topic: r.topic.clone(),
        callback: r.callback.clone(),
        status,
        echoed,
        at: now,
    });
    if !echoed {
        return;
    }
    let subs = &mut inner.state.subscriptions;
    subs.retain(|s| !(s.topic == r.topic && s.callback == r.callback));
    if r.mode == "subscribe" {
        subs.push(Subscription {
            topic: r.topic,
            callback: r.callback,
            secret: r.secret,
            lease_seconds: lease,
            verified_at: now,
        });
    }
}
