//! Builds the shared context ([`crate::context`]) and the channels between tasks, then
//! starts, owns and stops every task: polling, delivery, notices (fed by
//! [`crate::events`]), the Telegram update loop, the HTTP endpoint and, with
//! `websub.public_url`, the WebSub subscriptions and pushes. Shutdown is a
//! cancellation token passed to each; `run` returns when all have stopped and the store
//! is flushed. Nothing below imports this module.

use crate::config::{Config, FeedConfig};
use crate::context::{Shared, shared};
use crate::events::Events;
use crate::store::{FeedRecord, Store};
use anyhow::Context;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The async runtime the bot runs on: a worker thread per core, and at most
/// [`BLOCKING_THREADS`] threads for blocking work (detection, disk flushes, name
/// lookups). Each thread that allocates keeps its own allocator arena, so a small pool
/// keeps resident memory down; eight polls at once fit in it.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()
}

/// The most threads [`runtime`] gives blocking work.
pub const BLOCKING_THREADS: usize = 4;

/// The runtime's async worker threads. The async side only waits on the network and
/// hands work around (the CPU-heavy steps, detection and flushes, run on the blocking
/// threads), so one thread is enough; each more makes every spawned send wake a sleeping
/// thread, which cost more CPU than the sends themselves (BENCHMARKS.md, fan-out).
pub const WORKER_THREADS: usize = 1;

/// The error's chain on one line, with the bot token from the environment scrubbed.
pub fn scrub_error(e: &anyhow::Error, env: &HashMap<String, String>) -> String {
    let mut s = format!("{e:#}");
    for k in ["SOLIBOT_TELEGRAM_TOKEN", "TELOXIDE_TOKEN"] {
        if let Some(t) = env.get(k) {
            s = crate::text::scrub(&s, Some(t));
        }
    }
    s
}

/// Puts the config file's feeds into the store (new ones only; the store is the truth
/// for feeds added by command, and for review once `/trust` or `/review` changed it).
pub fn sync_config_feeds(store: &Store, feeds: &[FeedConfig]) -> anyhow::Result<()> {
    for f in feeds {
        if store.feed_by_url(&f.url)?.is_some() {
            continue;
        }
        store.add_feed(FeedRecord {
            hashtags: f.hashtags.clone(),
            mode: f.mode.as_str().to_string(),
            from_config: true,
            review: f.review,
            ..FeedRecord::new(f.url.clone(), f.name.clone().unwrap_or_default())
        })?;
    }
    Ok(())
}

/// Runs until SIGINT or SIGTERM, then stops everything within the deadline.
pub async fn run_until_signal(config: Config, dry_run: bool) -> anyhow::Result<()> {
    let cancel = CancellationToken::new();
    let signal_cancel = cancel.clone();
    // Listening starts here, before any start-up call: a signal at any moment counts.
    let signal = signal_listener();
    tokio::spawn(async move {
        signal.await;
        tracing::info!("stopping");
        signal_cancel.cancel();
    });
    run(config, dry_run, cancel).await
}

/// A future that ends at SIGINT or SIGTERM; the handlers are installed when it is made.
fn signal_listener() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = int.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// The webhook's secret token in webhook mode: the configured one, else the one kept in
/// the store (generated at the first start). `None` in long-polling mode.
fn webhook_secret(shared: &Shared) -> anyhow::Result<Option<String>> {
    let Some(w) = &shared.config.webhook else {
        return Ok(None);
    };
    if let Some(s) = &w.secret {
        return Ok(Some(s.clone()));
    }
    if let Some(s) = shared.store.webhook_secret()? {
        return Ok(Some(s));
    }
    let secret = crate::context::random_token()
        .map_err(|e| anyhow::anyhow!("cannot generate the webhook secret: {e}"))?;
    shared.store.set_webhook_secret(&secret)?;
    Ok(Some(secret))
}

/// Takes `http.listen`, if set. An address in use (or not ours) is a start-up error: the
/// program would otherwise run without its endpoint, in webhook mode without updates.
async fn listen(addr: Option<SocketAddr>) -> anyhow::Result<Option<tokio::net::TcpListener>> {
    let Some(addr) = addr else { return Ok(None) };
    let listener = crate::http::bind(addr)
        .await
        .with_context(|| format!("cannot listen on http.listen {addr}"))?;
    Ok(Some(listener))
}

