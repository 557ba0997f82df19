//! The scorer: one entry (plus its feed's template) -> a [`Verdict`].
//!
//! Owns the pipeline: read the body, drop boilerplate and the feed's template, split
//! sentences, match cues, weigh them by where they occur (title, action section, quotes,
//! reported speech, past-tense recaps), type the links, and assemble score, actions,
//! hashtags, summary, reasons and fingerprint. Also learns a [`FeedContext`] from a batch of
//! entries. Pure: no IO, no clock.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use super::cues::{Class, Hit};
use super::features::{
    KindCounts, KindEvidence, Totals, Voices, bit, features, flag, genre_kinds, kind_features,
};
use super::fingerprint::{FnvBuild, SimHasher, fast_hash};
use super::genre;
use super::hashtags::Hashtags;
use super::html::{self, BlockKind, Doc, LinkSource};
use super::links::{UrlParts, UrlType, base_host, canonical_url, clean_url, key_parts, type_parts};
use super::model::Features;
use super::text::{fold_clean_into, fold_into};
use super::voice;
use super::{Action, ActionKind, Detector, FeedContext, Fingerprint, Verdict, lang, summary};
use crate::entry::Entry;

/// An entry body read once: blocks, links (resolved), and each block's sentences.
#[derive(Debug)]
pub(crate) struct Prepared {
    doc: Doc,
    /// Per link of `doc.links`, the resolved URL and its type (`None`: leads nowhere).
    links: Vec<Option<(UrlParts, UrlType)>>,
    /// Sentence ranges of all blocks, block after block…
    sents: Vec<(usize, usize)>,
    /// …block `b`'s being `sents[sent_at[b]..sent_at[b + 1]]`.
    sent_at: Vec<usize>,
}

impl Prepared {
    fn block_sents(&self, b: usize) -> &[(usize, usize)] {
        &self.sents[self.sent_at[b]..self.sent_at[b + 1]]
    }
}

/// Bodies cached in a feed context at most (bytes of HTML), to bound its memory.
const MAX_CACHED_BYTES: usize = 8 << 20;

fn prep_key(entry: &Entry) -> u64 {
    fast_hash(&[
        entry.link.as_deref().unwrap_or("").as_bytes(),
        entry.title.as_bytes(),
        entry.body_html().as_bytes(),
    ])
}

fn prepare(det: &Detector, entry: &Entry) -> Prepared {
    let doc = html::read(&det.html, entry.body_html());
    let base = entry.link.as_deref();
    let base_host = base_host(base);
    let links = doc
        .links
        .iter()
        .map(|l| {
            key_parts(&l.href, base, base_host.as_deref()).map(|p| {
                // Chrome links only ever serve to learn the template: no typing needed.
                let ty = if l.chrome {
                    UrlType::default()
                } else {
                    type_parts(&det.cues.links, &p)
                };
                (p, ty)
            })
        })
        .collect();
    let mut sents = Vec::with_capacity(doc.blocks.len() * 2);
    let mut sent_at = Vec::with_capacity(doc.blocks.len() + 1);
    for b in &doc.blocks {
        sent_at.push(sents.len());
        det.splitter.split(&b.text, &mut sents);
    }
    sent_at.push(sents.len());
    Prepared {
        doc,
        links,
        sents,
        sent_at,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SegKind {
    Title,
    Heading,
    Item,
    Para,
}

/// A title or a body block, with what the scorer needs to know about it.
#[derive(Debug)]
struct Seg<'a> {
    text: &'a str,
    kind: SegKind,
    quote: bool,
    /// Site boilerplate (newsletter box, "read more"…): ignored.
    dropped: bool,
    /// After a heading such as "What you can do".
    action: bool,
    /// One of the first two body blocks.
    lead: bool,
    /// A short block that is only a link ("Donate"): a button, maybe on every page.
    button: bool,
    /// Kinds named by the heading of the section this block is in ("1. Give to the fund").
    section: u8,
    sents: Range<usize>,
}

#[derive(Debug)]
struct Sent {
    seg: usize,
    start: usize,
    end: usize,
    fold: Range<usize>,
    hits: Range<usize>,
    /// Recurs across the feed's entries.
    template: bool,
}

/// A link of the entry, resolved and typed.
#[derive(Debug)]
struct LinkInfo<'a> {
    /// The link as written (resolved and cleaned only if it becomes an action).
    href: &'a str,
    /// Canonical key.
    key: &'a str,
    ty: UrlType,
    /// Kinds named by the anchor text.
    anchor_kinds: u8,
    /// Kinds whose genre words the anchor text holds ("the map of the vigils").
    anchor_words: u8,
    /// Kinds whose genre words the path of an untyped link holds ("/patenschaften/anmeldung").
    path_kinds: u8,
    /// Kinds named by the heading of the link's section.
    section: u8,
    sent: Option<usize>,
    usable: bool,
    button: bool,
    /// A file or a site's upload folder (a kit, a poster, a report).
    download: bool,
}

fn kind_idx(k: ActionKind) -> usize {
    k as usize
}

/// Counts words up to `limit + 1` (enough to compare with `limit`).
fn words_upto(s: &str, limit: usize) -> usize {
    s.split_ascii_whitespace().take(limit + 1).count()
}

fn link_noun(k: ActionKind) -> &'static str {
    match k {
        ActionKind::Sign => "petition",
        ActionKind::Donate => "donation",
        ActionKind::Contact => "contact",
        ActionKind::Mobilize => "event",
        ActionKind::Share => "share",
        ActionKind::Volunteer => "volunteer",
        ActionKind::Boycott => "boycott",
    }
}

/// Evidence with the sentence it came from, for reasons.
struct Reasons {
    items: Vec<(f32, String)>,
}

impl Reasons {
    fn add(&mut self, weight: f32, text: String) {
        if let Some(r) = self.items.iter_mut().find(|(_, t)| *t == text) {
            r.0 = r.0.max(weight);
            return;
        }
        self.items.push((weight, text));
    }

    fn finish(mut self, max: usize) -> Vec<String> {
        self.items.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
        self.items.truncate(max);
        self.items.into_iter().map(|(_, t)| t).collect()
    }
}

/// Reads the entry body and title into segments and sentences, matching cues.
struct Parsed<'a> {
    doc: &'a Doc,
    segs: Vec<Seg<'a>>,
    sents: Vec<Sent>,
    hits: Vec<Hit>,
    folded: String,
}

fn parse<'a>(
    det: &Detector,
    title: &'a str,
    prep: &'a Prepared,
    ctx: &FeedContext,
    lang: &str,
) -> Parsed<'a> {
    let doc = &prep.doc;
    let mut segs: Vec<Seg<'a>> = Vec::with_capacity(doc.blocks.len() + 1);
    segs.push(Seg {
        text: title,
        kind: SegKind::Title,
        quote: false,
        dropped: false,
        action: false,
        lead: false,
        button: false,
        section: 0,
        sents: 0..0,
    });
    for b in &doc.blocks {
        let button = b.link_bytes * 10 >= b.text.len() * 7 && words_upto(&b.text, 5) <= 5;
        segs.push(Seg {
            text: &b.text,
            kind: match b.kind {
                BlockKind::Heading => SegKind::Heading,
                BlockKind::Item => SegKind::Item,
                BlockKind::Para => SegKind::Para,
            },
            quote: b.quote,
            dropped: false,
            action: false,
            lead: false,
            button,
            section: 0,
            sents: 0..0,
        });
    }
    let total: usize = segs.iter().map(|s| s.text.len()).sum();
    let mut folded = String::with_capacity(total + segs.len() * 4);
    let mut sents: Vec<Sent> = Vec::with_capacity(segs.len() * 2);
    let mut hits: Vec<Hit> = Vec::with_capacity(32);
    let mut ranges: Vec<(usize, usize)> = Vec::with_capacity(8);
    for (si, seg) in segs.iter_mut().enumerate() {
        let ranges: &[(usize, usize)] = if si == 0 {
            ranges.clear();
            det.splitter.split(seg.text, &mut ranges);
            &ranges
        } else {
            prep.block_sents(si - 1)
        };
        let first = sents.len();
        for &(s, e) in ranges {
            let f0 = folded.len();
            if si == 0 {
                fold_into(&seg.text[s..e], &mut folded);
            } else {
                fold_clean_into(&seg.text[s..e], &mut folded);
            }
            let f1 = folded.len();
            let norm = &folded[f0..f1];
            let template = si > 0
                && !ctx.sentences.is_empty()
                && ctx
                    .sentences
                    .contains(&fast_hash(&[&seg.text.as_bytes()[s..e]]));
            let h0 = hits.len();
            if !template {
                det.cues.find(norm, Some(lang), &mut hits);
            }
            sents.push(Sent {
                seg: si,
                start: s,
                end: e,
                fold: f0..f1,
                hits: h0..hits.len(),
                template,
            });
            folded.push(' ');
        }
        seg.sents = first..sents.len();
    }
    Parsed {
        doc,
        segs,
        sents,
        hits,
        folded,
    }
}

