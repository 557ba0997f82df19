//! The WebSub callback, `/websub/<callback id>` on `http.listen`.
//!
//! `GET` is the hub's verification of intent: `hub.challenge` is echoed with 200 only for
//! a subscription the bot asked for, with the same `hub.topic` and a mode it expects
//! (`subscribe` while subscribing or subscribed, `unsubscribe` while leaving); anything
//! else is 404. `hub.mode=denied` is recorded and answered 200. `POST` is content
//! distribution: bodies over `fetch.max_body_bytes` get 413; content whose
//! `X-Hub-Signature` does not match the subscription's secret (or has none) is answered
//! 202 as the Recommendation says, and dropped; signed content goes to [`process`].
//!
//! Must not: echo a challenge for a subscription it did not ask for; hand on unsigned or
//! wrongly signed content.

use super::{DEFAULT_LEASE_SECS, DENIED_RETRY_SECS, renew_at, signature};
use crate::context::Shared;
use crate::store::{StoreError, WebSubRecord, WebSubState, now_unix};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Content a hub pushed, signed right: handed to [`process`].
#[derive(Debug)]
pub struct Pushed {
    pub feed_id: u64,
    pub topic: String,
    pub body: Bytes,
}

struct Endpoint {
    shared: Arc<Shared>,
    tx: mpsc::UnboundedSender<Pushed>,
}

/// The callback routes; signed content goes to `tx`.
pub fn router(shared: Arc<Shared>, tx: mpsc::UnboundedSender<Pushed>) -> Router {
    let limit = shared.config.max_body_bytes;
    let endpoint = Arc::new(Endpoint { shared, tx });
    Router::new()
        .route("/websub/{id}", get(verify).post(receive))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(endpoint)
}

async fn verify(
    State(e): State<Arc<Endpoint>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let param = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    match answer_intent(&e.shared, &id, &q) {
        Ok(Some(echo)) => (StatusCode::OK, echo).into_response(),
        Ok(None) => {
            tracing::info!(mode = %param("hub.mode"), topic = %param("hub.topic"), "WebSub verification for no subscription of ours: 404");
            StatusCode::NOT_FOUND.into_response()
        }
        Err(err) => {
            tracing::warn!(error = %err, "cannot answer a WebSub verification");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// What to answer a verification with: `Some(body)` for 200, `None` for 404.
fn answer_intent(
    shared: &Shared,
    id: &str,
    query: &HashMap<String, String>,
) -> Result<Option<String>, StoreError> {
    let param = |k: &str| query.get(k).map(String::as_str).unwrap_or_default();
    let Some(mut rec) = shared.store.websub_get(id)? else {
        return Ok(None);
    };
    if param("hub.topic") != rec.topic {
        return Ok(None);
    }
    let (mode, challenge) = (param("hub.mode"), param("hub.challenge"));
    let now = now_unix();
    match (mode, rec.state) {
        ("subscribe", WebSubState::Requested | WebSubState::Active) if !challenge.is_empty() => {
            let lease = param("hub.lease_seconds")
                .parse::<i64>()
                .ok()
                .filter(|l| *l > 0)
                .unwrap_or(DEFAULT_LEASE_SECS);
            activate(shared, &mut rec, now, lease)?;
            Ok(Some(challenge.to_string()))
        }
        ("unsubscribe", WebSubState::Leaving) if !challenge.is_empty() => {
            shared.store.websub_remove(&rec.callback_id)?;
            tracing::info!(feed = rec.feed_id, hub = %rec.hub, "WebSub unsubscription verified");
            Ok(Some(challenge.to_string()))
        }
        ("denied", WebSubState::Leaving) => {
            shared.store.websub_remove(&rec.callback_id)?;
            Ok(Some(String::new()))
        }
        ("denied", _) => {
            tracing::warn!(feed = rec.feed_id, hub = %rec.hub, reason = %param("hub.reason"), "WebSub hub denied the subscription; polling goes on");
            rec.state = WebSubState::Denied;
            rec.expires_at = None;
            rec.next_action_at = now + DENIED_RETRY_SECS;
            shared.store.websub_put(&rec)?;
            Ok(Some(String::new()))
        }
        _ => Ok(None),
    }
}

fn activate(
    shared: &Shared,
    rec: &mut WebSubRecord,
    now: i64,
    lease: i64,
) -> Result<(), StoreError> {
    rec.state = WebSubState::Active;
    rec.expires_at = Some(now + lease);
    rec.next_action_at = renew_at(now, lease);
    rec.attempts = 0;
    shared.store.websub_put(rec)?;
    tracing::info!(feed = rec.feed_id, hub = %rec.hub, lease, "WebSub subscription verified");
    Ok(())
}

async fn receive(
    State(e): State<Arc<Endpoint>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let rec = match e.shared.store.websub_get(&id) {
        Ok(Some(rec)) => rec,
        Ok(None) => return StatusCode::NOT_FOUND,
        Err(err) => {
            tracing::warn!(error = %err, "cannot read the WebSub subscription");
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    };
    if rec.state == WebSubState::Leaving {
        return StatusCode::GONE;
    }
    let signed = headers
        .get(signature::HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|sig| signature::verify(rec.secret.as_bytes(), &body, sig));
    if !signed {
        tracing::warn!(feed = rec.feed_id, hub = %rec.hub, "WebSub content without a valid X-Hub-Signature ignored");
        return StatusCode::ACCEPTED;
    }
    let _ = e.tx.send(Pushed {
        feed_id: rec.feed_id,
        topic: rec.topic,
        body,
    });
    StatusCode::ACCEPTED
}

/// Takes pushed content in arrival order until cancelled: each through
/// [`crate::poll::take_pushed`]. A bad push is logged and the next one is taken.
pub async fn process(
    shared: Arc<Shared>,
    mut rx: mpsc::UnboundedReceiver<Pushed>,
    cancel: CancellationToken,
) {
    loop {
        let pushed = tokio::select! {
            _ = cancel.cancelled() => break,
            p = rx.recv() => match p { Some(p) => p, None => break },
        };
        let take = crate::poll::take_pushed(&shared, pushed.feed_id, &pushed.body, &pushed.topic);
        let take = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(take));
        match take.await {
            Ok(Ok(report)) => tracing::info!(
                feed = pushed.feed_id,
                new = report.new_entries,
                alerts = report.alerts,
                "WebSub content taken"
            ),
            Ok(Err(err)) => {
                tracing::warn!(feed = pushed.feed_id, error = %err, "WebSub content not taken")
            }
            Err(_) => tracing::error!(feed = pushed.feed_id, "taking WebSub content panicked"),
        }
    }
}
