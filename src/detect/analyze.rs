//! The scorer: one entry (plus its feed's template) -> a [`Verdict`].
//!
//! Owns the pipeline: read the body, drop boilerplate and the feed's template, split
//! sentences, match cues, weigh them by where they occur (title, action section, quotes,
//! reported speech, past-tense recaps), type the links, and assemble score, actions,
//! hashtags, summary, reasons and fingerprint. Also learns a [`FeedContext`] from a batch of
//! entries. Pure: no IO, no clock.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::cues::{Class, Hit};
use super::fingerprint::{SimHasher, fnv1a};
use super::hashtags::Hashtags;
use super::html::{self, BlockKind, Doc, LinkSource};
use super::links::{UrlType, canonical_url, clean_url, type_url};
use super::text::{fold_into, split_sentences};
use super::{Action, ActionKind, Detector, FeedContext, Fingerprint, Verdict, lang, summary};
use crate::entry::Entry;

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
struct LinkInfo {
    url: String,
    ty: UrlType,
    /// Kinds named by the anchor text.
    anchor_kinds: u8,
    sent: Option<usize>,
    usable: bool,
    button: bool,
}

fn bit(k: ActionKind) -> u8 {
    1 << (k as u8)
}

fn kind_idx(k: ActionKind) -> usize {
    k as usize
}

