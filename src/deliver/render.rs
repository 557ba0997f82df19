//! Alert rendering: what one alert (or a digest of several) says, as Telegram HTML
//! (`parse_mode` HTML), as plain text and as inline keyboard URL buttons.
//!
//! Owns the message layout, its three languages of section labels (English, French,
//! Arabic; right-to-left handling for Arabic-script and Hebrew entries) and the
//! invariants every message keeps whatever the feed contained:
//!
//! - the HTML uses only `b`, `i` and `a href`, balanced; `& < >` are escaped in text and
//!   `& < > "` in attributes; no feed markup passes through;
//! - feed text loses control characters (except line breaks) and bidi overrides,
//!   embeddings and isolates;
//! - links are only `http`, `https`, `mailto` and `tel`, and never hold a quote, a space
//!   or an angle bracket; any other link is shown as plain text;
//! - the visible text (tags removed, entities decoded) and the plain text are each at most
//!   [`MAX_VISIBLE`] code points, and the HTML at most [`MAX_HTML_BYTES`] bytes.
//!   Shortening takes the summary first, then the action list, then the title, and
//!   always cuts plain text before escaping, so never inside a tag or an entity.
//!
//! Must not: do IO, talk to Telegram, read the clock, or decide who receives what.

use unicode_segmentation::UnicodeSegmentation;

use super::calendar::{self, AlertDate};
use crate::detect::{Action, ActionKind};
use crate::text::primary_language;

/// Telegram's limit on a message's text, in Unicode code points after entity parsing.
pub const MAX_VISIBLE: usize = 4096;
/// The Bot API server refuses a raw `text` over 32768 bytes before it parses entities;
/// stay well below it. (With today's caps the HTML stays under about 26 kB, so this guard
/// does not bind; it keeps the promise if the caps change.)
pub const MAX_HTML_BYTES: usize = 30_000;
/// At most this many inline keyboard buttons, one per row.
pub const MAX_BUTTONS: usize = 3;
/// A button's text is at most this many code points.
pub const MAX_BUTTON_TEXT: usize = 64;

/// Longest URL kept; a longer one is shown without a link.
const MAX_URL: usize = 1024;
/// Longest partner name, action label and digest title, in code points.
const MAX_NAME: usize = 100;
const MAX_LABEL: usize = 120;
const MAX_DIGEST_TITLE: usize = 200;
/// How many co-publishers, actions and hashtags are listed at most.
const MAX_ALSO: usize = 5;
const MAX_ACTIONS: usize = 10;
const MAX_HASHTAGS: usize = 10;
const MAX_HASHTAG: usize = 64;
/// A title is first cut to this many code points, so that an absurd title cannot push the
/// actions out of the message.
const MAX_TITLE: usize = 1024;
/// A shortened title keeps at least this many code points.
const MIN_TITLE: usize = 24;

const RLM: char = '\u{200F}';
const ELLIPSIS: char = '…';

/// What one alert says; built by the pipeline from an entry and its verdict.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Alert {
    /// The partner's name.
    pub feed_name: String,
    /// Plain text.
    pub title: String,
    /// The entry's link (the title links to it).
    pub link: Option<String>,
    /// Plain text, at most 600 characters (longer is shortened here).
    pub summary: String,
    /// What the appeal asks; the first ones with a web link also become buttons.
    pub actions: Vec<Action>,
    /// Hashtags, `#` included.
    pub hashtags: Vec<String>,
    /// ISO 639-1 code of the entry's language, e.g. `ar`.
    pub lang: String,
    /// Other partners that published the same appeal.
    pub also_published_by: Vec<String>,
    /// When the event starts, and when the call closes (a 📅 and a ⏳ line).
    pub when: Option<AlertDate>,
    /// When the call closes (a ⏳ line).
    pub deadline: Option<AlertDate>,
    /// The language of the chat it goes to, for the words of those lines; `None`: the
    /// message's own.
    pub dates_lang: Option<crate::i18n::Lang>,
}

/// An inline keyboard URL button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    /// The button's label.
    pub text: String,
    /// Where it opens.
    pub url: String,
}

