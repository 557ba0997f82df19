//! Dates an appeal names: `when`, the start of the event it mobilizes for (vigil,
//! protest, march, strike, meeting), and `deadline`, when the petition, consultation,
//! registration or call closes. Read from the entry's text in its language (en, ar, fr,
//! de, tr; any other is read with all five), resolved against its publication time in a
//! time zone.
//!
//! The pipeline: [`scan`] (normalised tokens) -> [`mention`] (date expressions and their
//! times of day) -> [`role`] (what each is the date of, from cue words) -> the two dates.
//! A date without a year is its next occurrence on or after the publication day (or up to
//! [`GRACE_DAYS`] before it); a date without a time is the start of that day
//! ([`Found::day_only`]).
//!
//! Must not: do IO, read the clock (the publication time is a parameter), or know about
//! feeds, alerts or storage.

mod lexicon;
mod mention;
mod role;
mod scan;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_styles;
#[cfg(test)]
mod tests_unseen;

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use mention::{Day, Mention};
use role::Role;

/// A date mentioned up to this many days before the publication day still counts (a post
/// published late about an event that is "today").
pub const GRACE_DAYS: u64 = 3;
/// A date without a year that would fall this many days or more after publication is
/// taken as a mention of the past (`on 3 March police arrested …`), not a date ahead.
const FAR_DAYS: i64 = 300;

/// One date found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// In the time zone the text was read in.
    pub at: DateTime<FixedOffset>,
    /// No time of day was given: `at` is the start of that day.
    pub day_only: bool,
}

/// The dates of one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dates {
    /// When the event it mobilizes for starts.
    pub when: Option<Found>,
    /// When its call (petition, consultation, application) closes.
    pub deadline: Option<Found>,
}

/// Reads the dates of a text written in `lang`, published at `published`, for readers in
/// `tz`.
pub fn extract(text: &str, lang: &str, published: DateTime<Utc>, tz: Tz) -> Dates {
    let lexes = lexicon::for_lang(lang);
    let norm = scan::normalise(text, lang.starts_with("tr"));
    let toks = scan::tokens(&norm);
    let month_first = lang.starts_with("en") && tz.name().starts_with("America/");
    let mentions = mention::find(&toks, &lexes, month_first);
    let today = published.with_timezone(&tz).date_naive();
    let mut when: Option<(u32, &Mention, NaiveDate)> = None;
    let mut deadline: Option<(bool, &Mention, NaiveDate)> = None;
    let mut unlabeled: Option<(&Mention, NaiveDate)> = None;
    let roles: Vec<Option<(NaiveDate, Role)>> = mentions
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let date = resolve(m.day, today)?;
            let place = role::Place {
                prev_end: if k == 0 { 0 } else { mentions[k - 1].end },
                next_start: mentions.get(k + 1).map_or(toks.len(), |n| n.start),
                before_publication: date < today,
            };
            Some((date, role::of(&toks, m, &place, &lexes)))
        })
        .collect();
    // A calendar day reported as past in one place is that past day wherever it is named
    // (`the march of 3 March` in a title, `on 3 March police arrested …` below).
    let past_days: Vec<NaiveDate> = mentions
        .iter()
        .zip(&roles)
        .filter_map(|(m, r)| match r {
            Some((d, Role::Past)) if m.day.is_absolute() => Some(*d),
            _ => None,
        })
        .collect();
    for (m, r) in mentions.iter().zip(roles) {
        let Some((date, role)) = r else {
            continue;
        };
        if m.day.is_absolute() && past_days.contains(&date) {
            continue;
        }
        match role {
            Role::Deadline(strong) if deadline.is_none_or(|(s, ..)| strong && !s) => {
                deadline = Some((strong, m, date));
            }
            Role::When(n) => {
                // A calendar date outranks a weekday or "tomorrow" with as many cues, and a
                // day ahead one before publication.
                let rank = n + if m.day.is_absolute() { 2 } else { 0 };
                let ahead = |d: NaiveDate| d >= today;
                if when.is_none_or(|(best, _, d)| {
                    rank > best || rank == best && !ahead(d) && ahead(date)
                }) {
                    when = Some((rank, m, date));
                }
            }
            Role::Unlabeled if unlabeled.is_none() => unlabeled = Some((m, date)),
            _ => {}
        }
    }
    let when = when
        .map(|(_, m, d)| (m, d))
        .or_else(|| unlabeled.filter(|_| role::speaks_of_event(&toks, &mentions, &lexes)));
    Dates {
        when: when.map(|(m, d)| found(d, m.time, tz)),
        deadline: deadline.map(|(_, m, d)| found(d, m.time, tz)),
    }
}

