//! Taking updates in, at least once and acting once.
//!
//! Long polling: the `getUpdates` offset moves past an update only after its handler has
//! finished ([`Watermark`]); commands are still handled side by side (up to
//! [`MAX_CONCURRENT_COMMANDS`]), so the offset sent is the lowest update still in hand.
//! While only updates in hand come back, the loop waits for one to finish (or a second)
//! instead of asking again at once.
//!
//! Acting once: [`handle_once`] looks the update id up in the store first. An update
//! already handled is skipped; one whose reply was stored but maybe not sent gets that
//! reply again without acting again; a new one is handled, its reply stored (flushed)
//! before it is sent, and the update marked done (flushed) after.
//!
//! Must not: confirm an update whose handler has not finished; act twice on one update id.

use super::{ALLOWED_UPDATES, LONG_POLL_SECS, MAX_CONCURRENT_COMMANDS, answer_update, reply};
use crate::context::Shared;
use crate::store::{KEEP_HANDLED_SECS, UpdateState};
use crate::text::scrub;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::types::{Me, UpdateKind};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How long the loop waits for a handler to finish before asking Telegram again while
/// every update it gets back is already in hand (Telegram forces `limit = 1` on the same
/// offset repeated within half a second).
const BUSY_REPOLL: Duration = Duration::from_secs(1);
/// How long a stop waits for handlers in flight (the contract allows 10 s in all).
const DRAIN: Duration = Duration::from_secs(5);

/// Which updates are in hand and where the offset stands.
#[derive(Debug, Default)]
pub(crate) struct Watermark {
    in_flight: BTreeSet<i32>,
    /// One past the highest update id taken in.
    next: i32,
}

impl Watermark {
    /// The offset to send: the lowest update still being handled, else one past the
    /// highest taken in (0 before any).
    pub(crate) fn offset(&self) -> i32 {
        self.in_flight.first().copied().unwrap_or(self.next)
    }

    /// Keeps the updates not seen before (ids from `next` up) and marks them in hand.
    pub(crate) fn take_new(&mut self, updates: Vec<Update>) -> Vec<Update> {
        let mut fresh = Vec::new();
        for u in updates {
            let id = u.id.0 as i32;
            if id >= self.next {
                self.next = self.next.max(id.saturating_add(1));
                self.in_flight.insert(id);
                fresh.push(u);
            }
        }
        fresh
    }

    pub(crate) fn finished(&mut self, id: i32) {
        self.in_flight.remove(&id);
    }

    pub(crate) fn busy(&self) -> bool {
        !self.in_flight.is_empty()
    }
}

/// Handlers in flight, each known by its update id (also when it panicked).
#[derive(Default)]
struct Handlers {
    set: JoinSet<()>,
    ids: HashMap<tokio::task::Id, i32>,
}

impl Handlers {
    fn spawn(&mut self, id: i32, job: impl Future<Output = ()> + Send + 'static) {
        let handle = self.set.spawn(job);
        self.ids.insert(handle.id(), id);
    }

    /// The update id of the next handler to finish; `None` when none is left.
    async fn next_finished(&mut self) -> Option<i32> {
        let task = match self.set.join_next_with_id().await? {
            Ok((task, ())) => task,
            Err(e) => {
                tracing::error!(error = %e, "an update handler failed");
                e.id()
            }
        };
        self.ids.remove(&task)
    }

    fn try_finished(&mut self) -> Option<i32> {
        let task = match self.set.try_join_next_with_id()? {
            Ok((task, ())) => task,
            Err(e) => {
                tracing::error!(error = %e, "an update handler failed");
                e.id()
            }
        };
        self.ids.remove(&task)
    }
}

/// The update loop (long polling): runs until cancelled, lets handlers in flight finish
/// (bounded), then confirms every update whose handler finished.
pub async fn poll(shared: Arc<Shared>, bot: Bot, me: Me, cancel: CancellationToken) {
    prune_handled(&shared);
    let me = Arc::new(me);
    let mut mark = Watermark::default();
    let mut handlers = Handlers::default();
    let sem = Arc::new(Semaphore::new(MAX_CONCURRENT_COMMANDS));
    let mut failures = 0u32;
    loop {
        while let Some(id) = handlers.try_finished() {
            mark.finished(id);
        }
        let result = tokio::select! {
            _ = cancel.cancelled() => break,
            r = get_updates(&bot, mark.offset()) => r,
        };
        let updates = match result {
            Ok(u) => {
                failures = 0;
                u
            }
            Err(e) => {
                let wait = failed_poll_wait(&shared, e, &mut failures);
                tokio::select! { _ = cancel.cancelled() => break, _ = tokio::time::sleep(wait) => {} }
                continue;
            }
        };
        let fresh = mark.take_new(updates);
        if fresh.is_empty() && mark.busy() {
            tokio::select! {
                _ = cancel.cancelled() => break,
                Some(id) = handlers.next_finished() => mark.finished(id),
                _ = tokio::time::sleep(BUSY_REPOLL) => {}
            }
            continue;
        }
        for update in fresh {
            let permit = tokio::select! {
                _ = cancel.cancelled() => break,
                p = sem.clone().acquire_owned() => p,
            };
            let Ok(permit) = permit else { break };
            let id = update.id.0 as i32;
            let (shared, bot, me) = (shared.clone(), bot.clone(), me.clone());
            handlers.spawn(id, async move {
                let _permit = permit;
                handle_once(&shared, &bot, &me, update).await;
            });
        }
    }
    drain(&mut handlers, &mut mark).await;
    confirm(&bot, &mark).await;
}

