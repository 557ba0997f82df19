//! A "subscription ended" notice survives a crash: the binary dies right after the
//! delivery worker ended a subscription (Telegram refused the group for good) and before
//! the notice task queued the notice; after the restart the group's organizer is told
//! once.

use crate::harness::{Launch, WAIT, appeal, news, open_store, user};
use crate::support::feed_server::FeedServer;
use crate::support::telegram::{Chat, FakeTelegram, MemberStatus, TelegramState, group_id};
use solibot::crashpoint::{self, Point};

const FEED: &str = "/feed.xml";
const ENDED: &str = "Its subscription has ended";

fn rss(items: &[crate::support::feed_server::Item]) -> String {
    FeedServer::rss("Partner Relief Network", items)
}

fn told(s: &TelegramState, chat: i64) -> usize {
    s.sent_to(chat)
        .iter()
        .filter(|m| m.visible_text.contains(ENDED))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_ended_just_before_a_crash_is_told_once_after_the_restart() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    feeds.set(FEED, rss(&[news(1)]), "application/rss+xml");
    let toml = format!(
        "[[feeds]]\nurl = \"{}\"\nname = \"Partner\"\n",
        feeds.url(FEED)
    );
    // This run dies (abort, no shutdown path) when the notice task hears of an ended
    // subscription: after the worker's write, before the notice's.
    let bot = Launch::bot(&tg, dir.path(), &toml)
        .env(crashpoint::ENV, Point::Ended.name())
        .spawn();
    let (group, organizer) = (Chat::group(group_id(31), "Closed circle"), 8301);
    tg.set_member_status(group.id, organizer, MemberStatus::Administrator);
    tg.push_message(&group, user(organizer), "/start");
    assert!(
        tg.wait_until(|s| !s.sent_to(group.id).is_empty(), WAIT)
            .await,
        "the group is subscribed"
    );
    assert!(
        feeds.wait_requests(FEED, 2, WAIT).await,
        "the backlog is taken"
    );

    // The bot is removed from the group; the next alert is refused for good.
    tg.set_bot_status(group.id, MemberStatus::Left);
    feeds.set(FEED, rss(&[appeal(1), news(1)]), "application/rss+xml");
    // It dies once the subscription ended.
    let status = bot.finish(WAIT).status;
    assert!(!status.success(), "{status:?}");
    assert_eq!(tg.with_state(|s| told(s, organizer)), 0);
    {
        let store = open_store(dir.path()).await;
        assert_eq!(store.subscriber(group.id).unwrap(), None, "ended");
        let pending = store.ended_pending().expect("pending ends read");
        assert_eq!(
            pending.iter().map(|e| e.record.chat_id).collect::<Vec<_>>(),
            [group.id],
            "the end is pending: {pending:?}"
        );
    }

    let mut bot = Launch::bot(&tg, dir.path(), &toml).spawn();
    assert!(
        tg.wait_until(|s| told(s, organizer) > 0, WAIT).await,
        "the organizer is told after the restart: {:?}",
        tg.sent_to(organizer)
    );
    assert!(bot.terminate().success(), "exit 0 after SIGTERM");
    assert_eq!(tg.with_state(|s| told(s, organizer)), 1, "told once");
    let store = open_store(dir.path()).await;
    assert!(store.ended_pending().unwrap().is_empty());
    let left = store.outbox().expect("the outbox reads");
    assert!(left.iter().all(|(k, _)| k.chat_id != organizer), "{left:?}");
}
