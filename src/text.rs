//! Small text helpers shared by parsing, rendering and logging: HTML fragment -> plain
//! text, and the bot token scrubbed from a message.
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
/// the detector has its own richer walker for bodies.
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
                let rest = &s[i..];
                if let Some((decoded, len)) = decode_entity(rest) {
                    out.push_str(&decoded);
                    for _ in 1..len {
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

/// Collapses runs of white space into one space and trims.
pub fn fold_space(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes one entity at the start of `s` ("&amp;…"); returns it and its length in chars.
fn decode_entity(s: &str) -> Option<(String, usize)> {
    // An entity name is short: look for its ';' in the first 12 bytes (never cutting a
    // character in two: "&" before Arabic text is common).
    let mut head = s.len().min(12);
    while !s.is_char_boundary(head) {
        head -= 1;
    }
    let end = s[..head].find(';')?;
    let name = &s[1..end];
    let decoded = match name {
        "amp" => "&".to_string(),
        "lt" => "<".to_string(),
        "gt" => ">".to_string(),
        "quot" => "\"".to_string(),
        "apos" | "#39" => "'".to_string(),
        "nbsp" => " ".to_string(),
        "hellip" => "…".to_string(),
        "mdash" => "—".to_string(),
        "ndash" => "–".to_string(),
        "rsquo" | "lsquo" => "’".to_string(),
        "ldquo" | "rdquo" => "\"".to_string(),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = if let Some(hex) = num.strip_prefix(['x', 'X']) {
                u32::from_str_radix(hex, 16).ok()?
            } else {
                num.parse().ok()?
            };
            char::from_u32(code)
                .filter(|c| *c != '\0')
                .unwrap_or('\u{FFFD}')
                .to_string()
        }
    };
    Some((decoded, s[..=end].chars().count()))
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

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
