//! Bytes -> [`Feed`] of [`Entry`]s, with ids that are stable across polls.
//!
//! No IO. feed-rs does the format work (RSS 0.9x/1.0/2.0, Atom, JSON Feed) on the raw
//! bytes, so the XML prolog's encoding is honoured. feed-rs invents a random id for an
//! entry with neither guid nor link; this module never lets that reach the store: every
//! id is derived here from what the entry says (guid, else normalised link, else title
//! and date, else content).

use crate::entry::Entry;
use crate::text;
use sha2::{Digest, Sha256};

/// A parsed feed: what the program needs of it.
#[derive(Debug, Clone, Default)]
pub struct Feed {
    /// The feed's title, plain text (empty when it has none).
    pub title: String,
    /// The site's home page, if the feed names one.
    pub link: Option<String>,
    /// The feed's declared language, normalised (`en`, `ar`, …).
    pub language: Option<String>,
    /// RSS `<ttl>` in minutes, if any.
    pub ttl_minutes: Option<u32>,
    /// The WebSub hub the feed names (`<link rel="hub">`, or `atom:link` in RSS).
    pub hub: Option<String>,
    /// The feed's own address as it names it (`rel="self"`): the WebSub topic.
    pub self_url: Option<String>,
    /// Its entries, in document order, with stable ids.
    pub entries: Vec<Entry>,
}

/// Why bytes are not a feed.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// No feed format feed-rs reads (RSS, Atom, JSON Feed): its reason.
    #[error("not a feed: {0}")]
    NotAFeed(String),
}

/// Parses a feed document. `base` is the URL the bytes came from (for relative links).
pub fn parse(bytes: &[u8], base: Option<&str>) -> Result<Feed, ParseError> {
    let patched;
    let input = match patch_rss_version(bytes) {
        Some(p) => {
            patched = p;
            &patched[..]
        }
        None => bytes,
    };
    let declarations_patched;
    let input = match normalise_declarations(input) {
        Some(p) => {
            declarations_patched = p;
            &declarations_patched[..]
        }
        None => input,
    };
    let parser = feed_rs::parser::Builder::new()
        .base_uri(base)
        // Ids are ours to derive (see `stable_id`); an empty id marks "none given".
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .build();
    // A panic inside the XML stack must not take the poller (or `check`) down with it.
    let feed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse(input)))
        .map_err(|_| ParseError::NotAFeed("the feed parser failed on this document".into()))?
        .map_err(|e| ParseError::NotAFeed(short_reason(&e.to_string())))?;
    let feed_lang = feed.language.as_deref().map(normalise_lang);
    let entries = feed
        .entries
        .into_iter()
        .map(|e| convert_entry(e, feed_lang.as_deref(), base))
        .collect();
    Ok(Feed {
        title: feed
            .title
            .map(|t| text::html_to_text(&t.content))
            .unwrap_or_default(),
        link: feed
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .map(|l| l.href.clone()),
        language: feed_lang,
        ttl_minutes: feed.ttl,
        hub: link_with_rel(&feed.links, "hub"),
        self_url: link_with_rel(&feed.links, "self"),
        entries,
    })
}

fn link_with_rel(links: &[feed_rs::model::Link], rel: &str) -> Option<String> {
    links
        .iter()
        .find(|l| {
            l.rel
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case(rel))
        })
        .map(|l| l.href.trim().to_string())
        .filter(|h| h.starts_with("http://") || h.starts_with("https://"))
}

/// A WebSub hub a feed names, and the topic to subscribe to there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubLink {
    /// The hub's URL.
    pub hub: String,
    /// The topic: the feed's `rel="self"` address, else the URL it was fetched from.
    pub topic: String,
}

/// The feed's hub (document first, then the `Link` header) with its topic (`rel="self"`
/// from the same places, else the address the feed was fetched from).
pub fn hub_link(feed: &Feed, link_header: Option<&str>, fetched_from: &str) -> Option<HubLink> {
    let from_header = |rel| link_header.and_then(|h| link_header_rel(h, rel));
    let hub = feed.hub.clone().or_else(|| from_header("hub"))?;
    let topic = feed
        .self_url
        .clone()
        .or_else(|| from_header("self"))
        .unwrap_or_else(|| fetched_from.to_string());
    Some(HubLink { hub, topic })
}

/// The target of the first link with relation `rel` in an HTTP `Link` header
/// (RFC 8288: `<url>; rel="hub", <url>; rel="self"`; a `rel` may list several).
pub fn link_header_rel(header: &str, rel: &str) -> Option<String> {
    header.split(',').find_map(|link| {
        let (target, params) = link.trim().strip_prefix('<')?.split_once('>')?;
        let has_rel = params.split(';').any(|p| {
            let Some((name, value)) = p.split_once('=') else {
                return false;
            };
            name.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case(rel))
        });
        (has_rel && (target.starts_with("http://") || target.starts_with("https://")))
            .then(|| target.trim().to_string())
    })
}

