//! Webhook mode: Telegram posts each update to `telegram.webhook_url`, served on
//! `http.listen` at the URL's path.
//!
//! The endpoint checks `X-Telegram-Bot-Api-Secret-Token` in constant time (401 without
//! the right one, nothing handled), refuses bodies over [`MAX_BODY`] (413), keeps the
//! update in the store's inbox (flushed) and answers 200 at once; [`process`] hands it to
//! the same [`handle_once`] as long polling. An update in the inbox at start (the program
//! stopped or crashed before handling it) is handled then: at least once, acted on once.
//!
//! Must not: handle an update whose secret did not match; answer before the update is
//! durable.

use super::MAX_CONCURRENT_COMMANDS;
use super::intake::handle_once;
use crate::context::Shared;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::types::Me;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// The largest update body accepted. Telegram's updates are a few kilobytes; a message
/// carries at most 4096 characters of text plus entities and the replied-to message.
pub const MAX_BODY: usize = 256 * 1024;
/// The header Telegram sends the `secret_token` back in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
const DRAIN: Duration = Duration::from_secs(5);

/// Compares two byte strings in time that depends only on their lengths.
pub fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let differ = given
        .iter()
        .zip(expected)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    std::hint::black_box(differ) == 0 && given.len() == expected.len()
}

/// What the endpoint needs: the secret and where accepted updates go.
struct Endpoint {
    shared: Arc<Shared>,
    secret: String,
    tx: mpsc::UnboundedSender<Update>,
}

/// The route for the webhook's path; updates accepted go to `tx`.
pub fn router(
    shared: Arc<Shared>,
    path: &str,
    secret: String,
    tx: mpsc::UnboundedSender<Update>,
) -> Router {
    let endpoint = Arc::new(Endpoint { shared, secret, tx });
    Router::new()
        .route(path, post(receive))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(endpoint)
}

async fn receive(State(e): State<Arc<Endpoint>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let given = headers
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !same_secret(given, e.secret.as_bytes()) {
        tracing::warn!("webhook post without the right secret token refused");
        return StatusCode::UNAUTHORIZED;
    }
    let update: Update = match serde_json::from_slice(&body) {
        Ok(u) => u,
        Err(err) => {
            // Telegram would post it again and again: take it and drop it.
            tracing::warn!(error = %err, "webhook post is not an update; ignored");
            return StatusCode::OK;
        }
    };
    let id = i64::from(update.id.0 as i32);
    if let Err(err) = e.shared.store.inbox_put(id, &body).await {
        tracing::error!(update = id, error = %err, "cannot keep the update; Telegram will post it again");
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let _ = e.tx.send(update);
    StatusCode::OK
}

/// Handles updates from the endpoint (and those left in the inbox) until cancelled, then
/// lets the handlers in flight finish (bounded). An update already in hand is not
/// started twice.
pub async fn process(
    shared: Arc<Shared>,
    bot: Bot,
    me: Me,
    mut rx: mpsc::UnboundedReceiver<Update>,
    cancel: CancellationToken,
) {
    let me = Arc::new(me);
    let sem = Arc::new(Semaphore::new(MAX_CONCURRENT_COMMANDS));
    let mut handlers: JoinSet<i64> = JoinSet::new();
    let mut in_hand: HashSet<i64> = HashSet::new();
    let mut backlog = left_in_inbox(&shared).into_iter();
    loop {
        while let Some(done) = handlers.try_join_next() {
            if let Ok(id) = done {
                in_hand.remove(&id);
            }
        }
        let update = match backlog.next() {
            Some(u) => u,
            None => tokio::select! {
                _ = cancel.cancelled() => break,
                u = rx.recv() => match u { Some(u) => u, None => break },
            },
        };
        let id = i64::from(update.id.0 as i32);
        if !in_hand.insert(id) {
            continue;
        }
        let permit = tokio::select! {
            _ = cancel.cancelled() => break,
            p = sem.clone().acquire_owned() => p,
        };
        let Ok(permit) = permit else { break };
        let (shared, bot, me) = (shared.clone(), bot.clone(), me.clone());
        handlers.spawn(async move {
            let _permit = permit;
            handle_once(&shared, &bot, &me, update).await;
            id
        });
    }
    let _ = tokio::time::timeout(DRAIN, async {
        while handlers.join_next().await.is_some() {}
    })
    .await;
}

/// Updates accepted before the last stop and not handled yet, oldest first.
fn left_in_inbox(shared: &Shared) -> Vec<Update> {
    let stored = shared.store.inbox().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "cannot read the update inbox");
        Vec::new()
    });
    stored
        .into_iter()
        .filter_map(|(_, bytes)| serde_json::from_slice(&bytes).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_match_only_byte_for_byte() {
        assert!(same_secret(b"abc-_1", b"abc-_1"));
        assert!(!same_secret(b"abc-_2", b"abc-_1"));
        assert!(!same_secret(b"abc", b"abc-_1"));
        assert!(!same_secret(b"", b"abc"));
        assert!(!same_secret(b"abc-_1x", b"abc-_1"));
    }

    #[test]
    fn generated_secrets_are_valid_and_differ() {
        let a = crate::context::random_token().unwrap();
        let b = crate::context::random_token().unwrap();
        assert!(crate::config::valid_webhook_secret(&a), "{a}");
        assert_eq!(a.len(), 40);
        assert_ne!(a, b);
    }
}
