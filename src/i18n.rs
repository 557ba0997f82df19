//! The bot's own words in English, Arabic and French: one table per language and
//! [`t`], which looks a key up and fills in `{name}` placeholders.
//!
//! Owns every reply string, command description and notice the bot sends; alerts keep
//! the language of the entry and are not translated here. Arabic text is made to read
//! right to left whatever it embeds: each line starts with a right-to-left mark, and
//! the values filled in (names, URLs, hashtags) and `/commands` are wrapped in Unicode
//! isolates so their left-to-right runs do not scramble the sentence. Pure: no IO.

use crate::detect::ActionKind;
use crate::text::primary_language;

mod review;

/// A language the bot speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Lang {
    #[default]
    En,
    Ar,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Ar, Lang::Fr];

    /// ISO 639-1 code, as Telegram's `language_code` starts.
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

    pub fn is_rtl(self) -> bool {
        self == Lang::Ar
    }

    fn table(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Lang::En => EN,
            Lang::Ar => AR,
            Lang::Fr => FR,
        }
    }
}

const RLM: char = '\u{200F}';
const LRI: char = '\u{2066}';
const FSI: char = '\u{2068}';
const PDI: char = '\u{2069}';

/// The text of `key` in `lang` (English if that language lacks it, the key itself if no
/// table has it), with each `{name}` replaced by its value from `args`.
pub fn t(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let template = lookup(lang, key)
        .or_else(|| lookup(Lang::En, key))
        .unwrap_or_else(|| {
            tracing::warn!(key, "missing reply text");
            key
        });
    if !lang.is_rtl() {
        return fill(template, args, |v| v.to_string());
    }
    let template = isolate_commands(template);
    let text = fill(&template, args, isolate_value);
    text.split('\n')
        .map(|line| {
            if line.trim().is_empty() || line.starts_with(RLM) {
                line.to_string()
            } else {
                format!("{RLM}{line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The CLDR cardinal plural category of the whole number `n` in `lang`.
pub fn plural_category(lang: Lang, n: u64) -> &'static str {
    match lang {
        Lang::En if n == 1 => "one",
        Lang::Fr if n <= 1 => "one",
        Lang::En | Lang::Fr => "other",
        Lang::Ar => match (n, n % 100) {
            (0, _) => "zero",
            (1, _) => "one",
            (2, _) => "two",
            (_, 3..=10) => "few",
            (_, 11..=99) => "many",
            _ => "other",
        },
    }
}

/// A text that counts something: `key.<category>` for `n` in `lang` (see
/// [`plural_category`]), else `key.other`; `{n}` is filled with `n`. A language gives
/// only the forms it needs: a sentence that reads right for every count is `.other`
/// alone.
pub fn tn(lang: Lang, key: &str, n: u64, args: &[(&str, &str)]) -> String {
    let exact = format!("{key}.{}", plural_category(lang, n));
    let key = if lookup(lang, &exact).is_some() {
        exact
    } else {
        format!("{key}.other")
    };
    let n = n.to_string();
    let mut all = args.to_vec();
    all.push(("n", &n));
    t(lang, &key, &all)
}

fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    lookup_main(lang, key).or_else(|| {
        review::table(lang)
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    })
}

fn lookup_main(lang: Lang, key: &str) -> Option<&'static str> {
    lang.table()
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| *v)
}

fn fill(template: &str, args: &[(&str, &str)], value: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(&value(v)),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A filled-in value inside right-to-left text: each line first-strong isolated.
fn isolate_value(v: &str) -> String {
    v.split('\n')
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!("{FSI}{line}{PDI}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `/command` words of a right-to-left template, left-to-right isolated so the slash
/// stays in front.
fn isolate_commands(template: &str) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut chars = template.char_indices().peekable();
    let mut prev: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        let starts_word = prev.is_none_or(|p| !(p.is_ascii_alphanumeric() || "/:.".contains(p)));
        if c == '/'
            && starts_word
            && template[i + 1..].starts_with(|n: char| n.is_ascii_lowercase())
        {
            out.push(LRI);
            out.push('/');
            while let Some((_, n)) = chars.peek().copied() {
                if n.is_ascii_alphanumeric() || n == '_' {
                    out.push(n);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(PDI);
            prev = Some('x');
            continue;
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

/// An action kind named in Arabic or French (`توقيع`, `signer`, `don`, …).
pub fn kind_from_word(word: &str) -> Option<ActionKind> {
    let w = word.trim().to_lowercase();
    ActionKind::ALL.into_iter().find(|k| {
        let key = format!("kindword.{}", k.as_str());
        [Lang::Ar, Lang::Fr]
            .into_iter()
            .any(|l| lookup(l, &key).is_some_and(|words| words.split('|').any(|x| x == w)))
    })
}

// Tables. Every key of EN is in AR and FR with the same placeholders (a test checks),
// but for `cli.` keys (the command line speaks English) and plural forms: a key that
// counts has `.other` and the CLDR forms (`.zero`, `.one`, `.two`, `.few`, `.many`) its
// language needs; see `tn`.

static EN: &[(&str, &str)] = &[
    // Errors and refusals.
    (
        "error.generic",
        "Sorry, something went wrong; please try again later.",
    ),
    (
        "error.not_command",
        "I understand commands only. Send /help to see them.",
    ),
    (
        "error.unknown_command",
        "Unknown command {cmd}. Send /help for the list.",
    ),
    ("error.admins_only", "Sorry, {cmd} is for admins only."),
    (
        "error.admin_check_failed",
        "I could not check whether you are an administrator of this chat: Telegram did not answer. Please try again in a moment.",
    ),
    (
        "error.organizers_only",
        "Sorry, {cmd} is for organizers only.",
    ),
    // Command descriptions (menu and /help).
    ("cmd.start", "Subscribe this chat to appeal alerts"),
    ("cmd.stop", "Unsubscribe this chat and forget it"),
    ("cmd.help", "What this bot does and its commands"),
    // Dates in alerts (issue 14): names, the day, the time, the 📅 and ⏳ lines, the digest's past.
    ("month.1", "January"),
    ("month.2", "February"),
    ("month.3", "March"),
    ("month.4", "April"),
    ("month.5", "May"),
    ("month.6", "June"),
    ("month.7", "July"),
    ("month.8", "August"),
    ("month.9", "September"),
    ("month.10", "October"),
    ("month.11", "November"),
    ("month.12", "December"),
    ("weekday.1", "Monday"),
    ("weekday.2", "Tuesday"),
    ("weekday.3", "Wednesday"),
    ("weekday.4", "Thursday"),
    ("weekday.5", "Friday"),
    ("weekday.6", "Saturday"),
    ("weekday.7", "Sunday"),
    ("date.day", "{weekday} {day} {month} {year}"),
    ("date.time", "{date}, {time}"),
    ("alert.when", "📅 {date}"),
    ("alert.deadline", "⏳ Until {date}"),
    ("digest.past", "Already passed"),
    ("digest.away", "While we were away, these passed"),
    ("cmd.feeds", "List the partner feeds"),
    (
        "cmd.follow",
        "Get only some alerts: /follow 3 #tag donate ar",
    ),
    (
        "cmd.unfollow",
        "Stop following: /unfollow ITEM or /unfollow all",
    ),
    ("cmd.mute", "Pause alerts: /mute 2h, /mute off"),
    ("cmd.settings", "What this chat gets"),
    (
        "cmd.language",
        "Language of the bot: /language en|ar|fr|auto",
    ),
    (
        "cmd.remind",
        "Reminders before an alert's event: /remind on, /remind off",
    ),
    (
        "cmd.addfeed",
        "Add a feed: /addfeed URL [#tag …] [mode=all] [name]",
    ),
    (
        "cmd.editfeed",
        "Change a feed: /editfeed ID [#tag …] [mode=all|appeals] [name=NAME]",
    ),
    ("cmd.removefeed", "Remove a feed: /removefeed ID|URL"),
    ("cmd.preview", "What subscribers would get from a feed now"),
    (
        "cmd.addchannel",
        "Send alerts to a channel: /addchannel @name",
    ),
    (
        "cmd.removechannel",
        "Stop alerts to a channel: /removechannel @name",
    ),
    ("cmd.export", "The feeds as an OPML file"),
    ("cmd.import", "Reply to an OPML file to add its feeds"),
    ("cmd.stats", "Subscribers, feeds, alerts sent"),
    ("cmd.wrong", "In reply to an alert: it was not an appeal"),
    ("cmd.send", "Send an appeal the detector missed: /send URL"),
    ("cmd.grant", "Make a user an organizer: /grant USER_ID"),
    ("cmd.revoke", "Take organizer rights back: /revoke USER_ID"),
    // Help.
    (
        "help.intro",
        "solibot sends you appeals from partner organizations: petitions, donation calls, protests, vigils, statements that call on officials to act.\n\nCommands:",
    ),
    ("help.line", "{cmd} — {what}"),
    (
        "help.choices",
        "To get only some alerts, /follow a feed (its number in /feeds), a hashtag (#Aleppo), an action (sign, donate, contact, mobilize, share, volunteer, boycott) or a language (en, ar, fr, …). Following nothing means getting everything.",
    ),
    (
        "help.organizers",
        "Organizers: /feeds shows each feed's health; feeds failing for a long time are reported to you once, and again when they recover.",
    ),
    // Subscribing.
    (
        "start.group_admins_only",
        "Only this group's administrators can subscribe it.",
    ),
    (
        "start.ok",
        "Subscribed. You will get new appeals from our partner organizations here. Send /stop to unsubscribe, /feeds to see the partners, /settings to choose what you get.",
    ),
    (
        "start.already",
        "This chat is already subscribed. Send /stop to unsubscribe.",
    ),
    (
        "start.moved_to_topic",
        "This chat is already subscribed; alerts will now come to this topic.",
    ),
    (
        "stop.group_admins_only",
        "Only this group's administrators can unsubscribe it.",
    ),
    (
        "stop.ok",
        "Unsubscribed; this chat is forgotten. Send /start to subscribe again.",
    ),
    (
        "stop.not_subscribed",
        "This chat was not subscribed. Send /start to subscribe.",
    ),
    // Choices.
    (
        "follow.usage",
        "Say what to follow: a feed number (see /feeds), a #hashtag, an action (sign, donate, contact, mobilize, share, volunteer, boycott) or a language (en, ar, fr, …). Example: /follow 3 #Aleppo donate",
    ),
    (
        "unfollow.usage",
        "Say what to stop following, as shown by /settings, or /unfollow all.",
    ),
    (
        "follow.unknown_item",
        "I do not know what {item} is: give a feed number, a #hashtag, an action (sign, donate, contact, mobilize, share, volunteer, boycott) or a two-letter language code.",
    ),
    (
        "follow.no_feed",
        "There is no feed {id}. Send /feeds for the list.",
    ),
    ("follow.ok", "Done."),
    ("unfollow.ok", "Done."),
    (
        "settings.group_admins_only",
        "Only this chat's administrators can change what it gets.",
    ),
    (
        "settings.not_subscribed",
        "This chat is not subscribed. Send /start first.",
    ),
    (
        "mute.usage",
        "Say for how long: /mute 30m, /mute 2h, /mute 1d (at most 30 days), or /mute off.",
    ),
    (
        "mute.too_long",
        "That is too long: at most 30 days. Use /stop to unsubscribe.",
    ),
    (
        "mute.on",
        "Muted until {until}. Alerts that come out meanwhile are skipped for this chat. Send /mute off to get them again sooner.",
    ),
    ("mute.off", "Alerts are on again."),
    ("remind.usage", "Say /remind on or /remind off."),
    (
        "remind.on",
        "Reminders are on: {before} before the event of an alert this chat got, a short reminder comes, once.",
    ),
    ("remind.off", "Reminders are off."),
    ("remind.notice", "⏰ Reminder: {title}"),
    ("remind.hours", "{n} h"),
    ("remind.minutes", "{n} min"),
    ("remind.seconds", "{n} s"),
    ("settings.header", "What this chat gets:"),
    ("settings.any", "any"),
    ("settings.feeds", "Feeds: {list}"),
    ("settings.hashtags", "Hashtags: {list}"),
    ("settings.kinds", "Actions: {list}"),
    ("settings.langs", "Languages: {list}"),
    ("settings.muted", "Muted until {until}"),
    ("settings.not_muted", "Not muted"),
    (
        "settings.rule",
        "An alert comes here when it matches every line that is not \"any\".",
    ),
    (
        "settings.language",
        "Bot language: {lang} (/language to change)",
    ),
    ("lang.en", "English"),
    ("lang.ar", "Arabic"),
    ("lang.fr", "French"),
    (
        "language.usage",
        "Choose the bot's language: /language en, /language ar, /language fr, or /language auto to follow your Telegram app.",
    ),
    ("language.ok", "From now on I will answer in English here."),
    ("kind.sign", "sign"),
    ("kind.donate", "donate"),
    ("kind.contact", "contact officials"),
    ("kind.mobilize", "protests and events"),
    ("kind.share", "share"),
    ("kind.volunteer", "volunteer"),
    ("kind.boycott", "boycott"),
    // Feeds.
    ("feeds.none", "No partner feeds yet."),
    ("feeds.header.one", "{n} partner feed:"),
    ("feeds.header.other", "{n} partner feeds:"),
    ("feeds.line", "\n{id}. {name} {tags}"),
    ("feeds.url_mode", "   {url} · mode {mode}"),
    (
        "feeds.health",
        "   last success: {success} · entries seen: {seen} · appeals: {appeals}",
    ),
    (
        "feeds.failing.one",
        "   failing ({n} failure in a row), last error {when}: {error}",
    ),
    (
        "feeds.failing.other",
        "   failing ({n} failures in a row), last error {when}: {error}",
    ),
    ("feeds.last_error", "   last error {when}: {error}"),
    (
        "feeds.threshold",
        "   threshold raised by {raise} · alerts marked wrong in 30 days: {wrong}",
    ),
    (
        "wrong.usage",
        "Reply to one of my alerts with /wrong to record that it was not an appeal.",
    ),
    (
        "wrong.ok",
        "Recorded: “{title}” was not an appeal. Thank you.",
    ),
    (
        "wrong.already",
        "You had already marked “{title}” as not an appeal.",
    ),
    (
        "wrong.raised",
        "Feed {name} now needs a higher score to alert: threshold {raise}.",
    ),
    (
        "send.usage",
        "Give the link of a partner feed's entry: /send URL",
    ),
    (
        "send.not_partner",
        "Not sent: {url} is not an entry any partner feed lists now.",
    ),
    (
        "send.unreachable",
        "Not sent: feed {name} could not be read to look for it: {why}.",
    ),
    (
        "send.not_polled",
        "Not sent: feed {name} has not been read yet; try again after its first check.",
    ),
    (
        "send.already",
        "Not sent: this entry of {name} was already sent as an alert.",
    ),
    (
        "send.cross_post",
        "Recorded as an appeal, not sent again: “{title}” is the same appeal as an alert already sent.",
    ),
    (
        "send.ok",
        "Recorded as an appeal the detector missed, and sent as an alert: “{title}” · chats: {chats}.",
    ),
    ("time.never", "never"),
    ("time.s_ago.other", "{n}s ago"),
    ("time.m_ago.other", "{n}m ago"),
    ("time.h_ago.other", "{n}h ago"),
    ("time.d_ago.other", "{n}d ago"),
    ("addfeed.refused", "Not added: {why}."),
    (
        "addfeed.ok.one",
        "Added feed {id}: {name} ({n} entry, marked as already seen).",
    ),
    (
        "addfeed.ok.other",
        "Added feed {id}: {name} ({n} entries, marked as already seen).",
    ),
    (
        "addfeed.preview",
        "Latest appeal, as subscribers would see it:",
    ),
    ("addfeed.no_appeal", "No appeal among its current entries."),
    ("editfeed.refused", "Not changed: {why}."),
    (
        "editfeed.ok",
        "Feed {id} changed: {name} · hashtags: {tags} · mode {mode}.",
    ),
    (
        "feed.not_found",
        "No feed {feed}. Send /feeds for the list.",
    ),
    (
        "removefeed.usage",
        "Give the feed's id or URL: /removefeed ID|URL",
    ),
    ("removefeed.ok", "Removed feed {id}: {name}."),
    ("preview.usage", "Give a feed's id or URL: /preview ID|URL"),
    ("preview.failed", "No preview: {why}."),
    (
        "preview.not_modified",
        "No preview: the server answered 304.",
    ),
    (
        "preview.none.one",
        "{name}: {n} entry, not an appeal; subscribers would get nothing now.",
    ),
    (
        "preview.none.other",
        "{name}: {n} entries, none is an appeal; subscribers would get nothing now.",
    ),
    (
        "preview.shown.one",
        "{name}: {n} entry, an appeal, shown above as subscribers would get it (sent to you only).",
    ),
    (
        "preview.shown.other",
        "{name}: {n} entries; appeals shown above as subscribers would get them (sent to you only): {shown}.",
    ),
    // Channels.
    (
        "addchannel.usage",
        "Give the channel: /addchannel @name or /addchannel -100… (add the bot as an administrator of the channel first).",
    ),
    (
        "channel.not_found",
        "I cannot see that channel: {why}. Add the bot to it as an administrator first.",
    ),
    (
        "addchannel.not_channel",
        "{chat} is not a channel. For a group, send /start in the group.",
    ),
    (
        "addchannel.bot_not_admin",
        "The bot is not an administrator of {chat} allowed to post. Make it one, then try again.",
    ),
    (
        "addchannel.user_not_admin",
        "You are not an administrator of {chat}.",
    ),
    (
        "addchannel.already",
        "{chat} ({title}) already gets the alerts.",
    ),
    (
        "addchannel.ok",
        "Channel {chat} ({title}, id {id}) will get the alerts. /removechannel {chat} stops them.",
    ),
    (
        "removechannel.usage",
        "Give the channel: /removechannel @name or /removechannel -100…",
    ),
    ("removechannel.ok", "{chat} will get no more alerts."),
    (
        "removechannel.not_subscribed",
        "{chat} is not a channel that gets alerts.",
    ),
    // OPML.
    ("export.caption.one", "{n} feed"),
    ("export.caption.other", "{n} feeds"),
    ("export.failed", "Could not send the file: {why}"),
    (
        "import.usage",
        "Reply to an OPML file with /import (or send the file with /import as its caption).",
    ),
    (
        "import.too_large",
        "That file is too large for an OPML list (over 1 MB).",
    ),
    ("import.download_failed", "Could not get the file: {why}"),
    ("import.not_opml", "That is not an OPML file: {why}."),
    (
        "import.summary",
        "Import: {added} added, {skipped} already there, {refused} refused.",
    ),
    ("import.added", "+ {id}. {name}"),
    ("import.skipped", "= {url} (already there)"),
    ("import.refused", "- {url}: {why}"),
    // Stats and rights.
    (
        "stats.text",
        "Subscribers: {subscribers} ({private} private, {groups}, {channels}; {muted} muted)\nFeeds: {feeds} ({failing} failing)\nMessages sent today: {today}\nMessages sent this week: {week}\nWaiting in the outbox: {outbox}\nDelivery failures since start: {failures}",
    ),
    ("stats.private.other", "{n}"),
    ("stats.groups.one", "{n} group"),
    ("stats.groups.other", "{n} groups"),
    ("stats.channels.one", "{n} channel"),
    ("stats.channels.other", "{n} channels"),
    (
        "grant.usage",
        "Give a numeric Telegram user id: /grant USER_ID",
    ),
    (
        "revoke.usage",
        "Give a numeric Telegram user id: /revoke USER_ID",
    ),
    ("grant.ok", "User {id} is now an organizer."),
    ("grant.already", "User {id} was already an organizer."),
    ("revoke.ok", "User {id} is no longer an organizer."),
    ("revoke.not", "User {id} was not an organizer."),
    // Notices to organizers.
    (
        "notice.failing.other",
        "Feed {id} ({name}) has been failing for {n} h: {error}\n{url}\nSubscribers get nothing from it until it works again. You will be told when it recovers.",
    ),
    (
        "notice.recovered.other",
        "Feed {id} ({name}) works again, after failing for {n} h.",
    ),
    (
        "notice.subscription_ended",
        "Alerts to chat {chat} have stopped: Telegram refuses to deliver there ({why}). Its subscription has ended. To subscribe it again, give the bot back its place (an administrator of a channel) and send /start there, or /addchannel for a channel.",
    ),
    // Why a feed was not added.
    ("url.too_long", "longer than 2048 characters"),
    ("url.not_url", "{url} ({why})"),
    (
        "url.scheme",
        "only http and https feeds can be added, not {scheme}:",
    ),
    ("url.no_host", "no host"),
    ("url.credentials", "URLs with credentials are not accepted"),
    ("url.rejected", "{url}"),
    ("adderr.malformed", "that is not a valid feed URL: {why}"),
    ("adderr.already", "that feed is already added (id {id})"),
    ("adderr.blocked", "the address is blocked: {why}"),
    ("adderr.unreachable", "the feed is unreachable: {why}"),
    (
        "adderr.not_modified",
        "the feed is unreachable: it answered 304 to a first request",
    ),
    ("adderr.status", "the server answered HTTP {code}"),
    ("adderr.too_large.one", "the feed is larger than {n} byte"),
    (
        "adderr.too_large.other",
        "the feed is larger than {n} bytes",
    ),
    (
        "adderr.not_a_feed",
        "that is not a feed (RSS, Atom or JSON Feed): {why}",
    ),
    ("adderr.internal", "internal error: {why}"),
    (
        "args.add_usage",
        "give the feed's URL: /addfeed URL [#tag …] [mode=all] [name]",
    ),
    (
        "args.edit_usage",
        "give the feed's id and what to change: /editfeed ID [#tag …] [tags=none] [mode=all|appeals] [name=NAME]",
    ),
    (
        "args.unknown_mode",
        "unknown mode {mode}: use all or appeals",
    ),
    ("args.bad_hashtag", "bad hashtag {tag}"),
    (
        "args.unknown_word",
        "I do not understand {word}: hashtags start with #, the mode is mode=…, the name comes last as name=…",
    ),
    (
        "args.nothing_to_change",
        "nothing to change: give hashtags, mode=… or name=…",
    ), // The command line (English only: it prints for operators, not chats).
    ("cli.exported.one", "Exported {n} feed to {file}."),
    ("cli.exported.other", "Exported {n} feeds to {file}."),
    ("cli.entries.one", "{title}: {n} entry"),
    ("cli.entries.other", "{title}: {n} entries"),
];

static AR: &[(&str, &str)] = &[
    ("error.generic", "عذرًا، حدث خطأ ما؛ يُرجى المحاولة لاحقًا."),
    (
        "error.admin_check_failed",
        "تعذّر التحقق مما إذا كنت مشرفًا في هذه المحادثة: لم يُجب تيليغرام. يُرجى المحاولة مرة أخرى بعد قليل.",
    ),
    ("error.not_command", "لا أفهم إلا الأوامر. أرسل /help لرؤيتها."),
    (
        "error.unknown_command",
        "أمر غير معروف {cmd}. أرسل /help لرؤية القائمة.",
    ),
    (
        "error.admins_only",
        "عذرًا، الأمر {cmd} خاص بالمشرفين العامّين فقط.",
    ),
    (
        "error.organizers_only",
        "عذرًا، الأمر {cmd} خاص بالمنظِّمين فقط.",
    ),
    ("cmd.start", "اشترك في تنبيهات النداءات في هذه المحادثة"),
    ("cmd.stop", "ألغِ اشتراك هذه المحادثة وامحُ بياناتها"),
    ("cmd.help", "ما يفعله هذا البوت وأوامره"),
    // Dates in alerts (issue 14): names, the day, the time, the 📅 and ⏳ lines, the digest's past.
    ("month.1", "كانون الثاني (يناير)"),
    ("month.2", "شباط (فبراير)"),
    ("month.3", "آذار (مارس)"),
    ("month.4", "نيسان (أبريل)"),
    ("month.5", "أيار (مايو)"),
    ("month.6", "حزيران (يونيو)"),
    ("month.7", "تموز (يوليو)"),
    ("month.8", "آب (أغسطس)"),
    ("month.9", "أيلول (سبتمبر)"),
    ("month.10", "تشرين الأول (أكتوبر)"),
    ("month.11", "تشرين الثاني (نوفمبر)"),
    ("month.12", "كانون الأول (ديسمبر)"),
    ("weekday.1", "الاثنين"),
    ("weekday.2", "الثلاثاء"),
    ("weekday.3", "الأربعاء"),
    ("weekday.4", "الخميس"),
    ("weekday.5", "الجمعة"),
    ("weekday.6", "السبت"),
    ("weekday.7", "الأحد"),
    ("date.day", "{weekday} {day} {month} {year}"),
    ("date.time", "{date}، الساعة {time}"),
    ("alert.when", "📅 {date}"),
    ("alert.deadline", "⏳ حتى {date}"),
    ("digest.past", "انقضى موعدها"),
    ("digest.away", "خلال غيابنا، انقضى موعد هذه النداءات"),
    ("cmd.feeds", "قائمة مصادر الشركاء"),
    (
        "cmd.follow",
        "استلم بعض التنبيهات فقط: /follow 3 #وسم تبرع ar",
    ),
    (
        "cmd.unfollow",
        "أوقف المتابعة: /unfollow عنصر أو /unfollow all",
    ),
    ("cmd.mute", "أوقف التنبيهات مؤقتًا: /mute 2h أو /mute off"),
    ("cmd.settings", "ما تستلمه هذه المحادثة"),
    ("cmd.language", "لغة البوت: /language en|ar|fr|auto"),
    (
        "cmd.remind",
        "تذكير قبل موعد فعالية التنبيه: /remind on أو /remind off",
    ),
    (
        "cmd.addfeed",
        "أضف مصدرًا: /addfeed رابط [#وسم …] [mode=all] [اسم]",
    ),
    (
        "cmd.editfeed",
        "عدّل مصدرًا: /editfeed رقم [#وسم …] [mode=all|appeals] [name=اسم]",
    ),
    ("cmd.removefeed", "احذف مصدرًا: /removefeed رقم|رابط"),
    ("cmd.preview", "ما سيستلمه المشتركون من مصدر ما الآن"),
    (
        "cmd.addchannel",
        "أرسل التنبيهات إلى قناة: /addchannel @اسم",
    ),
    (
        "cmd.removechannel",
        "أوقف التنبيهات إلى قناة: /removechannel @اسم",
    ),
    ("cmd.export", "المصادر في ملف OPML"),
    ("cmd.import", "ردّ على ملف OPML لإضافة مصادره"),
    ("cmd.stats", "المشتركون والمصادر والتنبيهات المرسلة"),
    ("cmd.wrong", "ردًا على تنبيه: لم يكن نداءً"),
    ("cmd.send", "أرسل نداءً فات الكاشف: /send الرابط"),
    ("cmd.grant", "اجعل مستخدمًا منظِّمًا: /grant رقم_المستخدم"),
    ("cmd.revoke", "اسحب صلاحيات التنظيم: /revoke رقم_المستخدم"),
    (
        "help.intro",
        "يرسل لك solibot نداءات المنظمات الشريكة: عرائض، ودعوات للتبرع، واحتجاجات، ووقفات، وبيانات تطالب المسؤولين بالتحرك.\n\nالأوامر:",
    ),
    ("help.line", "{cmd} — {what}"),
    (
        "help.choices",
        "لتستلم بعض التنبيهات فقط، تابِع بالأمر /follow مصدرًا (رقمه في /feeds)، أو وسمًا (#حلب)، أو نوع تحرك (توقيع، تبرع، تواصل، حشد، نشر، تطوع، مقاطعة)، أو لغة (en أو ar أو fr …). إذا لم تتابع شيئًا تستلم كل شيء.",
    ),
    (
        "help.organizers",
        "للمنظِّمين: يعرض /feeds حالة كل مصدر؛ وإذا تعطّل مصدر مدة طويلة تُبلَّغون مرة واحدة، ثم مرة أخرى عند عودته للعمل.",
    ),
    (
        "start.group_admins_only",
        "لا يستطيع الاشتراك لهذه المجموعة إلا مشرفوها.",
    ),
    (
        "start.ok",
        "تم الاشتراك. ستصلك هنا النداءات الجديدة من المنظمات الشريكة. أرسل /stop لإلغاء الاشتراك، و/feeds لرؤية الشركاء، و/settings لاختيار ما تستلمه.",
    ),
    (
        "start.already",
        "هذه المحادثة مشتركة بالفعل. أرسل /stop لإلغاء الاشتراك.",
    ),
    (
        "start.moved_to_topic",
        "هذه المحادثة مشتركة بالفعل؛ ستصل التنبيهات من الآن إلى هذا الموضوع.",
    ),
    (
        "stop.group_admins_only",
        "لا يستطيع إلغاء اشتراك هذه المجموعة إلا مشرفوها.",
    ),
    (
        "stop.ok",
        "أُلغي الاشتراك ومُحيت بيانات هذه المحادثة. أرسل /start للاشتراك من جديد.",
    ),
    (
        "stop.not_subscribed",
        "هذه المحادثة ليست مشتركة. أرسل /start للاشتراك.",
    ),
    (
        "follow.usage",
        "حدّد ما تريد متابعته: رقم مصدر (انظر /feeds)، أو #وسم، أو نوع تحرك (توقيع، تبرع، تواصل، حشد، نشر، تطوع، مقاطعة)، أو لغة (en أو ar أو fr …). مثال: /follow 3 #حلب تبرع",
    ),
    (
        "unfollow.usage",
        "حدّد ما تريد إيقاف متابعته كما يظهر في /settings، أو أرسل /unfollow all.",
    ),
    (
        "follow.unknown_item",
        "لا أعرف ما هو {item}: اكتب رقم مصدر، أو #وسمًا، أو نوع تحرك (توقيع، تبرع، تواصل، حشد، نشر، تطوع، مقاطعة)، أو رمز لغة من حرفين.",
    ),
    (
        "follow.no_feed",
        "لا يوجد مصدر رقمه {id}. أرسل /feeds لرؤية القائمة.",
    ),
    ("follow.ok", "تم."),
    ("unfollow.ok", "تم."),
    (
        "settings.group_admins_only",
        "لا يستطيع تغيير ما تستلمه هذه المحادثة إلا مشرفوها.",
    ),
    (
        "settings.not_subscribed",
        "هذه المحادثة ليست مشتركة. أرسل /start أولًا.",
    ),
    (
        "mute.usage",
        "حدّد المدة: /mute 30m أو /mute 2h أو /mute 1d (ثلاثون يومًا على الأكثر)، أو /mute off.",
    ),
    (
        "mute.too_long",
        "هذه مدة طويلة جدًا: ثلاثون يومًا على الأكثر. استخدم /stop لإلغاء الاشتراك.",
    ),
    (
        "mute.on",
        "التنبيهات متوقفة حتى {until}. التنبيهات التي تصدر خلال ذلك لن تصل إلى هذه المحادثة. أرسل /mute off لاستئنافها قبل ذلك.",
    ),
    ("mute.off", "عادت التنبيهات."),
    ("remind.usage", "أرسل /remind on أو /remind off."),
    (
        "remind.on",
        "التذكير مفعّل: قبل موعد فعالية تنبيه وصل إلى هذه المحادثة بـ {before} يصلك تذكير قصير، مرة واحدة.",
    ),
    ("remind.off", "التذكير متوقف."),
    ("remind.notice", "⏰ تذكير: {title}"),
    ("remind.hours", "{n} ساعة"),
    ("remind.minutes", "{n} دقيقة"),
    ("remind.seconds", "{n} ثانية"),
    ("settings.header", "ما تستلمه هذه المحادثة:"),
    ("settings.any", "الكل"),
    ("settings.feeds", "المصادر: {list}"),
    ("settings.hashtags", "الوسوم: {list}"),
    ("settings.kinds", "أنواع التحرك: {list}"),
    ("settings.langs", "اللغات: {list}"),
    ("settings.muted", "التنبيهات متوقفة حتى {until}"),
    ("settings.not_muted", "التنبيهات مفعّلة"),
    (
        "settings.rule",
        "يصل التنبيه إلى هنا إذا طابق كل سطر ليس «الكل».",
    ),
    (
        "settings.language",
        "لغة البوت: {lang} (لتغييرها /language)",
    ),
    ("lang.en", "الإنجليزية"),
    ("lang.ar", "العربية"),
    ("lang.fr", "الفرنسية"),
    (
        "language.usage",
        "اختر لغة البوت: /language en أو /language ar أو /language fr، أو /language auto لاتباع لغة تطبيق تيليغرام.",
    ),
    ("language.ok", "سأجيب هنا بالعربية من الآن."),
    ("kind.sign", "توقيع"),
    ("kind.donate", "تبرع"),
    ("kind.contact", "التواصل مع المسؤولين"),
    ("kind.mobilize", "احتجاجات وفعاليات"),
    ("kind.share", "نشر"),
    ("kind.volunteer", "تطوع"),
    ("kind.boycott", "مقاطعة"),
    ("kindword.sign", "توقيع|وقع|وقّع|عريضة"),
    ("kindword.donate", "تبرع|تبرّع|تبرعات"),
    ("kindword.contact", "تواصل|اتصال|مراسلة"),
    ("kindword.mobilize", "حشد|احتجاج|مظاهرة|وقفة|فعالية"),
    ("kindword.share", "نشر|مشاركة"),
    ("kindword.volunteer", "تطوع|تطوّع"),
    ("kindword.boycott", "مقاطعة|قاطع"),
    ("feeds.none", "لا توجد مصادر للشركاء بعد."),
    ("feeds.header.other", "مصادر الشركاء ({n}):"),
    ("feeds.line", "\n{id}. {name} {tags}"),
    ("feeds.url_mode", "   {url} · الوضع {mode}"),
    (
        "feeds.health",
        "   آخر نجاح: {success} · المدخلات المقروءة: {seen} · النداءات: {appeals}",
    ),
    (
        "feeds.failing.one",
        "   متعطّل (مرة واحدة)، آخر خطأ {when}: {error}",
    ),
    (
        "feeds.failing.two",
        "   متعطّل (مرتين متتاليتين)، آخر خطأ {when}: {error}",
    ),
    (
        "feeds.failing.few",
        "   متعطّل ({n} مرات متتالية)، آخر خطأ {when}: {error}",
    ),
    (
        "feeds.failing.other",
        "   متعطّل ({n} مرة متتالية)، آخر خطأ {when}: {error}",
    ),
    ("feeds.last_error", "   آخر خطأ {when}: {error}"),
    (
        "feeds.threshold",
        "   رُفعت العتبة بمقدار {raise} · تنبيهات وُصفت بالخطأ خلال 30 يومًا: {wrong}",
    ),
    (
        "wrong.usage",
        "ردّ على أحد تنبيهاتي بـ /wrong لتسجيل أنه لم يكن نداءً.",
    ),
    ("wrong.ok", "سُجّل: «{title}» لم يكن نداءً. شكرًا لك."),
    ("wrong.already", "سبق أن سجّلت أن «{title}» لم يكن نداءً."),
    (
        "wrong.raised",
        "صار المصدر {name} يحتاج إلى درجة أعلى للتنبيه: العتبة {raise}.",
    ),
    ("send.usage", "أرسل رابط منشور من مصدر شريك: /send الرابط"),
    (
        "send.not_partner",
        "لم يُرسَل: {url} ليس منشورًا في أي مصدر شريك حاليًا.",
    ),
    (
        "send.unreachable",
        "لم يُرسَل: تعذّرت قراءة المصدر {name} للبحث عنه: {why}.",
    ),
    (
        "send.not_polled",
        "لم يُرسَل: لم يُقرأ المصدر {name} بعد؛ حاول مجددًا بعد أول فحص له.",
    ),
    (
        "send.already",
        "لم يُرسَل: سبق إرسال هذا المنشور من {name} كتنبيه.",
    ),
    (
        "send.cross_post",
        "سُجّل كنداء، ولم يُرسَل مجددًا: «{title}» هو النداء نفسه في تنبيه سبق إرساله.",
    ),
    (
        "send.ok",
        "سُجّل كنداء فات الكاشف وأُرسل كتنبيه: «{title}» · المحادثات: {chats}.",
    ),
    ("time.never", "أبدًا"),
    ("time.s_ago.zero", "الآن"),
    ("time.s_ago.one", "قبل ثانية"),
    ("time.s_ago.two", "قبل ثانيتين"),
    ("time.s_ago.few", "قبل {n} ثوانٍ"),
    ("time.s_ago.other", "قبل {n} ثانية"),
    ("time.m_ago.two", "قبل دقيقتين"),
    ("time.m_ago.few", "قبل {n} دقائق"),
    ("time.m_ago.other", "قبل {n} دقيقة"),
    ("time.h_ago.two", "قبل ساعتين"),
    ("time.h_ago.few", "قبل {n} ساعات"),
    ("time.h_ago.other", "قبل {n} ساعة"),
    ("time.d_ago.two", "قبل يومين"),
    ("time.d_ago.few", "قبل {n} أيام"),
    ("time.d_ago.many", "قبل {n} يومًا"),
    ("time.d_ago.other", "قبل {n} يوم"),
    ("addfeed.refused", "لم تتم الإضافة: {why}."),
    (
        "addfeed.ok.other",
        "أُضيف المصدر {id}: {name} (عدد المدخلات: {n}، عُدّت كلها مقروءة).",
    ),
    ("addfeed.preview", "آخر نداء، كما سيراه المشتركون:"),
    ("addfeed.no_appeal", "لا يوجد نداء بين مدخلاته الحالية."),
    ("editfeed.refused", "لم يتم التعديل: {why}."),
    (
        "editfeed.ok",
        "عُدّل المصدر {id}: {name} · الوسوم: {tags} · الوضع {mode}.",
    ),
    (
        "feed.not_found",
        "لا يوجد مصدر {feed}. أرسل /feeds لرؤية القائمة.",
    ),
    (
        "removefeed.usage",
        "اكتب رقم المصدر أو رابطه: /removefeed رقم|رابط",
    ),
    ("removefeed.ok", "حُذف المصدر {id}: {name}."),
    (
        "preview.usage",
        "اكتب رقم المصدر أو رابطه: /preview رقم|رابط",
    ),
    ("preview.failed", "لا معاينة: {why}."),
    ("preview.not_modified", "لا معاينة: أجاب الخادم بالرمز 304."),
    (
        "preview.none.other",
        "{name}: عدد المدخلات {n}، وليس بينها نداء؛ لن يستلم المشتركون شيئًا الآن.",
    ),
    (
        "preview.shown.other",
        "{name}: عدد المدخلات {n}، وعدد النداءات المعروضة أعلاه كما سيستلمها المشتركون {shown} (أُرسلت إليك وحدك).",
    ),
    (
        "addchannel.usage",
        "حدّد القناة: /addchannel @اسم أو /addchannel -100… (أضف البوت مشرفًا على القناة أولًا).",
    ),
    (
        "channel.not_found",
        "لا أستطيع رؤية هذه القناة: {why}. أضف البوت إليها مشرفًا أولًا.",
    ),
    (
        "addchannel.not_channel",
        "{chat} ليست قناة. للمجموعات أرسل /start داخل المجموعة.",
    ),
    (
        "addchannel.bot_not_admin",
        "البوت ليس مشرفًا على {chat} بصلاحية النشر. امنحه ذلك ثم حاول مجددًا.",
    ),
    ("addchannel.user_not_admin", "لست مشرفًا على {chat}."),
    (
        "addchannel.already",
        "{chat} ({title}) تستلم التنبيهات بالفعل.",
    ),
    (
        "addchannel.ok",
        "ستستلم القناة {chat} ({title}، الرقم {id}) التنبيهات. الأمر /removechannel {chat} يوقفها.",
    ),
    (
        "removechannel.usage",
        "حدّد القناة: /removechannel @اسم أو /removechannel -100…",
    ),
    ("removechannel.ok", "لن تستلم {chat} تنبيهات بعد الآن."),
    (
        "removechannel.not_subscribed",
        "{chat} ليست قناة تستلم التنبيهات.",
    ),
    ("export.caption.other", "عدد المصادر: {n}"),
    ("export.failed", "تعذّر إرسال الملف: {why}"),
    (
        "import.usage",
        "ردّ على ملف OPML بالأمر /import (أو أرسل الملف مع /import في تعليقه).",
    ),
    (
        "import.too_large",
        "الملف أكبر من أن يكون قائمة OPML (أكثر من 1 ميغابايت).",
    ),
    ("import.download_failed", "تعذّر الحصول على الملف: {why}"),
    ("import.not_opml", "هذا ليس ملف OPML: {why}."),
    (
        "import.summary",
        "الاستيراد: أُضيف {added}، وكان موجودًا {skipped}، ورُفض {refused}.",
    ),
    ("import.added", "+ {id}. {name}"),
    ("import.skipped", "= {url} (موجود)"),
    ("import.refused", "- {url}: {why}"),
    (
        "stats.text",
        "المشتركون: {subscribers} (محادثات خاصة: {private}، مجموعات: {groups}، قنوات: {channels}؛ متوقفة مؤقتًا: {muted})\nالمصادر: {feeds} (المتعطّلة: {failing})\nالرسائل المرسلة اليوم: {today}\nالرسائل المرسلة هذا الأسبوع: {week}\nفي انتظار الإرسال: {outbox}\nإخفاقات التسليم منذ التشغيل: {failures}",
    ),
    ("stats.private.other", "{n}"),
    ("stats.groups.other", "{n}"),
    ("stats.channels.other", "{n}"),
    (
        "grant.usage",
        "اكتب رقم مستخدم تيليغرام: /grant رقم_المستخدم",
    ),
    (
        "revoke.usage",
        "اكتب رقم مستخدم تيليغرام: /revoke رقم_المستخدم",
    ),
    ("grant.ok", "أصبح المستخدم {id} منظِّمًا."),
    ("grant.already", "المستخدم {id} منظِّم بالفعل."),
    ("revoke.ok", "لم يعد المستخدم {id} منظِّمًا."),
    ("revoke.not", "المستخدم {id} لم يكن منظِّمًا."),
    (
        "notice.failing.few",
        "المصدر {id} ({name}) متعطّل منذ {n} ساعات: {error}\n{url}\nلن يستلم المشتركون منه شيئًا حتى يعود للعمل. سنبلغك عند عودته.",
    ),
    (
        "notice.failing.other",
        "المصدر {id} ({name}) متعطّل منذ {n} ساعة: {error}\n{url}\nلن يستلم المشتركون منه شيئًا حتى يعود للعمل. سنبلغك عند عودته.",
    ),
    (
        "notice.recovered.few",
        "عاد المصدر {id} ({name}) للعمل بعد تعطّل دام {n} ساعات.",
    ),
    (
        "notice.recovered.other",
        "عاد المصدر {id} ({name}) للعمل بعد تعطّل دام {n} ساعة.",
    ),
    (
        "notice.subscription_ended",
        "توقّفت التنبيهات إلى المحادثة {chat}: يرفض تيليغرام التسليم إليها ({why}). انتهى اشتراكها. لإعادة الاشتراك أعِد البوت إلى مكانه (مشرفًا في القناة) وأرسل /start هناك، أو /addchannel للقناة.",
    ),
    ("url.too_long", "أطول من 2048 حرفًا"),
    ("url.not_url", "{url} ({why})"),
    ("url.scheme", "لا تُقبل إلا مصادر http وhttps، وليس {scheme}"),
    ("url.no_host", "لا يوجد اسم خادم"),
    ("url.credentials", "لا تُقبل الروابط التي تتضمن بيانات دخول"),
    ("url.rejected", "{url}"),
    ("adderr.malformed", "هذا ليس رابط مصدر صالحًا: {why}"),
    ("adderr.already", "هذا المصدر مضاف بالفعل (الرقم {id})"),
    ("adderr.blocked", "العنوان محظور: {why}"),
    ("adderr.unreachable", "تعذّر الوصول إلى المصدر: {why}"),
    (
        "adderr.not_modified",
        "تعذّر الوصول إلى المصدر: أجاب بالرمز 304 على أول طلب",
    ),
    ("adderr.status", "أجاب الخادم بالرمز HTTP {code}"),
    ("adderr.too_large.other", "المصدر أكبر من {n} بايت"),
    (
        "adderr.not_a_feed",
        "هذا ليس مصدرًا (RSS أو Atom أو JSON Feed): {why}",
    ),
    ("adderr.internal", "خطأ داخلي: {why}"),
    (
        "args.add_usage",
        "اكتب رابط المصدر: /addfeed رابط [#وسم …] [mode=all] [اسم]",
    ),
    (
        "args.edit_usage",
        "اكتب رقم المصدر وما تريد تغييره: /editfeed رقم [#وسم …] [tags=none] [mode=all|appeals] [name=اسم]",
    ),
    (
        "args.unknown_mode",
        "وضع غير معروف {mode}: استخدم all أو appeals",
    ),
    ("args.bad_hashtag", "وسم غير صالح {tag}"),
    (
        "args.unknown_word",
        "لا أفهم {word}: الوسوم تبدأ بـ #، والوضع يُكتب mode=…، والاسم يأتي أخيرًا name=…",
    ),
    (
        "args.nothing_to_change",
        "لا شيء لتغييره: اكتب وسومًا أو mode=… أو name=…",
    ),
];

static FR: &[(&str, &str)] = &[
    (
        "error.generic",
        "Désolé, un problème est survenu ; réessayez plus tard.",
    ),
    (
        "error.admin_check_failed",
        "Je n'ai pas pu vérifier si vous êtes administrateur de ce chat : Telegram n'a pas répondu. Veuillez réessayer dans un instant.",
    ),
    (
        "error.not_command",
        "Je ne comprends que les commandes. Envoyez /help pour les voir.",
    ),
    (
        "error.unknown_command",
        "Commande inconnue {cmd}. Envoyez /help pour la liste.",
    ),
    (
        "error.admins_only",
        "Désolé, {cmd} est réservé aux administrateurs.",
    ),
    (
        "error.organizers_only",
        "Désolé, {cmd} est réservé aux organisateurs.",
    ),
    ("cmd.start", "Abonner ce chat aux alertes d'appels"),
    ("cmd.stop", "Désabonner ce chat et l'oublier"),
    ("cmd.help", "Ce que fait ce bot et ses commandes"),
    // Dates in alerts (issue 14): names, the day, the time, the 📅 and ⏳ lines, the digest's past.
    ("month.1", "janvier"),
    ("month.2", "février"),
    ("month.3", "mars"),
    ("month.4", "avril"),
    ("month.5", "mai"),
    ("month.6", "juin"),
    ("month.7", "juillet"),
    ("month.8", "août"),
    ("month.9", "septembre"),
    ("month.10", "octobre"),
    ("month.11", "novembre"),
    ("month.12", "décembre"),
    ("weekday.1", "lundi"),
    ("weekday.2", "mardi"),
    ("weekday.3", "mercredi"),
    ("weekday.4", "jeudi"),
    ("weekday.5", "vendredi"),
    ("weekday.6", "samedi"),
    ("weekday.7", "dimanche"),
    ("date.day", "{weekday} {day} {month} {year}"),
    ("date.time", "{date} à {time}"),
    ("alert.when", "📅 {date}"),
    ("alert.deadline", "⏳ Jusqu'au {date}"),
    ("digest.past", "Déjà passés"),
    (
        "digest.away",
        "Pendant notre absence, ces dates sont passées",
    ),
    ("cmd.feeds", "La liste des flux partenaires"),
    (
        "cmd.follow",
        "Ne recevoir que certaines alertes : /follow 3 #tag don fr",
    ),
    (
        "cmd.unfollow",
        "Ne plus suivre : /unfollow ÉLÉMENT ou /unfollow all",
    ),
    (
        "cmd.mute",
        "Mettre les alertes en pause : /mute 2h, /mute off",
    ),
    ("cmd.settings", "Ce que reçoit ce chat"),
    ("cmd.language", "Langue du bot : /language en|ar|fr|auto"),
    (
        "cmd.remind",
        "Rappels avant l'événement d'une alerte : /remind on, /remind off",
    ),
    (
        "cmd.addfeed",
        "Ajouter un flux : /addfeed URL [#tag …] [mode=all] [nom]",
    ),
    (
        "cmd.editfeed",
        "Modifier un flux : /editfeed ID [#tag …] [mode=all|appeals] [name=NOM]",
    ),
    ("cmd.removefeed", "Retirer un flux : /removefeed ID|URL"),
    (
        "cmd.preview",
        "Ce que les abonnés recevraient d'un flux maintenant",
    ),
    (
        "cmd.addchannel",
        "Envoyer les alertes à une chaîne : /addchannel @nom",
    ),
    (
        "cmd.removechannel",
        "Arrêter les alertes à une chaîne : /removechannel @nom",
    ),
    ("cmd.export", "Les flux dans un fichier OPML"),
    (
        "cmd.import",
        "Répondre à un fichier OPML pour ajouter ses flux",
    ),
    ("cmd.stats", "Abonnés, flux, alertes envoyées"),
    (
        "cmd.wrong",
        "En réponse à une alerte : ce n'était pas un appel",
    ),
    (
        "cmd.send",
        "Envoyer un appel que le détecteur a manqué : /send URL",
    ),
    (
        "cmd.grant",
        "Faire d'un utilisateur un organisateur : /grant USER_ID",
    ),
    (
        "cmd.revoke",
        "Retirer les droits d'organisateur : /revoke USER_ID",
    ),
    (
        "help.intro",
        "solibot vous envoie les appels des organisations partenaires : pétitions, appels aux dons, manifestations, veillées, déclarations qui demandent aux responsables d'agir.\n\nCommandes :",
    ),
    ("help.line", "{cmd} — {what}"),
    (
        "help.choices",
        "Pour ne recevoir que certaines alertes, suivez avec /follow un flux (son numéro dans /feeds), un hashtag (#Alep), une action (signer, don, contacter, mobiliser, partager, bénévolat, boycott) ou une langue (en, ar, fr, …). Ne rien suivre, c'est tout recevoir.",
    ),
    (
        "help.organizers",
        "Organisateurs : /feeds montre l'état de chaque flux ; un flux en panne depuis longtemps vous est signalé une fois, puis de nouveau quand il remarche.",
    ),
    (
        "start.group_admins_only",
        "Seuls les administrateurs de ce groupe peuvent l'abonner.",
    ),
    (
        "start.ok",
        "Abonné. Vous recevrez ici les nouveaux appels de nos organisations partenaires. Envoyez /stop pour vous désabonner, /feeds pour voir les partenaires, /settings pour choisir ce que vous recevez.",
    ),
    (
        "start.already",
        "Ce chat est déjà abonné. Envoyez /stop pour vous désabonner.",
    ),
    (
        "start.moved_to_topic",
        "Ce chat est déjà abonné ; les alertes arriveront désormais dans ce sujet.",
    ),
    (
        "stop.group_admins_only",
        "Seuls les administrateurs de ce groupe peuvent le désabonner.",
    ),
    (
        "stop.ok",
        "Désabonné ; ce chat est oublié. Envoyez /start pour vous réabonner.",
    ),
    (
        "stop.not_subscribed",
        "Ce chat n'était pas abonné. Envoyez /start pour vous abonner.",
    ),
    (
        "follow.usage",
        "Dites quoi suivre : un numéro de flux (voir /feeds), un #hashtag, une action (signer, don, contacter, mobiliser, partager, bénévolat, boycott) ou une langue (en, ar, fr, …). Exemple : /follow 3 #Alep don",
    ),
    (
        "unfollow.usage",
        "Dites quoi ne plus suivre, comme l'affiche /settings, ou /unfollow all.",
    ),
    (
        "follow.unknown_item",
        "Je ne sais pas ce qu'est {item} : donnez un numéro de flux, un #hashtag, une action (signer, don, contacter, mobiliser, partager, bénévolat, boycott) ou un code de langue à deux lettres.",
    ),
    (
        "follow.no_feed",
        "Il n'y a pas de flux {id}. Envoyez /feeds pour la liste.",
    ),
    ("follow.ok", "C'est fait."),
    ("unfollow.ok", "C'est fait."),
    (
        "settings.group_admins_only",
        "Seuls les administrateurs de ce chat peuvent changer ce qu'il reçoit.",
    ),
    (
        "settings.not_subscribed",
        "Ce chat n'est pas abonné. Envoyez d'abord /start.",
    ),
    (
        "mute.usage",
        "Dites pour combien de temps : /mute 30m, /mute 2h, /mute 1d (30 jours au plus), ou /mute off.",
    ),
    (
        "mute.too_long",
        "C'est trop long : 30 jours au plus. Utilisez /stop pour vous désabonner.",
    ),
    (
        "mute.on",
        "En sourdine jusqu'au {until}. Les alertes publiées entre-temps ne seront pas envoyées à ce chat. Envoyez /mute off pour les recevoir de nouveau plus tôt.",
    ),
    ("mute.off", "Les alertes sont réactivées."),
    ("remind.usage", "Envoyez /remind on ou /remind off."),
    (
        "remind.on",
        "Rappels activés : {before} avant l'événement d'une alerte reçue ici, un court rappel arrive, une fois.",
    ),
    ("remind.off", "Rappels désactivés."),
    ("remind.notice", "⏰ Rappel : {title}"),
    ("remind.hours", "{n} h"),
    ("remind.minutes", "{n} min"),
    ("remind.seconds", "{n} s"),
    ("settings.header", "Ce que reçoit ce chat :"),
    ("settings.any", "tout"),
    ("settings.feeds", "Flux : {list}"),
    ("settings.hashtags", "Hashtags : {list}"),
    ("settings.kinds", "Actions : {list}"),
    ("settings.langs", "Langues : {list}"),
    ("settings.muted", "En sourdine jusqu'au {until}"),
    ("settings.not_muted", "Pas en sourdine"),
    (
        "settings.rule",
        "Une alerte arrive ici quand elle correspond à chaque ligne qui n'est pas « tout ».",
    ),
    (
        "settings.language",
        "Langue du bot : {lang} (/language pour la changer)",
    ),
    ("lang.en", "anglais"),
    ("lang.ar", "arabe"),
    ("lang.fr", "français"),
    (
        "language.usage",
        "Choisissez la langue du bot : /language en, /language ar, /language fr, ou /language auto pour suivre votre application Telegram.",
    ),
    ("language.ok", "Désormais, je répondrai ici en français."),
    ("kind.sign", "signer"),
    ("kind.donate", "don"),
    ("kind.contact", "contacter les responsables"),
    ("kind.mobilize", "manifestations et événements"),
    ("kind.share", "partager"),
    ("kind.volunteer", "bénévolat"),
    ("kind.boycott", "boycott"),
    ("kindword.sign", "signer|signature|pétition|petition"),
    ("kindword.donate", "don|dons|donner"),
    ("kindword.contact", "contacter|contact|interpeller"),
    (
        "kindword.mobilize",
        "mobiliser|manifester|manifestation|rassemblement",
    ),
    ("kindword.share", "partager|partage|relayer"),
    (
        "kindword.volunteer",
        "bénévolat|benevolat|bénévole|benevole",
    ),
    ("kindword.boycott", "boycotter"),
    ("feeds.none", "Pas encore de flux partenaires."),
    ("feeds.header.one", "{n} flux partenaire :"),
    ("feeds.header.other", "{n} flux partenaires :"),
    ("feeds.line", "\n{id}. {name} {tags}"),
    ("feeds.url_mode", "   {url} · mode {mode}"),
    (
        "feeds.health",
        "   dernier succès : {success} · entrées vues : {seen} · appels : {appeals}",
    ),
    (
        "feeds.failing.one",
        "   en panne ({n} échec), dernière erreur {when} : {error}",
    ),
    (
        "feeds.failing.other",
        "   en panne ({n} échecs de suite), dernière erreur {when} : {error}",
    ),
    ("feeds.last_error", "   dernière erreur {when} : {error}"),
    (
        "feeds.threshold",
        "   seuil relevé de {raise} · alertes signalées erronées en 30 jours : {wrong}",
    ),
    (
        "wrong.usage",
        "Répondez à l'une de mes alertes par /wrong pour indiquer que ce n'était pas un appel.",
    ),
    (
        "wrong.ok",
        "C'est noté : « {title} » n'était pas un appel. Merci.",
    ),
    (
        "wrong.already",
        "Vous aviez déjà indiqué que « {title} » n'était pas un appel.",
    ),
    (
        "wrong.raised",
        "Le flux {name} demande désormais un score plus élevé pour alerter : seuil {raise}.",
    ),
    (
        "send.usage",
        "Donnez le lien d'un article d'un flux partenaire : /send URL",
    ),
    (
        "send.not_partner",
        "Non envoyé : {url} n'est actuellement un article d'aucun flux partenaire.",
    ),
    (
        "send.unreachable",
        "Non envoyé : impossible de lire le flux {name} pour le chercher : {why}.",
    ),
    (
        "send.not_polled",
        "Non envoyé : le flux {name} n'a pas encore été lu ; réessayez après sa première vérification.",
    ),
    (
        "send.already",
        "Non envoyé : cet article de {name} a déjà été envoyé en alerte.",
    ),
    (
        "send.cross_post",
        "Noté comme appel, pas renvoyé : « {title} » est le même appel qu'une alerte déjà envoyée.",
    ),
    (
        "send.ok",
        "Noté comme appel manqué par le détecteur et envoyé en alerte : « {title} » · discussions : {chats}.",
    ),
    ("time.never", "jamais"),
    ("time.s_ago.other", "il y a {n} s"),
    ("time.m_ago.other", "il y a {n} min"),
    ("time.h_ago.other", "il y a {n} h"),
    ("time.d_ago.other", "il y a {n} j"),
    ("addfeed.refused", "Non ajouté : {why}."),
    (
        "addfeed.ok.one",
        "Flux {id} ajouté : {name} ({n} entrée, marquée comme déjà vue).",
    ),
    (
        "addfeed.ok.other",
        "Flux {id} ajouté : {name} ({n} entrées, marquées comme déjà vues).",
    ),
    (
        "addfeed.preview",
        "Dernier appel, tel que les abonnés le verraient :",
    ),
    (
        "addfeed.no_appeal",
        "Aucun appel parmi ses entrées actuelles.",
    ),
    ("editfeed.refused", "Non modifié : {why}."),
    (
        "editfeed.ok",
        "Flux {id} modifié : {name} · hashtags : {tags} · mode {mode}.",
    ),
    (
        "feed.not_found",
        "Pas de flux {feed}. Envoyez /feeds pour la liste.",
    ),
    (
        "removefeed.usage",
        "Donnez l'ID ou l'URL du flux : /removefeed ID|URL",
    ),
    ("removefeed.ok", "Flux {id} retiré : {name}."),
    (
        "preview.usage",
        "Donnez l'ID ou l'URL d'un flux : /preview ID|URL",
    ),
    ("preview.failed", "Pas d'aperçu : {why}."),
    (
        "preview.not_modified",
        "Pas d'aperçu : le serveur a répondu 304.",
    ),
    (
        "preview.none.one",
        "{name} : {n} entrée, qui n'est pas un appel ; les abonnés ne recevraient rien maintenant.",
    ),
    (
        "preview.none.other",
        "{name} : {n} entrées, aucune n'est un appel ; les abonnés ne recevraient rien maintenant.",
    ),
    (
        "preview.shown.one",
        "{name} : {n} entrée, un appel, montré ci-dessus tel que les abonnés le recevraient (envoyé à vous seul).",
    ),
    (
        "preview.shown.other",
        "{name} : {n} entrées ; appels montrés ci-dessus tels que les abonnés les recevraient (envoyés à vous seul) : {shown}.",
    ),
    (
        "addchannel.usage",
        "Indiquez la chaîne : /addchannel @nom ou /addchannel -100… (ajoutez d'abord le bot comme administrateur de la chaîne).",
    ),
    (
        "channel.not_found",
        "Je ne vois pas cette chaîne : {why}. Ajoutez-y d'abord le bot comme administrateur.",
    ),
    (
        "addchannel.not_channel",
        "{chat} n'est pas une chaîne. Pour un groupe, envoyez /start dans le groupe.",
    ),
    (
        "addchannel.bot_not_admin",
        "Le bot n'est pas administrateur de {chat} avec le droit de publier. Donnez-lui ce droit, puis réessayez.",
    ),
    (
        "addchannel.user_not_admin",
        "Vous n'êtes pas administrateur de {chat}.",
    ),
    (
        "addchannel.already",
        "{chat} ({title}) reçoit déjà les alertes.",
    ),
    (
        "addchannel.ok",
        "La chaîne {chat} ({title}, id {id}) recevra les alertes. /removechannel {chat} les arrête.",
    ),
    (
        "removechannel.usage",
        "Indiquez la chaîne : /removechannel @nom ou /removechannel -100…",
    ),
    ("removechannel.ok", "{chat} ne recevra plus d'alertes."),
    (
        "removechannel.not_subscribed",
        "{chat} n'est pas une chaîne qui reçoit les alertes.",
    ),
    ("export.caption.other", "{n} flux"),
    ("export.failed", "Impossible d'envoyer le fichier : {why}"),
    (
        "import.usage",
        "Répondez à un fichier OPML avec /import (ou envoyez le fichier avec /import en légende).",
    ),
    (
        "import.too_large",
        "Ce fichier est trop gros pour une liste OPML (plus de 1 Mo).",
    ),
    (
        "import.download_failed",
        "Impossible de récupérer le fichier : {why}",
    ),
    ("import.not_opml", "Ce n'est pas un fichier OPML : {why}."),
    (
        "import.summary",
        "Import : ajoutés : {added}, déjà présents : {skipped}, refusés : {refused}.",
    ),
    ("import.added", "+ {id}. {name}"),
    ("import.skipped", "= {url} (déjà présent)"),
    ("import.refused", "- {url} : {why}"),
    (
        "stats.text",
        "Abonnés : {subscribers} ({private}, {groups}, {channels} ; {muted} en sourdine)\nFlux : {feeds} ({failing} en panne)\nMessages envoyés aujourd'hui : {today}\nMessages envoyés cette semaine : {week}\nEn attente d'envoi : {outbox}\nÉchecs de remise depuis le démarrage : {failures}",
    ),
    ("stats.private.one", "{n} privé"),
    ("stats.private.other", "{n} privés"),
    ("stats.groups.one", "{n} groupe"),
    ("stats.groups.other", "{n} groupes"),
    ("stats.channels.one", "{n} chaîne"),
    ("stats.channels.other", "{n} chaînes"),
    (
        "grant.usage",
        "Donnez un identifiant numérique d'utilisateur Telegram : /grant USER_ID",
    ),
    (
        "revoke.usage",
        "Donnez un identifiant numérique d'utilisateur Telegram : /revoke USER_ID",
    ),
    (
        "grant.ok",
        "L'utilisateur {id} est maintenant organisateur.",
    ),
    (
        "grant.already",
        "L'utilisateur {id} était déjà organisateur.",
    ),
    ("revoke.ok", "L'utilisateur {id} n'est plus organisateur."),
    ("revoke.not", "L'utilisateur {id} n'était pas organisateur."),
    (
        "notice.failing.other",
        "Le flux {id} ({name}) est en panne depuis {n} h : {error}\n{url}\nLes abonnés n'en reçoivent rien tant qu'il ne remarche pas. Vous serez prévenu quand il remarchera.",
    ),
    (
        "notice.recovered.other",
        "Le flux {id} ({name}) remarche, après {n} h de panne.",
    ),
    (
        "notice.subscription_ended",
        "Les alertes vers le chat {chat} se sont arrêtées : Telegram refuse d'y livrer ({why}). Son abonnement a pris fin. Pour l'abonner à nouveau, rendez sa place au bot (administrateur d'une chaîne) et envoyez /start là-bas, ou /addchannel pour une chaîne.",
    ),
    ("url.too_long", "plus de 2048 caractères"),
    ("url.not_url", "{url} ({why})"),
    (
        "url.scheme",
        "seuls les flux http et https peuvent être ajoutés, pas {scheme}:",
    ),
    ("url.no_host", "pas de nom d'hôte"),
    (
        "url.credentials",
        "les URL avec identifiants ne sont pas acceptées",
    ),
    ("url.rejected", "{url}"),
    (
        "adderr.malformed",
        "ce n'est pas une URL de flux valide : {why}",
    ),
    ("adderr.already", "ce flux est déjà ajouté (id {id})"),
    ("adderr.blocked", "l'adresse est bloquée : {why}"),
    ("adderr.unreachable", "le flux est injoignable : {why}"),
    (
        "adderr.not_modified",
        "le flux est injoignable : il a répondu 304 à une première requête",
    ),
    ("adderr.status", "le serveur a répondu HTTP {code}"),
    ("adderr.too_large.one", "le flux dépasse {n} octet"),
    ("adderr.too_large.other", "le flux dépasse {n} octets"),
    (
        "adderr.not_a_feed",
        "ce n'est pas un flux (RSS, Atom ou JSON Feed) : {why}",
    ),
    ("adderr.internal", "erreur interne : {why}"),
    (
        "args.add_usage",
        "donnez l'URL du flux : /addfeed URL [#tag …] [mode=all] [nom]",
    ),
    (
        "args.edit_usage",
        "donnez l'ID du flux et ce qu'il faut changer : /editfeed ID [#tag …] [tags=none] [mode=all|appeals] [name=NOM]",
    ),
    (
        "args.unknown_mode",
        "mode inconnu {mode} : utilisez all ou appeals",
    ),
    ("args.bad_hashtag", "hashtag invalide {tag}"),
    (
        "args.unknown_word",
        "je ne comprends pas {word} : les hashtags commencent par #, le mode s'écrit mode=…, le nom vient en dernier, name=…",
    ),
    (
        "args.nothing_to_change",
        "rien à changer : donnez des hashtags, mode=… ou name=…",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(s: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut rest = s;
        while let Some(i) = rest.find('{') {
            let after = &rest[i + 1..];
            let Some(j) = after.find('}') else { break };
            out.insert(after[..j].to_string());
            rest = &after[j + 1..];
        }
        out
    }

    const CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

    /// `feeds.header.one` -> `feeds.header`: the plural key a form belongs to.
    fn plural_base(key: &str) -> Option<&str> {
        let (base, cat) = key.rsplit_once('.')?;
        CATEGORIES.contains(&cat).then_some(base)
    }

    fn without_n(s: &str) -> BTreeSet<String> {
        let mut p = placeholders(s);
        p.remove("n");
        p
    }

    #[test]
    fn every_language_has_every_key_with_the_same_placeholders() {
        let mut seen = BTreeSet::new();
        for (k, _) in EN {
            assert!(seen.insert(*k), "duplicate key {k}");
        }
        for lang in [Lang::Ar, Lang::Fr] {
            let mut keys = BTreeSet::new();
            for (k, v) in lang.table() {
                assert!(keys.insert(*k), "duplicate key {k} in {}", lang.code());
                if k.starts_with("kindword.") {
                    continue;
                }
                // A plural form is checked against the English `.other`; a form for
                // few things may leave values out ("one", "two" spelled out, "it").
                let Some(base) = plural_base(k) else {
                    let en = lookup(Lang::En, k)
                        .unwrap_or_else(|| panic!("{k} ({}) is not in English", lang.code()));
                    assert_eq!(placeholders(v), placeholders(en), "{k} in {}", lang.code());
                    continue;
                };
                let en = lookup(Lang::En, &format!("{base}.other"))
                    .unwrap_or_else(|| panic!("{k} ({}) is not in English", lang.code()));
                assert!(
                    without_n(v).is_subset(&without_n(en)),
                    "{k} in {}",
                    lang.code()
                );
                if k.ends_with(".other") {
                    assert_eq!(placeholders(v), placeholders(en), "{k} in {}", lang.code());
                }
            }
            for (k, _) in EN.iter().filter(|(k, _)| !k.starts_with("cli.")) {
                let needed = match plural_base(k) {
                    Some(base) => format!("{base}.other"),
                    None => k.to_string(),
                };
                assert!(
                    keys.contains(needed.as_str()),
                    "{needed} missing in {}",
                    lang.code()
                );
            }
        }
    }

    #[test]
    fn plural_categories_follow_cldr() {
        let cats = |lang, ns: &[u64]| {
            ns.iter()
                .map(|n| plural_category(lang, *n))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            cats(Lang::En, &[0, 1, 2, 11]),
            ["other", "one", "other", "other"]
        );
        assert_eq!(cats(Lang::Fr, &[0, 1, 2]), ["one", "one", "other"]);
        assert_eq!(
            cats(Lang::Ar, &[0, 1, 2, 3, 10, 11, 99, 100, 102, 103, 111]),
            [
                "zero", "one", "two", "few", "few", "many", "many", "other", "other", "few", "many"
            ]
        );
    }

    #[test]
    fn counts_read_right_in_every_language() {
        assert_eq!(tn(Lang::En, "feeds.header", 1, &[]), "1 partner feed:");
        assert_eq!(tn(Lang::En, "feeds.header", 2, &[]), "2 partner feeds:");
        assert_eq!(tn(Lang::Fr, "feeds.header", 1, &[]), "1 flux partenaire :");
        assert_eq!(tn(Lang::Fr, "feeds.header", 0, &[]), "0 flux partenaire :");
        assert_eq!(tn(Lang::Fr, "feeds.header", 3, &[]), "3 flux partenaires :");
        assert_eq!(tn(Lang::En, "export.caption", 1, &[]), "1 feed");
        let ar = |n| tn(Lang::Ar, "time.m_ago", n, &[]);
        assert!(ar(2).contains("دقيقتين"), "{}", ar(2));
        assert!(ar(5).contains("دقائق"), "{}", ar(5));
        assert!(ar(30).contains("دقيقة"), "{}", ar(30));
        // Every plural key, every language, counts 0 to 200: a text, never a key name.
        for lang in Lang::ALL {
            for (k, _) in EN {
                let Some(base) = plural_base(k) else { continue };
                for n in 0..=200 {
                    let s = tn(lang, base, n, &[]);
                    assert!(!s.contains(base) && !s.contains("{n}"), "{base} {n}: {s}");
                }
            }
        }
    }

    #[test]
    fn placeholders_are_filled_and_unknown_ones_kept() {
        assert_eq!(
            t(Lang::En, "grant.ok", &[("id", "42")]),
            "User 42 is now an organizer."
        );
        assert_eq!(t(Lang::En, "no.such.key", &[]), "no.such.key");
        assert_eq!(
            fill("a {x} {y} {", &[("x", "1")], |v| v.to_string()),
            "a 1 {y} {"
        );
        assert_eq!(
            t(Lang::Fr, "grant.ok", &[("id", "42")]),
            "L'utilisateur 42 est maintenant organisateur."
        );
    }

    #[test]
    fn arabic_reads_right_to_left_with_isolated_values_and_commands() {
        let s = t(Lang::Ar, "stop.ok", &[]);
        assert!(s.starts_with(RLM));
        assert!(s.contains(&format!("{LRI}/start{PDI}")), "{s:?}");
        let s = t(
            Lang::Ar,
            "addfeed.ok.other",
            &[("id", "3"), ("name", "Relief Net"), ("n", "12")],
        );
        assert!(s.contains(&format!("{FSI}Relief Net{PDI}")), "{s:?}");
        let s = t(
            Lang::Ar,
            "notice.failing.other",
            &[
                ("id", "1"),
                ("name", "N"),
                ("url", "https://x.example/f"),
                ("n", "25"),
                ("error", "HTTP 500"),
            ],
        );
        assert!(
            s.lines()
                .filter(|l| !l.is_empty())
                .all(|l| l.starts_with(RLM)),
            "{s:?}"
        );
        // Left-to-right languages get no marks at all.
        assert!(
            !t(Lang::En, "stop.ok", &[]).contains(['\u{200F}', '\u{2066}', '\u{2068}', '\u{2069}'])
        );
    }

    #[test]
    fn telegram_language_codes() {
        assert_eq!(Lang::from_code(Some("ar")), Lang::Ar);
        assert_eq!(Lang::from_code(Some("fr-CA")), Lang::Fr);
        assert_eq!(Lang::from_code(Some("pt-br")), Lang::En);
        assert_eq!(Lang::from_code(None), Lang::En);
        assert_eq!(Lang::parse("AR"), Some(Lang::Ar));
        assert_eq!(Lang::parse("de"), None);
    }

    #[test]
    fn kinds_by_their_arabic_and_french_names() {
        assert_eq!(kind_from_word("تبرع"), Some(ActionKind::Donate));
        assert_eq!(kind_from_word("Signer"), Some(ActionKind::Sign));
        assert_eq!(kind_from_word("pétition"), Some(ActionKind::Sign));
        assert_eq!(kind_from_word("banane"), None);
    }
}
