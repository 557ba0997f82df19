//! Dates in alerts (issue 14): an alert shows when its event starts; an alert whose date
//! passed before it could be sent is not sent on its own but in a "these passed" digest.

use crate::harness::*;
use crate::support::feed_server::{FeedServer, Item};
use crate::support::telegram::FakeTelegram;
use chrono::{Duration, Utc};

fn rss(items: &[Item]) -> String {
    FeedServer::rss("Partner Relief Network", items)
}

fn day(offset_days: i64) -> String {
    (Utc::now() + Duration::days(offset_days))
        .format("%-d %B %Y")
        .to_string()
}

/// A vigil `in_days` from now, published an hour ago.
fn vigil(in_days: i64) -> Item {
    Item::new(
        "vigil-ahead",
        "Join the vigil for the detained aid workers",
        "https://partner.example/appeals/vigil",
        &format!(
            "<p>Join our candlelit vigil on {} at 6pm outside the Foreign Ministry and demand \
             the release of the twelve detained aid workers. Bring candles, bring friends, \
             share with #FreeAidWorkers.</p>",
            day(in_days)
        ),
    )
    .published((Utc::now() - Duration::hours(1)).timestamp())
}

/// A petition published three weeks ago that closed ten days ago.
fn closed_petition() -> Item {
    Item::new(
        "petition-closed",
        "Sign the petition: free the detained aid workers",
        "https://partner.example/appeals/petition",
        &format!(
            "<p>Sign our petition before {} and call on the Foreign Minister to demand the \
             release of the twelve detained aid workers. \
             <a href=\"https://www.change.org/p/free-aid-workers\">Sign the petition</a>.</p>",
            day(-10)
        ),
    )
    .published((Utc::now() - Duration::days(21)).timestamp())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_shows_its_date_and_a_passed_one_goes_only_in_a_digest() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    feeds.set("/feed.xml", rss(&[news(1)]), "application/rss+xml");
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    command(&tg, 1001, "/start").await;
    let r = command(&tg, ADMIN, &format!("/addfeed {}", feeds.url("/feed.xml"))).await;
    assert!(r.starts_with("Added feed"), "{r}");

    feeds.set(
        "/feed.xml",
        rss(&[closed_petition(), vigil(10), news(1)]),
        "application/rss+xml",
    );
    assert!(
        tg.wait_until(|s| s.sent_to(1001).len() >= 3, WAIT).await,
        "the vigil and the digest of what passed reach the chat"
    );
    polls_pass(&feeds, "/feed.xml", 2).await;
    let sent = tg.sent_to(1001);
    assert_eq!(sent.len(), 3, "start reply, one alert, one digest");
    let texts: Vec<&str> = sent[1..].iter().map(|m| m.visible_text.as_str()).collect();
    let alert = texts
        .iter()
        .find(|t| t.contains("Join the vigil"))
        .expect("the vigil is alerted");
    assert!(
        alert.contains("📅 ") && alert.contains(&format!("{}, 18:00", day(10))),
        "{alert}"
    );
    assert!(!alert.contains("Sign the petition"), "{alert}");
    for t in &texts {
        if t.contains("Sign the petition") {
            assert!(
                t.starts_with("While we were away, these passed"),
                "the closed petition is sent only in a digest of what passed: {t}"
            );
        }
    }
    assert!(
        texts.iter().any(|t| t.contains("Sign the petition")),
        "the digest lists the closed petition: {texts:?}"
    );
    assert!(tg.render_errors().is_empty());
    bot.stop().await;
}
