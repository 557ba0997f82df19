//! Review before broadcast, the bot's side: `/trust ID` and `/review ID` (admins), the
//! Approve and Reject presses on a held alert's preview (`callback_query`), and the
//! review line of `/stats`.
//!
//! A press: only the feed's adder and the admins may decide. The decision (and, for an
//! approval, one outbox record per subscriber the alert is for) is one store
//! transaction, flushed before Telegram is answered, so repeated or concurrent presses
//! act once and a crash after the answer loses nothing. Then the pressed preview is
//! edited to say who decided (its buttons go).
//!
//! Must not: send alerts itself (an approval queues them for the delivery worker).

use super::{Ctx, chat_lang, no_preview, obeying_retry_after};
use crate::context::Shared;
use crate::deliver::preview;
use crate::i18n::{Lang, t};
use crate::manage::clip;
use crate::store::{Decided, HeldRecord, HeldState, StoreError, decision_now, now_unix};
use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, ParseMode};

/// `/trust ID` (`review` false) and `/review ID` (`review` true).
pub(super) async fn set_review(ctx: &Ctx<'_>, args: &str, review: bool) -> String {
    let usage = if review {
        "review.usage"
    } else {
        "trust.usage"
    };
    if args.trim().is_empty() {
        return ctx.t(usage, &[]);
    }
    let feed = match crate::manage::find_feed(ctx.shared, args) {
        Ok(Some(f)) => f,
        Ok(None) => return ctx.t("feed.not_found", &[("feed", &clip(args, 80))]),
        Err(e) => return ctx.failed("find feed", &e),
    };
    let changed = ctx
        .shared
        .store
        .modify_feed(feed.id, &|r| r.review = review);
    match changed {
        Ok(Some(_)) => {}
        Ok(None) => return ctx.t("feed.not_found", &[("feed", &clip(args, 80))]),
        Err(e) => return ctx.failed("set review", &e),
    }
    // An admin who trusts a feed also takes back the raise its alerts marked wrong gave.
    if !review && let Err(e) = crate::feedback::reset_feedback_threshold(&ctx.shared.store, feed.id)
    {
        return ctx.failed("reset the feed's threshold", &e);
    }
    if let Err(e) = ctx.shared.store.flush().await {
        return ctx.failed("set review", &e);
    }
    tracing::info!(
        feed = feed.id,
        review,
        by = ctx.user_id,
        "feed review changed"
    );
    let key = if review { "review.ok" } else { "trust.ok" };
    ctx.t(
        key,
        &[
            ("id", &feed.id.to_string()),
            ("name", &clip(&feed.name, 100)),
        ],
    )
}

/// The `/stats` line: appeals held, and how many are waiting, approved, rejected, expired.
pub(super) fn stats_line(ctx: &Ctx<'_>) -> String {
    match ctx.shared.store.held_counts() {
        Ok(c) => ctx.tv(
            "stats.review",
            &[
                ("held", c.held.into()),
                ("pending", c.pending.into()),
                ("approved", c.approved.into()),
                ("rejected", c.rejected.into()),
                ("expired", c.expired.into()),
            ],
        ),
        Err(e) => {
            tracing::warn!(error = %e, "cannot count held appeals");
            String::new()
        }
    }
}

/// A press on a preview's button: decide, answer the press, edit the preview.
pub(super) async fn on_callback(shared: &Shared, bot: &Bot, q: &CallbackQuery) {
    let lang = chat_lang(shared, q.from.id.0 as i64, Some(&q.from));
    let (text, decided) = decide(shared, q, lang).await;
    let answer = bot
        .answer_callback_query(q.id.clone())
        .text(clip(&text, 190))
        .await;
    if let Err(e) = answer {
        tracing::warn!(error = %e, "cannot answer a button press");
    }
    if let Some(rec) = decided {
        edit_preview(shared, bot, q, &rec, lang).await;
    }
}

