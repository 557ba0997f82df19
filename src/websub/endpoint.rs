//! The WebSub callback, `/websub/<callback id>` on `http.listen`.
//!
//! `GET` is the hub's verification of intent: `hub.challenge` is echoed with 200 only for
//! a subscription the bot asked for, with the same `hub.topic` and a mode it expects
//! (`subscribe` while subscribing or subscribed, `unsubscribe` while leaving); anything
//! else is 404. `hub.mode=denied` is recorded and answered 200. `POST` is content
//! distribution: bodies over `fetch.max_body_bytes` get 413; content whose
//! `X-Hub-Signature` does not match the subscription's secret (or has none) is answered
//! 202 as the Recommendation says, and dropped; signed content is kept in the store
//! (flushed) and only then answered 202, and goes to [`process`]. Content kept but not
//! taken when the program stopped is taken at the next start. Each answer is counted in
//! `/metrics` (`websub_verifications`, `websub_pushes`).
//!
//! Must not: echo a challenge for a subscription it did not ask for; hand on unsigned or
//! wrongly signed content; answer a signed push with a 2xx before it is durable.

use super::{DEFAULT_LEASE_SECS, DENIED_RETRY_SECS, renew_at, signature};
use crate::context::Shared;
use crate::metrics::{WEBSUB_BAD_SIGNATURE, WEBSUB_PUSH_ACCEPTED, WEBSUB_REFUSED};
use crate::store::{PushRecord, StoreError, WebSubRecord, WebSubState, now_unix};
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

/// Content a hub pushed, signed right and kept in the store: handed to [`process`].
pub type Pushed = PushRecord;

struct Endpoint {
    shared: Arc<Shared>,
    tx: mpsc::UnboundedSender<Pushed>,
}

/// The callback routes; signed content goes to `tx` once it is in the store.
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
        Ok(Some((outcome, echo))) => {
            e.shared.counters.websub_verification(outcome);
            (StatusCode::OK, echo).into_response()
        }
        Ok(None) => {
            e.shared.counters.websub_verification(WEBSUB_REFUSED);
            tracing::info!(mode = %param("hub.mode"), topic = %param("hub.topic"), "WebSub verification for no subscription of ours: 404");
            StatusCode::NOT_FOUND.into_response()
        }
        Err(err) => {
            tracing::warn!(error = %err, "cannot answer a WebSub verification");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// What to answer a verification with: `Some((outcome, body))` for 200 (the outcome is
/// the mode taken, for `/metrics`), `None` for 404.
fn answer_intent(
    shared: &Shared,
    id: &str,
    query: &HashMap<String, String>,
) -> Result<Option<(&'static str, String)>, StoreError> {
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
            Ok(Some(("subscribe", challenge.to_string())))
        }
        ("unsubscribe", WebSubState::Leaving) if !challenge.is_empty() => {
            shared.store.websub_remove(&rec.callback_id)?;
            tracing::info!(feed = rec.feed_id, hub = %rec.hub, "WebSub unsubscription verified");
            Ok(Some(("unsubscribe", challenge.to_string())))
        }
        ("denied", WebSubState::Leaving) => {
            shared.store.websub_remove(&rec.callback_id)?;
            Ok(Some(("denied", String::new())))
        }
        ("denied", _) => {
            tracing::warn!(feed = rec.feed_id, hub = %rec.hub, reason = %param("hub.reason"), "WebSub hub denied the subscription; polling goes on");
            rec.state = WebSubState::Denied;
            rec.expires_at = None;
            rec.next_action_at = now + DENIED_RETRY_SECS;
            shared.store.websub_put(&rec)?;
            Ok(Some(("denied", String::new())))
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
        e.shared.counters.websub_push(WEBSUB_BAD_SIGNATURE);
        tracing::warn!(feed = rec.feed_id, hub = %rec.hub, "WebSub content without a valid X-Hub-Signature ignored");
        return StatusCode::ACCEPTED;
    }
    // Durable before the hub hears it was received: a crash after the answer loses nothing.
    let pushed = match e
        .shared
        .store
        .push_put(rec.feed_id, &rec.topic, &body)
        .await
    {
        Ok(p) => p,
        Err(err) => {
            tracing::error!(feed = rec.feed_id, error = %err, "cannot keep WebSub content; the hub may send it again");
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    };
    e.shared.counters.websub_push(WEBSUB_PUSH_ACCEPTED);
    let _ = e.tx.send(pushed);
    StatusCode::ACCEPTED
}

/// Takes pushed content in arrival order until cancelled, those kept before the last
/// stop first: each through [`crate::poll::take_pushed`], then forgotten. A bad push is
/// logged, forgotten, and the next one is taken; one the store could not commit stays
/// for the next start.
pub async fn process(
    shared: Arc<Shared>,
    mut rx: mpsc::UnboundedReceiver<Pushed>,
    cancel: CancellationToken,
) {
    let kept = shared.store.pushes().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "cannot read the WebSub content kept");
        Vec::new()
    });
    let seen_at_start: std::collections::HashSet<u64> = kept.iter().map(|p| p.seq).collect();
    let mut kept = kept.into_iter();
    loop {
        let pushed = match kept.next() {
            Some(p) => p,
            None => tokio::select! {
                _ = cancel.cancelled() => break,
                p = rx.recv() => match p {
                    // Kept while this task read the store: taken already.
                    Some(p) if seen_at_start.contains(&p.seq) => continue,
                    Some(p) => p,
                    None => break,
                },
            },
        };
        take(&shared, pushed).await;
    }
}

/// One push through [`crate::poll::take_pushed`]; forgotten unless the store failed.
async fn take(shared: &Shared, pushed: Pushed) {
    let take = crate::poll::take_pushed(shared, pushed.feed_id, &pushed.body, &pushed.topic);
    let take = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(take));
    match take.await {
        Ok(Ok(report)) => tracing::info!(
            feed = pushed.feed_id,
            new = report.new_entries,
            alerts = report.alerts,
            "WebSub content taken"
        ),
        Ok(Err(crate::poll::PollError::Store(err))) => {
            tracing::error!(feed = pushed.feed_id, error = %err, "WebSub content not committed; taken again at the next start");
            return;
        }
        Ok(Err(err)) => {
            tracing::warn!(feed = pushed.feed_id, error = %err, "WebSub content not taken")
        }
        Err(_) => tracing::error!(feed = pushed.feed_id, "taking WebSub content panicked"),
    }
    if let Err(err) = shared.store.push_done(pushed.seq) {
        tracing::warn!(feed = pushed.feed_id, error = %err, "cannot forget WebSub content taken");
    }
}
