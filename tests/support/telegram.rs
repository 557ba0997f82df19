//! `FakeTelegram`: an in-process fake of the Telegram Bot API server, faithful where a bot
//! can tell the difference (URL scheme, case-insensitive method names, the four request
//! encodings, the response envelope with HTTP status = error_code, long polling with
//! offsets and 409 conflicts, allowed_updates, HTML validation with Telegram's exact error
//! descriptions, the 4096-code-point limit, inline keyboards, documents and file
//! downloads, per-chat faults, rate limits).
//!
//! It owns the whole fake server: its HTTP routing, its state (behind one std mutex that is
//! never held across an await) and the update queue. It must not know anything about the
//! bot under test and must never panic on bad input: every malformed request gets the
//! error a real server would give. 5xx answers and dropped connections happen only when
//! injected (teloxide sleeps 10 s after any 5xx).

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::Notify;

use super::tg_html::{self, Parsed};
use super::tg_params::Params;

mod edit;
pub use edit::EditedMessage;

/// The token the fake accepts unless `FakeOptions::token` says otherwise.
pub const DEFAULT_TOKEN: &str = "123456:TEST-token";
/// The bot's username unless `FakeOptions::bot_username` says otherwise.
pub const DEFAULT_BOT_USERNAME: &str = "solibot_test_bot";

const MAX_BODY: usize = 64 * 1024 * 1024;
const MAX_UPLOAD: usize = 50 * 1024 * 1024;
const MAX_RAW_TEXT_BYTES: usize = 32768;
const LONG_POLL_MAX_TIMEOUT: i64 = 50;
const TERMINATED_BY_OTHER: &str = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running";
const TERMINATED_BY_WEBHOOK: &str = "Conflict: terminated by setWebhook request";
const WEBHOOK_ACTIVE: &str = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";

// ---------------------------------------------------------------------------------------
// Identities: chats, users, realistic ids.
// ---------------------------------------------------------------------------------------

/// A realistic user id (users are 1..2^40-1).
pub fn user_id(n: i64) -> i64 {
    700_000_000 + n
}

/// A realistic basic-group id (-1..-999_999_999_999).
pub fn group_id(n: i64) -> i64 {
    -(4_000_000_000 + n)
}

/// A realistic supergroup id (-100XXXXXXXXXX).
pub fn supergroup_id(n: i64) -> i64 {
    -(1_002_000_000_000 + n)
}

/// A realistic channel id (-100XXXXXXXXXX).
pub fn channel_id(n: i64) -> i64 {
    -(1_001_500_000_000 + n)
}

/// The kind of a chat, as in the Bot API `type` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatKind {
    Private,
    Group,
    Supergroup,
    Channel,
}

impl ChatKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatKind::Private => "private",
            ChatKind::Group => "group",
            ChatKind::Supergroup => "supergroup",
            ChatKind::Channel => "channel",
        }
    }

    /// The kind an id belongs to by range (supergroups and channels share a range; this
    /// answers Supergroup). None when teloxide would reject the id as malformed.
    pub fn of_id(id: i64) -> Option<ChatKind> {
        if (1..(1i64 << 40)).contains(&id) {
            Some(ChatKind::Private)
        } else if (-999_999_999_999..=-1).contains(&id) {
            Some(ChatKind::Group)
        } else if (-1_997_852_516_352..=-1_000_000_000_001).contains(&id) {
            Some(ChatKind::Supergroup)
        } else {
            None
        }
    }
}

/// A chat as the fake knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Chat {
    pub id: i64,
    pub kind: ChatKind,
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub username: Option<String>,
    pub is_forum: bool,
}

impl Chat {
    pub fn private(id: i64) -> Self {
        Chat {
            id,
            kind: ChatKind::Private,
            title: None,
            first_name: Some(format!("User{id}")),
            username: None,
            is_forum: false,
        }
    }

    /// The private chat with a user (same id, the user's first name).
    pub fn private_of(user: &User) -> Self {
        Chat {
            first_name: Some(user.first_name.clone()),
            username: user.username.clone(),
            ..Chat::private(user.id)
        }
    }

    pub fn group(id: i64, title: &str) -> Self {
        Chat {
            id,
            kind: ChatKind::Group,
            title: Some(title.to_string()),
            first_name: None,
            username: None,
            is_forum: false,
        }
    }

    pub fn supergroup(id: i64, title: &str, is_forum: bool) -> Self {
        Chat {
            kind: ChatKind::Supergroup,
            is_forum,
            ..Chat::group(id, title)
        }
    }

    pub fn channel(id: i64, title: &str) -> Self {
        Chat {
            kind: ChatKind::Channel,
            ..Chat::group(id, title)
        }
    }

    pub fn with_username(mut self, username: &str) -> Self {
        self.username = Some(username.trim_start_matches('@').to_string());
        self
    }

    /// A chat made up from the id range, for chats the fake was never told about.
    pub fn synthesize(id: i64) -> Option<Self> {
        Some(match ChatKind::of_id(id)? {
            ChatKind::Private => Chat::private(id),
            ChatKind::Group => Chat::group(id, &format!("Group {id}")),
            _ => Chat::supergroup(id, &format!("Supergroup {id}"), false),
        })
    }

    /// The chat as a Bot API `Chat` object.
    pub fn to_json(&self) -> Value {
        let mut v = json!({"id": self.id, "type": self.kind.as_str()});
        if let Some(t) = &self.title {
            v["title"] = t.clone().into();
        }
        if let Some(f) = &self.first_name {
            v["first_name"] = f.clone().into();
        }
        if let Some(u) = &self.username {
            v["username"] = u.clone().into();
        }
        if self.is_forum {
            v["is_forum"] = true.into();
        }
        v
    }
}

impl From<&Chat> for Chat {
    fn from(c: &Chat) -> Self {
        c.clone()
    }
}

/// A Telegram user.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: i64,
    pub is_bot: bool,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
}

impl User {
    pub fn new(id: i64, first_name: &str) -> Self {
        User {
            id,
            is_bot: false,
            first_name: first_name.to_string(),
            last_name: None,
            username: None,
            language_code: None,
        }
    }

    /// Sets the IETF language tag the client reports (`"ar"`, `"en"`, …).
    pub fn lang(mut self, code: &str) -> Self {
        self.language_code = Some(code.to_string());
        self
    }

    pub fn username(mut self, username: &str) -> Self {
        self.username = Some(username.trim_start_matches('@').to_string());
        self
    }

    /// The user as a Bot API `User` object.
    pub fn to_json(&self) -> Value {
        let mut v = json!({"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name});
        if let Some(l) = &self.last_name {
            v["last_name"] = l.clone().into();
        }
        if let Some(u) = &self.username {
            v["username"] = u.clone().into();
        }
        if let Some(l) = &self.language_code {
            v["language_code"] = l.clone().into();
        }
        v
    }
}

impl From<&User> for User {
    fn from(u: &User) -> Self {
        u.clone()
    }
}

/// A member's status in a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberStatus {
    Creator,
    Administrator,
    Member,
    Restricted,
    Left,
    Kicked,
}

impl MemberStatus {
    /// A Bot API `ChatMember` object with every field teloxide requires.
    pub fn to_json(self, user: &Value, chat_kind: ChatKind) -> Value {
        match self {
            MemberStatus::Creator => {
                json!({"user": user, "status": "creator", "is_anonymous": false})
            }
            MemberStatus::Administrator => {
                let mut v = json!({
                    "user": user, "status": "administrator", "can_be_edited": false,
                    "is_anonymous": false, "can_manage_chat": true, "can_delete_messages": true,
                    "can_manage_video_chats": true, "can_restrict_members": true,
                    "can_promote_members": false, "can_change_info": true, "can_invite_users": true,
                    "can_post_stories": false, "can_edit_stories": false, "can_delete_stories": false,
                });
                if chat_kind == ChatKind::Channel {
                    v["can_post_messages"] = true.into();
                    v["can_edit_messages"] = true.into();
                } else {
                    v["can_pin_messages"] = true.into();
                    v["can_manage_topics"] = false.into();
                }
                v
            }
            MemberStatus::Member => json!({"user": user, "status": "member"}),
            MemberStatus::Restricted => json!({
                "user": user, "status": "restricted", "is_member": true, "until_date": 0,
                "can_send_messages": false, "can_send_audios": false, "can_send_documents": false,
                "can_send_photos": false, "can_send_videos": false, "can_send_video_notes": false,
                "can_send_voice_notes": false, "can_send_polls": false,
                "can_send_other_messages": false, "can_add_web_page_previews": false,
                "can_change_info": false, "can_invite_users": false, "can_pin_messages": false,
                "can_manage_topics": false,
            }),
            MemberStatus::Left => json!({"user": user, "status": "left"}),
            MemberStatus::Kicked => json!({"user": user, "status": "kicked", "until_date": 0}),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Options, faults, observations.
// ---------------------------------------------------------------------------------------

/// How the fake behaves. `FakeOptions::default()` is a well-behaved Telegram without
/// limits or random faults.
#[derive(Debug, Clone)]
pub struct FakeOptions {
    pub token: String,
    pub bot_username: String,
    /// Refuse sends over Telegram's rate limits with 429.
    pub enforce_limits: bool,
    /// 1.0 = 30 msg/s overall, 1 msg/s per chat, 20 msg/min per group, supergroup or
    /// channel; 10.0 = ten times each. A send with `allow_paid_broadcast` may be one of
    /// 1,000 a second overall instead of 30 (times the scale); the others do not change.
    pub limits_scale: f64,
    /// Extra messages tolerated in each window so that a sender that keeps the limits
    /// exactly is not refused because of timer jitter (default 1).
    pub limit_slack: usize,
    /// Probability that a send is answered 500 or has its connection dropped (half each).
    pub fault_rate_5xx_or_drop: f64,
    /// Probability that a send is answered 429 with `retry_after` = `fault_retry_after`.
    pub fault_rate_429: f64,
    pub fault_retry_after: u32,
    pub seed: u64,
    /// Answer "chat not found" for chats the fake was never told about (by an update,
    /// `add_chat` or a migration). Off by default: any id in a valid range is accepted.
    pub strict_chats: bool,
    /// The first update_id handed out.
    pub first_update_id: i64,
    /// How long a `sendMessage` waits, after the fake has recorded (and counted) it,
    /// before it is answered: the network's and Telegram's delay, during which the
    /// message is delivered but the sender does not know it yet.
    pub answer_delay: Duration,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            token: DEFAULT_TOKEN.to_string(),
            bot_username: DEFAULT_BOT_USERNAME.to_string(),
            enforce_limits: false,
            limits_scale: 1.0,
            limit_slack: 1,
            fault_rate_5xx_or_drop: 0.0,
            fault_rate_429: 0.0,
            fault_retry_after: 1,
            seed: 7,
            strict_chats: false,
            first_update_id: 572_340_001,
            answer_delay: Duration::ZERO,
        }
    }
}

/// An injected failure.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// 403 "Forbidden: bot was blocked by the user".
    Blocked,
    /// 403 "Forbidden: bot was kicked from the group chat" (or "supergroup chat",
    /// "channel chat"; Private is answered like Group).
    Kicked(ChatKind),
    /// 403 "Forbidden: user is deactivated".
    Deactivated,
    /// 400 "Bad Request: chat not found".
    ChatNotFound,
    /// 400 "Bad Request: group chat was upgraded to a supergroup chat" with
    /// `parameters.migrate_to_chat_id`.
    Migrate(i64),
    /// 429 "Too Many Requests: retry after N" with `parameters.retry_after`.
    Flood { retry_after: u32 },
    /// 500 "Internal Server Error".
    ServerError,
    /// The connection is closed without a usable answer; nothing is delivered.
    DropConnection,
    /// The message is delivered, then the connection is closed without a usable answer.
    DropAfterSend,
    /// The message is delivered, then answered 500 "Internal Server Error".
    ServerErrorAfterSend,
    /// Any other answer.
    Custom { code: u16, description: String },
}

/// A `sendMessage` the fake accepted.
#[derive(Debug, Clone)]
pub struct SentMessage {
    pub chat_id: i64,
    pub message_id: i64,
    /// The `text` parameter as sent.
    pub text: String,
    /// What the user sees: tags stripped, entities decoded, cleaned and trimmed.
    pub visible_text: String,
    pub parse_mode: Option<String>,
    pub reply_markup: Option<Value>,
    pub link_preview_disabled: bool,
    pub disable_notification: bool,
    pub thread_id: Option<i64>,
    pub reply_to_message_id: Option<i64>,
    pub at: Instant,
    /// Sent with `allow_paid_broadcast`.
    pub paid: bool,
}

impl SentMessage {
    /// URLs of the inline keyboard's URL buttons, row by row.
    pub fn button_urls(&self) -> Vec<String> {
        let Some(rows) = self
            .reply_markup
            .as_ref()
            .and_then(|m| m.get("inline_keyboard"))
            .and_then(Value::as_array)
        else {
            return Vec::new();
        };
        rows.iter()
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(|b| b.get("url").and_then(Value::as_str).map(str::to_string))
            .collect()
    }
}

/// A `sendDocument` the fake accepted.
#[derive(Debug, Clone)]
pub struct SentDocument {
    pub chat_id: i64,
    pub message_id: i64,
    pub file_id: String,
    pub file_name: Option<String>,
    pub mime_type: String,
    pub bytes: Vec<u8>,
    pub caption: Option<String>,
    pub at: Instant,
}

/// One request, as received.
#[derive(Debug, Clone)]
pub struct Call {
    /// Lower-cased method name.
    pub method: String,
    /// The method name as sent (teloxide sends PascalCase).
    pub raw_method: String,
    /// The parameters as one JSON object (see `Params::to_json`).
    pub params: Value,
    pub at: Instant,
}

/// A text the fake refused because of its content (entities, length, emptiness).
#[derive(Debug, Clone)]
pub struct RenderError {
    pub method: String,
    pub chat_id: Option<String>,
    pub text: String,
    pub description: String,
}

/// Every answer that was not `ok`.
#[derive(Debug, Clone)]
pub struct ErrorReply {
    pub method: String,
    pub chat_id: Option<String>,
    pub code: u16,
    pub description: String,
}

/// One BotCommand as stored (leading "/" stripped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotCommandEntry {
    pub command: String,
    pub description: String,
}

