//! `/wrong` and `/send`: organizers' verdicts on what the detector decided.
//!
//! `/wrong`, in reply to an alert the bot sent, records that it was not an appeal. The
//! alert is the one the delivery worker remembered for that message, else the one alert
//! whose entry link the message shows. `/send URL` looks for the entry among the partner
//! feeds' current entries (fetched through the one fetch client and its guard, the feeds
//! on the URL's site first), records that it is an appeal and sends it through the poll's
//! own routing and commit ([`crate::poll::take_sent`]), so it goes out once. The records
//! and the threshold raise are [`crate::feedback`]'s. Permissions are checked by the
//! caller. Must not: write to the outbox itself.

use super::Ctx;
use crate::detect::{Verdict, canonical_url};
use crate::entry::Entry;
use crate::feedback;
use crate::i18n::Arg;
use crate::manage::{self, clip};
use crate::poll::{self, Polled};
use crate::store::{AlertRecord, FeedRecord, Store, StoreError};
use std::collections::HashSet;
use teloxide::types::{Message, MessageEntityKind};

/// The most feeds one `/send` fetches looking for its entry.
const MAX_SEND_FETCHES: usize = 12;

pub(super) async fn wrong(ctx: &Ctx<'_>) -> String {
    let replied = ctx.msg.reply_to_message().filter(|m| sent_by_bot(ctx, m));
    let Some(replied) = replied else {
        return ctx.t("wrong.usage", &[]);
    };
    let alert = match alert_of(ctx, replied) {
        Ok(Some(a)) => a,
        Ok(None) => return ctx.t("wrong.usage", &[]),
        Err(e) => return ctx.failed("find the alert of a message", &e),
    };
    let store = &ctx.shared.store;
    let feed = store.feed(alert.feed_id).ok().flatten();
    let feed_url = feed.as_ref().map(|f| f.url.as_str()).unwrap_or_default();
    let rec = feedback::from_alert(&alert, feed_url, ctx.user_id);
    let before = feedback::feed_raise(store, alert.feed_id).unwrap_or_default();
    let title = clip(&alert.title, 100);
    match store.record_feedback(&rec).await {
        Ok(true) => {}
        Ok(false) => return ctx.t("wrong.already", &[("title", &title)]),
        Err(e) => return ctx.failed("record feedback", &e),
    }
    let mut reply = ctx.t("wrong.ok", &[("title", &title)]);
    if let Ok(after) = feedback::feed_raise(store, alert.feed_id)
        && after.by > before.by
    {
        let args = [
            ("name", clip(&alert.feed_name, 80)),
            ("raise", format!("+{:.2}", after.by)),
        ];
        reply.push('\n');
        reply.push_str(&ctx.t(
            "wrong.raised",
            &args.each_ref().map(|(k, v)| (*k, v.as_str())),
        ));
    }
    reply
}

fn sent_by_bot(ctx: &Ctx<'_>, m: &Message) -> bool {
    m.from.as_ref().is_some_and(|u| u.id == ctx.me.id)
}

/// The alert a message of the bot carries: the one remembered when it was sent, else the
/// one alert whose entry link it shows (`None` for a digest or anything else).
fn alert_of(ctx: &Ctx<'_>, m: &Message) -> Result<Option<AlertRecord>, StoreError> {
    let store = &ctx.shared.store;
    if let Some(id) = store.sent_message_alert(m.chat.id.0, m.id.0)?
        && let Some(alert) = store.alert(id)?
    {
        return Ok(Some(alert));
    }
    alert_by_links(store, &shown_links(m))
}

/// The one alert whose entry link is among `links` (compared as canonical URLs); `None`
/// when none is, or several are (a digest, or one link alerted twice).
fn alert_by_links(store: &Store, links: &[String]) -> Result<Option<AlertRecord>, StoreError> {
    let shown: HashSet<String> = links.iter().map(|l| canonical_url(l)).collect();
    if shown.is_empty() {
        return Ok(None);
    }
    let found = store.alerts_where(
        |a| {
            a.link
                .as_deref()
                .is_some_and(|l| shown.contains(&canonical_url(l)))
        },
        2,
    )?;
    Ok(match found.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    })
}