/// A message ready for `sendMessage`: `html` with `parse_mode` HTML, or `plain` without
/// a parse mode (dry-run output, and the fallback when Telegram refuses the HTML).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Telegram HTML, at most 4096 visible characters.
    pub html: String,
    /// The same message as plain text.
    pub plain: String,
    /// One button per row.
    pub buttons: Vec<Button>,
}

/// Renders one alert.
pub fn render_alert(alert: &Alert) -> Rendered {
    let parts = Parts::from_alert(alert);
    let buttons = buttons(&parts.actions);
    let built = fit(parts);
    Rendered {
        html: built.html,
        plain: built.plain,
        buttons,
    }
}

/// The alert as plain text, as `run --dry-run` prints it (the same as
/// [`Rendered::plain`]).
pub fn render_plain(alert: &Alert) -> String {
    render_alert(alert).plain
}

/// One message listing several alerts (after an outage): a header, then a short block per
/// alert (linked title, partner, top action) as many as fit, then "and K more".
pub fn render_digest(alerts: &[Alert]) -> Rendered {
    render_digest_with_past(alerts, &[])
}

/// A digest whose `past` alerts (their event started or their call closed before they
/// could be sent) follow under their own heading; with no `live` ones, the header says
/// that these passed while the bot was away.
pub fn render_digest_with_past(live: &[Alert], past: &[Alert]) -> Rendered {
    let first = live.first().or(past.first());
    let locale = first.map_or(Locale::En, |a| Locale::of(&a.lang));
    let mut b = Builder::new(locale.is_rtl());
    let mut header = Line::default();
    let title = if live.is_empty() && !past.is_empty() {
        crate::i18n::t(locale.lang(), "digest.away", &[])
    } else {
        locale.new_appeals(live.len())
    };
    header.tag("<b>").text(&title).tag("</b>");
    b.push(&header);

    let total = live.len() + past.len();
    let all = live
        .iter()
        .map(|a| (a, false))
        .chain(past.iter().map(|a| (a, true)));
    let mut shown = 0;
    for (i, (alert, is_past)) in all.enumerate() {
        let mut block = Vec::new();
        if is_past && i == live.len() && !live.is_empty() {
            block.push(Item::Blank);
            let mut heading = Line::default();
            let text = crate::i18n::t(locale.lang(), "digest.past", &[]);
            heading.tag("<b>").text(&text).tag("</b>");
            block.push(Item::Line(heading));
        }
        block.extend(digest_block(alert, locale));
        let left = total - i - 1;
        let mut trial = block.clone();
        if left > 0 {
            trial.push(Item::Blank);
            trial.push(Item::Line(more_line(locale, left)));
        }
        if !b.counts_after(&trial).fits() {
            break;
        }
        for item in &block {
            b.push_item(item);
        }
        shown += 1;
    }
    if shown < total {
        b.blank();
        b.push(&more_line(locale, total - shown));
    }
    Rendered {
        html: b.html,
        plain: b.plain,
        buttons: Vec::new(),
    }
}

/// The 📅 and ⏳ lines of an alert, in its reader's language (else the message's).
fn date_lines(alert: &Alert, locale: Locale) -> Vec<String> {
    let lang = alert.dates_lang.unwrap_or(locale.lang());
    let when = alert.when.map(|d| calendar::when_line(lang, &d));
    let deadline = alert.deadline.map(|d| calendar::deadline_line(lang, &d));
    when.into_iter().chain(deadline).collect()
}

// ---------------------------------------------------------------------------------------
// Languages

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Locale {
    En,
    Fr,
    Ar,
}

impl Locale {
    fn of(lang: &str) -> Locale {
        match primary_language(lang).as_str() {
            "ar" | "fa" | "ur" | "ku" | "he" | "ckb" | "ps" | "sd" | "ug" => Locale::Ar,
            "fr" => Locale::Fr,
            _ => Locale::En,
        }
    }

    fn is_rtl(self) -> bool {
        self == Locale::Ar
    }

