//! Organizer and admin commands: `/feeds` (health for organizers), `/addfeed`,
//! `/editfeed`, `/removefeed`, `/preview`, `/addchannel`, `/removechannel`, `/export`,
//! `/import`, `/stats`, `/grant`, `/revoke`.
//!
//! Feed validation and OPML live in [`crate::manage`] (shared with the command line);
//! this module only turns them into replies. Permissions are checked by the caller.

use super::{Ctx, Role};
use crate::i18n::{Arg, Lang};
use crate::manage::{self, clip};
use crate::store::{SubscriberRecord, now_unix};
use teloxide::prelude::*;
use teloxide::types::{InputFile, Recipient};

pub(super) fn feeds(ctx: &Ctx<'_>) -> String {
    let feeds = match ctx.shared.store.feeds() {
        Ok(f) => f,
        Err(e) => return ctx.failed("list feeds", &e),
    };
    if feeds.is_empty() {
        return ctx.t("feeds.none", &[]);
    }
    let mut s = ctx.tn("feeds.header", feeds.len(), &[]);
    for f in &feeds {
        s.push('\n');
        let tags = if f.hashtags.is_empty() {
            String::new()
        } else {
            f.hashtags.join(" ")
        };
        s.push_str(&ctx.t(
            "feeds.line",
            &[
                ("id", &f.id.to_string()),
                ("name", &clip(&f.name, 80)),
                ("tags", &tags),
            ],
        ));
        if f.review {
            s.push('\n');
            s.push_str(&ctx.t("feeds.under_review", &[]));
        }
        if ctx.role >= Role::Organizer {
            let h = &f.health;
            s.push('\n');
            s.push_str(&ctx.t(
                "feeds.url_mode",
                &[("url", &clip(&f.url, 120)), ("mode", &f.mode)],
            ));
            s.push('\n');
            let never = ctx.t("time.never", &[]);
            let success = h.last_success.map(|t| ago(ctx.lang, t));
            s.push_str(&ctx.tv(
                "feeds.health",
                &[
                    ("success", Arg::Text(success.as_ref().unwrap_or(&never))),
                    ("seen", h.entries_seen.into()),
                    ("appeals", h.appeals_sent.into()),
                ],
            ));
            if let Some(line) = super::verdict::threshold_line(ctx, f.id) {
                s.push('\n');
                s.push_str(&line);
            }
            if let Some(err) = &h.last_error {
                let when = h.last_error_at.map(|t| ago(ctx.lang, t)).unwrap_or(never);
                let args = [("error", clip(err, 160)), ("when", when)];
                let args = args.each_ref().map(|(k, v)| (*k, v.as_str()));
                s.push('\n');
                s.push_str(&match h.consecutive_failures {
                    0 => ctx.t("feeds.last_error", &args),
                    n => ctx.tn("feeds.failing", n as usize, &args),
                });
            }
        }
    }
    s
}

/// "5s ago", "3m ago", "2h ago", "4d ago" in `lang`.
pub(super) fn ago(lang: Lang, t: i64) -> String {
    let d = (now_unix() - t).max(0);
    let (key, n) = match d {
        0..=119 => ("time.s_ago", d),
        120..=7199 => ("time.m_ago", d / 60),
        7200..=172_799 => ("time.h_ago", d / 3600),
        _ => ("time.d_ago", d / 86_400),
    };
    crate::i18n::tn(lang, key, n as u64, &[])
}