/// The links a message shows: its text links and the URLs in its text.
fn shown_links(m: &Message) -> Vec<String> {
    let entities = m.parse_entities().unwrap_or_default();
    entities
        .iter()
        .filter_map(|e| match e.kind() {
            MessageEntityKind::TextLink { url } => Some(url.to_string()),
            MessageEntityKind::Url => Some(e.text().to_string()),
            _ => None,
        })
        .collect()
}

/// A line for `/feeds` when a feed's threshold is raised.
pub(super) fn threshold_line(ctx: &Ctx<'_>, feed_id: u64) -> Option<String> {
    let raise = feedback::feed_raise(&ctx.shared.store, feed_id).ok()?;
    (raise.by > 0.0).then(|| {
        ctx.tv(
            "feeds.threshold",
            &[
                ("raise", Arg::Text(&format!("+{:.2}", raise.by))),
                ("wrong", raise.wrong.into()),
            ],
        )
    })
}

/// Where `/send` found its entry, or why not.
enum Found {
    Entry(Box<(FeedRecord, Entry, Verdict)>),
    /// No partner feed lists it now.
    Nowhere,
    /// Not found, and a feed that could list it could not be read: its name and why.
    Unreachable(String, String),
}

pub(super) async fn send(ctx: &Ctx<'_>, args: &str) -> String {
    let Some(url) = entry_url(args) else {
        return ctx.t("send.usage", &[]);
    };
    let (feed, entry, verdict) = match find_entry(ctx, &url).await {
        Ok(Found::Entry(found)) => *found,
        Ok(Found::Nowhere) => return ctx.t("send.not_partner", &[("url", &clip(&url, 200))]),
        Ok(Found::Unreachable(name, why)) => {
            return ctx.t("send.unreachable", &[("name", &name), ("why", &why)]);
        }
        Err(e) => return ctx.failed("find an entry", &e),
    };
    match already_taken(ctx, &feed, &entry) {
        Ok(Some(key)) => return ctx.t(key, &[("name", &clip(&feed.name, 80))]),
        Ok(None) => {}
        Err(e) => return ctx.failed("look for an alert", &e),
    }
    send_found(ctx, &feed, &entry, verdict).await
}

/// The first URL of the arguments, if it is a web address.
fn entry_url(args: &str) -> Option<String> {
    let first = args.split_whitespace().next()?;
    let url = url::Url::parse(first).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// Why an entry found cannot be sent now (an i18n key), if so: its feed was never read
/// (its backlog is not taken), or it was already sent as an alert.
fn already_taken(
    ctx: &Ctx<'_>,
    feed: &FeedRecord,
    entry: &Entry,
) -> Result<Option<&'static str>, StoreError> {
    let store = &ctx.shared.store;
    if store.seen_set(feed.id)?.is_none() {
        return Ok(Some("send.not_polled"));
    }
    let sent = store.alerts_where(|a| a.feed_id == feed.id && a.entry_id == entry.id, 1)?;
    Ok((!sent.is_empty()).then_some("send.already"))
}

