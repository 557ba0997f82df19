//! `/import` at size, against the `solibot` binary as a process: an OPML document of 5,000
//! feeds and one of 1,000 (the most one import takes), each answered with one reply, in
//! bounded time and memory (the process's own `VmHWM`).

use crate::crash::opml;
use crate::harness::{ADMIN, Process, WAIT, handled, news, operator_bot, user};
use crate::support::feed_server::FeedServer;
use crate::support::telegram::{Chat, FakeTelegram};
use std::time::{Duration, Instant};

/// The most a bot may grow (peak resident memory) while it reads and answers one import.
const GROWTH_KIB: u64 = 64 * 1024;

/// Sends `doc` with the caption `/import` and waits until the update is handled; returns
/// the replies to it, how long it took and the peak memory before and after.
async fn import(
    tg: &FakeTelegram,
    bot: &Process,
    doc: Vec<u8>,
    within: Duration,
) -> (Vec<String>, Duration, u64, u64) {
    let before = tg.sent_to(ADMIN).len();
    let peak_before = bot.peak_rss_kib();
    let started = Instant::now();
    tg.push_document(
        Chat::private(ADMIN),
        user(ADMIN),
        "partners.opml",
        doc,
        Some("/import"),
    );
    let id = tg.with_state(|s| s.last_update_id);
    assert!(
        tg.wait_until(|s| s.confirmed_update_id >= id, within).await,
        "the import finishes within {within:?}"
    );
    let took = started.elapsed();
    handled(tg, id).await;
    let replies = tg
        .sent_to(ADMIN)
        .into_iter()
        .skip(before)
        .map(|m| m.visible_text)
        .collect();
    (replies, took, peak_before, bot.peak_rss_kib())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opml_imports_of_5000_and_1000_feeds_get_one_reply_in_bounded_time_and_memory() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    const MOST: usize = 1_000;
    for i in 0..MOST {
        feeds.set(
            &format!("/p{i}.xml"),
            FeedServer::rss(&format!("Partner {i}"), &[news(1)]),
            "application/rss+xml",
        );
    }
    let bot = operator_bot(&tg, dir.path(), None, "1").spawn();
    assert!(tg.wait_polling(WAIT).await, "the bot polls");

    // 5,000 feeds: more than one import takes. One reply says so; nothing is added.
    let doc = opml(5_000, |i| feeds.url(&format!("/p{i}.xml")));
    let size = doc.len();
    let (replies, took, before, after) = import(&tg, &bot, doc, WAIT).await;
    println!("/import of 5,000 feeds ({size} bytes): {took:?}, VmHWM {before} -> {after} KiB");
    assert_eq!(replies.len(), 1, "one reply: {replies:?}");
    assert!(
        replies[0].contains("more than 1000 feeds"),
        "{}",
        replies[0]
    );
    assert_eq!(feeds.requests("/p0.xml"), 0, "no feed was fetched");
    assert!(
        after <= before + GROWTH_KIB,
        "VmHWM {before} -> {after} KiB"
    );

    // 1,000 feeds, the most one import takes: all added (each fetched first), one reply
    // (clipped to fit one message).
    let doc = opml(MOST, |i| feeds.url(&format!("/p{i}.xml")));
    let (replies, took, before, after) = import(&tg, &bot, doc, Duration::from_secs(300)).await;
    println!("/import of {MOST} feeds: {took:?}, VmHWM {before} -> {after} KiB");
    assert_eq!(replies.len(), 1, "one reply");
    assert!(
        replies[0].starts_with(&format!(
            "Import: {MOST} added, 0 already there, 0 refused."
        )),
        "{:.300}",
        replies[0]
    );
    assert!(replies[0].chars().count() <= 4096);
    assert!(
        (0..MOST).all(|i| feeds.requests(&format!("/p{i}.xml")) >= 1),
        "each feed was fetched"
    );
    assert!(
        after <= before + GROWTH_KIB,
        "VmHWM {before} -> {after} KiB"
    );
    drop(bot);
}
