//! Self-tests of the test doubles in `tests/support/`: the fake Bot API and the feed server
//! are exercised with plain reqwest, so a bug in a double shows up here and not as a
//! puzzling failure of the program's own tests. No solibot code is used.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::feed_server::{FeedServer, Item};
use crate::support::gzip;
use crate::support::telegram::{
    Chat, ChatKind, Failure, FakeOptions, FakeTelegram, MemberStatus, User, group_id,
    supergroup_id, user_id,
};
use crate::support::tg_html::{parse_html_raw, parse_message_html, parse_telegram_html};

const T: Duration = Duration::from_secs(5);

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest client")
}

/// POSTs a JSON body the way teloxide does; returns the HTTP status and the body.
async fn call(tg: &FakeTelegram, method: &str, body: Value) -> (u16, Value) {
    let resp = client()
        .post(tg.method_url(method))
        .json(&body)
        .send()
        .await
        .expect("request to the fake");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).expect("JSON body"))
}

async fn raw_call(tg: &FakeTelegram, method: &str, body: Value) -> (u16, String) {
    let resp = client()
        .post(tg.method_url(method))
        .json(&body)
        .send()
        .await
        .expect("request to the fake");
    (resp.status().as_u16(), resp.text().await.expect("body"))
}

fn ann() -> User {
    User::new(user_id(1), "Ann").lang("ar")
}

// ----- Bot API: routing, encodings, envelope -----

#[tokio::test]
async fn method_names_are_case_insensitive() {
    let tg = FakeTelegram::start().await;
    for name in ["getMe", "GetMe", "GETME", "getme"] {
        let (status, body) = call(&tg, name, json!({})).await;
        assert_eq!(status, 200, "{name}");
        assert_eq!(body["ok"], true);
        assert_eq!(body["result"]["username"], tg.bot_username());
        assert_eq!(body["result"]["has_main_web_app"], false);
        assert_eq!(body["result"]["is_bot"], true);
    }
    let calls = tg.calls_of("getme");
    assert_eq!(calls.len(), 4);
    assert_eq!(calls[1].raw_method, "GetMe");
}

#[tokio::test]
async fn bad_token_unknown_method_and_unknown_path() {
    let tg = FakeTelegram::start().await;
    let url = format!("{}/bot999:WRONG/getMe", tg.api_url());
    let resp = client().get(url).send().await.expect("request");
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(
        resp.text().await.expect("body"),
        r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#
    );
    let (status, body) = raw_call(&tg, "sendTelepathy", json!({})).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        r#"{"ok":false,"error_code":404,"description":"Not Found"}"#
    );
    let resp = client()
        .get(format!("{}/nothing/here", tg.api_url()))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 404);
}

#[tokio::test]
async fn envelope_keys_and_http_status_equal_error_code() {
    let tg = FakeTelegram::start().await;
    let (status, body) = raw_call(&tg, "sendMessage", json!({"text": "hi"})).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        r#"{"ok":false,"error_code":400,"description":"Bad Request: chat_id is empty"}"#
    );
    let (status, body) = raw_call(&tg, "deleteWebhook", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        r#"{"ok":true,"result":true,"description":"Webhook is already deleted"}"#
    );
    let (status, body) = call(&tg, "getWebhookInfo", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["result"]["url"], "");
    assert_eq!(body["result"]["has_custom_certificate"], false);
    assert_eq!(body["result"]["pending_update_count"], 0);
}

#[tokio::test]
async fn json_form_query_and_nested_values_as_strings_are_equivalent() {
    let tg = FakeTelegram::start().await;
    let chat = user_id(10);
    let markup =
        json!({"inline_keyboard": [[{"text": "Sign", "url": "https://example.org/sign"}]]});
    // JSON body, nested values as JSON, chat_id as a number (what teloxide sends).
    let (status, _) = call(
        &tg,
        "SendMessage",
        json!({"chat_id": chat, "text": "<b>one</b> &amp;", "parse_mode": "HTML",
               "link_preview_options": {"is_disabled": true}, "reply_markup": markup}),
    )
    .await;
    assert_eq!(status, 200);
    // Form body, nested values as JSON-encoded strings, chat_id as a string.
    let resp = client()
        .post(tg.method_url("sendMessage"))
        .form(&[
            ("chat_id", chat.to_string()),
            ("text", "<b>two</b> &amp;".to_string()),
            ("parse_mode", "html".to_string()),
            (
                "link_preview_options",
                r#"{"is_disabled":true}"#.to_string(),
            ),
            ("reply_markup", markup.to_string()),
        ])
        .send()
        .await
        .expect("form request");
    assert_eq!(resp.status().as_u16(), 200);
    // Query string on a GET.
    let resp = client()
        .get(tg.method_url("sendmessage"))
        .query(&[("chat_id", chat.to_string()), ("text", "three".to_string())])
        .send()
        .await
        .expect("query request");
    assert_eq!(resp.status().as_u16(), 200);

    let sent = tg.sent_to(chat);
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0].visible_text, "one &");
    assert_eq!(sent[1].visible_text, "two &");
    assert_eq!(sent[2].visible_text, "three");
    for m in &sent[..2] {
        assert!(m.link_preview_disabled);
        assert_eq!(
            m.button_urls(),
            vec!["https://example.org/sign".to_string()]
        );
        assert_eq!(m.reply_markup.as_ref(), Some(&markup));
    }
    assert!(!sent[2].link_preview_disabled);
    assert_eq!(sent[2].parse_mode, None);
    // The recorded params are normalised: chat_id is a number whatever the encoding.
    let calls = tg.calls_of("sendMessage");
    assert!(calls.iter().all(|c| c.params["chat_id"] == json!(chat)));
    assert_eq!(calls[1].params["reply_markup"], markup);
}

