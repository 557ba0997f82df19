//! Genre evidence: the marks of a donation page, a petition page, an event announcement,
//! an urgent action and a joint statement, which often carry no imperative at all.
//!
//! Owns the language-neutral patterns (amounts with currencies, signature counters, clock
//! times, dates with month names, e-mail addresses and phone numbers) compiled once. The
//! words of each genre (gift, petition, vigil, minister…) are cue lists' context cues; this
//! module only counts patterns in folded text. Pure.

use regex::Regex;

/// Patterns over folded text (lower case, ASCII digits, Arabic letter variants unified).
#[derive(Debug)]
pub(crate) struct Patterns {
    amount: Regex,
    counter: Regex,
    time: Regex,
    date: Regex,
    email: Regex,
    phone: Regex,
    iban: Regex,
    day_month: Regex,
    month_day: Regex,
}

const CURRENCY_WORDS: &str = r"euros?|eur|usd|dollars?|gbp|pounds?|chf|francs?|tl|try|lira|lire|tlt|\$|€|£|₺|دولار|دولارا|دولارات|يورو|ليره|ليرات|جنيه|جنيها|ريال|دينار|درهم";

const MONTHS: &str = "january|february|march|april|may|june|july|august|september|october|november|december|\
jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|\
janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre|\
januar|februar|marz|juni|juli|oktober|dezember|\
ocak|subat|mart|nisan|mayis|haziran|temmuz|agustos|eylul|ekim|kasim|aralik|\
كانون الثاني|كانون الاول|شباط|اذار|نيسان|ايار|حزيران|تموز|اب|ايلول|تشرين الاول|تشرين الثاني|\
يناير|فبراير|مارس|ابريل|مايو|يونيو|يوليو|اغسطس|سبتمبر|اكتوبر|نوفمبر|ديسمبر";

const WEEKDAYS: &str = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|\
lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|\
montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|\
pazartesi|sali|carsamba|persembe|cuma|cumartesi|pazar|\
الاثنين|الثلاثاء|الاربعاء|الخميس|الجمعه|السبت|الاحد";

impl Patterns {
    pub(crate) fn new() -> Result<Patterns, String> {
        let re = |p: &str| Regex::new(p).map_err(|e| e.to_string());
        Ok(Patterns {
            amount: re(&format!(
                r"(?:(?:us\s?)?[$€£₺]\s?\d[\d.,]*)|(?:\b\d[\d.,]*\s?(?:{CURRENCY_WORDS})(?:\b|\s|$))"
            ))?,
            counter: re(
                r"\b\d[\d.,  ]*\s(?:signatures?|signataires|unterschriften|unterzeichnende|unterzeichner(?:innen)?|imza|imzaci|توقيع|توقيعا|موقع|موقعا)\b",
            )?,
            time: re(
                r"\b(?:\d{1,2}[:h.]\d{2}|\d{1,2}\s?(?:am|pm|uhr|h)|saat\s\d{1,2}|الساعه\s\d{1,2})\b",
            )?,
            date: re(&format!(
                r"\b(?:\d{{1,2}}(?:st|nd|rd|th|er|\.)?\s(?:{MONTHS})|(?:{MONTHS})\s\d{{1,2}}\b|(?:{WEEKDAYS})\b|\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}})"
            ))?,
            email: re(r"\b[a-z0-9._%+-]+@([a-z0-9-]+\.)+[a-z]{2,}\b")?,
            phone: re(r"(?:\+|\b0)\d[\d  ().-]{7,}\d\b")?,
            iban: re(r"\biban\b|\b[a-z]{2}\d{2}(?:\s?[a-z0-9]{4}){3,}")?,
            day_month: re(&format!(
                r"\b(\d{{1,2}})(?:st|nd|rd|th|er|\.)?\s({MONTHS})\b(?:,?\s(\d{{4}}))?"
            ))?,
            month_day: re(&format!(
                r"\b({MONTHS})\s(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s(\d{{4}}))?"
            ))?,
        })
    }
}