/// The dates of a feed entry: its title and text, published at its own time (else
/// `fallback`, when the feed gives none).
pub fn for_entry(
    entry: &crate::entry::Entry,
    lang: &str,
    fallback: DateTime<Utc>,
    tz: Tz,
) -> Dates {
    let text = format!(
        "{}\n{}",
        entry.title,
        crate::text::html_to_text(entry.body_html())
    );
    extract(&text, lang, entry.published.unwrap_or(fallback), tz)
}

/// The calendar day a mention names, seen from the publication day; none for the past.
fn resolve(day: Day, today: NaiveDate) -> Option<NaiveDate> {
    let earliest = today.checked_sub_days(Days::new(GRACE_DAYS))?;
    let date = match day {
        Day::Date(d) => d,
        Day::NoYear(d, m) => {
            let date = (0..5).find_map(|k| {
                NaiveDate::from_ymd_opt(today.year() + k, m, d).filter(|x| *x >= earliest)
            })?;
            if (date - today).num_days() >= FAR_DAYS {
                return None;
            }
            date
        }
        Day::Offset(n) => today.checked_add_days(Days::new(u64::try_from(n).ok()?))?,
        Day::Weekday(wd, strictly) => {
            let ahead =
                (7 + wd.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
            let ahead = if strictly && ahead == 0 { 7 } else { ahead };
            today.checked_add_days(Days::new(u64::from(ahead)))?
        }
        Day::NextWeek(wd) => {
            let monday = today.checked_add_days(Days::new(u64::from(
                7 - today.weekday().num_days_from_monday(),
            )))?;
            monday.checked_add_days(Days::new(u64::from(wd.num_days_from_monday())))?
        }
        // Without its month, a day already gone this month is next month's.
        Day::Nth(d) => NaiveDate::from_ymd_opt(today.year(), today.month(), d)
            .filter(|x| *x >= today)
            .or_else(|| {
                let next = month_end(today, None)?.succ_opt()?;
                NaiveDate::from_ymd_opt(next.year(), next.month(), d)
            })?,
        Day::Weekend if today.weekday() == chrono::Weekday::Sun => today,
        Day::Weekend => resolve(Day::Weekday(chrono::Weekday::Sat, false), today)?,
        // Like a date without a year: the end of a month far ahead is one that passed.
        Day::MonthEnd(month) => {
            month_end(today, month).filter(|d| (*d - today).num_days() < FAR_DAYS)?
        }
        Day::Past => return None,
    };
    (date >= earliest).then_some(date)
}

/// The last day of `month` (its next occurrence from `today`), or of today's month.
fn month_end(today: NaiveDate, month: Option<u32>) -> Option<NaiveDate> {
    let m = month.unwrap_or(today.month());
    let year = if m < today.month() {
        today.year() + 1
    } else {
        today.year()
    };
    let first_of_next = if m == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, m + 1, 1)
    }?;
    first_of_next.pred_opt()
}

/// The moment in `tz` (a time that a clock change skips is taken an hour later).
fn found(date: NaiveDate, time: Option<NaiveTime>, tz: Tz) -> Found {
    let local = date.and_time(time.unwrap_or(NaiveTime::MIN));
    let at = tz
        .from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(local + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.fixed_offset())
        .unwrap_or_else(|| Utc.from_utc_datetime(&local).fixed_offset());
    Found {
        at,
        day_only: time.is_none(),
    }
}
