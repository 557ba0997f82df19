//! `GET /healthz` and `GET /metrics` (Prometheus / OpenMetrics text format), off unless
//! `http.listen`; the same listener serves the webhook's route in webhook mode
//! ([`crate::bot::webhook`]).
//!
//! Reads the counters and the store's sizes; changes nothing.

use crate::context::Shared;
use crate::metrics::{self, StoreSizes};
use crate::store::now_unix;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio_util::sync::CancellationToken;

/// A loop that has not gone round for this long is stalled.
const STALL_SECS: i64 = 60;

/// Takes the address `http.listen` names. The caller binds it before anything else
/// starts, so an address that cannot be taken stops the program at start-up instead of
/// leaving it running without its endpoint (in webhook mode: without updates).
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}

/// Serves `/healthz`, `/metrics` and the routes of `extra` (the webhook's path in webhook
/// mode, WebSub's callbacks) on `listener` until cancelled.
pub async fn serve(
    shared: Arc<Shared>,
    listener: tokio::net::TcpListener,
    extra: Option<Router>,
    cancel: CancellationToken,
) {
    let mut app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(shared);
    if let Some(extra) = extra {
        app = app.merge(extra);
    }
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving /healthz and /metrics");
    }
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(async move { cancel.cancelled().await })
        .await
    {
        tracing::error!(error = %e, "the HTTP endpoint stopped");
    }
}

async fn healthz(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let now = now_unix();
    let c = &shared.counters;
    let polling = now - c.polling_alive_at.load(Ordering::Relaxed);
    // A dry run has no delivery loop: only polling counts.
    let delivery = if shared.dry_run() {
        0
    } else {
        now - c.delivery_alive_at.load(Ordering::Relaxed)
    };
    if polling > STALL_SECS || delivery > STALL_SECS {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("stalled: polling {polling}s ago, delivery {delivery}s ago\n"),
        )
    } else {
        (StatusCode::OK, "ok\n".to_string())
    }
}

async fn metrics(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    (
        [("content-type", metrics::CONTENT_TYPE)],
        render_metrics(&shared),
    )
}

/// The `/metrics` text: the counters plus the store's sizes, read now.
pub fn render_metrics(shared: &Shared) -> String {
    let sizes = StoreSizes {
        feeds: shared.store.feed_count() as u64,
        subscribers: shared.store.subscriber_count() as u64,
        outbox_depth: shared.store.outbox_len() as u64,
        websub: websub_states(shared),
    };
    shared.counters.render(sizes, now_unix())
}

