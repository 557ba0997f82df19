#![allow(dead_code)]
//! Test doubles shared by the integration tests, the end-to-end test and the fan-out
//! benchmark: a faithful fake of the Telegram Bot API and a local feed server. Both bind
//! `127.0.0.1:0`, start with an async constructor inside a tokio runtime, keep their state
//! behind a std mutex that is never held across an await, answer bad input the way the real
//! servers do instead of panicking, and stop when the last clone is dropped.
//!
//! This module owns the doubles only. It must not use any solibot code (the doubles must
//! be able to catch the program's bugs) nor anything under /work/shared.
//!
//! # `telegram::FakeTelegram` (the Bot API)
//!
//! Start: `FakeTelegram::start().await`, or `FakeTelegram::start_with(FakeOptions { .. })`
//! with `token`, `bot_username`, `enforce_limits`, `limits_scale`, `limit_slack`,
//! `fault_rate_5xx_or_drop`, `fault_rate_429`, `fault_retry_after`, `seed`, `strict_chats`,
//! `first_update_id` (`..FakeOptions::default()` for the rest).
//! Point the bot at `api_url()` (`http://127.0.0.1:PORT`) with `token()`
//! (`123456:TEST-token`; any other token gets 401 `Unauthorized`); `bot_username()`,
//! `bot_id()`, `bot_user()`, `method_url(m)`, `file_url(path)`.
//!
//! Routes: `GET|POST /bot<token>/<method>` with the method matched case-insensitively, and
//! `GET /file/bot<token>/<path>` with the path percent-decoded. Parameters may come as a
//! query string, a form, JSON or multipart; nested values (reply_markup, commands,
//! allowed_updates, link_preview_options) as JSON or as JSON-encoded strings; `chat_id` as
//! a number, a numeric string or a known `@username`. Answers are
//! `{"ok":true,"result":…}` or `{"ok":false,"error_code":C,"description":D[,"parameters":
//! {one key}]}` with HTTP status C. Unknown methods get 404 `Not Found`.
//!
//! Methods: getMe, getWebhookInfo, setWebhook, deleteWebhook, setMyCommands (leading "/"
//! stripped, validated), getMyCommands, deleteMyCommands, getUpdates, sendMessage,
//! sendDocument, getFile, getChat, getChatMember, getChatAdministrators,
//! answerCallbackQuery, sendChatAction, leaveChat, close, logOut.
//!
//! getUpdates: updates below `offset` are confirmed and forgotten; offset 0 reads from the
//! oldest unconfirmed, `-k` keeps the last k; `limit` 1..100; `timeout` clamped to 50 s and
//! answered as soon as an update is pushed; `allowed_updates` persists across calls and is
//! honoured when updates are queued and again when they are delivered (stricter than
//! Telegram, so a bot that forgets to ask for `my_chat_member` is caught whatever the
//! timing); a new poll makes the parked one fail with 409 `Conflict: terminated by other
//! getUpdates request; …`; a set webhook makes getUpdates fail with 409.
//!
//! sendMessage checks, in Telegram's order: text present, raw text ≤ 32768 bytes,
//! parse_mode (HTML validated exactly like Telegram by `tg_html`; Markdown accepted
//! unchecked), link_preview_options, reply_markup (inline keyboards: array of arrays, URL
//! buttons need http(s) with a host or tg://, callback_data 1..64 bytes, ≤ 100 buttons),
//! chat_id, visible text non-empty and ≤ 4096 code points. Then injected per-chat
//! failures, the bot's membership, random faults and rate limits. Membership answers as
//! Telegram does: the bot's status in the chat (`set_bot_status`, or a `my_chat_member`
//! update pushed) gives 403 "bot was blocked by the user" (private, kicked), "bot was
//! kicked from the group chat" / "… supergroup chat" / "… channel chat", "bot is not a
//! member of the … chat" (left), 400 "need administrator rights in the channel chat" (a
//! channel where it is not an administrator), "not enough rights to send text messages to
//! the chat" (restricted), and "message thread not found" for a topic never seen or
//! removed with `delete_topic` (topics are learnt from `push_message_in_thread` or
//! `add_topic`). `message_thread_id`, `reply_parameters` and
//! `disable_notification` are recorded. sendDocument resolves `attach://name` to the
//! multipart part, a direct `document` file part or a known file_id; caption ≤ 1024.
//!
//! Updates (return the message_id, or the update_id for non-message updates, None when
//! filtered by allowed_updates): `push_message(chat, from, text)` (a leading `/cmd` or
//! `/cmd@bot` gets a bot_command entity), `push_reply(chat, from, text, reply_to_id)`
//! (embeds the earlier message, e.g. a document for `/import`),
//! `push_message_in_thread(.., thread_id)`, `push_document(chat, from, file_name, bytes,
//! caption)`, `push_my_chat_member(chat, from, old, new)`, `push_bot_added(chat, by)`,
//! `push_bot_removed(chat, by)`, `push_bot_blocked(user)`, `push_bot_unblocked(user)`,
//! `push_callback_query(chat, from, message_id, data)`, `push_raw_update(kind, json)`,
//! `migrate(&old_group, new_id, &by)`. `chat` and `from` take values or references.
//! Identities: `Chat::private(id)`, `Chat::private_of(&user)`, `Chat::group(id, title)`,
//! `Chat::supergroup(id, title, is_forum)`, `Chat::channel(id, title)`,
//! `.with_username(..)`; `User::new(id, first_name).lang("ar").username(..)`; realistic
//! ids from `user_id(n)`, `group_id(n)`, `supergroup_id(n)`, `channel_id(n)`.
//!
//! Setup: `add_chat`, `add_user`, `set_admins(chat, &[creator, admins…])`,
//! `set_member_status(chat, user, MemberStatus::..)` (default: member), `set_webhook(url)`,
//! `fail_chat(chat_id, Failure, times: Option<usize>)` (None = until
//! `clear_chat_failure`), `fail_method(method, Failure, times)`, with `Failure::{Blocked,
//! Kicked(ChatKind), Deactivated, ChatNotFound, Migrate(new_id), Flood { retry_after },
//! ServerError, DropConnection, DropAfterSend, Custom { code, description }}`. 5xx and
//! dropped connections happen only when injected (teloxide sleeps 10 s after a 5xx).
//!
//! Rate limits (`enforce_limits`): sliding windows of successful sends, 30×scale per second
//! overall, 1×scale per second per chat, 20×scale per minute per group, supergroup or
//! channel (any negative id). Each window admits `floor(rate × scale)` plus
//! `limit_slack` (default 1) so that a sender that keeps the limit exactly is never refused
//! because of timer jitter. A send over a limit gets 429 `Too Many Requests: retry after
//! N` with N = whole seconds until the window admits it (≥ 1). Random faults
//! (`fault_rate_*`, seeded) and limits apply to sendMessage and sendDocument only.
//!
//! Inspection: `sent()` / `sent_to(chat_id)` → `SentMessage { chat_id, message_id, text
//! (raw), visible_text, parse_mode, reply_markup, link_preview_disabled,
//! disable_notification, thread_id, reply_to_message_id, at }` (+ `button_urls()`),
//! `documents_sent()`, `calls()` / `calls_of(method)` → `Call { method (lower case),
//! raw_method, params (JSON), at }`, `commands()`, `count_429()`, `render_errors()`
//! (texts refused for their content), `error_replies()`, `pending_updates()`,
//! `is_polling()`, `file_bytes(file_id)`, `snapshot()`, `with_state(|s| ..)`,
//! `clear_observations()`, and the waits (poll every 20 ms, return whether it held):
//! `wait_until(|s: &TelegramState| .., timeout)`, `wait_sent(n, timeout)`,
//! `wait_polling(timeout)`, `wait_updates_consumed(timeout)`.
//!
//! # `tg_html` (Telegram's HTML parse mode)
//!
//! `parse_telegram_html(s) -> Result<visible_text, description>` with Telegram's exact
//! descriptions, e.g. `Bad Request: can't parse entities: Unsupported start tag "p" at byte
//! offset 6`; `parse_message_html` also returns the entities; `parse_html_raw` is TDLib's
//! parser without cleaning or prefix; `visible_len` counts code points; `MAX_TEXT_CHARS`,
//! `MAX_CAPTION_CHARS`.
//!
//! # `feed_server::FeedServer` (feeds)
//!
//! `FeedServer::start().await`, `url(path)`. `set(path, body, content_type)` serves with a
//! strong ETag (hash of the body) and Last-Modified (kept while the body is unchanged) and
//! answers 304 to a matching If-None-Match, else If-Modified-Since; `set_gzip(path, true)`
//! gzips when the client accepts it; `set_max_age(path, Some(s))`; `set_validators(path,
//! etag, last_modified)`; `set_last_modified(path, unix)`; `set_header(path, name, value)`;
//! `set_raw_response(path, status, headers, body)`; `set_status_retry_after(path, 429|503,
//! secs)`; `redirect(path, to_url, status)`; `slow_drip(path, body, content_type,
//! interval)` (one byte per interval); `huge(path, size, content_type, announce_length)`
//! (streamed, never held in memory); `gzip_bomb(path, inflated_size)` (zeros, ~1/160 of
//! the size on the wire); `remove(path)`. Observed: `requests(path)`,
//! `not_modified_count(path)`, `last_request_headers(path)`, `last_request_header(path,
//! name)`, `wait_requests(path, n, timeout)`. Unknown paths are 404.
//! Builders: `FeedServer::rss(title, &[Item])`, `FeedServer::atom(..)`,
//! `FeedServer::json_feed(..)` with `Item::new(guid, title, link, html).published(unix)`,
//! all text XML-escaped (`xml_escape`).
//!
//! # `websub_hub::WebSubHub` (a WebSub hub)
//!
//! `WebSubHub::start().await`, `url()` (what a feed names as its hub), `set_lease(secs)`.
//! Subscription requests are recorded and answered 202, then verified by a GET to the
//! callback with a random challenge; only an echo makes them take effect. `publish(topic,
//! body, content_type, Signing::{Sha1, Sha256, Sha512, Wrong, Unsigned})` posts content to
//! the verified subscribers; `post_content(callback, ..)` to any callback;
//! `verify_intent(callback, mode, topic)` sends a verification of the test's making.
//! Observed: `state()` → `HubState { requests, verifications, subscriptions }` with
//! `requests_of(mode, topic)`, `verified(mode, topic)`, `subscribed(topic)`;
//! `wait_until(|s| .., timeout)`.
//!
//! `gzip` holds the hand-written gzip encoders behind the feed server; `tg_params` the
//! request parameter parsing behind the fake Bot API.

pub mod feed_server;
pub mod gzip;
pub mod telegram;
pub mod tg_html;
pub mod tg_params;
pub mod websub_hub;
