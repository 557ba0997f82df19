//! Verdict feedback: what `/wrong` and `/send` record, how alerts marked wrong raise a
//! feed's threshold, and `solibot feedback export`.
//!
//! Owns the raise policy ([`raise_for`]: +[`RAISE_STEP`] per [`WRONG_PER_STEP`] alerts of
//! the feed marked wrong in the last [`WRONG_WINDOW_SECS`], at most [`MAX_RAISE`]), its
//! reset ([`reset_feedback_threshold`]), the records built from an alert or from an entry
//! and its verdict, and the export's JSON Lines (the fields of `check --json` plus
//! `verdict`, `by`, `at`). Must not: fetch, send, or decide who may give a verdict (the
//! bot does); the storage is [`crate::store`]'s.

use crate::config::Config;
use crate::detect::Verdict;
use crate::entry::Entry;
use crate::store::{
    ActionRecord, AlertRecord, AlertVerdict, FeedRecord, FeedbackRecord, FeedbackVerdict, Store,
    StoreError, now_unix,
};
use serde::Serialize;
use std::io::Write;

/// Alerts marked wrong count for this long.
pub const WRONG_WINDOW_SECS: i64 = 30 * 24 * 3600;
/// Every this many alerts marked wrong (in the window) raise the threshold one step.
pub const WRONG_PER_STEP: usize = 3;
/// One step of the raise.
pub const RAISE_STEP: f32 = 0.05;
/// The most a feed's threshold is raised.
pub const MAX_RAISE: f32 = 0.15;

/// How much a feed's threshold is raised, and why.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Raise {
    /// Alerts of the feed marked wrong in the window (since the last reset).
    pub wrong: usize,
    /// Added to the detector's threshold for this feed.
    pub by: f32,
}

/// The raise `wrong` alerts marked wrong give: a step per [`WRONG_PER_STEP`], bounded.
pub fn raise_for(wrong: usize) -> f32 {
    ((wrong / WRONG_PER_STEP) as f32 * RAISE_STEP).min(MAX_RAISE)
}

/// A feed's raise now.
pub fn feed_raise(store: &Store, feed_id: u64) -> Result<Raise, StoreError> {
    let wrong = store.wrong_marks_since(feed_id, now_unix() - WRONG_WINDOW_SECS)?;
    Ok(Raise {
        wrong,
        by: raise_for(wrong),
    })
}

/// Takes a feed's threshold back to the detector's: forgets its alerts marked wrong (the
/// records stay for the export). For an admin's `/trust`; `/send` calls it when the raise
/// is what hid the appeal it sends.
pub fn reset_feedback_threshold(store: &Store, feed_id: u64) -> Result<(), StoreError> {
    let cleared = store.clear_wrong_marks(feed_id)?;
    tracing::info!(feed = feed_id, cleared, "feedback threshold reset");
    Ok(())
}

/// The poll's detection step for a feed with a raise: an entry is an appeal only at or
/// above `base + raise`; each verdict that changes says why.
pub fn apply_raise(verdicts: &mut [Verdict], base: f32, raise: f32) {
    if raise <= 0.0 {
        return;
    }
    let threshold = (base + raise).min(1.0);
    for v in verdicts.iter_mut().filter(|v| v.is_appeal) {
        if v.score < threshold {
            v.is_appeal = false;
            v.reasons.push(format!(
                "below this feed's threshold {threshold:.2}, raised by {raise:.2} after alerts marked wrong"
            ));
        }
    }
}

/// A score as `check --json` prints it (three decimals).
pub fn rounded_score(score: f32) -> f64 {
    (f64::from(score) * 1000.0).round() / 1000.0
}

/// What an alert keeps of its entry's verdict.
pub fn alert_verdict(entry: &Entry, v: &Verdict) -> AlertVerdict {
    AlertVerdict {
        published: entry.published.map(|d| d.to_rfc3339()),
        is_appeal: v.is_appeal,
        score: rounded_score(v.score),
        reasons: v.reasons.clone(),
    }
}

/// `/wrong` on an alert: not an appeal, by `by`, now.
pub fn from_alert(alert: &AlertRecord, feed_url: &str, by: i64) -> FeedbackRecord {
    let kept = alert.verdict.as_ref();
    FeedbackRecord {
        v: 1,
        feed_id: alert.feed_id,
        feed_name: alert.feed_name.clone(),
        feed_url: feed_url.to_string(),
        alert_id: Some(alert.id),
        entry_id: alert.entry_id.clone(),
        title: alert.title.clone(),
        link: alert.link.clone(),
        published: kept.and_then(|k| k.published.clone()),
        lang: alert.lang.clone(),
        // Alerts written before verdicts were kept went out as appeals.
        is_appeal: kept.is_none_or(|k| k.is_appeal),
        score: kept.map(|k| k.score),
        actions: alert.actions.clone(),
        hashtags: alert.hashtags.clone(),
        summary: alert.summary.clone(),
        reasons: kept.map(|k| k.reasons.clone()).unwrap_or_default(),
        when: alert.when.as_ref().map(|d| d.at.clone()),
        deadline: alert.deadline.as_ref().map(|d| d.at.clone()),
        verdict: FeedbackVerdict::NotAppeal,
        by,
        at: now_unix(),
    }
}

