//! Telegram's HTML parse mode, as the Bot API server applies it to `sendMessage` text and
//! captions: the tag subset, the entity decoding, the exact error descriptions with byte
//! offsets, and the visible text whose length Telegram limits.
//!
//! The parser follows TDLib's `parse_html` (td/telegram/MessageEntity.cpp) step by step, so
//! the same input fails with the same description at the same byte offset. After parsing,
//! the text is cleaned and trimmed the way TDLib's `fix_formatted_text` does before the
//! length check (control characters become spaces, `\r` and a few invisible direction
//! marks are removed, leading and trailing whitespace is trimmed). That cleaning step is an
//! approximation: it covers what a bot sends, not every corner of TDLib.
//!
//! This module does no IO and holds no state.

/// The prefix of every description the Bot API gives when HTML cannot be parsed.
pub const CANT_PARSE_PREFIX: &str = "Bad Request: can't parse entities: ";

/// Maximum visible length of a message text, in Unicode code points.
pub const MAX_TEXT_CHARS: usize = 4096;

/// Maximum visible length of a caption, in Unicode code points.
pub const MAX_CAPTION_CHARS: usize = 1024;

/// One formatting entity, with offsets and lengths in UTF-16 code units as the Bot API
/// reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// Bot API type name: `bold`, `italic`, `underline`, `strikethrough`, `spoiler`,
    /// `code`, `pre`, `text_link`, `custom_emoji`, `blockquote`, `expandable_blockquote`,
    /// `date_time`.
    pub kind: &'static str,
    pub offset: usize,
    pub length: usize,
    /// `text_link` target.
    pub url: Option<String>,
    /// `pre` language.
    pub language: Option<String>,
    /// `custom_emoji` identifier.
    pub custom_emoji_id: Option<String>,
}

impl Entity {
    fn new(kind: &'static str, offset: usize, length: usize) -> Self {
        Self {
            kind,
            offset,
            length,
            url: None,
            language: None,
            custom_emoji_id: None,
        }
    }

    /// The entity as a Bot API `MessageEntity` JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "type": self.kind,
            "offset": self.offset,
            "length": self.length,
        });
        if let Some(url) = &self.url {
            v["url"] = url.clone().into();
        }
        if let Some(language) = &self.language {
            v["language"] = language.clone().into();
        }
        if let Some(id) = &self.custom_emoji_id {
            v["custom_emoji_id"] = id.clone().into();
        }
        v
    }
}

/// Text and entities after parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub text: String,
    pub entities: Vec<Entity>,
}

/// Parses Telegram HTML the way the Bot API does for `parse_mode=HTML` and returns the
/// visible text (decoded, cleaned, trimmed). The error is the full description Telegram
/// answers with, e.g. `Bad Request: can't parse entities: Unsupported start tag "p" at byte
/// offset 0`.
pub fn parse_telegram_html(s: &str) -> Result<String, String> {
    parse_message_html(s).map(|p| p.text)
}

/// Like [`parse_telegram_html`], with the entities (offsets fixed after trimming).
pub fn parse_message_html(s: &str) -> Result<Parsed, String> {
    let raw = parse_html_raw(s).map_err(|e| format!("{CANT_PARSE_PREFIX}{e}"))?;
    Ok(clean_and_trim(&raw.text, raw.entities))
}

/// Plain text (no parse mode) as Telegram stores it: cleaned and trimmed, no entities.
pub fn plain_visible(s: &str) -> String {
    clean_and_trim(s, Vec::new()).text
}

/// Number of Unicode code points, the unit of Telegram's text limits.
pub fn visible_len(s: &str) -> usize {
    s.chars().count()
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | 0 | 0x0b | 0x0c)
}

/// Decodes the HTML entity starting at `pos` (which holds `&`). Returns the code point and
/// the position after it, or None when the text is not a supported entity (it then stays
/// literal).
fn decode_html_entity(b: &[u8], pos: usize) -> Option<(u32, usize)> {
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut end = pos + 1;
    let code: u32;
    if at(pos + 1) == b'#' {
        end += 1;
        let mut res: u64 = 0;
        if at(pos + 2) == b'x' {
            end += 1;
            while at(end).is_ascii_hexdigit() {
                let d = char::from(at(end)).to_digit(16).unwrap_or(0);
                res = res.saturating_mul(16).saturating_add(u64::from(d));
                end += 1;
            }
        } else {
            while at(end).is_ascii_digit() {
                res = res
                    .saturating_mul(10)
                    .saturating_add(u64::from(at(end) - b'0'));
                end += 1;
            }
        }
        if res == 0 || res >= 0x10ffff || end - pos >= 10 {
            return None;
        }
        code = u32::try_from(res).ok()?;
    } else {
        while at(end).is_ascii_alphabetic() {
            end += 1;
        }
        code = match &b[pos + 1..end] {
            b"lt" => u32::from('<'),
            b"gt" => u32::from('>'),
            b"amp" => u32::from('&'),
            b"quot" => u32::from('"'),
            _ => return None,
        };
    }
    let next = if at(end) == b';' { end + 1 } else { end };
    Some((code, next))
}

