//! Telegram: the update loop (long polling), commands, permissions and replies.
//!
//! Every command gets a reply, refusals and unknown commands included; nothing a user
//! sends can stop the loop. Replies are plain text (no parse mode), so user input echoed
//! back can never break them, and they are in the chat's language ([`crate::i18n`]):
//! the one chosen with `/language`, else the sender's Telegram `language_code`.
//!
//! Submodules: [`command`] (the commands as one typed enum: roles, menu, `/help` and
//! dispatch come from it), [`subscriber`] (a chat's own commands: subscribe, choices,
//! language), [`organizer`] (feeds, channels, stats, rights), [`verdict`] (`/wrong`,
//! `/send`: organizers' verdicts on alerts), [`notice`] (the task that
//! tells organizers a feed fails or recovered and who set up a chat that its
//! subscription ended; fed by [`crate::events`]), [`startup`] (getMe, deleteWebhook,
//! setMyCommands; retried and cancellable), [`intake`] (updates at least once, each
//! acted on once), [`review`] (`/trust`, `/review`, Approve and Reject presses), [`remind`]
//! (`/remind` and the task that queues reminders before an alert's event). This module does not send alerts: the delivery worker does.

mod command;
mod intake;
pub mod notice;
mod organizer;
pub mod remind;
mod review;
mod startup;
mod subscriber;
mod verdict;
pub mod webhook;

pub use command::{Command, Role};
pub use intake::poll as run;
pub use startup::{StartError, Transport, start};

use crate::config::Config;
use crate::context::Shared;
use crate::deliver::pace::Pace;
use crate::i18n::{Lang, t};
use crate::manage::clip;
use crate::text::scrub;
use std::sync::Arc;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::types::{
    AllowedUpdate, BotCommand, LinkPreviewOptions, Me, Message, UpdateKind, User,
};

/// How long one getUpdates waits for news.
const LONG_POLL_SECS: u32 = 20;
/// Commands handled at once.
const MAX_CONCURRENT_COMMANDS: usize = 16;

/// The teloxide client for the config's Bot API server, with a timeout longer than a long poll.
pub fn make_bot(config: &Config, token: &str) -> anyhow::Result<Bot> {
    let client = teloxide::net::default_reqwest_settings()
        .timeout(Duration::from_secs(u64::from(LONG_POLL_SECS) + 15))
        .build()?;
    let url = reqwest::Url::parse(&config.api_url)?;
    Ok(Bot::with_client(token, client).set_api_url(url))
}

/// The command menu in one language.
pub fn bot_commands(lang: Lang) -> Vec<BotCommand> {
    Command::all()
        .into_iter()
        .map(|(c, _)| {
            let what = clip(&t(lang, &format!("cmd.{c}"), &[]), 250);
            BotCommand::new(c, what)
        })
        .collect()
}

/// The updates the bot asks for, in long polling and in webhook mode alike.
pub const ALLOWED_UPDATES: &[AllowedUpdate] = &[
    AllowedUpdate::Message,
    AllowedUpdate::MyChatMember,
    AllowedUpdate::CallbackQuery,
];

/// What an update asks of the bot: the message to reply to and the reply, if any. Acts
/// on the update (subscriptions, feeds, rights…); replies nothing itself.
pub(crate) async fn answer_update<'u>(
    shared: &Shared,
    bot: &Bot,
    me: &Me,
    update: &'u Update,
) -> Option<(&'u Message, String)> {
    match &update.kind {
        UpdateKind::Message(msg) => {
            if let Some(to) = msg.migrate_to_chat_id() {
                let _ = shared.store.migrate_subscriber(msg.chat.id.0, to.0);
                let _ = shared.store.move_deliveries(msg.chat.id.0, to.0);
                let _ = shared.store.move_chat_settings(msg.chat.id.0, to.0);
                return None;
            }
            let text = answer_message(shared, bot, me, msg).await?;
            Some((msg, text))
        }
        UpdateKind::MyChatMember(m) => {
            let gone = matches!(
                m.new_chat_member.kind,
                teloxide::types::ChatMemberKind::Left | teloxide::types::ChatMemberKind::Banned(_)
            );
            if gone && shared.store.unsubscribe(m.chat.id.0).unwrap_or(false) {
                tracing::info!(
                    chat = m.chat.id.0,
                    "bot removed or blocked; subscription ended"
                );
            }
            None
        }
        UpdateKind::CallbackQuery(q) => {
            review::on_callback(shared, bot, q).await;
            None
        }
        _ => None,
    }
}

