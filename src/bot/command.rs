//! The bot's commands as one typed enum: its variants carry their arguments, the role a
//! command needs is a method on it, and the menu (`setMyCommands`), `/help` and dispatch
//! ([`super::answer_message`]) all come from it.
//!
//! Names come from teloxide's `BotCommands` derive (variant names in lower case); the
//! words shown to users do not: they are i18n keys `cmd.<name>` ([`crate::i18n`]), so the
//! derive's descriptions (the variants' doc comments) are never shown. Must not: act on a
//! command or word a reply.

use teloxide::utils::command::BotCommands;

/// Who may use a command: each role may use its own and those below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Any user.
    Anyone,
    /// A granted organizer (or an admin).
    Organizer,
    /// An admin of the config (`telegram.admins`).
    Admin,
}

/// A command and its arguments (the text after the command, trimmed). The order of the
/// variants is the order of the menu and of `/help`.
#[derive(BotCommands, Debug, Clone, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum Command {
    /// Subscribe this chat.
    Start,
    /// Unsubscribe this chat.
    Stop,
    /// What the bot does and the commands one may use.
    Help,
    /// The feeds watched.
    Feeds,
    /// Follow feeds, hashtags, action kinds or languages.
    Follow(String),
    /// Stop following some of them.
    Unfollow(String),
    /// Mute alerts for a while.
    Mute(String),
    /// This chat's choices.
    Settings,
    /// The language of replies.
    Language(String),
    /// Reminders before the events of alerts: on or off.
    Remind(String),
    /// Add a feed.
    AddFeed(String),
    /// Change a feed's name, hashtags or mode.
    EditFeed(String),
    /// Remove a feed.
    RemoveFeed(String),
    /// Show what a feed's latest entries would give.
    Preview(String),
    /// Send alerts to a channel or group.
    AddChannel(String),
    /// Stop sending alerts to a channel or group.
    RemoveChannel(String),
    /// The feeds as OPML.
    Export,
    /// Feeds from an OPML file.
    Import,
    /// Counts of subscribers, feeds, alerts and failures.
    Stats,
    /// In reply to an alert: it was not an appeal.
    Wrong,
    /// An entry of a partner feed is an appeal the detector missed: send it.
    Send(String),
    /// Make a user an organizer.
    Grant(String),
    /// Take organizer rights back.
    Revoke(String),
    /// Send a feed's appeals without review.
    Trust(String),
    /// Hold a feed's appeals for an organizer's approval.
    Review(String),
}

impl Command {
    /// The role needed to use this command.
    pub fn role(&self) -> Role {
        use Command::*;
        match self {
            Start | Stop | Help | Feeds | Follow(_) | Unfollow(_) | Mute(_) | Settings
            | Language(_) | Remind(_) => Role::Anyone,
            AddFeed(_) | EditFeed(_) | RemoveFeed(_) | Preview(_) | AddChannel(_)
            | RemoveChannel(_) | Export | Import | Stats | Wrong | Send(_) => Role::Organizer,
            Grant(_) | Revoke(_) | Trust(_) | Review(_) => Role::Admin,
        }
    }

    /// The command a name (lower case, without `/` or `@bot`) and its arguments ask for;
    /// `None` for a name the bot does not know.
    pub fn from_parts(name: &str, args: &str) -> Option<Command> {
        if name.is_empty() || name.contains(char::is_whitespace) {
            return None;
        }
        <Command as BotCommands>::parse(&format!("/{name} {args}"), "").ok()
    }

    /// Every command with its name (without `/`), in the menu's order; the variants
    /// that take arguments carry none.
    pub fn all() -> Vec<(String, Command)> {
        <Command as BotCommands>::bot_commands()
            .into_iter()
            .filter_map(|c| {
                let name = c.command.trim_start_matches('/').to_string();
                let command = Command::from_parts(&name, "")?;
                Some((name, command))
            })
            .collect()
    }
}

/// Splits "/cmd@bot args" into (cmd, args), the name in lower case and the arguments
/// trimmed; `None` when the text is not a command or is addressed to another bot.
pub(crate) fn split_command<'a>(text: &'a str, bot_username: &str) -> Option<(String, &'a str)> {
    let text = text.trim_start();
    let rest = text.strip_prefix('/')?;
    let (head, args) = match rest.find(char::is_whitespace) {
        Some(i) => (&rest[..i], rest[i..].trim()),
        None => (rest, ""),
    };
    let (cmd, target) = match head.split_once('@') {
        Some((c, t)) => (c, Some(t)),
        None => (head, None),
    };
    if let Some(t) = target
        && !t.eq_ignore_ascii_case(bot_username)
    {
        return None;
    }
    if cmd.is_empty() {
        return None;
    }
    Some((cmd.to_lowercase(), args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_split_with_and_without_the_bot_name() {
        assert_eq!(split_command("/start", "sb"), Some(("start".into(), "")));
        assert_eq!(
            split_command("/AddFeed@sb https://x #a", "sb"),
            Some(("addfeed".into(), "https://x #a"))
        );
        assert_eq!(
            split_command("/follow@SB\n#a  #b ", "sb"),
            Some(("follow".into(), "#a  #b"))
        );
        assert_eq!(split_command("/start@other_bot", "sb"), None);
        assert_eq!(split_command("hello", "sb"), None);
        assert_eq!(split_command("/", "sb"), None);
    }

    #[test]
    fn names_and_arguments_become_typed_commands() {
        assert_eq!(Command::from_parts("start", "x"), Some(Command::Start));
        assert_eq!(
            Command::from_parts("addfeed", "https://x #a"),
            Some(Command::AddFeed("https://x #a".into()))
        );
        assert_eq!(
            Command::from_parts("follow", "#a  #b"),
            Some(Command::Follow("#a  #b".into()))
        );
        assert_eq!(
            Command::from_parts("revoke", ""),
            Some(Command::Revoke(String::new()))
        );
        assert_eq!(Command::from_parts("nope", ""), None);
        assert_eq!(
            Command::from_parts("AddFeed", ""),
            None,
            "names are lower case"
        );
        assert_eq!(Command::from_parts("", ""), None);
    }

    #[test]
    fn every_command_is_listed_once_in_the_declared_order_with_its_role() {
        let all = Command::all();
        let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "start",
                "stop",
                "help",
                "feeds",
                "follow",
                "unfollow",
                "mute",
                "settings",
                "language",
                "remind",
                "addfeed",
                "editfeed",
                "removefeed",
                "preview",
                "addchannel",
                "removechannel",
                "export",
                "import",
                "stats",
                "wrong",
                "send",
                "grant",
                "revoke",
                "trust",
                "review"
            ]
        );
        let role = |n: &str| all.iter().find(|(m, _)| m == n).map(|(_, c)| c.role());
        assert_eq!(role("follow"), Some(Role::Anyone));
        assert_eq!(role("remind"), Some(Role::Anyone));
        assert_eq!(role("preview"), Some(Role::Organizer));
        assert_eq!(role("wrong"), Some(Role::Organizer));
        assert_eq!(role("send"), Some(Role::Organizer));
        assert_eq!(role("revoke"), Some(Role::Admin));
        // Roles never decrease along the menu: anyone's commands first, then organizers'.
        assert!(all.windows(2).all(|w| w[0].1.role() <= w[1].1.role()));
    }
}