/// Month numbers by (folded) name, in the order of `MONTHS`.
fn month_number(name: &str) -> Option<u32> {
    const TABLE: [(&str, u32); 70] = [
        ("january", 1),
        ("february", 2),
        ("march", 3),
        ("april", 4),
        ("may", 5),
        ("june", 6),
        ("july", 7),
        ("august", 8),
        ("september", 9),
        ("october", 10),
        ("november", 11),
        ("december", 12),
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("sept", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
        ("janvier", 1),
        ("fevrier", 2),
        ("mars", 3),
        ("avril", 4),
        ("mai", 5),
        ("juin", 6),
        ("juillet", 7),
        ("aout", 8),
        ("septembre", 9),
        ("octobre", 10),
        ("novembre", 11),
        ("decembre", 12),
        ("januar", 1),
        ("februar", 2),
        ("marz", 3),
        ("juni", 6),
        ("juli", 7),
        ("oktober", 10),
        ("dezember", 12),
        ("ocak", 1),
        ("subat", 2),
        ("mart", 3),
        ("nisan", 4),
        ("mayis", 5),
        ("haziran", 6),
        ("temmuz", 7),
        ("agustos", 8),
        ("eylul", 9),
        ("ekim", 10),
        ("kasim", 11),
        ("aralik", 12),
        ("كانون الثاني", 1),
        ("شباط", 2),
        ("اذار", 3),
        ("نيسان", 4),
        ("ايار", 5),
        ("حزيران", 6),
        ("تموز", 7),
        ("اب", 8),
        ("ايلول", 9),
        ("تشرين الاول", 10),
        ("تشرين الثاني", 11),
        ("كانون الاول", 12),
        ("يناير", 1),
        ("فبراير", 2),
        ("ابريل", 4),
    ];
    const MORE: [(&str, u32); 8] = [
        ("مارس", 3),
        ("مايو", 5),
        ("يونيو", 6),
        ("يوليو", 7),
        ("اغسطس", 8),
        ("سبتمبر", 9),
        ("اكتوبر", 10),
        ("نوفمبر", 11),
    ];
    if name == "ديسمبر" {
        return Some(12);
    }
    TABLE
        .iter()
        .chain(MORE.iter())
        .find(|(n, _)| *n == name)
        .map(|&(_, m)| m)
}

/// A calendar date named in the text: month, day and the year if written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NamedDate {
    pub month: u32,
    pub day: u32,
    pub year: Option<i32>,
}

impl Patterns {
    /// The dates written with a month name ("14 December", "December 14, 2025").
    pub(crate) fn named_dates(&self, norm: &str, out: &mut Vec<NamedDate>) {
        if !norm.bytes().any(|b| b.is_ascii_digit()) {
            return;
        }
        let mut push = |day: &str, month: &str, year: Option<&str>| {
            let (Ok(day), Some(month)) = (day.parse::<u32>(), month_number(month)) else {
                return;
            };
            if (1..=31).contains(&day) {
                let year = year.and_then(|y| y.parse().ok());
                out.push(NamedDate { month, day, year });
            }
        };
        for c in self.day_month.captures_iter(norm) {
            push(&c[1], &c[2], c.get(3).map(|m| m.as_str()));
        }
        for c in self.month_day.captures_iter(norm) {
            push(&c[2], &c[1], c.get(3).map(|m| m.as_str()));
        }
    }
}

/// True when every date named is more than a day before `published` (an event or a
/// deadline that had passed when the entry appeared). A date without a year is taken in
/// the year that puts it nearest to the publication.
pub(crate) fn all_dates_passed(dates: &[NamedDate], published: chrono::NaiveDate) -> bool {
    use chrono::{Datelike, NaiveDate};
    let resolve = |d: &NamedDate| -> Option<NaiveDate> {
        match d.year {
            Some(y) => NaiveDate::from_ymd_opt(y, d.month, d.day),
            None => [published.year() - 1, published.year(), published.year() + 1]
                .into_iter()
                .filter_map(|y| NaiveDate::from_ymd_opt(y, d.month, d.day))
                .min_by_key(|date| (*date - published).num_days().abs()),
        }
    };
    let mut any = false;
    for d in dates {
        let Some(date) = resolve(d) else { continue };
        if (published - date).num_days() <= 1 {
            return false;
        }
        any = true;
    }
    any
}