/// One command being handled: who sent what where, their role and the reply language.
pub(crate) struct Ctx<'a> {
    pub shared: &'a Shared,
    pub bot: &'a Bot,
    pub me: &'a Me,
    pub msg: &'a Message,
    pub user: &'a User,
    pub user_id: i64,
    pub role: Role,
    pub lang: Lang,
}

impl Ctx<'_> {
    /// A reply string in the chat's language.
    pub(crate) fn t(&self, key: &str, args: &[(&str, &str)]) -> String {
        t(self.lang, key, args)
    }

    /// A reply string that counts `n` things, in the chat's language ([`crate::i18n::tn`]).
    pub(crate) fn tn(&self, key: &str, n: usize, args: &[(&str, &str)]) -> String {
        crate::i18n::tn(self.lang, key, n as u64, args)
    }

    /// A reply string with text and counts, in the chat's language ([`crate::i18n::tv`]).
    pub(crate) fn tv(&self, key: &str, args: &[(&str, crate::i18n::Arg)]) -> String {
        crate::i18n::tv(self.lang, key, args)
    }

    pub(crate) fn token(&self) -> Option<&str> {
        self.shared.config.token.as_deref()
    }

    /// An error for the user: the token scrubbed, clipped.
    pub(crate) fn scrubbed(&self, e: &dyn std::fmt::Display) -> String {
        clip(&scrub(&e.to_string(), self.token()), 300)
    }

    /// The generic "something went wrong" reply, after logging the cause.
    pub(crate) fn failed(&self, what: &str, e: &dyn std::fmt::Display) -> String {
        tracing::error!(error = %e, "{what} failed");
        self.t("error.generic", &[])
    }
}

/// The language of replies in a chat: its `/language` choice, else the sender's
/// Telegram language, else English.
pub fn chat_lang(shared: &Shared, chat_id: i64, user: Option<&User>) -> Lang {
    if let Ok(Some(s)) = shared.store.chat_settings(chat_id)
        && let Some(l) = s.language.as_deref().and_then(Lang::parse)
    {
        return l;
    }
    Lang::from_code(user.and_then(|u| u.language_code.as_deref()))
}

/// The reply to a message (after acting on its command); `None` when it needs none.
async fn answer_message(shared: &Shared, bot: &Bot, me: &Me, msg: &Message) -> Option<String> {
    let text = msg.text().or_else(|| msg.caption()).unwrap_or("");
    let private = msg.chat.is_private();
    let lang = chat_lang(shared, msg.chat.id.0, msg.from.as_ref());
    let Some((cmd, args)) = command::split_command(text, me.username()) else {
        return (private && msg.from.is_some()).then(|| t(lang, "error.not_command", &[]));
    };
    let user = msg.from.as_ref()?;
    let user_id = user.id.0 as i64;
    let role = role_of(shared, user_id);
    let ctx = Ctx {
        shared,
        bot,
        me,
        msg,
        user,
        user_id,
        role,
        lang,
    };
    let Some(command) = Command::from_parts(&cmd, args) else {
        let shown = format!("/{}", clip(&cmd, 32));
        return Some(ctx.t("error.unknown_command", &[("cmd", &shown)]));
    };
    let needed = command.role();
    if role < needed {
        let key = if needed == Role::Admin {
            "error.admins_only"
        } else {
            "error.organizers_only"
        };
        return Some(ctx.t(key, &[("cmd", &format!("/{cmd}"))]));
    }
    let answer = dispatch(&ctx, command).await;
    (!answer.is_empty()).then_some(answer)
}

/// Runs a command's handler: one arm per command.
async fn dispatch(ctx: &Ctx<'_>, command: Command) -> String {
    match command {
        Command::Start => subscriber::start(ctx).await,
        Command::Stop => subscriber::stop(ctx).await,
        Command::Help => help_text(ctx.lang, ctx.role),
        Command::Follow(args) => subscriber::follow(ctx, &args, true).await,
        Command::Unfollow(args) => subscriber::follow(ctx, &args, false).await,
        Command::Mute(args) => subscriber::mute(ctx, &args).await,
        Command::Settings => subscriber::settings(ctx),
        Command::Language(args) => subscriber::language(ctx, &args).await,
        Command::Remind(args) => remind::remind(ctx, &args).await,
        Command::Feeds => organizer::feeds(ctx),
        Command::AddFeed(args) => organizer::addfeed(ctx, &args).await,
        Command::EditFeed(args) => organizer::editfeed(ctx, &args),
        Command::RemoveFeed(args) => organizer::removefeed(ctx, &args),
        Command::Preview(args) => organizer::preview(ctx, &args).await,
        Command::AddChannel(args) => organizer::addchannel(ctx, &args).await,
        Command::RemoveChannel(args) => organizer::removechannel(ctx, &args).await,
        Command::Export => organizer::export(ctx).await,
        Command::Import => organizer::import(ctx).await,
        Command::Stats => organizer::stats(ctx),
        Command::Wrong => verdict::wrong(ctx).await,
        Command::Send(args) => verdict::send(ctx, &args).await,
        Command::Grant(args) => organizer::grant(ctx, &args, true),
        Command::Revoke(args) => organizer::grant(ctx, &args, false),
        Command::Trust(args) => review::set_review(ctx, &args, false).await,
        Command::Review(args) => review::set_review(ctx, &args, true).await,
    }
}

