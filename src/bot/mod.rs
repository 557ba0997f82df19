//! Telegram: the update loop (long polling), commands, permissions and replies.
//!
//! Every command gets a reply, refusals and unknown commands included; nothing a user
//! sends can stop the loop. Replies are plain text (no parse mode), so user input echoed
//! back can never break them.

use crate::app::{Shared, scrub};
use crate::config::Config;
use crate::manage::{self, clip};
use crate::store::{SubscriberRecord, now_unix};
use std::sync::Arc;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::types::{
    AllowedUpdate, BotCommand, ChatKind, InputFile, LinkPreviewOptions, Me, Message, PublicChatKind,
    ThreadId, UpdateKind,
};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How long one getUpdates waits for news.
const LONG_POLL_SECS: u32 = 20;
/// Commands handled at once.
const MAX_CONCURRENT_COMMANDS: usize = 16;

/// The bot's command list (for setMyCommands and /help).
pub const COMMANDS: &[(&str, &str, Role)] = &[
    ("start", "Subscribe this chat to appeal alerts", Role::Anyone),
    ("stop", "Unsubscribe this chat", Role::Anyone),
    ("help", "What this bot does and its commands", Role::Anyone),
    ("feeds", "List the partner feeds", Role::Anyone),
    ("addfeed", "Add a feed: /addfeed URL [#tag …] [mode=all] [name]", Role::Organizer),
    ("removefeed", "Remove a feed: /removefeed ID|URL", Role::Organizer),
    ("preview", "What subscribers would get from a feed now", Role::Organizer),
    ("export", "The feeds as an OPML file", Role::Organizer),
    ("import", "Reply to an OPML file to add its feeds", Role::Organizer),
    ("stats", "Subscribers, feeds, alerts sent", Role::Organizer),
    ("grant", "Make a user an organizer: /grant USER_ID", Role::Admin),
    ("revoke", "Take organizer rights back: /revoke USER_ID", Role::Admin),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Anyone,
    Organizer,
    Admin,
}

pub fn make_bot(config: &Config, token: &str) -> anyhow::Result<Bot> {
    let client = teloxide::net::default_reqwest_settings()
        .timeout(Duration::from_secs(u64::from(LONG_POLL_SECS) + 15))
        .build()?;
    let url = reqwest::Url::parse(&config.api_url)?;
    Ok(Bot::with_client(token, client).set_api_url(url))
}

/// getMe, then setMyCommands.
pub async fn start(bot: &Bot, _shared: &Shared) -> Result<Me, teloxide::RequestError> {
    let me = bot.get_me().await?;
    let commands: Vec<BotCommand> = COMMANDS
        .iter()
        .map(|(c, d, _)| BotCommand::new(*c, *d))
        .collect();
    if let Err(e) = bot.set_my_commands(commands).await {
        tracing::warn!(error = %e, "setMyCommands failed");
    }
    Ok(me)
}

/// The update loop: runs until cancelled, then confirms the last update it handled.
pub async fn run(shared: Arc<Shared>, bot: Bot, me: Me, cancel: CancellationToken) {
    let token = shared.config.token.clone().unwrap_or_default();
    let me = Arc::new(me);
    let mut offset: i32 = 0;
    let mut failures = 0u32;
    let mut handlers = JoinSet::new();
    let sem = Arc::new(tokio::sync::Semaphore::new(MAX_CONCURRENT_COMMANDS));
    loop {
        while handlers.try_join_next().is_some() {}
        let request = bot
            .get_updates()
            .offset(offset)
            .timeout(LONG_POLL_SECS)
            .allowed_updates(vec![AllowedUpdate::Message, AllowedUpdate::MyChatMember]);
        let result = tokio::select! {
            _ = cancel.cancelled() => break,
            r = request.send() => r,
        };
        let updates = match result {
            Ok(u) => {
                failures = 0;
                u
            }
            Err(teloxide::RequestError::RetryAfter(s)) => {
                tokio::select! { _ = cancel.cancelled() => break, _ = tokio::time::sleep(s.duration()) => {} }
                continue;
            }
            Err(e) => {
                failures += 1;
                let wait = Duration::from_secs(1 << failures.min(6));
                tracing::warn!(error = %scrub(&e.to_string(), Some(&token)), wait_s = wait.as_secs(), "getUpdates failed");
                tokio::select! { _ = cancel.cancelled() => break, _ = tokio::time::sleep(wait) => {} }
                continue;
            }
        };
        for update in updates {
            offset = offset.max(update.id.0 as i32 + 1);
            let Ok(permit) = sem.clone().acquire_owned().await else { break };
            let (shared, bot, me) = (shared.clone(), bot.clone(), me.clone());
            handlers.spawn(async move {
                let _permit = permit;
                handle_update(&shared, &bot, &me, update).await;
            });
        }
    }
    // Let commands in flight finish (bounded), then confirm the offset so a restart does
    // not handle the same commands again.
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while handlers.join_next().await.is_some() {}
    })
    .await;
    if offset > 0 {
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            bot.get_updates().offset(offset).limit(1).timeout(0).send(),
        )
        .await;
    }
}

