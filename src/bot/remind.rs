//! Reminders before an alert's event: `/remind on|off` (a chat's choice, kept in its
//! settings) and the reminder task, which queues each reminder `dates.remind_before`
//! ahead of the event's start (`when`), worded in the chat's language, as a plain-text
//! notice in the outbox (same limits, retries and crash safety as alerts).
//!
//! The delivery worker notes a reminder when an alert with a `when` still ahead reaches a
//! chat that asked for them ([`crate::store::Store::note_reminders`]); this task sleeps
//! until the earliest one is due (woken earlier when one is noted), then queues it with
//! the record that it was queued in one store transaction: at most one reminder per
//! alert and chat, across restarts and crashes. A reminder is dropped instead when the
//! chat no longer wants it (reminders off, unsubscribed, muted), when the event has
//! started, or when the alert itself reached the chat within `remind_before` of the event.
//! The task is owned by [`crate::app`] and stops with its cancellation token.
//!
//! Must not: send (the delivery worker does), or remind of alerts a chat did not get.

use super::Ctx;
use crate::context::Shared;
use crate::deliver::calendar::{AlertDate, when_line};
use crate::deliver::reader::chat_lang;
use crate::i18n::{Lang, t, tn};
use crate::manage::clip;
use crate::store::{ReminderRecord, now_unix};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How long the task waits before looking again after the store failed.
const RETRY_AFTER_ERROR: Duration = Duration::from_secs(60);

/// `/remind on` or `/remind off`.
pub(super) async fn remind(ctx: &Ctx<'_>, args: &str) -> String {
    let on = match args.trim().to_ascii_lowercase().as_str() {
        "on" | "yes" | "1" => true,
        "off" | "no" | "0" => false,
        _ => return ctx.t("remind.usage", &[]),
    };
    if let Some(refused) = super::subscriber::refusal(ctx, "settings.group_admins_only").await {
        return refused;
    }
    let chat = ctx.msg.chat.id.0;
    match ctx.shared.store.subscriber(chat) {
        Ok(Some(_)) => {}
        Ok(None) => return ctx.t("settings.not_subscribed", &[]),
        Err(e) => return ctx.failed("remind", &e),
    }
    match ctx.shared.store.set_reminders(chat, on) {
        Ok(()) if on => {
            let before = lead_text(ctx.lang, ctx.shared.config.remind_before);
            ctx.t("remind.on", &[("before", &before)])
        }
        Ok(()) => ctx.t("remind.off", &[]),
        Err(e) => ctx.failed("remind", &e),
    }
}

/// `3 h`, `90 min`, `20 s` in `lang`.
fn lead_text(lang: Lang, d: Duration) -> String {
    let s = d.as_secs();
    let (key, n) = match s {
        _ if s % 3600 == 0 => ("remind.hours", s / 3600),
        _ if s % 60 == 0 => ("remind.minutes", s / 60),
        _ => ("remind.seconds", s),
    };
    tn(lang, key, n, &[])
}

/// Queues reminders as they fall due until cancelled.
pub async fn run(shared: Arc<Shared>, cancel: CancellationToken) {
    let before = i64::try_from(shared.config.remind_before.as_secs()).unwrap_or(i64::MAX);
    if let Err(e) = shared.store.prune_reminded() {
        tracing::warn!(error = %e, "cannot prune the reminders sent");
    }
    loop {
        queue_due(&shared, before).await;
        let wait = match shared.store.next_reminder_at() {
            Ok(next) => next.map(|when| until_due(when, before)),
            Err(e) => {
                tracing::error!(error = %e, "cannot read the reminders");
                Some(RETRY_AFTER_ERROR)
            }
        };
        let timer = async {
            match wait {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = shared.store.reminder_added() => {}
            _ = timer => {}
        }
    }
}

/// How long until a reminder for an event at `when` is due (at least a second, so that
/// one the store failed to queue is not tried in a busy loop).
fn until_due(when: i64, before: i64) -> Duration {
    let secs = when.saturating_sub(before).saturating_sub(now_unix());
    Duration::from_secs(u64::try_from(secs).unwrap_or(0).max(1))
}

/// Queues (or drops) every reminder due now.
async fn queue_due(shared: &Shared, before: i64) {
    let now = now_unix();
    let due = match shared.store.reminders_until(now.saturating_add(before)) {
        Ok(due) => due,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the reminders due");
            return;
        }
    };
    let mut queued = Vec::new();
    for rec in due {
        let written = match wording(shared, &rec, now, before) {
            Some(text) => shared.store.queue_reminder(&rec, &text).await,
            None => shared.store.drop_reminder(&rec).map(|_| None),
        };
        match written {
            Ok(key) => queued.extend(key),
            Err(e) => tracing::error!(chat = rec.chat_id, error = %e, "cannot queue the reminder"),
        }
    }
    if !queued.is_empty() {
        tracing::info!(reminders = queued.len(), "reminders queued");
        shared.notify_outbox(queued);
        if let Err(e) = shared.store.prune_reminded() {
            tracing::warn!(error = %e, "cannot prune the reminders sent");
        }
    }
}

