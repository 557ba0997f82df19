//! Tokens -> date mentions: absolute dates (`12 March 2027`, `March 12`, `12/03/2027`,
//! ISO, `12 آذار`), relative days (`tomorrow`, `demain`, `غدا`), weekdays (`this
//! Saturday`, `samedi prochain`, `am Samstag`, `cumartesi günü`, `nächste Woche Freitag`),
//! the weekend, a day without its month (`by the 20th`), "in N days", and a time of day
//! near each (`18:00`, `6pm`, `18h`, `18 Uhr`, `saat 18.00`, `الساعه السادسه`).
//!
//! Must not: resolve a mention against a calendar or decide what it is the date of.

use super::lexicon::{AM_WORDS, AR_HOURS, Lexicon, PM_WORDS};
use super::scan::{Tok, ends_sentence};
use chrono::{NaiveDate, NaiveTime, Weekday};

/// What a mention says about the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Day {
    Date(NaiveDate),
    /// Day and month, no year.
    NoYear(u32, u32),
    /// Days after the publication day (0: that day).
    Offset(i64),
    /// The next such weekday on or after the publication day (`strictly`: after it).
    Weekday(Weekday, bool),
    /// That weekday in the calendar week after the publication's.
    NextWeek(Weekday),
    /// A day of the month without its month (`by the 20th`, `ayın 20'sine`): this
    /// month's, or the next one's once it has passed.
    Nth(u32),
    /// The coming weekend's Saturday (the publication day itself when it is a Sunday).
    Weekend,
    /// A day before publication (`yesterday`, `last Saturday`).
    Past,
    /// The last day of a month: a named one (its next occurrence), or the current one.
    MonthEnd(Option<u32>),
}

