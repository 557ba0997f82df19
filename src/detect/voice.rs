//! Who speaks in a sentence: the publisher (its names, its self-references, "we") or
//! someone else.
//!
//! Owns the publisher's name forms (from the feed's title, the configured partner name and
//! the entry's author) and the rule that finds the subject of a demand or attribution verb:
//! the words before the verb in its clause (English, French, German, Turkish), and for
//! Arabic, whose statements are verb-first ("تطالب الهيئة"), and German, whose verb comes
//! second ("Zugleich appelliert das Netzwerk"), also the few words after it.
//! Pure: works on folded text and byte offsets only; knows nothing of scores.

use super::cues::is_word_char;
use super::text::fold_into;

/// Words of a feed title that name the kind of page, not the publisher.
const NOT_A_NAME: [&str; 16] = [
    "news",
    "blog",
    "feed",
    "rss",
    "home",
    "actualites",
    "actualite",
    "nachrichten",
    "haberler",
    "اخبار",
    "الاخبار",
    "press",
    "releases",
    "updates",
    "articles",
    "posts",
];

/// Words that name a news outlet ("The Levant Ledger", "Sınır Hattı Haber", "الشام بوست"):
/// an outlet reports others' calls far more often than it makes its own.
const OUTLET_WORDS: [&str; 40] = [
    "news",
    "times",
    "post",
    "daily",
    "journal",
    "gazette",
    "dispatch",
    "ledger",
    "herald",
    "tribune",
    "observer",
    "chronicle",
    "press",
    "review",
    "monitor",
    "report",
    "reporter",
    "magazine",
    "nachrichten",
    "zeitung",
    "rundschau",
    "kurier",
    "anzeiger",
    "courrier",
    "depeche",
    "quotidien",
    "hebdo",
    "gazete",
    "haber",
    "haberleri",
    "ajans",
    "medya",
    "اخبار",
    "الاخبار",
    "بوست",
    "جريده",
    "صحيفه",
    "الصحيفه",
    "برس",
    "نيوز",
];

/// The publisher's names in folded form, longest first.
#[derive(Debug, Clone, Default)]
pub(crate) struct Publisher {
    names: Vec<String>,
}

impl Publisher {
    /// Name forms from free-form names ("Levant Rights Watch – News", "LRW"): each part of a
    /// title split at dashes, bars and colons, acronyms in parentheses, and the initials of
    /// a name of three or more capitalised words.
    pub(crate) fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Publisher {
        let mut out: Vec<String> = Vec::new();
        for name in names {
            for part in name.split(['|', ':', '–', '—', '-', '(', ')', '»', '«', '·', '/', ','])
            {
                push_form(&mut out, part);
                if let Some(initials) = initials(part) {
                    push_form(&mut out, &initials);
                }
            }
        }
        out.sort_by_key(|n| std::cmp::Reverse(n.len()));
        out.dedup();
        Publisher { names: out }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// These names and an entry's author's.
    pub(crate) fn with(&self, author: &str) -> Publisher {
        let mut p = self.clone();
        let extra = Publisher::new([author]);
        p.names.extend(extra.names);
        p.names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        p.names.dedup();
        p
    }

    /// True when a name reads as a news outlet's.
    pub(crate) fn is_outlet(&self) -> bool {
        self.names.iter().any(|n| {
            n.split(|c: char| !is_word_char(c))
                .any(|w| OUTLET_WORDS.contains(&w))
        })
    }

    /// True when one of the names occurs in `norm[range]` as whole words (Arabic names
    /// also after a clitic).
    pub(crate) fn named_in(&self, norm: &str, from: usize, to: usize) -> bool {
        let hay = &norm[from..to];
        self.names.iter().any(|n| whole_word_in(hay, n))
    }
}

/// Legal forms that a name carries in the feed title but rarely in the text.
const LEGAL_FORMS: [&str; 10] = [
    " e.v.", " e. v.", " ev", " ggmbh", " gmbh", " ltd", " inc", " cic", " asbl", " dernegi",
];

fn push_form(out: &mut Vec<String>, part: &str) {
    let mut folded = String::with_capacity(part.len());
    fold_into(part.trim(), &mut folded);
    let mut name = folded.trim().trim_start_matches("the ").trim().to_string();
    for form in LEGAL_FORMS {
        if let Some(short) = name.strip_suffix(form) {
            name = short.trim_end_matches([' ', '.', ',']).to_string();
        }
    }
    let letters = name.chars().filter(|c| c.is_alphanumeric()).count();
    if letters < 3 || NOT_A_NAME.contains(&name.as_str()) {
        return;
    }
    out.push(name);
}

/// "Levant Rights Watch" -> "LRW"; `None` for fewer than three capitalised words.
fn initials(name: &str) -> Option<String> {
    let caps: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_uppercase())
        .collect();
    (caps.chars().count() >= 3).then_some(caps)
}