/// The commands set for one scope and language.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandSet {
    pub scope: Value,
    pub language_code: Option<String>,
    pub commands: Vec<BotCommandEntry>,
}

/// What tests can observe. Handed to `wait_until` and `with_state` under the lock.
#[derive(Debug, Clone, Default)]
pub struct TelegramState {
    pub sent: Vec<SentMessage>,
    pub documents: Vec<SentDocument>,
    pub calls: Vec<Call>,
    pub command_sets: Vec<CommandSet>,
    pub render_errors: Vec<RenderError>,
    pub error_replies: Vec<ErrorReply>,
    /// Every 429 answered (injected, random or over a limit).
    pub count_429: usize,
    /// 429s answered because a rate limit was exceeded.
    pub count_429_limits: usize,
    pub callback_answers: Vec<Value>,
    /// Every `editMessageText` / `editMessageReplyMarkup` accepted ([`edit`]).
    pub edits: Vec<EditedMessage>,
    pub webhook_url: String,
    /// The `secret_token` of the webhook set (None: none, or no webhook).
    pub webhook_secret: Option<String>,
    /// The `max_connections` of the webhook set.
    pub webhook_max_connections: Option<i64>,
    /// Every update posted to the webhook: (update_id, HTTP status, or 0 when no answer).
    pub webhook_posts: Vec<(i64, u16)>,
    /// The persisted allowed_updates (None = never set = Telegram's default).
    pub allowed_updates: Option<Vec<String>>,
    /// Updates queued and not yet confirmed.
    pub pending_updates: usize,
    /// The last update_id handed out (0 before any).
    pub last_update_id: i64,
    /// Every update with an id up to this one has been confirmed by an offset.
    pub confirmed_update_id: i64,
    /// Updates dropped because their kind is not in allowed_updates.
    pub filtered_updates: usize,
    /// A getUpdates request is in progress (parked or answering).
    pub polling: bool,
    /// Number of getUpdates requests received.
    pub polls: usize,
}

impl TelegramState {
    pub fn sent_to(&self, chat_id: i64) -> Vec<&SentMessage> {
        self.sent.iter().filter(|m| m.chat_id == chat_id).collect()
    }

    pub fn calls_of(&self, method: &str) -> usize {
        let m = method.to_ascii_lowercase();
        self.calls.iter().filter(|c| c.method == m).count()
    }
}

// ---------------------------------------------------------------------------------------
// Internal state.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct FailureRule {
    failure: Failure,
    remaining: Option<usize>,
}

impl FailureRule {
    /// The failure if it still applies, counting it down.
    fn take(&mut self) -> Option<Failure> {
        match &mut self.remaining {
            Some(0) => None,
            Some(n) => {
                *n -= 1;
                Some(self.failure.clone())
            }
            None => Some(self.failure.clone()),
        }
    }
}

struct QueuedUpdate {
    id: i64,
    kind: String,
    json: Value,
}

#[derive(Clone)]
struct StoredFile {
    file_id: String,
    file_unique_id: String,
    file_path: String,
    file_name: Option<String>,
    mime_type: String,
    bytes: Arc<Vec<u8>>,
}

impl StoredFile {
    fn document_json(&self) -> Value {
        let mut v = json!({
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "mime_type": self.mime_type,
            "file_size": self.bytes.len(),
        });
        if let Some(n) = &self.file_name {
            v["file_name"] = n.clone().into();
        }
        v
    }
}

#[derive(Default)]
struct Windows {
    overall: VecDeque<Instant>,
    per_chat: HashMap<i64, VecDeque<Instant>>,
    per_group_minute: HashMap<i64, VecDeque<Instant>>,
}

/// Time until the window admits one more hit, or None if it admits one now.
fn window_wait(
    hits: &mut VecDeque<Instant>,
    span: Duration,
    allowed: usize,
    now: Instant,
) -> Option<Duration> {
    while hits.front().is_some_and(|t| now.duration_since(*t) >= span) {
        hits.pop_front();
    }
    if hits.len() >= allowed {
        let idx = hits.len() - allowed;
        let expire = hits[idx] + span;
        Some(expire.saturating_duration_since(now))
    } else {
        None
    }
}

struct Internal {
    next_update_id: i64,
    queue: VecDeque<QueuedUpdate>,
    chats: HashMap<i64, Chat>,
    users: HashMap<i64, User>,
    last_message_id: HashMap<i64, i64>,
    messages: HashMap<(i64, i64), Value>,
    files: HashMap<String, StoredFile>,
    file_paths: HashMap<String, String>,
    next_file: u64,
    next_callback: u64,
    members: HashMap<(i64, i64), MemberStatus>,
    /// Forum topics that exist, per chat (learnt from messages in a topic).
    topics: HashMap<i64, HashSet<i64>>,
    chat_failures: HashMap<i64, FailureRule>,
    method_failures: HashMap<String, FailureRule>,
    rng: fastrand::Rng,
    windows: Windows,
    poll_seq: u64,
    active_poll: Option<u64>,
    terminated: HashMap<u64, &'static str>,
    /// Every update ever queued, by id (for `deliver_again`).
    history: HashMap<i64, Value>,
    /// Updates the next getUpdates answers again, whatever its offset.
    redeliver: Vec<Value>,
    /// Where webhook posts actually go (the test's `http.listen`), instead of the public
    /// URL's origin.
    webhook_target: Option<String>,
}

impl Internal {
    fn next_message_id(&mut self, chat_id: i64) -> i64 {
        let id = self.last_message_id.entry(chat_id).or_insert(100);
        *id += 1;
        *id
    }
}

struct Locked {
    obs: TelegramState,
    int: Internal,
}

struct Shared {
    opts: FakeOptions,
    bot_id: i64,
    state: Mutex<Locked>,
    notify: Notify,
}

enum Reply {
    Ok(Value),
    OkWithDescription(Value, &'static str),
    Err {
        code: u16,
        description: String,
        retry_after: Option<u32>,
        migrate_to: Option<i64>,
    },
    Drop,
}

impl Reply {
    fn err(code: u16, description: impl Into<String>) -> Self {
        Reply::Err {
            code,
            description: description.into(),
            retry_after: None,
            migrate_to: None,
        }
    }

    fn bad(description: impl Into<String>) -> Self {
        Reply::err(400, description)
    }

    fn retry_after(secs: u32) -> Self {
        Reply::Err {
            code: 429,
            description: format!("Too Many Requests: retry after {secs}"),
            retry_after: Some(secs),
            migrate_to: None,
        }
    }

    fn not_found() -> Self {
        Reply::err(404, "Not Found")
    }

