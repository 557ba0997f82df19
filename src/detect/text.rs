//! Plain-text helpers: the normalisation that cues and text share, sentence splitting
//! with abbreviation guards, and script counting.
//!
//! Works on `&str` only; knows nothing of HTML, cues or scores.

/// Appends the matching form of `s` to `out`: lower case, Latin diacritics folded
/// (é -> e, ı/İ -> i, ß -> ss), Arabic diacritics and tatweel removed, Arabic letter
/// variants unified (أ إ آ -> ا, ى -> ي, ة -> ه, ؤ -> و, ئ -> ي), Arabic-Indic digits as
/// ASCII, typographic quotes and dashes as ASCII, runs of spaces as one space.
/// [`fold_into`] for text that is known to have single spaces only (HTML reader output).
pub(crate) fn fold_clean_into(s: &str, out: &mut String) {
    if out.ends_with(' ') && s.starts_with(' ') {
        fold_into(s, out);
        return;
    }
    // ASCII runs are copied and lower-cased in bulk; other characters one by one.
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let run = b[i..]
            .iter()
            .position(|&x| x >= 0x80)
            .unwrap_or(b.len() - i);
        if run > 0 {
            let start = out.len();
            out.push_str(&s[i..i + run]);
            out[start..].make_ascii_lowercase();
            i += run;
            continue;
        }
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        let len = c.len_utf8();
        if matches!(c as u32, 0x0621 | 0x0627 | 0x0628 | 0x062A..=0x063A | 0x0641..=0x0648 | 0x064A)
        {
            out.push(c); // Arabic letters that stay as they are
        } else {
            fold_into(&s[i..i + len], out);
        }
        i += len;
    }
}

pub(crate) fn fold_into(s: &str, out: &mut String) {
    let mut last_space = out.is_empty() || out.ends_with(' ');
    // Fastest path: ASCII with single spaces (what the HTML reader produces).
    let b = s.as_bytes();
    if s.is_ascii()
        && memchr::memchr3(b'\t', b'\n', b'\r', b).is_none()
        && !b.windows(2).any(|w| w == b"  ")
        && !(last_space && b.first() == Some(&b' '))
    {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_lowercase();
        return;
    }
    // Fast path: pure ASCII text.
    if s.is_ascii() {
        out.reserve(s.len());
        for &b in s.as_bytes() {
            if b.is_ascii_whitespace() {
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            } else {
                out.push(char::from(b.to_ascii_lowercase()));
                last_space = false;
            }
        }
        return;
    }
    for c in s.chars() {
        fold_char(c, out, &mut last_space);
    }
}

