### Channels: /addchannel, /removechannel.

addchannel-usage = Give the channel: /addchannel @name or /addchannel -100… (add the bot as an administrator of the channel first).
channel-not-found = I cannot see that channel: { $why }. Add the bot to it as an administrator first.
addchannel-not-channel = { $chat } is not a channel. For a group, send /start in the group.
addchannel-bot-not-admin = The bot is not an administrator of { $chat } allowed to post. Make it one, then try again.
addchannel-user-not-admin = You are not an administrator of { $chat }.
addchannel-already = { $chat } ({ $title }) already gets the alerts.
addchannel-ok = Channel { $chat } ({ $title }, id { $id }) will get the alerts. /removechannel { $chat } stops them.
removechannel-usage = Give the channel: /removechannel @name or /removechannel -100…
removechannel-ok = { $chat } will get no more alerts.
removechannel-not-subscribed = { $chat } is not a channel that gets alerts.
