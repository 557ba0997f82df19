### Errors and refusals, the commands' descriptions (menu and /help), /help.

error-generic = Sorry, something went wrong; please try again later.
error-not-command = I understand commands only. Send /help to see them.
error-unknown-command = Unknown command { $cmd }. Send /help for the list.
error-admins-only = Sorry, { $cmd } is for admins only.
error-admin-check-failed = I could not check whether you are an administrator of this chat: Telegram did not answer. Please try again in a moment.
error-organizers-only = Sorry, { $cmd } is for organizers only.
cmd-start = Subscribe this chat to appeal alerts
cmd-stop = Unsubscribe this chat and forget it
cmd-help = What this bot does and its commands
cmd-feeds = List the partner feeds
cmd-follow = Get only some alerts: /follow 3 #tag donate ar
cmd-unfollow = Stop following: /unfollow ITEM or /unfollow all
cmd-mute = Pause alerts: /mute 2h, /mute off
cmd-settings = What this chat gets
cmd-remind = Reminders before an alert's event: /remind on, /remind off
cmd-language = Language of the bot: /language en|ar|fr|auto
cmd-addfeed = Add a feed: /addfeed URL [#tag …] [mode=all] [name]
cmd-editfeed = Change a feed: /editfeed ID [#tag …] [mode=all|appeals] [name=NAME]
cmd-removefeed = Remove a feed: /removefeed ID|URL
cmd-preview = What subscribers would get from a feed now
cmd-addchannel = Send alerts to a channel: /addchannel @name
cmd-removechannel = Stop alerts to a channel: /removechannel @name
cmd-export = The feeds as an OPML file
cmd-import = Reply to an OPML file to add its feeds
cmd-stats = Subscribers, feeds, alerts sent
cmd-wrong = In reply to an alert: it was not an appeal
cmd-send = Send an appeal the detector missed: /send URL
cmd-grant = Make a user an organizer: /grant USER_ID
cmd-revoke = Take organizer rights back: /revoke USER_ID
help-intro =
    solibot sends you appeals from partner organizations: petitions, donation calls, protests, vigils, statements that call on officials to act.

    Commands:
help-line = { $cmd } — { $what }
help-choices = To get only some alerts, /follow a feed (its number in /feeds), a hashtag (#Aleppo), an action (sign, donate, contact, mobilize, share, volunteer, boycott) or a language (en, ar, fr, …). Following nothing means getting everything.
help-organizers = Organizers: /feeds shows each feed's health; feeds failing for a long time are reported to you once, and again when they recover.
