//! A small, tolerant HTML reader for feed content: text blocks and links, nothing else.
//!
//! Owns turning an entry's body (HTML or plain text) into blocks of plain text (paragraphs,
//! headings, list items, quotes) and the links they carry (anchors, embeds, forms, bare URLs
//! and e-mail addresses in the text). Page chrome is dropped here: `script`/`style`, `nav`,
//! `header`, `footer`, `aside`, `form`, hidden elements, and elements whose class or id says
//! share, social, newsletter, cookie, related, comments, menu, widget… Links found inside the
//! chrome are kept, marked `chrome`, so the feed template can be learned from them.
//!
//! It never builds a DOM, never fails (any byte sequence gives some result) and allocates
//! only the output. It does not judge text (that is the scorer's job).

use aho_corasick::AhoCorasick;

use crate::text::decode_entity;

/// Class/id fragments that mark page chrome.
const CHROME_CLASSES: &[&str] = &[
    "share",
    "sharing",
    "sharedaddy",
    "social",
    "related",
    "newsletter",
    "subscribe",
    "subscription",
    "signup",
    "sign-up",
    "mailchimp",
    "mc4wp",
    "cookie",
    "consent",
    "gdpr",
    "popup",
    "modal",
    "breadcrumb",
    "comment",
    "author",
    "byline",
    "post-meta",
    "entry-meta",
    "meta-info",
    "tags",
    "tag-list",
    "tagcloud",
    "post-categories",
    "pagination",
    "pager",
    "sidebar",
    "widget",
    "menu",
    "navbar",
    "navigation",
    "nav-",
    "site-header",
    "site-footer",
    "footer",
    "hidden",
    "sr-only",
    "screen-reader",
    "visually-hidden",
    "advert",
    "read-more",
    "readmore",
    "more-link",
    "follow",
    "site-donate",
    "donate-banner",
    "donate-button",
    "support-banner",
];

/// Compiled chrome patterns (built once per detector).
#[derive(Debug)]
pub(crate) struct HtmlConfig {
    chrome: AhoCorasick,
    double_space: memchr::memmem::Finder<'static>,
}

impl HtmlConfig {
    pub(crate) fn new() -> Result<HtmlConfig, String> {
        let chrome = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(CHROME_CLASSES)
            .map_err(|e| e.to_string())?;
        Ok(HtmlConfig {
            chrome,
            double_space: memchr::memmem::Finder::new(b"  ").into_owned(),
        })
    }

