//! Text -> normalised tokens: digits in any script become ASCII, Arabic loses its
//! diacritics and its letter variants (أ إ آ -> ا, ى -> ي, ة -> ه), everything is lower
//! case, and the text is cut into words, numbers and punctuation with sentence ends.
//!
//! Must not: know what a date is.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Word,
    Num,
    Punct,
}

/// One token of the normalised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Tok {
    pub kind: Kind,
    /// Lower case; a number's digits; a punctuation mark ('\n' for a line break).
    pub text: String,
    /// A number's value (0 for other tokens).
    pub num: u32,
    /// White space before it.
    pub space_before: bool,
}

impl Tok {
    pub(crate) fn is_word(&self) -> bool {
        self.kind == Kind::Word
    }
    pub(crate) fn is_num(&self) -> bool {
        self.kind == Kind::Num
    }
    pub(crate) fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct && self.text.starts_with(c)
    }
    /// A number of `min..=max` digits.
    pub(crate) fn digits(&self, min: usize, max: usize) -> bool {
        self.is_num() && (min..=max).contains(&self.text.len())
    }
}

/// One character of normalised text, or none (a diacritic).
fn normalise_char(c: char, turkish: bool, out: &mut String) {
    if let Some(d) = crate::text::ascii_digit(c) {
        out.push(d);
        return;
    }
    match c {
        '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' | '\u{200C}'..='\u{200F}' => {}
        'أ' | 'إ' | 'آ' | 'ٱ' => out.push('ا'),
        'ى' => out.push('ي'),
        'ة' => out.push('ه'),
        '،' => out.push(','),
        '’' | '‘' | 'ʼ' | '`' | '´' => out.push('\''),
        '–' | '—' | '‑' => out.push('-'),
        'İ' => out.push('i'),
        'I' if turkish => out.push('ı'),
        _ => out.extend(c.to_lowercase()),
    }
}

/// The text in normal form (see the module's head).
pub(super) fn normalise(text: &str, turkish: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        normalise_char(c, turkish, &mut out);
    }
    out
}

fn is_letter(c: char) -> bool {
    c.is_alphabetic() || matches!(c, '\u{0300}'..='\u{036F}')
}

/// Normalised text -> tokens. An apostrophe or hyphen between two letters stays inside
/// the word (`jusqu'au`, `mart'a`, `après-demain`).
pub(super) fn tokens(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let mut space = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            toks.push(punct('\n', space));
            space = true;
            i += 1;
        } else if c.is_whitespace() {
            space = true;
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            let num = digits.parse().unwrap_or(u32::MAX);
            toks.push(Tok {
                kind: Kind::Num,
                text: digits,
                num,
                space_before: space,
            });
            space = false;
        } else if is_letter(c) {
            let start = i;
            while i < chars.len() {
                let joins = matches!(chars[i], '\'' | '-')
                    && i + 1 < chars.len()
                    && is_letter(chars[i + 1])
                    && i > start;
                if !(is_letter(chars[i]) || joins) {
                    break;
                }
                i += 1;
            }
            toks.push(Tok {
                kind: Kind::Word,
                text: chars[start..i].iter().collect(),
                num: 0,
                space_before: space,
            });
            space = false;
        } else {
            toks.push(punct(c, space));
            space = false;
            i += 1;
        }
    }
    toks
}

fn punct(c: char, space_before: bool) -> Tok {
    Tok {
        kind: Kind::Punct,
        text: c.to_string(),
        num: 0,
        space_before,
    }
}

/// Whether token `i` ends a sentence: `! ? ؟ ; ؛` and line breaks always; a full stop
/// only when white space or the end follows and it does not close an ordinal number
/// (`am 12. März`).
pub(super) fn ends_sentence(toks: &[Tok], i: usize) -> bool {
    let t = &toks[i];
    if t.kind != Kind::Punct {
        return false;
    }
    match t.text.chars().next() {
        Some('!' | '?' | '؟' | ';' | '؛' | '\n') => true,
        Some('.') => {
            let spaced = toks.get(i + 1).is_none_or(|n| n.space_before);
            let ordinal = i > 0 && toks[i - 1].digits(1, 2);
            spaced && !ordinal
        }
        _ => false,
    }
}
