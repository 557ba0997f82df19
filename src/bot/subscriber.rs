//! A chat's own commands: `/start`, `/stop`, `/follow`, `/unfollow`, `/mute`,
//! `/settings`, `/language`.
//!
//! In a group, supergroup or channel only the chat's administrators may change what it
//! gets; anyone may read `/settings`. Owns no state of its own: everything is in the
//! subscriber record and the chat settings of the store.

use super::Ctx;
use crate::choices::{self, FollowItem};
use crate::config::parse_duration;
use crate::i18n::Lang;
use crate::store::{SubscriberRecord, now_unix};
use teloxide::prelude::*;
use teloxide::types::{ChatKind, Message, PublicChatKind, ThreadId};

/// The longest `/mute`.
const MAX_MUTE_SECS: i64 = 30 * 86_400;

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

/// Whether the sender may change this chat's subscription and choices.
enum Right {
    Allowed,
    NotAdmin,
    /// getChatMember failed: nobody knows yet.
    Unknown,
}

async fn right_to_change(ctx: &Ctx<'_>) -> Right {
    if ctx.msg.chat.is_private() {
        return Right::Allowed;
    }
    match ctx.bot.get_chat_member(ctx.msg.chat.id, ctx.user.id).await {
        Ok(m) if m.is_privileged() => Right::Allowed,
        Ok(_) => Right::NotAdmin,
        Err(e) => {
            let error = ctx.scrubbed(&e);
            tracing::warn!(chat = ctx.msg.chat.id.0, error = %error, "getChatMember failed");
            Right::Unknown
        }
    }
}

/// The refusal to send when the sender may not change this chat (`not_admin` names
/// the reply for a member who is not an administrator), `None` when they may.
pub(super) async fn refusal(ctx: &Ctx<'_>, not_admin: &str) -> Option<String> {
    match right_to_change(ctx).await {
        Right::Allowed => None,
        Right::NotAdmin => Some(ctx.t(not_admin, &[])),
        Right::Unknown => Some(ctx.t("error.admin_check_failed", &[])),
    }
}

pub(super) async fn start(ctx: &Ctx<'_>) -> String {
    if let Some(refused) = refusal(ctx, "start.group_admins_only").await {
        return refused;
    }
    let msg = ctx.msg;
    let thread = msg
        .thread_id
        .filter(|_| msg.is_topic_message)
        .map(|ThreadId(id)| id.0);
    let chat_id = msg.chat.id.0;
    let existing = match ctx.shared.store.subscriber(chat_id) {
        Ok(s) => s,
        Err(e) => return ctx.failed("subscribe", &e),
    };
    if let Some(old) = existing {
        if old.thread_id == thread {
            return ctx.t("start.already", &[]);
        }
        return match ctx
            .shared
            .store
            .update_subscriber(chat_id, |s| s.thread_id = thread)
        {
            Ok(_) if thread.is_some() => ctx.t("start.moved_to_topic", &[]),
            Ok(_) => ctx.t("start.already", &[]),
            Err(e) => ctx.failed("subscribe", &e),
        };
    }
    let rec = SubscriberRecord {
        v: 1,
        chat_id,
        kind: chat_kind(msg).into(),
        language: ctx.user.language_code.clone(),
        since: now_unix(),
        thread_id: thread,
        follow_feeds: Vec::new(),
        follow_hashtags: Vec::new(),
        follow_kinds: Vec::new(),
        follow_langs: Vec::new(),
        muted_until: None,
        added_by: (!msg.chat.is_private()).then_some(ctx.user_id),
    };
    match ctx.shared.store.subscribe(&rec) {
        Ok(_) => ctx.t("start.ok", &[]),
        Err(e) => ctx.failed("subscribe", &e),
    }
}

pub(super) async fn stop(ctx: &Ctx<'_>) -> String {
    if let Some(refused) = refusal(ctx, "stop.group_admins_only").await {
        return refused;
    }
    let chat_id = ctx.msg.chat.id.0;
    let answer = match ctx.shared.store.unsubscribe(chat_id) {
        Ok(true) => ctx.t("stop.ok", &[]),
        Ok(false) => ctx.t("stop.not_subscribed", &[]),
        Err(e) => return ctx.failed("unsubscribe", &e),
    };
    if let Err(e) = ctx.shared.store.forget_chat_settings(chat_id) {
        tracing::warn!(chat = chat_id, error = %e, "cannot forget chat settings");
    }
    answer
}

/// `/follow ITEM …` (`on`) and `/unfollow ITEM …|all`.
pub(super) async fn follow(ctx: &Ctx<'_>, args: &str, on: bool) -> String {
    let usage = if on { "follow.usage" } else { "unfollow.usage" };
    if args.trim().is_empty() {
        return ctx.t(usage, &[]);
    }
    if let Some(refused) = refusal(ctx, "settings.group_admins_only").await {
        return refused;
    }
    let chat_id = ctx.msg.chat.id.0;
    match ctx.shared.store.subscriber(chat_id) {
        Ok(Some(_)) => {}
        Ok(None) => return ctx.t("settings.not_subscribed", &[]),
        Err(e) => return ctx.failed("follow", &e),
    }
    let clear_all = !on && args.trim().eq_ignore_ascii_case("all");
    let items = if clear_all {
        Vec::new()
    } else {
        match choices::parse_items(args) {
            Ok(items) => items,
            Err(bad) => {
                return ctx.t(
                    "follow.unknown_item",
                    &[("item", &crate::manage::clip(&bad, 40))],
                );
            }
        }
    };
    // Feeds must exist to be followed.
    if on {
        for item in &items {
            if let FollowItem::Feed(id) = item
                && !matches!(ctx.shared.store.feed(*id), Ok(Some(_)))
            {
                return ctx.t("follow.no_feed", &[("id", &id.to_string())]);
            }
        }
    }
    let changed = ctx.shared.store.update_subscriber(chat_id, |s| {
        if clear_all {
            choices::clear(s);
        } else {
            for item in &items {
                choices::apply(s, item, on);
            }
        }
    });
    match changed {
        Ok(Some(rec)) => {
            let key = if on { "follow.ok" } else { "unfollow.ok" };
            format!("{}\n\n{}", ctx.t(key, &[]), describe(ctx, &rec))
        }
        Ok(None) => ctx.t("settings.not_subscribed", &[]),
        Err(e) => ctx.failed("follow", &e),
    }
}

