//! Start-up against the Bot API, in the contract's order: `getMe`, `deleteWebhook` (long
//! polling: a webhook left by an earlier deployment would make every `getUpdates` fail
//! with 409) or `setWebhook` (webhook mode: URL, secret token, allowed updates, max
//! connections), then `setMyCommands` in each language.
//!
//! Every call is bounded ([`CALL_TIMEOUT`]) and raced against the shutdown token, so a
//! signal stops start-up at any moment (teloxide alone sleeps 10 s after each HTTP 5xx).
//! A Bot API that is down or failing is retried with backoff, one log line per failed
//! attempt; only a refused token (or a wrong API address) ends the program.
//!
//! Must not: handle updates, or retry without the shutdown token in the race.

use super::{ALLOWED_UPDATES, bot_commands};
use crate::i18n::Lang;
use crate::text::scrub;
use std::future::Future;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::types::Me;
use teloxide::{ApiError, RequestError};
use tokio_util::sync::CancellationToken;

/// The longest one start-up call may take (teloxide's 10 s wait after a 5xx included).
pub(crate) const CALL_TIMEOUT: Duration = Duration::from_secs(15);
/// The first wait after a failed attempt; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Why start-up gave up: the Bot API refused the token (or is not a Bot API).
#[derive(Debug, thiserror::Error)]
#[error("Telegram refused to start: {0}")]
pub struct StartError(String);

/// One failed attempt of a start-up call.
enum Attempt {
    /// Telegram asked to wait this long.
    Wait(Duration),
    /// Network error, timeout, 5xx, unexpected answer: try again after a backoff.
    Transient(String),
    /// The token is refused: retrying cannot help.
    Fatal(String),
}

impl Attempt {
    fn reason(&self) -> String {
        match self {
            Attempt::Wait(d) => format!("asked to wait {}s", d.as_secs()),
            Attempt::Transient(e) | Attempt::Fatal(e) => e.clone(),
        }
    }
}

fn classify(e: RequestError, token: &str) -> Attempt {
    match e {
        RequestError::RetryAfter(s) => Attempt::Wait(s.duration()),
        RequestError::Api(ApiError::InvalidToken) => {
            Attempt::Fatal(scrub(&ApiError::InvalidToken.to_string(), Some(token)))
        }
        // A webhook URL or secret Telegram refuses stays refused.
        RequestError::Api(e) if e.to_string().contains("webhook") => {
            Attempt::Fatal(scrub(&e.to_string(), Some(token)))
        }
        other => Attempt::Transient(scrub(&other.to_string(), Some(token))),
    }
}

/// The wait before attempt `attempt + 1`: 1 s, 2 s, 4 s … up to a minute, with jitter.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let base = FIRST_BACKOFF
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(6))
        .min(MAX_BACKOFF);
    base.mul_f64(1.0 + fastrand::f64() * 0.2)
}

/// Sleeps unless cancelled first; `false` when cancelled.
async fn pause(wait: Duration, cancel: &CancellationToken) -> bool {
    tokio::select! {
        _ = cancel.cancelled() => false,
        _ = tokio::time::sleep(wait) => true,
    }
}

/// One bounded, cancellable call: `None` when cancelled.
async fn bounded<T>(
    call: impl Future<Output = Result<T, RequestError>>,
    cancel: &CancellationToken,
    token: &str,
) -> Option<Result<T, Attempt>> {
    tokio::select! {
        _ = cancel.cancelled() => None,
        r = tokio::time::timeout(CALL_TIMEOUT, call) => Some(match r {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(classify(e, token)),
            Err(_) => Err(Attempt::Transient(format!("no answer within {}s", CALL_TIMEOUT.as_secs()))),
        }),
    }
}

/// `call` until it succeeds: `Ok(None)` when cancelled first.
async fn until_ok<T, F, Fut>(
    method: &'static str,
    mut call: F,
    cancel: &CancellationToken,
    token: &str,
) -> Result<Option<T>, StartError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let wait = match bounded(call(), cancel, token).await {
            None => return Ok(None),
            Some(Ok(v)) => return Ok(Some(v)),
            Some(Err(Attempt::Fatal(e))) => return Err(StartError(e)),
            Some(Err(Attempt::Wait(wait))) => {
                tracing::warn!(
                    method,
                    attempt,
                    retry_in_s = wait.as_secs(),
                    "Telegram asked to wait"
                );
                wait
            }
            Some(Err(Attempt::Transient(error))) => {
                let wait = backoff(attempt);
                tracing::warn!(method, attempt, error = %error, retry_in_s = wait.as_secs(), "Telegram start-up call failed; retrying");
                wait
            }
        };
        if !pause(wait, cancel).await {
            return Ok(None);
        }
    }
}

/// How updates reach the bot.
pub enum Transport<'a> {
    /// `getUpdates`: any webhook is deleted first.
    Polling,
    /// Telegram posts to `url` with `secret` in the secret-token header.
    Webhook {
        /// The public URL Telegram posts to.
        url: &'a reqwest::Url,
        /// The secret token Telegram sends back.
        secret: &'a str,
        /// `setWebhook`'s `max_connections`.
        max_connections: u8,
    },
}

/// getMe, deleteWebhook or setWebhook, then the command menus. `Ok(None)` when
/// cancelled first.
pub async fn start(
    bot: &Bot,
    token: &str,
    transport: &Transport<'_>,
    cancel: &CancellationToken,
) -> Result<Option<Me>, StartError> {
    let Some(me) = until_ok("getMe", || bot.get_me().send(), cancel, token).await? else {
        return Ok(None);
    };
    let routed = match transport {
        Transport::Polling => {
            until_ok(
                "deleteWebhook",
                || bot.delete_webhook().send(),
                cancel,
                token,
            )
            .await?
        }
        Transport::Webhook {
            url,
            secret,
            max_connections,
        } => {
            let call = || {
                bot.set_webhook((*url).clone())
                    .secret_token(secret.to_string())
                    .max_connections(*max_connections)
                    .allowed_updates(ALLOWED_UPDATES.to_vec())
                    .send()
            };
            until_ok("setWebhook", call, cancel, token).await?
        }
    };
    if routed.is_none() {
        return Ok(None);
    }
    if !set_commands(bot, cancel, token).await {
        return Ok(None);
    }
    Ok(Some(me))
}

/// setMyCommands: English by default, and Arabic and French for users whose Telegram is in
/// those languages; the three at once, each tried once (a missing menu is not worth a
/// delayed start). `false` when cancelled first.
async fn set_commands(bot: &Bot, cancel: &CancellationToken, token: &str) -> bool {
    let calls = [None, Some(Lang::Ar), Some(Lang::Fr)].map(|lang| async move {
        let mut req = bot.set_my_commands(bot_commands(lang.unwrap_or(Lang::En)));
        if let Some(l) = lang {
            req = req.language_code(l.code());
        }
        (lang, bounded(req.send(), cancel, token).await)
    });
    for (lang, result) in futures_util::future::join_all(calls).await {
        match result {
            None => return false,
            Some(Ok(_)) => {}
            Some(Err(failed)) => {
                let lang = lang.map_or("default", Lang::code);
                tracing::warn!(lang, error = %failed.reason(), "setMyCommands failed");
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_second_up_to_a_minute() {
        for (attempt, secs) in [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (40, 60)] {
            let d = backoff(attempt);
            let base = Duration::from_secs(secs);
            assert!(d >= base && d <= base.mul_f64(1.2), "{attempt}: {d:?}");
        }
    }
}