/// Acts on a press; the answer's text, and the held record when this press decided it
/// (or found it expired), for the preview's edit.
async fn decide(shared: &Shared, q: &CallbackQuery, lang: Lang) -> (String, Option<HeldRecord>) {
    let gone = || (t(lang, "review.gone", &[]), None);
    let Some((approve, alert_id)) = q.data.as_deref().and_then(preview::parse_callback) else {
        return gone();
    };
    let user = q.from.id.0 as i64;
    let held = match shared.store.held(alert_id) {
        Ok(Some(h)) => h,
        Ok(None) => return gone(),
        Err(e) => return failed(lang, &e),
    };
    if !may_decide(shared, &held, user) {
        return (t(lang, "review.not_allowed", &[]), None);
    }
    let (state, recipients) = if approve {
        match recipients(shared, &held) {
            Ok(r) => (HeldState::Approved, r),
            Err(e) => return failed(lang, &e),
        }
    } else {
        (HeldState::Rejected, Vec::new())
    };
    let decision = decision_now(state, user, &clip(&q.from.full_name(), 64));
    match shared.store.decide(alert_id, &decision, &recipients).await {
        Ok(Decided::Taken(rec, keys)) => {
            tracing::info!(
                alert = alert_id,
                by = user,
                ?state,
                queued = keys.len(),
                "held appeal decided"
            );
            if !keys.is_empty() {
                shared.notify_outbox(keys);
            }
            let key = if approve {
                "review.approved"
            } else {
                "review.rejected"
            };
            (t(lang, key, &[]), Some(rec))
        }
        Ok(Decided::Already(rec)) => (already(lang, &rec), None),
        Ok(Decided::Expired(rec)) => (t(lang, "review.expired", &[]), Some(rec)),
        Ok(Decided::Missing) => gone(),
        Err(e) => failed(lang, &e),
    }
}

fn failed(lang: Lang, e: &StoreError) -> (String, Option<HeldRecord>) {
    tracing::error!(error = %e, "deciding on a held appeal failed");
    (t(lang, "error.generic", &[]), None)
}

/// The admins, and the organizer who added the feed.
fn may_decide(shared: &Shared, held: &HeldRecord, user: i64) -> bool {
    if shared.config.admins.contains(&user) {
        return true;
    }
    matches!(shared.store.feed(held.feed_id), Ok(Some(f)) if f.added_by == Some(user))
}

/// The subscribed chats (and topics) the held alert goes to, by their choices now.
fn recipients(shared: &Shared, held: &HeldRecord) -> Result<Vec<(i64, Option<i32>)>, StoreError> {
    let Some(alert) = shared.store.alert(held.alert_id)? else {
        return Ok(Vec::new());
    };
    let hashtags = shared
        .store
        .feed(held.feed_id)?
        .map(|f| f.hashtags)
        .unwrap_or_default();
    let now = now_unix();
    Ok(shared
        .store
        .subscribers()?
        .iter()
        .filter(|s| crate::choices::wants(s, &alert, &hashtags, now))
        .map(|s| (s.chat_id, s.thread_id))
        .collect())
}

/// What a press on an appeal decided before answers.
fn already(lang: Lang, rec: &HeldRecord) -> String {
    let name = rec.decision.as_ref().map_or("", |d| d.by_name.as_str());
    match rec.state {
        HeldState::Approved => t(lang, "review.already.approved", &[("name", name)]),
        HeldState::Rejected => t(lang, "review.already.rejected", &[("name", name)]),
        HeldState::Expired => t(lang, "review.expired", &[]),
        HeldState::Pending => t(lang, "review.gone", &[]),
    }
}

/// The line that replaces the preview's reason once decided.
fn decided_line(lang: Lang, rec: &HeldRecord) -> String {
    let name = rec.decision.as_ref().map_or("", |d| d.by_name.as_str());
    match rec.state {
        HeldState::Approved => t(lang, "review.done.approved", &[("name", name)]),
        HeldState::Rejected => t(lang, "review.done.rejected", &[("name", name)]),
        _ => t(lang, "review.done.expired", &[]),
    }
}

/// Rewrites the pressed preview: the decision above the alert, no buttons.
async fn edit_preview(shared: &Shared, bot: &Bot, q: &CallbackQuery, rec: &HeldRecord, lang: Lang) {
    let Some(msg) = &q.message else {
        return;
    };
    let Ok(Some(alert)) = shared.store.alert(rec.alert_id) else {
        return;
    };
    let (chat, id) = (msg.chat().id, msg.id());
    let shown = preview::with_header(&alert, &decided_line(lang, rec));
    let edited = obeying_retry_after(&shared.pace, chat.0, || {
        bot.edit_message_text(chat, id, shown.html.clone())
            .parse_mode(ParseMode::Html)
            .link_preview_options(no_preview())
            .send()
    })
    .await;
    if let Err(e) = edited {
        tracing::warn!(chat = chat.0, error = %e, "cannot edit the preview");
    }
}
