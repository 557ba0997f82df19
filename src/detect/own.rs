//! Stage 5 of the pipeline, the site's own: what the publishing site says of itself and is
//! not an ask of the reader. Its buttons ("Donate" to its `/donate` under every post) are
//! dropped as chrome, and sentences holding one of its own e-mail addresses are marked
//! ("write to us" is not contacting officials).
//!
//! Owns [`Own`]. Must not weigh cues: it only marks segments and sentences.

use super::links::canonical_url;
use super::prepare::Prepared;
use super::reasons::Reasons;
use super::segment::{Parsed, words_upto};
use crate::entry::Entry;

/// Words besides its own that a block holding the site's button may have and still be chrome
/// ("Support our work: Donate"); a sentence around the link makes it part of the text.
const BUTTON_CONTEXT_WORDS: usize = 6;

/// The entry's own address, and which sentences name the site's own mailbox.
pub(super) struct Own {
    /// The canonical key of the entry's link.
    pub(super) key: Option<String>,
    /// Per sentence of the parse: holds an e-mail address of the site itself.
    pub(super) mail: Vec<bool>,
}

/// Finds the entry's site, drops its buttons (marking their blocks dropped) and marks the
/// sentences that hold its own e-mail addresses.
pub(super) fn mark_own(
    entry: &Entry,
    p: &mut Parsed,
    prep: &Prepared,
    reasons: &mut Reasons,
) -> Own {
    let key = entry.link.as_deref().map(canonical_url);
    let host = key
        .as_deref()
        .and_then(|k| k.split(['/', '?']).next())
        .unwrap_or("")
        .to_string();
    drop_site_buttons(p, prep, &host, reasons);
    let mail = own_mail(p, &host);
    Own { key, mail }
}

/// The site's own buttons ("Donate" to /donate under every post): a short block whose
/// link is a word or three pointing at a generic page of the same site is chrome, even
/// when the feed's template is unknown.
fn drop_site_buttons(p: &mut Parsed, prep: &Prepared, entry_host: &str, reasons: &mut Reasons) {
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
}

/// Sentences holding an e-mail address of the organisation itself: "write to us" is not
/// contacting officials.
fn own_mail(p: &Parsed, entry_host: &str) -> Vec<bool> {
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
    own_mail
}
