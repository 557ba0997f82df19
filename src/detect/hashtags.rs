//! Hashtags: found in plain text (Latin and Arabic script, underscores, ZWNJ), in
//! categories that are hashtags, and the feed's configured ones.
//!
//! Rejects URL fragments (`https://x.org/page#top`), character references left in the
//! text (`&#35;`, `&#8217;`), numbers (`#1`) and colours (`#fff`). Pure; no HTML.

/// Collects hashtags, de-duplicated case-insensitively, first-seen order.
#[derive(Debug, Default)]
pub(crate) struct Hashtags {
    tags: Vec<String>,
    seen: Vec<String>,
}

fn tag_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    matches!(c as u32, 0x0621..=0x065F | 0x0670 | 0x0300..=0x036F | 0x200C) || c.is_alphanumeric()
}

/// Validates a hashtag body (without `#`); returns the trimmed body.
fn valid_body(body: &str) -> Option<&str> {
    let body = body.trim_end_matches(['_', '\u{200C}']);
    let n = body.chars().count();
    if !(2..=100).contains(&n) {
        return None;
    }
    if !body.chars().any(char::is_alphabetic) {
        return None; // #1, #2024
    }
    let hex_colour = (n == 3 || n == 6) && body.chars().all(|c| c.is_ascii_hexdigit());
    if hex_colour {
        return None;
    }
    Some(body)
}

impl Hashtags {
    pub(crate) fn push(&mut self, body: &str) {
        let Some(body) = valid_body(body) else {
            return;
        };
        let key = body.to_lowercase();
        if self.seen.contains(&key) {
            return;
        }
        self.seen.push(key);
        self.tags.push(format!("#{body}"));
    }

    /// Scans plain text.
    pub(crate) fn scan(&mut self, text: &str) {
        if !text.contains('#') {
            return;
        }
        for (i, _) in text.match_indices('#') {
            let before = &text[..i];
            let mut prev = before.chars().rev();
            if let Some(p) = prev.next() {
                // The Arabic conjunction glued to a hashtag ("و#الحرية") is not part of it.
                let conjunction =
                    matches!(p, 'و' | 'ف') && prev.next().is_none_or(|c| !tag_char(c));
                if !conjunction
                    && (tag_char(p) || matches!(p, '&' | '/' | '#' | '=' | '?' | '.' | ':' | '-'))
                {
                    continue;
                }
            }
            // Inside a URL written out in the text?
            let token_start = before
                .rfind(char::is_whitespace)
                .map(|s| s + before[s..].chars().next().map_or(1, char::len_utf8))
                .unwrap_or(0);
            let token = &before[token_start..];
            if token.contains("://") || token.starts_with("www.") {
                continue;
            }
            let rest = &text[i + 1..];
            let len: usize = rest
                .chars()
                .take_while(|&c| tag_char(c))
                .map(char::len_utf8)
                .sum();
            // `&#35;` style references: digits followed by ';'.
            if rest[len..].starts_with(';') && rest[..len].chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            self.push(&rest[..len]);
        }
    }

    /// A category counts only when it is written as a hashtag.
    pub(crate) fn category(&mut self, cat: &str) {
        let cat = cat.trim();
        if let Some(body) = cat.strip_prefix('#')
            && body.chars().all(tag_char)
        {
            self.push(body);
        }
    }

    /// A configured hashtag, with or without its `#`.
    pub(crate) fn configured(&mut self, tag: &str) {
        let t = tag.trim();
        let body = t.strip_prefix('#').unwrap_or(t);
        if body.chars().all(tag_char) {
            self.push(body);
        }
    }

    pub(crate) fn into_vec(self) -> Vec<String> {
        self.tags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, categories: &[&str], feed: &[&str], expect: &[&str]) {
        let mut h = Hashtags::default();
        h.scan(text);
        for c in categories {
            h.category(c);
        }
        for f in feed {
            h.configured(f);
        }
        assert_eq!(h.into_vec(), expect, "{text:?}");
    }

    #[test]
    fn text_hashtags() {
        check(
            "Use #SaveIdlib & #IdlibUnderFire, not #saveidlib again.",
            &[],
            &[],
            &["#SaveIdlib", "#IdlibUnderFire"],
        );
        check(
            "شاركوا على وسم #الحرية_للمعتقلين و#أنقذوا_حلب_",
            &[],
            &[],
            &["#الحرية_للمعتقلين", "#أنقذوا_حلب"],
        );
    }

    #[test]
    fn not_hashtags() {
        check(
            "See https://ngo.example.org/page#section and www.x.org/#top, item #1, colour #fff, \
             entity &#35; and &#8217;s, path/#frag, a#b",
            &[],
            &[],
            &[],
        );
    }

    #[test]
    fn categories_and_feed() {
        check(
            "Text with #FreeThem.",
            &["#freethem", "Syria", "#Aleppo", "#Two Words"],
            &["#Solidarity", "Aleppo"],
            &["#FreeThem", "#Aleppo", "#Solidarity"],
        );
    }
}
