//! Review before broadcast: which of a poll's new appeals wait for an organizer, and why.
//!
//! An appeal is held when its feed is under review ([`FeedRecord::review`]), or when one
//! of its action links points to a site (registrable domain, by the public suffix list
//! built into the `psl` crate: no network) that the feed's entries never linked to and
//! that is not the feed's own. A backlog taken without detection records the sites of
//! every link its entries could act through (a superset of what their verdicts would
//! name: [`backlog_sites`]). Held appeals go to the organizers who may decide (the
//! feed's adder and the admins) as a preview worded in their language; the store commits
//! them with the poll ([`crate::store::ReviewBatch`]). Also the periodic expiry sweep.
//!
//! Must not: send anything, or decide a held appeal (the bot's callback handler does).

use crate::context::Shared;
use crate::detect::Verdict;
use crate::entry::Entry;
use crate::i18n::{Lang, t};
use crate::store::{FeedRecord, Hold, HoldReason, NewEntry, PreviewRecord, ReviewBatch, now_unix};
use std::collections::{BTreeSet, HashMap};

/// The registrable domain of a URL's host (`www.a.example.org` → `example.org`, by the
/// public suffix list), else its host (an IP address, a single label); `None` without a
/// host.
pub fn registrable_domain(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed
        .host_str()?
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    if matches!(parsed.host(), Some(url::Host::Domain(_))) {
        if let Some(d) = psl::domain_str(&host) {
            return Some(d.to_string());
        }
    }
    Some(host)
}