struct Open {
    tag: String,
    argument: String,
    unix: Option<String>,
    format: Option<String>,
    utf16_offset: usize,
    byte_begin: usize,
}

fn char_at(s: &str, i: usize) -> char {
    s[i..].chars().next().unwrap_or('\u{0}')
}

/// TDLib's `parse_html`: decoded text and entities, or the error message without the
/// `Bad Request: can't parse entities: ` prefix.
#[allow(
    clippy::too_many_lines,
    reason = "a line-by-line port of TDLib's `parse_html`, kept in its shape to compare with it"
)]
pub fn parse_html_raw(s: &str) -> Result<Parsed, String> {
    let b = s.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let n = b.len();
    let mut out = String::with_capacity(n);
    let mut utf16: usize = 0;
    let mut bad_surrogate = false;
    let mut entities: Vec<Entity> = Vec::new();
    let mut nested: Vec<Open> = Vec::new();
    let mut i = 0;
    while i < n {
        let c = b[i];
        if c == b'&'
            && let Some((code, next)) = decode_html_entity(b, i)
        {
            match char::from_u32(code) {
                Some(ch) => {
                    utf16 += ch.len_utf16();
                    out.push(ch);
                }
                None => {
                    // Half of a surrogate pair: TDLib writes it out and fails later.
                    bad_surrogate = true;
                    utf16 += 1;
                    out.push('\u{fffd}');
                }
            }
            i = next;
            continue;
        }
        if c != b'<' {
            let ch = char_at(s, i);
            utf16 += ch.len_utf16();
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }

        let begin = i;
        i += 1;
        if at(i) != b'/' {
            // A start tag.
            while !is_space(at(i)) && at(i) != b'>' {
                i += 1;
            }
            if at(i) == 0 {
                return Err(format!("Unclosed start tag at byte offset {begin}"));
            }
            let tag = s[begin + 1..i].to_ascii_lowercase();
            const ALLOWED: &[&str] = &[
                "a",
                "b",
                "strong",
                "i",
                "em",
                "s",
                "strike",
                "del",
                "u",
                "ins",
                "tg-spoiler",
                "tg-emoji",
                "tg-time",
                "span",
                "pre",
                "code",
                "blockquote",
            ];
            if !ALLOWED.contains(&tag.as_str()) {
                return Err(format!(
                    "Unsupported start tag \"{tag}\" at byte offset {begin}"
                ));
            }
            let mut argument = String::new();
            let mut unix = None;
            let mut format = None;
            while at(i) != b'>' {
                while at(i) != 0 && is_space(at(i)) {
                    i += 1;
                }
                if at(i) == b'>' {
                    break;
                }
                let name_begin = i;
                while !is_space(at(i)) && !matches!(at(i), b'=' | b'>' | b'/' | b'"' | b'\'') {
                    i += 1;
                }
                let name = &s[name_begin..i];
                if name.is_empty() {
                    return Err(format!(
                        "Empty attribute name in the tag \"{tag}\" at byte offset {begin}"
                    ));
                }
                while at(i) != 0 && is_space(at(i)) {
                    i += 1;
                }
                if at(i) != b'=' {
                    if at(i) == 0 {
                        return Err(format!(
                            "Unclosed start tag \"{tag}\" at byte offset {begin}"
                        ));
                    }
                    if tag == "blockquote" && name == "expandable" {
                        argument = "1".to_string();
                    }
                    continue;
                }
                i += 1;
                while at(i) != 0 && is_space(at(i)) {
                    i += 1;
                }
                if at(i) == 0 {
                    return Err(format!(
                        "Unclosed start tag \"{tag}\" at byte offset {begin}"
                    ));
                }
                let value;
                if at(i) != b'\'' && at(i) != b'"' {
                    // A name token: letters, digits, periods, hyphens; not case sensitive.
                    let token_begin = i;
                    while at(i).is_ascii_alphanumeric() || at(i) == b'.' || at(i) == b'-' {
                        i += 1;
                    }
                    value = s[token_begin..i].to_ascii_lowercase();
                    if !is_space(at(i)) && at(i) != b'>' {
                        return Err(format!(
                            "Unexpected end of name token at byte offset {token_begin}"
                        ));
                    }
                } else {
                    let quote = at(i);
                    i += 1;
                    let mut v = String::new();
                    while at(i) != quote && at(i) != 0 {
                        if at(i) == b'&'
                            && let Some((code, next)) = decode_html_entity(b, i)
                        {
                            v.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                            i = next;
                            continue;
                        }
                        let ch = char_at(s, i);
                        v.push(ch);
                        i += ch.len_utf8();
                    }
                    if at(i) == quote {
                        i += 1;
                    }
                    value = v;
                }
                if at(i) == 0 {
                    return Err(format!("Unclosed start tag at byte offset {begin}"));
                }
                match (tag.as_str(), name) {
                    ("a", "href") => argument = value,
                    ("code", "class") if value.starts_with("language-") => {
                        argument = value["language-".len()..].to_string();
                    }
                    ("span", "class") if value.starts_with("tg-") => {
                        argument = value["tg-".len()..].to_string();
                    }
                    ("tg-emoji", "emoji-id") => argument = value,
                    ("blockquote", "expandable") => argument = "1".to_string(),
                    ("tg-time", "unix") => unix = Some(value),
                    ("tg-time", "format") => format = Some(value),
                    _ => {}
                }
            }
            if tag == "span" && argument != "spoiler" {
                return Err(format!(
                    "Tag \"span\" must have class \"tg-spoiler\" at byte offset {begin}"
                ));
            }
            nested.push(Open {
                tag,
                argument,
                unix,
                format,
                utf16_offset: utf16,
                byte_begin: out.len(),
            });
        } else {
            // An end tag.
            let Some(open) = nested.pop() else {
                return Err(format!("Unexpected end tag at byte offset {begin}"));
            };
            while !is_space(at(i)) && at(i) != b'>' {
                i += 1;
            }
            let end_name = s[begin + 2..i].to_ascii_lowercase();
            while is_space(at(i)) && at(i) != 0 {
                i += 1;
            }
            if at(i) != b'>' {
                return Err(format!("Unclosed end tag at byte offset {begin}"));
            }
            if !end_name.is_empty() && end_name != open.tag {
                return Err(format!(
                    "Unmatched end tag at byte offset {begin}, expected \"</{}>\", found \"</{end_name}>\"",
                    open.tag
                ));
            }
            if utf16 > open.utf16_offset {
                close_entity(&open, &out, utf16, &mut entities)?;
            }
        }
        // Step over the closing '>'.
        i += 1;
    }
    if let Some(open) = nested.last() {
        return Err(format!(
            "Can't find end tag corresponding to start tag \"{}\"",
            open.tag
        ));
    }
    if bad_surrogate {
        return Err("Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units".to_string());
    }
    for e in &mut entities {
        if e.kind == "code" {
            e.language = None;
        }
    }
    entities.sort_by(|a, b| a.offset.cmp(&b.offset).then(b.length.cmp(&a.length)));
    Ok(Parsed {
        text: out,
        entities,
    })
}

