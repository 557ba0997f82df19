//! Review before broadcast against the fake Bot API and the local feed server: a feed
//! under review reaches only its organizers until one approves; Approve sends once
//! whatever presses arrive; Reject sends nothing; an action link to a site new to a
//! trusted feed is held while a known site is not; a kill -9 between the approval and
//! the broadcast loses nothing.

use crate::harness::*;
use crate::support::feed_server::{FeedServer, Item};
use crate::support::telegram::{Chat, FakeTelegram, SentMessage};
use serde_json::Value;

const ORGANIZER: i64 = 90_002;
const SUBSCRIBERS: [i64; 2] = [1001, 1002];

/// A donation appeal whose action link goes to a fundraising site (`host`).
fn donate_at(n: u32, host: &str) -> Item {
    Item::new(
        &format!("donate-{n}"),
        &format!("Winter emergency: donate blankets and fuel for displaced families ({n})"),
        &format!("https://partner.example/donate/{n}"),
        &format!(
            "<p>Please donate today to our winter emergency appeal ({n}). Every gift buys \
             blankets and heating fuel for displaced families in the camps. \
             <a href=\"https://{host}/f/winter-blankets-{n}\">Donate now</a>.</p>"
        ),
    )
}

/// The `callback_data` of the button labelled `label` on a sent message, if any.
fn button(m: &SentMessage, label: &str) -> Option<String> {
    let rows = m
        .reply_markup
        .as_ref()?
        .get("inline_keyboard")?
        .as_array()?;
    rows.iter()
        .filter_map(Value::as_array)
        .flatten()
        .find(|b| b.get("text").and_then(Value::as_str) == Some(label))?
        .get("callback_data")?
        .as_str()
        .map(str::to_string)
}

/// The previews (messages with an Approve button) `chat` got.
fn previews(tg: &FakeTelegram, chat: i64) -> Vec<SentMessage> {
    tg.sent_to(chat)
        .into_iter()
        .filter(|m| button(m, "Approve").is_some())
        .collect()
}

async fn wait_previews(tg: &FakeTelegram, chat: i64, n: usize) -> Vec<SentMessage> {
    assert!(
        tg.wait_until(
            |s| {
                s.sent_to(chat)
                    .iter()
                    .filter(|m| button(m, "Approve").is_some())
                    .count()
                    >= n
            },
            WAIT
        )
        .await,
        "{n} preview(s) reach {chat}"
    );
    previews(tg, chat)
}

/// Presses `label` on `preview` as its chat's user; returns the update id.
fn press(tg: &FakeTelegram, preview: &SentMessage, label: &str) -> i64 {
    let data = button(preview, label).expect("the preview has the button");
    tg.press_button(
        preview.chat_id,
        user(preview.chat_id),
        preview.message_id,
        &data,
    )
    .expect("Telegram's client can press it")
}

/// The texts of the first `n` answers to presses, once there are that many.
async fn answers(tg: &FakeTelegram, n: usize) -> Vec<String> {
    assert!(
        tg.wait_until(|s| s.callback_answers.len() >= n, WAIT).await,
        "{n} presses answered"
    );
    tg.with_state(|s| {
        s.callback_answers
            .iter()
            .map(|a| a["text"].as_str().unwrap_or("").to_string())
            .collect()
    })
}