fn convert_entry(e: feed_rs::model::Entry, feed_lang: Option<&str>, base: Option<&str>) -> Entry {
    let title = e
        .title
        .as_ref()
        .map(|t| text::html_to_text(&t.content))
        .unwrap_or_default();
    let link = e
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or_else(|| e.links.first())
        .map(|l| absolutise(l.href.trim(), base));
    // The bodies are moved out of the parsed entry, never copied.
    let summary_html = e.summary.map(|t| t.content).unwrap_or_default();
    let content_html = e.content.and_then(|c| c.body).unwrap_or_default();
    let categories = e
        .categories
        .iter()
        .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()))
        .filter(|c| !c.trim().is_empty())
        .collect();
    let guid = Some(e.id.trim().to_string()).filter(|g| !g.is_empty());
    let declared_lang = e
        .language
        .as_deref()
        .map(normalise_lang)
        .or_else(|| feed_lang.map(str::to_string));
    let author = e
        .authors
        .iter()
        .filter_map(|a| a.name.as_deref().map(text::html_to_text))
        .find(|n| !n.trim().is_empty() && n.trim() != "unknown");
    let mut entry = Entry {
        id: String::new(),
        guid,
        title,
        link,
        published: e.published.or(e.updated),
        summary_html,
        content_html,
        categories,
        declared_lang,
        author,
    };
    entry.id = stable_id(&entry);
    entry
}

/// The id under which an entry is remembered: derived only from what the entry says.
pub fn stable_id(entry: &Entry) -> String {
    let basis = if let Some(guid) = &entry.guid {
        format!("guid\n{guid}")
    } else if let Some(link) = &entry.link {
        format!("link\n{}", normalise_link(link))
    } else if !entry.title.is_empty() {
        let date = entry.published.map(|d| d.to_rfc3339()).unwrap_or_default();
        format!("title\n{}\n{date}", entry.title)
    } else {
        format!("content\n{}", entry.body_html())
    };
    short_hash(&basis)
}

/// A second key: the same link and title under a new guid is the same entry republished.
pub fn republish_key(entry: &Entry) -> Option<String> {
    let link = entry.link.as_deref()?;
    Some(short_hash(&format!(
        "republish\n{}\n{}",
        normalise_link(link),
        entry.title.trim().to_lowercase()
    )))
}

fn short_hash(s: &str) -> String {
    let digest = Sha256::digest(s.as_bytes());
    digest[..10].iter().map(|b| format!("{b:02x}")).collect()
}

/// Lower-cases scheme and host, drops the fragment and a trailing slash, and orders
/// nothing else: two spellings of one page give one key.
fn normalise_link(link: &str) -> String {
    match url::Url::parse(link.trim()) {
        Ok(mut u) => {
            u.set_fragment(None);
            let mut s = u.to_string();
            if s.ends_with('/') {
                s.pop();
            }
            s
        }
        Err(_) => link.trim().to_string(),
    }
}

fn absolutise(href: &str, base: Option<&str>) -> String {
    if url::Url::parse(href).is_ok() {
        return href.to_string();
    }
    base.and_then(|b| url::Url::parse(b).ok())
        .and_then(|b| b.join(href).ok())
        .map(|u| u.to_string())
        .unwrap_or_else(|| href.to_string())
}