/// What the patterns found in an entry's kept text.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Counts {
    pub amounts: u32,
    pub counters: u32,
    pub times: u32,
    pub dates: u32,
    pub contacts: u32,
    pub bank: u32,
}

impl Counts {
    /// Adds the patterns found in one sentence of folded text.
    pub(crate) fn scan(&mut self, p: &Patterns, norm: &str) {
        let has_digit = norm.bytes().any(|b| b.is_ascii_digit());
        if has_digit {
            self.amounts += p.amount.find_iter(norm).count() as u32;
            self.counters += p.counter.find_iter(norm).count() as u32;
            self.times += p.time.find_iter(norm).count() as u32;
            self.phone_or_bank(p, norm);
        }
        self.dates += p.date.find_iter(norm).count() as u32;
        if norm.contains('@') {
            self.contacts += p.email.find_iter(norm).count() as u32;
        }
    }

    fn phone_or_bank(&mut self, p: &Patterns, norm: &str) {
        self.contacts += p.phone.find_iter(norm).count() as u32;
        self.bank += p.iban.find_iter(norm).count() as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::text::fold;

    fn counts(text: &str) -> Counts {
        let p = Patterns::new().expect("patterns compile");
        let mut c = Counts::default();
        c.scan(&p, &fold(text));
        c
    }

    #[test]
    fn amounts_in_several_currencies_and_scripts() {
        assert_eq!(counts("€30 feeds a family; US$ 65 buys a stove").amounts, 2);
        assert_eq!(counts("Mit 30 Euro ermöglichen Sie").amounts, 1);
        assert_eq!(counts("100 TL ile bir aileye").amounts, 1);
        assert_eq!(counts("تبرعك بـ ٢٥ دولاراً يؤمّن سلة").amounts, 1);
        assert_eq!(counts("in 2025 the 30 families").amounts, 0);
    }

    #[test]
    fn dates_that_passed_before_publication() {
        let p = Patterns::new().expect("patterns compile");
        let mut dates = Vec::new();
        p.named_dates(
            &fold("Rassemblement le jeudi 21 août, place de la Bastille"),
            &mut dates,
        );
        p.named_dates(&fold("on December 14, 2025 at 6 pm"), &mut dates);
        assert_eq!(
            dates,
            [
                NamedDate {
                    month: 8,
                    day: 21,
                    year: None
                },
                NamedDate {
                    month: 12,
                    day: 14,
                    year: Some(2025)
                },
            ]
        );
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date");
        assert!(all_dates_passed(&dates, day(2026, 1, 5)));
        assert!(!all_dates_passed(&dates[..1], day(2025, 8, 20)));
        // "10 January" in a December post is next month, not eleven months ago.
        let jan = [NamedDate {
            month: 1,
            day: 10,
            year: None,
        }];
        assert!(!all_dates_passed(&jan, day(2025, 12, 20)));
        assert!(!all_dates_passed(&[], day(2025, 12, 20)));
    }

    #[test]
    fn counters_times_dates_and_contacts() {
        assert_eq!(counts("Déjà 12 430 signataires !").counters, 1);
        assert_eq!(
            counts("Saturday 14 December at 6 pm, outside the embassy").times,
            1
        );
        assert_eq!(counts("am Samstag, 14. Dezember, 18 Uhr").dates, 2);
        assert_eq!(
            counts("write to minister@gov.example or call +44 20 7946 0000").contacts,
            2
        );
        assert_eq!(counts("IBAN DE12 3456 7890 1234 5678 90").bank, 2);
    }
}
