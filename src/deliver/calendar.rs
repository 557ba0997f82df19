//! How an alert's dates read, and when they have passed: `📅 Saturday 13 March 2027,
//! 18:00` and `⏳ Until Friday 12 March 2027`, in a language the bot speaks (the words
//! come from `i18n`), at the offset the date was stored with (the feed's time zone).
//!
//! Must not: read the clock (`now` is a parameter) or know how a message is laid out.

use crate::i18n::{Lang, t};
use crate::store::{AlertRecord, DateRecord};
use chrono::{DateTime, Datelike, Duration, FixedOffset, Utc};

/// One date of an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertDate {
    /// The date and time, with the offset of the zone it was read in.
    pub at: DateTime<FixedOffset>,
    /// No time of day: `at` is the start of the day, and the whole day is meant.
    pub day_only: bool,
}

impl AlertDate {
    /// The stored date; `None` if it does not read as RFC 3339.
    pub fn from_record(r: &DateRecord) -> Option<AlertDate> {
        let at = DateTime::parse_from_rfc3339(&r.at).ok()?;
        Some(AlertDate {
            at,
            day_only: r.day_only,
        })
    }

    /// Whether it has passed at `now`: a day without a time passes when the day ends.
    pub fn has_passed(&self, now: DateTime<Utc>) -> bool {
        let end = if self.day_only {
            self.at + Duration::days(1)
        } else {
            self.at
        };
        end <= now
    }
}

/// Whether the alert's event has started or its call has closed at `now`.
pub fn alert_has_passed(rec: &AlertRecord, now: DateTime<Utc>) -> bool {
    [&rec.when, &rec.deadline]
        .into_iter()
        .flatten()
        .filter_map(AlertDate::from_record)
        .any(|d| d.has_passed(now))
}

/// A word or template of `i18n`, without the right-to-left mark `t` starts Arabic lines
/// with (the message's layout adds its own).
fn word(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    t(lang, key, args)
        .trim_start_matches('\u{200F}')
        .to_string()
}

/// `Saturday 13 March 2027` (and `, 18:00` when a time was given).
pub fn date_text(lang: Lang, d: &AlertDate) -> String {
    let weekday = word(
        lang,
        &format!("weekday.{}", d.at.weekday().number_from_monday()),
        &[],
    );
    let month = word(lang, &format!("month.{}", d.at.month()), &[]);
    let (day, year) = (d.at.day().to_string(), d.at.year().to_string());
    let date = word(
        lang,
        "date.day",
        &[
            ("weekday", &weekday),
            ("day", &day),
            ("month", &month),
            ("year", &year),
        ],
    );
    if d.day_only {
        return date;
    }
    let time = d.at.format("%H:%M").to_string();
    word(lang, "date.time", &[("date", &date), ("time", &time)])
}

/// `📅 …`: when the event starts.
pub fn when_line(lang: Lang, d: &AlertDate) -> String {
    word(lang, "alert.when", &[("date", &date_text(lang, d))])
}

