//! Stage 1 of the pipeline, reading: an entry's body read once into text blocks, links
//! (resolved and typed) and each block's sentence ranges, kept in the feed context so that
//! learning the template and detecting read a body once.
//!
//! Owns [`Prepared`] and its cache key. Must not weigh anything: no cues, no scores.

use std::sync::Arc;

use super::fingerprint::fast_hash;
use super::html::{self, Doc};
use super::links::{UrlParts, UrlType, base_host, key_parts, type_parts};
use super::{Detector, FeedContext};
use crate::entry::Entry;

/// An entry body read once: blocks, links (resolved), and each block's sentences.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// The body's text blocks and links.
    pub(super) doc: Doc,
    /// Per link of `doc.links`, the resolved URL and its type (`None`: leads nowhere).
    pub(super) links: Vec<Option<(UrlParts, UrlType)>>,
    /// Sentence ranges of all blocks, block after block…
    sents: Vec<(usize, usize)>,
    /// …block `b`'s being `sents[sent_at[b]..sent_at[b + 1]]`.
    sent_at: Vec<usize>,
}

impl Prepared {
    /// The sentence ranges of block `b`.
    pub(super) fn block_sents(&self, b: usize) -> &[(usize, usize)] {
        &self.sents[self.sent_at[b]..self.sent_at[b + 1]]
    }
}

/// Bodies cached in a feed context at most (bytes of HTML), to bound its memory.
pub(super) const MAX_CACHED_BYTES: usize = 8 << 20;

/// The key of an entry's body in the feed context's cache.
pub(super) fn prep_key(entry: &Entry) -> u64 {
    fast_hash(&[
        entry.link.as_deref().unwrap_or("").as_bytes(),
        entry.title.as_bytes(),
        entry.body_html().as_bytes(),
    ])
}

/// Reads the entry's body: blocks, links resolved and typed, sentences split.
pub(super) fn prepare(det: &Detector, entry: &Entry) -> Prepared {
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

/// The entry's body as read: from the feed context when learning it read this entry
/// already, else read now.
pub(super) fn prepared(det: &Detector, entry: &Entry, ctx: &FeedContext) -> Arc<Prepared> {
    let cached = if ctx.prepared.is_empty() {
        None
    } else {
        ctx.prepared.get(&prep_key(entry)).cloned()
    };
    cached.unwrap_or_else(|| Arc::new(prepare(det, entry)))
}