fn normalise_lang(tag: &str) -> String {
    tag.trim()
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn short_reason(s: &str) -> String {
    let one_line = s.replace(['\n', '\r'], " ");
    if one_line.chars().count() > 200 {
        one_line.chars().take(200).collect::<String>() + "…"
    } else {
        one_line
    }
}

/// feed-rs 3.0 refuses `<rss>` without a `version` attribute (or with `2.00`, `2.01`…),
/// which real feeds have. Rewrites the root tag to say `version="2.0"` in those cases.
fn patch_rss_version(bytes: &[u8]) -> Option<Vec<u8>> {
    let head_len = bytes.len().min(4096);
    let head = &bytes[..head_len];
    let start = find(head, b"<rss")?;
    let after = start + 4;
    let next = *head.get(after)?;
    if !(next == b'>' || next.is_ascii_whitespace() || next == b'/') {
        return None;
    }
    let end = after + find(&head[after..], b">")?;
    let tag = &head[start..end];
    if let Some(v) = find(tag, b"version=") {
        let quote = *tag.get(v + 8)?;
        let rest = &tag[v + 9..];
        let close = find(rest, &[quote])?;
        let value = &rest[..close];
        if matches!(value, b"2.0" | b"" | b"0.91" | b"0.92" | b"0.90" | b"1.0") {
            return None;
        }
        let mut out = Vec::with_capacity(bytes.len() + 8);
        out.extend_from_slice(&bytes[..start + v + 9]);
        out.extend_from_slice(b"2.0");
        out.extend_from_slice(&bytes[start + v + 9 + close..]);
        return Some(out);
    }
    let mut out = Vec::with_capacity(bytes.len() + 16);
    out.extend_from_slice(&bytes[..after]);
    out.extend_from_slice(b" version=\"2.0\"");
    out.extend_from_slice(&bytes[after..]);
    Some(out)
}

/// quick-xml's decoder (under feed-rs) reads the first 64 bytes to learn the encoding, and
/// panics ("set_encoding() called after prefix buffer was drained") when a declaration
/// naming another encoding ends after them: a declaration after leading white space, a
/// long or unterminated one, a second one anywhere later, or one in a UTF-16 document.
/// So, before parsing: UTF-16 is converted to UTF-8 here; leading white space goes; the
/// opening declaration is rewritten in its short form (`<?xml version="1.0"
/// encoding="…"?>`); and every later `<?xml` (not well-formed anywhere but at the start) is
/// renamed to an ordinary processing instruction (`<?xm_`), which the parser skips.
fn normalise_declarations(bytes: &[u8]) -> Option<Vec<u8>> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let utf16 = utf16_to_utf8(bytes);
    let converted = utf16.is_some();
    let bytes = utf16.as_deref().unwrap_or(bytes);
    let bom = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let first = bom + bytes[bom..].iter().position(|b| !b.is_ascii_whitespace())?;
    let is_decl = |at: usize| {
        bytes[at..].starts_with(b"<?xml")
            && bytes
                .get(at + 5)
                .is_none_or(|&b| b == b'?' || matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    };
    let mut out: Vec<u8> = bytes[..bom].to_vec();
    let mut rest_from = first;
    if is_decl(first)
        && let Some(close) = find(&bytes[first..], b"?>")
    {
        rest_from = first + close + 2;
        let canonical = short_declaration(&bytes[first..first + close], converted);
        out.extend_from_slice(&canonical);
    }
    let changed_head = converted || first != bom || out[bom..] != bytes[first..rest_from];
    let late: Vec<usize> = (rest_from..bytes.len())
        .filter(|&i| bytes[i] == b'<' && is_decl(i))
        .collect();
    if !changed_head && late.is_empty() {
        return None;
    }
    let shift = out.len() as isize - rest_from as isize;
    out.extend_from_slice(&bytes[rest_from..]);
    for at in late {
        out[(at as isize + shift) as usize + 4] = b'_';
    }
    Some(out)
}

/// A UTF-16 document (with a byte order mark, or starting `<?` without one) as UTF-8;
/// `None` for anything else. Unpaired surrogates become U+FFFD.
fn utf16_to_utf8(bytes: &[u8]) -> Option<Vec<u8>> {
    let (big_endian, body) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (false, rest),
        [0xFE, 0xFF, rest @ ..] => (true, rest),
        [b'<', 0, b'?', 0, ..] => (false, bytes),
        [0, b'<', 0, b'?', ..] => (true, bytes),
        _ => return None,
    };
    let units = body.chunks_exact(2).map(|p| {
        if big_endian {
            u16::from_be_bytes([p[0], p[1]])
        } else {
            u16::from_le_bytes([p[0], p[1]])
        }
    });
    let text: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    Some(text.into_bytes())
}

/// `<?xml version="1.0" encoding="NAME"?>` with the declaration's encoding if it names a
/// plausible one (UTF-8 if `utf8`: the document was converted), else
/// `<?xml version="1.0"?>`. At most 63 bytes.
fn short_declaration(decl: &[u8], utf8: bool) -> Vec<u8> {
    let mut out = b"<?xml version=\"1.0\"".to_vec();
    if utf8 {
        out.extend_from_slice(b" encoding=\"UTF-8\"");
    } else if let Some(name) = declared_encoding(decl) {
        out.extend_from_slice(b" encoding=\"");
        out.extend_from_slice(name);
        out.push(b'"');
    }
    out.extend_from_slice(b"?>");
    out
}