#[tokio::test]
async fn multipart_send_document_get_file_and_percent_encoded_download() {
    let tg = FakeTelegram::start().await;
    let chat = user_id(11);
    let opml = b"<?xml version=\"1.0\"?><opml version=\"2.0\"><body/></opml>".to_vec();
    // The shape teloxide sends: text parts, and a file part without a Content-Type.
    let boundary = "XyZ0123456789boundary";
    let attach = "f0a1b2c3d4e5f60718293a4b5c6d7e8f";
    let mut form = Vec::new();
    for (name, value) in [
        ("chat_id", chat.to_string()),
        ("document", format!("attach://{attach}")),
        ("caption", "<b>Your feeds</b>".to_string()),
        ("parse_mode", "HTML".to_string()),
    ] {
        form.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    form.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{attach}\"; filename=\"feeds.opml\"\r\n\r\n")
            .as_bytes(),
    );
    form.extend_from_slice(&opml);
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let resp = client()
        .post(tg.method_url("SendDocument"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(form)
        .send()
        .await
        .expect("multipart request");
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.expect("json");
    let doc = &body["result"]["document"];
    assert_eq!(doc["file_name"], "feeds.opml");
    assert_eq!(doc["file_size"], opml.len());
    assert_eq!(body["result"]["caption"], "Your feeds");

    let docs = tg.documents_sent();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].bytes, opml);
    assert_eq!(docs[0].file_name.as_deref(), Some("feeds.opml"));

    let file_id = doc["file_id"].as_str().expect("file_id").to_string();
    let (status, file) = call(&tg, "GetFile", json!({"file_id": file_id})).await;
    assert_eq!(status, 200);
    let path = file["result"]["file_path"]
        .as_str()
        .expect("file_path")
        .to_string();
    assert!(path.contains('/'));
    // teloxide sends the '/' of the path as %2F.
    let url = tg.file_url(&path.replace('/', "%2F"));
    let got = client().get(url).send().await.expect("download");
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.bytes().await.expect("bytes").to_vec(), opml);

    let (status, body) = call(&tg, "getFile", json!({"file_id": "nope"})).await;
    assert_eq!(status, 400);
    assert_eq!(body["description"], "Bad Request: invalid file id");
    let (status, body) = call(&tg, "sendDocument", json!({"chat_id": chat})).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["description"],
        "Bad Request: there is no document in the request"
    );
}

#[tokio::test]
async fn set_my_commands_strips_slash_and_validates() {
    let tg = FakeTelegram::start().await;
    let (status, _) = call(
        &tg,
        "SetMyCommands",
        json!({"commands": [{"command": "/start", "description": "Subscribe"},
                            {"command": "addfeed", "description": "Add a feed"}]}),
    )
    .await;
    assert_eq!(status, 200);
    let names: Vec<String> = tg.commands().into_iter().map(|c| c.command).collect();
    assert_eq!(names, vec!["start", "addfeed"]);
    let (_, got) = call(&tg, "getMyCommands", json!({})).await;
    assert_eq!(got["result"][0]["command"], "start");

    let long = "a".repeat(33);
    let (status, body) = call(
        &tg,
        "setMyCommands",
        json!({"commands": [{"command": long, "description": "x"}]}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["description"],
        "Bad Request: command length must not exceed 32"
    );
    let (_, body) = call(
        &tg,
        "setMyCommands",
        json!({"commands": [{"command": "/", "description": "x"}]}),
    )
    .await;
    assert_eq!(
        body["description"],
        "Bad Request: command must be non-empty"
    );
    let (_, body) = call(
        &tg,
        "setMyCommands",
        json!({"commands": [{"command": "ok", "description": "d".repeat(257)}]}),
    )
    .await;
    assert_eq!(
        body["description"],
        "Bad Request: command description length must not exceed 256"
    );
}

// ----- Bot API: getUpdates -----

#[tokio::test]
async fn get_updates_confirms_by_offset() {
    let tg = FakeTelegram::start().await;
    let chat = Chat::private_of(&ann());
    let m1 = tg.push_message(&chat, ann(), "/start");
    tg.push_message(&chat, ann(), "hello");
    tg.push_message(
        &chat,
        ann(),
        "/addfeed@solibot_test_bot https://example.org/feed",
    );
    let (_, body) = call(&tg, "GetUpdates", json!({"offset": 0, "timeout": 0})).await;
    let updates = body["result"].as_array().expect("array").clone();
    assert_eq!(updates.len(), 3);
    let first = &updates[0]["message"];
    assert_eq!(first["message_id"], m1);
    assert_eq!(first["text"], "/start");
    assert_eq!(
        first["entities"][0],
        json!({"type": "bot_command", "offset": 0, "length": 6})
    );
    assert_eq!(first["from"]["language_code"], "ar");
    assert_eq!(first["chat"]["type"], "private");
    assert!(updates[1]["message"].get("entities").is_none());
    assert_eq!(updates[2]["message"]["entities"][0]["length"], 25);

    // Not confirmed yet: offset 0 returns them again; limit is honoured.
    let (_, again) = call(&tg, "getUpdates", json!({"offset": 0, "limit": 2})).await;
    assert_eq!(again["result"].as_array().map(Vec::len), Some(2));
    let id0 = updates[0]["update_id"].as_i64().expect("id");
    let (_, rest) = call(&tg, "getUpdates", json!({"offset": id0 + 1})).await;
    assert_eq!(rest["result"].as_array().map(Vec::len), Some(2));
    assert_eq!(rest["result"][0]["update_id"], id0 + 1);
    let last = updates[2]["update_id"].as_i64().expect("id");
    let (_, none) = call(&tg, "getUpdates", json!({"offset": last + 1, "timeout": 0})).await;
    assert_eq!(none["result"], json!([]));
    assert!(tg.wait_updates_consumed(T).await);
}

#[tokio::test]
async fn long_poll_returns_when_an_update_is_pushed() {
    let tg = FakeTelegram::start().await;
    let poll = {
        let tg = tg.clone();
        tokio::spawn(
            async move { call(&tg, "getUpdates", json!({"offset": 0, "timeout": 10})).await },
        )
    };
    // The request is parked in the fake (its state says so): the push must wake it.
    assert!(tg.wait_polling(T).await);
    let started = Instant::now();
    tg.push_message(Chat::private_of(&ann()), ann(), "/help");
    let (status, body) = poll.await.expect("poll task");
    assert_eq!(status, 200);
    assert_eq!(body["result"][0]["message"]["text"], "/help");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "long poll answered late"
    );
}