async fn handle_update(shared: &Shared, bot: &Bot, me: &Me, update: Update) {
    match update.kind {
        UpdateKind::Message(msg) => {
            if let Some(to) = msg.migrate_to_chat_id() {
                let _ = shared.store.migrate_subscriber(msg.chat.id.0, to.0);
                let _ = shared.store.move_deliveries(msg.chat.id.0, to.0);
                return;
            }
            handle_message(shared, bot, me, &msg).await;
        }
        UpdateKind::MyChatMember(m) => {
            let gone = matches!(
                m.new_chat_member.kind,
                teloxide::types::ChatMemberKind::Left | teloxide::types::ChatMemberKind::Banned(_)
            );
            if gone && shared.store.unsubscribe(m.chat.id.0).unwrap_or(false) {
                tracing::info!(chat = m.chat.id.0, "bot removed or blocked; subscription ended");
            }
        }
        _ => {}
    }
}

/// Splits "/cmd@bot args" into (cmd, args); `None` when the text is not a command or is
/// addressed to another bot.
pub fn parse_command<'a>(text: &'a str, bot_username: &str) -> Option<(String, &'a str)> {
    let text = text.trim_start();
    let rest = text.strip_prefix('/')?;
    let (head, args) = match rest.find(char::is_whitespace) {
        Some(i) => (&rest[..i], rest[i..].trim()),
        None => (rest, ""),
    };
    let (cmd, target) = match head.split_once('@') {
        Some((c, t)) => (c, Some(t)),
        None => (head, None),
    };
    if let Some(t) = target
        && !t.eq_ignore_ascii_case(bot_username)
    {
        return None;
    }
    if cmd.is_empty() {
        return None;
    }
    Some((cmd.to_lowercase(), args))
}

async fn handle_message(shared: &Shared, bot: &Bot, me: &Me, msg: &Message) {
    let text = msg.text().or_else(|| msg.caption()).unwrap_or("");
    let private = msg.chat.is_private();
    let Some((cmd, args)) = parse_command(text, me.username()) else {
        if private && msg.from.is_some() {
            reply(bot, msg, "I understand commands only. Send /help to see them.").await;
        }
        return;
    };
    let Some(user) = msg.from.as_ref() else { return };
    let user_id = user.id.0 as i64;
    let role = role_of(shared, user_id);
    let needed = COMMANDS.iter().find(|(c, _, _)| *c == cmd).map(|(_, _, r)| *r);
    let Some(needed) = needed else {
        reply(
            bot,
            msg,
            &format!("Unknown command /{}. Send /help for the list.", clip(&cmd, 32)),
        )
        .await;
        return;
    };
    if role < needed {
        let who = if needed == Role::Admin { "admins" } else { "organizers" };
        reply(bot, msg, &format!("Sorry, /{cmd} is for {who} only.")).await;
        return;
    }
    let answer = match cmd.as_str() {
        "start" => cmd_start(shared, bot, msg, user).await,
        "stop" => cmd_stop(shared, bot, msg, user_id).await,
        "help" => help_text(role),
        "feeds" => cmd_feeds(shared, role),
        "addfeed" => cmd_addfeed(shared, args, user_id).await,
        "removefeed" => cmd_removefeed(shared, args),
        "preview" => cmd_preview(shared, bot, args, user_id).await,
        "export" => cmd_export(shared, bot, msg).await,
        "import" => cmd_import(shared, bot, msg, user_id).await,
        "stats" => cmd_stats(shared),
        "grant" => cmd_grant(shared, args, user_id, true),
        "revoke" => cmd_grant(shared, args, user_id, false),
        _ => "Send /help for the list of commands.".to_string(),
    };
    if !answer.is_empty() {
        reply(bot, msg, &answer).await;
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

async fn reply(bot: &Bot, msg: &Message, text: &str) {
    let text: String = clip(text, 4000);
    let mut req = bot.send_message(msg.chat.id, text).link_preview_options(LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    });
    if let Some(t) = msg.thread_id.filter(|_| msg.is_topic_message) {
        req = req.message_thread_id(t);
    }
    if let Err(e) = req.await {
        tracing::warn!(chat = msg.chat.id.0, error = %e, "reply failed");
    }
}

async fn is_chat_admin(bot: &Bot, msg: &Message, user: &teloxide::types::User) -> bool {
    match bot.get_chat_member(msg.chat.id, user.id).await {
        Ok(m) => m.is_privileged(),
        Err(e) => {
            tracing::warn!(chat = msg.chat.id.0, error = %e, "getChatMember failed");
            false
        }
    }
}

fn chat_kind(msg: &Message) -> &'static str {
    match &msg.chat.kind {
        ChatKind::Private(_) => "private",
        ChatKind::Public(p) => match p.kind {
            PublicChatKind::Group => "group",
            PublicChatKind::Supergroup(_) => "supergroup",
            PublicChatKind::Channel(_) => "channel",
        },
    }
}