impl Day {
    pub(crate) fn is_absolute(self) -> bool {
        matches!(
            self,
            Day::Date(_) | Day::NoYear(..) | Day::MonthEnd(_) | Day::Nth(_)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Mention {
    /// Token range `start..end`.
    pub start: usize,
    pub end: usize,
    pub day: Day,
    pub time: Option<NaiveTime>,
}

/// Every mention in the tokens, in order, each with the time of day near it.
pub(super) fn find(toks: &[Tok], lexes: &[&Lexicon], month_first: bool) -> Vec<Mention> {
    let mut found: Vec<Mention> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match at(toks, i, lexes, month_first) {
            Some(m) => {
                i = m.end;
                found.push(m);
            }
            None => i += 1,
        }
    }
    drop_weekdays_beside_dates(&mut found);
    for k in 0..found.len() {
        let prev_end = if k == 0 { 0 } else { found[k - 1].end };
        let next_start = found.get(k + 1).map_or(toks.len(), |m| m.start);
        found[k].time = time_near(toks, &found[k], prev_end, next_start, lexes);
    }
    found
}

/// A mention starting at token `i`, if any.
fn at(toks: &[Tok], i: usize, lexes: &[&Lexicon], month_first: bool) -> Option<Mention> {
    iso(toks, i)
        .or_else(|| numeric(toks, i, month_first))
        .or_else(|| day_month(toks, i))
        .or_else(|| month_day(toks, i))
        .or_else(|| month_end(toks, i, lexes))
        .or_else(|| arabic_ordinal_day(toks, i))
        .or_else(|| weekend(toks, i, lexes))
        .or_else(|| relative(toks, i, lexes))
        .or_else(|| weekday(toks, i, lexes))
        .or_else(|| in_days(toks, i, lexes))
        .or_else(|| day_of_month(toks, i))
}

fn mention(start: usize, end: usize, day: Day) -> Mention {
    Mention {
        start,
        end,
        day,
        time: None,
    }
}

/// "Saturday 12 March": the weekday only repeats the date beside it.
fn drop_weekdays_beside_dates(found: &mut Vec<Mention>) {
    let near_date = |k: usize, found: &[Mention]| {
        let m = &found[k];
        let before = k > 0 && found[k - 1].day.is_absolute() && m.start <= found[k - 1].end + 3;
        let after = k + 1 < found.len()
            && found[k + 1].day.is_absolute()
            && found[k + 1].start <= m.end + 3;
        before || after
    };
    let keep: Vec<bool> = (0..found.len())
        .map(|k| !matches!(found[k].day, Day::Weekday(..)) || !near_date(k, found))
        .collect();
    let mut k = 0;
    found.retain(|_| {
        k += 1;
        keep[k - 1]
    });
}

// ---------------------------------------------------------------------------------------
// Words

/// Whether token `t` is the lexicon word `w` (a trailing `*` matches a prefix, a leading
/// one a suffix: German compounds, `*schluss`; an Arabic word may carry a one-letter
/// conjunction or preposition, or the article, in front).
pub(super) fn word_is(t: &Tok, w: &str) -> bool {
    if !(t.is_word() || t.kind == super::scan::Kind::Punct && t.text == w) {
        return false;
    }
    let s = t.text.as_str();
    let eq = |s: &str| match (w.strip_suffix('*'), w.strip_prefix('*')) {
        (Some(stem), _) => s.starts_with(stem),
        (None, Some(end)) => s.ends_with(end) && s.len() > end.len(),
        (None, None) => s == w,
    };
    if eq(s) {
        return true;
    }
    let arabic = s
        .chars()
        .next()
        .is_some_and(|c| ('\u{0600}'..='\u{06FF}').contains(&c));
    arabic
        && ["و", "ف", "ب", "ل", "وب", "ول", "وال", "ال"]
            .iter()
            .any(|p| {
                s.strip_prefix(p)
                    .is_some_and(|rest| rest.chars().count() > 1 && eq(rest))
            })
}

/// Whether the phrase (words separated by spaces) starts at token `i`; the index after it.
pub(super) fn phrase_at(toks: &[Tok], i: usize, phrase: &str) -> Option<usize> {
    let mut j = i;
    for w in phrase.split(' ') {
        let t = toks.get(j)?;
        if !word_is(t, w) {
            return None;
        }
        j += 1;
    }
    Some(j)
}

/// The part of a Turkish word before its suffix (`mart'a` -> `mart`).
fn stem(t: &Tok) -> &str {
    t.text.split('\'').next().unwrap_or("")
}

/// A month name at token `i` in any language: (month, index after it).
fn month_at(toks: &[Tok], i: usize) -> Option<(u32, usize)> {
    let t = toks.get(i)?;
    if !t.is_word() {
        return None;
    }
    for lex in super::lexicon::ALL {
        for (name, m) in lex.months {
            if name.contains(' ') {
                if let Some(end) = phrase_at(toks, i, name) {
                    return Some((*m, end));
                }
            } else if t.text == *name || stem(t) == *name || word_is(t, name) {
                return Some((*m, i + 1));
            } else if let Some(rest) = t.text.strip_suffix('.') {
                if rest == *name {
                    return Some((*m, i + 1));
                }
            }
        }
    }
    None
}

/// After a month: an alternative name for it (`اذار/مارس`, `آذار (مارس)`), skipped.
fn skip_alias(toks: &[Tok], mut j: usize) -> usize {
    let open = toks
        .get(j)
        .is_some_and(|t| t.is_punct('/') || t.is_punct('('));
    if open && let Some((_, end)) = month_at(toks, j + 1) {
        j = end;
        if toks.get(j).is_some_and(|t| t.is_punct(')')) {
            j += 1;
        }
    }
    j
}

/// A year after a date: `2027`, `, 2027`, `2027'de`; (year, index after it).
fn year_at(toks: &[Tok], j: usize) -> Option<(i32, usize)> {
    let mut k = j;
    if toks.get(k).is_some_and(|t| t.is_punct(',')) {
        k += 1;
    }
    let t = toks.get(k)?;
    (t.digits(4, 4) && (1900..=2100).contains(&t.num)).then_some((t.num as i32, k + 1))
}

fn date_or_daymonth(year: Option<i32>, month: u32, day: u32) -> Option<Day> {
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    match year {
        Some(y) => NaiveDate::from_ymd_opt(y, month, day).map(Day::Date),
        None => Some(Day::NoYear(day, month)),
    }
}

// ---------------------------------------------------------------------------------------
// Absolute dates

/// `2027-03-12` (a time after `T` is left to the time search).
fn iso(toks: &[Tok], i: usize) -> Option<Mention> {
    let [y, a, m, b, d] = toks.get(i..i + 5)? else {
        return None;
    };
    if !(y.digits(4, 4) && a.is_punct('-') && m.digits(1, 2) && b.is_punct('-') && d.digits(1, 2)) {
        return None;
    }
    let day = NaiveDate::from_ymd_opt(y.num as i32, m.num, d.num)?;
    Some(mention(i, i + 5, Day::Date(day)))
}

/// `12/03/2027`, `12.03.2027`, `12-03-27`, `12/03`, `12.03.`: day first, except for
/// writers who put the month first (a part over 12 settles it either way).
fn numeric(toks: &[Tok], i: usize, month_first: bool) -> Option<Mention> {
    let (a, s1, b) = (toks.get(i)?, toks.get(i + 1)?, toks.get(i + 2)?);
    if !(a.digits(1, 2) && b.digits(1, 2)) || b.space_before || s1.space_before {
        return None;
    }
    let sep = s1.text.chars().next()?;
    if !matches!(sep, '/' | '.' | '-') || s1.kind != super::scan::Kind::Punct {
        return None;
    }
    let (day, month) = if a.num <= 12 && (month_first || b.num > 12) {
        (b.num, a.num)
    } else {
        (a.num, b.num)
    };
    let year_sep = toks
        .get(i + 3)
        .filter(|t| t.is_punct(sep) && !t.space_before);
    let year = year_sep
        .and_then(|_| toks.get(i + 4))
        .filter(|t| (t.digits(2, 2) || t.digits(4, 4)) && !t.space_before);
    if let Some(y) = year {
        let y = if y.text.len() == 2 {
            2000 + y.num as i32
        } else {
            y.num as i32
        };
        return date_or_daymonth(Some(y), month, day).map(|d| mention(i, i + 5, d));
    }
    // Without a year only `12/03` or `12.03.` (a time is `18.30`).
    let trailing_dot = sep == '.' && year_sep.is_some();
    if sep == '/' || trailing_dot {
        let end = if trailing_dot { i + 4 } else { i + 3 };
        return date_or_daymonth(None, month, day).map(|d| mention(i, end, d));
    }
    None
}

/// After a day number: `.`, `th`, `er`, `'inci`, … ; the index after them.
fn skip_ordinal(toks: &[Tok], mut j: usize) -> usize {
    if toks
        .get(j)
        .is_some_and(|t| t.is_punct('.') || t.is_punct('\''))
    {
        j += 1;
    }
    if toks.get(j).is_some_and(|t| {
        t.is_word()
            && !t.space_before
            && [
                "st", "nd", "rd", "th", "er", "e", "ème", "inci", "ncı", "nci", "si", "sı",
            ]
            .contains(&t.text.as_str())
    }) {
        j += 1;
    }
    j
}

/// `12 March 2027`, `12. März`, `1er mars`, `12 آذار 2027`, `12 Mart'ta`, and ranges
/// `12-14 March`, `du 12 au 14 mars` (the first day); `12th of March`.
fn day_month(toks: &[Tok], i: usize) -> Option<Mention> {
    let d = toks.get(i)?;
    if !d.digits(1, 2) {
        return None;
    }
    let mut j = skip_ordinal(toks, i + 1);
    if toks.get(j).is_some_and(|t| t.text == "of") {
        j += 1;
    }
    if month_at(toks, j).is_none() {
        j = skip_range(toks, j)?;
    }
    if toks.get(j).is_some_and(|t| t.text == "of") {
        j += 1;
    }
    let (month, after) = month_at(toks, j)?;
    let after = skip_alias(toks, after);
    let (year, end) = match year_at(toks, after) {
        Some((y, e)) => (Some(y), e),
        None => (None, after),
    };
    date_or_daymonth(year, month, d.num).map(|day| mention(i, end, day))
}

/// The second end of a range of days before a month: `-14`, `au 14`, `bis 14.`.
fn skip_range(toks: &[Tok], j: usize) -> Option<usize> {
    let link = toks.get(j)?;
    let is_link = link.is_punct('/')
        || super::lexicon::ALL
            .iter()
            .any(|l| l.range.iter().any(|w| word_is(link, w)));
    let second = toks.get(j + 1)?;
    (is_link && second.digits(1, 2)).then(|| skip_ordinal(toks, j + 2))
}

/// `March 12`, `March 12th, 2027`, `March 12-14`.
fn month_day(toks: &[Tok], i: usize) -> Option<Mention> {
    let (month, j) = month_at(toks, i)?;
    let d = toks.get(j)?;
    if !d.digits(1, 2) || month_at(toks, skip_ordinal(toks, j + 1)).is_some() {
        return None;
    }
    let mut after = skip_ordinal(toks, j + 1);
    if let Some(k) = skip_range(toks, after)
        && toks.get(after).is_some_and(|t| t.is_punct('-'))
    {
        after = k;
    }
    // `March 12:00` is not a day.
    if toks.get(j + 1).is_some_and(|t| t.is_punct(':')) {
        return None;
    }
    let (year, end) = match year_at(toks, after) {
        Some((y, e)) => (Some(y), e),
        None => (None, after),
    };
    date_or_daymonth(year, month, d.num).map(|day| mention(i, end, day))
}

/// `end of March`, `fin mars`, `Ende März`, `Mart sonuna`, `نهايه اذار`, and the end of
/// the current month (`end of the month`, `fin du mois`, `ay sonuna`, `نهايه الشهر`).
fn month_end(toks: &[Tok], i: usize, lexes: &[&Lexicon]) -> Option<Mention> {
    for lex in lexes {
        for p in lex.end_this_month {
            if let Some(end) = phrase_at(toks, i, p) {
                return Some(mention(i, end, Day::MonthEnd(None)));
            }
        }
        for p in lex.end_before {
            if let Some(j) = phrase_at(toks, i, p)
                && let Some((month, end)) = month_at(toks, j)
            {
                return Some(mention(i, end, Day::MonthEnd(Some(month))));
            }
        }
        if let Some((month, j)) = month_at(toks, i)
            && any_word(toks.get(j), lex.end_after)
        {
            return Some(mention(i, j + 1, Day::MonthEnd(Some(month))));
        }
    }
    None
}

/// A day without a month: `the 20th`, `le 15 à 14h`, `ayın 20'si`, `20 من الشهر الجاري`.
fn day_of_month(toks: &[Tok], i: usize) -> Option<Mention> {
    const THIS_MONTH_AR: &[&str] = &[
        "من الشهر الجاري",
        "من الشهر الحالي",
        "الشهر الجاري",
        "الشهر الحالي",
        "من هذا الشهر",
    ];
    let d = toks
        .get(i)
        .filter(|t| t.digits(1, 2) && (1..=31).contains(&t.num))?;
    let prev = i
        .checked_sub(1)
        .and_then(|p| toks.get(p))
        .map_or("", |t| t.text.as_str());
    let next = toks.get(i + 1);
    let ordinal = next.is_some_and(|n| {
        n.is_word() && !n.space_before && ["st", "nd", "rd", "th"].contains(&n.text.as_str())
    });
    let end = if prev == "the" && ordinal {
        i + 2
    } else if prev == "le" && next.is_some_and(|n| n.text == "à" || n.text == "dès")
        || prev == "ayın"
    {
        i + 1
    } else {
        THIS_MONTH_AR
            .iter()
            .find_map(|p| phrase_at(toks, i + 1, p))?
    };
    Some(mention(i, end, Day::Nth(d.num)))
}

/// `الاول من ايار` (the first of May), up to the tenth.
fn arabic_ordinal_day(toks: &[Tok], i: usize) -> Option<Mention> {
    let t = toks.get(i)?;
    let (_, day) = super::lexicon::AR_DAYS
        .iter()
        .find(|(w, _)| word_is(t, w))?;
    let j = if toks.get(i + 1).is_some_and(|t| word_is(t, "من")) {
        i + 2
    } else {
        i + 1
    };
    let (month, end) = month_at(toks, j)?;
    let end = skip_alias(toks, end);
    let (year, end) = match year_at(toks, end) {
        Some((y, e)) => (Some(y), e),
        None => (None, end),
    };
    date_or_daymonth(year, month, *day).map(|d| mention(i, end, d))
}

// ---------------------------------------------------------------------------------------
// Relative days

fn any_word(t: Option<&Tok>, words: &[&str]) -> bool {
    t.is_some_and(|t| words.iter().any(|w| word_is(t, w)))
}

/// `tomorrow`, `demain`, `heute`, `yarın`, `غدا`, … (not `am Morgen`, `اليوم العالمي`).
fn relative(toks: &[Tok], i: usize, lexes: &[&Lexicon]) -> Option<Mention> {
    for lex in lexes {
        for (phrase, offset) in lex.relative {
            let Some(end) = phrase_at(toks, i, phrase) else {
                continue;
            };
            let prev = i.checked_sub(1).and_then(|p| toks.get(p));
            if any_word(toks.get(end), lex.relative_not_before)
                || any_word(prev, lex.relative_not_after)
            {
                continue;
            }
            let day = if *offset < 0 {
                Day::Past
            } else {
                Day::Offset(*offset)
            };
            return Some(mention(i, end, day));
        }
    }
    None
}

/// `this weekend`, `ce week-end`, `am Wochenende`, `bu hafta sonu`, `نهايه الاسبوع`.
fn weekend(toks: &[Tok], i: usize, lexes: &[&Lexicon]) -> Option<Mention> {
    let end = lexes
        .iter()
        .flat_map(|l| l.weekend.iter())
        .find_map(|p| phrase_at(toks, i, p))?;
    Some(mention(i, end, Day::Weekend))
}

/// A weekday with what marks it: `this/next/last Saturday`, `samedi prochain`, `am
/// Samstag`, `cumartesi günü`, `يوم السبت`, `السبت المقبل`; `every Saturday` is none.
fn weekday(toks: &[Tok], i: usize, lexes: &[&Lexicon]) -> Option<Mention> {
    let t = toks.get(i)?;
    for lex in lexes {
        let Some((name, wd)) = lex.weekdays.iter().find(|(w, _)| {
            word_is(t, w) || stem(t) == *w || case_form(lex, t, w) || part_of_day(lex, t, w)
        }) else {
            continue;
        };
        if let Some(m) = next_week(toks, i, lex, *wd) {
            return Some(m);
        }
        let prev = |n: usize| i.checked_sub(n).and_then(|p| toks.get(p));
        let next = toks.get(i + 1);
        if any_word(prev(1), lex.every_before) || any_word(prev(2), lex.every_before) {
            return None;
        }
        let past = any_word(prev(1), lex.last_before) || any_word(next, lex.last_after);
        let strict = any_word(prev(1), lex.next_before) || any_word(next, lex.next_after);
        let marked = any_word(next, lex.weekday_after_mark);
        // `cumaya kadar`: the ending marks it, `kadar` is left to the deadline cues.
        let until = case_form(lex, t, name) && next.is_some_and(|n| n.text == "kadar");
        if lex.weekday_needs_mark.contains(name)
            && !(past || strict || marked || until || prev(1).is_some_and(|p| p.text == "bu"))
        {
            return None;
        }
        let end = if strict && any_word(next, lex.next_after)
            || past && any_word(next, lex.last_after)
            || marked
        {
            i + 2
        } else {
            i + 1
        };
        let day = if past {
            Day::Past
        } else {
            Day::Weekday(*wd, strict)
        };
        return Some(mention(i, end, day));
    }
    None
}

/// A German weekday joined to a part of the day (`Sonntagabend`, `Samstagnachmittag`).
fn part_of_day(lex: &Lexicon, t: &Tok, name: &str) -> bool {
    const PARTS: &[&str] = &[
        "abend",
        "morgen",
        "vormittag",
        "mittag",
        "nachmittag",
        "nacht",
        "abends",
        "morgens",
        "nachmittags",
    ];
    lex.code == "de"
        && t.text
            .strip_prefix(name)
            .is_some_and(|rest| PARTS.contains(&rest))
}

/// A Turkish weekday with a case ending and no apostrophe (`cumaya`, `perşembeden`).
fn case_form(lex: &Lexicon, t: &Tok, name: &str) -> bool {
    const ENDINGS: &[&str] = &[
        "ya", "ye", "a", "e", "da", "de", "ta", "te", "dan", "den", "tan", "ten", "ki", "yı", "yi",
        "ı", "i",
    ];
    lex.code == "tr"
        && t.text
            .strip_prefix(name)
            .is_some_and(|rest| ENDINGS.contains(&rest))
}

/// `nächste Woche Freitag`, `next week Friday`: the weekday of the following week.
/// After it, with a little word between: `Friday of next week`, `vendredi de la semaine
/// prochaine`, `الجمعه من الاسبوع المقبل`.
fn next_week(toks: &[Tok], i: usize, lex: &Lexicon, wd: Weekday) -> Option<Mention> {
    let before = lex.next_week.iter().find_map(|p| {
        let n = p.split(' ').count();
        let s = i.checked_sub(n)?;
        (phrase_at(toks, s, p) == Some(i)).then_some(s)
    });
    if let Some(start) = before {
        return Some(mention(start, i + 1, Day::NextWeek(wd)));
    }
    let link = toks.get(i + 1)?;
    if !["of", "de", "من"].contains(&link.text.as_str()) {
        return None;
    }
    let end = lex
        .next_week
        .iter()
        .find_map(|p| phrase_at(toks, i + 2, p))?;
    Some(mention(i, end, Day::NextWeek(wd)))
}

/// A small number, in digits or a word.
fn number_at(toks: &[Tok], i: usize, lex: &Lexicon) -> Option<u32> {
    let t = toks.get(i)?;
    if t.digits(1, 3) {
        return Some(t.num);
    }
    lex.num_words
        .iter()
        .find(|(w, _)| word_is(t, w))
        .map(|(_, n)| *n)
}

/// The days in a unit word at `i` (`days` 1, `weeks` 7).
fn unit_at(toks: &[Tok], i: usize, lex: &Lexicon) -> Option<i64> {
    if any_word(toks.get(i), lex.unit_day) {
        Some(1)
    } else if any_word(toks.get(i), lex.unit_week) {
        Some(7)
    } else {
        None
    }
}

/// `in 10 days`, `within two weeks`, `dans 10 jours`, `innerhalb von 10 Tagen`, `10 gün
/// içinde`, `خلال 10 ايام`.
fn in_days(toks: &[Tok], i: usize, lexes: &[&Lexicon]) -> Option<Mention> {
    for lex in lexes {
        for w in lex.in_before {
            let Some(j) = phrase_at(toks, i, w) else {
                continue;
            };
            if let (Some(n), Some(unit)) = (number_at(toks, j, lex), unit_at(toks, j + 1, lex)) {
                return Some(mention(i, j + 2, Day::Offset(i64::from(n) * unit)));
            }
        }
        if lex.in_after.is_empty() {
            continue;
        }
        if let (Some(n), Some(unit)) = (number_at(toks, i, lex), unit_at(toks, i + 1, lex))
            && any_word(toks.get(i + 2), lex.in_after)
        {
            return Some(mention(i, i + 3, Day::Offset(i64::from(n) * unit)));
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// Times of day

/// The first time of day after the mention (up to 8 tokens, same sentence, before the
/// next mention), else the last one just before it (up to 6 tokens).
fn time_near(
    toks: &[Tok],
    m: &Mention,
    prev_end: usize,
    next_start: usize,
    lexes: &[&Lexicon],
) -> Option<NaiveTime> {
    let mut j = m.end;
    while j < toks.len().min(m.end + 8).min(next_start) {
        if let Some(t) = time_at(toks, j, lexes) {
            return Some(t);
        }
        if ends_sentence(toks, j) {
            break;
        }
        j += 1;
    }
    let mut j = m.start;
    while j > prev_end && j + 6 > m.start {
        j -= 1;
        if ends_sentence(toks, j) {
            break;
        }
        if let Some(t) = time_at(toks, j, lexes) {
            return Some(t);
        }
    }
    None
}

/// Adds 12 hours after `pm`, `مساء`, `abends`, … ; `12 am` is midnight.
fn meridiem(toks: &[Tok], j: usize, hour: u32) -> u32 {
    let word = |k: usize| toks.get(k).map(|t| t.text.as_str()).unwrap_or("");
    let p_m =
        word(j) == "p" && toks.get(j + 1).is_some_and(|t| t.is_punct('.')) && word(j + 2) == "m";
    let a_m =
        word(j) == "a" && toks.get(j + 1).is_some_and(|t| t.is_punct('.')) && word(j + 2) == "m";
    let pm = p_m
        || PM_WORDS
            .iter()
            .any(|w| toks.get(j).is_some_and(|t| word_is(t, w)));
    let am = a_m
        || AM_WORDS
            .iter()
            .any(|w| toks.get(j).is_some_and(|t| word_is(t, w)));
    match (pm, am) {
        (true, _) if hour < 12 => hour + 12,
        (_, true) if hour == 12 => 0,
        _ => hour,
    }
}

/// A time of day at token `j`: `18:00`, `6pm`, `6 p.m.`, `18h30`, `18 Uhr`, `18.30 Uhr`,
/// `saat 18.00`, `الساعه 6 مساء`, `الساعه السادسه`.
fn time_at(toks: &[Tok], j: usize, lexes: &[&Lexicon]) -> Option<NaiveTime> {
    let t = toks.get(j)?;
    if t.is_word() && (word_is(t, "الساعه") || word_is(t, "saat")) {
        if let Some(time) = arabic_hour_word(toks, j + 1) {
            return Some(time);
        }
        let h = toks.get(j + 1).filter(|n| n.digits(1, 2))?;
        return clock(toks, j + 1, h.num, true);
    }
    if !t.digits(1, 2) {
        return None;
    }
    let marked = j > 0
        && lexes
            .iter()
            .any(|l| l.time_before.iter().any(|w| word_is(&toks[j - 1], w)));
    clock(toks, j, t.num, marked)
}

/// The time whose hour is the number at `j`.
fn clock(toks: &[Tok], j: usize, hour: u32, marked: bool) -> Option<NaiveTime> {
    let next = toks.get(j + 1);
    let minutes = |k: usize| {
        toks.get(k)
            .filter(|m| m.digits(2, 2) && m.num < 60 && !m.space_before)
    };
    let (minute, after) = match next {
        Some(s) if s.is_punct(':') && !s.space_before => (minutes(j + 2)?.num, j + 3),
        Some(s) if s.is_punct('.') && !s.space_before && minutes(j + 2).is_some() => {
            let unit = toks.get(j + 3).is_some_and(|u| {
                ["uhr", "h", "pm", "am", "p", "a"]
                    .iter()
                    .any(|w| word_is(u, w))
            });
            if !(marked || unit) {
                return None;
            }
            (minutes(j + 2)?.num, j + 3)
        }
        Some(h) if h.is_word() && h.text == "h" => {
            let m = toks
                .get(j + 2)
                .filter(|m| m.digits(2, 2) && !m.space_before);
            (
                m.map_or(0, |m| m.num),
                if m.is_some() { j + 3 } else { j + 2 },
            )
        }
        Some(u) if word_is(u, "uhr") => (0, j + 2),
        Some(w) if ["pm", "am", "p", "a"].contains(&w.text.as_str()) => (0, j + 1),
        _ if marked => (0, j + 1),
        _ => return None,
    };
    let hour = meridiem(toks, after, hour);
    NaiveTime::from_hms_opt(hour, minute, 0)
}

/// `السادسه` (and `مساء` after it).
fn arabic_hour_word(toks: &[Tok], j: usize) -> Option<NaiveTime> {
    for (w, h) in AR_HOURS {
        if let Some(end) = phrase_at(toks, j, w) {
            let mut end = end;
            let minute = if toks.get(end).is_some_and(|t| word_is(t, "والنصف")) {
                end += 1;
                30
            } else {
                0
            };
            let hour = meridiem(toks, end, *h);
            return NaiveTime::from_hms_opt(hour, minute, 0);
        }
    }
    None
}