pub(super) async fn addfeed(ctx: &Ctx<'_>, args: &str) -> String {
    let req = match manage::parse_add_args(args) {
        Ok(r) => r,
        Err(e) => return ctx.t("addfeed.refused", &[("why", &e.message(ctx.lang))]),
    };
    match manage::add_feed(ctx.shared, req, Some(ctx.user_id)).await {
        Ok(added) => {
            let mut s = ctx.tn(
                "addfeed.ok",
                added.entries,
                &[
                    ("id", &added.feed.id.to_string()),
                    ("name", &clip(&added.feed.name, 100)),
                ],
            );
            s.push_str("\n\n");
            match added.preview {
                Some(p) => {
                    s.push_str(&ctx.t("addfeed.preview", &[]));
                    s.push_str("\n\n");
                    s.push_str(&p);
                }
                None => s.push_str(&ctx.t("addfeed.no_appeal", &[])),
            }
            s
        }
        Err(e) => ctx.t(
            "addfeed.refused",
            &[("why", &manage::add_error_message(&e, ctx.lang, ctx.token()))],
        ),
    }
}

pub(super) fn editfeed(ctx: &Ctx<'_>, args: &str) -> String {
    let edit = match manage::parse_edit_args(args) {
        Ok(e) => e,
        Err(e) => return ctx.t("editfeed.refused", &[("why", &e.message(ctx.lang))]),
    };
    match manage::edit_feed(ctx.shared, &edit) {
        Ok(Some(f)) => ctx.t(
            "editfeed.ok",
            &[
                ("id", &f.id.to_string()),
                ("name", &clip(&f.name, 100)),
                ("tags", &f.hashtags.join(" ")),
                ("mode", &f.mode),
            ],
        ),
        Ok(None) => ctx.t("feed.not_found", &[("feed", &clip(&edit.feed, 80))]),
        Err(e) => ctx.failed("edit feed", &e),
    }
}

pub(super) fn removefeed(ctx: &Ctx<'_>, args: &str) -> String {
    if args.is_empty() {
        return ctx.t("removefeed.usage", &[]);
    }
    match manage::find_feed(ctx.shared, args) {
        Ok(Some(f)) => match ctx.shared.store.remove_feed(f.id) {
            Ok(_) => ctx.t(
                "removefeed.ok",
                &[("id", &f.id.to_string()), ("name", &clip(&f.name, 100))],
            ),
            Err(e) => ctx.failed("remove feed", &e),
        },
        Ok(None) => ctx.t("feed.not_found", &[("feed", &clip(args, 80))]),
        Err(e) => ctx.failed("find feed", &e),
    }
}

pub(super) async fn preview(ctx: &Ctx<'_>, args: &str) -> String {
    if args.trim().is_empty() {
        return ctx.t("preview.usage", &[]);
    }
    let (feed, url) = match manage::find_feed(ctx.shared, args) {
        Ok(Some(f)) => (Some(f.clone()), f.url),
        _ => (None, args.trim().to_string()),
    };
    let url = match feed.as_ref() {
        // A stored feed may be a file feed of the config: preview it as stored.
        Some(f) if f.from_config => url,
        _ => match manage::check_user_url(&url) {
            Ok(u) => u,
            Err(e) => {
                return ctx.t(
                    "preview.failed",
                    &[("why", &manage::add_error_message(&e, ctx.lang, ctx.token()))],
                );
            }
        },
    };
    let allow_files = feed.as_ref().is_some_and(|f| f.from_config);
    let hashtags = feed
        .as_ref()
        .map(|f| f.hashtags.clone())
        .unwrap_or_default();
    let partner = feed.as_ref().map(|f| f.name.clone()).unwrap_or_default();
    let snap = match crate::poll::snapshot(
        ctx.shared,
        &url,
        &Default::default(),
        allow_files,
        &hashtags,
        &partner,
    )
    .await
    {
        Ok(crate::poll::Polled::Changed(s)) => s,
        Ok(crate::poll::Polled::NotModified { .. }) => return ctx.t("preview.not_modified", &[]),
        Err(e) => {
            let e = manage::AddError::from(e);
            return ctx.t(
                "preview.failed",
                &[("why", &manage::add_error_message(&e, ctx.lang, ctx.token()))],
            );
        }
    };
    let record = feed.unwrap_or_else(|| {
        let name = if snap.title.is_empty() {
            &url
        } else {
            &snap.title
        };
        crate::store::FeedRecord::new(url.clone(), name.clone())
    });
    let appeals: Vec<_> = snap
        .entries
        .iter()
        .zip(&snap.verdicts)
        .filter(|(_, v)| v.is_appeal)
        .take(3)
        .collect();
    let total = snap.entries.len();
    let name = clip(&record.name, 100);
    if appeals.is_empty() {
        return ctx.tn("preview.none", total, &[("name", &name)]);
    }
    for (e, v) in &appeals {
        let rec = crate::poll::dated_alert_record(&ctx.shared.config, &record, e, v);
        let alert = crate::deliver::alert_from_record(&rec);
        let r = crate::deliver::render::render_alert(&alert);
        send_preview(ctx, &r).await;
    }
    ctx.tn(
        "preview.shown",
        total,
        &[("name", &name), ("shown", &appeals.len().to_string())],
    )
}

