//! The summary: the ask first (the sentence that asks for action, with its whom and by
//! when), then one sentence of context, as whole sentences within 600 characters.
//!
//! Only assembles sentences chosen by the scorer; it never rewrites them, so the summary is
//! always in the entry's own language.

/// The contract's limit, in characters.
pub(crate) const MAX_CHARS: usize = 600;

/// Joins whole sentences in the given order while they fit in `max` characters. When the
/// first sentence alone is too long it is cut at a word boundary and ends with `…`.
pub(crate) fn compose(sentences: &[&str], max: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for s in sentences {
        let s = s.trim();
        if s.is_empty() {
            continue;
        }
        let n = s.chars().count();
        let sep = usize::from(!out.is_empty());
        if used + sep + n <= max {
            if sep == 1 {
                out.push(' ');
            }
            out.push_str(s);
            used += sep + n;
        } else if out.is_empty() {
            return cut(s, max);
        }
    }
    out
}

/// Cuts `s` to at most `max` characters at a clause or word boundary, adding `…`.
fn cut(s: &str, max: usize) -> String {
    let limit = max.saturating_sub(1);
    let end = s
        .char_indices()
        .nth(limit)
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    let head = &s[..end];
    let min_keep = end / 2;
    let at = head
        .rfind([';', ',', '،', '؛', ':'])
        .filter(|&i| i > min_keep)
        .or_else(|| head.rfind(char::is_whitespace).filter(|&i| i > min_keep))
        .unwrap_or(end);
    let mut out = head[..at].trim_end().to_string();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(sentences: &[&str], max: usize, expect: &str) {
        let got = compose(sentences, max);
        assert!(got.chars().count() <= max, "{got:?} longer than {max}");
        assert_eq!(got, expect);
    }

    #[test]
    fn whole_sentences_in_order() {
        check(
            &[
                "Sign the petition by Friday.",
                "Forty aid workers were detained.",
            ],
            600,
            "Sign the petition by Friday. Forty aid workers were detained.",
        );
        check(
            &[
                "Sign the petition by Friday.",
                "Forty aid workers were detained.",
            ],
            40,
            "Sign the petition by Friday.",
        );
        check(
            &["Write to your MP, the Foreign Secretary and the embassy today"],
            30,
            "Write to your MP…",
        );
        check(&[], 600, "");
    }
}
