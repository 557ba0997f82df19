//! Stage 10 of the pipeline, the verdict's parts: hashtags (the entry's, its categories,
//! the feed's), the summary (an appeal's strongest ask with its context, else the lead)
//! and the fingerprint (specific action links and a SimHash of the kept text).
//!
//! Owns which sentences each part is made of. Must not weigh evidence: it reads what the
//! earlier stages decided.

use super::fingerprint::SimHasher;
use super::hashtags::Hashtags;
use super::link_evidence::is_mail_or_phone;
use super::links::{canonical_url, key_parts, type_parts};
use super::segment::{Parsed, words_upto};
use super::{Action, Detector, Fingerprint, summary};

/// The body sentences that count (neither template nor boilerplate), in order.
pub(super) fn body_sentences(p: &Parsed) -> Vec<usize> {
    (0..p.sents.len())
        .filter(|&i| p.sents[i].seg > 0 && p.kept(&p.sents[i]))
        .collect()
}

/// The entry's hashtags: its own text's first, then its categories, then the feed's.
pub(super) fn hashtags(
    p: &Parsed,
    title: &str,
    categories: &[String],
    feed: &[String],
) -> Vec<String> {
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
pub(super) fn summarize(
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
pub(super) fn fingerprint(
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

/// Platform pages and deep links identify one appeal; a site's `/donate` or a mailbox do not.
fn specific_action_url(det: &Detector, url: &str) -> bool {
    if is_mail_or_phone(url) {
        return false;
    }
    key_parts(url, None, None).is_some_and(|p| !type_parts(&det.cues.links, &p).generic)
}