/// One previewed alert to the organizer, sent again after each 429 like a reply.
async fn send_preview(ctx: &Ctx<'_>, r: &crate::deliver::render::Rendered) {
    use crate::deliver::telegram::{Options, SendOutcome, send};
    for _ in 0..super::REPLY_ATTEMPTS {
        let turn = ctx.shared.pace.turn(ctx.user_id).await;
        let options = Options {
            token: ctx.token().unwrap_or(""),
            paid: ctx.shared.config.paid_broadcast,
        };
        let outcome = send(ctx.bot, (ctx.user_id, None), r, &[], &options).await;
        drop(turn);
        match outcome {
            (SendOutcome::RetryAfter(wait), _, _) => tokio::time::sleep(wait).await,
            (SendOutcome::Sent, _, _) => return,
            (other, _, _) => {
                tracing::warn!(chat = ctx.user_id, outcome = ?other, "preview not sent");
                return;
            }
        }
    }
}

/// `@name` or a numeric id, as Telegram takes it.
fn recipient(arg: &str) -> Option<Recipient> {
    let arg = arg.trim();
    if let Ok(id) = arg.parse::<i64>() {
        return Some(Recipient::Id(ChatId(id)));
    }
    let name = arg
        .strip_prefix("https://t.me/")
        .or_else(|| arg.strip_prefix("t.me/"))
        .unwrap_or(arg);
    let name = name.strip_prefix('@').unwrap_or(name);
    let ok = (4..=32).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    ok.then(|| Recipient::ChannelUsername(format!("@{name}")))
}

pub(super) async fn addchannel(ctx: &Ctx<'_>, args: &str) -> String {
    let Some(to) = recipient(args) else {
        return ctx.t("addchannel.usage", &[]);
    };
    let chat = match ctx.bot.get_chat(to).await {
        Ok(c) => c,
        Err(e) => return ctx.t("channel.not_found", &[("why", &ctx.scrubbed(&e))]),
    };
    let title = chat.title().unwrap_or_default().to_string();
    let shown = match chat.username() {
        Some(u) => format!("@{u}"),
        None => chat.id.0.to_string(),
    };
    if !chat.is_channel() {
        return ctx.t("addchannel.not_channel", &[("chat", &shown)]);
    }
    let bot_member = match ctx.bot.get_chat_member(chat.id, ctx.me.id).await {
        Ok(m) => m,
        Err(e) => return ctx.t("channel.not_found", &[("why", &ctx.scrubbed(&e))]),
    };
    if !bot_member.kind.can_post_messages() {
        return ctx.t("addchannel.bot_not_admin", &[("chat", &shown)]);
    }
    // The organizer must run the channel too (admins of the bot may attach any).
    if ctx.role < Role::Admin {
        match ctx.bot.get_chat_member(chat.id, ctx.user.id).await {
            Ok(m) if m.is_privileged() => {}
            Ok(_) => return ctx.t("addchannel.user_not_admin", &[("chat", &shown)]),
            Err(e) => {
                tracing::warn!(chat = chat.id.0, error = %ctx.scrubbed(&e), "getChatMember failed");
                return ctx.t("error.admin_check_failed", &[]);
            }
        }
    }
    let rec = SubscriberRecord {
        v: 1,
        chat_id: chat.id.0,
        kind: "channel".into(),
        language: None,
        since: now_unix(),
        thread_id: None,
        follow_feeds: Vec::new(),
        follow_hashtags: Vec::new(),
        follow_kinds: Vec::new(),
        follow_langs: Vec::new(),
        muted_until: None,
        added_by: Some(ctx.user_id),
    };
    match ctx.shared.store.subscriber(chat.id.0) {
        Ok(Some(_)) => {
            return ctx.t(
                "addchannel.already",
                &[("chat", &shown), ("title", &clip(&title, 80))],
            );
        }
        Ok(None) => {}
        Err(e) => return ctx.failed("subscribe channel", &e),
    }
    match ctx.shared.store.subscribe(&rec) {
        Ok(_) => ctx.t(
            "addchannel.ok",
            &[
                ("chat", &shown),
                ("title", &clip(&title, 80)),
                ("id", &chat.id.0.to_string()),
            ],
        ),
        Err(e) => ctx.failed("subscribe channel", &e),
    }
}