    fn into_response(self) -> Response {
        let (status, body) = match self {
            Reply::Ok(v) => (200, format!("{{\"ok\":true,\"result\":{v}}}")),
            Reply::OkWithDescription(v, d) => (
                200,
                format!(
                    "{{\"ok\":true,\"result\":{v},\"description\":{}}}",
                    Value::from(d)
                ),
            ),
            Reply::Err {
                code,
                description,
                retry_after,
                migrate_to,
            } => {
                let params = match (retry_after, migrate_to) {
                    (Some(r), _) => format!(",\"parameters\":{{\"retry_after\":{r}}}"),
                    (None, Some(m)) => format!(",\"parameters\":{{\"migrate_to_chat_id\":{m}}}"),
                    (None, None) => String::new(),
                };
                (
                    code,
                    format!(
                        "{{\"ok\":false,\"error_code\":{code},\"description\":{}{params}}}",
                        Value::from(description)
                    ),
                )
            }
            Reply::Drop => return dropped_connection(),
        };
        Response::builder()
            .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap_or_else(|_| Response::new(Body::empty()))
    }
}

/// A response whose body fails at once: the client sees the connection break before it can
/// read an answer.
fn dropped_connection() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by the fake Bot API",
        ))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn failure_reply(f: &Failure) -> Reply {
    match f {
        Failure::Blocked => Reply::err(403, "Forbidden: bot was blocked by the user"),
        Failure::Kicked(kind) => {
            let what = match kind {
                ChatKind::Supergroup => "supergroup chat",
                ChatKind::Channel => "channel chat",
                ChatKind::Group | ChatKind::Private => "group chat",
            };
            Reply::err(403, format!("Forbidden: bot was kicked from the {what}"))
        }
        Failure::Deactivated => Reply::err(403, "Forbidden: user is deactivated"),
        Failure::ChatNotFound => Reply::bad("Bad Request: chat not found"),
        Failure::Migrate(new_id) => Reply::Err {
            code: 400,
            description: "Bad Request: group chat was upgraded to a supergroup chat".to_string(),
            retry_after: None,
            migrate_to: Some(*new_id),
        },
        Failure::Flood { retry_after } => Reply::retry_after(*retry_after),
        Failure::ServerError | Failure::ServerErrorAfterSend => {
            Reply::err(500, "Internal Server Error")
        }
        Failure::DropConnection | Failure::DropAfterSend => Reply::Drop,
        Failure::Custom { code, description } => Reply::err(*code, description.clone()),
    }
}

fn allowed_kind(allowed: &Option<Vec<String>>, kind: &str) -> bool {
    match allowed {
        Some(list) if !list.is_empty() => list.iter().any(|k| k == kind),
        _ => !matches!(
            kind,
            "chat_member" | "message_reaction" | "message_reaction_count"
        ),
    }
}

fn mime_for(file_name: Option<&str>) -> &'static str {
    let ext = file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "opml" => "text/x-opml",
        "xml" => "application/xml",
        "json" => "application/json",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        _ => "application/octet-stream",
    }
}

/// A `/command` or `/command@bot` at the start of the text: its length in UTF-16 units.
fn leading_command_len(text: &str) -> Option<usize> {
    let rest = text.strip_prefix('/')?;
    let token: &str = rest.split(char::is_whitespace).next().unwrap_or("");
    let (cmd, bot) = match token.split_once('@') {
        Some((c, b)) => (c, Some(b)),
        None => (token, None),
    };
    let word = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if cmd.is_empty() || cmd.len() > 64 || !word(cmd) {
        return None;
    }
    if let Some(b) = bot
        && (b.len() < 3 || b.len() > 32 || !word(b))
    {
        return None;
    }
    Some(1 + token.encode_utf16().count())
}

fn valid_button_url(u: &str) -> bool {
    let Ok(url) = url::Url::parse(u) else {
        return false;
    };
    match url.scheme() {
        "http" | "https" => url.host_str().is_some_and(|h| !h.is_empty()),
        "tg" => true,
        _ => false,
    }
}

/// Validates `reply_markup` like the Bot API server. Returns the markup to echo back.
fn check_reply_markup(p: &Params) -> Result<Option<Value>, String> {
    let markup = match p.json("reply_markup") {
        None => return Ok(None),
        Some(Err(())) => {
            return Err("Bad Request: can't parse reply keyboard markup JSON object".to_string());
        }
        Some(Ok(v)) => v,
    };
    let Some(obj) = markup.as_object() else {
        return Err("Bad Request: object expected as reply markup".to_string());
    };
    if let Some(keyboard) = obj.get("inline_keyboard") {
        let rows = keyboard
            .as_array()
            .filter(|rows| rows.iter().all(Value::is_array))
            .ok_or_else(|| {
                "Bad Request: field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays"
                    .to_string()
            })?;
        let mut total = 0;
        for button in rows.iter().filter_map(Value::as_array).flatten() {
            total += 1;
            check_button(button)?;
        }
        if total > 100 {
            return Err("Bad Request: reply markup is too long".to_string());
        }
    }
    if markup.to_string().len() > 10 * 1024 {
        return Err("Bad Request: reply markup is too long".to_string());
    }
    Ok(Some(markup))
}

fn check_button(button: &Value) -> Result<(), String> {
    const PREFIX: &str = "Bad Request: can't parse inline keyboard button: ";
    let Some(b) = button.as_object() else {
        return Err(format!("{PREFIX}InlineKeyboardButton must be an Object"));
    };
    if !b.get("text").is_some_and(Value::is_string) {
        return Err(format!("{PREFIX}Field \"text\" must be of type String"));
    }
    let non_empty = |k: &str| match b.get(k) {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    };
    if non_empty("url") {
        let url = b.get("url").and_then(Value::as_str).unwrap_or("");
        if !valid_button_url(url) {
            return Err("Bad Request: BUTTON_URL_INVALID".to_string());
        }
        return Ok(());
    }
    if non_empty("callback_data") {
        let data = b.get("callback_data").and_then(Value::as_str).unwrap_or("");
        if data.is_empty() || data.len() > 64 {
            return Err("Bad Request: BUTTON_DATA_INVALID".to_string());
        }
        return Ok(());
    }
    const OTHER: &[&str] = &[
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "web_app",
        "callback_game",
        "pay",
        "copy_text",
    ];
    if OTHER.iter().any(|k| b.contains_key(*k)) {
        return Ok(());
    }
    Err(format!(
        "{PREFIX}Text buttons are unallowed in the inline keyboard"
    ))
}

enum Mode {
    Plain,
    Html,
    Markdown,
}

fn parse_mode_of(p: &Params) -> Result<(Mode, Option<String>), String> {
    let raw = p.str("parse_mode");
    let mode = match raw.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("") | Some("none") => Mode::Plain,
        Some("html") => Mode::Html,
        Some("markdown") | Some("markdownv2") => Mode::Markdown,
        Some(_) => return Err("Bad Request: unsupported parse_mode".to_string()),
    };
    Ok((mode, raw))
}

fn parse_text(mode: &Mode, text: &str) -> Result<Parsed, String> {
    match mode {
        Mode::Html => tg_html::parse_message_html(text),
        // Markdown is not validated by the fake; its visible text is the raw text.
        Mode::Plain | Mode::Markdown => Ok(tg_html::clean_and_trim(text, Vec::new())),
    }
}

enum Gate {
    Pass,
    Refuse(Reply),
    /// Deliver, then answer this instead of the message.
    AfterSend(Reply),
}

struct PollGuard {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for PollGuard {
    fn drop(&mut self) {
        let mut l = self.shared.lock();
        if l.int.active_poll == Some(self.id) {
            l.int.active_poll = None;
            l.obs.polling = false;
        }
        l.int.terminated.remove(&self.id);
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Locked> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bot_user(&self) -> User {
        User {
            is_bot: true,
            username: Some(self.opts.bot_username.clone()),
            ..User::new(self.bot_id, "Solibot Test")
        }
    }

    fn me_json(&self) -> Value {
        json!({
            "id": self.bot_id,
            "is_bot": true,
            "first_name": "Solibot Test",
            "username": self.opts.bot_username,
            "can_join_groups": true,
            "can_read_all_group_messages": false,
            "supports_inline_queries": false,
            "can_connect_to_business": false,
            "has_main_web_app": false,
        })
    }

    /// Queues an update if its kind is allowed. Returns its id.
    fn enqueue(&self, l: &mut Locked, kind: &str, payload: Value) -> Option<i64> {
        if !allowed_kind(&l.obs.allowed_updates, kind) {
            l.obs.filtered_updates += 1;
            return None;
        }
        let id = l.int.next_update_id;
        l.int.next_update_id += 1;
        let mut json = json!({"update_id": id});
        json[kind] = payload;
        l.int.history.insert(id, json.clone());
        l.int.queue.push_back(QueuedUpdate {
            id,
            kind: kind.to_string(),
            json,
        });
        l.obs.pending_updates = l.int.queue.len();
        l.obs.last_update_id = id;
        Some(id)
    }

    fn register(&self, l: &mut Locked, chat: &Chat, from: Option<&User>) {
        l.int.chats.insert(chat.id, chat.clone());
        if let Some(u) = from {
            l.int.users.insert(u.id, u.clone());
        }
    }

    fn store_file(&self, l: &mut Locked, bytes: Vec<u8>, file_name: Option<String>) -> StoredFile {
        l.int.next_file += 1;
        let n = l.int.next_file;
        let ext = file_name
            .as_deref()
            .and_then(|f| f.rsplit_once('.'))
            .map(|(_, e)| {
                e.chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
            })
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| "bin".to_string());
        let file = StoredFile {
            file_id: format!("BQACAgIAAxkBAAIB{n:06}FakeDocumentId"),
            file_unique_id: format!("AgADFake{n:06}"),
            file_path: format!("documents/file_{n}.{ext}"),
            mime_type: mime_for(file_name.as_deref()).to_string(),
            file_name,
            bytes: Arc::new(bytes),
        };
        l.int.files.insert(file.file_id.clone(), file.clone());
        l.int
            .file_paths
            .insert(file.file_path.clone(), file.file_id.clone());
        file
    }

