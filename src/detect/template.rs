//! A feed's template, learned before the pipeline runs: the links and sentences that recur
//! in most of one feed's entries (the site's Donate button, its newsletter box) are the
//! site's, not evidence. Learning reads every body once and keeps it for `detect`.
//!
//! Owns [`learn`]. Must not weigh anything: it only counts what recurs.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::fingerprint::{FnvBuild, fast_hash};
use super::prepare::{MAX_CACHED_BYTES, Prepared, prep_key, prepare};
use super::segment::words_upto;
use super::{Detector, FeedContext, voice};
use crate::entry::Entry;

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