    /// True when a class or id value names chrome (at the start of one of its tokens or
    /// after `-`/`_`).
    fn is_chrome_class(&self, value: &str) -> bool {
        let b = value.as_bytes();
        self.chrome.find_iter(value).any(|m| {
            m.start() == 0 || matches!(b[m.start() - 1], b' ' | b'-' | b'_' | b'\t' | b'\n')
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockKind {
    Para,
    Heading,
    Item,
}

#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub text: String,
    pub kind: BlockKind,
    /// Inside a `blockquote`.
    pub quote: bool,
    /// Bytes of `text` that are anchor text.
    pub link_bytes: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkSource {
    Anchor,
    Embed,
    Form,
    Bare,
}

#[derive(Debug, Clone)]
pub(crate) struct Link {
    /// The attribute value, entities decoded, not yet resolved.
    pub href: String,
    /// The block holding the anchor, `None` for chrome, embeds and forms.
    pub block: Option<usize>,
    /// Byte range of the anchor text in its block.
    pub start: usize,
    pub end: usize,
    pub chrome: bool,
    pub source: LinkSource,
}

impl Link {
    /// The anchor text (empty for chrome, embeds and forms).
    pub(crate) fn text<'d>(&self, doc: &'d Doc) -> &'d str {
        self.block
            .and_then(|b| doc.blocks.get(b))
            .and_then(|b| b.text.get(self.start..self.end))
            .map_or("", str::trim)
    }
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Doc {
    pub blocks: Vec<Block>,
    pub links: Vec<Link>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tag {
    Raw,
    Chrome,
    Block,
    Heading,
    Item,
    Quote,
    Anchor,
    Br,
    Embed,
    Form,
    Void,
    Inline,
}

fn classify(name: &[u8]) -> Tag {
    let mut buf = [0u8; 12];
    if name.len() > buf.len() {
        return Tag::Inline;
    }
    for (d, s) in buf.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    match &buf[..name.len()] {
        b"script" | b"style" | b"noscript" | b"template" | b"textarea" | b"title" | b"xmp"
        | b"head" => Tag::Raw,
        b"nav" | b"header" | b"footer" | b"aside" | b"svg" | b"select" | b"button" | b"menu"
        | b"dialog" | b"math" | b"object" => Tag::Chrome,
        b"form" => Tag::Form,
        b"iframe" => Tag::Embed,
        b"p" | b"div" | b"ul" | b"ol" | b"dl" | b"dt" | b"dd" | b"tr" | b"td" | b"th"
        | b"table" | b"tbody" | b"thead" | b"tfoot" | b"section" | b"article" | b"main"
        | b"pre" | b"figure" | b"figcaption" | b"address" | b"center" | b"details" | b"summary"
        | b"caption" | b"fieldset" | b"hr" | b"body" | b"html" => Tag::Block,
        b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" => Tag::Heading,
        b"li" => Tag::Item,
        b"blockquote" => Tag::Quote,
        b"a" | b"area" => Tag::Anchor,
        b"br" => Tag::Br,
        b"img" | b"input" | b"meta" | b"link" | b"wbr" | b"source" | b"col" | b"embed"
        | b"param" | b"track" | b"base" => Tag::Void,
        _ => Tag::Inline,
    }
}

/// True when `b` has no white space but single ASCII spaces (nothing to collapse).
fn is_plain(b: &[u8], double_space: &memchr::memmem::Finder<'_>) -> bool {
    if b.len() >= 32 {
        // SIMD scans for the usual case of a long, clean text node.
        if memchr::memchr3(b'\n', b'\t', b'\r', b).is_some()
            || memchr::memchr3(0xC2, 0xE1, 0xE3, b).is_some()
            || double_space.find(b).is_some()
        {
            return false;
        }
        return memchr::memchr_iter(0xE2, b).all(|i| {
            !matches!(
                (b.get(i + 1), b.get(i + 2)),
                (Some(0x80), Some(0x80..=0x8A | 0xA8 | 0xA9 | 0xAF)) | (Some(0x81), Some(0x9F))
            )
        }) && !b.iter().any(|&c| c < 0x20);
    }
    let mut prev_space = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' => {
                if prev_space {
                    return false;
                }
                prev_space = true;
                i += 1;
                continue;
            }
            0..=0x1F | 0xC2 | 0xE1 | 0xE3 => return false,
            // U+2000..U+200A, U+2028, U+2029, U+202F, U+205F
            0xE2 if matches!(
                (b.get(i + 1), b.get(i + 2)),
                (Some(0x80), Some(0x80..=0x8A | 0xA8 | 0xA9 | 0xAF)) | (Some(0x81), Some(0x9F))
            ) =>
            {
                return false;
            }
            _ => {}
        }
        prev_space = false;
        i += 1;
    }
    true
}

fn is_space(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_whitespace()
    } else {
        c.is_whitespace()
    }
}