/// The value of `encoding="…"` in a declaration, if it looks like an encoding name.
fn declared_encoding(decl: &[u8]) -> Option<&[u8]> {
    let at = find(decl, b"encoding")?;
    let rest = trim_ascii_start(&decl[at + 8..]);
    let rest = trim_ascii_start(rest.strip_prefix(b"=")?);
    let quote = *rest.first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let value = &rest[1..];
    let name = &value[..value.iter().position(|&b| b == quote)?];
    let plausible = (1..=30).contains(&name.len())
        && name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    plausible.then_some(name)
}

fn trim_ascii_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    #[test]
    fn websub_links_come_from_the_feed_and_the_link_header() {
        let atom = r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>x</id><updated>2024-01-01T00:00:00Z</updated>
<link rel="hub" href="https://hub.example/"/><link rel="self" href="https://a.example/feed.atom"/></feed>"#;
        let f = super::parse(atom.as_bytes(), None).unwrap();
        assert_eq!(f.hub.as_deref(), Some("https://hub.example/"));
        assert_eq!(f.self_url.as_deref(), Some("https://a.example/feed.atom"));
        let rss = r#"<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title><link>https://a.example/</link><description>d</description>
<atom:link rel="hub" href="https://hub.example/rss"/><atom:link rel="self" type="application/rss+xml" href="https://a.example/rss"/></channel></rss>"#;
        let f = super::parse(rss.as_bytes(), None).unwrap();
        assert_eq!(f.hub.as_deref(), Some("https://hub.example/rss"));
        assert_eq!(f.self_url.as_deref(), Some("https://a.example/rss"));
        let h = r#"<https://a.example/feed>; rel="self", <https://hub.example/>; rel="hub""#;
        assert_eq!(
            super::link_header_rel(h, "hub").as_deref(),
            Some("https://hub.example/")
        );
        assert_eq!(
            super::link_header_rel(h, "self").as_deref(),
            Some("https://a.example/feed")
        );
        let multi = r#"<https://h.example/>; rel="alternate hub""#;
        assert_eq!(
            super::link_header_rel(multi, "hub").as_deref(),
            Some("https://h.example/")
        );
        assert_eq!(
            super::link_header_rel("<javascript:x>; rel=hub", "hub"),
            None
        );
    }

    use super::*;

    fn parse_str(s: &str) -> Feed {
        parse(s.as_bytes(), Some("https://partner.example/feed")).expect("parses")
    }

    #[test]
    fn entry_without_guid_or_link_keeps_its_id_across_parses() {
        let xml = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
            <item><title>Vigil tonight</title><description>Join us</description></item>
            </channel></rss>"#;
        let a = parse_str(xml);
        let b = parse_str(xml);
        assert_eq!(a.entries[0].id, b.entries[0].id);
        assert!(!a.entries[0].id.is_empty());
    }

    #[test]
    fn guid_decides_the_id_and_new_guid_same_link_shares_republish_key() {
        let one = r#"<rss version="2.0"><channel><title>T</title>
            <item><guid>a-1</guid><title>Sign now</title><link>https://x.example/p/1</link></item>
            </channel></rss>"#;
        let two = one.replace("a-1", "a-2");
        let a = &parse_str(one).entries[0];
        let b = &parse_str(&two).entries[0];
        assert_ne!(a.id, b.id);
        assert_eq!(republish_key(a), republish_key(b));
        assert!(republish_key(a).is_some());
    }

    #[test]
    fn rss_without_version_attribute_is_accepted() {
        let xml = r#"<rss><channel><title>No version</title>
            <item><title>One</title><link>https://x.example/1</link></item></channel></rss>"#;
        let feed = parse_str(xml);
        assert_eq!(feed.title, "No version");
        assert_eq!(feed.entries.len(), 1);
    }

    #[test]
    fn html_in_titles_becomes_plain_text_and_relative_links_are_resolved() {
        let xml = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>f</id>
            <entry><id>e1</id><title type="html">Stop &lt;b&gt;now&lt;/b&gt; &amp;amp; act</title>
            <link href="/news/1"/><content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry></feed>"#;
        let feed = parse_str(xml);
        let e = &feed.entries[0];
        assert_eq!(e.title, "Stop now & act");
        assert_eq!(e.link.as_deref(), Some("https://partner.example/news/1"));
        assert_eq!(e.content_html, "<p>Body</p>");
    }

    #[test]
    fn json_feed_and_garbage() {
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J",
            "items":[{"id":"1","url":"https://j.example/1","title":"Donate","content_html":"<p>Give</p>"}]}"#;
        let feed = parse_str(json);
        assert_eq!(feed.entries[0].guid.as_deref(), Some("1"));
        assert!(parse(b"<html><body>hello</body></html>", None).is_err());
        assert!(parse(b"\x00\x01garbage", None).is_err());
    }
}