impl Parsed<'_> {
    fn seg_hits(&self, si: usize) -> impl Iterator<Item = &Hit> {
        let r = &self.segs[si].sents;
        let start = self.sents.get(r.start).map_or(0, |s| s.hits.start);
        let end = if r.is_empty() {
            start
        } else {
            self.sents[r.end - 1].hits.end
        };
        self.hits[start..end].iter()
    }

    /// Marks boilerplate blocks, the action section and the lead.
    fn mark_zones(&mut self, det: &Detector, reasons: &mut Reasons) {
        let mut in_action = false;
        let mut body_idx = 0;
        for si in 1..self.segs.len() {
            let text = self.segs[si].text;
            let mut boiler: Option<Hit> = None;
            let mut heading = false;
            let mut strong = false;
            for h in self.seg_hits(si) {
                let cue = det.cues.cue(h);
                match cue.class {
                    Class::Boilerplate => boiler = boiler.or(Some(*h)),
                    Class::Heading => heading = true,
                    Class::Kind(_) | Class::Cta | Class::Demand if !cue.context => strong = true,
                    _ => {}
                }
            }
            if let Some(h) = boiler {
                let n = words_upto(text, 40);
                if n <= 15 || (n <= 40 && !strong) {
                    self.segs[si].dropped = true;
                    reasons.add(
                        0.3,
                        format!("boilerplate dropped: '{}'", det.cues.phrase(&h)),
                    );
                    continue;
                }
            }
            let all_template = !self.segs[si].sents.is_empty()
                && self.sents[self.segs[si].sents.clone()]
                    .iter()
                    .all(|s| s.template);
            let headingish = heading
                && (self.segs[si].kind == SegKind::Heading
                    || text.ends_with(':')
                    || words_upto(text, 12) <= 12);
            if heading && headingish && !all_template {
                in_action = true;
            } else if self.segs[si].kind == SegKind::Heading {
                in_action = false;
            }
            self.segs[si].action = in_action;
            if !all_template {
                self.segs[si].lead = body_idx < 2;
                body_idx += 1;
            }
        }
    }

    /// Marks each block with the kinds its section's heading names: a "how to help" page
    /// lists one action per heading ("2. Become a court watcher", "3. Paylaşın"), and the
    /// asks and links below a heading serve its kind. Every heading opens a new section.
    fn mark_sections(&mut self, det: &Detector, lang: &str) {
        let mut current = 0u8;
        for si in 1..self.segs.len() {
            if self.segs[si].kind == SegKind::Heading {
                current = 0;
                if !self.segs[si].dropped {
                    for s in &self.sents[self.segs[si].sents.clone()] {
                        for h in &self.hits[s.hits.clone()] {
                            if let Class::Kind(k) = det.cues.cue(h).class {
                                current |= bit(k);
                            }
                        }
                        det.cues
                            .stems
                            .scan(&self.folded[s.fold.clone()], lang, |k| current |= bit(k));
                    }
                }
            }
            self.segs[si].section = current;
        }
    }

    fn where_(&self, seg: &Seg) -> &'static str {
        match seg.kind {
            SegKind::Title => "title",
            _ if seg.quote => "quote",
            _ if seg.action => "action section",
            SegKind::Heading => "heading",
            _ if seg.lead => "lead",
            _ => "body",
        }
    }

    fn kept(&self, s: &Sent) -> bool {
        !s.template && !self.segs[s.seg].dropped
    }
}

/// Names in a run ("Baytna Syria Kesh Malek Violet Organization …", a signatory list
/// written as one paragraph): a count of four-word groups when most words are capitalised.
fn name_run(text: &str) -> usize {
    let (mut words, mut caps) = (0usize, 0usize);
    for w in text.split_whitespace().take(200) {
        words += 1;
        caps += usize::from(w.chars().next().is_some_and(char::is_uppercase));
    }
    if words >= 16 && caps * 10 >= words * 7 {
        words / 4
    } else {
        0
    }
}

/// Names listed with semicolons ("Signatories: Baytna (Syria); Women Now (France); …"):
/// the count of parts when there are four or more, each short and most capitalised.
fn semicolon_list(text: &str) -> usize {
    let parts: Vec<&str> = text.split([';', '؛']).map(str::trim).collect();
    if parts.len() < 4 || parts.iter().any(|p| words_upto(p, 12) > 12) {
        return 0;
    }
    let caps = parts
        .iter()
        .filter(|p| p.chars().next().is_some_and(char::is_uppercase))
        .count();
    if caps * 4 >= parts.len() * 3 {
        parts.len()
    } else {
        0
    }
}

/// Kind evidence from an untyped link whose path or anchor names the kind (less than an
/// ask: it needs another cue to name a kind).
const LINK_WORDS_KIND_EVIDENCE: f32 = 1.5;
/// Words besides its own that a block holding the site's button may have and still be chrome
/// ("Support our work: Donate"); a sentence around the link makes it part of the text.
const BUTTON_CONTEXT_WORDS: usize = 6;

/// The kinds whose genre words a link's path (or anchor) holds, read as words of the entry's
/// language and of English.
fn path_kinds(det: &Detector, path: &str, lang: &str) -> u8 {
    let words: String = path
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut folded = String::with_capacity(words.len());
    fold_into(&words, &mut folded);
    let mut kinds = 0u8;
    det.cues.stems.scan(&folded, lang, |k| kinds |= bit(k));
    if lang != "en" {
        det.cues.stems.scan(&folded, "en", |k| kinds |= bit(k));
    }
    kinds
}

fn is_download(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    path.contains("/uploads/")
        || path.contains("/download")
        || [".zip", ".pdf", ".png", ".jpg"]
            .iter()
            .any(|ext| file.ends_with(ext))
}

fn is_mail_or_phone(key: &str) -> bool {
    key.starts_with("mailto:") || key.starts_with("tel:")
}

fn has_hashtag(text: &str) -> bool {
    let mut tags = Hashtags::default();
    tags.scan(text);
    !tags.into_vec().is_empty()
}

/// The entry's language: script, trigrams, declared language, and for short texts the
/// language whose cues match.
fn identify_lang(det: &Detector, title: &str, doc: &Doc, entry: &Entry) -> &'static str {
    let mut sample = String::with_capacity(400);
    sample.push_str(title);
    for b in &doc.blocks {
        if sample.len() > 320 {
            break;
        }
        sample.push(' ');
        sample.push_str(&b.text);
    }
    let mut votes: Vec<(&'static str, f32)> = Vec::new();
    if sample.len() < 200 {
        let mut folded = String::with_capacity(sample.len());
        fold_into(&sample, &mut folded);
        let mut hits = Vec::new();
        det.cues.find(&folded, None, &mut hits);
        for h in &hits {
            let cue = det.cues.cue(h);
            if matches!(cue.class, Class::Opener | Class::Boilerplate) || cue.lang == "*" {
                continue;
            }
            match votes.iter_mut().find(|(l, _)| *l == cue.lang) {
                Some(v) => v.1 += 1.0,
                None => votes.push((cue.lang, 1.0)),
            }
        }
    }
    lang::identify(
        &det.whatlang,
        &sample,
        entry.declared_lang.as_deref(),
        &votes,
    )
}