/// How many WebSub subscriptions are in each of [`metrics::WEBSUB_STATES`].
fn websub_states(shared: &Shared) -> [u64; metrics::WEBSUB_STATES.len()] {
    let mut counts = [0; metrics::WEBSUB_STATES.len()];
    for rec in shared.store.websub_all().unwrap_or_default() {
        if let Some(i) = metrics::WEBSUB_STATES
            .iter()
            .position(|s| *s == rec.state.name())
        {
            counts[i] += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{RawConfig, validate};
    use crate::metrics::Counters;
    use crate::store::Store;
    use axum::response::IntoResponse;
    use std::collections::HashMap;

    fn shared() -> Arc<Shared> {
        let config = validate(RawConfig::default(), None, &HashMap::new()).expect("default config");
        let store = Store::temporary().expect("temporary store");
        Arc::new(crate::context::shared(config, store, None, None).expect("shared state"))
    }

    async fn status(shared: &Arc<Shared>) -> StatusCode {
        healthz(State(shared.clone()))
            .await
            .into_response()
            .status()
    }

    #[tokio::test]
    async fn a_dry_run_is_healthy_while_polling_goes_round() {
        let config = validate(RawConfig::default(), None, &HashMap::new()).expect("default config");
        let store = Store::temporary().expect("temporary store");
        let s = Arc::new(
            crate::context::shared(config, store, None, Some(Box::new(std::io::sink())))
                .expect("shared state"),
        );
        assert_eq!(status(&s).await, StatusCode::SERVICE_UNAVAILABLE);
        s.counters
            .polling_alive_at
            .store(now_unix(), Ordering::Relaxed);
        assert_eq!(status(&s).await, StatusCode::OK);
        s.counters
            .polling_alive_at
            .store(now_unix() - STALL_SECS - 5, Ordering::Relaxed);
        assert_eq!(status(&s).await, StatusCode::SERVICE_UNAVAILABLE);
    }

    #[tokio::test]
    async fn healthz_is_503_until_both_loops_go_round_and_when_one_stalls() {
        let s = shared();
        let c = &s.counters;
        // Neither loop has run yet.
        assert_eq!(status(&s).await, StatusCode::SERVICE_UNAVAILABLE);
        let now = now_unix();
        c.polling_alive_at.store(now, Ordering::Relaxed);
        assert_eq!(
            status(&s).await,
            StatusCode::SERVICE_UNAVAILABLE,
            "delivery never ran"
        );
        c.delivery_alive_at.store(now, Ordering::Relaxed);
        assert_eq!(status(&s).await, StatusCode::OK);
        // The polling loop stalled.
        c.polling_alive_at
            .store(now - STALL_SECS - 5, Ordering::Relaxed);
        assert_eq!(status(&s).await, StatusCode::SERVICE_UNAVAILABLE);
        c.polling_alive_at.store(now, Ordering::Relaxed);
        // The delivery loop stalled.
        c.delivery_alive_at
            .store(now - STALL_SECS - 5, Ordering::Relaxed);
        assert_eq!(status(&s).await, StatusCode::SERVICE_UNAVAILABLE);
        // Just inside the limit is still healthy.
        c.delivery_alive_at
            .store(now - STALL_SECS + 5, Ordering::Relaxed);
        assert_eq!(status(&s).await, StatusCode::OK);
    }

    #[tokio::test]
    async fn metrics_text_has_every_family_with_help_and_type() {
        let s = shared();
        s.counters.fetch_error("timeout");
        s.counters.fetch_error("timeout");
        s.counters.failed("blocked");
        Counters::inc(&s.counters.sent, 3);
        let text = render_metrics(&s);
        // OpenMetrics: a counter family is declared without `_total`, its sample has it.
        for m in metrics::ALL {
            let (family, help, kind) = (m.family(), m.help, m.type_name());
            assert!(
                text.contains(&format!("# HELP {family} {help}.\n")),
                "{family}:\n{text}"
            );
            assert!(
                text.contains(&format!("# TYPE {family} {kind}\n")),
                "{family}:\n{text}"
            );
        }
        assert_eq!(
            text.matches("# TYPE ").count(),
            metrics::ALL.len(),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "# UNIT {} seconds\n",
                metrics::LAST_POLL_AGE.family()
            )),
            "{text}"
        );
        for (m, labels, value) in [
            (metrics::FEEDS, "", 0),
            (metrics::SUBSCRIBERS, "", 0),
            (metrics::POLLS, "", 0),
            (metrics::FETCH_ERRORS, "{kind=\"timeout\"}", 2),
            (metrics::MESSAGES_FAILED, "{reason=\"blocked\"}", 1),
            (metrics::MESSAGES_SENT, "", 3),
            (metrics::DIGESTS, "", 0),
            (metrics::OUTBOX_DEPTH, "", 0),
            (metrics::LAST_POLL_AGE, "", -1),
            (metrics::WEBSUB_SUBSCRIPTIONS, "{state=\"active\"}", 0),
            (
                metrics::WEBSUB_VERIFICATIONS_ANSWERED,
                "{outcome=\"refused\"}",
                0,
            ),
            (
                metrics::WEBSUB_PUSHES_RECEIVED,
                "{outcome=\"bad_signature\"}",
                0,
            ),
            (metrics::WEBSUB_RENEWALS, "", 0),
        ] {
            let sample = format!("{}{labels} {value}\n", m.sample());
            assert!(text.contains(&sample), "{sample}{text}");
        }
        assert!(text.ends_with("\n# EOF\n"), "{text}");
        // After a poll the age counts up from it.
        let now = now_unix();
        s.counters.last_poll_at.store(now - 7, Ordering::Relaxed);
        let later = s.counters.render(StoreSizes::default(), now);
        let seven = format!("{} 7\n", metrics::LAST_POLL_AGE.sample());
        assert!(later.contains(&seven), "{later}");
        // Every sample line is `name[{labels}] number`.
        let mut samples = 0;
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (series, value) = line.rsplit_once(' ').expect("a value");
            assert!(value.parse::<f64>().is_ok(), "{line}");
            let name = series.split_once('{').map_or(series, |(n, labels)| {
                assert!(labels.ends_with('}'), "{line}");
                n
            });
            assert!(
                name.starts_with("solibot_")
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{line}"
            );
            samples += 1;
        }
        // One sample per unlabelled family, and one per known kind, reason, WebSub state and
        // outcome (the test's "timeout" and "blocked" among them).
        let unlabelled = metrics::ALL.iter().filter(|m| m.label.is_none()).count();
        assert_eq!(
            samples,
            unlabelled
                + metrics::FETCH_ERROR_KINDS.len()
                + metrics::FAILURE_REASONS.len()
                + metrics::WEBSUB_STATES.len()
                + metrics::WEBSUB_VERIFICATIONS.len()
                + metrics::WEBSUB_PUSHES.len(),
            "{text}"
        );
    }

    #[test]
    fn bots_in_one_process_keep_their_own_figures() {
        let (a, b) = (Counters::default(), Counters::default());
        Counters::inc(&a.polls, 2);
        a.fetch_error("dns");
        let b_text = b.render(StoreSizes::default(), 0);
        let polls = metrics::POLLS.sample();
        assert!(b_text.contains(&format!("{polls} 0\n")), "{b_text}");
        // Known kinds and reasons are there at 0 before anything failed.
        assert!(
            b_text.contains(&format!(
                "{}{{kind=\"timeout\"}} 0\n",
                metrics::FETCH_ERRORS.sample()
            )),
            "{b_text}"
        );
        assert!(
            b_text.contains(&format!(
                "{}{{reason=\"blocked\"}} 0\n",
                metrics::MESSAGES_FAILED.sample()
            )),
            "{b_text}"
        );
        assert!(!b_text.contains("kind=\"dns\""), "{b_text}");
        assert!(
            a.render(StoreSizes::default(), 0)
                .contains(&format!("{polls} 2\n"))
        );
        assert_eq!(a.fetch_errors().get("dns"), Some(&1));
        assert!(b.fetch_errors().is_empty());
    }
}