/// The sites an entry links to: its own link and its action links.
pub fn entry_sites(entry: &Entry, verdict: &Verdict) -> Vec<String> {
    let mut out = Vec::new();
    let links = entry
        .link
        .iter()
        .chain(verdict.actions.iter().filter_map(|a| a.url.as_ref()));
    for d in links.filter_map(|u| registrable_domain(u)) {
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// The sites a backlog entry (recorded, never alerted, not detected) links to: its own
/// link and every link it could take action through
/// ([`crate::detect::Detector::action_link_candidates`]), a superset of the sites its
/// verdict would have named.
pub fn backlog_sites(detector: &crate::detect::Detector, entry: &Entry) -> Vec<String> {
    let candidates = detector.action_link_candidates(entry);
    let mut out = Vec::new();
    for d in entry
        .link
        .iter()
        .chain(&candidates)
        .filter_map(|u| registrable_domain(u))
    {
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// Why an alert of `feed` is held, if it is: the feed is under review, or its action
/// links name sites neither `known` nor the feed's own. A feed whose sites were never
/// recorded (`known` is `None`: polled only by an older version) learns them first.
pub fn hold_reason(
    feed: &FeedRecord,
    action_urls: &[&str],
    known: Option<&BTreeSet<String>>,
) -> Option<HoldReason> {
    if feed.review {
        return Some(HoldReason::UnderReview);
    }
    let known = known?;
    let own = registrable_domain(&feed.url);
    let mut new: Vec<String> = Vec::new();
    for d in action_urls.iter().filter_map(|u| registrable_domain(u)) {
        if Some(&d) != own.as_ref() && !known.contains(&d) && !new.contains(&d) {
            new.push(d);
        }
    }
    (!new.is_empty()).then_some(HoldReason::NewSites { domains: new })
}

/// A poll's new entries split into those that go out now and those held, with what
/// review commits alongside: the sites of the entries not held, and the holds with their
/// previews.
pub struct Assessed {
    /// Entries that go out now.
    pub pass: Vec<NewEntry>,
    /// Entries held for a decision (their alerts written, nothing queued).
    pub held: Vec<NewEntry>,
    /// What the poll's commit writes for review: the sites seen and the holds.
    pub review: ReviewBatch,
}

/// Sorts a poll's new entries (`entries` and `verdicts` are the whole feed, for their
/// links). A dry run holds nothing.
pub fn assess(
    shared: &Shared,
    feed: &FeedRecord,
    (entries, verdicts): (&[Entry], &[Verdict]),
    new_entries: Vec<NewEntry>,
) -> Result<Assessed, crate::store::StoreError> {
    // With `review.new_sites` off, no site is new (the feed's review flag still holds).
    let known = shared
        .store
        .link_domains(feed.id)?
        .filter(|_| shared.config.review_new_sites);
    let by_id: HashMap<&str, (&Entry, &Verdict)> = entries
        .iter()
        .zip(verdicts)
        .map(|(e, v)| (e.id.as_str(), (e, v)))
        .collect();
    let mut out = Assessed {
        pass: Vec::new(),
        held: Vec::new(),
        review: ReviewBatch::default(),
    };
    for n in new_entries {
        let id = n.keys.first().cloned().unwrap_or_default();
        let sites = by_id
            .get(id.as_str())
            .map(|(e, v)| entry_sites(e, v))
            .unwrap_or_default();
        let reason = match &n.alert {
            Some(a) if !shared.dry_run() => {
                let urls: Vec<&str> = a.actions.iter().filter_map(|x| x.url.as_deref()).collect();
                hold_reason(feed, &urls, known.as_ref())
            }
            _ => None,
        };
        match reason {
            Some(reason) => {
                out.review
                    .holds
                    .push(hold(shared, feed, &id, reason, sites));
                out.held.push(n);
            }
            None => {
                for s in sites {
                    if !out.review.domains.contains(&s) {
                        out.review.domains.push(s);
                    }
                }
                out.pass.push(n);
            }
        }
    }
    Ok(out)
}

/// A backlog's new entries (no alerts): all of them pass, and `sites` (the backlog's,
/// [`backlog_sites`]) become the feed's.
pub fn assess_backlog(sites: &[String], new_entries: Vec<NewEntry>) -> Assessed {
    Assessed {
        pass: new_entries,
        held: Vec::new(),
        review: ReviewBatch {
            domains: sites.to_vec(),
            ..ReviewBatch::default()
        },
    }
}

/// The users who may decide on a feed's held appeals: its adder and the admins.
pub fn deciders(shared: &Shared, feed: &FeedRecord) -> Vec<i64> {
    let mut out: Vec<i64> = feed.added_by.into_iter().collect();
    for a in &shared.config.admins {
        if !out.contains(a) {
            out.push(*a);
        }
    }
    out
}

fn hold(
    shared: &Shared,
    feed: &FeedRecord,
    entry_id: &str,
    reason: HoldReason,
    domains: Vec<String>,
) -> Hold {
    let deciders = deciders(shared, feed);
    if deciders.is_empty() {
        tracing::warn!(
            feed = feed.id,
            "an appeal is held but nobody may decide on it"
        );
    }
    let previews = deciders
        .iter()
        .map(|u| (*u, preview(user_lang(shared, *u), feed, &reason)))
        .collect();
    tracing::info!(
        feed = feed.id,
        entry = entry_id,
        ?reason,
        "appeal held for review"
    );
    Hold {
        entry_id: entry_id.to_string(),
        reason,
        deciders,
        domains,
        previews,
    }
}

/// The language of a user's private chat: its `/language` choice, else the one it
/// subscribed with, else English.
pub fn user_lang(shared: &Shared, user: i64) -> Lang {
    let chosen = shared
        .store
        .chat_settings(user)
        .ok()
        .flatten()
        .and_then(|s| s.language);
    let subscribed = || {
        shared
            .store
            .subscriber(user)
            .ok()
            .flatten()
            .and_then(|s| s.language)
    };
    chosen
        .or_else(subscribed)
        .and_then(|l| Lang::parse(&l))
        .unwrap_or_default()
}

/// The reason a preview gives, in `lang`.
pub fn reason_text(lang: Lang, feed: &FeedRecord, reason: &HoldReason) -> String {
    let id = feed.id.to_string();
    match reason {
        HoldReason::UnderReview => t(
            lang,
            "review.reason.feed",
            &[("name", &feed.name), ("id", &id)],
        ),
        HoldReason::NewSites { domains } => t(
            lang,
            "review.reason.sites",
            &[
                ("name", &feed.name),
                ("id", &id),
                ("sites", &domains.join(", ")),
            ],
        ),
    }
}

fn preview(lang: Lang, feed: &FeedRecord, reason: &HoldReason) -> PreviewRecord {
    PreviewRecord {
        header: reason_text(lang, feed, reason),
        approve: t(lang, "review.approve", &[]),
        reject: t(lang, "review.reject", &[]),
    }
}

/// Marks the appeals that waited 48 hours expired (the poller runs it now and then;
/// a press on an expired one finds it expired by itself).
pub fn sweep(shared: &Shared) {
    match shared.store.expire_held(now_unix()) {
        Ok(gone) if !gone.is_empty() => {
            tracing::info!(count = gone.len(), "held appeals expired undecided");
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "cannot expire held appeals"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains_follow_the_public_suffix_list() {
        let check = |url: &str, want: Option<&str>| {
            assert_eq!(registrable_domain(url).as_deref(), want, "{url}");
        };
        check("https://www.example.org/a", Some("example.org"));
        check("https://donate.example.co.uk/x", Some("example.co.uk"));
        check("https://someone.github.io/p", Some("someone.github.io"));
        check("HTTPS://Sub.Example.ORG./", Some("example.org"));
        check("http://127.0.0.1:8080/feed", Some("127.0.0.1"));
        check("http://localhost:1/", Some("localhost"));
        check("mailto:a@b.example", None);
    }

    fn feed(review: bool) -> FeedRecord {
        FeedRecord {
            review,
            ..FeedRecord::new("https://news.partner.example/feed", "P")
        }
    }

    #[test]
    fn new_sites_are_held_and_known_or_own_ones_are_not() {
        let known: BTreeSet<String> = ["petitions.example".to_string()].into();
        let f = feed(false);
        assert_eq!(
            hold_reason(&f, &["https://sign.petitions.example/x"], Some(&known)),
            None
        );
        assert_eq!(
            hold_reason(&f, &["https://www.partner.example/donate"], Some(&known)),
            None,
            "the feed's own site"
        );
        assert_eq!(
            hold_reason(
                &f,
                &["https://give.fresh.example/now", "https://fresh.example/b"],
                Some(&known)
            ),
            Some(HoldReason::NewSites {
                domains: vec!["fresh.example".into()]
            })
        );
        assert_eq!(
            hold_reason(
                &feed(true),
                &["https://sign.petitions.example/x"],
                Some(&known)
            ),
            Some(HoldReason::UnderReview)
        );
        assert_eq!(
            hold_reason(&f, &["https://give.fresh.example/now"], None),
            None,
            "a feed with no recorded sites learns them first"
        );
    }
}