/// Appends the matching form of one character (see [`fold_into`]).
#[inline]
fn fold_char(c: char, out: &mut String, last_space: &mut bool) {
    let cp = c as u32;
    // Arabic letters that stay as they are.
    if matches!(cp, 0x0621 | 0x0627 | 0x0628 | 0x062A..=0x063A | 0x0641..=0x0648 | 0x064A) {
        out.push(c);
        *last_space = false;
        return;
    }
    if c.is_ascii() {
        if c.is_ascii_whitespace() {
            if !*last_space {
                out.push(' ');
                *last_space = true;
            }
            return;
        }
        out.push(c.to_ascii_lowercase());
        *last_space = false;
        return;
    }
    let mapped: Option<&str> = match c {
        // Spaces
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{3000}' => {
            if !*last_space {
                out.push(' ');
                *last_space = true;
            }
            return;
        }
        // Invisible: zero-width, direction marks, soft hyphen, BOM, diacritics, tatweel.
        '\u{200B}'..='\u{200F}'
        | '\u{00AD}'
        | '\u{FEFF}'
        | '\u{202A}'..='\u{202E}'
        | '\u{0300}'..='\u{036F}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{0640}' => return,
        '’' | '‘' | 'ʼ' | '′' | '`' => Some("'"),
        '“' | '”' | '„' | '«' | '»' | '‹' | '›' => Some("\""),
        '–' | '—' | '‐' | '‑' | '−' => Some("-"),
        '…' => Some("..."),
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å'
        | 'Ā' | 'Ă' | 'Ą' => Some("a"),
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' | 'Ç' | 'Ć' | 'Č' => Some("c"),
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' | 'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ė' | 'Ę'
        | 'Ě' => Some("e"),
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' | 'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' | 'İ' => {
            Some("i")
        }
        'ñ' | 'ń' | 'ň' | 'Ñ' | 'Ń' | 'Ň' => Some("n"),
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō'
        | 'Ő' => Some("o"),
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű' => {
            Some("u")
        }
        'ý' | 'ÿ' | 'Ý' | 'Ÿ' => Some("y"),
        'ß' | 'ẞ' => Some("ss"),
        'ğ' | 'Ğ' => Some("g"),
        'ş' | 'ś' | 'š' | 'ș' | 'Ş' | 'Ś' | 'Š' | 'Ș' => Some("s"),
        'ţ' | 'ț' | 'ť' | 'Ţ' | 'Ț' | 'Ť' => Some("t"),
        'ž' | 'ź' | 'ż' | 'Ž' | 'Ź' | 'Ż' => Some("z"),
        'œ' | 'Œ' => Some("oe"),
        'æ' | 'Æ' => Some("ae"),
        'đ' | 'ď' | 'Đ' | 'Ď' => Some("d"),
        'ł' | 'ľ' | 'ĺ' | 'Ł' | 'Ľ' | 'Ĺ' => Some("l"),
        'ř' | 'Ř' => Some("r"),
        // Arabic letter variants
        'أ' | 'إ' | 'آ' | 'ٱ' => Some("ا"),
        'ى' | 'ئ' | 'ی' => Some("ي"),
        'ة' => Some("ه"),
        'ؤ' => Some("و"),
        'ک' => Some("ك"),
        _ => None,
    };
    if let Some(m) = mapped {
        out.push_str(m);
        *last_space = false;
        return;
    }
    let cp = c as u32;
    if (0x0621..=0x063A).contains(&cp) || (0x0641..=0x064A).contains(&cp) {
        out.push(c); // plain Arabic letters
    } else if let Some(d) = crate::text::ascii_digit(c) {
        out.push(d);
    } else if c.is_whitespace() {
        if !*last_space {
            out.push(' ');
            *last_space = true;
        }
        return;
    } else if c.is_uppercase() {
        out.extend(
            c.to_lowercase()
                .filter(|l| !('\u{0300}'..='\u{036F}').contains(l)),
        );
    } else {
        out.push(c);
    }
    *last_space = false;
}

/// Convenience: the folded form as a new string.
#[cfg(test)]
pub(crate) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

/// Abbreviations after which a full stop never ends a sentence (lower case, no dot).
const ALWAYS_ABBREV: &[&str] = &[
    "dr", "mr", "mrs", "ms", "prof", "st", "ste", "mme", "mlle", "mm", "me", "pr", "hr", "nr",
    "no", "vs", "cf", "gen", "col", "lt", "sgt", "capt", "gov", "sen", "rep", "hon", "jr", "sr",
    "fig", "vol", "art", "abs", "bd", "dipl", "ing", "str", "vgl", "evtl", "ggf", "sog", "inkl",
    "zzgl", "bspw", "av", "ave", "mt", "dept", "univ", "sn", "doç", "yrd", "vb", "op", "pp",
];

/// Abbreviations that end a sentence only when a capital letter follows.
const SOMETIMES_ABBREV: &[&str] = &[
    "etc", "bzw", "usw", "inc", "ltd", "co", "corp", "approx", "ca", "env", "resp",
];

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '؟' | '…' | '。' | '！' | '？' | '۔')
}

fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '”' | '’' | '»' | ')' | ']' | '›' | '“' | '«'
    )
}