async fn cmd_start(shared: &Shared, bot: &Bot, msg: &Message, user: &teloxide::types::User) -> String {
    if !msg.chat.is_private() && !is_chat_admin(bot, msg, user).await {
        return "Only this group's administrators can subscribe it.".into();
    }
    let thread = msg
        .thread_id
        .filter(|_| msg.is_topic_message)
        .map(|ThreadId(id)| id.0);
    let rec = SubscriberRecord {
        v: 1,
        chat_id: msg.chat.id.0,
        kind: chat_kind(msg).into(),
        language: user.language_code.clone(),
        since: now_unix(),
        thread_id: thread,
    };
    match shared.store.subscribe(&rec) {
        Ok(true) => "Subscribed. You will get new appeals from our partner organizations here. Send /stop to unsubscribe, /feeds to see the partners.".into(),
        Ok(false) => "This chat is already subscribed. Send /stop to unsubscribe.".into(),
        Err(e) => {
            tracing::error!(error = %e, "subscribe failed");
            "Sorry, something went wrong; please try again later.".into()
        }
    }
}

async fn cmd_stop(shared: &Shared, bot: &Bot, msg: &Message, user_id: i64) -> String {
    if !msg.chat.is_private()
        && let Some(user) = msg.from.as_ref()
        && !is_chat_admin(bot, msg, user).await
    {
        let _ = user_id;
        return "Only this group's administrators can unsubscribe it.".into();
    }
    match shared.store.unsubscribe(msg.chat.id.0) {
        Ok(true) => "Unsubscribed; this chat is forgotten. Send /start to subscribe again.".into(),
        Ok(false) => "This chat was not subscribed. Send /start to subscribe.".into(),
        Err(e) => {
            tracing::error!(error = %e, "unsubscribe failed");
            "Sorry, something went wrong; please try again later.".into()
        }
    }
}

pub fn help_text(role: Role) -> String {
    let mut s = String::from(
        "solibot sends you appeals from partner organizations: petitions, donation calls, protests, vigils, statements that call on officials to act.\n\nCommands:\n",
    );
    for (c, d, r) in COMMANDS {
        if *r <= role {
            s.push_str(&format!("/{c} — {d}\n"));
        }
    }
    s
}

fn cmd_feeds(shared: &Shared, role: Role) -> String {
    let feeds = match shared.store.feeds() {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "cannot list feeds");
            return "Sorry, something went wrong.".into();
        }
    };
    if feeds.is_empty() {
        return "No partner feeds yet.".into();
    }
    let mut s = format!("{} partner feeds:\n", feeds.len());
    for f in &feeds {
        s.push_str(&format!("\n{}. {}", f.id, clip(&f.name, 80)));
        if !f.hashtags.is_empty() {
            s.push_str(&format!(" {}", f.hashtags.join(" ")));
        }
        if role >= Role::Organizer {
            let h = &f.health;
            s.push_str(&format!("\n   {} · mode {}", clip(&f.url, 120), f.mode));
            s.push_str(&format!(
                "\n   last success: {} · entries seen: {} · appeals: {}",
                h.last_success.map(ago).unwrap_or_else(|| "never".into()),
                h.entries_seen,
                h.appeals_sent
            ));
            if let Some(err) = &h.last_error
                && h.consecutive_failures > 0
            {
                s.push_str(&format!("\n   last error: {}", clip(err, 160)));
            }
        }
    }
    s
}

