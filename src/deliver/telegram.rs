//! Sending one message with teloxide and classifying what Telegram answered.
//!
//! The one place that decides what an error means for delivery: wait, move, drop the
//! chat, resend as plain text, or retry later.

use super::render::Rendered;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use teloxide::payloads::SendMessage;
use teloxide::prelude::*;
use teloxide::requests::{JsonRequest, Payload};
use teloxide::types::{
    InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, ParseMode, ThreadId,
};
use teloxide::{ApiError, RequestError};

/// What became of one send.
#[derive(Debug, Clone, PartialEq)]
pub enum SendOutcome {
    /// Telegram took the message.
    Sent,
    /// 429: wait this long for this chat, then send again.
    RetryAfter(Duration),
    /// The group became a supergroup with this id.
    Migrated(i64),
    /// The chat can never receive (blocked, kicked, not a member, deactivated, not
    /// found, no right to post, its forum topic deleted): the subscription ends.
    Gone(String),
    /// Telegram refused our HTML or its length: a render bug.
    BadRender(String),
    /// Network error, 5xx, or anything else: try again later.
    Transient(String),
    /// A 4xx that retrying will not fix.
    Refused(String),
}

/// What every send of the outbox shares: the one HTTP client (teloxide's `Bot` is a
/// handle on it), the token to keep out of errors, and whether sends are paid broadcasts.
/// Cheap to clone.
#[derive(Clone)]
pub struct Sender {
    bot: Bot,
    token: Arc<str>,
    paid: bool,
}

impl Sender {
    /// A sender on `bot` that keeps `token` out of errors; `paid_broadcast` sends with
    /// `allow_paid_broadcast`.
    pub fn new(bot: Bot, token: &str, paid_broadcast: bool) -> Sender {
        Sender {
            bot,
            token: Arc::from(token),
            paid: paid_broadcast,
        }
    }

    /// [`send`] with this sender's client and options.
    pub async fn send(
        &self,
        chat_id: i64,
        thread_id: Option<i32>,
        msg: &Rendered,
        choices: &[(String, String)],
    ) -> (SendOutcome, bool, Option<i32>) {
        send(
            &self.bot,
            (chat_id, thread_id),
            msg,
            choices,
            &self.options(),
        )
        .await
    }

    /// [`send_plain`] with this sender's client and options.
    pub async fn send_plain(&self, chat_id: i64, msg: &Rendered) -> SendOutcome {
        send_plain(&self.bot, chat_id, msg, &self.options()).await
    }

    fn options(&self) -> Options<'_> {
        Options {
            token: &self.token,
            paid: self.paid,
        }
    }
}

/// How one message is sent: the token (scrubbed from errors) and whether it is a paid
/// broadcast (`allow_paid_broadcast`).
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// The bot token, scrubbed from error texts.
    pub token: &'a str,
    /// Send with `allow_paid_broadcast`.
    pub paid: bool,
}

/// Sends the rendered alert as HTML; on a render refusal, once more as plain text. With
/// `choices` (label, callback_data), when there are any, as the keyboard instead of the
/// alert's URL buttons (a held alert's preview). Also gives the id Telegram gave the
/// message when it was sent.
pub async fn send(
    bot: &Bot,
    to: (i64, Option<i32>),
    msg: &Rendered,
    choices: &[(String, String)],
    options: &Options<'_>,
) -> (SendOutcome, bool, Option<i32>) {
    let (first, id) = send_once(bot, to, msg, choices, true, options).await;
    if let SendOutcome::BadRender(_) = first {
        let (second, id) = send_once(bot, to, msg, choices, false, options).await;
        return (second, true, id);
    }
    (first, false, id)
}

/// Sends `msg` as plain text (a notice): no HTML, no topic.
pub async fn send_plain(
    bot: &Bot,
    chat_id: i64,
    msg: &Rendered,
    options: &Options<'_>,
) -> SendOutcome {
    send_once(bot, (chat_id, None), msg, &[], false, options)
        .await
        .0
}

/// The inline keyboard: the choices in one row if any, else the URL buttons one a row.
fn keyboard(msg: &Rendered, choices: &[(String, String)]) -> Vec<Vec<InlineKeyboardButton>> {
    if !choices.is_empty() {
        let row = choices
            .iter()
            .map(|(label, data)| InlineKeyboardButton::callback(label.clone(), data.clone()))
            .collect();
        return vec![row];
    }
    msg.buttons
        .iter()
        .filter_map(|b| {
            let url = url::Url::parse(&b.url).ok()?;
            Some(vec![InlineKeyboardButton::url(b.text.clone(), url)])
        })
        .collect()
}

