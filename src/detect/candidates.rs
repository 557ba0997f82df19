//! The links an entry could take action through, read without running the pipeline: its
//! body's links outside the page chrome, resolved and cleaned the way an action's link is
//! ([`super::actions`] picks an action's link only among these).
//!
//! Owns [`action_link_candidates`]. Must not weigh or choose: every such link is listed,
//! whether or not the entry is an appeal (a superset of any verdict's action links).

use super::Detector;
use super::html;
use super::links::clean_url;
use crate::entry::Entry;

/// Every web link of the entry's body outside the page chrome, resolved against the
/// entry's link, tracking parameters removed, each once (first-seen order).
pub(super) fn action_link_candidates(det: &Detector, entry: &Entry) -> Vec<String> {
    let doc = html::read(&det.html, entry.body_html());
    let base = entry.link.as_deref();
    let mut out: Vec<String> = Vec::new();
    for link in doc.links.iter().filter(|l| !l.chrome) {
        if let Some(url) = clean_url(&link.href, base) {
            if !out.contains(&url) {
                out.push(url);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_links_outside_the_chrome_are_candidates_resolved_and_cleaned() {
        let det = Detector::new(&Default::default()).expect("detector");
        let entry = Entry::sample(
            "https://partner.example/posts/1",
            "Sign the petition",
            "<p>Sign <a href=\"https://www.change.org/p/x?utm_source=feed\">here</a> or \
             read <a href=\"/report\">the report</a>; mail info@partner.example.</p>\
             <div class=\"share\"><a href=\"https://www.facebook.com/sharer\">Share</a></div>",
        );
        let got = action_link_candidates(&det, &entry);
        assert!(
            got.contains(&"https://www.change.org/p/x".to_string()),
            "{got:?}"
        );
        assert!(
            got.contains(&"https://partner.example/report".to_string()),
            "{got:?}"
        );
        assert!(
            !got.iter().any(|u| u.contains("facebook.com")),
            "chrome links are the site's, never an action's: {got:?}"
        );
    }
}
