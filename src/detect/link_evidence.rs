//! Stage 7 of the pipeline, the links: each link of the entry resolved, typed (a petition
//! platform, a donation page, an official's address) and placed (its sentence, its
//! section, whether it is usable or the site's own chrome, template or the entry itself),
//! then what the usable links say: evidence for an appeal and for each kind.
//!
//! Owns [`LinkInfo`] and [`LinkTotals`]. Must not choose an action's link (that is
//! `actions`) or read the body again (links come from [`Prepared`]).

use super::cues::{Class, Hit};
use super::features::{KindCounts, Voices, bit, kind_idx};
use super::html::LinkSource;
use super::links::UrlType;
use super::prepare::Prepared;
use super::reasons::Reasons;
use super::segment::{Parsed, SegKind};
use super::text::fold_into;
use super::{ActionKind, Detector, FeedContext};

/// A link of the entry, resolved and typed.
#[derive(Debug)]
pub(super) struct LinkInfo<'a> {
    /// The link as written (resolved and cleaned only if it becomes an action).
    pub(super) href: &'a str,
    /// Canonical key.
    pub(super) key: &'a str,
    pub(super) ty: UrlType,
    /// Kinds named by the anchor text.
    pub(super) anchor_kinds: u8,
    /// Kinds whose genre words the anchor text holds ("the map of the vigils").
    pub(super) anchor_words: u8,
    /// Kinds whose genre words the path of an untyped link holds ("/patenschaften/anmeldung").
    pub(super) path_kinds: u8,
    /// Kinds named by the heading of the link's section.
    pub(super) section: u8,
    pub(super) sent: Option<usize>,
    pub(super) usable: bool,
    pub(super) button: bool,
    /// A file or a site's upload folder (a kit, a poster, a report).
    pub(super) download: bool,
}

/// The noun reasons use for a link typed for kind `k`.
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

/// Kind evidence from an untyped link whose path or anchor names the kind (less than an
/// ask: it needs another cue to name a kind).
const LINK_WORDS_KIND_EVIDENCE: f32 = 1.5;

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

/// Whether a path is a file or a site's upload folder.
fn is_download(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    path.contains("/uploads/")
        || path.contains("/download")
        || [".zip", ".pdf", ".png", ".jpg"]
            .iter()
            .any(|ext| file.ends_with(ext))
}

/// Whether a link's key is an e-mail address or a phone number.
pub(super) fn is_mail_or_phone(key: &str) -> bool {
    key.starts_with("mailto:") || key.starts_with("tel:")
}

/// The entry's links, resolved, typed and placed: which sentence holds each, whether it is
/// usable (not chrome, template or the entry itself), which kinds its words name.
pub(super) fn link_infos<'a>(
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
pub(super) fn link_evidence(
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
pub(super) struct LinkTotals {
    /// Evidence for an appeal from typed links.
    pub(super) link_ev: f32,
    /// A bonus for an untyped link in an ask or named for a kind.
    pub(super) untyped_bonus: f32,
    /// Kinds of the typed links.
    pub(super) typed: u8,
    /// Kinds named by the links' anchor texts.
    pub(super) anchors: u8,
    /// Kinds named by the paths of untyped links.
    pub(super) paths: u8,
    /// Kinds of the sections that hold an ask or a usable link.
    pub(super) sections: u8,
}
