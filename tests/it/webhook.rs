//! Webhook mode (issue 13): `setWebhook` with the secret, allowed updates and
//! max_connections; updates posted by the fake Bot API handled like polled ones; a wrong
//! or missing secret and an oversized body refused and not handled; an `http.listen`
//! that cannot be taken stops the program at start-up, before any `setWebhook`.

use crate::harness::*;
use crate::support::telegram::{Chat, FakeTelegram};
use solibot::config::Config;
use std::path::Path;

const PUBLIC: &str = "https://bot.example.org/tg/updates";
const SECRET: &str = "s3cret_Token-for-tests";

/// Webhook mode on a free port; `secret` None leaves the bot to generate one.
fn webhook_config(tg: &FakeTelegram, dir: &Path, secret: Option<&str>) -> Config {
    let listen = format!("127.0.0.1:{}", free_port());
    let mut extra = vec![
        ("SOLIBOT_WEBHOOK_URL", PUBLIC),
        ("SOLIBOT_HTTP_LISTEN", listen.as_str()),
    ];
    if let Some(s) = secret {
        extra.push(("SOLIBOT_WEBHOOK_SECRET", s));
    }
    config(tg, dir, &extra)
}

/// Where the bot serves the webhook's path.
fn endpoint(config: &Config) -> String {
    let addr = config.http_listen.expect("http.listen");
    format!("http://{addr}/tg/updates")
}

