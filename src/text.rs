//! Small text helpers shared by parsing, detection, rendering and logging: HTML fragment ->
//! plain text, the one HTML entity decoder, the one language-tag reader, the one digit
//! normaliser (Arabic-Indic and Persian digits as ASCII), and the bot token scrubbed from a
//! message.
//!
//! Pure and tolerant: never fails, whatever the input.

/// Replaces the bot token wherever it appears (reqwest errors carry the URL).
pub fn scrub(message: &str, token: Option<&str>) -> String {
    match token.filter(|t| t.len() >= 4) {
        Some(t) => message.replace(t, "<token>"),
        None => message.to_string(),
    }
}

/// Removes tags, decodes entities, folds white space. For titles and short fields;
/// the detector has its own richer walker for bodies (with the same entity decoder).
pub fn html_to_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.char_indices().peekable();
    let mut in_tag = false;
    // Hidden elements found not to be closed anywhere after some point: never searched
    // again (keeps many unclosed `<script>` tags linear).
    let mut unclosed: Vec<String> = Vec::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '<' if !in_tag => {
                // A tag starts only with a letter, '/', '!' or '?'; else it is text.
                if s[i + 1..]
                    .chars()
                    .next()
                    .is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?'))
                {
                    in_tag = true;
                    out.push(' ');
                    // The content of script, style and the like is not text: skip to the
                    // end of the closing tag.
                    if let Some(skip) = hidden_element_len(&s[i..], &mut unclosed) {
                        let stop = i + skip;
                        while chars.peek().is_some_and(|(j, _)| *j < stop) {
                            chars.next();
                        }
                        in_tag = false;
                    }
                } else {
                    out.push('<');
                }
            }
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            '&' => {
                if let Some((decoded, used)) = decode_entity(&s[i..]) {
                    out.push(decoded);
                    while chars.peek().is_some_and(|(j, _)| *j < i + used) {
                        chars.next();
                    }
                } else {
                    out.push('&');
                }
            }
            _ => out.push(c),
        }
    }
    fold_space(&out)
}

/// Elements whose content is never shown as text.
const HIDDEN_ELEMENTS: &[&str] = &[
    "script", "style", "iframe", "noscript", "template", "object",
];

/// If `s` starts with the opening tag of a hidden element that is closed later, the length
/// in bytes of the element up to the end of its closing tag. An element never closed is
/// left to the caller as a lone tag (a plain-text title may mention "<script>").
fn hidden_element_len(s: &str, unclosed: &mut Vec<String>) -> Option<usize> {
    let name_len = s[1..]
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(s.len() - 1);
    let name = s[1..1 + name_len].to_ascii_lowercase();
    if !HIDDEN_ELEMENTS.contains(&name.as_str()) || unclosed.contains(&name) {
        return None;
    }
    let mut from = 1;
    while let Some(rel) = s[from..].find("</") {
        let at = from + rel;
        let after = &s.as_bytes()[at + 2..];
        if after.len() >= name.len() && after[..name.len()].eq_ignore_ascii_case(name.as_bytes()) {
            return Some(s[at..].find('>').map_or(s.len(), |gt| at + gt + 1));
        }
        from = at + 2;
    }
    unclosed.push(name);
    None
}