/// Sends a found entry as an alert, through the poll's path, and records the verdict.
async fn send_found(
    ctx: &Ctx<'_>,
    feed: &FeedRecord,
    entry: &Entry,
    mut verdict: Verdict,
) -> String {
    let shared = ctx.shared;
    let raise = feedback::feed_raise(&shared.store, feed.id).unwrap_or_default();
    let detected = verdict.is_appeal;
    feedback::apply_raise(
        std::slice::from_mut(&mut verdict),
        shared.detector.threshold(),
        raise.by,
    );
    let report = match poll::take_sent(shared, feed, entry, &verdict).await {
        Ok(r) => r,
        Err(e) => return ctx.failed("send an entry", &e),
    };
    if report.new_entries == 0 {
        return ctx.t("send.already", &[("name", &clip(&feed.name, 80))]);
    }
    let mut rec = feedback::from_entry(feed, entry, &verdict, ctx.user_id);
    let sent = shared
        .store
        .alerts_where(|a| a.feed_id == feed.id && a.entry_id == entry.id, 1)
        .ok()
        .and_then(|found| found.into_iter().next());
    if let Some(alert) = sent {
        rec.alert_id = Some(alert.id);
        rec.when = alert.when.map(|d| d.at);
        rec.deadline = alert.deadline.map(|d| d.at);
    }
    if let Err(e) = shared.store.record_feedback(&rec).await {
        tracing::error!(error = %e, "cannot record a /send verdict");
    }
    // The feed's raised threshold is what hid this appeal: take it back.
    if detected && !verdict.is_appeal {
        let _ = feedback::reset_feedback_threshold(&shared.store, feed.id);
    }
    let title = clip(&entry.title, 100);
    if report.alerts == 0 {
        return ctx.t("send.cross_post", &[("title", &title)]);
    }
    ctx.tv(
        "send.ok",
        &[
            ("title", Arg::Text(&title)),
            ("chats", report.queued.into()),
        ],
    )
}

/// Looks for the entry whose link is `url` among the partner feeds' current entries.
async fn find_entry(ctx: &Ctx<'_>, url: &str) -> Result<Found, StoreError> {
    let shared = ctx.shared;
    let feeds = shared.store.feeds()?;
    let key = canonical_url(url);
    let site = site_of(url);
    let alerted_sites: HashSet<u64> = shared
        .store
        .alerts_where(
            |a| a.link.as_deref().is_some_and(|l| site_of(l) == site),
            1000,
        )?
        .into_iter()
        .map(|a| a.feed_id)
        .collect();
    let mut unreachable = None;
    for feed in candidates(feeds, &site, &alerted_sites) {
        let snap = poll::snapshot(
            shared,
            &feed.url,
            &Default::default(),
            feed.from_config,
            &feed.hashtags,
            &feed.name,
        )
        .await;
        let snap = match snap {
            Ok(Polled::Changed(s)) => s,
            Ok(Polled::NotModified { .. }) => continue,
            Err(e) => {
                let why = manage::add_error_message(&e.into(), ctx.lang, ctx.token());
                unreachable.get_or_insert((clip(&feed.name, 80), why));
                continue;
            }
        };
        let at = snap
            .entries
            .iter()
            .position(|e| e.link.as_deref().is_some_and(|l| canonical_url(l) == key));
        if let Some(i) = at {
            let (mut entries, mut verdicts) = (snap.entries, snap.verdicts);
            let found = (feed, entries.swap_remove(i), verdicts.swap_remove(i));
            return Ok(Found::Entry(Box::new(found)));
        }
    }
    Ok(match unreachable {
        Some((name, why)) => Found::Unreachable(name, why),
        None => Found::Nowhere,
    })
}

/// The feeds to look in, at most [`MAX_SEND_FETCHES`]: those on the URL's site first,
/// then those with alerts on it, then the others.
fn candidates(mut feeds: Vec<FeedRecord>, site: &str, alerted: &HashSet<u64>) -> Vec<FeedRecord> {
    feeds.sort_by_key(|f| {
        let rank = if site_of(&f.url) == site {
            0
        } else if alerted.contains(&f.id) {
            1
        } else {
            2
        };
        (rank, f.id)
    });
    feeds.truncate(MAX_SEND_FETCHES);
    feeds
}

