//! What a date mention is the date of, from the words around it in its sentence: a
//! deadline (`until`, `jusqu'au`, `bis zum`, `حتى`, `… kadar`), the start of an event
//! (`vigil`, `rassemblement`, `Kundgebung`, `eylem`, `وقفه`), a report of the past
//! (`arrested`, `depuis`, `wurde`, `gözaltına`, `منذ`; a bare weekday beside a verb of the
//! past or thanks), or nothing said. A cue nearer to a neighbouring date is that date's.
//!
//! Must not: resolve dates or choose between mentions.

use super::lexicon::Lexicon;
use super::mention::{Day, Mention, phrase_at, word_is};
use super::scan::{Tok, ends_sentence};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// The start of an event; the number of event cues around it.
    When(u32),
    /// A deadline: named right beside it (`until 12 March`), or only near it.
    Deadline(bool),
    /// A date of the past, or reported as such.
    Past,
    /// No cue either way.
    Unlabeled,
}

/// How far (in tokens) cues are looked for around a mention.
const PAST_BEFORE: usize = 6;
const PAST_AFTER: usize = 5;
const EVENT_BEFORE: usize = 15;
const EVENT_AFTER: usize = 12;
const NEAR_BEFORE: usize = 10;
const NEAR_AFTER: usize = 6;
/// Little words skipped between a deadline cue and its date.
const MAX_SKIPPED: usize = 6;

/// The sentence around tokens `start..end`: (first token, index after the last).
fn sentence(toks: &[Tok], start: usize, end: usize) -> (usize, usize) {
    let first = (0..start)
        .rev()
        .find(|&k| ends_sentence(toks, k))
        .map_or(0, |k| k + 1);
    let last = (end..toks.len())
        .find(|&k| ends_sentence(toks, k))
        .unwrap_or(toks.len());
    (first, last)
}

/// Whether any phrase starts somewhere in `from..to` (and ends by `to`).
fn any_phrase_in(toks: &[Tok], from: usize, to: usize, phrases: &[&str]) -> u32 {
    let mut n = 0;
    for k in from..to {
        for p in phrases {
            if phrase_at(toks, k, p).is_some_and(|e| e <= to) {
                n += 1;
            }
        }
    }
    n
}

/// A word or mark that may stand between a deadline cue and its date: punctuation, a
/// little word, a weekday, or a part of a time of day (`until 11:59pm on 15 March`).
fn skippable(t: &Tok, lex: &Lexicon) -> bool {
    const TIME_WORDS: &[&str] = &["am", "pm", "a", "p", "m", "uhr", "h", "saat", "الساعه"];
    t.kind == super::scan::Kind::Punct && !t.is_punct('\n') && !t.is_punct('.')
        || t.digits(1, 2)
        || lex.fillers.iter().any(|w| word_is(t, w))
        || lex.weekdays.iter().any(|(w, _)| word_is(t, w))
        || TIME_WORDS.iter().any(|w| word_is(t, w))
}

/// A full stop inside `p.m.` / `a.m.`.
fn meridiem_dot(toks: &[Tok], k: usize) -> bool {
    toks[k].is_punct('.')
        && k > 0
        && ["a", "p", "m"].contains(&toks[k - 1].text.as_str())
        && toks[k - 1].is_word()
}

/// A deadline cue right before the mention (little words and a weekday between).
fn deadline_before(toks: &[Tok], m: &Mention, lex: &Lexicon) -> bool {
    let mut end = m.start;
    let mut skipped = 0;
    while skipped <= MAX_SKIPPED {
        let ends_here = lex.deadline_before.iter().any(|p| {
            let n = p.split(' ').count();
            end >= n && phrase_at(toks, end - n, p) == Some(end)
        });
        if ends_here {
            return true;
        }
        if end == 0 || !(skippable(&toks[end - 1], lex) || meridiem_dot(toks, end - 1)) {
            return false;
        }
        // The parts of a time of day (`11:59 p.m.`) count as one.
        let t = &toks[end - 1];
        if !(t.is_num() || t.is_punct(':') || meridiem_dot(toks, end - 1) || t.text.len() == 1) {
            skipped += 1;
        }
        end -= 1;
    }
    false
}

/// A deadline cue right after the mention (`12 Mart'a kadar`, `… tarihine kadar`).
fn deadline_after(toks: &[Tok], m: &Mention, lex: &Lexicon) -> bool {
    for k in m.end..=m.end + MAX_SKIPPED {
        if lex
            .deadline_after
            .iter()
            .any(|p| phrase_at(toks, k, p).is_some())
        {
            return true;
        }
        let Some(t) = toks.get(k) else { return false };
        // A Turkish case ending after an apostrophe (`2027'ye kadar`).
        let suffix = t.is_word() && !t.space_before && k > 0 && toks[k - 1].is_punct('\'');
        if suffix {
            continue;
        }
        let time_part = t.is_num()
            || t.is_punct(':')
            || t.is_punct('\'')
            || word_is(t, "uhr")
            || meridiem_dot(toks, k);
        if !(time_part || skippable(t, lex)) || t.is_punct('\n') {
            return false;
        }
    }
    false
}

/// Where a mention sits: its neighbours' ends bound the words read as its cues, and a
/// day before publication is read with a closer eye for past tense.
pub(super) struct Place {
    pub prev_end: usize,
    pub next_start: usize,
    pub before_publication: bool,
}