pub(super) async fn removechannel(ctx: &Ctx<'_>, args: &str) -> String {
    let Some(to) = recipient(args) else {
        return ctx.t("removechannel.usage", &[]);
    };
    let id = match to {
        Recipient::Id(id) => id.0,
        other => match ctx.bot.get_chat(other).await {
            Ok(c) => c.id.0,
            Err(e) => return ctx.t("channel.not_found", &[("why", &ctx.scrubbed(&e))]),
        },
    };
    let shown = args.trim();
    match ctx.shared.store.subscriber(id) {
        Ok(Some(s)) if s.kind == "channel" => match ctx.shared.store.unsubscribe(id) {
            Ok(_) => {
                let _ = ctx.shared.store.forget_chat_settings(id);
                ctx.t("removechannel.ok", &[("chat", &clip(shown, 80))])
            }
            Err(e) => ctx.failed("unsubscribe channel", &e),
        },
        Ok(_) => ctx.t(
            "removechannel.not_subscribed",
            &[("chat", &clip(shown, 80))],
        ),
        Err(e) => ctx.failed("unsubscribe channel", &e),
    }
}

pub(super) async fn export(ctx: &Ctx<'_>) -> String {
    let feeds = match ctx.shared.store.feeds() {
        Ok(f) => f,
        Err(e) => return ctx.failed("export", &e),
    };
    let opml = manage::export_opml(&feeds);
    let file = InputFile::memory(opml.into_bytes()).file_name("solibot-feeds.opml");
    let caption = ctx.tn("export.caption", feeds.len(), &[]);
    let sent = super::obeying_retry_after(&ctx.shared.pace, ctx.msg.chat.id.0, || {
        let mut req = ctx
            .bot
            .send_document(ctx.msg.chat.id, file.clone())
            .caption(caption.clone())
            .allow_paid_broadcast(ctx.shared.config.paid_broadcast);
        if let Some(t) = ctx.msg.thread_id.filter(|_| ctx.msg.is_topic_message) {
            req = req.message_thread_id(t);
        }
        req.send()
    })
    .await;
    match sent {
        Ok(_) => String::new(),
        Err(e) => ctx.t("export.failed", &[("why", &ctx.scrubbed(&e))]),
    }
}