/// A URL's site, roughly: its host's last two labels (`news.relief.example` and
/// `www.relief.example` are one site). Only orders the feeds to fetch first.
fn site_of(url: &str) -> String {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    let labels: Vec<&str> = host.rsplitn(3, '.').take(2).collect();
    labels.into_iter().rev().collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_and_the_order_feeds_are_looked_in() {
        assert_eq!(site_of("https://www.relief.example/a"), "relief.example");
        assert_eq!(site_of("https://news.relief.example/a"), "relief.example");
        assert_eq!(site_of("http://127.0.0.1:8080/f.xml"), "0.1");
        assert_eq!(site_of("not a url"), "");
        let feed = |id, url: &str| {
            let mut f = FeedRecord::new(url, "F");
            f.id = id;
            f
        };
        let feeds = vec![
            feed(1, "https://other.example/feed"),
            feed(2, "https://feeds.hosted.example/relief"),
            feed(3, "https://relief.example/feed"),
        ];
        let alerted = HashSet::from([2]);
        let order: Vec<u64> = candidates(feeds, "relief.example", &alerted)
            .iter()
            .map(|f| f.id)
            .collect();
        assert_eq!(order, [3, 2, 1]);
        let many: Vec<FeedRecord> = (0..40).map(|i| feed(i, "https://x.example/f")).collect();
        assert_eq!(
            candidates(many, "relief.example", &alerted).len(),
            MAX_SEND_FETCHES
        );
    }

    /// Stores an alert for each `(feed, entry, link)`.
    async fn alerts(store: &Store, items: &[(u64, &str, &str)]) {
        for (feed_id, id, link) in items {
            let mut feed = FeedRecord::new(format!("https://f{feed_id}.example/feed"), "F");
            feed.id = *feed_id;
            let entry = Entry {
                id: id.to_string(),
                title: id.to_string(),
                link: Some(link.to_string()),
                ..Entry::default()
            };
            let verdict = Verdict {
                lang: "en".into(),
                is_appeal: true,
                score: 0.9,
                actions: vec![],
                hashtags: vec![],
                summary: String::new(),
                reasons: vec![],
                fingerprint: Default::default(),
            };
            let new = crate::store::NewEntry {
                keys: vec![id.to_string()],
                alert: Some(poll::alert_record(&feed, &entry, &verdict)),
            };
            store
                .commit_new_entries(*feed_id, &[new], &[])
                .await
                .unwrap();
        }
    }

    #[tokio::test]
    async fn a_message_without_a_remembered_alert_is_matched_by_the_entry_link_it_shows() {
        let store = Store::temporary().unwrap();
        alerts(
            &store,
            &[
                (1, "a", "https://relief.example/appeals/a"),
                (1, "b", "https://relief.example/appeals/b"),
                (2, "c", "https://relief.example/appeals/c"),
                (3, "c2", "https://relief.example/appeals/c"),
            ],
        )
        .await;
        let find = |links: &[&str]| {
            let links: Vec<String> = links.iter().map(|l| l.to_string()).collect();
            alert_by_links(&store, &links).unwrap().map(|a| a.entry_id)
        };
        // The link as Telegram shows it: another spelling of the same page.
        let a = find(&[
            "https://www.relief.example/appeals/a/?utm_source=tg",
            "https://sign.example/p",
        ]);
        assert_eq!(a.as_deref(), Some("a"));
        // A digest shows several alerts; one link alerted twice is ambiguous too.
        assert_eq!(
            find(&[
                "https://relief.example/appeals/a",
                "https://relief.example/appeals/b"
            ]),
            None
        );
        assert_eq!(find(&["https://relief.example/appeals/c"]), None);
        assert_eq!(find(&["https://elsewhere.example/x"]), None);
        assert_eq!(find(&[]), None);
    }

    #[test]
    fn only_web_addresses_are_sent() {
        assert_eq!(
            entry_url(" https://relief.example/a extra").as_deref(),
            Some("https://relief.example/a")
        );
        assert_eq!(entry_url("ftp://relief.example/a"), None);
        assert_eq!(entry_url(""), None);
        assert_eq!(entry_url("relief.example/a"), None);
    }
}
