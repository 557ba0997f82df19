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

/// `check` runs the real binary on a file feed with a configuration.
fn check(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_solibot"))
        .arg("check")
        .args(args)
        .arg("--config")
        .arg(dir.join("check.toml"))
        .arg(dir.join("feed.xml"))
        .env_clear()
        .stdin(std::process::Stdio::null())
        .output()
        .expect("solibot check runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn check_prints_when_and_deadline_in_the_feeds_time_zone() {
    let dir = tempfile::tempdir().unwrap();
    let published = chrono::DateTime::parse_from_rfc3339("2027-03-08T09:00:00Z")
        .unwrap()
        .timestamp();
    let vigil = Item::new(
        "vigil",
        "Join the vigil for the detained aid workers",
        "https://partner.example/appeals/vigil",
        "<p>Join our candlelit vigil on Saturday 13 March at 6pm outside the Foreign Ministry \
         and demand the release of the twelve detained aid workers. Sign our petition until \
         20 March and share with #FreeAidWorkers.</p>",
    )
    .published(published);
    let feed = rss(&[vigil, news(1).published(published)]);
    std::fs::write(dir.path().join("feed.xml"), feed).unwrap();
    std::fs::write(
        dir.path().join("check.toml"),
        "[dates]\ntimezone = \"Europe/Paris\"\n\n[[feeds]]\nurl = \"feed.xml\"\n\
         timezone = \"America/New_York\"\n",
    )
    .unwrap();
    let lines: Vec<serde_json::Value> = check(dir.path(), &["--json", "--all"])
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0]["when"], "2027-03-13T18:00:00-05:00",
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[0]["deadline"], "2027-03-20T00:00:00-04:00",
        "{}",
        lines[0]
    );
    for key in ["when", "deadline"] {
        assert!(lines[1][key].is_null(), "news has no {key}: {}", lines[1]);
    }
    let human = check(dir.path(), &["--all"]);
    assert!(
        human.contains("when: 2027-03-13 (Sat) 18:00 -05:00"),
        "{human}"
    );
    assert!(human.contains("deadline: 2027-03-20 (Sat)"), "{human}");
}