fn get_updates(
    bot: &Bot,
    offset: i32,
) -> impl Future<Output = Result<Vec<Update>, teloxide::RequestError>> {
    bot.get_updates()
        .offset(offset)
        .timeout(LONG_POLL_SECS)
        .allowed_updates(ALLOWED_UPDATES.to_vec())
        .send()
}

/// How long to wait after a failed getUpdates: Telegram's `retry_after`, else a backoff
/// that doubles up to a minute (logged).
fn failed_poll_wait(shared: &Shared, e: teloxide::RequestError, failures: &mut u32) -> Duration {
    if let teloxide::RequestError::RetryAfter(s) = e {
        return s.duration();
    }
    *failures += 1;
    let wait = Duration::from_secs(1 << (*failures).min(6));
    let token = shared.config.token.as_deref();
    tracing::warn!(error = %scrub(&e.to_string(), token), wait_s = wait.as_secs(), "getUpdates failed");
    wait
}

/// Lets the handlers in flight finish, for at most [`DRAIN`].
async fn drain(handlers: &mut Handlers, mark: &mut Watermark) {
    let _ = tokio::time::timeout(DRAIN, async {
        while let Some(id) = handlers.next_finished().await {
            mark.finished(id);
        }
    })
    .await;
}

/// Tells Telegram which updates are done, so a restart does not get them again; updates
/// still in hand are not confirmed and come back after a restart.
async fn confirm(bot: &Bot, mark: &Watermark) {
    let offset = mark.offset();
    if offset > 0 {
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            bot.get_updates().offset(offset).limit(1).timeout(0).send(),
        )
        .await;
    }
}

fn prune_handled(shared: &Shared) {
    if let Err(e) = shared.store.prune_updates(KEEP_HANDLED_SECS) {
        tracing::warn!(error = %e, "cannot prune handled updates");
    }
}

/// Handles one update unless it was handled before: see the module documentation.
pub(crate) async fn handle_once(shared: &Shared, bot: &Bot, me: &Me, update: Update) {
    let id = i64::from(update.id.0 as i32);
    let state = shared.store.update_state(id).unwrap_or_else(|e| {
        tracing::warn!(update = id, error = %e, "cannot read the update's record; handling it");
        UpdateState::New
    });
    match state {
        UpdateState::Done => {
            tracing::debug!(update = id, "update already handled; skipped");
            return;
        }
        UpdateState::Answered(text) => {
            if let UpdateKind::Message(msg) = &update.kind {
                reply(shared, bot, msg, &text).await;
            }
        }
        UpdateState::New => {
            if let Some((msg, text)) = answer_update(shared, bot, me, &update).await {
                if let Err(e) = shared.store.record_answer(id, &text).await {
                    tracing::warn!(update = id, error = %e, "cannot record the reply");
                }
                reply(shared, bot, msg, &text).await;
            }
        }
    }
    if let Err(e) = shared.store.mark_update_done(id).await {
        tracing::warn!(update = id, error = %e, "cannot record the update as handled");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(id: u32) -> Update {
        serde_json::from_value(serde_json::json!({
            "update_id": id,
            "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private", "first_name": "A"},
                        "from": {"id": 5, "is_bot": false, "first_name": "A"}, "text": "/help"}
        }))
        .expect("an update")
    }

    fn ids(v: &[Update]) -> Vec<u32> {
        v.iter().map(|u| u.id.0).collect()
    }

    #[test]
    fn the_offset_stays_on_the_lowest_update_in_hand_until_it_finishes() {
        let mut m = Watermark::default();
        assert_eq!(m.offset(), 0);
        assert_eq!(ids(&m.take_new(vec![update(10), update(11)])), [10, 11]);
        assert_eq!(m.offset(), 10);
        m.finished(11);
        assert_eq!(m.offset(), 10, "10 is still being handled");
        // Telegram sends 10 again (and a new 12): only 12 is new.
        assert_eq!(ids(&m.take_new(vec![update(10), update(12)])), [12]);
        m.finished(10);
        assert_eq!(m.offset(), 12);
        m.finished(12);
        assert_eq!(m.offset(), 13);
        assert!(!m.busy());
        assert!(m.take_new(vec![update(11)]).is_empty(), "finished before");
    }
}