/// The role of one mention.
pub(super) fn of(toks: &[Tok], m: &Mention, place: &Place, lexes: &[&Lexicon]) -> Role {
    if m.day == Day::Past || dateline(toks, m) {
        return Role::Past;
    }
    if lexes
        .iter()
        .any(|l| deadline_before(toks, m, l) || deadline_after(toks, m, l))
    {
        return Role::Deadline(true);
    }
    let (first, last) = sentence(toks, m.start, m.end);
    let from = |n: usize| m.start.saturating_sub(n).max(first);
    let to = |n: usize| (m.end + n).min(last);
    let count = |phrases: fn(&Lexicon) -> &'static [&'static str], a: usize, b: usize| -> u32 {
        lexes
            .iter()
            .map(|l| {
                any_phrase_in(toks, from(a), m.start, phrases(l))
                    + any_phrase_in(toks, m.end, to(b), phrases(l))
            })
            .sum()
    };
    let (past_from, past_to) = (
        from(PAST_BEFORE).max(place.prev_end),
        to(PAST_AFTER).min(place.next_start).max(m.end),
    );
    let past_words = lexes.iter().any(|l| {
        any_phrase_in(toks, past_from, m.start, l.past)
            + any_phrase_in(toks, m.end, past_to, l.past)
            > 0
    });
    // A bare weekday resolves ahead; a past verb beside it says it is the one that passed.
    let bare_weekday = matches!(m.day, Day::Weekday(_, false));
    let past_form = (place.before_publication || bare_weekday)
        && (past_from..m.start)
            .chain(m.end..past_to)
            .any(|k| lexes.iter().any(|l| looks_past(&toks[k], l)));
    // `… see you on Saturday at 2pm` is ahead: a weekday that passed comes without a time.
    let thanked = bare_weekday
        && m.time.is_none()
        && lexes
            .iter()
            .any(|l| any_phrase_in(toks, first, last, l.thanks) > 0);
    if past_words || past_form || thanked {
        return Role::Past;
    }
    let events = count(|l| l.event, EVENT_BEFORE, EVENT_AFTER) + u32::from(m.time.is_some());
    // A cue nearer to a neighbouring date than to this one is that date's.
    let half_before = match place.prev_end {
        0 => 0,
        p => p + m.start.saturating_sub(p).div_ceil(2),
    };
    let half_after = match place.next_start {
        n if n >= toks.len() => n,
        n => m.end + n.saturating_sub(m.end) / 2,
    };
    let near_deadline = lexes.iter().any(|l| {
        let (a, b) = (
            from(NEAR_BEFORE).max(half_before.min(m.start)),
            to(NEAR_AFTER).min(half_after).max(m.end),
        );
        any_phrase_in(toks, a, m.start, l.deadline_near)
            + any_phrase_in(toks, m.end, b, l.deadline_near)
            > 0
    });
    match (events, near_deadline) {
        (0, false) => Role::Unlabeled,
        (_, true) => Role::Deadline(false),
        (n, false) => Role::When(n),
    }
}

/// `Berlin, 22.02.2027 –`, `عمّان في ١٤ أيلول ٢٠٢٧ —`: the place and day a statement was
/// written, at the start of a line and followed by a dash; not a date it asks anything for.
fn dateline(toks: &[Tok], m: &Mention) -> bool {
    let line_start = (0..m.start)
        .rev()
        .find(|&k| toks[k].is_punct('\n'))
        .map_or(0, |k| k + 1);
    let dash = toks
        .get(m.end)
        .is_some_and(|t| ['–', '—', '-'].iter().any(|&c| t.is_punct(c)));
    dash && (line_start + 1..=line_start + 3).contains(&m.start)
}

/// A verb form of the past by its ending (English `-ed`, Turkish `-dı`), or a French
/// auxiliary of the past, for dates before publication.
fn looks_past(t: &Tok, lex: &Lexicon) -> bool {
    if !t.is_word() {
        return false;
    }
    let w = t.text.as_str();
    let long = w.chars().count() >= 5;
    match lex.code {
        "en" => long && w.ends_with("ed") && !NOT_PAST_EN.contains(&w),
        "tr" => {
            long && [
                "dı", "di", "du", "dü", "tı", "ti", "tu", "tü", "dılar", "diler", "dular", "düler",
            ]
            .iter()
            .any(|e| w.ends_with(e))
                && !NOT_PAST_TR.contains(&w)
        }
        "fr" => ["a", "ont", "avons", "avait", "sont", "fut"].contains(&w),
        _ => false,
    }
}

const NOT_PAST_EN: &[&str] = &[
    "scheduled",
    "planned",
    "organised",
    "organized",
    "needed",
    "invited",
    "united",
    "hundred",
    "required",
    "expected",
    "called",
    "proposed",
    "planned",
    "welcomed",
];
const NOT_PAST_TR: &[&str] = &["saati", "hedefi", "etkinliği", "günü"];

/// Whether the text speaks of an event anywhere outside the date mentions themselves.
pub(super) fn speaks_of_event(toks: &[Tok], mentions: &[Mention], lexes: &[&Lexicon]) -> bool {
    let mut from = 0;
    let mut gaps: Vec<(usize, usize)> = Vec::new();
    for m in mentions {
        gaps.push((from, m.start));
        from = m.end;
    }
    gaps.push((from, toks.len()));
    gaps.iter()
        .any(|&(a, b)| lexes.iter().any(|l| any_phrase_in(toks, a, b, l.event) > 0))
}