/// Decodes character references in an attribute value.
pub(crate) fn decode_attr(v: &str) -> String {
    if !v.contains('&') {
        return v.trim().to_string();
    }
    let mut out = String::with_capacity(v.len());
    let mut rest = v;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        match decode_entity(&rest[i..]) {
            Some((c, used)) => {
                out.push(c);
                rest = &rest[i + used..];
            }
            None => {
                out.push('&');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out.trim().to_string()
}

struct OpenAnchor {
    href: String,
    start: usize,
    chrome: bool,
}

struct Reader<'c> {
    cfg: &'c HtmlConfig,
    doc: Doc,
    cur: String,
    cur_kind: BlockKind,
    cur_link_bytes: usize,
    pending_space: bool,
    quote_depth: usize,
    anchor: Option<OpenAnchor>,
    /// Chrome zone: the tag name that opened it and the nesting depth of that name.
    skip: Option<(Vec<u8>, usize)>,
    saw_block_tag: bool,
}

impl<'c> Reader<'c> {
    fn new(cfg: &'c HtmlConfig) -> Self {
        Reader {
            cfg,
            doc: Doc::default(),
            cur: String::new(),
            cur_kind: BlockKind::Para,
            cur_link_bytes: 0,
            pending_space: false,
            quote_depth: 0,
            anchor: None,
            skip: None,
            saw_block_tag: false,
        }
    }

    fn push_char(&mut self, c: char) {
        if c.is_whitespace() {
            self.pending_space = true;
            return;
        }
        if self.skip.is_some() {
            self.pending_space = false;
            return;
        }
        if self.pending_space && !self.cur.is_empty() {
            self.cur.push(' ');
        }
        self.pending_space = false;
        self.cur.push(c);
    }

    fn text(&mut self, raw: &str) {
        if self.skip.is_some() {
            return;
        }
        let split_paragraphs = !self.saw_block_tag;
        let mut rest = raw;
        while !rest.is_empty() {
            let next_special = memchr::memchr2(b'&', b'\n', rest.as_bytes());
            let Some(i) = next_special else {
                self.push_str(rest);
                break;
            };
            self.push_str(&rest[..i]);
            let tail = &rest[i..];
            if tail.as_bytes()[0] == b'\n' {
                // A blank line separates paragraphs in HTML without block tags.
                let after = tail[1..].trim_start_matches([' ', '\t', '\r']);
                if split_paragraphs && after.starts_with('\n') {
                    self.flush();
                    rest = after;
                } else {
                    self.pending_space = true;
                    rest = &tail[1..];
                }
                continue;
            }
            match decode_entity(tail) {
                Some((c, used)) => {
                    self.push_char(c);
                    rest = &tail[used..];
                }
                None => {
                    self.push_char('&');
                    rest = &tail[1..];
                }
            }
        }
    }

    fn push_str(&mut self, s: &str) {
        if self.skip.is_some() {
            for c in s.chars() {
                self.push_char(c);
            }
            return;
        }
        let b = s.as_bytes();
        if is_plain(b, &self.cfg.double_space) {
            // Single spaces only: copy it in one go.
            let (lead, body) = match b.first() {
                Some(b' ') => (true, &s[1..]),
                _ => (false, s),
            };
            let (body, trail) = match body.as_bytes().last() {
                Some(b' ') => (&body[..body.len() - 1], true),
                _ => (body, false),
            };
            if lead {
                self.pending_space = true;
            }
            self.push_piece(body);
            if trail {
                self.pending_space = true;
            }
            return;
        }
        // Whole words at a time; runs of white space become one space.
        let mut start = 0;
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            let space_len = if c.is_ascii_whitespace() {
                1
            } else if matches!(c, 0xC2 | 0xE1 | 0xE2 | 0xE3) {
                s[i..]
                    .chars()
                    .next()
                    .filter(|&ch| is_space(ch))
                    .map_or(0, char::len_utf8)
            } else {
                0
            };
            if space_len == 0 {
                i += 1;
                continue;
            }
            self.push_piece(&s[start..i]);
            self.pending_space = true;
            i += space_len;
            start = i;
        }
        self.push_piece(&s[start..]);
    }

    fn push_piece(&mut self, piece: &str) {
        if piece.is_empty() {
            return;
        }
        if self.pending_space && !self.cur.is_empty() {
            self.cur.push(' ');
        }
        self.pending_space = false;
        self.cur.push_str(piece);
    }

    fn close_anchor(&mut self) {
        let Some(a) = self.anchor.take() else {
            return;
        };
        if a.href.is_empty() {
            return;
        }
        if a.chrome {
            self.doc.links.push(Link {
                href: a.href,
                block: None,
                start: 0,
                end: 0,
                chrome: true,
                source: LinkSource::Anchor,
            });
            return;
        }
        let end = self.cur.len();
        let start = a.start.min(end);
        self.cur_link_bytes += self.cur[start..end].trim().len();
        self.doc.links.push(Link {
            href: a.href,
            block: Some(self.doc.blocks.len()),
            start,
            end,
            chrome: false,
            source: LinkSource::Anchor,
        });
    }

    fn flush(&mut self) {
        if self.anchor.as_ref().is_some_and(|a| !a.chrome) {
            self.close_anchor();
        }
        let text = std::mem::take(&mut self.cur);
        let trimmed = text.trim();
        if trimmed.chars().any(|c| c.is_alphanumeric()) {
            let lead = text.len() - text.trim_start().len();
            // Links recorded for this block keep byte offsets into the untrimmed text.
            let idx = self.doc.blocks.len();
            if lead > 0 {
                for l in self.doc.links.iter_mut().rev() {
                    if l.block != Some(idx) {
                        break;
                    }
                    l.start = l.start.saturating_sub(lead);
                    l.end = l.end.saturating_sub(lead);
                }
            }
            let t = trimmed.to_string();
            for l in self.doc.links.iter_mut().rev() {
                if l.block != Some(idx) {
                    break;
                }
                l.end = l.end.min(t.len());
                l.start = l.start.min(l.end);
                while !t.is_char_boundary(l.start) {
                    l.start -= 1;
                }
                while !t.is_char_boundary(l.end) {
                    l.end -= 1;
                }
            }
            self.doc.blocks.push(Block {
                text: t,
                kind: self.cur_kind,
                quote: self.quote_depth > 0,
                link_bytes: self.cur_link_bytes,
            });
        } else {
            // Nothing worth a block: links pointing at it lose their block.
            let idx = self.doc.blocks.len();
            for l in self.doc.links.iter_mut().rev() {
                if l.block != Some(idx) {
                    break;
                }
                l.block = None;
            }
        }
        self.cur = text;
        self.cur.clear();
        self.cur_kind = BlockKind::Para;
        self.cur_link_bytes = 0;
        self.pending_space = false;
    }

    fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
        let mut found = None;
        for_each_attr(tag, |n, v| {
            if found.is_none() && n.eq_ignore_ascii_case(name) {
                found = Some(v);
            }
        });
        found
    }
}

