//! Buttons pressed and messages edited, as strictly as Telegram does them.
//!
//! - `press_button`: a user presses an inline button of a message the bot sent; refused
//!   (as Telegram's client could never send it) unless that message exists in that chat
//!   and carries a button with exactly that `callback_data`.
//! - `editMessageText`, `editMessageReplyMarkup`: the message must exist in that chat
//!   and be the bot's own ("message to edit not found", "message can't be edited"); an
//!   edit that changes nothing is refused with "message is not modified"; the inline
//!   keyboard goes unless the edit gives one again; the new text is parsed like a
//!   `sendMessage`'s.

use super::*;

/// An edit the fake accepted.
#[derive(Debug, Clone)]
pub struct EditedMessage {
    /// `editmessagetext` or `editmessagereplymarkup`.
    pub method: String,
    pub chat_id: i64,
    pub message_id: i64,
    /// What the user sees after the edit.
    pub visible_text: String,
    /// The inline keyboard after the edit (`None`: none left).
    pub reply_markup: Option<Value>,
}

const NOT_MODIFIED: &str = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

/// The `callback_data` of every button of a stored message.
pub fn callback_data_of(msg: &Value) -> Vec<String> {
    msg.get("reply_markup")
        .and_then(|m| m.get("inline_keyboard"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|b| b.get("callback_data").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

impl Shared {
    /// The chat, message id and stored message an edit names, or Telegram's refusal.
    fn editable(&self, l: &Locked, p: &Params) -> Result<(i64, i64, Value), Reply> {
        if p.str("inline_message_id").is_some() {
            return Err(Reply::bad("Bad Request: MESSAGE_ID_INVALID"));
        }
        let chat = self.resolve_chat(l, p.str("chat_id")).map_err(Reply::bad)?;
        let Some(id) = p.int("message_id") else {
            return Err(Reply::bad(
                "Bad Request: message identifier is not specified",
            ));
        };
        let Some(msg) = l.int.messages.get(&(chat.id, id)) else {
            return Err(Reply::bad("Bad Request: message to edit not found"));
        };
        let own = msg.pointer("/from/id").and_then(Value::as_i64) == Some(self.bot_id);
        if !own {
            return Err(Reply::bad("Bad Request: message can't be edited"));
        }
        Ok((chat.id, id, msg.clone()))
    }

    /// Stores the edited message unless it changes nothing.
    fn commit_edit(&self, l: &mut Locked, method: &str, old: &Value, mut new: Value) -> Reply {
        let same = |k: &str| old.get(k) == new.get(k);
        if same("text") && same("entities") && same("reply_markup") {
            return Reply::bad(NOT_MODIFIED);
        }
        new["edit_date"] = unix_now().into();
        let (chat_id, message_id) = (
            new.pointer("/chat/id").and_then(Value::as_i64).unwrap_or(0),
            new["message_id"].as_i64().unwrap_or(0),
        );
        l.int.messages.insert((chat_id, message_id), new.clone());
        l.obs.edits.push(EditedMessage {
            method: method.to_string(),
            chat_id,
            message_id,
            visible_text: new["text"].as_str().unwrap_or("").to_string(),
            reply_markup: new.get("reply_markup").cloned(),
        });
        Reply::Ok(new)
    }

    fn with_markup(new: &mut Value, markup: Option<Value>) {
        match markup.filter(|m| m.get("inline_keyboard").is_some()) {
            Some(m) => new["reply_markup"] = m,
            None => {
                if let Some(o) = new.as_object_mut() {
                    o.remove("reply_markup");
                }
            }
        }
    }

    pub(super) fn edit_message_text(&self, l: &mut Locked, p: &Params) -> Reply {
        let (_, _, old) = match self.editable(l, p) {
            Ok(x) => x,
            Err(r) => return r,
        };
        let text = p.str("text").unwrap_or_default();
        if text.is_empty() {
            return Reply::bad("Bad Request: message text is empty");
        }
        let (mode, _) = match parse_mode_of(p) {
            Ok(m) => m,
            Err(e) => return Reply::bad(e),
        };
        let parsed = match parse_text(&mode, &text) {
            Ok(parsed) => parsed,
            Err(e) => return Reply::bad(e),
        };
        if parsed.text.is_empty() {
            return Reply::bad("Bad Request: text must be non-empty");
        }
        if tg_html::visible_len(&parsed.text) > tg_html::MAX_TEXT_CHARS {
            return Reply::bad("Bad Request: MESSAGE_TOO_LONG");
        }
        let markup = match check_reply_markup(p) {
            Ok(m) => m,
            Err(e) => return Reply::bad(e),
        };
        let mut new = old.clone();
        new["text"] = parsed.text.clone().into();
        match parsed.entities.is_empty() {
            true => {
                if let Some(o) = new.as_object_mut() {
                    o.remove("entities");
                }
            }
            false => {
                new["entities"] = Value::Array(
                    parsed
                        .entities
                        .iter()
                        .map(tg_html::Entity::to_json)
                        .collect(),
                );
            }
        }
        Self::with_markup(&mut new, markup);
        self.commit_edit(l, "editmessagetext", &old, new)
    }

    pub(super) fn edit_message_reply_markup(&self, l: &mut Locked, p: &Params) -> Reply {
        let (_, _, old) = match self.editable(l, p) {
            Ok(x) => x,
            Err(r) => return r,
        };
        let markup = match check_reply_markup(p) {
            Ok(m) => m,
            Err(e) => return Reply::bad(e),
        };
        let mut new = old.clone();
        Self::with_markup(&mut new, markup);
        self.commit_edit(l, "editmessagereplymarkup", &old, new)
    }
}

impl FakeTelegram {
    /// `from` presses the inline button with `data` under message `message_id` of chat
    /// `chat_id`; the update id, or why Telegram's client could not have sent it (no such
    /// message in that chat, or no such button on it).
    pub fn press_button(
        &self,
        chat_id: i64,
        from: impl Into<User>,
        message_id: i64,
        data: &str,
    ) -> Result<i64, String> {
        let chat = {
            let l = self.shared.lock();
            let Some(msg) = l.int.messages.get(&(chat_id, message_id)) else {
                return Err(format!("no message {message_id} in chat {chat_id}"));
            };
            if !callback_data_of(msg).iter().any(|d| d == data) {
                return Err(format!("message {message_id} has no button {data:?}"));
            }
            l.int
                .chats
                .get(&chat_id)
                .cloned()
                .or_else(|| Chat::synthesize(chat_id))
                .ok_or_else(|| format!("unknown chat {chat_id}"))?
        };
        self.push_callback_query(chat, from, message_id, data)
            .ok_or_else(|| "the update was filtered out by allowed_updates".to_string())
    }

    /// Every edit accepted, oldest first.
    pub fn edits(&self) -> Vec<EditedMessage> {
        self.with_state(|s| s.edits.clone())
    }

    /// The message as it stands now (after edits), as Telegram would return it.
    pub fn message(&self, chat_id: i64, message_id: i64) -> Option<Value> {
        self.shared
            .lock()
            .int
            .messages
            .get(&(chat_id, message_id))
            .cloned()
    }
}