/// `⏳ Until …`: when the call closes.
pub fn deadline_line(lang: Lang, d: &AlertDate) -> String {
    word(lang, "alert.deadline", &[("date", &date_text(lang, d))])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliver::render::{Alert, render_alert, render_digest_with_past};
    use expect_test::expect;

    fn date(s: &str, day_only: bool) -> AlertDate {
        AlertDate {
            at: DateTime::parse_from_rfc3339(s).unwrap(),
            day_only,
        }
    }

    fn dated(lang: &str) -> Alert {
        Alert {
            feed_name: "Partner".into(),
            title: "Vigil".into(),
            lang: lang.into(),
            when: Some(date("2027-03-13T18:00:00+02:00", false)),
            deadline: Some(date("2027-03-12T00:00:00+02:00", true)),
            ..Alert::default()
        }
    }

    #[test]
    fn alerts_show_when_and_deadline_in_their_language_and_zone() {
        let en = render_alert(&dated("en"));
        expect![[r#"
            Vigil
            Partner
            📅 Saturday 13 March 2027, 18:00
            ⏳ Until Friday 12 March 2027"#]]
        .assert_eq(&en.plain);
        assert!(
            en.html.contains("📅 Saturday 13 March 2027, 18:00"),
            "{}",
            en.html
        );
        let fr = render_alert(&dated("fr")).plain;
        assert!(fr.contains("📅 samedi 13 mars 2027 à 18:00"), "{fr}");
        assert!(fr.contains("⏳ Jusqu'au vendredi 12 mars 2027"), "{fr}");
        let ar = render_alert(&dated("ar")).plain;
        assert!(
            ar.contains("السبت") && ar.contains("آذار (مارس)") && ar.contains("18:00"),
            "{ar}"
        );
        assert!(ar.contains("⏳ حتى"), "{ar}");
    }

    #[test]
    fn the_date_lines_read_in_the_chats_language_whatever_the_entrys() {
        let fr_chat = |lang: &str| {
            render_alert(&Alert {
                dates_lang: Some(Lang::Fr),
                ..dated(lang)
            })
            .plain
        };
        for lang in ["en", "ar", "de"] {
            let text = fr_chat(lang);
            assert!(text.contains("📅 samedi 13 mars 2027 à 18:00"), "{text}");
            assert!(text.contains("⏳ Jusqu'au vendredi 12 mars 2027"), "{text}");
        }
        let ar = render_alert(&Alert {
            dates_lang: Some(Lang::Ar),
            ..dated("fr")
        })
        .plain;
        assert!(ar.contains("السبت") && ar.contains("آذار (مارس)"), "{ar}");
        let en = render_alert(&Alert {
            dates_lang: Some(Lang::En),
            ..dated("fr")
        })
        .plain;
        assert!(en.contains("📅 Saturday 13 March 2027, 18:00"), "{en}");
        let digest = render_digest_with_past(
            &[],
            &[Alert {
                dates_lang: Some(Lang::Fr),
                ..dated("en")
            }],
        )
        .plain;
        assert!(digest.contains("samedi 13 mars 2027"), "{digest}");
    }

    #[test]
    fn a_day_passes_at_its_end_and_a_time_at_that_time() {
        let now = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let day = date("2027-03-12T00:00:00+02:00", true);
        assert!(!day.has_passed(now("2027-03-12T21:59:00Z")));
        assert!(day.has_passed(now("2027-03-12T22:00:00Z")));
        let at = date("2027-03-13T18:00:00+02:00", false);
        assert!(!at.has_passed(now("2027-03-13T15:59:00Z")));
        assert!(at.has_passed(now("2027-03-13T16:00:00Z")));
    }

    #[test]
    fn records_written_before_dates_still_read_and_never_pass() {
        let old = r#"{"v":1,"id":7,"feed_id":1,"feed_name":"P","entry_id":"e","title":"T",
            "link":null,"summary":"","actions":[],"hashtags":[],"lang":"en",
            "also_published_by":[],"fingerprint_urls":[],"fingerprint_simhash":0,
            "created_at":0}"#;
        let rec: AlertRecord = serde_json::from_str(old).expect("an old record reads");
        assert_eq!((rec.when.clone(), rec.deadline.clone()), (None, None));
        assert!(!alert_has_passed(&rec, Utc::now()));
        let dated = AlertRecord {
            deadline: Some(DateRecord {
                at: "2027-03-12T00:00:00+02:00".into(),
                day_only: true,
            }),
            ..rec
        };
        let back: AlertRecord =
            serde_json::from_slice(&serde_json::to_vec(&dated).unwrap()).unwrap();
        assert_eq!(back, dated);
        let after = DateTime::parse_from_rfc3339("2027-03-13T00:00:00+02:00").unwrap();
        assert!(alert_has_passed(&back, after.with_timezone(&Utc)));
    }

    #[test]
    fn a_digest_lists_passed_alerts_under_their_heading() {
        let live = Alert {
            title: "Still ahead".into(),
            lang: "en".into(),
            ..Alert::default()
        };
        let mixed = render_digest_with_past(std::slice::from_ref(&live), &[dated("en")]).plain;
        let (ahead, passed) = mixed.split_once("Already passed").expect("a past heading");
        assert!(
            ahead.contains("Still ahead") && passed.contains("Vigil"),
            "{mixed}"
        );
        let alone = render_digest_with_past(&[], &[dated("en")]).plain;
        assert!(
            alone.starts_with("While we were away, these passed"),
            "{alone}"
        );
        assert!(alone.contains("📅 Saturday 13 March 2027"), "{alone}");
    }
}