/// The JSON of a message `text` from `user_id` in their private chat, queued (not
/// delivered: no webhook delivery is running) so it can be posted by hand.
fn update_body(tg: &FakeTelegram, user_id: i64, text: &str) -> Vec<u8> {
    tg.push_message(Chat::private(user_id), user(user_id), text);
    let id = tg.with_state(|s| s.last_update_id);
    serde_json::to_vec(&tg.update_json(id).expect("queued")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_webhook_carries_the_url_secret_allowed_updates_and_max_connections() {
    let tg = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bot = Running::start_webhook(webhook_config(&tg, dir.path(), Some(SECRET)), &tg).await;
    let calls = tg.calls_of("setWebhook");
    assert_eq!(calls.len(), 1);
    let p = &calls[0].params;
    assert_eq!(p["url"], PUBLIC, "{p}");
    assert_eq!(p["secret_token"], SECRET, "{p}");
    // The fake keeps scalars as the text Telegram reads.
    assert_eq!(
        p["max_connections"].to_string().trim_matches('"'),
        "40",
        "{p}"
    );
    let allowed = p["allowed_updates"].to_string();
    assert!(
        allowed.contains("\"message\"") && allowed.contains("\"my_chat_member\""),
        "{p}"
    );
    assert!(tg.calls_of("getUpdates").is_empty(), "no long polling");
    assert!(tg.calls_of("deleteWebhook").is_empty());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_secret_is_valid_and_the_same_after_a_restart() {
    let tg = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut secrets = Vec::new();
    for _ in 0..2 {
        let bot = Running::start_webhook(webhook_config(&tg, dir.path(), None), &tg).await;
        let secret = tg
            .with_state(|s| s.webhook_secret.clone())
            .expect("a secret");
        assert!(secret.len() >= 32, "{secret}");
        secrets.push(secret);
        bot.stop().await;
    }
    assert_eq!(secrets[0], secrets[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_posted_with_the_secret_is_handled_and_answered() {
    let tg = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = webhook_config(&tg, dir.path(), Some(SECRET));
    let listen = config.http_listen.unwrap();
    let bot = Running::start_webhook(config, &tg).await;
    tg.deliver_webhooks_to(&format!("http://{listen}"));
    let r = command(&tg, 1001, "/start").await;
    assert!(r.contains("Subscribed"), "{r}");
    let posts = tg.with_state(|s| s.webhook_posts.clone());
    assert!(posts.iter().any(|(_, status)| *status == 200), "{posts:?}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_missing_secret_gets_401_and_nothing_is_handled() {
    let tg = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = webhook_config(&tg, dir.path(), Some(SECRET));
    let url = endpoint(&config);
    let bot = Running::start_webhook(config, &tg).await;
    let forged = update_body(&tg, 1002, "/start");
    for secret in [
        Some("wrong"),
        Some(""),
        None,
        Some(&SECRET[..SECRET.len() - 1]),
    ] {
        let status = FakeTelegram::post_webhook(&url, secret, forged.clone()).await;
        assert_eq!(status, 401, "secret {secret:?}");
    }
    // The same user's next command, rightly signed, is the only one answered.
    let help = update_body(&tg, 1002, "/help");
    assert_eq!(
        FakeTelegram::post_webhook(&url, Some(SECRET), help).await,
        200
    );
    assert!(tg.wait_until(|s| !s.sent_to(1002).is_empty(), WAIT).await);
    // Stopped: every update taken has been handled and answered; count after that.
    bot.stop().await;
    let sent = tg.sent_to(1002);
    assert_eq!(sent.len(), 1);
    assert!(
        !sent[0].visible_text.contains("Subscribed"),
        "{}",
        sent[0].visible_text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_gets_413_and_a_repeated_post_acts_once() {
    let tg = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = webhook_config(&tg, dir.path(), Some(SECRET));
    let url = endpoint(&config);
    let bot = Running::start_webhook(config, &tg).await;
    let huge = update_body(&tg, 1003, &format!("/start {}", "x".repeat(300 * 1024)));
    assert_eq!(
        FakeTelegram::post_webhook(&url, Some(SECRET), huge).await,
        413
    );
    // Telegram posts an update again when it saw no answer: it acts once.
    let start = update_body(&tg, 1004, "/start");
    for _ in 0..2 {
        let status = FakeTelegram::post_webhook(&url, Some(SECRET), start.clone()).await;
        assert_eq!(status, 200);
    }
    let help = update_body(&tg, 1004, "/help");
    assert_eq!(
        FakeTelegram::post_webhook(&url, Some(SECRET), help).await,
        200
    );
    assert!(tg.wait_until(|s| s.sent_to(1004).len() >= 2, WAIT).await);
    // Stopped: every update taken has been handled and answered (a second /start's
    // reply would wait a second for the chat's limit: counting at once would miss it).
    bot.stop().await;
    let texts: Vec<String> = tg
        .sent_to(1004)
        .into_iter()
        .map(|m| m.visible_text)
        .collect();
    // Updates are handled concurrently: the two replies may come in either order.
    assert_eq!(texts.len(), 2, "{texts:?}");
    let subscribed = texts.iter().filter(|t| t.contains("Subscribed")).count();
    let help = texts
        .iter()
        .filter(|t| t.starts_with("solibot sends you"))
        .count();
    assert_eq!((subscribed, help), (1, 1), "{texts:?}");
    assert!(
        tg.sent_to(1003).is_empty(),
        "the oversized update was not handled"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_in_use_stops_webhook_mode_at_start_with_an_error_and_no_webhook() {
    let tg = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port to hold");
    let listen = taken.local_addr().expect("its address").to_string();
    let env = [
        ("SOLIBOT_WEBHOOK_URL", PUBLIC),
        ("SOLIBOT_HTTP_LISTEN", listen.as_str()),
    ];
    // The program stops by itself.
    let out = Launch::bot(&tg, dir.path(), "")
        .envs(&env)
        .capture()
        .spawn()
        .finish(WAIT);
    let (status, stderr) = (out.status, String::from_utf8_lossy(&out.stderr));
    assert_eq!(status.code(), Some(1), "{stderr}");
    let error = stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| panic!("an `error:` line: {stderr}"));
    assert!(
        error.contains("cannot listen on http.listen") && error.contains(&listen),
        "{error}"
    );
    tg.with_state(|s| {
        assert_eq!(s.calls_of("setWebhook"), 0, "Telegram is not pointed at it");
        assert!(s.webhook_url.is_empty());
    });
    drop(taken);
}
