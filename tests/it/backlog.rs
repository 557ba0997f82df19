//! A feed's first poll takes its backlog without the detector: every entry is recorded as
//! seen and nothing is queued, and the sites the backlog links to count as the feed's own
//! history (a later appeal linking one goes out at once; one linking a site no entry ever
//! linked to is still held for review).

use crate::harness::*;
use crate::support::feed_server::{FeedServer, Item};
use crate::support::telegram::FakeTelegram;
use solibot::poll::poll_feed;
use solibot::store::{FeedRecord, HoldReason, Store, SubscriberRecord};

const SUBSCRIBER: i64 = 3001;

fn rss(items: &[Item]) -> String {
    FeedServer::rss("Partner Relief Network", items)
}

/// A donation appeal whose action link goes to a fundraising site (`host`); each `n`
/// (1–3) worded differently, so that no sentence recurs as the feed's template.
fn fundraiser(n: usize, host: &str) -> Item {
    let (what, ask, button) = [
        (
            "water filters",
            "Please donate today to our flood relief fund",
            "Give now",
        ),
        (
            "hygiene kits",
            "Your donation this week keeps the clinics open",
            "Donate here",
        ),
        (
            "school tents",
            "Help us rebuild: make a gift before the rains return",
            "Make a gift",
        ),
    ][n - 1];
    Item::new(
        &format!("fundraiser-{n}"),
        &format!("Flood relief: donate {what} for flooded villages"),
        &format!("https://partner.example/floods/{n}"),
        &format!(
            "<p>{ask}. Every contribution buys {what} for families in the villages the river \
             flooded. <a href=\"https://{host}/campaign/flood-{n}\">{button}</a>.</p>"
        ),
    )
}

fn subscriber(chat_id: i64) -> SubscriberRecord {
    serde_json::from_value(serde_json::json!({
        "v": 1, "chat_id": chat_id, "kind": "private", "language": null, "since": 0,
        "thread_id": null
    }))
    .expect("a subscriber record")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_poll_records_its_backlog_unsent_and_its_sites_count_as_seen() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(&tg, dir.path(), &[("SOLIBOT_REVIEW_NEW_SITES", "1")]);
    let store = Store::temporary().unwrap();
    store.subscribe(&subscriber(SUBSCRIBER)).unwrap();
    let shared = solibot::context::shared(config, store, None, None).unwrap();
    let feed = shared
        .store
        .add_feed(FeedRecord::new(
            feeds.url("/a.xml"),
            "Partner Relief Network",
        ))
        .unwrap()
        .unwrap();
    let mut items = vec![fundraiser(1, "www.floodfund.example"), appeal(1), news(1)];
    feeds.set("/a.xml", rss(&items), "application/rss+xml");

    let first = poll_feed(&shared, feed.id).await.unwrap();
    assert_eq!(
        (first.entries, first.new_entries, first.alerts, first.queued),
        (3, 3, 0, 0),
        "every backlog entry recorded, none alerted"
    );
    assert_eq!(shared.store.outbox_len(), 0, "nothing to send");
    assert!(first.baseline, "the first poll takes the backlog");
    let sites = shared.store.link_domains(feed.id).unwrap().unwrap();
    for site in ["floodfund.example", "change.org", "partner.example"] {
        assert!(sites.contains(site), "{site} in {sites:?}");
    }

    // A new appeal linking a site of the backlog goes out at once; the backlog stays seen.
    items.insert(0, fundraiser(2, "floodfund.example"));
    feeds.set("/a.xml", rss(&items), "application/rss+xml");
    let second = poll_feed(&shared, feed.id).await.unwrap();
    assert!(!second.baseline);
    assert_eq!(
        (second.new_entries, second.alerts),
        (1, 1),
        "only the new appeal is new"
    );
    assert!(second.queued > 0, "queued for its subscriber");
    assert!(shared.store.held_all().unwrap().is_empty(), "nothing held");

    // A site none of the feed's entries ever linked to is held.
    items.insert(0, fundraiser(3, "www.unknownfund.example"));
    feeds.set("/a.xml", rss(&items), "application/rss+xml");
    let third = poll_feed(&shared, feed.id).await.unwrap();
    assert_eq!((third.new_entries, third.alerts), (1, 1));
    let held = shared.store.held_all().unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(
        held[0].reason,
        HoldReason::NewSites {
            domains: vec!["unknownfund.example".into()]
        }
    );
}
