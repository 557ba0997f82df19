//! The language a chat reads, among the bot's: its `/language` choice, else the language
//! of the Telegram app that subscribed it (kept at `/start`); `None` when neither is one
//! the bot speaks. Alerts word their 📅 and ⏳ lines in it (the rest of an alert keeps its
//! entry's language), and reminders are worded in it.
//!
//! Must not: write to the store, or decide anything about what a chat gets.

use crate::i18n::Lang;
use crate::store::Store;

/// Chat `chat`'s language, if it has one the bot speaks.
pub fn chat_lang(store: &Store, chat: i64) -> Option<Lang> {
    let chosen = store.chat_settings(chat).ok().flatten();
    if let Some(lang) = chosen.and_then(|s| s.language.as_deref().and_then(Lang::parse)) {
        return Some(lang);
    }
    let sub = store.subscriber(chat).ok().flatten()?;
    sub.language.as_deref().and_then(Lang::parse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SubscriberRecord;

    #[test]
    fn the_chosen_language_comes_first_then_the_subscribers_app() {
        let s = Store::temporary().unwrap();
        assert_eq!(chat_lang(&s, 5), None);
        let sub = SubscriberRecord {
            v: 1,
            chat_id: 5,
            language: Some("ar-SY".into()),
            ..SubscriberRecord::default()
        };
        s.subscribe(&sub).unwrap();
        assert_eq!(chat_lang(&s, 5), Some(Lang::Ar));
        s.set_chat_language(5, Some("fr")).unwrap();
        assert_eq!(chat_lang(&s, 5), Some(Lang::Fr));
        s.subscribe(&SubscriberRecord {
            language: Some("de".into()),
            ..sub
        })
        .unwrap();
        s.set_chat_language(5, None).unwrap();
        assert_eq!(chat_lang(&s, 5), None, "a language the bot does not speak");
    }
}