fn words(s: &str) -> usize {
    s.split_whitespace().count()
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
        self.items
            .sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
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

fn parse<'a>(det: &Detector, title: &'a str, doc: &'a Doc, ctx: &FeedContext) -> Parsed<'a> {
    let mut segs: Vec<Seg<'a>> = Vec::with_capacity(doc.blocks.len() + 1);
    segs.push(Seg {
        text: title,
        kind: SegKind::Title,
        quote: false,
        dropped: false,
        action: false,
        lead: false,
        button: false,
        sents: 0..0,
    });
    for b in &doc.blocks {
        let n = words(&b.text);
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
            button: n <= 5 && b.link_bytes * 10 >= b.text.len() * 7,
            sents: 0..0,
        });
    }
    let total: usize = segs.iter().map(|s| s.text.len()).sum();
    let mut folded = String::with_capacity(total + segs.len() * 4);
    let mut sents: Vec<Sent> = Vec::with_capacity(segs.len() * 2);
    let mut hits: Vec<Hit> = Vec::with_capacity(32);
    let mut ranges: Vec<(usize, usize)> = Vec::with_capacity(8);
    for (si, seg) in segs.iter_mut().enumerate() {
        ranges.clear();
        split_sentences(seg.text, &mut ranges);
        let first = sents.len();
        for &(s, e) in &ranges {
            let f0 = folded.len();
            fold_into(&seg.text[s..e], &mut folded);
            let f1 = folded.len();
            let norm = &folded[f0..f1];
            let template = si > 0
                && !ctx.sentences.is_empty()
                && ctx.sentences.contains(&fnv1a(norm.as_bytes()));
            let h0 = hits.len();
            if !template {
                det.cues.find(norm, &mut hits);
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
            let n = words(text);
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
            let headingish =
                self.segs[si].kind == SegKind::Heading || n <= 12 || text.ends_with(':');
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

fn inside_quotes(norm: &str, pos: usize) -> bool {
    norm[..pos].bytes().filter(|&b| b == b'"').count() % 2 == 1
}

/// Sums a list with a cap.
fn capped(v: f32, cap: f32) -> f32 {
    v.min(cap)
}

pub(crate) fn detect(
    det: &Detector,
    entry: &Entry,
    ctx: &FeedContext,
    feed_hashtags: &[String],
) -> Verdict {
    let doc = html::read(&det.html, entry.body_html());
    let title = entry.title.trim();
    let mut reasons = Reasons { items: Vec::new() };
    let mut p = parse(det, title, &doc, ctx);
    p.mark_zones(det, &mut reasons);
    let templ = p.sents.iter().filter(|s| s.template).count();
    if templ > 0 {
        reasons.add(0.3, format!("feed template text ignored ({templ} sentences)"));
    }

    // ---------------------------------------------------------------- language
    let mut sample = String::with_capacity(700);
    sample.push_str(title);
    for seg in p.segs.iter().skip(1).filter(|s| !s.dropped) {
        if sample.len() > 600 {
            break;
        }
        sample.push(' ');
        sample.push_str(seg.text);
    }
    let mut votes: Vec<(&'static str, f32)> = Vec::new();
    for h in &p.hits {
        let cue = det.cues.cue(h);
        if matches!(cue.class, Class::Opener | Class::Boilerplate) || cue.lang == "*" {
            continue;
        }
        match votes.iter_mut().find(|(l, _)| *l == cue.lang) {
            Some(v) => v.1 += 1.0,
            None => votes.push((cue.lang, 1.0)),
        }
    }
    let lang = lang::identify(
        &det.whatlang,
        &sample,
        entry.declared_lang.as_deref(),
        &votes,
    );

    // ---------------------------------------------------------------- sentence evidence
    let mut reader = 0.0f32;
    let mut demand = 0.0f32;
    let mut urgency = 0.0f32;
    let mut voice = 0.0f32;
    let mut ctx_bonus = 0.0f32;
    let (mut job, mut partnership, mut inform, mut condemn, mut negative) =
        (0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32);
    let mut reported_news = 0.0f32;
    let mut past_news = 0.0f32;
    let mut kind_ev = [0.0f32; 7];
    let mut sent_pos = vec![0.0f32; p.sents.len()];
    let mut sent_kinds = vec![0u8; p.sents.len()];
    let mut first_condemn: Option<String> = None;

    for (i, s) in p.sents.iter().enumerate() {
        if !p.kept(s) {
            continue;
        }
        let seg = &p.segs[s.seg];
        let sh = &p.hits[s.hits.clone()];
        if sh.is_empty() {
            continue;
        }
        let norm = &p.folded[s.fold.clone()];
        let mut reported: Option<&Hit> = None;
        let mut past: Option<&Hit> = None;
        let mut target: Option<&Hit> = None;
        for h in sh {
            match det.cues.cue(h).class {
                Class::Reported => reported = reported.or(Some(h)),
                Class::Past => past = past.or(Some(h)),
                Class::Target => target = target.or(Some(h)),
                _ => {}
            }
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
        let mut lost = 0.0f32;
        let mut dem_here = 0.0f32;
        let mut ctx_kinds: Vec<(ActionKind, f32)> = Vec::new();
        for h in sh {
            let cue = det.cues.cue(h);
            let w = cue.weight;
            let q = if inside_quotes(norm, h.start as usize) {
                0.5
            } else {
                1.0
            };
            let phrase = det.cues.phrase(h);
            match cue.class {
                Class::Kind(k) if cue.context => ctx_kinds.push((k, w)),
                Class::Kind(_) | Class::Cta => {
                    let c = w * m * q * zone * button;
                    lost += w * zone - c;
                    pos += c;
                    reader += c;
                    if let Class::Kind(k) = cue.class {
                        kind_ev[kind_idx(k)] += c;
                        sent_kinds[i] |= bit(k);
                    }
                    reasons.add(c, format!("imperative '{phrase}' in {where_}"));
                }
                Class::Demand => {
                    let c = w * m * q * zone.min(1.2);
                    lost += w - c;
                    pos += c;
                    dem_here += c;
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
        if dem_here > 0.0 && target.is_some() {
            dem_here += 1.0 * m;
            pos += 1.0 * m;
        }
        demand += dem_here;
        // Context nouns type a kind-less ask ("Take action: the vigil starts at 6").
        if pos >= 1.0 && sent_kinds[i] == 0 {
            for (k, w) in ctx_kinds {
                kind_ev[kind_idx(k)] += w * 1.5 * m;
                sent_kinds[i] |= bit(k);
            }
        } else if pos > 0.0 {
            for (k, w) in ctx_kinds {
                ctx_bonus += 0.3 * w * m;
                let _ = k;
            }
        }
        sent_pos[i] = pos;
        if let Some(r) = reported {
            if lost > 0.5 {
                reasons.add(
                    -lost,
                    format!("reported speech '{}' lowers score", det.cues.phrase(r)),
                );
            } else {
                reported_news += 0.3;
                reasons.add(
                    -0.3,
                    format!("reported speech '{}'", det.cues.phrase(r)),
                );
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
    let base = entry.link.as_deref();
    let mut infos: Vec<LinkInfo> = Vec::with_capacity(p.doc.links.len());
    let mut anchor_hits: Vec<Hit> = Vec::new();
    let mut anchor_fold = String::new();
    for l in &p.doc.links {
        let Some(url) = clean_url(&l.href, base) else {
            continue;
        };
        let key = canonical_url(&url);
        let template = ctx.links.contains(&key);
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
        let usable = !l.chrome && !template && sent_ok && (l.block.is_some() || l.source == LinkSource::Embed);
        let ty = type_url(&det.cues.links, &url);
        let mut anchor_kinds = 0u8;
        if usable && !l.text.is_empty() {
            anchor_fold.clear();
            fold_into(&l.text, &mut anchor_fold);
            anchor_hits.clear();
            det.cues.find(&anchor_fold, &mut anchor_hits);
            for h in &anchor_hits {
                if let Class::Kind(k) = det.cues.cue(h).class {
                    anchor_kinds |= bit(k);
                }
            }
        }
        let button = l.block.is_some_and(|b| p.segs[b + 1].button);
        infos.push(LinkInfo {
            url,
            ty,
            anchor_kinds,
            sent,
            usable,
            button,
        });
    }
    let mut link_ev = 0.0f32;
    let mut untyped_bonus = 0.0f32;
    for li in infos.iter().filter(|l| l.usable) {
        let m = li.sent.map_or(1.0, |si| {
            let s = &p.sents[si];
            let mut m = 1.0;
            for h in &p.hits[s.hits.clone()] {
                match det.cues.cue(h).class {
                    Class::Reported => m = 0.25f32.min(m),
                    Class::Past => m = 0.35f32.min(m),
                    _ => {}
                }
            }
            m
        });
        match li.ty.rule {
            Some(Some(k)) => {
                let mut w = if li.ty.platform || li.ty.official {
                    2.0
                } else {
                    1.2
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
                kind_ev[kind_idx(k)] += c;
                let what = if li.ty.official {
                    format!("official e-mail {}", li.ty.host)
                } else {
                    format!("{} link {}", link_noun(k), li.ty.host)
                };
                reasons.add(c, what);
            }
            Some(None) => {}
            None => {
                let in_ask = li.sent.is_some_and(|si| sent_pos[si] >= 1.0);
                if in_ask || li.anchor_kinds != 0 {
                    untyped_bonus = 0.5f32.max(untyped_bonus) * m.max(0.5);
                }
            }
        }
    }

    // ---------------------------------------------------------------- score
    let positive = reader + demand + link_ev;
    let mut raw = capped(reader, 8.0)
        + capped(link_ev, 4.0)
        + capped(demand, 5.0)
        + capped(ctx_bonus, 1.0)
        + untyped_bonus;
    if positive > 0.0 {
        raw += capped(urgency, 1.2);
    }
    if demand > 0.0 {
        raw += capped(voice, 1.0);
        if voice > 0.0 {
            reasons.add(voice.min(1.0), "statement in the organisation's own voice".into());
        }
    }
    let volunteer = kind_ev[kind_idx(ActionKind::Volunteer)] > 0.0;
    raw -= capped(job, 6.0) * if volunteer { 0.5 } else { 1.0 };
    raw -= capped(partnership, 3.0);
    raw -= capped(inform, 1.5) * if reader < 2.0 { 1.0 } else { 0.3 };
    raw -= capped(negative, 1.0);
    if condemn > 0.0 && reader + demand < 2.0 {
        raw -= capped(condemn, 1.0);
        if let Some(c) = &first_condemn {
            reasons.add(-0.5, format!("condemnation without an ask '{c}'"));
        }
    }
    raw -= capped(reported_news, 1.5);
    raw -= capped(past_news, 1.0);
    let score = (1.0 / (1.0 + (-(raw - 2.5) * 1.1).exp())).clamp(0.0, 1.0);
    let is_appeal = score >= det.threshold;
    if positive == 0.0 {
        reasons.add(0.0, "no ask found".into());
    }

    // ---------------------------------------------------------------- actions
    let mut actions = Vec::new();
    if is_appeal {
        let mut kinds: Vec<(ActionKind, f32)> = ActionKind::ALL
            .into_iter()
            .map(|k| (k, kind_ev[kind_idx(k)]))
            .filter(|&(_, e)| e >= 1.5)
            .collect();
        kinds.sort_by(|a, b| b.1.total_cmp(&a.1));
        for (k, _) in kinds {
            actions.push(Action {
                kind: k,
                label: det.cues.label(lang, k).to_string(),
                url: best_url(det, &p, &infos, &sent_kinds, k),
            });
        }
    }

    // ---------------------------------------------------------------- hashtags
    let mut tags = Hashtags::default();
    tags.scan(title);
    for seg in p.segs.iter().skip(1).filter(|s| !s.dropped) {
        tags.scan(seg.text);
    }
    for c in &entry.categories {
        tags.category(c);
    }
    for f in feed_hashtags {
        tags.configured(f);
    }

    // ---------------------------------------------------------------- summary
    let body_sents: Vec<usize> = (0..p.sents.len())
        .filter(|&i| p.sents[i].seg > 0 && p.kept(&p.sents[i]))
        .collect();
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
    let summary = match ask.filter(|_| is_appeal) {
        Some(a) => {
            let context = body_sents
                .iter()
                .copied()
                .find(|&i| i != a && words(text_of(i)) >= 5 && sent_pos[i] < sent_pos[a]);
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
    };

    // ---------------------------------------------------------------- fingerprint
    let mut sim = SimHasher::default();
    for &i in &body_sents {
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

    Verdict {
        lang: lang.to_string(),
        is_appeal,
        score,
        actions,
        hashtags: tags.into_vec(),
        summary,
        reasons: reasons.finish(8),
        fingerprint: Fingerprint {
            action_urls,
            simhash: sim.finish(),
        },
    }
}

/// Platform pages and deep links identify one appeal; a site's `/donate` or a mailbox do not.
fn specific_action_url(det: &Detector, url: &str) -> bool {
    if url.starts_with("mailto:") || url.starts_with("tel:") {
        return false;
    }
    let ty = type_url(&det.cues.links, url);
    !ty.generic
}

fn best_url(
    det: &Detector,
    p: &Parsed,
    infos: &[LinkInfo],
    sent_kinds: &[u8],
    k: ActionKind,
) -> Option<String> {
    let _ = det;
    let mut best: Option<(f32, &LinkInfo)> = None;
    for li in infos.iter().filter(|l| l.usable) {
        let in_sent = li.sent.is_some_and(|si| sent_kinds[si] & bit(k) != 0);
        let s = match li.ty.rule {
            Some(None) => continue,
            Some(Some(rk)) if rk == k => 3.0 + if li.ty.platform { 0.5 } else { 0.0 },
            Some(Some(_)) => continue,
            None if li.anchor_kinds & bit(k) != 0 => 2.0,
            None if k == ActionKind::Contact
                && (li.url.starts_with("mailto:") || li.url.starts_with("tel:"))
                && in_sent =>
            {
                1.5
            }
            None if in_sent => 1.0,
            None => continue,
        };
        let s = if li.sent.is_some_and(|si| p.segs[p.sents[si].seg].kind == SegKind::Title) {
            s - 0.1
        } else {
            s
        };
        if best.is_none_or(|(b, _)| s > b) {
            best = Some((s, li));
        }
    }
    best.map(|(_, l)| l.url.clone())
}

/// Learns the template (links and sentences that recur in most entries) of one feed.
pub(crate) fn learn(det: &Detector, entries: &[Entry]) -> FeedContext {
    let n = entries.len();
    if n < 3 {
        return FeedContext {
            entries: n,
            ..FeedContext::default()
        };
    }
    let mut link_counts: HashMap<String, (u32, u32)> = HashMap::new();
    let mut sent_counts: HashMap<u64, u32> = HashMap::new();
    let mut seen_links: HashSet<String> = HashSet::new();
    let mut seen_sents: HashSet<u64> = HashSet::new();
    let mut ranges = Vec::new();
    let mut folded = String::new();
    for e in entries {
        let doc = html::read(&det.html, e.body_html());
        seen_links.clear();
        seen_sents.clear();
        for l in &doc.links {
            let Some(url) = clean_url(&l.href, e.link.as_deref()) else {
                continue;
            };
            let key = canonical_url(&url);
            if seen_links.contains(&key) {
                continue;
            }
            let chromey = l.chrome
                || l.block.is_none_or(|b| {
                    let blk = &doc.blocks[b];
                    words(&blk.text) <= 12 || blk.link_bytes * 2 >= blk.text.len()
                });
            let c = link_counts.entry(key.clone()).or_insert((0, 0));
            c.0 += 1;
            c.1 += u32::from(chromey);
            seen_links.insert(key);
        }
        for b in &doc.blocks {
            ranges.clear();
            split_sentences(&b.text, &mut ranges);
            for &(s, t) in &ranges {
                folded.clear();
                fold_into(&b.text[s..t], &mut folded);
                let h = fnv1a(folded.as_bytes());
                if seen_sents.insert(h) {
                    *sent_counts.entry(h).or_insert(0) += 1;
                }
            }
        }
    }
    let most = |c: u32| c >= 3 && (c as usize) * 5 >= n * 3;
    let links = link_counts
        .into_iter()
        .filter(|(_, (c, chromey))| most(*c) && (chromey * 2 >= *c || (*c as usize) * 5 >= n * 4))
        .map(|(k, _)| k)
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
    }
}