fn role_of(shared: &Shared, user_id: i64) -> Role {
    if shared.config.admins.contains(&user_id) {
        Role::Admin
    } else if shared.store.is_organizer(user_id).unwrap_or(false) {
        Role::Organizer
    } else {
        Role::Anyone
    }
}

fn no_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

/// Sends a reply in the message's chat (and topic), within Telegram's limits shared
/// with alerts and notices. A reply Telegram refuses with 429 waits `retry_after` and
/// goes out again, like an alert; other errors are logged.
pub(crate) async fn reply(shared: &Shared, bot: &Bot, msg: &Message, text: &str) {
    let text: String = clip(text, 4000);
    let result = obeying_retry_after(&shared.pace, msg.chat.id.0, || {
        let mut req = bot
            .send_message(msg.chat.id, text.clone())
            .link_preview_options(no_preview())
            .allow_paid_broadcast(shared.config.paid_broadcast);
        if let Some(t) = msg.thread_id.filter(|_| msg.is_topic_message) {
            req = req.message_thread_id(t);
        }
        req.send()
    })
    .await;
    if let Err(e) = result {
        tracing::warn!(chat = msg.chat.id.0, error = %e, "reply failed");
    }
}

/// How many times one reply is tried when Telegram keeps answering 429.
pub(crate) const REPLY_ATTEMPTS: u32 = 5;

/// Runs `call` (a send to `chat`) in its turn within Telegram's limits, and again after
/// each 429, waiting the `retry_after` Telegram gave (at most [`REPLY_ATTEMPTS`] tries);
/// any other answer is returned as it is.
pub(crate) async fn obeying_retry_after<T, F, Fut>(
    pace: &Arc<Pace>,
    chat: i64,
    mut call: F,
) -> Result<T, teloxide::RequestError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, teloxide::RequestError>>,
{
    let mut attempt = 1;
    loop {
        let turn = pace.turn(chat).await;
        let result = call().await;
        drop(turn);
        match result {
            Err(teloxide::RequestError::RetryAfter(wait)) if attempt < REPLY_ATTEMPTS => {
                tracing::debug!(
                    wait_s = wait.duration().as_secs(),
                    "reply refused with 429; waiting"
                );
                tokio::time::sleep(wait.duration()).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// What the bot does and the commands `role` may use, in `lang`.
pub fn help_text(lang: Lang, role: Role) -> String {
    let mut s = t(lang, "help.intro", &[]);
    s.push_str("\n\n");
    for (c, command) in Command::all() {
        if command.role() <= role {
            s.push_str(&t(
                lang,
                "help.line",
                &[
                    ("cmd", &format!("/{c}")),
                    ("what", &t(lang, &format!("cmd.{c}"), &[])),
                ],
            ));
            s.push('\n');
        }
    }
    s.push('\n');
    s.push_str(&t(lang, "help.choices", &[]));
    if role >= Role::Organizer {
        s.push_str("\n\n");
        s.push_str(&t(lang, "help.organizers", &[]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_shows_only_what_the_role_may_use() {
        for lang in Lang::ALL {
            assert!(!help_text(lang, Role::Anyone).contains("/addfeed"));
            assert!(help_text(lang, Role::Anyone).contains("/follow"));
            assert!(help_text(lang, Role::Organizer).contains("/addfeed"));
            assert!(help_text(lang, Role::Organizer).contains("/editfeed"));
            assert!(!help_text(lang, Role::Organizer).contains("/grant"));
            assert!(help_text(lang, Role::Admin).contains("/grant"));
        }
    }

    #[test]
    fn every_command_has_a_valid_menu_entry_in_every_language() {
        for lang in Lang::ALL {
            let cmds = bot_commands(lang);
            assert_eq!(cmds.len(), Command::all().len());
            for c in cmds {
                assert!(
                    !c.description.trim().is_empty(),
                    "{}: {}",
                    lang.code(),
                    c.command
                );
                assert!(c.description.chars().count() <= 256);
                assert!(
                    !c.description.starts_with("cmd."),
                    "{} has a description in {}",
                    c.command,
                    lang.code()
                );
            }
        }
    }
}
