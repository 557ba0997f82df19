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
        })
    }
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