/// Whether the full stop at the end of `before` belongs to an abbreviation, given the
/// text that follows it.
fn is_abbreviation(before: &str, after: &str) -> bool {
    let word_start = before
        .rfind(|c: char| c.is_whitespace() || matches!(c, '(' | '[' | '"' | '“' | '«' | '/'))
        .map(|i| i + before[i..].chars().next().map_or(1, char::len_utf8))
        .unwrap_or(0);
    let word = &before[word_start..];
    if word.is_empty() {
        return false;
    }
    let next = after.trim_start().chars().next();
    // Initialisms and dotted abbreviations: U.N., e.g., z.B., a.m.
    if word.contains('.') && word.chars().any(char::is_alphabetic) {
        return true;
    }
    let mut chars = word.chars();
    if let (Some(c), None) = (chars.next(), chars.next())
        && c.is_alphabetic()
    {
        return true; // an initial: "J. Smith", "M. Dupont"
    }
    let is = |list: &[&str]| word.len() <= 6 && list.iter().any(|a| a.eq_ignore_ascii_case(word));
    if is(ALWAYS_ABBREV) {
        return true;
    }
    if next.is_some_and(|c| c.is_lowercase() || c.is_ascii_digit()) {
        return true;
    }
    if is(SOMETIMES_ABBREV) {
        return !next.is_some_and(char::is_uppercase);
    }
    // Ordinals and list numbers: "am 5. Mai", "1. Sign".
    if word.len() <= 2 && word.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    false
}

/// Sentence splitter: finds terminators with SIMD byte search.
#[derive(Debug)]
pub(crate) struct Splitter {
    /// Finders for the non-ASCII terminators ؟ and ….
    others: Vec<memchr::memmem::Finder<'static>>,
}

impl Splitter {
    pub(crate) fn new() -> Result<Splitter, String> {
        let others = ["؟", "…"]
            .iter()
            .map(|t| memchr::memmem::Finder::new(t.as_bytes()).into_owned())
            .collect();
        Ok(Splitter { others })
    }

    /// Splits `text` (one block, spaces already collapsed) into sentences, appending their
    /// byte ranges (trimmed) to `out`.
    pub(crate) fn split(&self, text: &str, out: &mut Vec<(usize, usize)>) {
        let bytes = text.as_bytes();
        let mut marks: Vec<usize> = memchr::memchr3_iter(b'.', b'!', b'?', bytes).collect();
        if !text.is_ascii() {
            let before = marks.len();
            for f in &self.others {
                marks.extend(f.find_iter(bytes));
            }
            if marks.len() > before {
                marks.sort_unstable();
            }
        }
        let mut start = 0;
        let mut consumed = 0;
        for i in marks {
            if i < consumed {
                continue;
            }
            let Some(c) = text[i..].chars().next() else {
                break;
            };
            let mut end = i + c.len_utf8();
            for d in text[end..].chars() {
                if is_terminator(d) || is_closer(d) {
                    end += d.len_utf8();
                } else {
                    break;
                }
            }
            consumed = end;
            let rest = &text[end..];
            let Some(next) = rest.chars().next() else {
                break;
            };
            if !next.is_whitespace() {
                continue;
            }
            if c == '.' && end == i + 1 && is_abbreviation(&text[start..i], rest) {
                continue;
            }
            push_trimmed(text, start, end, out);
            start = end;
        }
        push_trimmed(text, start, text.len(), out);
    }
}

/// Text without terminators longer than this is cut at white space into pieces of at most
/// this many bytes: the cue matcher's work on one sentence grows with the square of its
/// length, so one hostile 400 KB "sentence" took minutes of CPU.
const MAX_SENTENCE_BYTES: usize = 2_000;