    /// Builds, stores and queues a message from a user. Returns its message_id.
    fn push_chat_message(
        &self,
        chat: Chat,
        from: User,
        mut fields: serde_json::Map<String, Value>,
        reply_to: Option<i64>,
    ) -> i64 {
        let message_id;
        {
            let mut l = self.lock();
            self.register(&mut l, &chat, Some(&from));
            message_id = l.int.next_message_id(chat.id);
            fields.insert("message_id".into(), message_id.into());
            fields.insert("date".into(), unix_now().into());
            fields.insert("chat".into(), chat.to_json());
            let kind = if chat.kind == ChatKind::Channel {
                fields.insert("sender_chat".into(), chat.to_json());
                "channel_post"
            } else {
                fields.insert("from".into(), from.to_json());
                "message"
            };
            if let Some(r) = reply_to
                && let Some(orig) = l.int.messages.get(&(chat.id, r))
            {
                let mut orig = orig.clone();
                if let Some(o) = orig.as_object_mut() {
                    o.remove("reply_to_message");
                }
                fields.insert("reply_to_message".into(), orig);
            }
            let msg = Value::Object(fields);
            l.int.messages.insert((chat.id, message_id), msg.clone());
            self.enqueue(&mut l, kind, msg);
        }
        self.notify.notify_waiters();
        message_id
    }

    fn resolve_chat(&self, l: &Locked, raw: Option<String>) -> Result<Chat, String> {
        let raw = raw.unwrap_or_default();
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("Bad Request: chat_id is empty".to_string());
        }
        let not_found = || "Bad Request: chat not found".to_string();
        if let Some(name) = raw.strip_prefix('@') {
            return l
                .int
                .chats
                .values()
                .find(|c| {
                    c.username
                        .as_deref()
                        .is_some_and(|u| u.eq_ignore_ascii_case(name))
                })
                .cloned()
                .ok_or_else(not_found);
        }
        let id: i64 = raw.parse().map_err(|_| not_found())?;
        if let Some(c) = l.int.chats.get(&id) {
            return Ok(c.clone());
        }
        if self.opts.strict_chats {
            return Err(not_found());
        }
        Chat::synthesize(id).ok_or_else(not_found)
    }

    /// Per-chat faults, random faults, then rate limits, for a send to `chat`.
    fn send_gate(&self, l: &mut Locked, chat: &Chat, thread: Option<i64>, paid: bool) -> Gate {
        if let Some(rule) = l.int.chat_failures.get_mut(&chat.id)
            && let Some(f) = rule.take()
        {
            return match f {
                Failure::DropAfterSend => Gate::AfterSend(Reply::Drop),
                Failure::ServerErrorAfterSend => {
                    Gate::AfterSend(failure_reply(&Failure::ServerError))
                }
                other => Gate::Refuse(failure_reply(&other)),
            };
        }
        if let Some(refusal) = self.membership_refusal(l, chat, thread) {
            return Gate::Refuse(refusal);
        }
        if self.opts.fault_rate_5xx_or_drop > 0.0
            && l.int.rng.f64() < self.opts.fault_rate_5xx_or_drop
        {
            return Gate::Refuse(if l.int.rng.bool() {
                failure_reply(&Failure::ServerError)
            } else {
                Reply::Drop
            });
        }
        if self.opts.fault_rate_429 > 0.0 && l.int.rng.f64() < self.opts.fault_rate_429 {
            return Gate::Refuse(Reply::retry_after(self.opts.fault_retry_after));
        }
        if self.opts.enforce_limits {
            let now = Instant::now();
            let scale = self.opts.limits_scale;
            let slack = self.opts.limit_slack;
            let allowed = |rate: f64| ((rate * scale).floor() as usize).max(1) + slack;
            let sec = Duration::from_secs(1);
            let overall = allowed(if paid { 1000.0 } else { 30.0 });
            let mut wait = window_wait(&mut l.int.windows.overall, sec, overall, now);
            let per_chat = l.int.windows.per_chat.entry(chat.id).or_default();
            wait = wait.max(window_wait(per_chat, sec, allowed(1.0), now));
            if chat.id < 0 {
                let per_group = l.int.windows.per_group_minute.entry(chat.id).or_default();
                wait = wait.max(window_wait(
                    per_group,
                    Duration::from_secs(60),
                    allowed(20.0),
                    now,
                ));
            }
            if let Some(w) = wait {
                let secs = (w.as_secs_f64().ceil() as u32).max(1);
                l.obs.count_429_limits += 1;
                return Gate::Refuse(Reply::retry_after(secs));
            }
            l.int.windows.overall.push_back(now);
            l.int
                .windows
                .per_chat
                .entry(chat.id)
                .or_default()
                .push_back(now);
            if chat.id < 0 {
                l.int
                    .windows
                    .per_group_minute
                    .entry(chat.id)
                    .or_default()
                    .push_back(now);
            }
        }
        Gate::Pass
    }

    /// What Telegram answers a send to a chat the bot cannot post in: blocked, removed,
    /// kicked, restricted, a channel where it is not an administrator, a missing topic.
    fn membership_refusal(&self, l: &Locked, chat: &Chat, thread: Option<i64>) -> Option<Reply> {
        let status = l.int.members.get(&(chat.id, self.bot_id)).copied();
        let place = match chat.kind {
            ChatKind::Private => {
                return match status {
                    Some(MemberStatus::Kicked) => Some(failure_reply(&Failure::Blocked)),
                    Some(MemberStatus::Left) => Some(Reply::err(
                        403,
                        "Forbidden: bot can't initiate conversation with a user",
                    )),
                    _ => None,
                };
            }
            ChatKind::Group => "group chat",
            ChatKind::Supergroup => "supergroup chat",
            ChatKind::Channel => "channel chat",
        };
        match status {
            Some(MemberStatus::Kicked) => {
                return Some(Reply::err(
                    403,
                    format!("Forbidden: bot was kicked from the {place}"),
                ));
            }
            Some(MemberStatus::Left) => {
                return Some(Reply::err(
                    403,
                    format!("Forbidden: bot is not a member of the {place}"),
                ));
            }
            _ => {}
        }
        let admin = matches!(
            status,
            Some(MemberStatus::Administrator | MemberStatus::Creator)
        );
        if chat.kind == ChatKind::Channel && !admin {
            return Some(Reply::bad(
                "Bad Request: need administrator rights in the channel chat",
            ));
        }
        if status == Some(MemberStatus::Restricted) {
            return Some(Reply::bad(
                "Bad Request: not enough rights to send text messages to the chat",
            ));
        }
        let topic_exists =
            |t: i64| t == 1 || l.int.topics.get(&chat.id).is_some_and(|ts| ts.contains(&t));
        match thread {
            Some(t) if !topic_exists(t) => {
                Some(Reply::bad("Bad Request: message thread not found"))
            }
            _ => None,
        }
    }

    fn render_error(
        &self,
        l: &mut Locked,
        method: &str,
        p: &Params,
        text: &str,
        description: String,
    ) -> Reply {
        l.obs.render_errors.push(RenderError {
            method: method.to_string(),
            chat_id: p.str("chat_id"),
            text: text.to_string(),
            description: description.clone(),
        });
        Reply::bad(description)
    }

