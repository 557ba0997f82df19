//! Delivery: render an alert for Telegram (pure), and the outbox worker that sends it to
//! every subscribed chat once, within Telegram's limits, whatever Telegram answers.

pub mod bucket;
pub mod calendar;
pub mod expand;
pub mod limiter;
pub mod pace;
pub mod past;
pub mod preview;
pub mod reader;
pub mod render;
pub mod telegram;
pub mod window;
pub mod worker;

use crate::detect::{Action, ActionKind};
use crate::store::AlertRecord;

/// The renderer's view of a stored alert.
pub fn alert_from_record(rec: &AlertRecord) -> render::Alert {
    render::Alert {
        feed_name: rec.feed_name.clone(),
        title: rec.title.clone(),
        link: rec.link.clone(),
        summary: rec.summary.clone(),
        actions: rec
            .actions
            .iter()
            .filter_map(|a| {
                Some(Action {
                    kind: ActionKind::parse(&a.kind)?,
                    label: a.label.clone(),
                    url: a.url.clone(),
                })
            })
            .collect(),
        hashtags: rec.hashtags.clone(),
        lang: rec.lang.clone(),
        also_published_by: rec.also_published_by.clone(),
        when: rec.when.as_ref().and_then(calendar::AlertDate::from_record),
        deadline: rec
            .deadline
            .as_ref()
            .and_then(calendar::AlertDate::from_record),
        dates_lang: None,
    }
}