/// Calls `f(name, raw value)` for every attribute of a tag (`tag` starts with the name).
fn for_each_attr<'a>(tag: &'a str, mut f: impl FnMut(&'a str, &'a str)) {
    {
        let b = tag.as_bytes();
        let mut i = 0;
        // Skip the tag name.
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'/' {
            i += 1;
        }
        while i < b.len() {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            let ns = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'/' {
                i += 1;
            }
            let n = &tag[ns..i];
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value = "";
            if i < b.len() && b[i] == b'=' {
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    let vs = i + 1;
                    i = vs;
                    while i < b.len() && b[i] != q {
                        i += 1;
                    }
                    value = &tag[vs..i];
                    i += 1;
                } else {
                    let vs = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    value = &tag[vs..i];
                }
            }
            if !n.is_empty() {
                f(n, value);
            }
            if ns == i {
                i += 1;
            }
        }
    }
}

impl Reader<'_> {
    fn is_chrome_element(&self, tag: &str) -> bool {
        let mut chrome = false;
        for_each_attr(tag, |name, value| {
            if chrome {
                return;
            }
            chrome = if name.eq_ignore_ascii_case("class") || name.eq_ignore_ascii_case("id") {
                self.cfg.is_chrome_class(value)
            } else if name.eq_ignore_ascii_case("role") {
                [
                    "navigation",
                    "banner",
                    "contentinfo",
                    "complementary",
                    "search",
                    "dialog",
                ]
                .iter()
                .any(|r| value.eq_ignore_ascii_case(r))
            } else if name.eq_ignore_ascii_case("aria-hidden") {
                value.eq_ignore_ascii_case("true")
            } else if name.eq_ignore_ascii_case("hidden") {
                true
            } else if name.eq_ignore_ascii_case("style") {
                let s = value.to_ascii_lowercase().replace(' ', "");
                s.contains("display:none") || s.contains("visibility:hidden")
            } else {
                false
            };
        });
        chrome
    }

    fn start_tag(&mut self, name: &[u8], tag: &str, self_closing: bool) {
        let kind = classify(name);
        if let Some((skip_name, depth)) = self.skip.as_mut() {
            if !self_closing && name.eq_ignore_ascii_case(skip_name) {
                *depth += 1;
            }
            if kind == Tag::Anchor
                && let Some(h) = Self::attr(tag, "href")
            {
                self.anchor = Some(OpenAnchor {
                    href: decode_attr(h),
                    start: 0,
                    chrome: true,
                });
            }
            return;
        }
        let void = matches!(kind, Tag::Void | Tag::Br) || self_closing;
        if !void && (kind == Tag::Chrome || self.is_chrome_element(tag)) {
            self.flush();
            self.close_anchor();
            self.skip = Some((name.to_ascii_lowercase(), 1));
            return;
        }
        match kind {
            Tag::Block | Tag::Heading | Tag::Item | Tag::Quote => {
                self.saw_block_tag = true;
                self.flush();
                match kind {
                    Tag::Heading => self.cur_kind = BlockKind::Heading,
                    Tag::Item => self.cur_kind = BlockKind::Item,
                    Tag::Quote => self.quote_depth += 1,
                    _ => {}
                }
            }
            Tag::Br => {
                self.saw_block_tag = true;
                let kind = self.cur_kind;
                self.flush();
                self.cur_kind = kind;
            }
            Tag::Anchor => {
                self.close_anchor();
                if let Some(h) = Self::attr(tag, "href") {
                    let href = decode_attr(h);
                    if !href.is_empty() {
                        if self.pending_space && !self.cur.is_empty() {
                            self.cur.push(' ');
                            self.pending_space = false;
                        }
                        self.anchor = Some(OpenAnchor {
                            href,
                            start: self.cur.len(),
                            chrome: false,
                        });
                    }
                }
            }
            Tag::Embed | Tag::Form => {
                let attr = if kind == Tag::Embed { "src" } else { "action" };
                if let Some(v) = Self::attr(tag, attr) {
                    let href = decode_attr(v);
                    if !href.is_empty() {
                        self.doc.links.push(Link {
                            href,
                            block: None,
                            start: 0,
                            end: 0,
                            chrome: kind == Tag::Form,
                            source: if kind == Tag::Embed {
                                LinkSource::Embed
                            } else {
                                LinkSource::Form
                            },
                        });
                    }
                }
                if kind == Tag::Form && !self_closing {
                    self.flush();
                    self.skip = Some((name.to_ascii_lowercase(), 1));
                }
            }
            _ => {}
        }
    }

    fn end_tag(&mut self, name: &[u8]) {
        if let Some((skip_name, depth)) = self.skip.as_mut() {
            if name.eq_ignore_ascii_case(skip_name) {
                *depth -= 1;
                if *depth == 0 {
                    self.close_anchor();
                    self.skip = None;
                    self.pending_space = true;
                }
            } else if classify(name) == Tag::Anchor {
                self.close_anchor();
            }
            return;
        }
        match classify(name) {
            Tag::Anchor => self.close_anchor(),
            Tag::Block | Tag::Heading | Tag::Item => self.flush(),
            Tag::Quote => {
                self.flush();
                self.quote_depth = self.quote_depth.saturating_sub(1);
            }
            _ => {}
        }
    }

    fn run(mut self, html: &str) -> Doc {
        let b = html.as_bytes();
        let mut i = 0;
        let n = b.len();
        let mut text_start = 0;
        while i < n {
            let Some(off) = memchr::memchr(b'<', &b[i..]) else {
                break;
            };
            let lt = i + off;
            let next = b.get(lt + 1).copied().unwrap_or(0);
            if next == b'!' {
                self.text(&html[text_start..lt]);
                if html[lt..].starts_with("<!--") {
                    i = html[lt + 4..].find("-->").map_or(n, |e| lt + 4 + e + 3);
                } else if html[lt..].starts_with("<![CDATA[") {
                    let body_start = lt + 9;
                    let body_end = html[body_start..].find("]]>").map_or(n, |e| body_start + e);
                    self.text(&html[body_start..body_end]);
                    i = (body_end + 3).min(n);
                } else {
                    i = html[lt..].find('>').map_or(n, |e| lt + e + 1);
                }
                text_start = i;
                continue;
            }
            if next == b'?' {
                self.text(&html[text_start..lt]);
                i = html[lt..].find('>').map_or(n, |e| lt + e + 1);
                text_start = i;
                continue;
            }
            let closing = next == b'/';
            let name_start = if closing { lt + 2 } else { lt + 1 };
            if !b.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
                i = lt + 1; // a literal '<'
                continue;
            }
            self.text(&html[text_start..lt]);
            let mut name_end = name_start;
            while name_end < n
                && (b[name_end].is_ascii_alphanumeric()
                    || b[name_end] == b'-'
                    || b[name_end] == b':')
            {
                name_end += 1;
            }
            // Find the end of the tag, honouring quotes.
            let mut j = name_end;
            let mut quote = 0u8;
            while j < n {
                let c = b[j];
                if quote != 0 {
                    if c == quote {
                        quote = 0;
                    }
                } else if c == b'"' || c == b'\'' {
                    quote = c;
                } else if c == b'>' {
                    break;
                }
                j += 1;
            }
            let tag_end = j.min(n);
            let name = &b[name_start..name_end];
            if closing {
                self.end_tag(name);
            } else {
                let inner = &html[name_start..tag_end];
                let self_closing = inner.ends_with('/');
                if classify(name) == Tag::Raw && !self_closing {
                    // Skip to the matching end tag.
                    let after = (tag_end + 1).min(n);
                    let mut k = after;
                    let mut found = n;
                    while let Some(off) = html[k..].find("</") {
                        let p = k + off + 2;
                        if html.len() >= p + name.len()
                            && html.as_bytes()[p..p + name.len()].eq_ignore_ascii_case(name)
                        {
                            found = k + off;
                            break;
                        }
                        k = p;
                    }
                    i = html[found..].find('>').map_or(n, |e| found + e + 1);
                    text_start = i;
                    continue;
                }
                self.start_tag(name, inner, self_closing);
            }
            i = (tag_end + 1).min(n);
            text_start = i;
        }
        if text_start < n {
            self.text(&html[text_start..]);
        }
        self.flush();
        self.close_anchor();
        self.doc
    }
}