#[tokio::test]
async fn long_poll_times_out_with_an_empty_list() {
    let tg = FakeTelegram::start().await;
    let started = Instant::now();
    let (status, body) = call(&tg, "getUpdates", json!({"timeout": 1})).await;
    assert_eq!(status, 200);
    assert_eq!(body["result"], json!([]));
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn an_abandoned_long_poll_is_released() {
    let tg = FakeTelegram::start().await;
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let gone = impatient
        .post(tg.method_url("getUpdates"))
        .json(&json!({"timeout": 10}))
        .send()
        .await;
    assert!(gone.is_err(), "the client gave up");
    assert!(
        tg.wait_until(|s| !s.polling, Duration::from_secs(3)).await,
        "a poll whose client went away no longer counts as polling"
    );
}

#[tokio::test]
async fn a_second_poll_terminates_the_parked_one_with_409() {
    let tg = FakeTelegram::start().await;
    let first = {
        let tg = tg.clone();
        tokio::spawn(async move { call(&tg, "getUpdates", json!({"timeout": 10})).await })
    };
    assert!(tg.wait_polling(T).await);
    let second = {
        let tg = tg.clone();
        tokio::spawn(async move { call(&tg, "getUpdates", json!({"timeout": 10})).await })
    };
    let (status, body) = first.await.expect("first poll");
    assert_eq!(status, 409);
    assert_eq!(body["error_code"], 409);
    assert_eq!(
        body["description"],
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    );
    tg.push_message(Chat::private_of(&ann()), ann(), "/feeds");
    let (status, body) = second.await.expect("second poll");
    assert_eq!(status, 200);
    assert_eq!(body["result"][0]["message"]["text"], "/feeds");
}

#[tokio::test]
async fn allowed_updates_persist_and_filter() {
    let tg = FakeTelegram::start().await;
    // Default: my_chat_member is delivered.
    assert!(tg.push_bot_blocked(ann()).is_some());
    let (_, body) = call(&tg, "getUpdates", json!({"allowed_updates": ["message"]})).await;
    // Asking for messages only drops the queued my_chat_member too.
    assert_eq!(body["result"], json!([]));
    // The setting persists when later polls omit it.
    assert!(tg.push_bot_unblocked(ann()).is_none());
    tg.push_message(Chat::private_of(&ann()), ann(), "/start");
    let (_, body) = call(&tg, "getUpdates", json!({"offset": 0})).await;
    let kinds: Vec<bool> = body["result"]
        .as_array()
        .expect("array")
        .iter()
        .map(|u| u.get("message").is_some())
        .collect();
    assert_eq!(kinds, vec![true]);
    assert!(tg.with_state(|s| s.filtered_updates) >= 2);
    // Asking for my_chat_member brings them back.
    call(
        &tg,
        "getUpdates",
        json!({"allowed_updates": ["message", "my_chat_member"]}),
    )
    .await;
    let added = Chat::group(group_id(1), "Vigil organisers");
    tg.push_bot_added(&added, ann());
    let (_, body) = call(&tg, "getUpdates", json!({})).await;
    let update = body["result"]
        .as_array()
        .expect("array")
        .iter()
        .find(|u| u.get("my_chat_member").is_some())
        .cloned()
        .expect("my_chat_member delivered");
    assert_eq!(
        update["my_chat_member"]["new_chat_member"]["status"],
        "member"
    );
    assert_eq!(
        update["my_chat_member"]["old_chat_member"]["status"],
        "left"
    );
    assert_eq!(update["my_chat_member"]["chat"]["id"], group_id(1));
}

#[tokio::test]
async fn webhook_blocks_get_updates_until_deleted() {
    let tg = FakeTelegram::start().await;
    tg.set_webhook("https://bot.example.org/hook");
    let (status, body) = call(&tg, "getUpdates", json!({})).await;
    assert_eq!(status, 409);
    assert_eq!(
        body["description"],
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
    );
    let (_, info) = call(&tg, "getWebhookInfo", json!({})).await;
    assert_eq!(info["result"]["url"], "https://bot.example.org/hook");
    let (_, body) = call(&tg, "deleteWebhook", json!({})).await;
    assert_eq!(body["description"], "Webhook was deleted");
    let (status, _) = call(&tg, "getUpdates", json!({})).await;
    assert_eq!(status, 200);
    let (status, body) = call(
        &tg,
        "setWebhook",
        json!({"url": "http://bot.example.org/hook"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["description"],
        "Bad Request: bad webhook: HTTPS url must be provided for webhook"
    );
}

#[tokio::test]
async fn reply_to_a_document_embeds_it() {
    let tg = FakeTelegram::start().await;
    let chat = Chat::private_of(&ann());
    let doc = tg.push_document(
        &chat,
        ann(),
        "partners.opml",
        b"<opml/>".to_vec(),
        Some("my list"),
    );
    let reply = tg.push_reply(&chat, ann(), "/import", doc);
    assert!(reply > doc);
    let (_, body) = call(&tg, "getUpdates", json!({})).await;
    let msg = &body["result"][1]["message"];
    assert_eq!(msg["text"], "/import");
    let embedded = &msg["reply_to_message"];
    assert_eq!(embedded["message_id"], doc);
    assert_eq!(embedded["document"]["file_name"], "partners.opml");
    assert_eq!(embedded["document"]["mime_type"], "text/x-opml");
    assert_eq!(embedded["caption"], "my list");
    let file_id = embedded["document"]["file_id"].as_str().expect("file_id");
    assert_eq!(tg.file_bytes(file_id), Some(b"<opml/>".to_vec()));
}

#[tokio::test]
async fn chat_member_statuses() {
    let tg = FakeTelegram::start().await;
    let group = supergroup_id(5);
    tg.add_chat(Chat::supergroup(group, "Solidarity Network", true));
    let (_, body) = call(
        &tg,
        "getChatMember",
        json!({"chat_id": group, "user_id": user_id(1)}),
    )
    .await;
    assert_eq!(body["result"]["status"], "member");
    tg.set_admins(group, &[user_id(2), user_id(3)]);
    let (_, body) = call(
        &tg,
        "getChatMember",
        json!({"chat_id": group, "user_id": user_id(3)}),
    )
    .await;
    assert_eq!(body["result"]["status"], "administrator");
    assert_eq!(body["result"]["can_promote_members"], false);
    tg.set_member_status(group, user_id(4), MemberStatus::Kicked);
    let (_, body) = call(
        &tg,
        "getChatMember",
        json!({"chat_id": group, "user_id": user_id(4)}),
    )
    .await;
    assert_eq!(body["result"]["until_date"], 0);
    let (_, body) = call(&tg, "getChatAdministrators", json!({"chat_id": group})).await;
    let statuses: Vec<&str> = body["result"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|m| m["status"].as_str())
        .collect();
    assert_eq!(statuses, vec!["creator", "administrator"]);
}

// ----- Bot API: message validation -----

#[tokio::test]
async fn html_errors_are_refused_with_telegrams_descriptions() {
    let tg = FakeTelegram::start().await;
    let chat = user_id(20);
    let cases = [
        (
            "Hello <p>world</p>",
            "Unsupported start tag \"p\" at byte offset 6",
        ),
        (
            "<b>bold",
            "Can't find end tag corresponding to start tag \"b\"",
        ),
        (
            "<b><i>x</b></i>",
            "Unmatched end tag at byte offset 7, expected \"</i>\", found \"</b>\"",
        ),
        ("5 < 6", "Unsupported start tag \"\" at byte offset 2"),
    ];
    for (text, error) in cases {
        let (status, body) = call(
            &tg,
            "sendMessage",
            json!({"chat_id": chat, "text": text, "parse_mode": "HTML"}),
        )
        .await;
        assert_eq!(status, 400, "{text}");
        assert_eq!(
            body["description"],
            format!("Bad Request: can't parse entities: {error}")
        );
    }
    assert!(tg.sent().is_empty());
    let errors = tg.render_errors();
    assert_eq!(errors.len(), 4);
    assert_eq!(errors[0].text, "Hello <p>world</p>");
    // Without parse_mode the same text is fine.
    let (status, _) = call(
        &tg,
        "sendMessage",
        json!({"chat_id": chat, "text": "5 < 6"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = call(
        &tg,
        "sendMessage",
        json!({"chat_id": chat, "text": "x", "parse_mode": "BBCode"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["description"], "Bad Request: unsupported parse_mode");
}

#[test]
fn html_parser_accepts_telegram_html() {
    let html = "<b>Call</b> to <a href=\"https://example.org/sign?x=1&amp;y=2\">sign</a> &lt;now&gt; \
                <i>#Syria</i> <blockquote expandable>quote</blockquote> <tg-spoiler>s</tg-spoiler> \
                <span class=\"tg-spoiler\">t</span> <code>c</code> <pre><code class=\"language-rust\">fn</code></pre> \
                <u>u</u> <ins>i</ins> <s>s</s> <strike>k</strike> <del>d</del> <strong>g</strong> <em>e</em> \
                <B>upper</B> &#x41;&#66;&quot; &nbsp; &apos; & >";
    let text = parse_telegram_html(html).expect("valid Telegram HTML");
    assert_eq!(
        text,
        "Call to sign <now> #Syria quote s t c fn u i s k d g e upper AB\" &nbsp; &apos; & >"
    );
    let parsed = parse_message_html(html).expect("valid");
    let link = parsed
        .entities
        .iter()
        .find(|e| e.kind == "text_link")
        .expect("link entity");
    assert_eq!(
        link.url.as_deref(),
        Some("https://example.org/sign?x=1&y=2")
    );
    assert!(
        parsed
            .entities
            .iter()
            .any(|e| e.kind == "expandable_blockquote")
    );
    let pre = parsed
        .entities
        .iter()
        .find(|e| e.kind == "pre")
        .expect("pre");
    assert_eq!(pre.language.as_deref(), Some("rust"));
    // Leading and trailing whitespace is trimmed; offsets are UTF-16 units.
    let parsed = parse_message_html("\n  <b>😀x</b> \n").expect("valid");
    assert_eq!(parsed.text, "😀x");
    assert_eq!(
        (parsed.entities[0].offset, parsed.entities[0].length),
        (0, 3)
    );
}

#[test]
fn html_parser_error_offsets_are_bytes() {
    let err = |s: &str| parse_html_raw(s).map(|p| p.text).unwrap_err();
    assert_eq!(
        err("سلام <br>"),
        "Unsupported start tag \"br\" at byte offset 9"
    );
    assert_eq!(err("x <b"), "Unclosed start tag at byte offset 2");
    assert_eq!(err("</b>"), "Unexpected end tag at byte offset 0");
    assert_eq!(
        err("<span>x</span>"),
        "Tag \"span\" must have class \"tg-spoiler\" at byte offset 0"
    );
    assert_eq!(
        err("<a href=https://x.org/>x</a>"),
        "Unexpected end of name token at byte offset 8"
    );
    assert_eq!(
        err("<i =v>x</i>"),
        "Empty attribute name in the tag \"i\" at byte offset 0"
    );
    assert_eq!(err("<b>x</b  y"), "Unclosed end tag at byte offset 4");
    assert_eq!(err("<a href=\"x"), "Unclosed start tag at byte offset 0");
    assert_eq!(
        err("<tg-emoji emoji-id=\"abc\">x</tg-emoji>"),
        "Invalid custom emoji identifier specified"
    );
    assert!(err("&#xD83D;").starts_with("Text contains invalid Unicode characters"));
    // Valueless attributes, `</>` and an end tag naming any case are accepted.
    assert_eq!(
        parse_html_raw("<b data>x</> <I>y</i>").map(|p| p.text),
        Ok("x y".to_string())
    );
    // A bad link is dropped silently, its text stays.
    let p = parse_html_raw("<a href=\"javascript:alert(1)\">x</a>").expect("no error");
    assert!(p.entities.is_empty());
    assert_eq!(
        parse_telegram_html("<b>x").unwrap_err(),
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    );
}

#[tokio::test]
async fn text_limits_count_code_points_after_parsing() {
    let tg = FakeTelegram::start().await;
    let chat = user_id(21);
    let ok = "😀".repeat(4096);
    let (status, _) = call(&tg, "sendMessage", json!({"chat_id": chat, "text": ok})).await;
    assert_eq!(status, 200);
    let too_long = "😀".repeat(4097);
    let (status, body) = call(
        &tg,
        "sendMessage",
        json!({"chat_id": chat, "text": too_long}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["description"], "Bad Request: message is too long");
    // Markup does not count.
    let tagged = format!("<b>{}</b>", "a".repeat(4096));
    let (status, _) = call(
        &tg,
        "sendMessage",
        json!({"chat_id": chat, "text": tagged, "parse_mode": "HTML"}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, body) = call(
        &tg,
        "sendMessage",
        json!({"chat_id": chat, "text": "a".repeat(32769)}),
    )
    .await;
    assert_eq!(body["description"], "Bad Request: text is too long");
    let (_, body) = call(&tg, "sendMessage", json!({"chat_id": chat, "text": ""})).await;
    assert_eq!(body["description"], "Bad Request: message text is empty");
    let (_, body) = call(&tg, "sendMessage", json!({"chat_id": chat, "text": " \n "})).await;
    assert_eq!(body["description"], "Bad Request: text must be non-empty");
    assert_eq!(tg.sent().len(), 2);
    assert_eq!(tg.render_errors().len(), 4);
}

#[tokio::test]
async fn inline_keyboards_are_validated() {
    let tg = FakeTelegram::start().await;
    let chat = user_id(22);
    let send = |markup: Value| {
        let tg = tg.clone();
        async move {
            call(
                &tg,
                "sendMessage",
                json!({"chat_id": chat, "text": "x", "reply_markup": markup}),
            )
            .await
        }
    };
    let (status, body) =
        send(json!({"inline_keyboard": [[{"text": "Go", "url": "javascript:alert(1)"}]]})).await;
    assert_eq!(status, 400);
    assert_eq!(body["description"], "Bad Request: BUTTON_URL_INVALID");
    let (_, body) =
        send(json!({"inline_keyboard": [{"text": "Go", "url": "https://example.org"}]})).await;
    assert_eq!(
        body["description"],
        "Bad Request: field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays"
    );
    let (_, body) = send(json!({"inline_keyboard": [[{"text": "Go"}]]})).await;
    assert_eq!(
        body["description"],
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
    );
    let (_, body) =
        send(json!({"inline_keyboard": [[{"text": "Go", "callback_data": "d".repeat(65)}]]})).await;
    assert_eq!(body["description"], "Bad Request: BUTTON_DATA_INVALID");
    let (_, body) = send(json!("not an object")).await;
    assert_eq!(
        body["description"],
        "Bad Request: can't parse reply keyboard markup JSON object"
    );
    let (_, body) = send(json!([1, 2])).await;
    assert_eq!(
        body["description"],
        "Bad Request: object expected as reply markup"
    );
    let good = json!({"inline_keyboard": [[{"text": "Donate", "url": "https://example.org/donate"},
                                           {"text": "Share", "url": "tg://msg_url?url=https%3A%2F%2Fexample.org"}]]});
    let (status, body) = send(good.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(body["result"]["reply_markup"], good);
}

// ----- Bot API: faults and limits -----

#[tokio::test]
async fn injected_flood_answers_429_with_retry_after() {
    let tg = FakeTelegram::start().await;
    let chat = user_id(30);
    tg.fail_chat(chat, Failure::Flood { retry_after: 3 }, Some(1));
    let (status, body) = raw_call(&tg, "sendMessage", json!({"chat_id": chat, "text": "x"})).await;
    assert_eq!(status, 429);
    assert_eq!(
        body,
        r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}"#
    );
    let (status, _) = call(&tg, "sendMessage", json!({"chat_id": chat, "text": "x"})).await;
    assert_eq!(status, 200);
    assert_eq!(tg.count_429(), 1);
    assert_eq!(tg.sent_to(chat).len(), 1);
}

#[tokio::test]
async fn migrated_group_answers_with_the_new_chat_id() {
    let tg = FakeTelegram::start().await;
    let old = Chat::group(group_id(7), "Vigil");
    let new_id = supergroup_id(7);
    let new_chat = tg.migrate(&old, new_id, &ann());
    assert_eq!(new_chat.kind, ChatKind::Supergroup);
    let (status, body) =
        raw_call(&tg, "sendMessage", json!({"chat_id": old.id, "text": "x"})).await;
    assert_eq!(status, 400);
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        v["description"],
        "Bad Request: group chat was upgraded to a supergroup chat"
    );
    assert_eq!(v["parameters"], json!({"migrate_to_chat_id": new_id}));
    let (status, _) = call(&tg, "sendMessage", json!({"chat_id": new_id, "text": "x"})).await;
    assert_eq!(status, 200);
    let (_, updates) = call(&tg, "getUpdates", json!({})).await;
    assert_eq!(
        updates["result"][0]["message"]["migrate_to_chat_id"],
        new_id
    );
    assert_eq!(
        updates["result"][1]["message"]["migrate_from_chat_id"],
        old.id
    );
}

#[tokio::test]
async fn permanent_failures_have_telegrams_descriptions() {
    let tg = FakeTelegram::start().await;
    let cases = [
        (
            user_id(40),
            Failure::Blocked,
            403,
            "Forbidden: bot was blocked by the user",
        ),
        (
            user_id(41),
            Failure::Deactivated,
            403,
            "Forbidden: user is deactivated",
        ),
        (
            group_id(42),
            Failure::Kicked(ChatKind::Group),
            403,
            "Forbidden: bot was kicked from the group chat",
        ),
        (
            supergroup_id(43),
            Failure::Kicked(ChatKind::Supergroup),
            403,
            "Forbidden: bot was kicked from the supergroup chat",
        ),
        (
            user_id(44),
            Failure::ChatNotFound,
            400,
            "Bad Request: chat not found",
        ),
    ];
    for (chat, failure, code, description) in cases {
        tg.fail_chat(chat, failure, None);
        for _ in 0..2 {
            let (status, body) =
                call(&tg, "sendMessage", json!({"chat_id": chat, "text": "x"})).await;
            assert_eq!(status, code);
            assert_eq!(body["description"], description);
            assert!(body.get("parameters").is_none());
        }
    }
    // Malformed ids are "chat not found", as teloxide would never send them.
    let (_, body) = call(&tg, "sendMessage", json!({"chat_id": 0, "text": "x"})).await;
    assert_eq!(body["description"], "Bad Request: chat not found");
    assert!(tg.sent().is_empty());
}

#[tokio::test]
async fn server_errors_and_dropped_connections_only_when_injected() {
    let tg = FakeTelegram::start().await;
    let chat = user_id(50);
    tg.fail_chat(chat, Failure::ServerError, Some(1));
    let (status, body) = call(&tg, "sendMessage", json!({"chat_id": chat, "text": "x"})).await;
    assert_eq!(status, 500);
    assert_eq!(body["description"], "Internal Server Error");

    tg.fail_chat(chat, Failure::DropConnection, Some(1));
    let broken = match client()
        .post(tg.method_url("sendMessage"))
        .json(&json!({"chat_id": chat, "text": "x"}))
        .send()
        .await
    {
        Err(_) => true,
        Ok(r) => r.text().await.is_err(),
    };
    assert!(broken, "the connection should break");
    assert!(tg.sent().is_empty());

    tg.fail_chat(chat, Failure::DropAfterSend, Some(1));
    let broken = match client()
        .post(tg.method_url("sendMessage"))
        .json(&json!({"chat_id": chat, "text": "delivered"}))
        .send()
        .await
    {
        Err(_) => true,
        Ok(r) => r.text().await.is_err(),
    };
    assert!(broken);
    assert_eq!(tg.sent_to(chat).len(), 1);
    let (status, _) = call(&tg, "sendMessage", json!({"chat_id": chat, "text": "x"})).await;
    assert_eq!(status, 200);

    tg.fail_method("getMe", Failure::Flood { retry_after: 2 }, Some(1));
    let (status, body) = call(&tg, "getMe", json!({})).await;
    assert_eq!(
        (status, body["parameters"]["retry_after"].as_i64()),
        (429, Some(2))
    );
    let (status, _) = call(&tg, "getMe", json!({})).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn random_faults_follow_the_seed() {
    let opts = FakeOptions {
        fault_rate_429: 0.3,
        fault_rate_5xx_or_drop: 0.0,
        seed: 42,
        ..FakeOptions::default()
    };
    let mut outcomes = Vec::new();
    for _ in 0..2 {
        let tg = FakeTelegram::start_with(opts.clone()).await;
        let mut statuses = Vec::new();
        for i in 0..40 {
            let (status, _) = call(
                &tg,
                "sendMessage",
                json!({"chat_id": user_id(i), "text": "x"}),
            )
            .await;
            statuses.push(status);
        }
        assert_eq!(
            tg.count_429(),
            statuses.iter().filter(|s| **s == 429).count()
        );
        outcomes.push(statuses);
    }
    assert_eq!(outcomes[0], outcomes[1]);
    assert!(outcomes[0].contains(&429) && outcomes[0].contains(&200));
}

#[tokio::test]
async fn a_delayed_answer_comes_after_the_message_is_recorded() {
    let delay = Duration::from_millis(300);
    let tg = FakeTelegram::start_with(FakeOptions {
        answer_delay: delay,
        ..FakeOptions::default()
    })
    .await;
    let started = std::time::Instant::now();
    let send = {
        let tg = tg.clone();
        tokio::spawn(async move {
            call(
                &tg,
                "sendMessage",
                json!({"chat_id": user_id(70), "text": "x"}),
            )
            .await
        })
    };
    assert!(tg.wait_sent(1, Duration::from_secs(10)).await, "recorded");
    // Delivered, but the sender does not know yet.
    assert!(!send.is_finished(), "answered before the delay");
    let (status, _) = send.await.expect("the call");
    assert_eq!(status, 200);
    assert!(
        started.elapsed() >= delay,
        "answered after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn rate_limits_refuse_bursts_but_not_a_paced_sender() {
    let opts = FakeOptions {
        enforce_limits: true,
        limits_scale: 10.0,
        ..FakeOptions::default()
    };
    let tg = FakeTelegram::start_with(opts).await;
    // ×10: 10 messages a second to one chat, +1 tolerated.
    let burst = user_id(60);
    let mut statuses = Vec::new();
    for _ in 0..13 {
        let (status, body) = call(&tg, "sendMessage", json!({"chat_id": burst, "text": "x"})).await;
        if status == 429 {
            assert!(body["parameters"]["retry_after"].as_i64().unwrap_or(0) >= 1);
        }
        statuses.push(status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 11);
    assert_eq!(tg.count_429(), 2);

    // A sender that keeps exactly 10 a second to one chat is never refused.
    let paced = user_id(61);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for _ in 0..15 {
        tick.tick().await;
        let (status, _) = call(&tg, "sendMessage", json!({"chat_id": paced, "text": "x"})).await;
        assert_eq!(status, 200);
    }
    assert_eq!(tg.with_state(|s| s.count_429_limits), 2);
}

// ----- Feed server -----

#[tokio::test]
async fn feed_server_etag_last_modified_and_304() {
    let feeds = FeedServer::start().await;
    let body = FeedServer::rss(
        "Partner news",
        &[Item::new(
            "a1",
            "Vigil",
            "https://example.org/a1",
            "<p>Join</p>",
        )],
    );
    feeds.set("/rss.xml", body.clone(), "application/rss+xml");
    feeds.set_max_age("/rss.xml", Some(600));
    let c = client();
    let first = c.get(feeds.url("/rss.xml")).send().await.expect("get");
    assert_eq!(first.status().as_u16(), 200);
    let etag = first.headers()["etag"].to_str().expect("etag").to_string();
    let last_modified = first.headers()["last-modified"]
        .to_str()
        .expect("lm")
        .to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "strong ETag");
    assert_eq!(first.headers()["cache-control"], "max-age=600");
    assert_eq!(first.text().await.expect("body"), body);

    let again = c
        .get(feeds.url("/rss.xml"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("get");
    assert_eq!(again.status().as_u16(), 304);
    assert_eq!(again.bytes().await.expect("body").len(), 0);
    let by_date = c
        .get(feeds.url("/rss.xml"))
        .header("If-Modified-Since", &last_modified)
        .send()
        .await
        .expect("get");
    assert_eq!(by_date.status().as_u16(), 304);
    assert_eq!(
        feeds.last_request_header("/rss.xml", "If-Modified-Since"),
        Some(last_modified)
    );

    // Same body again: same validators. New body: new ETag, 200.
    feeds.set("/rss.xml", body.clone(), "application/rss+xml");
    let same = c
        .get(feeds.url("/rss.xml"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("get");
    assert_eq!(same.status().as_u16(), 304);
    feeds.set(
        "/rss.xml",
        body.replace("Vigil", "March"),
        "application/rss+xml",
    );
    let changed = c
        .get(feeds.url("/rss.xml"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("get");
    assert_eq!(changed.status().as_u16(), 200);
    assert_ne!(changed.headers()["etag"].to_str().expect("etag"), etag);
    assert_eq!(feeds.requests("/rss.xml"), 5);
    assert_eq!(feeds.not_modified_count("/rss.xml"), 3);

    feeds.remove("/rss.xml");
    let gone = c.get(feeds.url("/rss.xml")).send().await.expect("get");
    assert_eq!(gone.status().as_u16(), 404);
}

#[tokio::test]
async fn feed_server_redirects_statuses_and_retry_after() {
    let feeds = FeedServer::start().await;
    feeds.set("/new.xml", "<rss version=\"2.0\"/>", "application/rss+xml");
    feeds.redirect("/old.xml", &feeds.url("/new.xml"), 301);
    let resp = client()
        .get(feeds.url("/old.xml"))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.url().as_str().ends_with("/new.xml"));
    assert_eq!(feeds.requests("/old.xml"), 1);
    assert_eq!(feeds.requests("/new.xml"), 1);

    feeds.set_status_retry_after("/busy.xml", 503, 120);
    let resp = client()
        .get(feeds.url("/busy.xml"))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status().as_u16(), 503);
    assert_eq!(resp.headers()["retry-after"], "120");

    feeds.set_raw_response("/teapot", 418, &[("x-note", "raw")], "short and stout");
    let resp = client()
        .get(feeds.url("/teapot"))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status().as_u16(), 418);
    assert_eq!(resp.headers()["x-note"], "raw");
}

#[tokio::test]
async fn feed_server_gzip_when_accepted() {
    let feeds = FeedServer::start().await;
    let body = FeedServer::atom(
        "Coalition",
        &[Item::new(
            "urn:x:1",
            "Sign & share",
            "https://example.org/1",
            "<b>now</b>",
        )],
    );
    feeds.set("/atom.xml", body.clone(), "application/atom+xml");
    feeds.set_gzip("/atom.xml", true);
    let decoded = client()
        .get(feeds.url("/atom.xml"))
        .send()
        .await
        .expect("get");
    assert_eq!(decoded.text().await.expect("body"), body);
    let accept = feeds
        .last_request_header("/atom.xml", "accept-encoding")
        .unwrap_or_default();
    assert!(accept.contains("gzip"));
    // A client that does not ask for gzip gets the identity body.
    let plain = reqwest::Client::builder()
        .no_proxy()
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .build()
        .expect("client");
    let resp = plain.get(feeds.url("/atom.xml")).send().await.expect("get");
    assert!(resp.headers().get("content-encoding").is_none());
    assert_eq!(resp.text().await.expect("body"), body);
}

#[tokio::test]
async fn feed_server_huge_drip_and_bomb() {
    let feeds = FeedServer::start().await;
    feeds.huge(
        "/huge.xml",
        3 * 1024 * 1024 + 17,
        "application/rss+xml",
        false,
    );
    let mut resp = client()
        .get(feeds.url("/huge.xml"))
        .send()
        .await
        .expect("get");
    assert!(resp.content_length().is_none());
    let mut total = 0usize;
    let mut head: Vec<u8> = Vec::new();
    while let Some(chunk) = resp.chunk().await.expect("chunk") {
        if head.len() < 5 {
            head.extend(chunk.iter().take(5 - head.len()));
        }
        total += chunk.len();
    }
    assert_eq!(total, 3 * 1024 * 1024 + 17);
    assert_eq!(head, b"<?xml");

    feeds.slow_drip(
        "/slow.xml",
        "abcdef",
        "application/rss+xml",
        Duration::from_millis(40),
    );
    let started = Instant::now();
    let body = client()
        .get(feeds.url("/slow.xml"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert_eq!(body, "abcdef");
    assert!(started.elapsed() >= Duration::from_millis(200));

    let inflated = 10_000_000u64;
    feeds.gzip_bomb("/bomb.xml", inflated);
    let resp = client()
        .get(feeds.url("/bomb.xml"))
        .send()
        .await
        .expect("get");
    let bytes = resp.bytes().await.expect("inflated body");
    assert_eq!(bytes.len() as u64, inflated);
    assert!(bytes.iter().all(|b| *b == 0));
    assert!(gzip::gzip_bomb(inflated).len() < 100_000);
}

#[test]
fn gzip_helpers_are_consistent() {
    for n in [0usize, 1, 7, 258, 259, 100_000] {
        assert_eq!(
            gzip::crc32_of_zeros(n as u64),
            gzip::crc32(&vec![0u8; n]),
            "n={n}"
        );
    }
    assert_eq!(gzip::crc32(b"123456789"), 0xcbf4_3926);
}

#[test]
fn feed_builders_escape_and_parse() {
    let items = [
        Item::new(
            "guid-1",
            "Call to act: <sign> & share",
            "https://example.org/a?x=1&y=2",
            "<p>Sign the <b>letter</b></p>",
        )
        .published(1_700_000_000),
        Item::new(
            "guid-2",
            "Weekly news",
            "https://example.org/b",
            "<p>News</p>",
        ),
    ];
    for doc in [
        FeedServer::rss("Partner & friends", &items),
        FeedServer::atom("Partner & friends", &items),
        FeedServer::json_feed("Partner & friends", &items),
    ] {
        let feed = feed_rs::parser::parse(doc.as_bytes()).expect("parses");
        assert_eq!(
            feed.title.map(|t| t.content).as_deref(),
            Some("Partner & friends")
        );
        assert_eq!(feed.entries.len(), 2);
        let e = &feed.entries[0];
        assert_eq!(e.id, "guid-1");
        assert_eq!(
            e.title.as_ref().map(|t| t.content.as_str()),
            Some("Call to act: <sign> & share")
        );
        assert_eq!(e.links[0].href, "https://example.org/a?x=1&y=2");
        assert!(e.published.is_some());
        let html = e
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .or_else(|| e.summary.as_ref().map(|s| s.content.clone()))
            .unwrap_or_default();
        assert!(html.contains("<b>letter</b>"), "{html}");
    }
}