fn close_entity(
    open: &Open,
    out: &str,
    utf16: usize,
    entities: &mut Vec<Entity>,
) -> Result<(), String> {
    let offset = open.utf16_offset;
    let length = utf16 - offset;
    let kind = match open.tag.as_str() {
        "i" | "em" => "italic",
        "b" | "strong" => "bold",
        "s" | "strike" | "del" => "strikethrough",
        "u" | "ins" => "underline",
        "tg-spoiler" | "span" => "spoiler",
        "tg-emoji" => {
            let valid = open
                .argument
                .parse::<i64>()
                .map(|v| v != 0)
                .unwrap_or(false);
            if !valid {
                return Err("Invalid custom emoji identifier specified".to_string());
            }
            let mut e = Entity::new("custom_emoji", offset, length);
            e.custom_emoji_id = Some(open.argument.clone());
            entities.push(e);
            return Ok(());
        }
        "tg-time" => {
            if let Some(format) = &open.format {
                let ok = format == "r"
                    || (!format.is_empty()
                        && format
                            .chars()
                            .all(|c| matches!(c, 't' | 'T' | 'd' | 'D' | 'w' | 'W')));
                if !ok {
                    return Err("Invalid date format used".to_string());
                }
            }
            let unix_ok = open
                .unix
                .as_deref()
                .map(|u| u.parse::<i32>().is_ok())
                .unwrap_or(false);
            if !unix_ok {
                return Err("Invalid Unix time specified".to_string());
            }
            "date_time"
        }
        "a" => {
            let url = if open.argument.is_empty() {
                out[open.byte_begin..].to_string()
            } else {
                open.argument.clone()
            };
            if let Some(url) = checked_link(&url) {
                let mut e = Entity::new("text_link", offset, length);
                e.url = Some(url);
                entities.push(e);
            }
            return Ok(());
        }
        "pre" => {
            if let Some(last) = entities.last_mut()
                && last.kind == "code"
                && last.offset == offset
                && last.length == length
                && last.language.is_some()
            {
                last.kind = "pre";
                return Ok(());
            }
            "pre"
        }
        "code" => {
            if let Some(last) = entities.last_mut()
                && last.kind == "pre"
                && last.offset == offset
                && last.length == length
                && !open.argument.is_empty()
            {
                last.language = Some(open.argument.clone());
                return Ok(());
            }
            let mut e = Entity::new("code", offset, length);
            if !open.argument.is_empty() {
                // Kept only while a surrounding <pre> may still claim it.
                e.language = Some(open.argument.clone());
            }
            entities.push(e);
            return Ok(());
        }
        "blockquote" => {
            if open.argument.is_empty() {
                "blockquote"
            } else {
                "expandable_blockquote"
            }
        }
        _ => return Ok(()),
    };
    entities.push(Entity::new(kind, offset, length));
    Ok(())
}