/// The alerts a subscriber got (everything after its /start reply).
fn alerts(tg: &FakeTelegram, id: i64) -> Vec<SentMessage> {
    tg.sent_to(id).into_iter().skip(1).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_under_review_reaches_only_organizers_until_approved_once() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let backlog = [news(1)];
    let bot = start_scene(
        &tg,
        &feeds,
        dir.path(),
        &backlog,
        Some(ORGANIZER),
        &SUBSCRIBERS,
        &[],
    )
    .await;
    let id = add_feed(&tg, ORGANIZER, &feeds.url("/feed.xml")).await;
    let listed = command(&tg, ORGANIZER, "/feeds").await;
    assert!(
        listed.contains("under review"),
        "an organizer's feed starts under review: {listed}"
    );

    feeds.set(
        "/feed.xml",
        partner_rss(&[appeal(1), news(1)]),
        "application/rss+xml",
    );
    let mine = wait_previews(&tg, ORGANIZER, 1).await;
    let admins = wait_previews(&tg, ADMIN, 1).await;
    polls_pass(&feeds, "/feed.xml", 2).await;
    for s in SUBSCRIBERS {
        assert!(
            alerts(&tg, s).is_empty(),
            "{s} gets nothing before approval"
        );
    }
    let p = &mine[0];
    assert!(
        p.visible_text.contains("Held for review"),
        "{}",
        p.visible_text
    );
    assert!(
        p.visible_text.contains(&format!("feed {id}")),
        "{}",
        p.visible_text
    );
    assert!(p.visible_text.contains("free the detained aid workers (1)"));
    assert_eq!(button(p, "Reject").map(|d| d.len() <= 64), Some(true));

    // Both organizers press Approve at once: one approval, one "already".
    press(&tg, &mine[0], "Approve");
    press(&tg, &admins[0], "Approve");
    let said = answers(&tg, 2).await;
    assert_eq!(
        said.iter().filter(|a| a.starts_with("Approved")).count(),
        1,
        "{said:?}"
    );
    assert_eq!(
        said.iter()
            .filter(|a| a.starts_with("Already approved by"))
            .count(),
        1,
        "{said:?}"
    );
    for s in SUBSCRIBERS {
        assert!(
            tg.wait_until(|st| st.sent_to(s).len() >= 2, WAIT).await,
            "the approved alert reaches {s}"
        );
    }
    // The decided preview says who decided and lost its buttons.
    let edits = tg.edits();
    assert_eq!(edits.len(), 1, "{edits:?}");
    assert!(
        edits[0].visible_text.contains("Approved by"),
        "{:?}",
        edits[0]
    );
    assert!(edits[0].reply_markup.is_none());
    let decided = if edits[0].chat_id == ORGANIZER {
        &mine[0]
    } else {
        &admins[0]
    };
    let data = button(decided, "Approve").unwrap();
    assert!(
        tg.press_button(
            decided.chat_id,
            user(decided.chat_id),
            decided.message_id,
            &data
        )
        .is_err(),
        "the edited preview has no button left to press"
    );

    polls_pass(&feeds, "/feed.xml", 2).await;
    for s in SUBSCRIBERS {
        let got = alerts(&tg, s);
        assert_eq!(got.len(), 1, "one alert for {s}");
        assert!(
            got[0]
                .visible_text
                .contains("free the detained aid workers (1)")
        );
        assert!(
            button(&got[0], "Approve").is_none(),
            "subscribers get no buttons to decide"
        );
    }
    let stats = command(&tg, ADMIN, "/stats").await;
    assert!(
        stats.contains("Held for review: 1 (0 waiting, 1 approved, 0 rejected, 0 expired)"),
        "{stats}"
    );
    bot.stop().await;
    println!("{}", tg.transcript());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reject_is_final_and_approve_after_it_says_so() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = start_scene(&tg, &feeds, dir.path(), &[news(1)], None, &SUBSCRIBERS, &[]).await;
    let id = add_feed(&tg, ADMIN, &feeds.url("/feed.xml")).await;
    let listed = command(&tg, ADMIN, "/feeds").await;
    assert!(
        !listed.contains("under review"),
        "an admin's feed is trusted: {listed}"
    );
    let r = command(&tg, ORGANIZER, &format!("/review {id}")).await;
    assert!(r.contains("admins only"), "{r}");
    let r = command(&tg, ADMIN, &format!("/review {id}")).await;
    assert!(r.contains("under review"), "{r}");

    feeds.set(
        "/feed.xml",
        partner_rss(&[appeal(1), news(1)]),
        "application/rss+xml",
    );
    let p = wait_previews(&tg, ADMIN, 1).await;
    assert_eq!(p.len(), 1, "the adder is the admin: one preview");
    // Someone who may not decide (a subscriber replaying the button's data) is refused.
    let approve = button(&p[0], "Approve").unwrap();
    let s0 = SUBSCRIBERS[0];
    tg.push_callback_query(Chat::private(s0), user(s0), 1, &approve);
    let said = answers(&tg, 1).await;
    assert!(
        said[0].starts_with("Only the organizer who added"),
        "{said:?}"
    );
    press(&tg, &p[0], "Reject");
    assert!(answers(&tg, 2).await[1].starts_with("Rejected"));
    assert!(
        tg.wait_until(|s| !s.edits.is_empty(), WAIT).await,
        "the preview is edited"
    );
    assert!(tg.edits()[0].visible_text.contains("Rejected by"));
    // The same press again (a client that kept the old keyboard): it says so.
    let data = button(&p[0], "Approve").unwrap();
    tg.push_callback_query(Chat::private(ADMIN), user(ADMIN), p[0].message_id, &data);
    let said = answers(&tg, 3).await;
    assert!(said[2].starts_with("Already rejected by"), "{said:?}");

    // Trusted again, the next appeal goes straight out; the rejected one never does.
    let r = command(&tg, ADMIN, &format!("/trust {id}")).await;
    assert!(r.contains("trusted"), "{r}");
    feeds.set(
        "/feed.xml",
        partner_rss(&[appeal(2), appeal(1), news(1)]),
        "application/rss+xml",
    );
    for s in SUBSCRIBERS {
        assert!(tg.wait_until(|st| st.sent_to(s).len() >= 2, WAIT).await);
    }
    polls_pass(&feeds, "/feed.xml", 2).await;
    for s in SUBSCRIBERS {
        let got = alerts(&tg, s);
        assert_eq!(got.len(), 1, "{s}: only the trusted feed's new appeal");
        assert!(got[0].visible_text.contains("(2)"));
    }
    let stats = command(&tg, ADMIN, "/stats").await;
    assert!(stats.contains("0 approved, 1 rejected"), "{stats}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_site_on_a_trusted_feed_is_held_and_a_known_one_is_not() {
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    // The backlog links to the petition site: it counts as seen.
    let backlog = [appeal(1), news(1)];
    let on = [REVIEW_NEW_SITES_ON];
    let bot = start_scene(&tg, &feeds, dir.path(), &backlog, None, &SUBSCRIBERS, &on).await;
    add_feed(&tg, ADMIN, &feeds.url("/feed.xml")).await;

    // A known site goes out at once.
    feeds.set(
        "/feed.xml",
        partner_rss(&[appeal(2), appeal(1), news(1)]),
        "application/rss+xml",
    );
    for s in SUBSCRIBERS {
        assert!(
            tg.wait_until(|st| st.sent_to(s).len() >= 2, WAIT).await,
            "{s}"
        );
    }
    // A site the feed never linked to is held.
    let items = [donate_at(3, "www.gofundme.com"), appeal(2), appeal(1)];
    feeds.set("/feed.xml", partner_rss(&items), "application/rss+xml");
    let p = wait_previews(&tg, ADMIN, 1).await;
    assert!(
        p[0].visible_text.contains("gofundme.com"),
        "{}",
        p[0].visible_text
    );
    polls_pass(&feeds, "/feed.xml", 2).await;
    for s in SUBSCRIBERS {
        assert_eq!(
            alerts(&tg, s).len(),
            1,
            "{s}: the new site's appeal is held"
        );
    }
    press(&tg, &p[0], "Approve");
    assert!(answers(&tg, 1).await[0].starts_with("Approved"));
    for s in SUBSCRIBERS {
        assert!(
            tg.wait_until(|st| st.sent_to(s).len() >= 3, WAIT).await,
            "{s}"
        );
    }
    // Approved, its site is known: the next appeal linking there is not held.
    let items = [
        donate_at(4, "gofundme.com"),
        donate_at(3, "www.gofundme.com"),
    ];
    feeds.set("/feed.xml", partner_rss(&items), "application/rss+xml");
    for s in SUBSCRIBERS {
        assert!(
            tg.wait_until(|st| st.sent_to(s).len() >= 4, WAIT).await,
            "{s}"
        );
    }
    polls_pass(&feeds, "/feed.xml", 2).await;
    assert_eq!(previews(&tg, ADMIN).len(), 1, "no second preview");
    for s in SUBSCRIBERS {
        assert_eq!(alerts(&tg, s).len(), 3, "{s}");
    }
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_between_approve_and_broadcast_loses_nothing() {
    use crate::support::telegram::Failure;
    let tg = FakeTelegram::start().await;
    let feeds = FeedServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    feeds.set("/feed.xml", partner_rss(&[news(1)]), "application/rss+xml");
    let mut bot = Launch::bot(&tg, dir.path(), "")
        .envs(&[REVIEW_NEW_SITES_ON])
        .spawn();
    assert!(tg.wait_polling(WAIT).await);
    subscribe(&tg, &SUBSCRIBERS).await;
    let id = add_feed(&tg, ADMIN, &feeds.url("/feed.xml")).await;
    command(&tg, ADMIN, &format!("/review {id}")).await;
    feeds.set(
        "/feed.xml",
        partner_rss(&[appeal(1), news(1)]),
        "application/rss+xml",
    );
    let p = wait_previews(&tg, ADMIN, 1).await;

    // Subscribers' chats answer 429 for a minute: the approval is queued, not sent.
    for s in SUBSCRIBERS {
        tg.fail_chat(s, Failure::Flood { retry_after: 60 }, None);
    }
    press(&tg, &p[0], "Approve");
    assert!(answers(&tg, 1).await[0].starts_with("Approved"));
    bot.kill9();
    for s in SUBSCRIBERS {
        assert!(
            alerts(&tg, s).is_empty(),
            "{s}: killed before the broadcast"
        );
        tg.clear_chat_failure(s);
    }

    bot.restart();
    for s in SUBSCRIBERS {
        assert!(
            tg.wait_until(|st| st.sent_to(s).len() >= 2, WAIT).await,
            "the approved alert reaches {s} after the restart"
        );
    }
    polls_pass(&feeds, "/feed.xml", 2).await;
    for s in SUBSCRIBERS {
        assert_eq!(alerts(&tg, s).len(), 1, "{s}: once");
    }
    assert_eq!(
        previews(&tg, ADMIN).len(),
        1,
        "the preview is not sent again"
    );
}

/// POSTs a JSON body to the fake as teloxide does; the HTTP status and the body.
async fn call(tg: &FakeTelegram, method: &str, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest client")
        .post(tg.method_url(method))
        .json(&body)
        .send()
        .await
        .expect("request to the fake");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("a JSON body"))
}

#[tokio::test]
async fn the_fake_presses_only_real_buttons_and_edits_strictly() {
    use serde_json::json;
    let tg = FakeTelegram::start().await;
    let chat = 1001;
    tg.add_chat(Chat::private(chat));
    let keyboard = json!({"inline_keyboard": [[
        {"text": "Approve", "callback_data": "rv:a:7"},
        {"text": "Reject", "callback_data": "rv:r:7"},
    ]]});
    let (code, sent) = call(
        &tg,
        "sendMessage",
        json!({"chat_id": chat, "text": "<b>held</b>", "parse_mode": "HTML", "reply_markup": keyboard}),
    )
    .await;
    assert_eq!(code, 200, "{sent}");
    let id = sent["result"]["message_id"].as_i64().unwrap();

    // Pressing: only a button the message has, on a message that exists in that chat.
    assert!(tg.press_button(chat, user(chat), id, "rv:a:8").is_err());
    assert!(tg.press_button(chat, user(chat), id + 1, "rv:a:7").is_err());
    assert!(tg.press_button(chat + 1, user(chat), id, "rv:a:7").is_err());
    let update = tg
        .press_button(chat, user(chat), id, "rv:a:7")
        .expect("a real button");
    let json = tg.update_json(update).expect("queued");
    assert_eq!(json["callback_query"]["data"], "rv:a:7");
    assert_eq!(json["callback_query"]["message"]["message_id"], id);

    // Editing: the message must exist in that chat; the same content is "not modified".
    let edit = |mid: i64, text: &str| json!({"chat_id": chat, "message_id": mid, "text": text, "parse_mode": "HTML"});
    let (code, r) = call(&tg, "editMessageText", edit(id + 1, "x")).await;
    assert_eq!(
        (code, r["description"].as_str()),
        (400, Some("Bad Request: message to edit not found"))
    );
    let (code, r) = call(&tg, "editMessageText", edit(id, "<b>done</b>")).await;
    assert_eq!(code, 200, "{r}");
    assert!(
        r["result"].get("reply_markup").is_none(),
        "no keyboard unless given again"
    );
    assert!(
        tg.press_button(chat, user(chat), id, "rv:a:7").is_err(),
        "the buttons went with the edit"
    );
    let (code, r) = call(&tg, "editMessageText", edit(id, "<b>done</b>")).await;
    assert_eq!(code, 400);
    assert!(
        r["description"]
            .as_str()
            .unwrap()
            .starts_with("Bad Request: message is not modified"),
        "{r}"
    );
    let (code, r) = call(
        &tg,
        "editMessageReplyMarkup",
        json!({"chat_id": chat, "message_id": id, "reply_markup": keyboard}),
    )
    .await;
    assert_eq!(code, 200, "{r}");
    assert!(
        tg.press_button(chat, user(chat), id, "rv:r:7").is_ok(),
        "buttons back"
    );
    let (code, _) = call(
        &tg,
        "editMessageReplyMarkup",
        json!({"chat_id": chat, "message_id": id, "reply_markup": keyboard}),
    )
    .await;
    assert_eq!(code, 400, "the same keyboard again is not a change");
    assert_eq!(tg.edits().len(), 2);
    assert_eq!(tg.message(chat, id).unwrap()["text"], "done");
}