    fn handle(&self, method: &str, p: &Params) -> Reply {
        let mut guard = self.lock();
        let l = &mut *guard;
        match method {
            "getme" => Reply::Ok(self.me_json()),
            "getwebhookinfo" => {
                let mut v = json!({
                    "url": l.obs.webhook_url,
                    "has_custom_certificate": false,
                    "pending_update_count": l.int.queue.len(),
                });
                if let Some(a) = &l.obs.allowed_updates {
                    v["allowed_updates"] = json!(a);
                }
                Reply::Ok(v)
            }
            "deletewebhook" => {
                if p.bool("drop_pending_updates") {
                    l.int.queue.clear();
                    l.obs.pending_updates = 0;
                    l.obs.confirmed_update_id = l.int.next_update_id - 1;
                }
                if l.obs.webhook_url.is_empty() {
                    Reply::OkWithDescription(json!(true), "Webhook is already deleted")
                } else {
                    l.obs.webhook_url.clear();
                    l.obs.webhook_secret = None;
                    Reply::OkWithDescription(json!(true), "Webhook was deleted")
                }
            }
            "setwebhook" => self.set_webhook(l, p),
            "setmycommands" => self.set_my_commands(l, p),
            "getmycommands" => {
                let (scope, lang) = scope_and_language(p);
                let cmds = l
                    .obs
                    .command_sets
                    .iter()
                    .find(|s| s.scope == scope && s.language_code == lang)
                    .map(|s| {
                        s.commands
                            .iter()
                            .map(|c| json!({"command": c.command, "description": c.description}))
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default();
                Reply::Ok(Value::Array(cmds))
            }
            "deletemycommands" => {
                let (scope, lang) = scope_and_language(p);
                l.obs
                    .command_sets
                    .retain(|s| !(s.scope == scope && s.language_code == lang));
                Reply::Ok(json!(true))
            }
            "sendmessage" => self.send_message(l, p),
            "editmessagetext" => self.edit_message_text(l, p),
            "editmessagereplymarkup" => self.edit_message_reply_markup(l, p),
            "senddocument" => self.send_document(l, p),
            "getfile" => {
                let id = p.str("file_id").unwrap_or_default();
                match l.int.files.get(&id) {
                    Some(f) => Reply::Ok(json!({
                        "file_id": f.file_id,
                        "file_unique_id": f.file_unique_id,
                        "file_size": f.bytes.len(),
                        "file_path": f.file_path,
                    })),
                    None => Reply::bad("Bad Request: invalid file id"),
                }
            }
            "getchat" => match self.resolve_chat(l, p.str("chat_id")) {
                Ok(c) => {
                    let mut v = c.to_json();
                    v["accent_color_id"] = 0.into();
                    v["max_reaction_count"] = 11.into();
                    v["accepted_gift_types"] = json!({
                        "unlimited_gifts": false,
                        "limited_gifts": false,
                        "unique_gifts": false,
                        "premium_subscription": false,
                    });
                    Reply::Ok(v)
                }
                Err(e) => Reply::bad(e),
            },
            "getchatmember" => {
                let chat = match self.resolve_chat(l, p.str("chat_id")) {
                    Ok(c) => c,
                    Err(e) => return Reply::bad(e),
                };
                let Some(uid) = p.int("user_id").filter(|u| *u > 0) else {
                    return Reply::bad("Bad Request: invalid user_id specified");
                };
                let status = l
                    .int
                    .members
                    .get(&(chat.id, uid))
                    .copied()
                    .unwrap_or(MemberStatus::Member);
                let user = self.user_json(l, uid);
                Reply::Ok(status.to_json(&user, chat.kind))
            }
            "getchatadministrators" => {
                let chat = match self.resolve_chat(l, p.str("chat_id")) {
                    Ok(c) => c,
                    Err(e) => return Reply::bad(e),
                };
                if chat.kind == ChatKind::Private {
                    return Reply::bad(
                        "Bad Request: there are no administrators in the private chat",
                    );
                }
                let mut admins: Vec<(i64, MemberStatus)> = l
                    .int
                    .members
                    .iter()
                    .filter(|((c, _), s)| {
                        *c == chat.id
                            && matches!(s, MemberStatus::Creator | MemberStatus::Administrator)
                    })
                    .map(|((_, u), s)| (*u, *s))
                    .collect();
                admins.sort_by_key(|(u, _)| *u);
                let list = admins
                    .into_iter()
                    .map(|(u, s)| s.to_json(&self.user_json(l, u), chat.kind))
                    .collect();
                Reply::Ok(Value::Array(list))
            }
            "answercallbackquery" => {
                if p.str("callback_query_id").unwrap_or_default().is_empty() {
                    return Reply::bad(
                        "Bad Request: query is too old and response timeout expired or query ID is invalid",
                    );
                }
                l.obs.callback_answers.push(p.to_json());
                Reply::Ok(json!(true))
            }
            "sendchataction" | "leavechat" | "close" | "logout" => Reply::Ok(json!(true)),
            _ => Reply::not_found(),
        }
    }

    fn user_json(&self, l: &Locked, uid: i64) -> Value {
        if uid == self.bot_id {
            return self.bot_user().to_json();
        }
        l.int
            .users
            .get(&uid)
            .cloned()
            .unwrap_or_else(|| User::new(uid, &format!("User{uid}")))
            .to_json()
    }

    fn set_webhook(&self, l: &mut Locked, p: &Params) -> Reply {
        let url = p.str("url").unwrap_or_default();
        if url.is_empty() {
            let was = !l.obs.webhook_url.is_empty();
            l.obs.webhook_url.clear();
            l.obs.webhook_secret = None;
            return Reply::OkWithDescription(
                json!(true),
                if was {
                    "Webhook was deleted"
                } else {
                    "Webhook is already deleted"
                },
            );
        }
        let parsed = match url::Url::parse(&url) {
            Ok(u) => u,
            Err(_) => return Reply::bad("Bad Request: bad webhook: invalid webhook URL specified"),
        };
        if parsed.scheme() != "https" {
            return Reply::bad("Bad Request: bad webhook: HTTPS url must be provided for webhook");
        }
        if !matches!(parsed.port_or_known_default(), Some(80 | 88 | 443 | 8443)) {
            return Reply::bad(
                "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
            );
        }
        let secret = p.str("secret_token").filter(|t| !t.is_empty());
        if let Some(t) = &secret {
            if t.len() > 256 {
                return Reply::bad("Bad Request: secret token is too long");
            }
            if !t
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Reply::bad("Bad Request: secret token contains unallowed characters");
            }
        }
        l.obs.webhook_secret = secret;
        l.obs.webhook_max_connections = p.int("max_connections");
        if let Some(Ok(Value::Array(a))) = p.json("allowed_updates") {
            l.obs.allowed_updates = Some(
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            );
        }
        if let Some(active) = l.int.active_poll {
            l.int.terminated.insert(active, TERMINATED_BY_WEBHOOK);
        }
        let same = l.obs.webhook_url == url;
        l.obs.webhook_url = url;
        self.notify.notify_waiters();
        Reply::OkWithDescription(
            json!(true),
            if same {
                "Webhook is already set"
            } else {
                "Webhook was set"
            },
        )
    }

    fn set_my_commands(&self, l: &mut Locked, p: &Params) -> Reply {
        let list = match p.json("commands") {
            None => return Reply::bad("Bad Request: parameter \"commands\" is required"),
            Some(Err(())) => return Reply::bad("Bad Request: can't parse commands JSON object"),
            Some(Ok(Value::Array(a))) => a,
            Some(Ok(_)) => return Reply::bad("Bad Request: field \"commands\" must be an Array"),
        };
        if list.len() > 100 {
            return Reply::bad("Bad Request: BOT_COMMANDS_TOO_MUCH");
        }
        let mut commands = Vec::with_capacity(list.len());
        for item in &list {
            let Some(obj) = item.as_object() else {
                return Reply::bad("Bad Request: object expected as BotCommand");
            };
            let Some(command) = obj.get("command").and_then(Value::as_str) else {
                return Reply::bad("Bad Request: field \"command\" must be of type String");
            };
            let Some(description) = obj.get("description").and_then(Value::as_str) else {
                return Reply::bad("Bad Request: field \"description\" must be of type String");
            };
            let command = command.trim();
            let command = command.strip_prefix('/').unwrap_or(command);
            if command.is_empty() {
                return Reply::bad("Bad Request: command must be non-empty");
            }
            if command.chars().count() > 32 {
                return Reply::bad("Bad Request: command length must not exceed 32");
            }
            let description = description.trim();
            if description.chars().count() > 256 {
                return Reply::bad("Bad Request: command description length must not exceed 256");
            }
            if !command
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                return Reply::bad("Bad Request: BOT_COMMAND_INVALID");
            }
            if description.is_empty() {
                return Reply::bad("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID");
            }
            commands.push(BotCommandEntry {
                command: command.to_string(),
                description: description.to_string(),
            });
        }
        let (scope, language_code) = scope_and_language(p);
        l.obs
            .command_sets
            .retain(|s| !(s.scope == scope && s.language_code == language_code));
        l.obs.command_sets.push(CommandSet {
            scope,
            language_code,
            commands,
        });
        Reply::Ok(json!(true))
    }

    fn send_message(&self, l: &mut Locked, p: &Params) -> Reply {
        const M: &str = "sendmessage";
        let text = p.str("text").unwrap_or_default();
        if text.is_empty() {
            return self.render_error(l, M, p, &text, "Bad Request: message text is empty".into());
        }
        if text.len() > MAX_RAW_TEXT_BYTES {
            return self.render_error(l, M, p, &text, "Bad Request: text is too long".into());
        }
        let (mode, parse_mode) = match parse_mode_of(p) {
            Ok(m) => m,
            Err(e) => return Reply::bad(e),
        };
        let parsed = match parse_text(&mode, &text) {
            Ok(parsed) => parsed,
            Err(e) => return self.render_error(l, M, p, &text, e),
        };
        let link_preview_disabled = match p.json("link_preview_options") {
            None => p.bool("disable_web_page_preview"),
            Some(Err(())) => {
                return Reply::bad("Bad Request: can't parse link preview options JSON object");
            }
            Some(Ok(Value::Object(o))) => o
                .get("is_disabled")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            Some(Ok(_)) => {
                return Reply::bad("Bad Request: object expected as link preview options");
            }
        };
        let markup = match check_reply_markup(p) {
            Ok(m) => m,
            Err(e) => return Reply::bad(e),
        };
        let chat = match self.resolve_chat(l, p.str("chat_id")) {
            Ok(c) => c,
            Err(e) => return Reply::bad(e),
        };
        if parsed.text.is_empty() {
            return self.render_error(l, M, p, &text, "Bad Request: text must be non-empty".into());
        }
        if tg_html::visible_len(&parsed.text) > tg_html::MAX_TEXT_CHARS {
            return self.render_error(l, M, p, &text, "Bad Request: message is too long".into());
        }
        let thread_id = p.int("message_thread_id").filter(|t| *t != 0);
        let reply_to = p
            .json("reply_parameters")
            .and_then(Result::ok)
            .and_then(|r| r.get("message_id").and_then(Value::as_i64))
            .or_else(|| p.int("reply_to_message_id"));
        let paid = p.bool("allow_paid_broadcast");
        let after_send = match self.send_gate(l, &chat, thread_id, paid) {
            Gate::Pass => None,
            Gate::AfterSend(r) => Some(r),
            Gate::Refuse(r) => return r,
        };
        let message_id = l.int.next_message_id(chat.id);
        let mut msg = json!({
            "message_id": message_id,
            "from": self.bot_user().to_json(),
            "chat": chat.to_json(),
            "date": unix_now(),
            "text": parsed.text,
        });
        if !parsed.entities.is_empty() {
            msg["entities"] = Value::Array(
                parsed
                    .entities
                    .iter()
                    .map(tg_html::Entity::to_json)
                    .collect(),
            );
        }
        if let Some(m) = markup
            .as_ref()
            .filter(|m| m.get("inline_keyboard").is_some())
        {
            msg["reply_markup"] = m.clone();
        }
        if let Some(t) = thread_id {
            msg["message_thread_id"] = t.into();
            if chat.is_forum {
                msg["is_topic_message"] = true.into();
            }
        }
        if link_preview_disabled {
            msg["link_preview_options"] = json!({"is_disabled": true});
        }
        l.int.messages.insert((chat.id, message_id), msg.clone());
        l.obs.sent.push(SentMessage {
            chat_id: chat.id,
            message_id,
            text,
            visible_text: parsed.text,
            parse_mode,
            reply_markup: markup,
            link_preview_disabled,
            disable_notification: p.bool("disable_notification"),
            thread_id,
            reply_to_message_id: reply_to,
            at: Instant::now(),
            paid,
        });
        after_send.unwrap_or(Reply::Ok(msg))
    }