fn push_trimmed(text: &str, mut start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    while end - start > MAX_SENTENCE_BYTES {
        let mut cut = start + MAX_SENTENCE_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        if let Some(ws) = text[start..cut]
            .rfind(char::is_whitespace)
            .filter(|&ws| ws > 0)
        {
            cut = start + ws;
        }
        push_piece(text, start, cut, out);
        start = cut;
    }
    push_piece(text, start, end, out);
}

fn push_piece(text: &str, start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if lead + trail < s.len() {
        out.push((start + lead, end - trail));
    }
}

/// Letter counts by script, for language identification.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ScriptCounts {
    pub latin: usize,
    pub arabic: usize,
    /// Letters only Sorani Kurdish uses (ڕ ڵ ێ ۆ ە).
    pub sorani: usize,
    /// Letters Persian and Kurdish use but Arabic does not (پ چ ژ گ ک ی).
    pub persian: usize,
    pub other: usize,
}

impl ScriptCounts {
    pub(crate) fn add(&mut self, s: &str) {
        for c in s.chars() {
            if c.is_ascii() {
                if c.is_ascii_alphabetic() {
                    self.latin += 1;
                }
                continue;
            }
            match c as u32 {
                0x00C0..=0x024F | 0x1E00..=0x1EFF => {
                    if c.is_alphabetic() {
                        self.latin += 1
                    }
                }
                0x0621..=0x063A | 0x0641..=0x064A => self.arabic += 1,
                0x0695 | 0x06B5 | 0x06CE | 0x06C6 | 0x06D5 => {
                    self.sorani += 1;
                    self.arabic += 1;
                }
                0x067E | 0x0686 | 0x0698 | 0x06AF | 0x06A9 | 0x06CC => {
                    self.persian += 1;
                    self.arabic += 1;
                }
                0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
                    if c.is_alphabetic() {
                        self.arabic += 1
                    }
                }
                _ => {
                    if c.is_alphabetic() {
                        self.other += 1
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expect: &[&str]) {
        let mut ranges = Vec::new();
        Splitter::new()
            .expect("terminators compile")
            .split(text, &mut ranges);
        let got: Vec<&str> = ranges.iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(got, expect, "splitting {text:?}");
    }

    #[test]
    fn sentences_and_abbreviations() {
        check(
            "Dr. Haddad met the U.N. envoy. He asked for help.",
            &["Dr. Haddad met the U.N. envoy.", "He asked for help."],
        );
        check(
            "Bring food, water, etc. and blankets. Then join us!",
            &["Bring food, water, etc. and blankets.", "Then join us!"],
        );
        check(
            "Syria vs. the world? No. Not today.",
            &["Syria vs. the world?", "No. Not today."],
        );
        check(
            "Spenden Sie z.B. Decken. Kommen Sie am 5. Mai zur Mahnwache.",
            &[
                "Spenden Sie z.B. Decken.",
                "Kommen Sie am 5. Mai zur Mahnwache.",
            ],
        );
        check(
            "e.g., food parcels. M. Dupont a dit « venez ». Signez ici !",
            &[
                "e.g., food parcels.",
                "M. Dupont a dit « venez ».",
                "Signez ici !",
            ],
        );
        check(
            "نطالب بالإفراج عن المعتقلين. هل ستنضمون إلينا؟ شاركوا في الوقفة!",
            &[
                "نطالب بالإفراج عن المعتقلين.",
                "هل ستنضمون إلينا؟",
                "شاركوا في الوقفة!",
            ],
        );
        check("No terminator at all", &["No terminator at all"]);
        check(
            "Version 2.5 is out. Good.",
            &["Version 2.5 is out.", "Good."],
        );
    }

    #[test]
    fn folding() {
        assert_eq!(fold("SIGNEZ la Pétition"), "signez la petition");
        assert_eq!(fold("İMZALAYIN  şimdi"), "imzalayin simdi");
        assert_eq!(fold("وَقِّعُوا على العريضة ٢٠٢٤"), "وقعوا علي العريضه 2024");
        assert_eq!(fold("Let’s go — now"), "let's go - now");
    }
}