/// The reminder's text in the chat's language, or `None` when it is not to be sent.
fn wording(shared: &Shared, rec: &ReminderRecord, now: i64, before: i64) -> Option<String> {
    let late = rec.noted_at >= rec.when_unix.saturating_sub(before);
    let wanted = shared.store.reminders_on(rec.chat_id).unwrap_or(false);
    let sub = shared.store.subscriber(rec.chat_id).ok().flatten()?;
    let muted = sub.muted_until.is_some_and(|until| until > now);
    if late || !wanted || muted || rec.when_unix <= now {
        return None;
    }
    let lang = chat_lang(&shared.store, rec.chat_id).unwrap_or_default();
    Some(reminder_text(lang, rec))
}

/// `⏰ Reminder: TITLE`, the 📅 line and the link, in `lang`.
pub fn reminder_text(lang: Lang, rec: &ReminderRecord) -> String {
    let title = clip(&rec.title, 300);
    let mut lines = vec![t(lang, "remind.notice", &[("title", &title)])];
    if let Some(d) = AlertDate::from_record(&rec.when) {
        lines.push(when_line(lang, &d));
    }
    lines.extend(rec.link.clone());
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::DateRecord;

    fn rec(at: &str) -> ReminderRecord {
        ReminderRecord {
            v: 1,
            chat_id: 1,
            alert_id: 2,
            title: "Vigil for the detained aid workers".into(),
            link: Some("https://partner.example/vigil".into()),
            when: DateRecord {
                at: at.into(),
                day_only: false,
            },
            when_unix: 0,
            noted_at: 0,
        }
    }

    #[test]
    fn a_reminder_reads_in_the_chats_language_with_its_date_words() {
        let r = rec("2027-03-13T18:00:00+02:00");
        let en = reminder_text(Lang::En, &r);
        assert!(en.contains("Vigil for the detained aid workers"), "{en}");
        assert!(en.contains("📅 Saturday 13 March 2027, 18:00"), "{en}");
        assert!(en.ends_with("https://partner.example/vigil"), "{en}");
        let fr = reminder_text(Lang::Fr, &r);
        assert!(fr.contains("📅 samedi 13 mars 2027 à 18:00"), "{fr}");
        let ar = reminder_text(Lang::Ar, &r);
        assert!(ar.contains("السبت") && ar.contains("18:00"), "{ar}");
        for lang in Lang::ALL {
            let text = reminder_text(lang, &r);
            assert!(!text.contains("remind."), "{}: {text}", lang.code());
        }
    }

    #[test]
    fn the_lead_time_reads_in_whole_units() {
        assert_eq!(lead_text(Lang::En, Duration::from_secs(3 * 3600)), "3 h");
        assert_eq!(lead_text(Lang::En, Duration::from_secs(90 * 60)), "90 min");
        assert_eq!(lead_text(Lang::Fr, Duration::from_secs(45)), "45 s");
    }

    #[test]
    fn a_due_time_gone_is_looked_at_again_a_second_later() {
        let now = now_unix();
        assert_eq!(until_due(now - 100, 3600), Duration::from_secs(1));
        let ahead = until_due(now + 3600 + 120, 3600).as_secs();
        assert!((119..=120).contains(&ahead), "{ahead}");
    }
}