fn ago(t: i64) -> String {
    let d = (now_unix() - t).max(0);
    match d {
        0..=119 => format!("{d}s ago"),
        120..=7199 => format!("{}m ago", d / 60),
        _ => format!("{}h ago", d / 3600),
    }
}

async fn cmd_addfeed(shared: &Shared, args: &str, user_id: i64) -> String {
    let req = match manage::parse_add_args(args) {
        Ok(r) => r,
        Err(e) => return format!("Not added: {e}."),
    };
    match manage::add_feed(shared, req, Some(user_id)).await {
        Ok(added) => {
            let mut s = format!(
                "Added feed {}: {} ({} entries, marked as already seen).",
                added.feed.id,
                clip(&added.feed.name, 100),
                added.entries
            );
            match added.preview {
                Some(p) => s.push_str(&format!("\n\nLatest appeal, as subscribers would see it:\n\n{p}")),
                None => s.push_str("\n\nNo appeal among its current entries."),
            }
            s
        }
        Err(e) => format!("Not added: {e}."),
    }
}

fn cmd_removefeed(shared: &Shared, args: &str) -> String {
    if args.is_empty() {
        return "Give the feed's id or URL: /removefeed ID|URL".into();
    }
    match manage::find_feed(shared, args) {
        Ok(Some(f)) => match shared.store.remove_feed(f.id) {
            Ok(_) => format!("Removed feed {}: {}.", f.id, clip(&f.name, 100)),
            Err(e) => format!("Not removed: {e}."),
        },
        Ok(None) => format!("No feed {}. Send /feeds for the list.", clip(args, 80)),
        Err(e) => format!("Not removed: {e}."),
    }
}

async fn cmd_preview(shared: &Shared, bot: &Bot, args: &str, user_id: i64) -> String {
    let url = match manage::find_feed(shared, args) {
        Ok(Some(f)) => f.url,
        _ => args.to_string(),
    };
    let url = match manage::check_user_url(&url) {
        Ok(u) => u,
        Err(e) => return format!("No preview: {e}."),
    };
    let snap = match crate::poll::snapshot(
        shared,
        &url,
        &Default::default(),
        false,
        &[],
    )
    .await
    {
        Ok(Some(s)) => s,
        Ok(None) => return "No preview: the server answered 304.".into(),
        Err(e) => return format!("No preview: {}.", scrub(&e.to_string(), shared.config.token.as_deref())),
    };
    let feed = crate::store::FeedRecord {
        v: 1,
        id: 0,
        url: url.clone(),
        name: if snap.title.is_empty() { url.clone() } else { snap.title.clone() },
        hashtags: vec![],
        mode: "appeals".into(),
        from_config: false,
        etag: None,
        last_modified: None,
        added_by: None,
        added_at: 0,
        next_poll_at: None,
        health: Default::default(),
    };
    let appeals: Vec<_> = snap
        .entries
        .iter()
        .zip(&snap.verdicts)
        .filter(|(_, v)| v.is_appeal)
        .take(3)
        .collect();
    let total = snap.entries.len();
    if appeals.is_empty() {
        return format!("{}: {total} entries, none is an appeal; subscribers would get nothing now.", clip(&feed.name, 100));
    }
    for (e, v) in &appeals {
        let alert = crate::deliver::alert_from_record(&crate::poll::alert_record(&feed, e, v));
        let r = crate::deliver::render::render_alert(&alert);
        let _ = crate::deliver::telegram::send(
            bot,
            user_id,
            None,
            &r,
            shared.config.token.as_deref().unwrap_or(""),
        )
        .await;
    }
    format!(
        "{}: {total} entries, {} shown above as subscribers would get them (sent to you only).",
        clip(&feed.name, 100),
        appeals.len()
    )
}