/// The primary language subtag of a language tag, lower-cased: `en-US`, `ar_SY`, ` FR `
/// -> `en`, `ar`, `fr` (empty for an empty tag). The one reader of language tags (feeds'
/// declared languages, Telegram's `language_code`, an alert's language).
pub fn primary_language(tag: &str) -> String {
    tag.trim()
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// The ASCII digit an Arabic-Indic (`٠`–`٩`) or Persian (`۰`–`۹`) digit stands for; `None`
/// for any other character (ASCII digits included). The one digit normaliser: the
/// detector's folded text and the date scanner's tokens both read digits through it.
pub fn ascii_digit(c: char) -> Option<char> {
    let zero = match c {
        '\u{0660}'..='\u{0669}' => 0x0660,
        '\u{06F0}'..='\u{06F9}' => 0x06F0,
        _ => return None,
    };
    char::from_digit(c as u32 - zero, 10)
}

/// Collapses runs of white space into one space and trims.
pub fn fold_space(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes one character reference at the start of `s` (which begins with `&`): a named
/// one (the common names, `;` optional), or a decimal or hexadecimal one (0 and invalid
/// code points give U+FFFD, 0x80–0x9F are read as Windows-1252). Returns the character and
/// the bytes consumed; `None` when `s` starts with no reference (a lone `&`). The one
/// entity decoder: titles here and the detector's body reader both use it.
#[inline]
pub fn decode_entity(s: &str) -> Option<(char, usize)> {
    let b = s.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if b[1] == b'#' {
        let (hex, digits_at) = if b.len() > 2 && (b[2] == b'x' || b[2] == b'X') {
            (true, 3)
        } else {
            (false, 2)
        };
        let mut end = digits_at;
        while end < b.len() && end < digits_at + 8 && b[end].is_ascii_hexdigit() {
            if !hex && !b[end].is_ascii_digit() {
                break;
            }
            end += 1;
        }
        if end == digits_at {
            return None;
        }
        let n = u32::from_str_radix(&s[digits_at..end], if hex { 16 } else { 10 }).ok()?;
        let used = if b.get(end) == Some(&b';') {
            end + 1
        } else {
            end
        };
        let c = match n {
            0 => '\u{FFFD}',
            0x80..=0x9F => cp1252(n),
            _ => char::from_u32(n).unwrap_or('\u{FFFD}'),
        };
        return Some((c, used));
    }
    let mut end = 1;
    while end < b.len() && end < 12 && b[end].is_ascii_alphanumeric() {
        end += 1;
    }
    let name = &s[1..end];
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{A0}',
        "rsquo" => '’',
        "lsquo" => '‘',
        "rdquo" => '”',
        "ldquo" => '“',
        "laquo" => '«',
        "raquo" => '»',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "shy" => '\u{AD}',
        "zwnj" => '\u{200C}',
        "zwj" => '\u{200D}',
        "lrm" => '\u{200E}',
        "rlm" => '\u{200F}',
        "eacute" => 'é',
        "egrave" => 'è',
        "ecirc" => 'ê',
        "euml" => 'ë',
        "aacute" => 'á',
        "agrave" => 'à',
        "acirc" => 'â',
        "auml" => 'ä',
        "Auml" => 'Ä',
        "ccedil" => 'ç',
        "Ccedil" => 'Ç',
        "icirc" => 'î',
        "iuml" => 'ï',
        "ocirc" => 'ô',
        "ouml" => 'ö',
        "Ouml" => 'Ö',
        "ucirc" => 'û',
        "ugrave" => 'ù',
        "uuml" => 'ü',
        "Uuml" => 'Ü',
        "szlig" => 'ß',
        "Eacute" => 'É',
        "oelig" => 'œ',
        "euro" => '€',
        "pound" => '£',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "deg" => '°',
        "middot" => '·',
        "bull" => '•',
        "times" => '×',
        "num" => '#',
        "commat" => '@',
        "period" => '.',
        "colon" => ':',
        "sol" => '/',
        _ => return None,
    };
    let used = if b.get(end) == Some(&b';') {
        end + 1
    } else {
        end
    };
    Some((c, used))
}

fn cp1252(n: u32) -> char {
    match n {
        0x80 => '€',
        0x91 => '‘',
        0x92 => '’',
        0x93 => '“',
        0x94 => '”',
        0x96 => '–',
        0x97 => '—',
        0x85 => '…',
        _ => '\u{FFFD}',
    }
}

#[cfg(test)]
mod tests {
    use super::{ascii_digit, decode_entity, html_to_text, primary_language};

    #[test]
    fn arabic_indic_and_persian_digits_read_as_ascii() {
        let read = |s: &str| -> String { s.chars().map(|c| ascii_digit(c).unwrap_or(c)).collect() };
        assert_eq!(read("٠١٢٣٤٥٦٧٨٩"), "0123456789");
        assert_eq!(read("۰۱۲۳۴۵۶۷۸۹"), "0123456789");
        assert_eq!(read("١٣ آذار ۲۰۲۷"), "13 آذار 2027");
        for other in [
            '0', '9', 'a', '\u{065F}', '\u{066A}', '\u{06EF}', '\u{06FA}', '७',
        ] {
            assert_eq!(ascii_digit(other), None, "{other:?}");
        }
    }

    #[test]
    fn language_tags_read_to_their_primary_subtag() {
        for (tag, primary) in [
            ("en", "en"),
            ("en-US", "en"),
            ("ar_SY", "ar"),
            (" FR_ca ", "fr"),
            ("ckb-IQ", "ckb"),
            ("", ""),
        ] {
            assert_eq!(primary_language(tag), primary, "{tag:?}");
        }
    }

    #[test]
    fn entities_decode_to_one_character_and_the_bytes_they_use() {
        for (s, want) in [
            ("&amp;x", Some(('&', 5))),
            ("&amp x", Some(('&', 4))),
            ("&ldquo;", Some(('“', 7))),
            ("&#33;", Some(('!', 5))),
            ("&#x1F600;", Some(('😀', 9))),
            ("&#0;", Some(('\u{FFFD}', 4))),
            ("&#x93;", Some(('“', 6))),
            ("&bogus;", None),
            ("&لعريضة", None),
            ("&", None),
        ] {
            assert_eq!(decode_entity(s), want, "{s:?}");
        }
    }

    #[test]
    fn strips_tags_and_decodes() {
        assert_eq!(html_to_text("<p>A &amp; B</p><p>C&#33;</p>"), "A & B C!");
        assert_eq!(html_to_text("1 < 2 & 3 > 2"), "1 < 2 & 3 > 2");
        assert_eq!(html_to_text("&#x1F600; &bogus; &"), "😀 &bogus; &");
        assert_eq!(html_to_text("<b>unclosed"), "unclosed");
    }

    #[test]
    fn ampersand_before_multibyte_text_does_not_panic() {
        assert_eq!(html_to_text("&لعريضة"), "&لعريضة");
        assert_eq!(html_to_text("حملة &التضامن; مع"), "حملة &التضامن; مع");
        assert_eq!(html_to_text("&😀😀😀;"), "&😀😀😀;");
    }

    #[test]
    fn script_and_style_content_is_not_text() {
        assert_eq!(
            html_to_text("Join us<script>alert('x')</script> now<STYLE>p{}</STYLE>!"),
            "Join us now !"
        );
        assert_eq!(html_to_text("A <iframe src=x>fallback</iframe>B"), "A B");
        assert_eq!(html_to_text("A <script>never closed"), "A never closed");
        assert_eq!(html_to_text("A <scripture>B</scripture>"), "A B");
        assert_eq!(html_to_text("<noscript>x</noscript>é"), "é");
        let many = "<script>x ".repeat(50_000);
        let t = std::time::Instant::now();
        assert_eq!(
            html_to_text(&many).len(),
            "x ".repeat(50_000).trim_end().len()
        );
        assert!(
            t.elapsed() < std::time::Duration::from_secs(5),
            "linear in unclosed tags"
        );
    }
}
