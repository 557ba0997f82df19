//! Delivery under Telegram's real conditions: faults, blocked chats, migrations, floods,
//! and a digest after an outage.

use crate::harness::*;
use crate::support::feed_server::{FeedServer, Item};
use crate::support::telegram::{
    Chat, Failure, FakeOptions, FakeTelegram, MemberStatus, TelegramState, channel_id, group_id,
    supergroup_id,
};
use std::time::Duration;

fn rss(items: &[Item]) -> String {
    FeedServer::rss("Partner Relief Network", items)
}

/// Starts the bot with subscribers and one feed already added (backlog seen), with
/// Telegram's rates ×10.
async fn setup(
    tg: &FakeTelegram,
    feeds: &FeedServer,
    dir: &std::path::Path,
    subs: &[i64],
) -> Running {
    setup_at(tg, feeds, dir, subs, "10").await
}

/// [`setup`] with Telegram's rates × `scale`.
async fn setup_at(
    tg: &FakeTelegram,
    feeds: &FeedServer,
    dir: &std::path::Path,
    subs: &[i64],
    scale: &str,
) -> Running {
    feeds.set("/feed.xml", rss(&[news(1)]), "application/rss+xml");
    let bot = Running::start(config(tg, dir, &[("SOLIBOT_RATE_SCALE", scale)]), tg).await;
    for id in subs {
        tg.push_message(
            crate::support::telegram::Chat::private(*id),
            user(*id),
            "/start",
        );
    }
    assert!(
        tg.wait_until(|s| subs.iter().all(|id| !s.sent_to(*id).is_empty()), WAIT)
            .await
    );
    let r = command(tg, ADMIN, &format!("/addfeed {}", feeds.url("/feed.xml"))).await;
    assert!(r.starts_with("Added feed"), "{r}");
    bot
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_on_ten_percent_of_sends_and_429s_still_give_exactly_once() {
    let tg = FakeTelegram::start_with(FakeOptions {
        fault_rate_5xx_or_drop: 0.10,
        fault_rate_429: 0.05,
        fault_retry_after: 1,
        seed: 42,
        ..FakeOptions::default()
    })
    .await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    // Faults hit replies too; subscribe without depending on them.
    let subs: Vec<i64> = (7001..7061).collect();
    feeds.set("/feed.xml", rss(&[news(1)]), "application/rss+xml");
    let bot = Running::start(
        config(&tg, dir.path(), &[("SOLIBOT_RATE_SCALE", "10")]),
        &tg,
    )
    .await;
    for id in &subs {
        tg.push_message(
            crate::support::telegram::Chat::private(*id),
            user(*id),
            "/start",
        );
    }
    tg.push_message(
        crate::support::telegram::Chat::private(ADMIN),
        user(ADMIN),
        &format!("/addfeed {}", feeds.url("/feed.xml")),
    );
    assert!(tg.wait_updates_consumed(WAIT).await);
    assert!(
        feeds.wait_requests("/feed.xml", 1, WAIT).await,
        "the feed is added and polled"
    );
    polls_pass(&feeds, "/feed.xml", 2).await;
    let start_replies: Vec<usize> = subs.iter().map(|id| tg.sent_to(*id).len()).collect();

    feeds.set(
        "/feed.xml",
        rss(&[appeal(1), news(1)]),
        "application/rss+xml",
    );
    let all = tg
        .wait_until(
            |s| {
                subs.iter()
                    .zip(&start_replies)
                    .all(|(id, before)| s.sent_to(*id).len() > *before)
            },
            Duration::from_secs(90),
        )
        .await;
    assert!(all, "every chat gets the alert despite the faults");
    polls_pass(&feeds, "/feed.xml", 2).await;
    for (id, before) in subs.iter().zip(&start_replies) {
        assert_eq!(
            tg.sent_to(*id).len(),
            before + 1,
            "chat {id} has the alert exactly once"
        );
    }
    let injected = tg.with_state(|s| s.error_replies.len());
    println!(
        "fault injection: {injected} failed answers, {} chats each got the alert exactly once",
        subs.len()
    );
    assert!(injected > 0, "faults were injected");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_gone_and_migrated_chats_are_handled_per_chat() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let subs = [8001, 8002, 8003, 8004];
    let bot = setup(&tg, &feeds, dir.path(), &subs).await;

    // A group subscribed by its admin, later migrated to a supergroup.
    let group = crate::support::telegram::Chat::group(-4_100, "Circle");
    tg.set_member_status(
        -4_100,
        8100,
        crate::support::telegram::MemberStatus::Administrator,
    );
    tg.push_message(group, user(8100), "/start");
    assert!(tg.wait_until(|s| !s.sent_to(-4_100).is_empty(), WAIT).await);
    let new_id = -1_001_234_567_001;

    tg.fail_chat(8001, Failure::Blocked, None);
    tg.fail_chat(8002, Failure::ChatNotFound, None);
    tg.fail_chat(8003, Failure::Flood { retry_after: 2 }, Some(1));
    tg.fail_chat(-4_100, Failure::Migrate(new_id), None);

    feeds.set(
        "/feed.xml",
        rss(&[appeal(1), news(1)]),
        "application/rss+xml",
    );
    assert!(
        tg.wait_until(|s| s.sent_to(8004).len() >= 2, WAIT).await,
        "healthy chat served"
    );
    assert!(
        tg.wait_until(|s| !s.sent_to(new_id).is_empty(), WAIT).await,
        "resent to the supergroup"
    );
    assert!(
        tg.wait_until(|s| s.sent_to(8003).len() >= 2, WAIT).await,
        "flooded chat served after its wait"
    );
    let (first, retry) = {
        let calls = tg.calls_of("sendMessage");
        let to_8003: Vec<_> = calls
            .iter()
            .filter(|c| c.params.get("chat_id").and_then(|v| v.as_i64()) == Some(8003))
            .map(|c| c.at)
            .collect();
        (to_8003[to_8003.len() - 2], to_8003[to_8003.len() - 1])
    };
    assert!(
        retry.duration_since(first) >= Duration::from_millis(1900),
        "waited retry_after"
    );

    // Blocked and not-found chats were unsubscribed: the next alert does not try them.
    feeds.set(
        "/feed.xml",
        rss(&[appeal(2), appeal(1), news(1)]),
        "application/rss+xml",
    );
    assert!(tg.wait_until(|s| s.sent_to(8004).len() >= 3, WAIT).await);
    assert!(
        tg.wait_until(|s| s.sent_to(new_id).len() >= 2, WAIT).await,
        "migrated subscription kept"
    );
    polls_pass(&feeds, "/feed.xml", 2).await;
    let tries = |id: i64| {
        tg.calls_of("sendMessage")
            .iter()
            .filter(|c| c.params.get("chat_id").and_then(|v| v.as_i64()) == Some(id))
            .count()
    };
    // /start reply + one refused alert each, nothing more.
    assert_eq!(tries(8001), 2, "blocked chat dropped after the 403");
    assert_eq!(tries(8002), 2, "unknown chat dropped after the 400");
    let stats = command(&tg, ADMIN, "/stats").await;
    assert!(stats.contains("Subscribers: 3"), "{stats}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_than_five_waiting_alerts_arrive_as_one_digest() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = setup(&tg, &feeds, dir.path(), &[9001]).await;
    let items: Vec<Item> = (1..=7).map(appeal).chain([news(1)]).collect();
    feeds.set("/feed.xml", rss(&items), "application/rss+xml");
    assert!(tg.wait_until(|s| s.sent_to(9001).len() >= 2, WAIT).await);
    polls_pass(&feeds, "/feed.xml", 2).await;
    let sent = tg.sent_to(9001);
    assert_eq!(sent.len(), 2, "one digest, not a burst of seven");
    let digest = &sent[1].visible_text;
    for n in 1..=7 {
        assert!(
            digest.contains(&format!("({n})")),
            "digest lists appeal {n}: {digest}"
        );
    }
    bot.stop().await;
}

/// Send attempts (accepted or refused) to one chat.
fn attempts(tg: &FakeTelegram, chat: i64) -> usize {
    tg.calls_of("sendMessage")
        .iter()
        .filter(|c| c.params.get("chat_id").and_then(|v| v.as_i64()) == Some(chat))
        .count()
}

/// Messages to `user` that contain `what`.
fn told(s: &TelegramState, user: i64, what: &str) -> usize {
    s.sent_to(user)
        .iter()
        .filter(|m| m.visible_text.contains(what))
        .count()
}

/// Subscribes a group (or a forum topic) by one of its administrators.
async fn start_in(tg: &FakeTelegram, chat: &Chat, admin: i64, topic: Option<i64>) {
    tg.set_member_status(chat.id, admin, MemberStatus::Administrator);
    let before = tg.sent_to(chat.id).len();
    match topic {
        Some(t) => tg.push_message_in_thread(chat, user(admin), "/start", t),
        None => tg.push_message(chat, user(admin), "/start"),
    };
    assert!(
        tg.wait_until(|s| s.sent_to(chat.id).len() > before, WAIT)
            .await
    );
    assert!(
        tg.sent_to(chat.id)[before]
            .visible_text
            .contains("Subscribed")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chats_the_bot_cannot_post_in_end_after_one_refusal_and_their_organizer_is_told() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (blocker, healthy) = (8101, 8104);
    let bot = setup(&tg, &feeds, dir.path(), &[blocker, healthy]).await;
    let removed = Chat::group(group_id(11), "Removed circle");
    let restricted = Chat::supergroup(supergroup_id(12), "Muted circle", false);
    let forum = Chat::supergroup(supergroup_id(13), "Forum", true);
    let kept = Chat::group(group_id(14), "Kept circle");
    start_in(&tg, &removed, 8201, None).await;
    start_in(&tg, &restricted, 8202, None).await;
    start_in(&tg, &forum, 8203, Some(77)).await;
    start_in(&tg, &kept, 8204, None).await;
    let chan = Chat::channel(channel_id(15), "Relief News");
    tg.add_chat(&chan);
    tg.set_bot_status(chan.id, MemberStatus::Administrator);
    tg.set_member_status(chan.id, 8205, MemberStatus::Creator);
    command(&tg, ADMIN, "/grant 8205").await;
    let r = command(&tg, 8205, &format!("/addchannel {}", chan.id)).await;
    assert!(r.contains("will get the alerts"), "{r}");

    // Removed, restricted, demoted or deleted while the bot was not listening.
    tg.set_bot_status(blocker, MemberStatus::Kicked);
    tg.set_bot_status(removed.id, MemberStatus::Left);
    tg.set_bot_status(restricted.id, MemberStatus::Restricted);
    tg.delete_topic(forum.id, 77);
    tg.set_bot_status(chan.id, MemberStatus::Member);
    let gone = [blocker, removed.id, restricted.id, forum.id, chan.id];
    let organizers = [8201, 8202, 8203, 8205];
    let tried: Vec<usize> = gone.iter().map(|c| attempts(&tg, *c)).collect();

    feeds.set(
        "/feed.xml",
        rss(&[appeal(1), news(1)]),
        "application/rss+xml",
    );
    let ended = "Its subscription has ended";
    for (who, chat) in organizers.iter().zip(&gone[1..]) {
        assert!(
            tg.wait_until(|s| told(s, *who, ended) > 0, WAIT).await,
            "{who} is told that {chat} ended"
        );
        let named = tg.with_state(|s| told(s, *who, &chat.to_string()));
        assert!(named > 0, "the notice names {chat}");
    }
    assert!(tg.wait_until(|s| s.sent_to(healthy).len() >= 2, WAIT).await);
    assert!(tg.wait_until(|s| s.sent_to(kept.id).len() >= 2, WAIT).await);
    let stats = command(&tg, ADMIN, "/stats").await;
    assert!(
        stats.contains("Subscribers: 2"),
        "only the two that work: {stats}"
    );

    // A later alert reaches the others and is not even tried where Telegram refused.
    feeds.set(
        "/feed.xml",
        rss(&[appeal(2), appeal(1), news(1)]),
        "application/rss+xml",
    );
    assert!(tg.wait_until(|s| s.sent_to(healthy).len() >= 3, WAIT).await);
    assert!(tg.wait_until(|s| s.sent_to(kept.id).len() >= 3, WAIT).await);
    for (chat, before) in gone.iter().zip(&tried) {
        assert_eq!(
            attempts(&tg, *chat),
            before + 1,
            "{chat}: one refused send, no retry"
        );
    }
    for who in organizers {
        assert_eq!(tg.with_state(|s| told(s, who, ended)), 1, "{who} told once");
    }
    bot.stop().await;
}

/// A fake that refuses anything over Telegram's limits (×`scale`) with no slack at all.
async fn strict_limits(scale: f64) -> FakeTelegram {
    FakeTelegram::start_with(FakeOptions {
        enforce_limits: true,
        limits_scale: scale,
        limit_slack: 0,
        ..FakeOptions::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_replies_and_notices_together_keep_the_limits_with_no_slack() {
    // Telegram's own rates: a reply and an alert to one chat within a second is a 429.
    let tg = strict_limits(1.0).await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let subs: Vec<i64> = (8301..8341).collect();
    let bot = setup_at(&tg, &feeds, dir.path(), &subs, "1").await;
    let group = Chat::group(group_id(31), "Busy circle");
    let lost = Chat::group(group_id(32), "Lost circle");
    start_in(&tg, &group, subs[0], None).await;
    start_in(&tg, &lost, subs[1], None).await;
    tg.set_bot_status(lost.id, MemberStatus::Left);

    for round in 1..=2u32 {
        let items: Vec<_> = (1..=round).rev().map(appeal).chain([news(1)]).collect();
        feeds.set("/feed.xml", rss(&items), "application/rss+xml");
        // Every subscriber talks to the bot while its alert is on the way.
        for id in &subs {
            tg.push_message(Chat::private(*id), user(*id), "/help");
        }
        tg.push_message(&group, user(subs[0]), "/settings");
        let want = 1 + 2 * round as usize;
        let all = tg
            .wait_until(
                |s| subs.iter().all(|id| s.sent_to(*id).len() > want - 1),
                WAIT,
            )
            .await;
        assert!(
            all,
            "round {round}: each subscriber has its alert and its reply"
        );
        assert!(
            tg.wait_until(|s| s.sent_to(group.id).len() > 2 * round as usize, WAIT)
                .await
        );
    }
    assert!(
        tg.wait_until(
            |s| told(s, subs[1], "Its subscription has ended") == 1,
            WAIT
        )
        .await,
        "the notice went out too"
    );
    let refused: Vec<_> = tg
        .error_replies()
        .into_iter()
        .filter(|e| e.code == 429)
        .collect();
    assert!(refused.is_empty(), "no send over a limit: {refused:?}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_group_gets_at_most_twenty_messages_a_minute_with_no_slack() {
    let tg = strict_limits(1.0).await;
    let dir = tempfile::tempdir().unwrap();
    let bot = Running::start(config(&tg, dir.path(), &[]), &tg).await;
    let group = Chat::group(group_id(41), "Chatty circle");
    start_in(&tg, &group, 8401, None).await;
    const ASKED: usize = 23;
    for n in 0..ASKED {
        tg.push_message(&group, user(8402 + n as i64), "/settings");
    }
    let all = tg
        .wait_until(
            |s| s.sent_to(group.id).len() > ASKED,
            Duration::from_secs(100),
        )
        .await;
    assert!(all, "every command in the group is answered");
    let sent = tg.sent_to(group.id);
    let (first, twenty_first) = (sent[0].at, sent[20].at);
    assert!(
        twenty_first.duration_since(first) >= Duration::from_secs(60),
        "the 21st message waits for the first to leave the minute"
    );
    assert_eq!(tg.count_429(), 0, "{:?}", tg.error_replies());
    bot.stop().await;
}

/// Alerts (HTML messages) a chat received.
fn alerts(s: &TelegramState, chat: i64) -> usize {
    s.sent_to(chat)
        .iter()
        .filter(|m| m.parse_mode.as_deref() == Some("HTML"))
        .count()
}

/// Telegram cannot deduplicate: a message it delivered but whose answer was lost (the
/// connection dropped, or a 500 after the send) is sent again when the bot retries. Each
/// lost answer may cost one duplicate, never more, and never a lost message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_lost_after_the_send_costs_at_most_one_duplicate() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let subs: Vec<i64> = (8501..8521).collect();
    let bot = setup(&tg, &feeds, dir.path(), &subs).await;
    // Telegram delivers, then the answer never arrives (dropped connection) or is a 500:
    // once for some chats, twice for others.
    let mut lost: Vec<(i64, Failure, usize)> = subs
        .iter()
        .step_by(4)
        .map(|id| (*id, Failure::DropAfterSend, 1))
        .collect();
    lost.push((subs[1], Failure::DropAfterSend, 2));
    lost.push((subs[2], Failure::ServerErrorAfterSend, 1));
    lost.push((subs[3], Failure::ServerErrorAfterSend, 2));
    lost.push((subs[5], Failure::ServerErrorAfterSend, 1));
    for (id, failure, times) in &lost {
        tg.fail_chat(*id, failure.clone(), Some(*times));
    }
    let lost_times = |id: i64| {
        lost.iter()
            .find(|(c, _, _)| *c == id)
            .map_or(0, |(_, _, t)| *t)
    };
    feeds.set(
        "/feed.xml",
        rss(&[appeal(1), news(1)]),
        "application/rss+xml",
    );
    let all = tg
        .wait_until(
            |s| subs.iter().all(|id| alerts(s, *id) > lost_times(*id)),
            Duration::from_secs(60),
        )
        .await;
    assert!(all, "every chat has the alert, the lost answers resent");
    // A later alert proves the first is over: nothing more comes of the lost answers.
    feeds.set(
        "/feed.xml",
        rss(&[appeal(2), appeal(1), news(1)]),
        "application/rss+xml",
    );
    let second = |s: &TelegramState, id: i64| {
        s.sent_to(id)
            .iter()
            .any(|m| m.visible_text.contains("aid workers (2)"))
    };
    assert!(
        tg.wait_until(|s| subs.iter().all(|id| second(s, *id)), WAIT)
            .await
    );
    let lost_answers: usize = lost.iter().map(|(_, _, t)| t).sum();
    let duplicates: usize =
        tg.with_state(|s| subs.iter().map(|id| alerts(s, *id).saturating_sub(2)).sum());
    let after_5xx: usize = tg.with_state(|s| {
        lost.iter()
            .filter(|(_, f, _)| *f == Failure::ServerErrorAfterSend)
            .map(|(id, _, _)| alerts(s, *id).saturating_sub(2))
            .sum()
    });
    println!(
        "{lost_answers} answers lost after the send: {duplicates} duplicate alerts \
         ({after_5xx} after a 500)"
    );
    for id in &subs {
        let times = lost_times(*id);
        let got = tg.with_state(|s| alerts(s, *id));
        assert!(
            got <= 2 + times,
            "chat {id}: {got} alerts for {times} lost answers"
        );
    }
    assert!(
        duplicates <= lost_answers,
        "at most one duplicate per lost answer"
    );
    bot.stop().await;
}

/// A group upgraded to a supergroup: Telegram's service message (`migrate_to_chat_id` in
/// an update) moves the subscription before any send, so the next alert goes to the
/// supergroup and the old id is never tried (the 400 "upgraded" answer is the other
/// path, above).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upgrade_service_message_moves_a_groups_subscription_before_any_send() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = setup(&tg, &feeds, dir.path(), &[8601]).await;
    let group = Chat::group(group_id(61), "Upgraded circle");
    start_in(&tg, &group, 8602, None).await;
    let tried = attempts(&tg, group.id);
    let supergroup = tg.migrate(&group, supergroup_id(61), &user(8602));
    let update = tg.with_state(|s| s.last_update_id);
    handled(&tg, update).await;

    feeds.set(
        "/feed.xml",
        rss(&[appeal(1), news(1)]),
        "application/rss+xml",
    );
    assert!(
        tg.wait_until(|s| alerts(s, supergroup.id) >= 1, WAIT).await,
        "the supergroup gets the alert"
    );
    assert!(tg.wait_until(|s| alerts(s, 8601) >= 1, WAIT).await);
    polls_pass(&feeds, "/feed.xml", 2).await;
    assert_eq!(
        attempts(&tg, group.id),
        tried,
        "nothing was sent to the old id: the service message moved the subscription"
    );
    assert_eq!(tg.with_state(|s| alerts(s, supergroup.id)), 1);
    let stats = command(&tg, ADMIN, "/stats").await;
    assert!(stats.contains("Subscribers: 2"), "{stats}");
    bot.stop().await;
}