/// Whether `body` looks like HTML (a tag, a comment or an entity-free plain text).
fn looks_like_html(body: &str) -> bool {
    let b = body.as_bytes();
    let mut from = 0;
    while let Some(off) = body[from..].find('<') {
        let i = from + off;
        if let Some(&c) = b.get(i + 1)
            && (c.is_ascii_alphabetic() || c == b'/' || c == b'!')
        {
            return true;
        }
        from = i + 1;
    }
    false
}

/// Reads an entry body (HTML or plain text) into blocks and links.
pub(crate) fn read(cfg: &HtmlConfig, body: &str) -> Doc {
    let mut doc = if looks_like_html(body) {
        Reader::new(cfg).run(body)
    } else {
        let mut doc = Doc::default();
        for line in body.lines() {
            let mut r = Reader::new(cfg);
            r.saw_block_tag = true;
            r.text(line);
            r.flush();
            for b in r.doc.blocks {
                doc.blocks.push(b);
            }
        }
        doc
    };
    add_bare_links(&mut doc);
    doc
}

fn url_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, '<' | '>' | '"' | '«' | '»' | '“' | '”' | '\'')
}

/// URLs and e-mail addresses written out in the text, outside anchors.
fn add_bare_links(doc: &mut Doc) {
    let mut found = Vec::new();
    for (bi, block) in doc.blocks.iter().enumerate() {
        let t = &block.text;
        if !(t.contains("http") || t.contains("www.") || t.contains('@')) {
            continue;
        }
        let covered = |s: usize, e: usize, links: &[Link], found: &[Link]| {
            links
                .iter()
                .chain(found.iter())
                .any(|l| l.block == Some(bi) && l.start < e && s < l.end)
        };
        let mut from = 0;
        while from < t.len() {
            let rest = &t[from..];
            let cand = [
                rest.find("https://"),
                rest.find("http://"),
                rest.find("www."),
            ]
            .into_iter()
            .flatten()
            .min();
            let Some(off) = cand else { break };
            let s = from + off;
            let prev_ok = t[..s]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric() && c != '.' && c != '/');
            let len: usize = t[s..]
                .chars()
                .take_while(|&c| url_char(c))
                .map(char::len_utf8)
                .sum();
            let mut e = s + len;
            while e > s {
                let last = t[..e].chars().next_back().unwrap_or(' ');
                if matches!(
                    last,
                    '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '،' | '؛'
                ) {
                    e -= last.len_utf8();
                } else {
                    break;
                }
            }
            if prev_ok && e > s + 8 && !covered(s, e, &doc.links, &found) {
                let raw = &t[s..e];
                let href = if raw.starts_with("www.") {
                    format!("https://{raw}")
                } else {
                    raw.to_string()
                };
                found.push(Link {
                    href,
                    block: Some(bi),
                    start: s,
                    end: e,
                    chrome: false,
                    source: LinkSource::Bare,
                });
            }
            from = e.max(s + 1);
            while !t.is_char_boundary(from) {
                from += 1;
            }
        }
        // E-mail addresses.
        let mut from = 0;
        while let Some(off) = t[from..].find('@') {
            let at = from + off;
            let ls = t[..at]
                .char_indices()
                .rev()
                .take_while(|&(_, c)| {
                    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
                })
                .last()
                .map_or(at, |(i, _)| i);
            let re = at
                + 1
                + t[at + 1..]
                    .chars()
                    .take_while(|&c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
                    .map(char::len_utf8)
                    .sum::<usize>();
            let mut re2 = re;
            while re2 > at + 1 && t.as_bytes()[re2 - 1] == b'.' {
                re2 -= 1;
            }
            let domain = &t[at + 1..re2];
            if ls < at && domain.contains('.') && !covered(ls, re2, &doc.links, &found) {
                found.push(Link {
                    href: format!("mailto:{}", &t[ls..re2]),
                    block: Some(bi),
                    start: ls,
                    end: re2,
                    chrome: false,
                    source: LinkSource::Bare,
                });
            }
            from = at + 1;
        }
    }
    doc.links.extend(found);
}

#[cfg(test)]
mod tests;