/// A simplified form of TDLib's link check: a link without a scheme gets `http://`; only
/// http, https, tg and ton links are kept; anything else is silently dropped (no error, as
/// in Telegram).
fn checked_link(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        return None;
    }
    let lower = url.to_ascii_lowercase();
    if let Some(pos) = lower.find("://") {
        let scheme = &lower[..pos];
        if !matches!(scheme, "http" | "https" | "tg" | "ton") {
            return None;
        }
        if url.len() == pos + 3 {
            return None;
        }
        return Some(url.to_string());
    }
    if lower.starts_with("tg:") {
        return Some(url.to_string());
    }
    if lower.contains(':') && !lower.contains('.') {
        return None;
    }
    if url.contains(char::is_whitespace) {
        return None;
    }
    let host_end = url.find(['/', '?', '#']).unwrap_or(url.len());
    if !url[..host_end].contains('.') {
        return None;
    }
    let mut with_scheme = format!("http://{url}");
    if host_end == url.len() {
        with_scheme.push('/');
    }
    Some(with_scheme)
}

/// Cleans and trims text the way Telegram does before storing and measuring it, and moves
/// entity offsets accordingly (entities left empty are dropped).
pub fn clean_and_trim(text: &str, entities: Vec<Entity>) -> Parsed {
    // map[u] = UTF-16 position in the cleaned text of UTF-16 position u in the input.
    let mut map: Vec<usize> = Vec::with_capacity(text.len() + 1);
    let mut cleaned = String::with_capacity(text.len());
    let mut pos16 = 0usize;
    for ch in text.chars() {
        let units = ch.len_utf16();
        let replacement = match ch {
            '\r' => None,
            '\t' | '\n' => Some(ch),
            c if (c as u32) < 0x20 => Some(' '),
            '\u{2028}'..='\u{202e}' => None,
            '\u{0333}' | '\u{033f}' | '\u{030a}' => None,
            c => Some(c),
        };
        for _ in 0..units {
            map.push(pos16);
        }
        if let Some(r) = replacement {
            cleaned.push(r);
            pos16 += r.len_utf16();
        }
    }
    map.push(pos16);

    let is_trim = |c: char| matches!(c, ' ' | '\t' | '\n');
    let trimmed_start = cleaned.trim_start_matches(is_trim);
    let lead16: usize = cleaned[..cleaned.len() - trimmed_start.len()]
        .chars()
        .map(char::len_utf16)
        .sum();
    let trimmed = trimmed_start.trim_end_matches(is_trim).to_string();
    let len16: usize = trimmed.chars().map(char::len_utf16).sum();

    let fix = |u: usize| -> usize {
        let m = map.get(u).copied().unwrap_or(pos16);
        m.saturating_sub(lead16).min(len16)
    };
    let mut out = Vec::with_capacity(entities.len());
    for mut e in entities {
        let start = fix(e.offset);
        let end = fix(e.offset + e.length);
        if end > start {
            e.offset = start;
            e.length = end - start;
            out.push(e);
        }
    }
    Parsed {
        text: trimmed,
        entities: out,
    }
}