async fn cmd_export(shared: &Shared, bot: &Bot, msg: &Message) -> String {
    let feeds = shared.store.feeds().unwrap_or_default();
    let opml = manage::export_opml(&feeds);
    let file = InputFile::memory(opml.into_bytes()).file_name("solibot-feeds.opml");
    match bot
        .send_document(msg.chat.id, file)
        .caption(format!("{} feeds", feeds.len()))
        .await
    {
        Ok(_) => String::new(),
        Err(e) => format!(
            "Could not send the file: {}",
            scrub(&e.to_string(), shared.config.token.as_deref())
        ),
    }
}

async fn cmd_import(shared: &Shared, bot: &Bot, msg: &Message, user_id: i64) -> String {
    let doc = msg
        .document()
        .or_else(|| msg.reply_to_message().and_then(|m| m.document()));
    let Some(doc) = doc else {
        return "Reply to an OPML file with /import (or send the file with /import as its caption).".into();
    };
    if doc.file.size > 1024 * 1024 {
        return "That file is too large for an OPML list (over 1 MB).".into();
    }
    let file = match bot.get_file(doc.file.id.clone()).await {
        Ok(f) => f,
        Err(e) => return format!("Could not get the file: {}", scrub(&e.to_string(), shared.config.token.as_deref())),
    };
    let mut bytes = Vec::new();
    if let Err(e) = teloxide::net::Download::download_file(bot, &file.path, &mut bytes).await {
        return format!("Could not download the file: {}", scrub(&e.to_string(), shared.config.token.as_deref()));
    }
    let outlines = match manage::parse_opml(&bytes) {
        Ok(o) => o,
        Err(e) => return format!("That is not an OPML file: {e}."),
    };
    let report = manage::import(shared, outlines, Some(user_id)).await;
    report.to_string()
}

fn cmd_stats(shared: &Shared) -> String {
    let feeds = shared.store.feeds().unwrap_or_default();
    let day = now_unix() / 86_400;
    let today = shared.store.stat(&format!("sent:{day}"));
    let week: u64 = (0..7).map(|d| shared.store.stat(&format!("sent:{}", day - d))).sum();
    let failing = feeds.iter().filter(|f| f.health.consecutive_failures > 0).count();
    let failures: u64 = shared.counters.failures().values().sum();
    format!(
        "Subscribers: {}\nFeeds: {} ({} failing)\nMessages sent today: {}\nMessages sent this week: {}\nWaiting in the outbox: {}\nDelivery failures since start: {}",
        shared.store.subscriber_count(),
        feeds.len(),
        failing,
        today,
        week,
        shared.store.outbox_len(),
        failures
    )
}

fn cmd_grant(shared: &Shared, args: &str, by: i64, grant: bool) -> String {
    let verb = if grant { "grant" } else { "revoke" };
    let Ok(id) = args.trim().parse::<i64>() else {
        return format!("Give a numeric Telegram user id: /{verb} USER_ID");
    };
    if id <= 0 {
        return format!("Give a numeric Telegram user id: /{verb} USER_ID");
    }
    let r = if grant {
        shared.store.grant(id, by)
    } else {
        shared.store.revoke(id)
    };
    match (grant, r) {
        (true, Ok(true)) => format!("User {id} is now an organizer."),
        (true, Ok(false)) => format!("User {id} was already an organizer."),
        (false, Ok(true)) => format!("User {id} is no longer an organizer."),
        (false, Ok(false)) => format!("User {id} was not an organizer."),
        (_, Err(e)) => format!("Failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_parsed_with_and_without_the_bot_name() {
        assert_eq!(parse_command("/start", "sb"), Some(("start".into(), "")));
        assert_eq!(parse_command("/AddFeed@sb https://x #a", "sb"), Some(("addfeed".into(), "https://x #a")));
        assert_eq!(parse_command("/start@other_bot", "sb"), None);
        assert_eq!(parse_command("hello", "sb"), None);
        assert_eq!(parse_command("/", "sb"), None);
    }

    #[test]
    fn help_shows_only_what_the_role_may_use() {
        assert!(!help_text(Role::Anyone).contains("/addfeed"));
        assert!(help_text(Role::Organizer).contains("/addfeed"));
        assert!(!help_text(Role::Organizer).contains("/grant"));
        assert!(help_text(Role::Admin).contains("/grant"));
    }
}