/// Arabic proclitics a name may carry ("وأكدت الهيئة", "للهيئة").
const CLITICS: [&str; 4] = ["و", "ف", "ب", "ل"];

fn whole_word_in(hay: &str, needle: &str) -> bool {
    let mut from = 0;
    while let Some(i) = hay[from..].find(needle) {
        let s = from + i;
        let e = s + needle.len();
        let before = hay[..s].chars().next_back();
        let start_ok = before.is_none_or(|c| !is_word_char(c))
            || CLITICS.iter().any(|cl| {
                hay[..s]
                    .strip_suffix(cl)
                    .is_some_and(|b| b.chars().next_back().is_none_or(|c| !is_word_char(c)))
            });
        let end_ok = hay[e..].chars().next().is_none_or(|c| !is_word_char(c));
        if start_ok && end_ok {
            return true;
        }
        from = s + hay[s..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// Who a verb's subject is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Speaker {
    /// The publisher by name (feed title, partner name, author).
    Named,
    /// A self-reference ("the coalition", "l'association", "الهيئة", "derneğimiz").
    SelfRef,
    /// Inside quotation marks: the quoted person's words.
    Quoted,
    /// Anyone else, or nobody said.
    Other,
}

/// Most words looked at before a verb for its subject.
const WINDOW_BEFORE: usize = 24;
/// Words looked at after a verb-first Arabic verb.
const WINDOW_AFTER: usize = 4;

/// The speaker of the verb at `norm[start..end]`. `self_refs` are the byte ranges of
/// self-reference cues in the same sentence.
pub(crate) fn speaker(
    norm: &str,
    start: usize,
    end: usize,
    publisher: &Publisher,
    self_refs: &[(usize, usize)],
    verb_first: bool,
) -> Speaker {
    if inside_quotes(norm, start) {
        return Speaker::Quoted;
    }
    let from = window_start(norm, start);
    let to = if verb_first {
        window_end(norm, end)
    } else {
        start
    };
    if !publisher.is_empty()
        && (publisher.named_in(norm, from, start) || publisher.named_in(norm, end, to.max(end)))
    {
        return Speaker::Named;
    }
    let near = |&(s, e): &(usize, usize)| (s >= from && e <= start) || (s >= end && e <= to);
    if self_refs.iter().any(near) {
        return Speaker::SelfRef;
    }
    Speaker::Other
}

/// Whether the word after `end` ties an officer's title to an organisation ("director
/// of …", "Vorsitzende der …", "directrice de …").
pub(crate) fn of_another(norm: &str, end: usize) -> bool {
    let next = norm[end..]
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .find(|w| !w.is_empty())
        .unwrap_or("");
    matches!(
        next,
        "of" | "at" | "der" | "des" | "von" | "beim" | "de" | "du" | "d" | "della"
    ) || next.starts_with("d'")
}

/// An odd number of quotation marks before `pos` (straight quotes, after folding).
pub(crate) fn inside_quotes(norm: &str, pos: usize) -> bool {
    norm[..pos].bytes().filter(|&b| b == b'"').count() % 2 == 1
}

/// Start of the subject window: the clause start (after ; or :) or `WINDOW_BEFORE` words back.
fn window_start(norm: &str, start: usize) -> usize {
    let before = &norm[..start];
    let clause = before.rfind([';', ':', '؛']).map_or(0, |i| i + 1);
    let mut words = 0;
    let mut at = start;
    for (i, c) in before.char_indices().rev() {
        if i < clause {
            break;
        }
        if c == ' ' {
            words += 1;
            if words > WINDOW_BEFORE {
                break;
            }
        }
        at = i;
    }
    at.max(clause)
}

/// End of the window after a verb: `WINDOW_AFTER` words or the clause's end.
fn window_end(norm: &str, end: usize) -> usize {
    let mut words = 0;
    for (i, c) in norm[end..].char_indices() {
        if matches!(c, ',' | '،' | '.' | ';' | '؛' | ':') {
            return end + i;
        }
        if c == ' ' && i > 0 {
            words += 1;
            if words > WINDOW_AFTER {
                return end + i;
            }
        }
    }
    norm.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::text::fold;

    fn who(publisher: &[&str], text: &str, verb: &str, arabic: bool) -> Speaker {
        let p = Publisher::new(publisher.iter().copied());
        let norm = fold(text);
        let start = norm.find(verb).expect("verb in text");
        speaker(&norm, start, start + verb.len(), &p, &[], arabic)
    }

    #[test]
    fn an_officer_belongs_to_another_organisation_only_when_one_follows() {
        assert!(of_another("the director of the agency said", 12));
        assert!(of_another("vorsitzende der kommission", 11));
        assert!(of_another("directrice d'amnesty", 10));
        assert!(!of_another("said the director.", 17));
        assert!(!of_another("sagt vorsitzende maria schulz", 16));
    }

    #[test]
    fn the_publisher_by_name_or_initials_is_the_speaker() {
        let lrw = ["Levant Rights Watch – News"];
        assert_eq!(
            who(
                &lrw,
                "Levant Rights Watch calls on the council to act.",
                "calls on",
                false
            ),
            Speaker::Named
        );
        assert_eq!(
            who(&lrw, "Today LRW urges the ministry to act.", "urges", false),
            Speaker::Named
        );
        assert_eq!(
            who(
                &lrw,
                "The UN envoy called on the council to act.",
                "called on",
                false
            ),
            Speaker::Other
        );
        assert_eq!(
            who(
                &lrw,
                "\"Levant Rights Watch calls on you\", he said.",
                "calls on",
                false
            ),
            Speaker::Quoted
        );
    }

    #[test]
    fn arabic_subjects_follow_the_verb() {
        let p = ["الهيئة السورية للإغاثة"];
        assert_eq!(
            who(
                &p,
                "وتطالب الهيئة السورية للإغاثة مجلس الأمن بالتحرك",
                "تطالب",
                true
            ),
            Speaker::Named
        );
        assert_eq!(
            who(&p, "وطالب المبعوث الأممي مجلس الأمن بالتحرك", "طالب", true),
            Speaker::Other
        );
    }

    #[test]
    fn news_outlets_are_known_by_their_names() {
        assert!(Publisher::new(["The Levant Ledger"]).is_outlet());
        assert!(Publisher::new(["Sınır Hattı Haber"]).is_outlet());
        assert!(Publisher::new(["الشام بوست"]).is_outlet());
        assert!(!Publisher::new(["Levant Rights Watch"]).is_outlet());
    }

    #[test]
    fn page_words_are_not_names() {
        let p = Publisher::new(["News", "Blog – Hatay Dayanışma Ağı"]);
        assert_eq!(
            p.names,
            vec!["hatay dayanisma agi".to_string(), "hda".to_string()]
        );
    }
}
