//! Small text helpers shared by parsing and rendering: HTML fragment -> plain text.
//!
//! Pure and tolerant: never fails, whatever the input.

/// Removes tags, decodes entities, folds white space. For titles and short fields;
/// the detector has its own richer walker for bodies.
pub fn html_to_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.char_indices().peekable();
    let mut in_tag = false;
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

/// Collapses runs of white space into one space and trims.
pub fn fold_space(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes one entity at the start of `s` ("&amp;…"); returns it and its length in chars.
fn decode_entity(s: &str) -> Option<(String, usize)> {
    let end = s[..s.len().min(12)].find(';')?;
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
}