/// `/send` of an entry: an appeal, by `by`, now; with what the detector said of it.
pub fn from_entry(feed: &FeedRecord, entry: &Entry, v: &Verdict, by: i64) -> FeedbackRecord {
    let kept = alert_verdict(entry, v);
    FeedbackRecord {
        v: 1,
        feed_id: feed.id,
        feed_name: feed.name.clone(),
        feed_url: feed.url.clone(),
        alert_id: None,
        entry_id: entry.id.clone(),
        title: entry.title.clone(),
        link: entry.link.clone(),
        published: kept.published,
        lang: v.lang.clone(),
        is_appeal: v.is_appeal,
        score: Some(kept.score),
        actions: v
            .actions
            .iter()
            .map(|a| ActionRecord {
                kind: a.kind.as_str().to_string(),
                label: a.label.clone(),
                url: a.url.clone(),
            })
            .collect(),
        hashtags: v.hashtags.clone(),
        summary: v.summary.clone(),
        reasons: kept.reasons,
        when: None,
        deadline: None,
        verdict: FeedbackVerdict::Appeal,
        by,
        at: now_unix(),
    }
}

/// The fields of an export line, in its order: the one list of them, for the export's
/// readers and tests (a unit test fails when [`ExportLine`] and this list differ).
pub const EXPORT_FIELDS: [&str; 19] = [
    "id",
    "title",
    "link",
    "published",
    "lang",
    "is_appeal",
    "score",
    "actions",
    "hashtags",
    "summary",
    "reasons",
    "when",
    "deadline",
    "verdict",
    "by",
    "at",
    "feed_id",
    "feed",
    "feed_url",
];

/// One line of `solibot feedback export`: `check --json`'s fields, then the verdict, who
/// gave it and when, then where the entry comes from. Its fields are [`EXPORT_FIELDS`].
#[derive(Debug, Default, Serialize)]
pub struct ExportLine<'a> {
    /// The entry's stable id.
    pub id: &'a str,
    /// The entry's title (plain text).
    pub title: &'a str,
    /// The entry's link.
    pub link: Option<&'a str>,
    /// When the entry was published, RFC 3339.
    pub published: Option<&'a str>,
    /// The language the detector identified.
    pub lang: &'a str,
    /// What the detector decided.
    pub is_appeal: bool,
    /// The detector's score; null in records written before scores were kept.
    pub score: Option<f64>,
    /// The actions the detector found.
    pub actions: &'a [ActionRecord],
    /// The detector's hashtags.
    pub hashtags: &'a [String],
    /// The detector's summary.
    pub summary: &'a str,
    /// The detector's reasons.
    pub reasons: &'a [String],
    /// RFC 3339 or null, as `check --json`.
    pub when: Option<&'a str>,
    /// RFC 3339 or null, as `check --json`.
    pub deadline: Option<&'a str>,
    /// The organizer's verdict: `appeal` or `not_appeal`.
    pub verdict: &'static str,
    /// The Telegram user id of who gave it.
    pub by: i64,
    /// RFC 3339.
    pub at: String,
    /// The feed the entry came from.
    pub feed_id: u64,
    /// The feed's name at the time.
    pub feed: &'a str,
    /// The feed's URL at the time.
    pub feed_url: &'a str,
}

/// A stored verdict as its export line (`at` turned into RFC 3339).
pub fn export_line(rec: &FeedbackRecord) -> ExportLine<'_> {
    let at = chrono::DateTime::from_timestamp(rec.at, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    ExportLine {
        id: &rec.entry_id,
        title: &rec.title,
        link: rec.link.as_deref(),
        published: rec.published.as_deref(),
        lang: &rec.lang,
        is_appeal: rec.is_appeal,
        score: rec.score,
        actions: &rec.actions,
        hashtags: &rec.hashtags,
        summary: &rec.summary,
        reasons: &rec.reasons,
        when: rec.when.as_deref(),
        deadline: rec.deadline.as_deref(),
        verdict: rec.verdict.as_str(),
        by: rec.by,
        at,
        feed_id: rec.feed_id,
        feed: &rec.feed_name,
        feed_url: &rec.feed_url,
    }
}