pub(super) async fn import(ctx: &Ctx<'_>) -> String {
    let msg = ctx.msg;
    let doc = msg
        .document()
        .or_else(|| msg.reply_to_message().and_then(|m| m.document()));
    let Some(doc) = doc else {
        return ctx.t("import.usage", &[]);
    };
    if doc.file.size > manage::MAX_OPML_BYTES as u32 {
        return ctx.t("import.too_large", &[]);
    }
    let file = match ctx.bot.get_file(doc.file.id.clone()).await {
        Ok(f) => f,
        Err(e) => return ctx.t("import.download_failed", &[("why", &ctx.scrubbed(&e))]),
    };
    let mut bytes = Vec::new();
    if let Err(e) = teloxide::net::Download::download_file(ctx.bot, &file.path, &mut bytes).await {
        return ctx.t("import.download_failed", &[("why", &ctx.scrubbed(&e))]);
    }
    let outlines = match manage::parse_opml(&bytes) {
        Ok(o) => o,
        Err(e) => return ctx.t("import.not_opml", &[("why", &clip(&e, 200))]),
    };
    let report = manage::import(ctx.shared, outlines, Some(ctx.user_id)).await;
    report.render(ctx.lang, ctx.token())
}

pub(super) fn stats(ctx: &Ctx<'_>) -> String {
    let store = &ctx.shared.store;
    let feeds = store.feeds().unwrap_or_default();
    let day = now_unix() / 86_400;
    let today = store.stat(&format!("sent:{day}"));
    let week: u64 = (0..7)
        .map(|d| store.stat(&format!("sent:{}", day - d)))
        .sum();
    let failing = feeds
        .iter()
        .filter(|f| f.health.consecutive_failures > 0)
        .count();
    let failures: u64 = ctx.shared.counters.failures().values().sum();
    let subs = store.subscribers().unwrap_or_default();
    let count = |kinds: &[&str]| {
        subs.iter()
            .filter(|s| kinds.contains(&s.kind.as_str()))
            .count()
    };
    let muted = subs
        .iter()
        .filter(|s| s.muted_until.is_some_and(|t| t > now_unix()))
        .count();
    let private = ctx.tn("stats.private", count(&["private"]), &[]);
    let groups = ctx.tn("stats.groups", count(&["group", "supergroup"]), &[]);
    let channels = ctx.tn("stats.channels", count(&["channel"]), &[]);
    let mut s = ctx.tv(
        "stats.text",
        &[
            ("subscribers", subs.len().into()),
            ("private", Arg::Text(&private)),
            ("groups", Arg::Text(&groups)),
            ("channels", Arg::Text(&channels)),
            ("muted", muted.into()),
            ("feeds", feeds.len().into()),
            ("failing", failing.into()),
            ("today", today.into()),
            ("week", week.into()),
            ("outbox", store.outbox_len().into()),
            ("failures", failures.into()),
        ],
    );
    s.push('\n');
    s.push_str(&super::review::stats_line(ctx));
    s
}

pub(super) fn grant(ctx: &Ctx<'_>, args: &str, grant: bool) -> String {
    let usage = if grant { "grant.usage" } else { "revoke.usage" };
    let id = match args.trim().parse::<i64>() {
        Ok(id) if id > 0 => id,
        _ => return ctx.t(usage, &[]),
    };
    let r = if grant {
        ctx.shared.store.grant(id, ctx.user_id)
    } else {
        ctx.shared.store.revoke(id)
    };
    let key = match (grant, r) {
        (true, Ok(true)) => "grant.ok",
        (true, Ok(false)) => "grant.already",
        (false, Ok(true)) => "revoke.ok",
        (false, Ok(false)) => "revoke.not",
        (_, Err(e)) => return ctx.failed("grant", &e),
    };
    ctx.t(key, &[("id", &id.to_string())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_and_ids() {
        assert_eq!(
            recipient("@relief_news"),
            Some(Recipient::ChannelUsername("@relief_news".into()))
        );
        assert_eq!(
            recipient("relief_news"),
            Some(Recipient::ChannelUsername("@relief_news".into()))
        );
        assert_eq!(
            recipient("https://t.me/relief_news"),
            Some(Recipient::ChannelUsername("@relief_news".into()))
        );
        assert_eq!(
            recipient("-1001234567890"),
            Some(Recipient::Id(ChatId(-1001234567890)))
        );
        assert_eq!(recipient(""), None);
        assert_eq!(recipient("@a b"), None);
        assert_eq!(recipient("@x"), None);
    }
}