/// The whole program: opens the store, starts the tasks, stops them on `cancel`.
pub async fn run(config: Config, dry_run: bool, cancel: CancellationToken) -> anyhow::Result<()> {
    if dry_run {
        let store = Store::temporary().context("cannot open a temporary store")?;
        sync_config_feeds(&store, &config.feeds)?;
        if config.feeds.is_empty() {
            tracing::warn!("no feeds configured: nothing to poll");
        }
        let shared = Arc::new(shared(
            config,
            store,
            None,
            Some(Box::new(std::io::stdout())),
        )?);
        tracing::info!("dry run: alerts are printed, nothing is sent");
        let http = listen(shared.config.http_listen).await?.map(|listener| {
            tokio::spawn(crate::http::serve(
                shared.clone(),
                listener,
                None,
                cancel.clone(),
            ))
        });
        crate::poll::run(shared.clone(), cancel).await;
        if let Some(http) = http {
            let _ = http.await;
        }
        shared.store.flush().await?;
        return Ok(());
    }

    let token = config.token.clone().context(
        "no Telegram token: set SOLIBOT_TELEGRAM_TOKEN (or telegram.token), or use --dry-run",
    )?;
    let store = Store::open(&config.data_path)
        .with_context(|| format!("cannot open the database at {}", config.data_path.display()))?;
    sync_config_feeds(&store, &config.feeds)?;
    let (tx, rx) = mpsc::unbounded_channel();
    let (events, notices) = Events::channel();
    let mut shared = shared(config, store, Some(tx), None)?;
    shared.events = events;
    let shared = Arc::new(shared);
    let bot = crate::bot::make_bot(&shared.config, &token)?;
    // Before setWebhook: Telegram is never pointed at an endpoint that cannot listen.
    let listener = listen(shared.config.http_listen).await?;
    let secret = webhook_secret(&shared)?;
    let transport = match (&shared.config.webhook, &secret) {
        (Some(w), Some(secret)) => crate::bot::Transport::Webhook {
            url: &w.url,
            secret,
            max_connections: w.max_connections,
        },
        _ => crate::bot::Transport::Polling,
    };
    let Some(me) = crate::bot::start(&bot, &token, &transport, &cancel).await? else {
        shared.store.flush().await?;
        tracing::info!("stopped during start-up");
        return Ok(());
    };
    tracing::info!(bot = %me.username(), feeds = shared.store.feed_count(), subscribers = shared.store.subscriber_count(), webhook = shared.config.webhook.is_some(), "solibot started");

    crate::deliver::worker::load_pace(&shared.store, &shared.pace);
    let mut tasks = tokio::task::JoinSet::new();
    let worker = crate::deliver::worker::Worker::new(
        crate::deliver::worker::Handles {
            store: shared.store.clone(),
            counters: shared.counters.clone(),
            pace: shared.pace.clone(),
            events: shared.events.clone(),
        },
        bot.clone(),
        &token,
        shared.config.paid_broadcast,
    );
    tasks.spawn(worker.run(rx, cancel.clone()));
    tasks.spawn(crate::bot::notice::run(
        shared.clone(),
        notices,
        cancel.clone(),
    ));
    tasks.spawn(crate::poll::run(shared.clone(), cancel.clone()));
    tasks.spawn(crate::bot::remind::run(shared.clone(), cancel.clone()));
    let mut routes = None;
    match (&shared.config.webhook, secret) {
        (Some(w), Some(secret)) => {
            let (tx, updates) = mpsc::unbounded_channel();
            routes = Some(crate::bot::webhook::router(
                shared.clone(),
                w.url.path(),
                secret,
                tx,
            ));
            let process =
                crate::bot::webhook::process(shared.clone(), bot, me, updates, cancel.clone());
            tasks.spawn(process);
        }
        _ => {
            tasks.spawn(crate::bot::run(shared.clone(), bot, me, cancel.clone()));
        }
    }
    if shared.config.websub_public_url.is_some() {
        let (tx, pushed) = mpsc::unbounded_channel();
        let websub = crate::websub::endpoint::router(shared.clone(), tx);
        routes = Some(routes.map_or(websub.clone(), |r| r.merge(websub)));
        tasks.spawn(crate::websub::endpoint::process(
            shared.clone(),
            pushed,
            cancel.clone(),
        ));
        tasks.spawn(crate::websub::run(shared.clone(), cancel.clone()));
    }
    if let Some(listener) = listener {
        tasks.spawn(crate::http::serve(
            shared.clone(),
            listener,
            routes,
            cancel.clone(),
        ));
    }

    cancel.cancelled().await;
    let stop = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(8), stop)
        .await
        .is_err()
    {
        tracing::warn!("some tasks did not stop in time");
    }
    crate::deliver::worker::save_pace(&shared.store, &shared.pace);
    shared.store.flush().await?;
    tracing::info!("stopped");
    Ok(())
}