/// Why `solibot feedback export` failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// There is no database at this path.
    #[error("no database at {0}")]
    NoDatabase(String),
    /// The database could not be opened (a running bot holds it).
    #[error(
        "cannot open the database at {path}: {message} (a running bot holds it: stop it first)"
    )]
    Database {
        /// The database directory.
        path: String,
        /// sled's reason.
        message: String,
    },
    /// Reading the records failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Standard output could not be written.
    #[error("cannot write to standard output: {0}")]
    Write(std::io::Error),
}

/// `solibot feedback export`: every record as JSON Lines on `out`, oldest first; how many.
/// Opens the database without creating it; the bot must not be running (sled locks it).
pub fn export(config: &Config, out: &mut dyn Write) -> Result<usize, ExportError> {
    let path = &config.data_path;
    if !path.exists() {
        return Err(ExportError::NoDatabase(path.display().to_string()));
    }
    let store = Store::open(path).map_err(|e| ExportError::Database {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let records = store.feedback_records()?;
    for rec in &records {
        let line = serde_json::to_string(&export_line(rec))
            .map_err(|e| ExportError::Store(StoreError::Db(e.to_string())))?;
        writeln!(out, "{line}").map_err(ExportError::Write)?;
    }
    out.flush().map_err(ExportError::Write)?;
    Ok(records.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(score: f32, is_appeal: bool) -> Verdict {
        Verdict {
            lang: "en".into(),
            is_appeal,
            score,
            actions: vec![],
            hashtags: vec![],
            summary: String::new(),
            reasons: vec![],
            fingerprint: Default::default(),
        }
    }

    #[test]
    fn the_raise_grows_a_step_per_three_wrong_and_stops_at_its_bound() {
        let raises: Vec<f32> = [0, 2, 3, 5, 6, 9, 12, 300]
            .into_iter()
            .map(raise_for)
            .collect();
        let expect = [0.0, 0.0, 0.05, 0.05, 0.10, 0.15, 0.15, 0.15];
        for (got, want) in raises.iter().zip(expect) {
            assert!((got - want).abs() < 1e-6, "{raises:?}");
        }
    }

    #[test]
    fn a_raise_turns_only_appeals_below_the_new_threshold_into_news() {
        let mut vs = vec![
            verdict(0.52, true),
            verdict(0.70, true),
            verdict(0.30, false),
        ];
        apply_raise(&mut vs, 0.5, 0.1);
        let got: Vec<bool> = vs.iter().map(|v| v.is_appeal).collect();
        assert_eq!(got, [false, true, false]);
        assert!(vs[0].reasons[0].contains("0.60"), "{:?}", vs[0].reasons);
        assert!(vs[1].reasons.is_empty() && vs[2].reasons.is_empty());
        let mut untouched = vec![verdict(0.52, true)];
        apply_raise(&mut untouched, 0.5, 0.0);
        assert!(untouched[0].is_appeal);
    }

    #[tokio::test]
    async fn the_export_has_checks_fields_and_the_verdict() {
        let store = Store::temporary().unwrap();
        let feed = FeedRecord::new("https://relief.example/feed", "Relief");
        let entry = Entry {
            id: "e1".into(),
            title: "Join the vigil".into(),
            link: Some("https://relief.example/vigil".into()),
            published: chrono::DateTime::from_timestamp(1_700_000_000, 0),
            ..Entry::default()
        };
        let rec = from_entry(&feed, &entry, &verdict(0.4321, false), 77);
        assert!(store.record_feedback(&rec).await.unwrap());
        let line = serde_json::to_value(export_line(&store.feedback_records().unwrap()[0]))
            .expect("serializes");
        for field in EXPORT_FIELDS {
            assert!(line.get(field).is_some(), "{field} in {line}");
        }
        assert_eq!(line.as_object().map(|o| o.len()), Some(EXPORT_FIELDS.len()));
        assert_eq!(line["verdict"], "appeal");
        assert_eq!(line["score"], 0.432);
        assert_eq!(line["by"], 77);
        assert_eq!(line["published"], "2023-11-14T22:13:20+00:00");
        let at = line["at"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
    }

    /// The field list follows `ExportLine`: a field added, removed or renamed on one side
    /// only fails here (the keys of a serialized line, in order).
    #[test]
    fn export_fields_name_every_field_of_an_export_line_in_order() {
        let text = serde_json::to_string(&ExportLine::default()).expect("serializes");
        let line: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let mut keys: Vec<&str> = line
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_by_key(|k| text.find(&format!("\"{k}\":")));
        assert_eq!(keys, EXPORT_FIELDS);
    }
}
