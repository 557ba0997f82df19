### OPML export and import, /stats, /grant and /revoke, notices to organizers.

export-caption =
    { $n ->
        [one] { $n } feed
       *[other] { $n } feeds
    }
export-failed = Could not send the file: { $why }
import-usage = Reply to an OPML file with /import (or send the file with /import as its caption).
import-too-large = That file is too large for an OPML list (over 1 MB).
import-download-failed = Could not get the file: { $why }
import-not-opml = That is not an OPML file: { $why }.
import-summary = Import: { $added } added, { $skipped } already there, { $refused } refused.
import-added = + { $id }. { $name }
import-skipped = = { $url } (already there)
import-refused = - { $url }: { $why }
stats-text =
    Subscribers: { $subscribers } ({ $private } private, { $groups }, { $channels }; { $muted } muted)
    Feeds: { $feeds } ({ $failing } failing)
    Messages sent today: { $today }
    Messages sent this week: { $week }
    Waiting in the outbox: { $outbox }
    Delivery failures since start: { $failures }
stats-private = { $n }
stats-groups =
    { $n ->
        [one] { $n } group
       *[other] { $n } groups
    }
stats-channels =
    { $n ->
        [one] { $n } channel
       *[other] { $n } channels
    }
grant-usage = Give a numeric Telegram user id: /grant USER_ID
revoke-usage = Give a numeric Telegram user id: /revoke USER_ID
grant-ok = User { $id } is now an organizer.
grant-already = User { $id } was already an organizer.
revoke-ok = User { $id } is no longer an organizer.
revoke-not = User { $id } was not an organizer.
notice-failing =
    Feed { $id } ({ $name }) has been failing for { $n } h: { $error }
    { $url }
    Subscribers get nothing from it until it works again. You will be told when it recovers.
notice-recovered = Feed { $id } ({ $name }) works again, after failing for { $n } h.
notice-subscription-ended = Alerts to chat { $chat } have stopped: Telegram refuses to deliver there ({ $why }). Its subscription has ended. To subscribe it again, give the bot back its place (an administrator of a channel) and send /start there, or /addchannel for a channel.
