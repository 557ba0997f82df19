//! Sending one message with teloxide and classifying what Telegram answered.
//!
//! The one place that decides what an error means for delivery: wait, move, drop the
//! chat, resend as plain text, or retry later.

use super::render::Rendered;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::types::{
    InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, ParseMode, ThreadId,
};
use teloxide::{ApiError, RequestError};

/// What became of one send.
#[derive(Debug, Clone, PartialEq)]
pub enum SendOutcome {
    Sent,
    /// 429: wait this long for this chat, then send again.
    RetryAfter(Duration),
    /// The group became a supergroup with this id.
    Migrated(i64),
    /// The chat can never receive (blocked, kicked, deactivated, not found).
    Gone(String),
    /// Telegram refused our HTML or its length: a render bug.
    BadRender(String),
    /// Network error, 5xx, or anything else: try again later.
    Transient(String),
    /// A 4xx that retrying will not fix.
    Refused(String),
}

/// Sends the rendered alert as HTML; on a render refusal, once more as plain text.
pub async fn send(
    bot: &Bot,
    chat_id: i64,
    thread_id: Option<i32>,
    msg: &Rendered,
    token: &str,
) -> (SendOutcome, bool) {
    let first = send_once(bot, chat_id, thread_id, msg, true, token).await;
    if let SendOutcome::BadRender(_) = first {
        let second = send_once(bot, chat_id, thread_id, msg, false, token).await;
        return (second, true);
    }
    (first, false)
}

async fn send_once(
    bot: &Bot,
    chat_id: i64,
    thread_id: Option<i32>,
    msg: &Rendered,
    html: bool,
    token: &str,
) -> SendOutcome {
    let text = if html {
        msg.html.clone()
    } else {
        msg.plain.chars().take(super::render::MAX_VISIBLE).collect()
    };
    let mut req = bot
        .send_message(ChatId(chat_id), text)
        .link_preview_options(LinkPreviewOptions {
            is_disabled: true,
            url: None,
            prefer_small_media: false,
            prefer_large_media: false,
            show_above_text: false,
        });
    if html {
        req = req.parse_mode(ParseMode::Html);
    }
    if let Some(t) = thread_id {
        req = req.message_thread_id(ThreadId(teloxide::types::MessageId(t)));
    }
    let buttons: Vec<Vec<InlineKeyboardButton>> = msg
        .buttons
        .iter()
        .filter_map(|b| {
            let url = url::Url::parse(&b.url).ok()?;
            Some(vec![InlineKeyboardButton::url(b.text.clone(), url)])
        })
        .collect();
    if !buttons.is_empty() {
        req = req.reply_markup(InlineKeyboardMarkup::new(buttons));
    }
    match req.await {
        Ok(_) => SendOutcome::Sent,
        Err(e) => classify(&e, token),
    }
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
                | ApiError::ChatNotFound => SendOutcome::Gone(desc),
                ApiError::CantParseEntities(_) | ApiError::MessageIsTooLong => {
                    SendOutcome::BadRender(desc)
                }
                _ if desc.starts_with("Forbidden:")
                    || desc.starts_with("Bad Request: chat not found")
                    || desc.starts_with("Bad Request: private chat not found")
                    || desc.contains("chat was deleted") =>
                {
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
        other => SendOutcome::Transient(crate::app::scrub(&other.to_string(), Some(token))),
    }
}
