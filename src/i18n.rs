//! The bot's own words in English, Arabic and French, and [`t`], which looks a key up and
//! fills in its values.
//!
//! Owns every reply string, command description and notice the bot sends; alerts keep
//! the language of the entry and are not translated here. The words themselves are
//! Fluent files, `locales/<code>/*.ftl`, embedded in the binary at build time
//! ([`bundles`]); Rust holds keys, not sentences. A key is written with dots in the code
//! (`feeds.header`) and as a Fluent id in the files (`feeds-header`: dots and underscores
//! become hyphens). A text that counts something takes its number as a number ([`tn`],
//! or [`Arg::Count`] with [`tv`]) and the `.ftl` selects the CLDR plural form on it.
//! Arabic text is made to read right to left whatever it embeds: each line starts with a
//! right-to-left mark, the values filled in (names, URLs, hashtags, numbers) are
//! first-strong isolated, and `/commands` left-to-right isolated. Pure: no IO.

use crate::detect::ActionKind;
use crate::text::primary_language;

mod bundles;
#[cfg(test)]
mod tests;

/// A language the bot speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// Arabic (written right to left).
    Ar,
    /// French.
    Fr,
}

impl Lang {
    /// Every language the bot speaks, the default first.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Ar, Lang::Fr];

    /// ISO 639-1 code, as Telegram's `language_code` starts; also the folder of its
    /// words under `locales/`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ar => "ar",
            Lang::Fr => "fr",
        }
    }

    /// `en`, `ar-SY`, `FR_ca`, … -> the language, if the bot speaks it.
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = primary_language(code);
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// A Telegram `language_code` -> the language to answer in (English if unknown).
    pub fn from_code(code: Option<&str>) -> Lang {
        code.and_then(Lang::parse).unwrap_or_default()
    }

    /// Whether the language is written right to left (Arabic).
    pub fn is_rtl(self) -> bool {
        self == Lang::Ar
    }

    /// Its place in [`Lang::ALL`].
    fn index(self) -> usize {
        self as usize
    }
}

/// A value filled into a message: text, or a count the message may choose its plural
/// form on (`{ $n -> [one] … *[other] … }`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arg<'a> {
    /// Text put in as it is (isolated in right-to-left languages).
    Text(&'a str),
    /// A number the message may choose its plural form on.
    Count(u64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(s)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Text(s)
    }
}

impl From<u64> for Arg<'_> {
    fn from(n: u64) -> Self {
        Arg::Count(n)
    }
}

impl From<usize> for Arg<'_> {
    fn from(n: usize) -> Self {
        Arg::Count(n as u64)
    }
}

/// The text of `key` in `lang` (English if that language lacks it, the key itself if no
/// language has it), with each `{ $name }` filled from `args`.
pub fn t(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let args: Vec<(&str, Arg)> = args.iter().map(|(k, v)| (*k, Arg::Text(v))).collect();
    tv(lang, key, &args)
}

/// A text that counts something: `key` with `$n` = `n`, a number, so the message picks
/// the CLDR plural form for it in `lang` (Arabic: zero, one, two, few, many, other).
pub fn tn(lang: Lang, key: &str, n: u64, args: &[(&str, &str)]) -> String {
    let mut all: Vec<(&str, Arg)> = args.iter().map(|(k, v)| (*k, Arg::Text(v))).collect();
    all.push(("n", Arg::Count(n)));
    tv(lang, key, &all)
}

/// The text of `key` in `lang` with values of either kind: text, or counts a message
/// may choose its plural forms on (a message with several counts).
pub fn tv(lang: Lang, key: &str, args: &[(&str, Arg)]) -> String {
    let id = bundles::message_id(key);
    bundles::format(lang, &id, args)
        .or_else(|| bundles::format(Lang::En, &id, args))
        .unwrap_or_else(|| {
            tracing::warn!(key, "missing reply text");
            key.to_string()
        })
}

/// An action kind named in any language the bot speaks (`توقيع`, `signer`, `don`, …):
/// the `kindword-<kind>` messages, words separated by `|`.
pub fn kind_from_word(word: &str) -> Option<ActionKind> {
    let w = word.trim().to_lowercase();
    ActionKind::ALL.into_iter().find(|k| {
        let id = bundles::message_id(&format!("kindword.{}", k.as_str()));
        Lang::ALL
            .into_iter()
            .any(|l| bundles::plain(l, &id).is_some_and(|words| words.split('|').any(|x| x == w)))
    })
}