    fn send_document(&self, l: &mut Locked, p: &Params) -> Reply {
        const M: &str = "senddocument";
        let no_document = || Reply::bad("Bad Request: there is no document in the request");
        let (bytes, file_name) = match p.str("document") {
            Some(d) if d.starts_with("attach://") => {
                let name = &d["attach://".len()..];
                match p.part(name) {
                    Some(part) => (part.bytes.clone(), part.file_name.clone()),
                    None => return no_document(),
                }
            }
            Some(d) if l.int.files.contains_key(&d) => {
                let f = &l.int.files[&d];
                (f.bytes.as_ref().clone(), f.file_name.clone())
            }
            Some(d) if d.starts_with("http://") || d.starts_with("https://") => {
                return Reply::bad("Bad Request: wrong file identifier/HTTP URL specified");
            }
            Some(d) if !d.is_empty() => {
                return Reply::bad(
                    "Bad Request: wrong remote file identifier specified: Wrong string length",
                );
            }
            _ => match p.part("document") {
                Some(part) => (part.bytes.clone(), part.file_name.clone()),
                None => return no_document(),
            },
        };
        if bytes.is_empty() {
            return Reply::bad("Bad Request: file must be non-empty");
        }
        if bytes.len() > MAX_UPLOAD {
            return Reply::err(413, "Request Entity Too Large");
        }
        let (mode, _) = match parse_mode_of(p) {
            Ok(m) => m,
            Err(e) => return Reply::bad(e),
        };
        let caption_raw = p.str("caption").unwrap_or_default();
        let caption = match parse_text(&mode, &caption_raw) {
            Ok(parsed) => parsed,
            Err(e) => return self.render_error(l, M, p, &caption_raw, e),
        };
        if tg_html::visible_len(&caption.text) > tg_html::MAX_CAPTION_CHARS {
            return self.render_error(
                l,
                M,
                p,
                &caption_raw,
                "Bad Request: message caption is too long".into(),
            );
        }
        let markup = match check_reply_markup(p) {
            Ok(m) => m,
            Err(e) => return Reply::bad(e),
        };
        let chat = match self.resolve_chat(l, p.str("chat_id")) {
            Ok(c) => c,
            Err(e) => return Reply::bad(e),
        };
        let thread = p.int("message_thread_id").filter(|t| *t != 0);
        let after_send = match self.send_gate(l, &chat, thread, p.bool("allow_paid_broadcast")) {
            Gate::Pass => None,
            Gate::AfterSend(r) => Some(r),
            Gate::Refuse(r) => return r,
        };
        let file = self.store_file(l, bytes, file_name);
        let message_id = l.int.next_message_id(chat.id);
        let mut msg = json!({
            "message_id": message_id,
            "from": self.bot_user().to_json(),
            "chat": chat.to_json(),
            "date": unix_now(),
            "document": file.document_json(),
        });
        if !caption.text.is_empty() {
            msg["caption"] = caption.text.clone().into();
            if !caption.entities.is_empty() {
                msg["caption_entities"] = Value::Array(
                    caption
                        .entities
                        .iter()
                        .map(tg_html::Entity::to_json)
                        .collect(),
                );
            }
        }
        if let Some(m) = markup.filter(|m| m.get("inline_keyboard").is_some()) {
            msg["reply_markup"] = m;
        }
        l.int.messages.insert((chat.id, message_id), msg.clone());
        l.obs.documents.push(SentDocument {
            chat_id: chat.id,
            message_id,
            file_id: file.file_id.clone(),
            file_name: file.file_name.clone(),
            mime_type: file.mime_type.clone(),
            bytes: file.bytes.as_ref().clone(),
            caption: (!caption.text.is_empty()).then(|| caption.text.clone()),
            at: Instant::now(),
        });
        after_send.unwrap_or(Reply::Ok(msg))
    }

    async fn get_updates(self: &Arc<Self>, p: &Params) -> Reply {
        let offset = p.int("offset").unwrap_or(0);
        let limit = match p.int("limit").unwrap_or(100) {
            l if (1..=100).contains(&l) => l as usize,
            _ => 100,
        };
        let timeout = p
            .int("timeout")
            .unwrap_or(0)
            .clamp(0, LONG_POLL_MAX_TIMEOUT);
        let allowed = match p.json("allowed_updates") {
            Some(Ok(Value::Array(a))) => Some(
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            ),
            _ => None,
        };
        let deadline = Instant::now() + Duration::from_secs(timeout as u64);
        let (my_id, from_id) = {
            let mut guard = self.lock();
            let l = &mut *guard;
            l.obs.polls += 1;
            if !l.obs.webhook_url.is_empty() {
                return Reply::err(409, WEBHOOK_ACTIVE);
            }
            if let Some(list) = allowed {
                l.obs.allowed_updates = Some(list);
            }
            l.int.poll_seq += 1;
            let id = l.int.poll_seq;
            if let Some(old) = l.int.active_poll.replace(id) {
                l.int.terminated.insert(old, TERMINATED_BY_OTHER);
            }
            l.obs.polling = true;
            // Confirm what the offset confirms; find where to read from.
            let head = l
                .int
                .queue
                .front()
                .map(|u| u.id)
                .unwrap_or(l.int.next_update_id);
            let from_id = if offset < 0 {
                let keep = offset.unsigned_abs() as usize;
                while l.int.queue.len() > keep {
                    if let Some(u) = l.int.queue.pop_front() {
                        l.obs.confirmed_update_id = l.obs.confirmed_update_id.max(u.id);
                    }
                }
                i64::MIN
            } else if offset == 0 || offset > l.int.next_update_id + 10 {
                head
            } else {
                while l.int.queue.front().is_some_and(|u| u.id < offset) {
                    l.int.queue.pop_front();
                }
                l.obs.confirmed_update_id = l.obs.confirmed_update_id.max(offset - 1);
                offset
            };
            l.obs.pending_updates = l.int.queue.len();
            (id, from_id)
        };
        self.notify.notify_waiters();
        let _guard = PollGuard {
            shared: Arc::clone(self),
            id: my_id,
        };
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut guard = self.lock();
                let l = &mut *guard;
                if let Some(reason) = l.int.terminated.remove(&my_id) {
                    return Reply::err(409, reason);
                }
                // Updates of kinds the bot did not ask for are never delivered.
                let allowed = l.obs.allowed_updates.clone();
                let before = l.int.queue.len();
                l.int
                    .queue
                    .retain(|u| u.id < from_id || allowed_kind(&allowed, &u.kind));
                l.obs.filtered_updates += before - l.int.queue.len();
                l.obs.pending_updates = l.int.queue.len();
                let mut batch: Vec<Value> = std::mem::take(&mut l.int.redeliver);
                batch.extend(
                    l.int
                        .queue
                        .iter()
                        .filter(|u| u.id >= from_id)
                        .take(limit)
                        .map(|u| u.json.clone()),
                );
                if !batch.is_empty() || Instant::now() >= deadline {
                    return Reply::Ok(Value::Array(batch));
                }
            }
            tokio::select! {
                _ = &mut notified => {}
                _ = tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)) => {}
            }
        }
    }

    fn download(&self, rest: &str) -> Response {
        let (token, path) = rest.split_once('/').unwrap_or((rest, ""));
        if token != self.opts.token {
            return Reply::err(401, "Unauthorized").into_response();
        }
        let path = percent_decode(path);
        let l = self.lock();
        let file = l
            .int
            .file_paths
            .get(&path)
            .and_then(|id| l.int.files.get(id))
            .cloned();
        drop(l);
        match file {
            Some(f) => Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(Body::from(f.bytes.as_ref().clone()))
                .unwrap_or_else(|_| Response::new(Body::empty())),
            None => Reply::not_found().into_response(),
        }
    }

    fn account(&self, method: &str, p: &Params, reply: &Reply) {
        if let Reply::Err {
            code, description, ..
        } = reply
        {
            let mut l = self.lock();
            if *code == 429 {
                l.obs.count_429 += 1;
            }
            l.obs.error_replies.push(ErrorReply {
                method: method.to_string(),
                chat_id: p.str("chat_id"),
                code: *code,
                description: description.clone(),
            });
        }
    }
}

fn scope_and_language(p: &Params) -> (Value, Option<String>) {
    let scope = match p.json("scope") {
        Some(Ok(v @ Value::Object(_))) => v,
        _ => json!({"type": "default"}),
    };
    let lang = p.str("language_code").filter(|l| !l.is_empty());
    (scope, lang)
}

/// Decodes `%XX` escapes (teloxide sends the `/` of a file path as `%2F`).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn route(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    if let Some(rest) = path.strip_prefix("/file/bot") {
        return shared.download(rest);
    }
    let Some(rest) = path.strip_prefix("/bot") else {
        return Reply::not_found().into_response();
    };
    let (token, raw_method) = rest.split_once('/').unwrap_or((rest, ""));
    if token != shared.opts.token {
        return Reply::err(401, "Unauthorized").into_response();
    }
    let raw_method = raw_method.to_string();
    let method = raw_method.to_ascii_lowercase();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return Reply::err(413, "Request Entity Too Large").into_response(),
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let params = match Params::parse(content_type, parts.uri.query(), &body) {
        Ok(p) => p,
        Err(e) => return Reply::bad(e).into_response(),
    };
    let injected = {
        let mut l = shared.lock();
        l.obs.calls.push(Call {
            method: method.clone(),
            raw_method,
            params: params.to_json(),
            at: Instant::now(),
        });
        l.int
            .method_failures
            .get_mut(&method)
            .and_then(FailureRule::take)
    };
    let reply = match injected {
        Some(f) => failure_reply(&f),
        None if method == "getupdates" => shared.get_updates(&params).await,
        None => shared.handle(&method, &params),
    };
    shared.account(&method, &params, &reply);
    if method == "sendmessage" && !shared.opts.answer_delay.is_zero() {
        tokio::time::sleep(shared.opts.answer_delay).await;
    }
    reply.into_response()
}

struct ServerTask(tokio::task::JoinHandle<()>);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The fake Bot API server. Cheap to clone; the server stops when the last clone is
/// dropped.
#[derive(Clone)]
pub struct FakeTelegram {
    shared: Arc<Shared>,
    addr: SocketAddr,
    _server: Arc<ServerTask>,
    webhook_task: Arc<Mutex<Option<ServerTask>>>,
}

impl FakeTelegram {
    /// Starts a fake with the default options on 127.0.0.1 and a free port.
    pub async fn start() -> Self {
        Self::start_with(FakeOptions::default()).await
    }