pub(crate) fn detect(
    det: &Detector,
    entry: &Entry,
    ctx: &FeedContext,
    feed_hashtags: &[String],
) -> (Verdict, Features) {
    let cached = if ctx.prepared.is_empty() {
        None
    } else {
        ctx.prepared.get(&prep_key(entry)).cloned()
    };
    let prep = cached.unwrap_or_else(|| Arc::new(prepare(det, entry)));
    let doc = &prep.doc;
    let title = entry.title.trim();
    let mut reasons = Reasons { items: Vec::new() };
    let lang = identify_lang(det, title, doc, entry);
    let mut p = parse(det, title, &prep, ctx, lang);
    let with_author;
    let publisher = match entry.author.as_deref() {
        Some(author) => {
            with_author = ctx.publisher.with(author);
            &with_author
        }
        None => &ctx.publisher,
    };
    // Languages whose subject may follow the verb (verb-first Arabic, verb-second German).
    let verb_first = matches!(lang, "ar" | "de");
    // A news outlet quotes officers of others; a partner quotes its own.
    let outlet = publisher.is_outlet();
    p.mark_zones(det, &mut reasons);
    p.mark_sections(det, lang);
    let templ = p.sents.iter().filter(|s| s.template).count();
    if templ > 0 {
        reasons.add(
            0.3,
            format!("feed template text ignored ({templ} sentences)"),
        );
    }
    let entry_key = entry.link.as_deref().map(canonical_url);
    let entry_host = entry_key
        .as_deref()
        .and_then(|k| k.split(['/', '?']).next())
        .unwrap_or("")
        .to_string();
    // The site's own buttons ("Donate" to /donate under every post): a short block whose
    // link is a word or three pointing at a generic page of the same site is chrome, even
    // when the feed's template is unknown.
    for (l, typed) in p.doc.links.iter().zip(&prep.links) {
        let (Some(b), Some((parts, ty))) = (l.block, typed) else {
            continue;
        };
        let seg = &p.segs[b + 1];
        let own = !entry_host.is_empty() && parts.host == entry_host;
        if own
            && ty.generic
            && !seg.dropped
            && words_upto(l.text(p.doc), 3) <= 3
            && words_upto(seg.text, 15) <= words_upto(l.text(p.doc), 3) + BUTTON_CONTEXT_WORDS
        {
            reasons.add(0.3, format!("site button ignored: '{}'", l.text(p.doc)));
            p.segs[b + 1].dropped = true;
        }
    }
    // Sentences holding an e-mail address of the organisation itself: "write to us" is not
    // contacting officials.
    let mut own_mail = vec![false; p.sents.len()];
    if !entry_host.is_empty() {
        for l in &p.doc.links {
            let Some(addr) = l.href.trim().strip_prefix("mailto:") else {
                continue;
            };
            let domain = addr
                .split('?')
                .next()
                .and_then(|a| a.rsplit('@').next())
                .unwrap_or("")
                .to_ascii_lowercase();
            let own = domain == entry_host || domain.ends_with(&format!(".{entry_host}"));
            if let (true, Some(b)) = (own, l.block) {
                for si in p.segs[b + 1].sents.clone() {
                    let st = &p.sents[si];
                    if st.start <= l.start && l.start < st.end.max(st.start + 1) {
                        own_mail[si] = true;
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- sentence evidence
    let mut reader = 0.0f32;
    let mut demand = 0.0f32;
    let mut demand_third = 0.0f32;
    let mut urgency = 0.0f32;
    let mut voice = 0.0f32;
    let mut ctx_bonus = 0.0f32;
    let (mut job, mut partnership, mut inform, mut condemn, mut negative) =
        (0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32);
    let mut past_news = 0.0f32;
    let mut kind_ev = [0.0f32; 7];
    // The strongest single ask of each kind.
    let mut kind_clear = [0.0f32; 7];
    let mut sent_pos = vec![0.0f32; p.sents.len()];
    let mut sent_kinds = vec![0u8; p.sents.len()];
    let mut first_condemn: Option<String> = None;
    let mut reader_pos = vec![0.0f32; p.sents.len()];
    let mut ev = Voices::default();
    let mut found = genre::Counts::default();
    let mut dates: Vec<genre::NamedDate> = Vec::new();
    let mut genre_ctx = [0.0f32; 7];
    let mut demand_words = [0.0f32; 7];
    let mut title_kinds = 0u8;
    // The publisher's own demand in the title or the lead, where a press release puts it.
    let mut demand_top = false;
    let mut self_refs: Vec<(usize, usize)> = Vec::new();
    let (mut body_kept, mut body_narrative) = (0u32, 0u32);
    let mut sent_narrative = vec![1.0f32; p.sents.len()];

    for (i, s) in p.sents.iter().enumerate() {
        if !p.kept(s) {
            continue;
        }
        let seg = &p.segs[s.seg];
        let sh = &p.hits[s.hits.clone()];
        let norm = &p.folded[s.fold.clone()];
        let mut stem_bits = 0u8;
        // The sentence's genre-word kinds when one of the scans below read them.
        let mut scanned: Option<u8> = None;
        self_refs.clear();
        self_refs.extend(
            sh.iter()
                .filter(|h| match det.cues.cue(h).class {
                    Class::SelfRef => true,
                    Class::Role => !outlet && !voice::of_another(norm, h.end as usize),
                    _ => false,
                })
                .map(|h| (h.start as usize, h.end as usize)),
        );
        let speaker_of = |h: &Hit| {
            voice::speaker(
                norm,
                h.start as usize,
                h.end as usize,
                publisher,
                &self_refs,
                verb_first,
            )
        };
        let mut reported: Option<&Hit> = None;
        let mut past: Option<&Hit> = None;
        let mut target: Option<&Hit> = None;
        for h in sh {
            match det.cues.cue(h).class {
                Class::Reported => {
                    if ev.attribution(speaker_of(h)) {
                        reasons.add(
                            1.0,
                            format!("the publisher speaks: '{}'", det.cues.phrase(h)),
                        );
                    } else {
                        reported = reported.or(Some(h));
                    }
                }
                Class::Past => past = past.or(Some(h)),
                Class::Target => target = target.or(Some(h)),
                _ => {}
            }
        }
        if seg.kind == SegKind::Title {
            // The kinds the title names ("Reading mentors wanted", "Boycott …").
            let mut bits = 0u8;
            det.cues.stems.scan(norm, lang, |k| bits |= bit(k));
            scanned = Some(bits);
            title_kinds |= bits;
            for h in sh {
                if let Class::Kind(k) = det.cues.cue(h).class {
                    title_kinds |= bit(k);
                }
            }
        } else {
            body_kept += 1;
            if reported.is_some() || past.is_some() {
                body_narrative += 1;
            } else {
                found.scan(&det.patterns, norm);
                det.patterns.named_dates(norm, &mut dates);
                det.cues.stems.scan(norm, lang, |k| {
                    genre_ctx[kind_idx(k)] += 1.0;
                    stem_bits |= bit(k);
                });
                scanned = Some(stem_bits);
                for h in sh {
                    if let (Class::Kind(k), true) = (det.cues.cue(h).class, det.cues.cue(h).context)
                    {
                        genre_ctx[kind_idx(k)] += 1.0;
                    }
                }
            }
        }
        if sh.is_empty() {
            continue;
        }
        let mut m = 1.0f32;
        if reported.is_some() {
            m *= 0.2;
        }
        if past.is_some() {
            m *= 0.35;
        }
        if seg.quote {
            m *= 0.6;
        }
        let zone = match seg.kind {
            SegKind::Title => 1.2,
            _ if seg.action => 1.4,
            _ => 1.0,
        };
        let button = if seg.button && ctx.sentences.is_empty() {
            0.5
        } else {
            1.0
        };
        let where_ = p.where_(seg);
        let mut pos = 0.0f32;
        let mut rpos = 0.0f32;
        let mut lost = 0.0f32;
        let mut dem_here = 0.0f32;
        let mut publisher_demands = false;
        let mut share_ctx = false;
        let mut ctx_kinds: Vec<(ActionKind, f32)> = Vec::new();
        for h in sh {
            let cue = det.cues.cue(h);
            let w = cue.weight;
            let q = if voice::inside_quotes(norm, h.start as usize) {
                0.5
            } else {
                1.0
            };
            let phrase = &norm[h.start as usize..h.end as usize];
            match cue.class {
                Class::Kind(k) if cue.context => {
                    share_ctx |= k == ActionKind::Share;
                    ctx_kinds.push((k, w));
                }
                Class::Kind(_) | Class::Cta => {
                    if q < 1.0 {
                        ev.quoted_ask += w;
                    }
                    let c = w * m * q * zone * button;
                    lost += w * zone - c;
                    pos += c;
                    rpos += c;
                    reader += c;
                    match cue.class {
                        Class::Kind(ActionKind::Contact) if own_mail[i] => {}
                        Class::Kind(k) => {
                            kind_ev[kind_idx(k)] += c;
                            kind_clear[kind_idx(k)] = kind_clear[kind_idx(k)].max(c);
                            sent_kinds[i] |= bit(k);
                        }
                        _ => {}
                    }
                    reasons.add(c, format!("imperative '{phrase}' in {where_}"));
                }
                Class::Demand if w < 2.0 => {
                    // "X calls on…": the publisher's demand when X is the publisher.
                    let c = w * m * q;
                    lost += w - c;
                    pos += c;
                    if ev.demand(speaker_of(h), c) {
                        publisher_demands = true;
                        demand_top |= matches!(where_, "title" | "lead");
                        reasons.add(
                            c + 1.0,
                            format!("publisher's demand '{phrase}' in {where_}"),
                        );
                    } else {
                        demand_third += c;
                        reasons.add(c, format!("demand '{phrase}' in {where_}"));
                    }
                }
                Class::Demand => {
                    let c = w * m * q * zone.min(1.2);
                    lost += w - c;
                    pos += c;
                    dem_here += c;
                    demand_top |= q == 1.0 && m >= 1.0 && matches!(where_, "title" | "lead");
                    let on = target
                        .map(|t| format!(" on '{}'", det.cues.phrase(t)))
                        .unwrap_or_default();
                    reasons.add(c, format!("own demand '{phrase}'{on} in {where_}"));
                }
                Class::Urgency => {
                    urgency += w * m;
                    if w >= 0.5 {
                        reasons.add(w * m * 0.5, format!("urgency '{phrase}'"));
                    }
                }
                Class::Voice => voice += w * m,
                Class::Job => {
                    job += w;
                    reasons.add(-w, format!("job advert '{phrase}' lowers score"));
                }
                Class::Partnership => {
                    partnership += w;
                    reasons.add(-w, format!("partnership news '{phrase}' lowers score"));
                }
                Class::Inform => {
                    inform += w;
                    reasons.add(-w * 0.5, format!("report or read-more '{phrase}'"));
                }
                Class::Condemn => {
                    condemn += w;
                    if first_condemn.is_none() {
                        first_condemn = Some(phrase.to_string());
                    }
                }
                Class::Negative => negative += w,
                _ => {}
            }
        }
        if target.is_some() && (dem_here > 0.0 || pos > 0.0) {
            ev.target = 1.0;
        }
        if dem_here > 0.0 && target.is_some() {
            dem_here += 1.0 * m;
            pos += 1.0 * m;
        }
        demand += dem_here;
        // The genre words of a sentence in which the publisher demands something are their
        // own evidence ("calls for a boycott of…", but also "calls on donors to…"): the
        // kind model weighs them.
        if dem_here > 0.0 || publisher_demands {
            let mut bits = ctx_kinds.iter().fold(0u8, |b, &(k, _)| b | bit(k));
            bits |= scanned.unwrap_or_else(|| {
                let mut b = 0u8;
                det.cues.stems.scan(norm, lang, |k| b |= bit(k));
                b
            });
            for k in ActionKind::ALL.into_iter().filter(|&k| bits & bit(k) != 0) {
                demand_words[kind_idx(k)] += m;
            }
        }
        if dem_here == 0.0 {
            pos = pos.max(0.0);
        }
        if seg.kind == SegKind::Title {
            ev.reader_title = ev.reader_title.max(rpos);
            if let Some(h) = past.or(reported) {
                ev.title_reports = 1.0;
                reasons.add(-1.0, format!("title reports ('{}')", det.cues.phrase(h)));
            }
            if let Some(h) = sh
                .iter()
                .find(|h| det.cues.cue(h).class == Class::Boilerplate)
            {
                ev.site_page = 1.0;
                reasons.add(-6.0, format!("site page ('{}')", det.cues.phrase(h)));
            }
        }
        // A hashtag in a sentence that asks something: spread it.
        let sent_text = &seg.text[s.start..s.end];
        if seg.kind != SegKind::Title
            && (rpos >= 1.0 || share_ctx)
            && sent_text.contains('#')
            && has_hashtag(sent_text)
        {
            kind_ev[kind_idx(ActionKind::Share)] += 2.0 * m;
            sent_kinds[i] |= bit(ActionKind::Share);
            reasons.add(1.0 * m, "hashtag to spread".into());
        }
        reader_pos[i] = rpos;
        // Context nouns type a kind-less ask ("Take action: the vigil starts at 6"), and
        // genre words in an ask's sentence support its kind ("Join us at the vigil").
        if rpos >= 1.0 {
            let kindless = sent_kinds[i] == 0;
            for k in ActionKind::ALL
                .into_iter()
                .filter(|&k| stem_bits & bit(k) != 0)
            {
                kind_ev[kind_idx(k)] += if kindless { 1.5 } else { 0.75 } * m;
            }
        }
        if rpos >= 1.0 && sent_kinds[i] == 0 {
            for (k, w) in ctx_kinds {
                kind_ev[kind_idx(k)] += w * 1.5 * m;
                sent_kinds[i] |= bit(k);
            }
        } else if rpos > 0.0 {
            for (_, w) in ctx_kinds {
                ctx_bonus += 0.3 * w * m;
            }
        }
        sent_pos[i] = pos;
        sent_narrative[i] = if reported.is_some() {
            0.25
        } else if past.is_some() {
            0.35
        } else {
            1.0
        };
        if let Some(r) = reported {
            ev.attributed += 1.0;
            if lost > 0.5 {
                reasons.add(
                    -lost,
                    format!("reported speech '{}' lowers score", det.cues.phrase(r)),
                );
            } else {
                reasons.add(-0.3, format!("reported speech '{}'", det.cues.phrase(r)));
            }
        }
        if let Some(h) = past {
            if lost > 0.5 && reported.is_none() {
                reasons.add(
                    -lost,
                    format!("past-tense recap '{}' lowers score", det.cues.phrase(h)),
                );
            } else {
                past_news += 0.25;
                reasons.add(-0.25, format!("past-tense recap '{}'", det.cues.phrase(h)));
            }
        }
    }

    // ---------------------------------------------------------------- links
    let infos = link_infos(
        det,
        &p,
        &prep,
        ctx,
        (entry_key.as_deref(), lang),
        &mut reasons,
    );
    let links = link_evidence(
        &p,
        ctx,
        &infos,
        (&reader_pos, &sent_narrative, &own_mail),
        (&mut kind_ev, &mut ev),
        &mut reasons,
    );
    let LinkTotals {
        link_ev,
        untyped_bonus,
        typed: typed_bits,
        anchors: anchor_bits,
        paths: path_kind_bits,
        sections: section_bits,
    } = links;

    // ---------------------------------------------------------------- features
    let short_items = p
        .segs
        .iter()
        .filter(|sg| !sg.dropped)
        .map(|sg| match sg.kind {
            SegKind::Item if words_upto(sg.text, 10) <= 10 => 1,
            SegKind::Para => name_run(sg.text).max(semicolon_list(sg.text)),
            _ => 0,
        })
        .sum();
    let clear_ask = reader_pos.iter().copied().fold(0.0f32, f32::max);
    let totals = Totals {
        reader,
        link_ev,
        demand,
        demand_third,
        urgency,
        voice,
        job,
        partnership,
        inform,
        negative,
        condemn,
        ctx_bonus,
        untyped_bonus,
        past_news,
        body_kept,
        body_narrative,
        short_items,
        clear_ask,
    };
    let mut features = features(&totals, &ev, &found, &genre_ctx);
    let passed = entry
        .published
        .is_some_and(|p| genre::all_dates_passed(&dates, p.date_naive()));
    features.set("demand_top", flag(demand_top));
    if outlet {
        features.set("news_outlet", 1.0);
        // A news outlet's imperatives are more often service to its readers ("where to
        // give") than its own campaign: the model weighs them apart.
        features.set("outlet_asks", features.get("reader"));
    }
    if passed {
        features.set("dates_passed", 1.0);
        // An invitation to an event that had already taken place asks nothing now.
        let mobilize =
            genre_ctx[kind_idx(ActionKind::Mobilize)] + kind_ev[kind_idx(ActionKind::Mobilize)];
        features.set(
            "event_passed",
            flag(features.get("event") > 0.0 || mobilize > 0.0),
        );
        reasons.add(-0.5, "every date named had passed at publication".into());
    }
    let score = det.model.score(&features);
    let is_appeal = score >= det.threshold;
    for (name, c) in det.model.strongest(&features, 3) {
        reasons.add(c.abs() * 0.5, format!("model: {name} {c:+.2}"));
    }
    if reader + demand + demand_third + link_ev == 0.0 {
        reasons.add(0.0, "no ask found".into());
    }
    if let (Some(c), true) = (&first_condemn, features.get("condemn_only") > 0.0) {
        reasons.add(-0.5, format!("condemnation without an ask '{c}'"));
    }
    let genre_ask = genre_kinds(&features, &mut kind_ev)
        || ["gift", "petition_page", "event", "urgent_action"]
            .iter()
            .any(|g| features.get(g) >= 1.0);

    // ---------------------------------------------------------------- actions
    let asks_reader = reader + link_ev >= 2.0 || genre_ask;
    features.1 = kind_features(&KindEvidence {
        kind_ev: &kind_ev,
        clear: &kind_clear,
        words: &genre_ctx,
        demand_words: &demand_words,
        title: title_kinds,
        sections: section_bits,
        typed: typed_bits,
        anchors: anchor_bits,
        paths: path_kind_bits,
        asks_reader,
        demand_only: reader < 1.0 && link_ev == 0.0,
    });
    let mut actions = Vec::new();
    if is_appeal {
        let mut kinds: Vec<(ActionKind, f32)> = ActionKind::ALL
            .into_iter()
            .map(|k| (k, det.model.kind_score(&features, kind_idx(k))))
            .filter(|&(_, p)| p >= det.model.kind_threshold)
            .collect();
        kinds.sort_by(|a, b| b.1.total_cmp(&a.1));
        let choice = UrlChoice {
            p: &p,
            infos: &infos,
            sent_kinds: &sent_kinds,
            reader_pos: &reader_pos,
            own_mail: &own_mail,
            base: entry.link.as_deref(),
        };
        for (n, (k, _)) in kinds.into_iter().enumerate() {
            actions.push(Action {
                kind: k,
                label: det.cues.label(lang, k).to_string(),
                url: best_url(&choice, k, n == 0),
            });
        }
    }

    let body_sents: Vec<usize> = (0..p.sents.len())
        .filter(|&i| p.sents[i].seg > 0 && p.kept(&p.sents[i]))
        .collect();
    let hashtags = hashtags(&p, title, &entry.categories, feed_hashtags);
    let summary = summarize(&p, &body_sents, &sent_pos, title, is_appeal);
    let fingerprint = fingerprint(det, &p, &body_sents, &actions);

    let verdict = Verdict {
        lang: lang.to_string(),
        is_appeal,
        score,
        actions,
        hashtags,
        summary,
        reasons: reasons.finish(8),
        fingerprint,
    };
    (verdict, features)
}

/// The entry's hashtags: its own text's first, then its categories, then the feed's.
fn hashtags(p: &Parsed, title: &str, categories: &[String], feed: &[String]) -> Vec<String> {
    let mut tags = Hashtags::default();
    tags.scan(title);
    for seg in p.segs.iter().skip(1).filter(|s| !s.dropped) {
        tags.scan(seg.text);
    }
    for c in categories {
        tags.category(c);
    }
    for f in feed {
        tags.configured(f);
    }
    tags.into_vec()
}

/// The summary: an appeal's strongest ask with one sentence of context before it; else
/// the lead (or the title).
fn summarize(
    p: &Parsed,
    body_sents: &[usize],
    sent_pos: &[f32],
    title: &str,
    is_appeal: bool,
) -> String {
    let text_of = |i: usize| {
        let s = &p.sents[i];
        &p.segs[s.seg].text[s.start..s.end]
    };
    let ask = body_sents
        .iter()
        .copied()
        .filter(|&i| sent_pos[i] >= 1.0)
        .fold(None::<usize>, |best, i| match best {
            Some(b) if sent_pos[b] >= sent_pos[i] => Some(b),
            _ => Some(i),
        });
    match ask.filter(|_| is_appeal) {
        Some(a) => {
            let context = body_sents
                .iter()
                .copied()
                .find(|&i| i != a && words_upto(text_of(i), 5) >= 5 && sent_pos[i] < sent_pos[a]);
            let mut parts = vec![text_of(a)];
            if let Some(c) = context {
                parts.push(text_of(c));
            }
            summary::compose(&parts, summary::MAX_CHARS)
        }
        None => {
            let lead: Vec<&str> = body_sents.iter().take(4).map(|&i| text_of(i)).collect();
            let s = summary::compose(&lead, summary::MAX_CHARS);
            if s.is_empty() {
                summary::compose(&[title], summary::MAX_CHARS)
            } else {
                s
            }
        }
    }
}

/// What identifies the appeal across feeds: its specific action links and a SimHash of
/// its kept body text (or its title).
fn fingerprint(
    det: &Detector,
    p: &Parsed,
    body_sents: &[usize],
    actions: &[Action],
) -> Fingerprint {
    let mut sim = SimHasher::default();
    for &i in body_sents {
        sim.add_text(&p.folded[p.sents[i].fold.clone()]);
    }
    if body_sents.is_empty() {
        sim.add_text(&p.folded[p.sents.first().map_or(0..0, |s| s.fold.clone())]);
    }
    let mut action_urls: Vec<String> = actions
        .iter()
        .filter_map(|a| a.url.as_deref())
        .filter(|u| specific_action_url(det, u))
        .map(canonical_url)
        .collect();
    action_urls.sort();
    action_urls.dedup();
    Fingerprint {
        action_urls,
        simhash: sim.finish(),
    }
}

/// The entry's links, resolved, typed and placed: which sentence holds each, whether it is
/// usable (not chrome, template or the entry itself), which kinds its words name.
fn link_infos<'a>(
    det: &Detector,
    p: &Parsed,
    prep: &'a Prepared,
    ctx: &FeedContext,
    (entry_key, lang): (Option<&str>, &str),
    reasons: &mut Reasons,
) -> Vec<LinkInfo<'a>> {
    let mut infos: Vec<LinkInfo> = Vec::with_capacity(p.doc.links.len());
    let mut anchor_hits: Vec<Hit> = Vec::new();
    let mut anchor_fold = String::new();
    for (l, typed) in prep.doc.links.iter().zip(&prep.links) {
        let Some((parts, ty)) = typed.as_ref().filter(|_| !l.chrome) else {
            continue;
        };
        let key = parts.key.as_str();
        let template = ctx.links.contains(key);
        if template && !l.chrome {
            reasons.add(0.2, format!("feed template link ignored: {key}"));
        }
        let sent = l.block.and_then(|b| {
            let seg = &p.segs[b + 1];
            p.sents[seg.sents.clone()]
                .iter()
                .position(|s| s.start <= l.start && l.start < s.end.max(s.start + 1))
                .map(|off| seg.sents.start + off)
        });
        let sent_ok = sent.is_none_or(|si| p.kept(&p.sents[si]));
        let self_link = entry_key == Some(key);
        let usable = !l.chrome
            && !template
            && !self_link
            && sent_ok
            && (l.block.is_some() || l.source == LinkSource::Embed);
        let ty = ty.clone();
        let mut anchor_kinds = 0u8;
        let anchor = l.text(p.doc);
        let anchor_words = if usable && !anchor.is_empty() {
            path_kinds(det, anchor, lang)
        } else {
            0
        };
        if usable && !anchor.is_empty() {
            anchor_fold.clear();
            fold_into(anchor, &mut anchor_fold);
            anchor_hits.clear();
            det.cues.find(&anchor_fold, Some(lang), &mut anchor_hits);
            for h in &anchor_hits {
                if let Class::Kind(k) = det.cues.cue(h).class {
                    anchor_kinds |= bit(k);
                }
            }
        }
        let button = l.block.is_some_and(|b| p.segs[b + 1].button);
        let path_kinds = if usable && ty.rule != Some(None) {
            path_kinds(det, &parts.path, lang)
        } else {
            0
        };
        let section = match l.block {
            Some(b) if usable => p.segs[b + 1].section,
            _ => 0,
        };
        infos.push(LinkInfo {
            href: l.href.as_str(),
            key: parts.key.as_str(),
            ty,
            anchor_kinds,
            anchor_words,
            path_kinds,
            section,
            download: is_download(&parts.path),
            sent,
            usable,
            button,
        });
    }
    infos
}

/// What the usable links say: the link evidence for the appeal, and per kind the evidence
/// of typed links, link words, sections and mail or phone links (added to `kind_ev`).
fn link_evidence(
    p: &Parsed,
    ctx: &FeedContext,
    infos: &[LinkInfo],
    per_sent: (&[f32], &[f32], &[bool]),
    (kind_ev, ev): (&mut KindCounts, &mut Voices),
    reasons: &mut Reasons,
) -> LinkTotals {
    let (reader_pos, sent_narrative, own_mail) = per_sent;
    // Kinds of the sections that hold an ask or a usable link.
    let mut section_bits = infos
        .iter()
        .filter(|l| l.usable)
        .fold(0u8, |b, l| b | l.section);
    for (s, &r) in p.sents.iter().zip(reader_pos) {
        if r >= 1.0 {
            section_bits |= p.segs[s.seg].section;
        }
    }
    let mut link_ev = 0.0f32;
    let mut untyped_bonus = 0.0f32;
    let mut path_kind_bits = 0u8;
    let mut contact_link_bits = 0u8;
    let mut untyped_anchor_bits = 0u8;
    let (mut typed_bits, mut anchor_bits) = (0u8, 0u8);
    for li in infos.iter().filter(|l| l.usable) {
        let m = li.sent.map_or(1.0, |si| sent_narrative[si]);
        anchor_bits |= li.anchor_kinds;
        match li.ty.rule {
            Some(Some(k)) => {
                typed_bits |= bit(k);
                let mut w = if li.ty.platform || li.ty.official {
                    2.0
                } else {
                    1.3
                };
                if li.ty.generic {
                    w *= 0.5;
                    if li.button && ctx.links.is_empty() {
                        w *= 0.5;
                    }
                }
                // A share button inside the text is weak evidence on its own.
                if k == ActionKind::Share {
                    w *= 0.5;
                }
                let c = w * m;
                link_ev += c;
                if (li.ty.platform || li.ty.official) && !li.ty.generic && m >= 1.0 {
                    ev.links_platform = 1.0;
                }
                // A typed link says which kind more surely than it says "appeal".
                kind_ev[kind_idx(k)] += c * 1.7;
                let what = if li.ty.official {
                    format!("official e-mail {}", li.ty.host)
                } else {
                    format!("{} link {}", link_noun(k), li.ty.host)
                };
                reasons.add(c, what);
            }
            Some(None) => {}
            None => {
                let in_ask = li.sent.is_some_and(|si| reader_pos[si] >= 1.0);
                if in_ask || li.anchor_kinds != 0 {
                    untyped_bonus = 0.5f32.max(untyped_bonus) * m.max(0.5);
                }
                path_kind_bits |= li.path_kinds;
                untyped_anchor_bits |= li.anchor_kinds;
                // An address or a number to write to or call, in an ask or an action
                // list, and not the organisation's own: whom the reader contacts.
                let listed = li.sent.is_some_and(|si| {
                    let seg = &p.segs[p.sents[si].seg];
                    seg.action || seg.kind == SegKind::Item || seg.section != 0
                });
                let own = li.sent.is_some_and(|si| own_mail[si]);
                if (in_ask || listed) && !own && is_mail_or_phone(li.key) {
                    contact_link_bits |= bit(ActionKind::Contact);
                }
            }
        }
    }
    // A link in the text whose words name a kind ("Mitmachen", "Donate here"), and a page
    // of the site named for one ("/patenschaften/anmeldung"), each support that kind.
    for k in ActionKind::ALL {
        for bits in [
            untyped_anchor_bits,
            path_kind_bits,
            section_bits,
            contact_link_bits,
        ] {
            if bits & bit(k) != 0 {
                kind_ev[kind_idx(k)] += LINK_WORDS_KIND_EVIDENCE;
            }
        }
    }

    LinkTotals {
        link_ev,
        untyped_bonus,
        typed: typed_bits,
        anchors: anchor_bits,
        paths: path_kind_bits,
        sections: section_bits,
    }
}

/// The links' evidence for the scorer.
struct LinkTotals {
    link_ev: f32,
    untyped_bonus: f32,
    typed: u8,
    anchors: u8,
    paths: u8,
    sections: u8,
}

/// Platform pages and deep links identify one appeal; a site's `/donate` or a mailbox do not.
fn specific_action_url(det: &Detector, url: &str) -> bool {
    if is_mail_or_phone(url) {
        return false;
    }
    key_parts(url, None, None).is_some_and(|p| !type_parts(&det.cues.links, &p).generic)
}

/// Where one asks for the best action link of a kind.
struct UrlChoice<'a, 'b> {
    p: &'a Parsed<'b>,
    infos: &'a [LinkInfo<'b>],
    sent_kinds: &'a [u8],
    reader_pos: &'a [f32],
    own_mail: &'a [bool],
    base: Option<&'a str>,
}

/// The best link for kind `k`; for the appeal's main kind (`main`), the entry's only web
/// link when nothing names the kind.
fn best_url(c: &UrlChoice, k: ActionKind, main: bool) -> Option<String> {
    let UrlChoice {
        p,
        infos,
        sent_kinds,
        reader_pos,
        own_mail,
        base,
    } = *c;
    let mut best: Option<(f32, &LinkInfo)> = None;
    for li in infos.iter().filter(|l| l.usable) {
        let in_sent = li.sent.is_some_and(|si| sent_kinds[si] & bit(k) != 0);
        let kindless_ask = li
            .sent
            .is_some_and(|si| sent_kinds[si] == 0 && reader_pos[si] >= 1.0);
        let mail = is_mail_or_phone(li.key);
        let own = li.sent.is_some_and(|si| own_mail[si]) && li.key.starts_with("mailto:");
        let after = li
            .sent
            .is_some_and(|si| follows_ask_of(p, sent_kinds, si, k));
        let s = match li.ty.rule {
            // A download named for sharing ("our share kit") is what one shares with.
            Some(None)
                if k == ActionKind::Share && li.anchor_kinds & bit(k) != 0 && li.download =>
            {
                1.5
            }
            Some(None) => continue,
            Some(Some(rk)) if rk == k => 3.0 + if li.ty.platform { 0.5 } else { 0.0 },
            // A link typed for another kind whose words name this one ("Sign the open
            // letter" on a letter-writing platform).
            Some(Some(_)) if li.anchor_kinds & bit(k) != 0 => 1.9,
            Some(Some(_)) if li.path_kinds & bit(k) != 0 => 1.7,
            Some(Some(_)) if li.section & bit(k) != 0 => 1.6,
            // The sentence around the link asks for this kind and not for the one the
            // link's address suggests ("Add your name here" on a `/letter` page).
            Some(Some(rk))
                if in_sent && li.sent.is_some_and(|si| sent_kinds[si] & bit(rk) == 0) =>
            {
                1.5
            }
            Some(Some(_)) => continue,
            // A mailbox beside a march or a vigil is for the organisers' questions.
            None if mail && k == ActionKind::Mobilize => 0.3,
            None if li.anchor_kinds & bit(k) != 0 => 2.0,
            None if li.path_kinds & bit(k) != 0 => 1.8,
            None if li.section & bit(k) != 0 => 1.7,
            None if li.anchor_words & bit(k) != 0 && !mail => 1.4,
            // A mailbox or a phone number is not a page to sign, give, share or boycott on.
            None if mail
                && matches!(
                    k,
                    ActionKind::Sign | ActionKind::Donate | ActionKind::Share | ActionKind::Boycott
                ) =>
            {
                continue;
            }
            None if k == ActionKind::Contact && mail && !own => {
                if in_sent {
                    1.6
                } else {
                    1.2
                }
            }
            None if in_sent => 1.0,
            // "Use #Hashtag. The graphics are in this folder."
            None if after => 0.8,
            None if kindless_ask => 0.5,
            None => continue,
        };
        let s = if li
            .sent
            .is_some_and(|si| p.segs[p.sents[si].seg].kind == SegKind::Title)
        {
            s - 0.1
        } else {
            s
        };
        if best.is_none_or(|(b, _)| s > b) {
            best = Some((s, li));
        }
    }
    best.map(|(_, l)| l)
        .or_else(|| only_link(infos).filter(|_| main))
        .and_then(|l| clean_url(l.href, base))
}

/// Whether sentence `si` follows, in the same block, a sentence that asks for kind `k`
/// and names no kind itself.
fn follows_ask_of(p: &Parsed, sent_kinds: &[u8], si: usize, k: ActionKind) -> bool {
    si > 0
        && sent_kinds[si] == 0
        && sent_kinds[si - 1] & bit(k) != 0
        && p.sents[si - 1].seg == p.sents[si].seg
}

/// The entry's one usable web link, when it has exactly one that no rule types: in an
/// appeal that is where the reader acts.
fn only_link<'a, 'b>(infos: &'a [LinkInfo<'b>]) -> Option<&'a LinkInfo<'b>> {
    let mut web = infos
        .iter()
        .filter(|l| l.usable && l.ty.rule.is_none() && l.key.contains('/'))
        .filter(|l| !is_mail_or_phone(l.key));
    let first = web.next()?;
    let more = web.any(|l| l.key != first.key);
    (!more).then_some(first)
}

/// Learns the template (links and sentences that recur in most entries) of one feed, and
/// keeps the bodies it read for `detect`.
pub(crate) fn learn(det: &Detector, entries: &[Entry]) -> FeedContext {
    let n = entries.len();
    let mut link_counts: HashMap<&str, (u32, u32), FnvBuild> = HashMap::default();
    let mut sent_counts: HashMap<u64, u32, FnvBuild> = HashMap::default();
    let mut seen_links: HashSet<&str, FnvBuild> = HashSet::default();
    let mut seen_sents: HashSet<u64, FnvBuild> = HashSet::default();
    let mut prepared: HashMap<u64, Arc<Prepared>, FnvBuild> = HashMap::default();
    let mut cached_bytes = 0;
    let preps: Vec<(u64, Arc<Prepared>)> = entries
        .iter()
        .map(|e| (prep_key(e), Arc::new(prepare(det, e))))
        .collect();
    for (key, prep) in &preps {
        let doc = &prep.doc;
        seen_links.clear();
        seen_sents.clear();
        for (l, typed) in doc.links.iter().zip(&prep.links) {
            let Some((parts, _)) = typed else {
                continue;
            };
            let key = parts.key.as_str();
            if !seen_links.insert(key) {
                continue;
            }
            let chromey = l.chrome
                || l.block.is_none_or(|b| {
                    let blk = &doc.blocks[b];
                    blk.link_bytes * 2 >= blk.text.len() || words_upto(&blk.text, 12) <= 12
                });
            let c = link_counts.entry(key).or_insert((0, 0));
            c.0 += 1;
            c.1 += u32::from(chromey);
        }
        for (bi, b) in doc.blocks.iter().enumerate() {
            for &(s, t) in prep.block_sents(bi) {
                let h = fast_hash(&[&b.text.as_bytes()[s..t]]);
                if seen_sents.insert(h) {
                    *sent_counts.entry(h).or_insert(0) += 1;
                }
            }
        }
        let size = doc.blocks.iter().map(|b| b.text.len()).sum::<usize>();
        if cached_bytes + size <= MAX_CACHED_BYTES {
            cached_bytes += size;
            prepared.insert(*key, Arc::clone(prep));
        }
    }
    let most = |c: u32| n >= 3 && c >= 3 && (c as usize) * 5 >= n * 3;
    let links = link_counts
        .into_iter()
        .filter(|(_, (c, chromey))| most(*c) && (chromey * 2 >= *c || (*c as usize) * 5 >= n * 4))
        .map(|(k, _)| k.to_string())
        .collect();
    let sentences = sent_counts
        .into_iter()
        .filter(|(_, c)| most(*c))
        .map(|(h, _)| h)
        .collect();
    FeedContext {
        links,
        sentences,
        entries: n,
        prepared,
        publisher: voice::Publisher::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{DetectOptions, Detector, FeedContext, Verdict};
    use super::semicolon_list;
    use crate::entry::Entry;

    fn entry(link: &str, title: &str, body: &str) -> Entry {
        Entry::sample(link, title, body)
    }

    fn detector() -> Detector {
        Detector::new(&DetectOptions::default()).expect("built-in cues compile")
    }

    /// Expected outcome: appeal or not, the kinds (in any order) and some kind -> URL pairs.
    struct Expect<'a> {
        appeal: bool,
        kinds: &'a [&'a str],
        urls: &'a [(&'a str, &'a str)],
    }

    fn check_with(det: &Detector, ctx: &FeedContext, e: &Entry, expect: Expect) -> Verdict {
        let v = det.detect(e, ctx, &[]);
        let explain = format!("{} -> {v:#?}", e.title);
        assert_eq!(v.is_appeal, expect.appeal, "appeal? {explain}");
        let mut got: Vec<&str> = v.actions.iter().map(|a| a.kind.as_str()).collect();
        got.sort_unstable();
        let mut want = expect.kinds.to_vec();
        want.sort_unstable();
        assert_eq!(got, want, "kinds: {explain}");
        for (kind, url) in expect.urls {
            let a = v.actions.iter().find(|a| a.kind.as_str() == *kind);
            assert_eq!(
                a.and_then(|a| a.url.as_deref()),
                Some(*url),
                "url for {kind}: {explain}"
            );
        }
        assert!((0.0..=1.0).contains(&v.score));
        assert!(v.summary.chars().count() <= 600);
        assert!(!v.reasons.is_empty());
        v
    }

    fn check(title: &str, body: &str, expect: Expect) -> Verdict {
        let det = detector();
        let e = entry("https://ngo.example.org/posts/1", title, body);
        check_with(&det, &FeedContext::default(), &e, expect)
    }

    #[test]
    fn semicolon_lists_of_names_count_as_signatories() {
        let names = "Signataires : Amitié des deux rives (France) ; Maison du Levant (Suisse) ; \
                     Réseau des femmes (Yémen) ; Coalition Mer Rouge (Belgique)";
        assert_eq!(semicolon_list(names), 4);
        // Three parts are a sentence with semicolons, not a list.
        assert_eq!(semicolon_list("Il pleut ; Il vente ; Il neige"), 0);
        // A needs list is written in lower case.
        assert_eq!(
            semicolon_list("lait ; couches ; duvets ; savon ; Tickets de bus"),
            0
        );
    }

    #[test]
    fn reader_petition_with_link_and_hashtag() {
        let v = check(
            "Free the aid workers detained in Deir ez-Zor",
            r#"<p>Eleven aid workers have been held without charge since August.</p>
               <p>Sign the petition to the governor before 1 December:
               <a href="https://www.change.org/p/free-the-eleven?utm_source=feed&amp;fbclid=x">add your name</a>.
               Then share it with #FreeTheEleven.</p>"#,
            Expect {
                appeal: true,
                kinds: &["share", "sign"],
                urls: &[("sign", "https://www.change.org/p/free-the-eleven")],
            },
        );
        assert_eq!(v.lang, "en");
        assert_eq!(v.hashtags, ["#FreeTheEleven"]);
        assert!(v.summary.starts_with("Sign the petition"), "{}", v.summary);
        assert_eq!(v.fingerprint.action_urls, ["change.org/p/free-the-eleven"]);
        assert!(
            v.reasons
                .iter()
                .any(|r| r.contains("petition link change.org")),
            "{:?}",
            v.reasons
        );
    }

    #[test]
    fn reported_appeal_is_not_ours() {
        let v = check(
            "UN rapporteur urges release of detained aid workers",
            "<p>The UN Special Rapporteur on human rights defenders called on the authorities on \
             Tuesday to release eleven aid workers, according to a statement published in Geneva.</p>\
             <p>“Sign the petition and make your voice heard,” activists told reporters outside the court.</p>",
            Expect {
                appeal: false,
                kinds: &[],
                urls: &[],
            },
        );
        assert!(
            v.reasons.iter().any(|r| r.contains("reported")),
            "{:?}",
            v.reasons
        );
    }

    #[test]
    fn past_recap_and_job_advert_are_not_appeals() {
        check(
            "Hundreds held a candlelight vigil for the disappeared",
            "<p>Last Sunday, more than three hundred people gathered outside the embassy. \
             Families took part in reading the names of the missing, and the vigil was held in silence.</p>",
            Expect {
                appeal: false,
                kinds: &[],
                urls: &[],
            },
        );
        check(
            "Vacancy: Field Logistics Officer (Gaziantep)",
            "<p>We are hiring a full-time logistics officer. Qualifications: three years of experience. \
             How to apply: send your CV and a cover letter by 30 November. Apply now.</p>",
            Expect {
                appeal: false,
                kinds: &[],
                urls: &[],
            },
        );
    }

    #[test]
    fn arabic_plural_imperatives() {
        let v = check(
            "وقفة تضامنية مع المعتقلين",
            "<p>يا أهلنا، شاركوا في الوقفة التضامنية يوم الجمعة الساعة ٦ مساءً أمام السفارة.</p>\
             <p>وانشروا الدعوة على وسم #الحرية_للمعتقلين.</p>",
            Expect {
                appeal: true,
                kinds: &["mobilize", "share"],
                urls: &[],
            },
        );
        assert_eq!(v.lang, "ar");
        assert_eq!(v.hashtags, ["#الحرية_للمعتقلين"]);
        check(
            "المئات في وقفة أمام السفارة",
            "<p>شارك المئات أمس في وقفة أمام السفارة، وشاركوا في قراءة أسماء المعتقلين، وقالت المنظمة إن الوقفة نجحت.</p>",
            Expect {
                appeal: false,
                kinds: &[],
                urls: &[],
            },
        );
    }

    #[test]
    fn own_demand_without_reader_action() {
        let v = check(
            "Déclaration commune : renouveler le mécanisme transfrontalier",
            "<p>Nous, organisations signataires, appelons le Conseil de sécurité des Nations unies à \
             renouveler sans délai l'autorisation de l'aide transfrontalière.</p>\
             <p>Plus de quatre millions de personnes dépendent de cette aide.</p>",
            Expect {
                appeal: true,
                kinds: &[],
                urls: &[],
            },
        );
        assert_eq!(v.lang, "fr");
    }

    #[test]
    fn turkish_nouns_spelled_like_asks_to_share_are_not() {
        // "yayın" (publication) and "iletin" (tell them, send to us) beside a petition.
        check(
            "Yerel basın için açık mektup",
            r#"<p>Yerel yayın kuruluşlarına kamu ilanı desteği geri verilsin diye açık mektubu
               <a href="https://gazete.example/acik-mektup/imza">imzalayın</a>.</p>
               <p>Yanıt alırsanız lütfen bize iletin.</p>"#,
            Expect {
                appeal: true,
                kinds: &["sign"],
                urls: &[("sign", "https://gazete.example/acik-mektup/imza")],
            },
        );
    }

    #[test]
    fn german_and_turkish_asks() {
        check(
            "Winterhilfe für Idlib",
            r#"<p>Spenden Sie jetzt für warme Decken:
               <a href="https://www.betterplace.org/de/projects/12345?utm_medium=rss">zur Spendenseite</a>.</p>"#,
            Expect {
                appeal: true,
                kinds: &["donate"],
                urls: &[("donate", "https://www.betterplace.org/de/projects/12345")],
            },
        );
        check(
            "Sınır dışı etmelere hayır",
            r#"<p>Kampanyaya destek verin ve <a href="https://change.org/p/geri-gondermeye-hayir">imzalayın</a>.</p>"#,
            Expect {
                appeal: true,
                kinds: &["sign"],
                urls: &[("sign", "https://change.org/p/geri-gondermeye-hayir")],
            },
        );
    }

    #[test]
    fn contact_officials_by_mail() {
        check(
            "Urgent action: stop Hadi's deportation",
            r#"<p>Email the Home Secretary today at
               <a href="mailto:public.enquiries@homeoffice.gov.uk?subject=Stop%20the%20deportation">public.enquiries@homeoffice.gov.uk</a>
               and ask that Hadi is not removed to Syria.</p>"#,
            Expect {
                appeal: true,
                kinds: &["contact"],
                urls: &[(
                    "contact",
                    "mailto:public.enquiries@homeoffice.gov.uk?subject=Stop%20the%20deportation",
                )],
            },
        );
    }

    #[test]
    fn boilerplate_pages_are_not_appeals() {
        check(
            "Subscribe to our newsletter",
            "<p>Sign up for our newsletter and we'll send you emails with the latest news.</p>\
             <div class=\"cookie-notice\">This website uses cookies.</div>",
            Expect {
                appeal: false,
                kinds: &[],
                urls: &[],
            },
        );
    }

    #[test]
    fn feed_template_is_learned_and_ignored() {
        let det = detector();
        let footer = r#"<p class="support">Support our work: <a href="https://ngo.example.org/donate?utm_source=rss">Donate</a></p>"#;
        let bodies = [
            "<p>Our mobile clinic in Azaz held 1,000 consultations in October.</p>",
            "<p>The new school term started in the camps near Atmeh with 400 pupils.</p>",
            "<p>A report on water access in the north-west was published by partners.</p>",
            "<p>Volunteers repaired twelve water tanks in the camps this week.</p>",
        ];
        let entries: Vec<Entry> = bodies
            .iter()
            .enumerate()
            .map(|(i, b)| {
                entry(
                    &format!("https://ngo.example.org/news/{i}"),
                    &format!("News {i}"),
                    &format!("{b}{footer}"),
                )
            })
            .collect();
        let ctx = det.feed_context(&entries);
        assert_eq!(ctx.entries(), 4);
        assert!(
            ctx.template_links().any(|l| l == "ngo.example.org/donate"),
            "{:?}",
            ctx.template_links().collect::<Vec<_>>()
        );
        for e in &entries {
            let v = check_with(
                &det,
                &ctx,
                e,
                Expect {
                    appeal: false,
                    kinds: &[],
                    urls: &[],
                },
            );
            assert!(!v.summary.contains("Support our work"), "{}", v.summary);
        }
        // Without the feed's template, a lone entry with the button is still not an appeal.
        check_with(
            &det,
            &FeedContext::default(),
            &entries[0],
            Expect {
                appeal: false,
                kinds: &[],
                urls: &[],
            },
        );
        // A real appeal in the same feed still counts, the template link is not its action.
        let appeal = entry(
            "https://ngo.example.org/appeals/winter",
            "Winter appeal",
            &format!(
                r#"<p>Please donate today to buy heating fuel for 300 families:
                   <a href="https://donorbox.org/winter-fuel">give now</a>.</p>{footer}"#
            ),
        );
        check_with(
            &det,
            &ctx,
            &appeal,
            Expect {
                appeal: true,
                kinds: &["donate"],
                urls: &[("donate", "https://donorbox.org/winter-fuel")],
            },
        );
    }

    #[test]
    fn cross_posted_statement_fingerprints_match() {
        let det = detector();
        let statement = "<p>We, the undersigned organisations, call on the Security Council to renew \
            the cross-border mechanism for twelve months. Millions of people in the north-west depend on \
            it for food, medicine and shelter. Organisations can endorse the statement \
            <a href=\"https://actionnetwork.org/letters/renew-cross-border?source=partner-a\">here</a>.</p>";
        let a = det.detect(
            &entry("https://a.example.org/s/1", "Joint statement", statement),
            &FeedContext::default(),
            &[],
        );
        let b = det.detect(
            &entry(
                "https://b.example.org/news/joint",
                "Joint statement on the cross-border mechanism",
                &format!("{statement}<p>Published by Partner B.</p>"),
            ),
            &FeedContext::default(),
            &[],
        );
        let other = det.detect(
            &entry(
                "https://c.example.org/x",
                "Annual report",
                "<p>Our annual report describes the schools we supported, the teachers we trained and \
                 the children who went back to class in Idlib and Aleppo this year.</p>",
            ),
            &FeedContext::default(),
            &[],
        );
        assert!(
            a.fingerprint.matches(&b.fingerprint),
            "{:?} vs {:?}",
            a.fingerprint,
            b.fingerprint
        );
        assert!(!a.fingerprint.matches(&other.fingerprint));
    }

    #[test]
    fn one_detector_shared_by_threads_gives_the_same_verdicts() {
        let det = std::sync::Arc::new(detector());
        let e = entry(
            "https://ngo.example.org/posts/9",
            "Sign the petition",
            "<p>Sign the petition to free the eleven: <a href=\"https://change.org/p/eleven\">sign</a>.</p>",
        );
        let ctx = std::sync::Arc::new(det.feed_context(std::slice::from_ref(&e)));
        let alone = det.detect(&e, &FeedContext::default(), &[]);
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (det, ctx, e) = (det.clone(), ctx.clone(), e.clone());
                std::thread::spawn(move || det.detect(&e, &ctx, &[]))
            })
            .collect();
        for h in handles {
            let v = h.join().expect("detect does not panic");
            assert_eq!(v, alone);
        }
        assert!(alone.is_appeal);
    }

    #[test]
    fn feed_hashtags_come_last_and_labels_follow_language() {
        let det = detector();
        let mut e = entry(
            "https://ngo.example.org/ar/1",
            "تبرعوا الآن",
            "<p>تبرعوا الآن لدعم العائلات النازحة عبر <a href=\"https://www.launchgood.com/campaign/winter\">صفحة الحملة</a> #دفء_الشتاء</p>",
        );
        e.categories = vec!["#Idlib".into(), "Syria".into()];
        let v = det.detect(&e, &FeedContext::default(), &["#Solidarity".to_string()]);
        assert!(v.is_appeal);
        assert_eq!(v.hashtags, ["#دفء_الشتاء", "#Idlib", "#Solidarity"]);
        let donate = v
            .actions
            .iter()
            .find(|a| a.kind.as_str() == "donate")
            .expect("donate action");
        assert_eq!(donate.label, "تبرّعوا");
        assert_eq!(
            donate.url.as_deref(),
            Some("https://www.launchgood.com/campaign/winter")
        );
    }
}