/// `/mute 2h` or `/mute off`.
pub(super) async fn mute(ctx: &Ctx<'_>, args: &str) -> String {
    let arg = args.trim().to_ascii_lowercase();
    if arg.is_empty() {
        return ctx.t("mute.usage", &[]);
    }
    let until = if matches!(arg.as_str(), "off" | "0" | "no") {
        None
    } else {
        match parse_duration(&arg).map(|d| d.as_secs() as i64) {
            Some(s) if (60..=MAX_MUTE_SECS).contains(&s) => Some(now_unix() + s),
            Some(s) if s > MAX_MUTE_SECS => return ctx.t("mute.too_long", &[]),
            _ => return ctx.t("mute.usage", &[]),
        }
    };
    if let Some(refused) = refusal(ctx, "settings.group_admins_only").await {
        return refused;
    }
    match ctx
        .shared
        .store
        .update_subscriber(ctx.msg.chat.id.0, |s| s.muted_until = until)
    {
        Ok(Some(_)) => match until {
            Some(t) => ctx.t("mute.on", &[("until", &utc_time(t))]),
            None => ctx.t("mute.off", &[]),
        },
        Ok(None) => ctx.t("settings.not_subscribed", &[]),
        Err(e) => ctx.failed("mute", &e),
    }
}

pub(super) fn settings(ctx: &Ctx<'_>) -> String {
    match ctx.shared.store.subscriber(ctx.msg.chat.id.0) {
        Ok(Some(rec)) => format!(
            "{}\n\n{}\n{}",
            ctx.t("settings.header", &[]),
            describe(ctx, &rec),
            ctx.t(
                "settings.language",
                &[(
                    "lang",
                    ctx.t(&format!("lang.{}", ctx.lang.code()), &[]).as_str()
                )]
            )
        ),
        Ok(None) => format!(
            "{}\n{}",
            ctx.t("settings.not_subscribed", &[]),
            ctx.t(
                "settings.language",
                &[(
                    "lang",
                    ctx.t(&format!("lang.{}", ctx.lang.code()), &[]).as_str()
                )]
            )
        ),
        Err(e) => ctx.failed("settings", &e),
    }
}

/// The choices of a chat, one line each, in the reply language.
fn describe(ctx: &Ctx<'_>, rec: &SubscriberRecord) -> String {
    let mut lines = Vec::new();
    let any = ctx.t("settings.any", &[]);
    let list = |v: Vec<String>| {
        if v.is_empty() {
            any.clone()
        } else {
            v.join(", ")
        }
    };
    let feeds: Vec<String> = rec
        .follow_feeds
        .iter()
        .map(|id| match ctx.shared.store.feed(*id) {
            Ok(Some(f)) => format!("{id} ({})", crate::manage::clip(&f.name, 40)),
            _ => id.to_string(),
        })
        .collect();
    lines.push(ctx.t("settings.feeds", &[("list", &list(feeds))]));
    lines.push(ctx.t(
        "settings.hashtags",
        &[("list", &list(rec.follow_hashtags.clone()))],
    ));
    let kinds = rec
        .follow_kinds
        .iter()
        .map(|k| ctx.t(&format!("kind.{k}"), &[]))
        .collect();
    lines.push(ctx.t("settings.kinds", &[("list", &list(kinds))]));
    lines.push(ctx.t(
        "settings.langs",
        &[("list", &list(rec.follow_langs.clone()))],
    ));
    match rec.muted_until.filter(|t| *t > now_unix()) {
        Some(t) => lines.push(ctx.t("settings.muted", &[("until", &utc_time(t))])),
        None => lines.push(ctx.t("settings.not_muted", &[])),
    }
    if choices::has_choices(rec) {
        lines.push(ctx.t("settings.rule", &[]));
    }
    lines.join("\n")
}

/// `2025-05-01 14:30 UTC`.
fn utc_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| t.to_string())
}

/// `/language en|ar|fr` (or `auto` to follow the Telegram app again).
pub(super) async fn language(ctx: &Ctx<'_>, args: &str) -> String {
    let arg = args.trim();
    if arg.is_empty() {
        return ctx.t("language.usage", &[]);
    }
    let choice = if arg.eq_ignore_ascii_case("auto") {
        None
    } else {
        match Lang::parse(arg) {
            Some(l) => Some(l),
            None => return ctx.t("language.usage", &[]),
        }
    };
    if let Some(refused) = refusal(ctx, "settings.group_admins_only").await {
        return refused;
    }
    if let Err(e) = ctx
        .shared
        .store
        .set_chat_language(ctx.msg.chat.id.0, choice.map(Lang::code))
    {
        return ctx.failed("set language", &e);
    }
    let now = choice.unwrap_or_else(|| Lang::from_code(ctx.user.language_code.as_deref()));
    crate::i18n::t(now, "language.ok", &[])
}
