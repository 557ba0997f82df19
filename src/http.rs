//! `GET /healthz` and `GET /metrics` (Prometheus text format), off unless `http.listen`.
//!
//! Reads the counters and the store's sizes; changes nothing.

use crate::app::Shared;
use crate::metrics::Counters;
use crate::store::now_unix;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio_util::sync::CancellationToken;

/// A loop that has not gone round for this long is stalled.
const STALL_SECS: i64 = 60;

pub async fn serve(shared: Arc<Shared>, addr: SocketAddr, cancel: CancellationToken) {
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(shared);
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(%addr, error = %e, "cannot listen for /healthz and /metrics");
            return;
        }
    };
    tracing::info!(%addr, "serving /healthz and /metrics");
    let _ = axum::serve(listener, app)
        .with_graceful_shutdown(async move { cancel.cancelled().await })
        .await;
}

async fn healthz(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let now = now_unix();
    let c = &shared.counters;
    let polling = now - c.polling_alive_at.load(Ordering::Relaxed);
    let delivery = now - c.delivery_alive_at.load(Ordering::Relaxed);
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
        [("content-type", "text/plain; version=0.0.4")],
        render_metrics(&shared),
    )
}

pub fn render_metrics(shared: &Shared) -> String {
    let c = &shared.counters;
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, samples: &[(String, f64)]| {
        let _ = writeln!(
            out,
            "# HELP solibot_{name} {help}\n# TYPE solibot_{name} {kind}"
        );
        for (labels, v) in samples {
            let _ = writeln!(out, "solibot_{name}{labels} {v}");
        }
    };
    let one = |v: u64| vec![(String::new(), v as f64)];
    let feeds = shared.store.feeds().map(|f| f.len()).unwrap_or(0) as u64;
    metric("feeds", "gauge", "Feeds watched.", &one(feeds));
    metric(
        "subscribers",
        "gauge",
        "Subscribed chats.",
        &one(shared.store.subscriber_count() as u64),
    );
    metric(
        "polls_total",
        "counter",
        "Feed polls.",
        &one(Counters::get(&c.polls)),
    );
    metric(
        "polls_not_modified_total",
        "counter",
        "Polls answered 304.",
        &one(Counters::get(&c.polls_not_modified)),
    );
    let errors: Vec<_> = c
        .fetch_errors()
        .into_iter()
        .map(|(k, v)| (format!("{{kind=\"{k}\"}}"), v as f64))
        .collect();
    metric(
        "fetch_errors_total",
        "counter",
        "Failed polls by kind.",
        &errors,
    );
    metric(
        "entries_seen_total",
        "counter",
        "New entries seen.",
        &one(Counters::get(&c.entries_seen)),
    );
    metric(
        "appeals_detected_total",
        "counter",
        "New entries detected as appeals.",
        &one(Counters::get(&c.appeals_detected)),
    );
    metric(
        "deliveries_queued_total",
        "counter",
        "Messages queued in the outbox.",
        &one(Counters::get(&c.queued)),
    );
    metric(
        "messages_sent_total",
        "counter",
        "Alerts delivered.",
        &one(Counters::get(&c.sent)),
    );
    metric(
        "messages_retried_total",
        "counter",
        "Sends retried.",
        &one(Counters::get(&c.retried)),
    );
    let failed: Vec<_> = c
        .failures()
        .into_iter()
        .map(|(k, v)| (format!("{{reason=\"{k}\"}}"), v as f64))
        .collect();
    metric(
        "messages_failed_total",
        "counter",
        "Failed sends by reason.",
        &failed,
    );
    metric(
        "render_bugs_total",
        "counter",
        "Messages Telegram refused as HTML.",
        &one(Counters::get(&c.render_bugs)),
    );
    metric(
        "outbox_depth",
        "gauge",
        "Messages waiting in the outbox.",
        &one(shared.store.outbox_len() as u64),
    );
    let last = c.last_poll_at.load(Ordering::Relaxed);
    let age = if last == 0 {
        -1.0
    } else {
        (now_unix() - last) as f64
    };
    metric(
        "last_poll_age_seconds",
        "gauge",
        "Seconds since the last poll finished (-1: none yet).",
        &[(String::new(), age)],
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{RawConfig, validate};
    use crate::store::Store;
    use axum::response::IntoResponse;
    use std::collections::HashMap;

    fn shared() -> Arc<Shared> {
        let config = validate(RawConfig::default(), None, &HashMap::new()).expect("default config");
        let store = Store::temporary().expect("temporary store");
        Arc::new(crate::app::shared(config, store, None, None).expect("shared state"))
    }

    async fn status(shared: &Arc<Shared>) -> StatusCode {
        healthz(State(shared.clone()))
            .await
            .into_response()
            .status()
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
        for family in [
            "feeds",
            "subscribers",
            "polls_total",
            "fetch_errors_total",
            "entries_seen_total",
            "appeals_detected_total",
            "messages_sent_total",
            "messages_failed_total",
            "outbox_depth",
            "last_poll_age_seconds",
        ] {
            assert!(
                text.contains(&format!("# HELP solibot_{family} ")),
                "{family}"
            );
            assert!(
                text.contains(&format!("# TYPE solibot_{family} ")),
                "{family}"
            );
        }
        assert!(
            text.contains("solibot_fetch_errors_total{kind=\"timeout\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("solibot_messages_failed_total{reason=\"blocked\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("solibot_messages_sent_total 3\n"), "{text}");
        assert!(
            text.contains("solibot_last_poll_age_seconds -1\n"),
            "{text}"
        );
        // Every sample line is `name[{labels}] number`.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (_, value) = line.rsplit_once(' ').expect("a value");
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
