//! Stages 3 and 4 of the pipeline, segmenting and zoning: the title and the body's blocks
//! as segments, their sentences folded and matched against the cues (the feed's template
//! sentences skipped), then the zones marked: boilerplate dropped, the action section, the
//! lead, and the kinds each section's heading names.
//!
//! Owns [`Parsed`] (segments, sentences, cue hits, folded text). Must not weigh the hits:
//! it says where a sentence is, not what it is worth.

use std::ops::Range;

use super::cues::{Class, Hit};
use super::features::bit;
use super::fingerprint::fast_hash;
use super::html::{BlockKind, Doc};
use super::prepare::Prepared;
use super::reasons::Reasons;
use super::text::{fold_clean_into, fold_into};
use super::{Detector, FeedContext};

/// What a segment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SegKind {
    Title,
    Heading,
    Item,
    Para,
}

/// A title or a body block, with what the scorer needs to know about it.
#[derive(Debug)]
pub(super) struct Seg<'a> {
    pub(super) text: &'a str,
    pub(super) kind: SegKind,
    pub(super) quote: bool,
    /// Site boilerplate (newsletter box, "read more"…): ignored.
    pub(super) dropped: bool,
    /// After a heading such as "What you can do".
    pub(super) action: bool,
    /// One of the first two body blocks.
    pub(super) lead: bool,
    /// A short block that is only a link ("Donate"): a button, maybe on every page.
    pub(super) button: bool,
    /// Kinds named by the heading of the section this block is in ("1. Give to the fund").
    pub(super) section: u8,
    pub(super) sents: Range<usize>,
}

/// A sentence of a segment: where it is in the segment's text and in the folded text,
/// and which cue hits it holds.
#[derive(Debug)]
pub(super) struct Sent {
    pub(super) seg: usize,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) fold: Range<usize>,
    pub(super) hits: Range<usize>,
    /// Recurs across the feed's entries.
    pub(super) template: bool,
}

/// Counts words up to `limit + 1` (enough to compare with `limit`).
pub(super) fn words_upto(s: &str, limit: usize) -> usize {
    s.split_ascii_whitespace().take(limit + 1).count()
}

/// Reads the entry body and title into segments and sentences, matching cues.
pub(super) struct Parsed<'a> {
    pub(super) doc: &'a Doc,
    pub(super) segs: Vec<Seg<'a>>,
    pub(super) sents: Vec<Sent>,
    pub(super) hits: Vec<Hit>,
    pub(super) folded: String,
}

/// Segments the title and the body, folds and splits their sentences, and matches the
/// cues of `lang` in every sentence that is not the feed's template.
pub(super) fn parse<'a>(
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
    /// The cue hits of segment `si`.
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
    pub(super) fn mark_zones(&mut self, det: &Detector, reasons: &mut Reasons) {
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
    pub(super) fn mark_sections(&mut self, det: &Detector, lang: &str) {
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

    /// Where a segment is, as reasons name it.
    pub(super) fn where_(&self, seg: &Seg) -> &'static str {
        match seg.kind {
            SegKind::Title => "title",
            _ if seg.quote => "quote",
            _ if seg.action => "action section",
            SegKind::Heading => "heading",
            _ if seg.lead => "lead",
            _ => "body",
        }
    }

    /// Whether a sentence counts: neither the feed's template nor in dropped boilerplate.
    pub(super) fn kept(&self, s: &Sent) -> bool {
        !s.template && !self.segs[s.seg].dropped
    }
}