    /// The same language among the bot's own (for the words of dates).
    fn lang(self) -> crate::i18n::Lang {
        match self {
            Locale::En => crate::i18n::Lang::En,
            Locale::Fr => crate::i18n::Lang::Fr,
            Locale::Ar => crate::i18n::Lang::Ar,
        }
    }

    fn what_you_can_do(self) -> &'static str {
        match self {
            Locale::En => "What you can do",
            Locale::Fr => "Ce que vous pouvez faire",
            Locale::Ar => "ما يمكنك فعله",
        }
    }

    fn read_more(self) -> &'static str {
        match self {
            Locale::En => "Read more: ",
            Locale::Fr => "Lire la suite : ",
            Locale::Ar => "اقرأ المزيد: ",
        }
    }

    fn also_published_by(self) -> &'static str {
        match self {
            Locale::En => "also published by ",
            Locale::Fr => "également publié par ",
            Locale::Ar => "نشرته أيضاً: ",
        }
    }

    /// Between a label and the address it stands for, in plain text.
    fn colon(self) -> &'static str {
        match self {
            Locale::Fr => " : ",
            Locale::En | Locale::Ar => ": ",
        }
    }

    fn list_separator(self) -> &'static str {
        match self {
            Locale::Ar => "، ",
            Locale::En | Locale::Fr => ", ",
        }
    }

    fn untitled(self) -> &'static str {
        match self {
            Locale::En => "New appeal",
            Locale::Fr => "Nouvel appel",
            Locale::Ar => "نداء جديد",
        }
    }

    fn new_appeals(self, n: usize) -> String {
        match (self, n) {
            (Locale::En, 1) => "1 new appeal".to_owned(),
            (Locale::En, n) => format!("{n} new appeals"),
            (Locale::Fr, 0 | 1) => format!("{n} nouvel appel"),
            (Locale::Fr, n) => format!("{n} nouveaux appels"),
            (Locale::Ar, n) => format!("نداءات جديدة: {n}"),
        }
    }

    fn and_more(self, k: usize) -> String {
        match self {
            Locale::En => format!("and {k} more"),
            Locale::Fr if k == 1 => "et 1 autre".to_owned(),
            Locale::Fr => format!("et {k} autres"),
            Locale::Ar => format!("ونداءات أخرى: {k}"),
        }
    }

    fn action_default(self, kind: ActionKind) -> &'static str {
        use ActionKind::*;
        match (self, kind) {
            (Locale::En, Sign) => "Sign",
            (Locale::En, Donate) => "Donate",
            (Locale::En, Contact) => "Contact officials",
            (Locale::En, Mobilize) => "Join in",
            (Locale::En, Share) => "Share",
            (Locale::En, Volunteer) => "Volunteer",
            (Locale::En, Boycott) => "Boycott",
            (Locale::Fr, Sign) => "Signer",
            (Locale::Fr, Donate) => "Faire un don",
            (Locale::Fr, Contact) => "Contacter les responsables",
            (Locale::Fr, Mobilize) => "Participer",
            (Locale::Fr, Share) => "Partager",
            (Locale::Fr, Volunteer) => "Se porter bénévole",
            (Locale::Fr, Boycott) => "Boycotter",
            (Locale::Ar, Sign) => "وقّع",
            (Locale::Ar, Donate) => "تبرّع",
            (Locale::Ar, Contact) => "تواصل مع المسؤولين",
            (Locale::Ar, Mobilize) => "شارك في التحرك",
            (Locale::Ar, Share) => "انشر",
            (Locale::Ar, Volunteer) => "تطوّع",
            (Locale::Ar, Boycott) => "قاطع",
        }
    }
}

// ---------------------------------------------------------------------------------------
// Cleaned content

/// An alert after cleaning: every string is safe plain text, every URL a safe href.
#[derive(Debug, Clone)]
struct Parts {
    locale: Locale,
    title: String,
    link: Option<String>,
    feed_name: String,
    also: Vec<String>,
    summary: String,
    actions: Vec<ShownAction>,
    hashtags: Vec<String>,
    /// The 📅 and ⏳ lines.
    dates: Vec<String>,
}