async fn send_once(
    bot: &Bot,
    (chat_id, thread_id): (i64, Option<i32>),
    msg: &Rendered,
    choices: &[(String, String)],
    html: bool,
    options: &Options<'_>,
) -> (SendOutcome, Option<i32>) {
    let text = if html {
        msg.html.clone()
    } else {
        msg.plain.chars().take(super::render::MAX_VISIBLE).collect()
    };
    let mut req =
        SendMessage::new(ChatId(chat_id), text).link_preview_options(LinkPreviewOptions {
            is_disabled: true,
            url: None,
            prefer_small_media: false,
            prefer_large_media: false,
            show_above_text: false,
        });
    if html {
        req = req.parse_mode(ParseMode::Html);
    }
    if options.paid {
        req = req.allow_paid_broadcast(true);
    }
    if let Some(t) = thread_id {
        req = req.message_thread_id(ThreadId(teloxide::types::MessageId(t)));
    }
    let buttons = keyboard(msg, choices);
    if !buttons.is_empty() {
        req = req.reply_markup(InlineKeyboardMarkup::new(buttons));
    }
    match JsonRequest::new(bot.clone(), ForId(req)).await {
        Ok(sent) => (SendOutcome::Sent, Some(sent.message_id)),
        Err(e) => (classify(&e, options.token), None),
    }
}

/// `sendMessage` as teloxide builds it, read back for the message id alone: the answer's
/// message (chat, sender, text, entities, buttons) is not decoded field by field, which
/// was the largest share of a send's CPU.
#[derive(Serialize)]
#[serde(transparent)]
struct ForId(SendMessage);

impl Payload for ForId {
    type Output = SentId;
    const NAME: &'static str = <SendMessage as Payload>::NAME;
}

/// What a send needs of Telegram's answer.
#[derive(Deserialize)]
struct SentId {
    message_id: i32,
}

/// Maps a teloxide error to what delivery does about it.
pub fn classify(e: &RequestError, token: &str) -> SendOutcome {
    match e {
        RequestError::RetryAfter(s) => SendOutcome::RetryAfter(s.duration()),
        RequestError::MigrateToChatId(id) => SendOutcome::Migrated(id.0),
        RequestError::Api(api) => {
            let desc = match api {
                ApiError::Unknown(s) => s.clone(),
                other => other.to_string(),
            };
            match api {
                ApiError::BotBlocked
                | ApiError::BotKicked
                | ApiError::BotKickedFromSupergroup
                | ApiError::BotKickedFromChannel
                | ApiError::UserDeactivated
                | ApiError::ChatNotFound
                | ApiError::NotEnoughRightsToPostMessages => SendOutcome::Gone(desc),
                ApiError::CantParseEntities(_) | ApiError::MessageIsTooLong => {
                    SendOutcome::BadRender(desc)
                }
                _ if desc.starts_with("Forbidden:") || never_for_this_chat(&desc) => {
                    SendOutcome::Gone(desc)
                }
                _ if desc.starts_with("Bad Request: can't parse entities")
                    || desc.starts_with("Bad Request: message is too long")
                    || desc.starts_with("Bad Request: text is too long") =>
                {
                    SendOutcome::BadRender(desc)
                }
                _ if desc.starts_with("Bad Request:") => SendOutcome::Refused(desc),
                _ => SendOutcome::Transient(desc),
            }
        }
        other => SendOutcome::Transient(crate::text::scrub(&other.to_string(), Some(token))),
    }
}

/// A `400` that no retry can fix for this chat (or its forum topic): Telegram's own
/// descriptions for a chat that does not exist, or where the bot may not post.
fn never_for_this_chat(desc: &str) -> bool {
    const PERMANENT: &[&str] = &[
        "Bad Request: chat not found",
        "Bad Request: private chat not found",
        "Bad Request: group chat was deactivated",
        "Bad Request: need administrator rights in the channel chat",
        "Bad Request: not enough rights to send",
        "Bad Request: have no rights to send a message",
        "Bad Request: CHAT_WRITE_FORBIDDEN",
        "Bad Request: CHAT_RESTRICTED",
        "Bad Request: message thread not found",
        "Bad Request: TOPIC_DELETED",
    ];
    PERMANENT.iter().any(|p| desc.starts_with(p)) || desc.contains("chat was deleted")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(desc: &str) -> RequestError {
        RequestError::Api(ApiError::Unknown(desc.to_string()))
    }

    #[track_caller]
    fn check(desc: &str, gone: bool) {
        let outcome = classify(&api(desc), "t");
        assert_eq!(
            matches!(outcome, SendOutcome::Gone(_)),
            gone,
            "{desc}: {outcome:?}"
        );
    }

    #[test]
    fn refusals_that_will_never_succeed_end_the_subscription() {
        for desc in [
            "Forbidden: bot was blocked by the user",
            "Forbidden: bot is not a member of the channel chat",
            "Forbidden: bot is not a member of the supergroup chat",
            "Forbidden: bot was kicked from the group chat",
            "Forbidden: bot can't initiate conversation with a user",
            "Bad Request: chat not found",
            "Bad Request: need administrator rights in the channel chat",
            "Bad Request: not enough rights to send text messages to the chat",
            "Bad Request: message thread not found",
        ] {
            check(desc, true);
        }
    }

    #[test]
    fn refusals_of_one_message_do_not_end_the_subscription() {
        for desc in [
            "Bad Request: BUTTON_URL_INVALID",
            "Bad Request: can't parse entities: Unsupported start tag \"p\" at byte offset 6",
            "Bad Request: message is too long",
            "Internal Server Error",
        ] {
            check(desc, false);
        }
    }
}
