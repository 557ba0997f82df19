### Subscribing, choices (/follow, /unfollow, /mute, /settings), the bot's language, action kinds.

start-group-admins-only = Only this group's administrators can subscribe it.
start-ok = Subscribed. You will get new appeals from our partner organizations here. Send /stop to unsubscribe, /feeds to see the partners, /settings to choose what you get.
start-already = This chat is already subscribed. Send /stop to unsubscribe.
start-moved-to-topic = This chat is already subscribed; alerts will now come to this topic.
stop-group-admins-only = Only this group's administrators can unsubscribe it.
stop-ok = Unsubscribed; this chat is forgotten. Send /start to subscribe again.
stop-not-subscribed = This chat was not subscribed. Send /start to subscribe.
follow-usage = Say what to follow: a feed number (see /feeds), a #hashtag, an action (sign, donate, contact, mobilize, share, volunteer, boycott) or a language (en, ar, fr, …). Example: /follow 3 #Aleppo donate
unfollow-usage = Say what to stop following, as shown by /settings, or /unfollow all.
follow-unknown-item = I do not know what { $item } is: give a feed number, a #hashtag, an action (sign, donate, contact, mobilize, share, volunteer, boycott) or a two-letter language code.
follow-no-feed = There is no feed { $id }. Send /feeds for the list.
follow-ok = Done.
unfollow-ok = Done.
settings-group-admins-only = Only this chat's administrators can change what it gets.
settings-not-subscribed = This chat is not subscribed. Send /start first.
mute-usage = Say for how long: /mute 30m, /mute 2h, /mute 1d (at most 30 days), or /mute off.
mute-too-long = That is too long: at most 30 days. Use /stop to unsubscribe.
mute-on = Muted until { $until }. Alerts that come out meanwhile are skipped for this chat. Send /mute off to get them again sooner.
mute-off = Alerts are on again.
settings-header = What this chat gets:
settings-any = any
settings-feeds = Feeds: { $list }
settings-hashtags = Hashtags: { $list }
settings-kinds = Actions: { $list }
settings-langs = Languages: { $list }
settings-muted = Muted until { $until }
settings-not-muted = Not muted
settings-rule = An alert comes here when it matches every line that is not "any".
settings-language = Bot language: { $lang } (/language to change)
lang-en = English
lang-ar = Arabic
lang-fr = French
language-usage = Choose the bot's language: /language en, /language ar, /language fr, or /language auto to follow your Telegram app.
language-ok = From now on I will answer in English here.
kind-sign = sign
kind-donate = donate
kind-contact = contact officials
kind-mobilize = protests and events
kind-share = share
kind-volunteer = volunteer
kind-boycott = boycott
kindword-sign = sign
kindword-donate = donate
kindword-contact = contact
kindword-mobilize = mobilize
kindword-share = share
kindword-volunteer = volunteer
kindword-boycott = boycott

## /remind: a short reminder some time before the event of an alert the chat got.

remind-usage = Say /remind on or /remind off.
# $before: how long before the event, e.g. "3 h" (remind-hours and its siblings).
remind-on = Reminders are on: { $before } before the event of an alert this chat got, a short reminder comes, once.
remind-off = Reminders are off.
remind-notice = ⏰ Reminder: { $title }
remind-hours = { $n } h
remind-minutes = { $n } min
remind-seconds = { $n } s