    pub async fn start_with(opts: FakeOptions) -> Self {
        let bot_id = opts
            .token
            .split_once(':')
            .and_then(|(id, _)| id.parse().ok())
            .unwrap_or(123_456);
        let shared = Arc::new(Shared {
            bot_id,
            state: Mutex::new(Locked {
                obs: TelegramState {
                    last_update_id: 0,
                    confirmed_update_id: opts.first_update_id - 1,
                    ..TelegramState::default()
                },
                int: Internal {
                    next_update_id: opts.first_update_id,
                    queue: VecDeque::new(),
                    chats: HashMap::new(),
                    users: HashMap::new(),
                    last_message_id: HashMap::new(),
                    messages: HashMap::new(),
                    files: HashMap::new(),
                    file_paths: HashMap::new(),
                    next_file: 0,
                    next_callback: 0,
                    members: HashMap::new(),
                    topics: HashMap::new(),
                    chat_failures: HashMap::new(),
                    method_failures: HashMap::new(),
                    rng: fastrand::Rng::with_seed(opts.seed),
                    windows: Windows::default(),
                    poll_seq: 0,
                    active_poll: None,
                    terminated: HashMap::new(),
                    history: HashMap::new(),
                    redeliver: Vec::new(),
                    webhook_target: None,
                },
            }),
            notify: Notify::new(),
            opts,
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0 for the fake Bot API");
        let addr = listener
            .local_addr()
            .expect("local address of the fake Bot API");
        let app = Router::new()
            .fallback(route)
            .with_state(Arc::clone(&shared));
        let handle = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeTelegram {
            shared,
            addr,
            _server: Arc::new(ServerTask(handle)),
            webhook_task: Arc::new(Mutex::new(None)),
        }
    }

    /// `http://127.0.0.1:PORT`, to give the bot as its API URL.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn token(&self) -> String {
        self.shared.opts.token.clone()
    }

    pub fn bot_username(&self) -> String {
        self.shared.opts.bot_username.clone()
    }

    pub fn bot_id(&self) -> i64 {
        self.shared.bot_id
    }

    pub fn bot_user(&self) -> User {
        self.shared.bot_user()
    }

    /// `{api_url}/bot{token}/{method}`.
    pub fn method_url(&self, method: &str) -> String {
        format!("{}/bot{}/{method}", self.api_url(), self.token())
    }

    /// `{api_url}/file/bot{token}/{path}`.
    pub fn file_url(&self, path: &str) -> String {
        format!("{}/file/bot{}/{path}", self.api_url(), self.token())
    }

    // ----- inspection -----

    /// Runs `f` on the observable state under the lock.
    pub fn with_state<R>(&self, f: impl FnOnce(&TelegramState) -> R) -> R {
        f(&self.shared.lock().obs)
    }

    pub fn snapshot(&self) -> TelegramState {
        self.with_state(Clone::clone)
    }

    pub fn sent(&self) -> Vec<SentMessage> {
        self.with_state(|s| s.sent.clone())
    }

    /// The bot's calls in order, one line each: method, chat, the text's first line (80
    /// characters at most), inline buttons; `getUpdates` and `getMe` left out. Printed by
    /// scenario tests (`--nocapture`) so a reader sees what a chat would.
    pub fn transcript(&self) -> String {
        self.with_state(|s| {
            s.calls
                .iter()
                .filter(|c| c.method != "getupdates" && c.method != "getme")
                .map(transcript_line)
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    pub fn sent_to(&self, chat_id: i64) -> Vec<SentMessage> {
        self.with_state(|s| {
            s.sent
                .iter()
                .filter(|m| m.chat_id == chat_id)
                .cloned()
                .collect()
        })
    }

    pub fn documents_sent(&self) -> Vec<SentDocument> {
        self.with_state(|s| s.documents.clone())
    }

    pub fn calls(&self) -> Vec<Call> {
        self.with_state(|s| s.calls.clone())
    }

    /// Calls of one method (any case).
    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        let m = method.to_ascii_lowercase();
        self.with_state(|s| s.calls.iter().filter(|c| c.method == m).cloned().collect())
    }

    /// The commands of the default scope without a language.
    pub fn commands(&self) -> Vec<BotCommandEntry> {
        self.with_state(|s| {
            s.command_sets
                .iter()
                .find(|c| c.scope == json!({"type": "default"}) && c.language_code.is_none())
                .map(|c| c.commands.clone())
                .unwrap_or_default()
        })
    }

    pub fn count_429(&self) -> usize {
        self.with_state(|s| s.count_429)
    }

    pub fn render_errors(&self) -> Vec<RenderError> {
        self.with_state(|s| s.render_errors.clone())
    }

    pub fn error_replies(&self) -> Vec<ErrorReply> {
        self.with_state(|s| s.error_replies.clone())
    }

    pub fn pending_updates(&self) -> usize {
        self.with_state(|s| s.pending_updates)
    }

    pub fn is_polling(&self) -> bool {
        self.with_state(|s| s.polling)
    }

    /// The bytes of a file the fake stores (sent or pushed).
    pub fn file_bytes(&self, file_id: &str) -> Option<Vec<u8>> {
        let l = self.shared.lock();
        l.int.files.get(file_id).map(|f| f.bytes.as_ref().clone())
    }

    /// Polls `f` every 20 ms until it holds or `timeout` passes. Returns whether it held.
    pub async fn wait_until(
        &self,
        mut f: impl FnMut(&TelegramState) -> bool,
        timeout: Duration,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if f(&self.shared.lock().obs) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until at least `n` messages were sent.
    pub async fn wait_sent(&self, n: usize, timeout: Duration) -> bool {
        self.wait_until(|s| s.sent.len() >= n, timeout).await
    }

    /// Waits until a getUpdates request is in progress.
    pub async fn wait_polling(&self, timeout: Duration) -> bool {
        self.wait_until(|s| s.polling, timeout).await
    }

    /// Waits until the update queue is empty: every update was confirmed by a later offset
    /// (or dropped as not allowed). The bot may still be handling the last ones; wait on
    /// their effects (`wait_sent`, `wait_until`) to know they were handled.
    pub async fn wait_updates_consumed(&self, timeout: Duration) -> bool {
        self.wait_until(|s| s.pending_updates == 0, timeout).await
    }

    /// Forgets sent messages, documents, calls, errors and counters (not chats, files,
    /// commands or the update queue).
    pub fn clear_observations(&self) {
        let mut l = self.shared.lock();
        l.obs.sent.clear();
        l.obs.documents.clear();
        l.obs.calls.clear();
        l.obs.render_errors.clear();
        l.obs.error_replies.clear();
        l.obs.callback_answers.clear();
        l.obs.edits.clear();
        l.obs.count_429 = 0;
        l.obs.count_429_limits = 0;
    }

    // ----- setup -----

    /// Makes a chat known (needed with `strict_chats`, or to give it a title or username).
    pub fn add_chat(&self, chat: impl Into<Chat>) {
        let chat = chat.into();
        self.shared.lock().int.chats.insert(chat.id, chat);
    }

    pub fn add_user(&self, user: impl Into<User>) {
        let user = user.into();
        self.shared.lock().int.users.insert(user.id, user);
    }

    /// What getChatMember answers for this user in this chat (default: member).
    pub fn set_member_status(&self, chat_id: i64, user_id: i64, status: MemberStatus) {
        self.shared
            .lock()
            .int
            .members
            .insert((chat_id, user_id), status);
    }

    /// The bot's own status in a chat, changed without an update (as when the change
    /// happened while the bot was not listening). Sends are then answered as Telegram
    /// does: blocked, kicked, not a member, need administrator rights, not enough rights.
    pub fn set_bot_status(&self, chat_id: i64, status: MemberStatus) {
        let bot = self.shared.bot_id;
        self.set_member_status(chat_id, bot, status);
    }

    /// Makes these users administrators of the chat (the first one its creator).
    pub fn set_admins(&self, chat_id: i64, user_ids: &[i64]) {
        let mut l = self.shared.lock();
        for (i, u) in user_ids.iter().enumerate() {
            let status = if i == 0 {
                MemberStatus::Creator
            } else {
                MemberStatus::Administrator
            };
            l.int.members.insert((chat_id, *u), status);
        }
    }

    /// Pretends a webhook is set (getUpdates then answers 409 until deleteWebhook).
    pub fn set_webhook(&self, url: &str) {
        self.shared.lock().obs.webhook_url = url.to_string();
    }

    /// Sends to `chat_id` fail with `failure`, `times` times (None = until cleared).
    pub fn fail_chat(&self, chat_id: i64, failure: Failure, times: Option<usize>) {
        self.shared.lock().int.chat_failures.insert(
            chat_id,
            FailureRule {
                failure,
                remaining: times,
            },
        );
    }

    pub fn clear_chat_failure(&self, chat_id: i64) {
        self.shared.lock().int.chat_failures.remove(&chat_id);
    }

    /// Every call of `method` (any case) fails with `failure`, `times` times.
    pub fn fail_method(&self, method: &str, failure: Failure, times: Option<usize>) {
        self.shared.lock().int.method_failures.insert(
            method.to_ascii_lowercase(),
            FailureRule {
                failure,
                remaining: times,
            },
        );
    }

    pub fn clear_method_failure(&self, method: &str) {
        self.shared
            .lock()
            .int
            .method_failures
            .remove(&method.to_ascii_lowercase());
    }

    /// Upgrades a basic group to a supergroup: sends to the old id answer with
    /// `migrate_to_chat_id` from now on, the new chat is known, and the two service
    /// messages Telegram sends are queued. Returns the new chat.
    pub fn migrate(&self, old: &Chat, new_id: i64, by: &User) -> Chat {
        let title = old.title.clone().unwrap_or_default();
        let new_chat = Chat::supergroup(new_id, &title, false);
        self.add_chat(&new_chat);
        self.fail_chat(old.id, Failure::Migrate(new_id), None);
        let mut a = serde_json::Map::new();
        a.insert("migrate_to_chat_id".into(), new_id.into());
        self.shared
            .push_chat_message(old.clone(), by.clone(), a, None);
        let mut b = serde_json::Map::new();
        b.insert("migrate_from_chat_id".into(), old.id.into());
        self.shared
            .push_chat_message(new_chat.clone(), by.clone(), b, None);
        new_chat
    }

    // ----- updates -----

    /// Queues a text message from `from` in `chat`; a leading `/command` gets a
    /// `bot_command` entity. Returns the message_id.
    pub fn push_message(&self, chat: impl Into<Chat>, from: impl Into<User>, text: &str) -> i64 {
        self.shared
            .push_chat_message(chat.into(), from.into(), text_fields(text), None)
    }

    /// Queues a text message replying to an earlier message of the same chat (the whole
    /// earlier message is embedded as `reply_to_message`, as Telegram does).
    pub fn push_reply(
        &self,
        chat: impl Into<Chat>,
        from: impl Into<User>,
        text: &str,
        reply_to_message_id: i64,
    ) -> i64 {
        self.shared.push_chat_message(
            chat.into(),
            from.into(),
            text_fields(text),
            Some(reply_to_message_id),
        )
    }

    /// Queues a text message in a forum topic.
    pub fn push_message_in_thread(
        &self,
        chat: impl Into<Chat>,
        from: impl Into<User>,
        text: &str,
        thread_id: i64,
    ) -> i64 {
        let chat = chat.into();
        self.add_topic(chat.id, thread_id);
        let mut fields = text_fields(text);
        fields.insert("message_thread_id".into(), thread_id.into());
        fields.insert("is_topic_message".into(), true.into());
        self.shared
            .push_chat_message(chat, from.into(), fields, None)
    }

    /// A forum topic exists (messages in it come with `push_message_in_thread`).
    pub fn add_topic(&self, chat_id: i64, thread_id: i64) {
        let mut l = self.shared.lock();
        l.int.topics.entry(chat_id).or_default().insert(thread_id);
    }

    /// The topic is deleted: sends to it get 400 "message thread not found".
    pub fn delete_topic(&self, chat_id: i64, thread_id: i64) {
        let mut l = self.shared.lock();
        if let Some(ts) = l.int.topics.get_mut(&chat_id) {
            ts.remove(&thread_id);
        }
    }

    /// Queues a document message; the file can then be fetched with getFile and the file
    /// route. Returns the message_id.
    pub fn push_document(
        &self,
        chat: impl Into<Chat>,
        from: impl Into<User>,
        file_name: &str,
        bytes: impl Into<Vec<u8>>,
        caption: Option<&str>,
    ) -> i64 {
        let file = {
            let mut l = self.shared.lock();
            self.shared
                .store_file(&mut l, bytes.into(), Some(file_name.to_string()))
        };
        let mut fields = serde_json::Map::new();
        fields.insert("document".into(), file.document_json());
        if let Some(c) = caption {
            fields.insert("caption".into(), c.into());
            if let Some(len) = leading_command_len(c) {
                fields.insert(
                    "caption_entities".into(),
                    json!([{"type": "bot_command", "offset": 0, "length": len}]),
                );
            }
        }
        self.shared
            .push_chat_message(chat.into(), from.into(), fields, None)
    }

    /// Queues a `my_chat_member` update about the bot. Returns the update_id (None when
    /// allowed_updates filters it out).
    pub fn push_my_chat_member(
        &self,
        chat: impl Into<Chat>,
        from: impl Into<User>,
        old: MemberStatus,
        new: MemberStatus,
    ) -> Option<i64> {
        let chat = chat.into();
        let from = from.into();
        let bot = self.shared.bot_user().to_json();
        let payload = json!({
            "chat": chat.to_json(),
            "from": from.to_json(),
            "date": unix_now(),
            "old_chat_member": old.to_json(&bot, chat.kind),
            "new_chat_member": new.to_json(&bot, chat.kind),
        });
        let id = {
            let mut l = self.shared.lock();
            self.shared.register(&mut l, &chat, Some(&from));
            // The change happens whether or not the bot asked to hear about it.
            l.int.members.insert((chat.id, self.shared.bot_id), new);
            self.shared.enqueue(&mut l, "my_chat_member", payload)
        };
        self.shared.notify.notify_waiters();
        id
    }

    /// The bot is added to a group, supergroup or channel by `by`: the my_chat_member
    /// update, and for groups the `new_chat_members` service message.
    pub fn push_bot_added(&self, chat: impl Into<Chat>, by: impl Into<User>) -> Option<i64> {
        let chat = chat.into();
        let by = by.into();
        let new = if chat.kind == ChatKind::Channel {
            MemberStatus::Administrator
        } else {
            MemberStatus::Member
        };
        let id = self.push_my_chat_member(&chat, &by, MemberStatus::Left, new);
        if chat.kind != ChatKind::Channel {
            let mut fields = serde_json::Map::new();
            fields.insert(
                "new_chat_members".into(),
                json!([self.shared.bot_user().to_json()]),
            );
            self.shared.push_chat_message(chat, by, fields, None);
        }
        id
    }

    /// The bot is removed from a group by `by`.
    pub fn push_bot_removed(&self, chat: impl Into<Chat>, by: impl Into<User>) -> Option<i64> {
        self.push_my_chat_member(chat, by, MemberStatus::Member, MemberStatus::Left)
    }

    /// The user blocks the bot (private chat: member -> kicked).
    pub fn push_bot_blocked(&self, user: impl Into<User>) -> Option<i64> {
        let user = user.into();
        self.push_my_chat_member(
            Chat::private_of(&user),
            &user,
            MemberStatus::Member,
            MemberStatus::Kicked,
        )
    }

    /// The user unblocks the bot (private chat: kicked -> member).
    pub fn push_bot_unblocked(&self, user: impl Into<User>) -> Option<i64> {
        let user = user.into();
        self.push_my_chat_member(
            Chat::private_of(&user),
            &user,
            MemberStatus::Kicked,
            MemberStatus::Member,
        )
    }

    /// A press on an inline button with `data` under message `message_id` of `chat`.
    pub fn push_callback_query(
        &self,
        chat: impl Into<Chat>,
        from: impl Into<User>,
        message_id: i64,
        data: &str,
    ) -> Option<i64> {
        let chat = chat.into();
        let from = from.into();
        let id = {
            let mut l = self.shared.lock();
            self.shared.register(&mut l, &chat, Some(&from));
            l.int.next_callback += 1;
            let message = l
                .int
                .messages
                .get(&(chat.id, message_id))
                .cloned()
                .unwrap_or_else(
                    || json!({"message_id": message_id, "date": 0, "chat": chat.to_json()}),
                );
            let payload = json!({
                "id": format!("{}{:06}", self.shared.bot_id, l.int.next_callback),
                "from": from.to_json(),
                "message": message,
                "chat_instance": format!("{}", chat.id.unsigned_abs()),
                "data": data,
            });
            self.shared.enqueue(&mut l, "callback_query", payload)
        };
        self.shared.notify.notify_waiters();
        id
    }

    /// Makes the next getUpdates answer update `update_id` again, whatever its offset (as
    /// Telegram does when a bot restarts before its offset confirmed the update). `false`
    /// when no such update was ever queued.
    pub fn deliver_again(&self, update_id: i64) -> bool {
        {
            let mut l = self.shared.lock();
            let Some(json) = l.int.history.get(&update_id).cloned() else {
                return false;
            };
            l.int.redeliver.push(json);
        }
        self.shared.notify.notify_waiters();
        true
    }

    /// The update queued with id `update_id`, as Telegram would send it.
    pub fn update_json(&self, update_id: i64) -> Option<Value> {
        self.shared.lock().int.history.get(&update_id).cloned()
    }

    /// Delivers updates to the webhook once one is set, as Telegram does: each queued
    /// update is POSTed (one at a time, in order) to `target` (e.g. `http://127.0.0.1:PORT`)
    /// plus the webhook URL's path, with `X-Telegram-Bot-Api-Secret-Token` when a secret
    /// was set; a 2xx confirms it, anything else is tried again half a second later.
    /// Stops when the fake is dropped.
    pub fn deliver_webhooks_to(&self, target: &str) {
        self.shared.lock().int.webhook_target = Some(target.trim_end_matches('/').to_string());
        let shared = Arc::clone(&self.shared);
        let task = tokio::spawn(async move { webhook_delivery(shared).await });
        *self.webhook_task.lock().unwrap_or_else(|e| e.into_inner()) = Some(ServerTask(task));
        self.shared.notify.notify_waiters();
    }

    /// POSTs `body` to `url` as Telegram posts an update (JSON), with the secret header
    /// when `secret` is given; returns the HTTP status (0 when there was no answer).
    pub async fn post_webhook(url: &str, secret: Option<&str>, body: Vec<u8>) -> u16 {
        let client = reqwest::Client::new();
        let mut req = client
            .post(url)
            .header("content-type", "application/json")
            .body(body);
        if let Some(s) = secret {
            req = req.header("X-Telegram-Bot-Api-Secret-Token", s);
        }
        match req.send().await {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        }
    }

    /// Queues any update: `{"update_id": N, kind: payload}`.
    pub fn push_raw_update(&self, kind: &str, payload: Value) -> Option<i64> {
        let id = {
            let mut l = self.shared.lock();
            self.shared.enqueue(&mut l, kind, payload)
        };
        self.shared.notify.notify_waiters();
        id
    }
}

fn text_fields(text: &str) -> serde_json::Map<String, Value> {
    let mut fields = serde_json::Map::new();
    fields.insert("text".into(), text.into());
    if let Some(len) = leading_command_len(text) {
        fields.insert(
            "entities".into(),
            json!([{"type": "bot_command", "offset": 0, "length": len}]),
        );
    }
    fields
}

/// The next update for the webhook: (where to post, secret, update id, body); `None`
/// when no webhook is set or nothing is queued.
fn next_webhook_post(shared: &Shared) -> Option<(String, Option<String>, i64, Value)> {
    let l = shared.lock();
    let target = l.int.webhook_target.clone()?;
    if l.obs.webhook_url.is_empty() {
        return None;
    }
    let path = url::Url::parse(&l.obs.webhook_url)
        .map(|u| u.path().to_string())
        .unwrap_or_default();
    let u = l.int.queue.front()?;
    Some((
        format!("{target}{path}"),
        l.obs.webhook_secret.clone(),
        u.id,
        u.json.clone(),
    ))
}

async fn webhook_delivery(shared: Arc<Shared>) {
    loop {
        let notified = shared.notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let mut retry = false;
        if let Some((url, secret, id, body)) = next_webhook_post(&shared) {
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            let status = FakeTelegram::post_webhook(&url, secret.as_deref(), bytes).await;
            let mut l = shared.lock();
            l.obs.webhook_posts.push((id, status));
            if (200..300).contains(&status) {
                if l.int.queue.front().is_some_and(|u| u.id == id) {
                    l.int.queue.pop_front();
                }
                l.obs.confirmed_update_id = l.obs.confirmed_update_id.max(id);
                l.obs.pending_updates = l.int.queue.len();
                continue;
            }
            retry = true;
        }
        let pause = if retry { 500 } else { 1000 };
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep(Duration::from_millis(pause)) => {}
        }
    }
}

/// One call of [`FakeTelegram::transcript`].
fn transcript_line(c: &Call) -> String {
    let p = &c.params;
    let mut line = c.raw_method.clone();
    if let Some(chat) = p.get("chat_id") {
        line.push_str(&format!(" chat={chat}"));
    }
    if let Some(id) = p.get("message_id") {
        line.push_str(&format!(" message={id}"));
    }
    if let Some(text) = p.get("text").and_then(Value::as_str) {
        let first: String = text.lines().next().unwrap_or("").chars().take(80).collect();
        line.push_str(&format!(" {first:?}"));
    }
    let buttons: Vec<&str> = p
        .pointer("/reply_markup/inline_keyboard")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect();
    if !buttons.is_empty() {
        line.push_str(&format!(" [{}]", buttons.join(" | ")));
    }
    line
}
