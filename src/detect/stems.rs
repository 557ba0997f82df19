//! Word families of the genre vocabulary: "donation", "donors", "donating"; "Spenden",
//! "Sachspenden", "Spendenaktion"; "bağış", "bağışlarınızı"; "التبرع", "تبرعاتكم".
//!
//! Owns the matching of a language's genre words (the cue files' `[[stem]]` tables) by
//! Snowball stem (rust-stemmers: Arabic, English, French, German, Turkish), with German
//! compounds matched by their parts and Arabic clitics left to the stemmer. A cheap
//! Aho-Corasick pass over the stems finds candidates; only their words are stemmed. Works
//! on folded text; it says which kinds' vocabulary occurs, not whether anyone asks.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use rust_stemmers::{Algorithm, Stemmer};

use super::ActionKind;
use super::cues::is_word_char;

/// Shortest stem matched inside a German compound ("spend" in "sachspenden").
const MIN_COMPOUND_PART: usize = 5;

/// One language's word families.
struct Family {
    stemmer: Stemmer,
    /// Stem -> kind.
    stems: HashMap<String, ActionKind>,
    /// Finds candidate positions: every stem as a substring.
    finder: AhoCorasick,
    finder_stems: Vec<String>,
    compounds: bool,
}

/// Word families per language.
pub(crate) struct StemSet {
    families: Vec<(&'static str, Family)>,
}

impl std::fmt::Debug for StemSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StemSet")
            .field("languages", &self.families.len())
            .finish()
    }
}

fn algorithm(lang: &str) -> Option<Algorithm> {
    Some(match lang {
        "en" => Algorithm::English,
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "tr" => Algorithm::Turkish,
        "ar" => Algorithm::Arabic,
        _ => return None,
    })
}

impl StemSet {
    /// Builds the families from (language, kind, folded words). Words of languages without
    /// a Snowball stemmer are refused with a message.
    pub(crate) fn new(words: &[(&'static str, ActionKind, String)]) -> Result<StemSet, String> {
        let mut by_lang: Vec<(&'static str, Vec<(ActionKind, &str)>)> = Vec::new();
        for (lang, kind, word) in words {
            match by_lang.iter_mut().find(|(l, _)| l == lang) {
                Some((_, v)) => v.push((*kind, word)),
                None => by_lang.push((lang, vec![(*kind, word)])),
            }
        }
        let mut families = Vec::new();
        for (lang, list) in by_lang {
            let algo =
                algorithm(lang).ok_or_else(|| format!("no stemmer for language {lang:?}"))?;
            let stemmer = Stemmer::create(algo);
            let mut stems = HashMap::new();
            for (kind, word) in list {
                let stem = stemmer.stem(word).into_owned();
                if stem.chars().count() < 3 {
                    return Err(format!("stem: {word:?} stems to {stem:?}, too short"));
                }
                stems.entry(stem).or_insert(kind);
            }
            let finder_stems: Vec<String> = stems.keys().cloned().collect();
            let finder = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&finder_stems)
                .map_err(|e| e.to_string())?;
            families.push((
                lang,
                Family {
                    stemmer,
                    stems,
                    finder,
                    finder_stems,
                    compounds: lang == "de",
                },
            ));
        }
        Ok(StemSet { families })
    }

    /// Calls `found(kind)` once per word of `norm` (folded text in `lang`) whose stem, or
    /// for German a compound part's, is a genre stem.
    pub(crate) fn scan(&self, norm: &str, lang: &str, mut found: impl FnMut(ActionKind)) {
        let Some((_, fam)) = self.families.iter().find(|(l, _)| *l == lang) else {
            return;
        };
        let mut last_word = usize::MAX;
        for m in fam.finder.find_overlapping_iter(norm) {
            let (ws, we) = word_around(norm, m.start(), m.end());
            if ws == last_word {
                continue;
            }
            let whole = &norm[ws..we];
            let part = &norm[m.start()..we];
            let stem = &fam.finder_stems[m.pattern().as_usize()];
            let whole_hit = if m.start() == ws {
                fam.stems.get(fam.stemmer.stem(whole).as_ref())
            } else {
                None
            };
            // A compound's head ("Sach|spenden") or modifier ("Unterschriften|aktion").
            let part_hit = || {
                let long = fam.compounds && stem.len() >= MIN_COMPOUND_PART;
                let head = long && m.start() > ws;
                let modifier = long && we > m.end();
                if head {
                    fam.stems.get(fam.stemmer.stem(part).as_ref())
                } else if modifier {
                    fam.stems.get(stem.as_str())
                } else {
                    None
                }
            };
            let hit = whole_hit.or_else(part_hit);
            if let Some(&kind) = hit {
                last_word = ws;
                found(kind);
            }
        }
    }
}

/// The word (run of word characters) that contains `start..end`.
fn word_around(norm: &str, start: usize, end: usize) -> (usize, usize) {
    let ws = norm[..start]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word_char(*c))
        .last()
        .map_or(start, |(i, _)| i);
    let we = end
        + norm[end..]
            .chars()
            .take_while(|c| is_word_char(*c))
            .map(char::len_utf8)
            .sum::<usize>();
    (ws, we)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::text::fold;

    fn kinds(lang: &'static str, words: &[(ActionKind, &str)], text: &str) -> Vec<ActionKind> {
        let list: Vec<_> = words.iter().map(|(k, w)| (lang, *k, fold(w))).collect();
        let set = StemSet::new(&list).expect("stems build");
        let mut out = Vec::new();
        set.scan(&fold(text), lang, |k| out.push(k));
        out
    }

    #[test]
    fn inflected_forms_and_german_compounds_match() {
        use ActionKind::*;
        assert_eq!(
            kinds(
                "en",
                &[(Donate, "donation")],
                "Donations from donors arrive"
            ),
            vec![Donate]
        );
        assert_eq!(
            kinds(
                "de",
                &[(Donate, "Spende"), (Sign, "Unterschrift")],
                "Sachspenden und die Unterschriftenaktion"
            ),
            vec![Donate, Sign]
        );
        assert_eq!(
            kinds("tr", &[(Donate, "bağış")], "Bağışlarınız için teşekkürler"),
            vec![Donate]
        );
        assert!(kinds("en", &[(Mobilize, "march")], "the marchioness").is_empty());
    }
}
