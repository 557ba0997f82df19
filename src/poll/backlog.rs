//! A feed's backlog: the entries its first poll finds are recorded as seen and never
//! alerted, so the detector does not read them. What later polls need of them is kept:
//! their seen keys (from the entries themselves) and the sites they link to, which
//! review counts as the feed's ([`crate::review::backlog_sites`]). The feed's template is
//! not: every poll learns it again from the entries it fetched.
//!
//! Owns the decision that a poll takes a backlog and the verdicts that stand in for the
//! detector's. Must not alert, or decide for a dry run (which shows every entry).

use super::PollError;
use crate::context::Shared;
use crate::detect::Verdict;
use crate::entry::Entry;
use crate::store::StoreError;

/// Whether a poll of `feed_id` now takes its backlog: the feed's entries were never taken
/// (no seen set), and this is not a dry run.
pub(super) fn is_backlog(shared: &Shared, feed_id: u64) -> Result<bool, StoreError> {
    Ok(!shared.dry_run() && shared.store.seen_set(feed_id)?.is_none())
}

/// A backlog read without the detector, off the async workers: a stand-in verdict per
/// entry (no appeal, nothing else) and the sites the entries link to.
pub(super) async fn read(
    shared: &Shared,
    entries: Vec<Entry>,
) -> Result<(Vec<Entry>, Vec<Verdict>, Vec<String>), PollError> {
    let detector = shared.detector.clone();
    let read = tokio::task::spawn_blocking(move || {
        let mut sites: Vec<String> = Vec::new();
        for site in entries
            .iter()
            .flat_map(|e| crate::review::backlog_sites(&detector, e))
        {
            if !sites.contains(&site) {
                sites.push(site);
            }
        }
        let verdicts = entries.iter().map(|_| unread()).collect();
        (entries, verdicts, sites)
    })
    .await
    .map_err(|e| StoreError::Db(format!("backlog task failed: {e}")))?;
    Ok(read)
}

/// The verdict that stands in for a backlog entry's: not an appeal, no actions.
fn unread() -> Verdict {
    Verdict {
        lang: String::new(),
        is_appeal: false,
        score: 0.0,
        actions: Vec::new(),
        hashtags: Vec::new(),
        summary: String::new(),
        reasons: vec!["backlog: recorded as seen, not read by the detector".to_string()],
        fingerprint: Default::default(),
    }
}