#[derive(Debug, Clone)]
struct ShownAction {
    label: String,
    url: Option<String>,
}

impl Parts {
    fn from_alert(alert: &Alert) -> Parts {
        let locale = Locale::of(&alert.lang);
        let mut title = clean_to(&alert.title, false, MAX_TITLE);
        if title.is_empty() {
            title = locale.untitled().to_owned();
        }
        let feed_name = clean_to(&alert.feed_name, false, MAX_NAME);
        let mut also: Vec<String> = Vec::new();
        for name in &alert.also_published_by {
            let name = clean_to(name, false, MAX_NAME);
            let seen = |n: &String| n.to_lowercase() == name.to_lowercase();
            if name.is_empty() || seen(&feed_name) || also.iter().any(seen) {
                continue;
            }
            also.push(name);
            if also.len() == MAX_ALSO {
                break;
            }
        }
        let actions = alert
            .actions
            .iter()
            .take(MAX_ACTIONS)
            .map(|a| {
                let mut label = clean_to(&a.label, false, MAX_LABEL);
                if label.is_empty() {
                    label = locale.action_default(a.kind).to_owned();
                }
                ShownAction {
                    label,
                    url: a.url.as_deref().and_then(safe_url),
                }
            })
            .collect();
        let mut hashtags: Vec<String> = Vec::new();
        for tag in &alert.hashtags {
            let Some(tag) = clean_hashtag(tag) else {
                continue;
            };
            if hashtags
                .iter()
                .any(|t| t.to_lowercase() == tag.to_lowercase())
            {
                continue;
            }
            hashtags.push(tag);
            if hashtags.len() == MAX_HASHTAGS {
                break;
            }
        }
        Parts {
            locale,
            title,
            link: alert.link.as_deref().and_then(safe_url),
            feed_name,
            also,
            summary: clean_to(&alert.summary, true, MAX_VISIBLE),
            actions,
            hashtags,
            dates: date_lines(alert, locale),
        }
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters removed from feed text outright. U+0333, U+033F and U+030A are the three
/// combining marks Telegram itself deletes: a title of only those would be empty there.
fn is_stripped(c: char) -> bool {
    is_bidi_control(c)
        || matches!(c, '\u{FEFF}' | '\u{0333}' | '\u{033F}' | '\u{030A}')
        || (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Feed text -> safe plain text of at most `max` code points, shortened with "…".
fn clean_to(s: &str, keep_lines: bool, max: usize) -> String {
    truncate_text(&clean(s, keep_lines, max + 1), max)
}

/// Feed text -> safe plain text: control characters (but line breaks), bidi controls and
/// byte-order marks removed; whitespace runs collapsed to one space; line breaks kept
/// (at most one blank line in a row) when `keep_lines`, else turned into spaces; trimmed.
/// Stops after `max` code points of output, so a huge input costs little.
fn clean(s: &str, keep_lines: bool, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(4 * max));
    let mut count = 0usize;
    let mut space = false;
    let mut newlines = 0usize;
    let mut after_cr = false;
    for c in s.chars() {
        let was_cr = std::mem::replace(&mut after_cr, c == '\r');
        if c == '\n' && was_cr {
            continue;
        }
        let c = match c {
            '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => '\n',
            c => c,
        };
        if is_stripped(c) {
            continue;
        }
        if c == '\n' && keep_lines {
            newlines += 1;
            space = false;
            continue;
        }
        if c.is_whitespace() {
            space = newlines == 0;
            continue;
        }
        let gap = match newlines {
            _ if out.is_empty() => "",
            0 if space => " ",
            0 => "",
            1 => "\n",
            _ => "\n\n",
        };
        if count + gap.len() + 1 > max {
            break;
        }
        out.push_str(gap);
        count += gap.len();
        newlines = 0;
        space = false;
        out.push(c);
        count += 1;
    }
    out
}

/// A hashtag as `#word`: cleaned, inner whitespace removed, at most [`MAX_HASHTAG`]
/// code points; `None` when nothing is left.
fn clean_hashtag(tag: &str) -> Option<String> {
    let cleaned = clean(tag, false, 4 * MAX_HASHTAG);
    let body: String = cleaned
        .trim_start_matches(['#', '＃'])
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if body.is_empty() {
        return None;
    }
    Some(format!("#{}", cut_graphemes(&body, MAX_HASHTAG - 1)))
}

/// A link Telegram may carry: `http`, `https` (with a host), `mailto` or `tel`, parsed
/// and re-serialised, with any remaining space, quote or angle bracket percent-encoded
/// (a phone number loses its spaces instead). `None` for anything else, or when longer
/// than [`MAX_URL`].
fn safe_url(raw: &str) -> Option<String> {
    if raw.len() > 4 * MAX_URL {
        return None;
    }
    let mut cleaned: String = raw.chars().filter(|&c| !is_stripped(c)).collect();
    if cleaned
        .trim_start()
        .get(..4)
        .is_some_and(|s| s.eq_ignore_ascii_case("tel:"))
    {
        cleaned.retain(|c| !c.is_whitespace());
    }
    let url = url::Url::parse(cleaned.trim()).ok()?;
    match url.scheme() {
        "http" | "https" => {
            if url.host_str().is_none_or(str::is_empty) {
                return None;
            }
        }
        "mailto" | "tel" => {}
        _ => return None,
    }
    let mut out = String::with_capacity(url.as_str().len());
    for c in url.as_str().chars() {
        match c {
            ' ' => out.push_str("%20"),
            '"' => out.push_str("%22"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '`' => out.push_str("%60"),
            c if c.is_whitespace() || c.is_control() || is_bidi_control(c) => return None,
            c => out.push(c),
        }
    }
    (out.chars().count() <= MAX_URL).then_some(out)
}

fn is_web(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

/// What a link shows in the text: the host of a web link (without `www.`), else the
/// address after the scheme.
fn display_url(url: &str) -> String {
    if let Ok(parsed) = url::Url::parse(url)
        && let Some(host) = parsed.host_str()
    {
        return host.strip_prefix("www.").unwrap_or(host).to_owned();
    }
    let rest = url.split_once(':').map_or(url, |(_, rest)| rest);
    truncate_text(rest, 60)
}

/// Up to [`MAX_BUTTONS`] buttons for the first actions with a web link, one per URL.
fn buttons(actions: &[ShownAction]) -> Vec<Button> {
    let mut out: Vec<Button> = Vec::new();
    for action in actions {
        let Some(url) = action.url.as_deref().filter(|u| is_web(u)) else {
            continue;
        };
        if out.iter().any(|b| b.url == url) {
            continue;
        }
        out.push(Button {
            text: truncate_text(&action.label, MAX_BUTTON_TEXT),
            url: url.to_owned(),
        });
        if out.len() == MAX_BUTTONS {
            break;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Shortening plain text

/// The longest prefix of `s` of at most `max` code points that ends on a grapheme
/// boundary.
fn cut_graphemes(s: &str, max: usize) -> &str {
    let mut end = 0;
    let mut count = 0;
    for (i, g) in s.grapheme_indices(true) {
        let n = g.chars().count();
        if count + n > max {
            break;
        }
        count += n;
        end = i + g.len();
    }
    &s[..end]
}

/// `s` if it has at most `max` code points; else a shorter text ending in "…", cut at a
/// sentence end near the limit, else at a word boundary, else between graphemes.
fn truncate_text(s: &str, max: usize) -> String {
    if s.len() <= max || s.chars().count() <= max {
        return s.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let head = cut_graphemes(s, max - 1);
    // A sentence end followed by whitespace, in the last quarter: "… end. …".
    let sentence = head
        .char_indices()
        .filter(|&(i, c)| {
            matches!(c, '.' | '!' | '?' | '؟' | '۔' | '。')
                && s[i + c.len_utf8()..].starts_with(char::is_whitespace)
        })
        .map(|(i, c)| i + c.len_utf8())
        .next_back()
        .filter(|&end| end >= head.len() * 3 / 4 && s[..end].chars().count() + 2 <= max);
    if let Some(end) = sentence {
        return format!("{} {ELLIPSIS}", &s[..end]);
    }
    let word = head
        .char_indices()
        .filter(|&(i, c)| c.is_whitespace() && i >= head.len() / 2)
        .map(|(i, _)| i)
        .next_back()
        .map(|i| head[..i].trim_end_matches(|c: char| c.is_whitespace() || ",;:-–—".contains(c)))
        .filter(|w| !w.is_empty());
    let kept = word.unwrap_or_else(|| head.trim_end());
    format!("{kept}{ELLIPSIS}")
}

// ---------------------------------------------------------------------------------------
// Building the message

/// Escapes `s` as Telegram HTML text (`&`, `<`, `>`).
pub fn escape_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

fn escape_attr(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// One line of the message in its three forms: HTML, the HTML's visible text, plain text.
/// A line whose HTML is empty appears in the plain text only.
#[derive(Debug, Clone, Default)]
struct Line {
    html: String,
    visible: String,
    plain: String,
}

impl Line {
    /// Text shown everywhere.
    fn text(&mut self, s: &str) -> &mut Self {
        escape_text(&mut self.html, s);
        self.visible.push_str(s);
        self.plain.push_str(s);
        self
    }

    /// Markup (a constant tag): HTML only.
    fn tag(&mut self, tag: &str) -> &mut Self {
        self.html.push_str(tag);
        self
    }

    /// Text that is a link in the HTML when there is a URL; HTML and visible text only.
    fn link(&mut self, text: &str, url: Option<&str>) -> &mut Self {
        match url {
            Some(url) => {
                self.html.push_str("<a href=\"");
                escape_attr(&mut self.html, url);
                self.html.push_str("\">");
                escape_text(&mut self.html, text);
                self.html.push_str("</a>");
            }
            None => escape_text(&mut self.html, text),
        }
        self.visible.push_str(text);
        self
    }

    /// Plain text only.
    fn plain(&mut self, s: &str) -> &mut Self {
        self.plain.push_str(s);
        self
    }
}

#[derive(Debug, Clone)]
enum Item {
    Blank,
    Line(Line),
}

/// Sizes of the message built so far, and where its next line goes.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    visible_chars: usize,
    plain_chars: usize,
    html_bytes: usize,
    html_blank: bool,
    plain_blank: bool,
}

impl Counts {
    fn fits(&self) -> bool {
        self.visible_chars <= MAX_VISIBLE
            && self.plain_chars <= MAX_VISIBLE
            && self.html_bytes <= MAX_HTML_BYTES
    }
}

/// A line of a right-to-left message needs a leading RIGHT-TO-LEFT MARK when it starts
/// with a hashtag or its first strong character is not right-to-left.
fn needs_rlm(line: &str) -> bool {
    if line.starts_with('#') {
        return true;
    }
    match line
        .chars()
        .find(|&c| is_rtl_letter(c) || c.is_alphabetic())
    {
        Some(c) => !is_rtl_letter(c),
        None => true,
    }
}

fn is_rtl_letter(c: char) -> bool {
    matches!(c,
        '\u{0590}'..='\u{08FF}'
        | '\u{FB1D}'..='\u{FDFF}'
        | '\u{FE70}'..='\u{FEFE}'
        | '\u{10800}'..='\u{10FFF}'
        | '\u{1E800}'..='\u{1EFFF}')
}

/// Appends lines to the HTML and the plain text, keeping their sizes. Blank lines are
/// written only between two lines of the same output, so neither output starts or ends
/// with one.
#[derive(Debug, Default)]
struct Builder {
    rtl: bool,
    html: String,
    plain: String,
    counts: Counts,
}

impl Builder {
    fn new(rtl: bool) -> Builder {
        Builder {
            rtl,
            ..Builder::default()
        }
    }

    fn blank(&mut self) {
        self.counts.html_blank = true;
        self.counts.plain_blank = true;
    }

    fn push(&mut self, line: &Line) {
        let rtl = self.rtl;
        if !line.html.is_empty() {
            let prefix = prefix(
                rtl,
                self.html.is_empty(),
                self.counts.html_blank,
                &line.visible,
            );
            self.counts.visible_chars += prefix.chars().count() + line.visible.chars().count();
            self.counts.html_bytes += prefix.len() + line.html.len();
            self.counts.html_blank = false;
            self.html.push_str(&prefix);
            self.html.push_str(&line.html);
        }
        if !line.plain.is_empty() {
            let prefix = prefix(
                rtl,
                self.plain.is_empty(),
                self.counts.plain_blank,
                &line.plain,
            );
            self.counts.plain_chars += prefix.chars().count() + line.plain.chars().count();
            self.counts.plain_blank = false;
            self.plain.push_str(&prefix);
            self.plain.push_str(&line.plain);
        }
    }

    fn push_item(&mut self, item: &Item) {
        match item {
            Item::Blank => self.blank(),
            Item::Line(line) => self.push(line),
        }
    }

    /// The sizes the message would have after `items`, without building it.
    fn counts_after(&self, items: &[Item]) -> Counts {
        let mut c = self.counts;
        let (mut html_empty, mut plain_empty) = (self.html.is_empty(), self.plain.is_empty());
        for item in items {
            let line = match item {
                Item::Blank => {
                    c.html_blank = true;
                    c.plain_blank = true;
                    continue;
                }
                Item::Line(line) => line,
            };
            if !line.html.is_empty() {
                let p = prefix(self.rtl, html_empty, c.html_blank, &line.visible);
                c.visible_chars += p.chars().count() + line.visible.chars().count();
                c.html_bytes += p.len() + line.html.len();
                c.html_blank = false;
                html_empty = false;
            }
            if !line.plain.is_empty() {
                let p = prefix(self.rtl, plain_empty, c.plain_blank, &line.plain);
                c.plain_chars += p.chars().count() + line.plain.chars().count();
                c.plain_blank = false;
                plain_empty = false;
            }
        }
        c
    }
}

/// What goes before a line: the line break(s) and, in a right-to-left message, the mark.
fn prefix(rtl: bool, first: bool, blank: bool, text: &str) -> String {
    let mut p = String::new();
    if !first {
        p.push('\n');
        if blank {
            p.push('\n');
        }
    }
    if rtl && needs_rlm(text) {
        p.push(RLM);
    }
    p
}

/// The full layout of one alert from its (possibly shortened) parts.
fn emit(p: &Parts) -> Builder {
    let l = p.locale;
    let mut b = Builder::new(l.is_rtl());

    let mut title = Line::default();
    title
        .tag("<b>")
        .link(&p.title, p.link.as_deref())
        .tag("</b>")
        .plain(&p.title);
    b.push(&title);

    if !p.feed_name.is_empty() || !p.also.is_empty() {
        let mut line = Line::default();
        if !p.feed_name.is_empty() {
            line.tag("<i>").text(&p.feed_name).tag("</i>");
        }
        if !p.also.is_empty() {
            if !p.feed_name.is_empty() {
                line.text(" · ");
            }
            line.text(l.also_published_by())
                .text(&p.also.join(l.list_separator()));
        }
        b.push(&line);
    }

    for text in &p.dates {
        let mut line = Line::default();
        line.text(text);
        b.push(&line);
    }

    if !p.summary.is_empty() {
        b.blank();
        for text in p.summary.split('\n') {
            if text.is_empty() {
                b.blank();
            } else {
                let mut line = Line::default();
                line.text(text);
                b.push(&line);
            }
        }
    }

    if !p.actions.is_empty() {
        b.blank();
        let mut heading = Line::default();
        heading.tag("<b>").text(l.what_you_can_do()).tag("</b>");
        b.push(&heading);
        for action in &p.actions {
            let mut line = Line::default();
            line.text("• ")
                .link(&action.label, action.url.as_deref())
                .plain(&action.label);
            if let Some(url) = &action.url {
                line.plain(l.colon()).plain(url);
            }
            b.push(&line);
        }
    }

    if !p.hashtags.is_empty() {
        b.blank();
        let mut line = Line::default();
        line.text(&p.hashtags.join(" "));
        b.push(&line);
    }

    if let Some(link) = &p.link {
        b.blank();
        let mut line = Line::default();
        line.text(l.read_more())
            .link(&display_url(link), Some(link))
            .plain(link);
        b.push(&line);
    }
    b
}

/// The alert's layout, shortened until it fits: summary first, then the action list
/// (from the end), then the title, then the extras; the last resort is the title alone.
fn fit(mut p: Parts) -> Builder {
    let built = emit(&p);
    if built.counts.fits() {
        return built;
    }
    let summary = std::mem::take(&mut p.summary);
    if let Some(built) = shrink(&mut p, &summary, 0, |p, s| p.summary = s) {
        return built;
    }
    while p.actions.pop().is_some() {
        let built = emit(&p);
        if built.counts.fits() {
            return built;
        }
    }
    let title = std::mem::take(&mut p.title);
    if let Some(built) = shrink(&mut p, &title, MIN_TITLE, |p, s| p.title = s) {
        return built;
    }
    p.hashtags.clear();
    p.also.clear();
    p.feed_name.clear();
    p.link = None;
    let built = emit(&p);
    if built.counts.fits() {
        return built;
    }
    p.title = truncate_text(&title, MIN_TITLE);
    emit(&p)
}

/// Sets one field to the longest shortening of `full` (at least `min` code points) with
/// which the message fits, and returns that message; `None` (field at its minimum) when
/// even the minimum does not fit.
fn shrink(p: &mut Parts, full: &str, min: usize, set: fn(&mut Parts, String)) -> Option<Builder> {
    let len = full.chars().count();
    let attempt = |k: usize, p: &mut Parts| {
        set(p, truncate_text(full, k));
        let built = emit(p);
        built.counts.fits().then_some(built)
    };
    let min = min.min(len);
    let mut best = attempt(min, p)?;
    let (mut lo, mut hi) = (min, len + 1);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match attempt(mid, p) {
            Some(built) => {
                best = built;
                lo = mid;
            }
            None => hi = mid,
        }
    }
    set(p, truncate_text(full, lo));
    Some(best)
}

/// One alert's block in a digest, starting with a blank line.
fn digest_block(alert: &Alert, locale: Locale) -> Vec<Item> {
    let own = Locale::of(&alert.lang);
    let mut title = clean_to(&alert.title, false, MAX_DIGEST_TITLE);
    if title.is_empty() {
        title = own.untitled().to_owned();
    }
    let link = alert.link.as_deref().and_then(safe_url);
    let name = clean_to(&alert.feed_name, false, MAX_NAME);
    let top = alert.actions.first().map(|a| {
        let mut label = clean_to(&a.label, false, MAX_LABEL);
        if label.is_empty() {
            label = own.action_default(a.kind).to_owned();
        }
        ShownAction {
            label,
            url: a.url.as_deref().and_then(safe_url),
        }
    });

    let mut items = vec![Item::Blank];
    let mut head = Line::default();
    head.text("• ")
        .tag("<b>")
        .link(&title, link.as_deref())
        .tag("</b>")
        .plain(&title);
    items.push(Item::Line(head));

    let mut by = Line::default();
    if !name.is_empty() {
        by.tag("<i>").text(&name).tag("</i>");
    }
    if let Some(action) = &top {
        if !name.is_empty() {
            by.text(" · ");
        }
        by.link(&action.label, action.url.as_deref())
            .plain(&action.label);
        if let Some(url) = &action.url {
            by.plain(locale.colon()).plain(url);
        }
    }
    if !by.plain.is_empty() {
        items.push(Item::Line(by));
    }
    for text in date_lines(alert, locale) {
        let mut line = Line::default();
        line.text(&text);
        items.push(Item::Line(line));
    }
    if let Some(link) = link {
        let mut more = Line::default();
        more.plain(locale.read_more()).plain(&link);
        items.push(Item::Line(more));
    }
    items
}

fn more_line(locale: Locale, left: usize) -> Line {
    let mut line = Line::default();
    line.tag("<i>").text(&locale.and_more(left)).tag("</i>");
    line
}

#[cfg(test)]
mod tests;
