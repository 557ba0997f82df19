### Feeds: /feeds, /addfeed, /editfeed, /removefeed, /preview, why a feed was refused, /wrong and /send.

# Layout of /feeds: {""} alone on the first line starts a message with an empty line
# (between two feeds); {"   "} indents a line under its feed (Fluent trims plain spaces).

feeds-none = No partner feeds yet.
feeds-header =
    { $n ->
        [one] { $n } partner feed:
       *[other] { $n } partner feeds:
    }
feeds-line =
    {""}
    { $id }. { $name } { $tags }
feeds-url-mode = {"   "}{ $url } · mode { $mode }
feeds-health = {"   "}last success: { $success } · entries seen: { $seen } · appeals: { $appeals }
feeds-failing =
    { $n ->
        [one] {"   "}failing ({ $n } failure in a row), last error { $when }: { $error }
       *[other] {"   "}failing ({ $n } failures in a row), last error { $when }: { $error }
    }
feeds-last-error = {"   "}last error { $when }: { $error }
feeds-threshold = {"   "}threshold raised by { $raise } · alerts marked wrong in 30 days: { $wrong }
wrong-usage = Reply to one of my alerts with /wrong to record that it was not an appeal.
wrong-ok = Recorded: “{ $title }” was not an appeal. Thank you.
wrong-already = You had already marked “{ $title }” as not an appeal.
wrong-raised = Feed { $name } now needs a higher score to alert: threshold { $raise }.
send-usage = Give the link of a partner feed's entry: /send URL
send-not-partner = Not sent: { $url } is not an entry any partner feed lists now.
send-unreachable = Not sent: feed { $name } could not be read to look for it: { $why }.
send-not-polled = Not sent: feed { $name } has not been read yet; try again after its first check.
send-already = Not sent: this entry of { $name } was already sent as an alert.
send-cross-post = Recorded as an appeal, not sent again: “{ $title }” is the same appeal as an alert already sent.
send-ok = Recorded as an appeal the detector missed, and sent as an alert: “{ $title }” · chats: { $chats }.
addfeed-refused = Not added: { $why }.
addfeed-ok =
    { $n ->
        [one] Added feed { $id }: { $name } ({ $n } entry, marked as already seen).
       *[other] Added feed { $id }: { $name } ({ $n } entries, marked as already seen).
    }
addfeed-preview = Latest appeal, as subscribers would see it:
addfeed-no-appeal = No appeal among its current entries.
editfeed-refused = Not changed: { $why }.
editfeed-ok = Feed { $id } changed: { $name } · hashtags: { $tags } · mode { $mode }.
feed-not-found = No feed { $feed }. Send /feeds for the list.
removefeed-usage = Give the feed's id or URL: /removefeed ID|URL
removefeed-ok = Removed feed { $id }: { $name }.
preview-usage = Give a feed's id or URL: /preview ID|URL
preview-failed = No preview: { $why }.
preview-not-modified = No preview: the server answered 304.
preview-none =
    { $n ->
        [one] { $name }: { $n } entry, not an appeal; subscribers would get nothing now.
       *[other] { $name }: { $n } entries, none is an appeal; subscribers would get nothing now.
    }
preview-shown =
    { $n ->
        [one] { $name }: { $n } entry, an appeal, shown above as subscribers would get it (sent to you only).
       *[other] { $name }: { $n } entries; appeals shown above as subscribers would get them (sent to you only): { $shown }.
    }
url-too-long = longer than 2048 characters
url-not-url = { $url } ({ $why })
url-scheme = only http and https feeds can be added, not { $scheme }:
url-no-host = no host
url-credentials = URLs with credentials are not accepted
url-rejected = { $url }
adderr-malformed = that is not a valid feed URL: { $why }
adderr-already = that feed is already added (id { $id })
adderr-blocked = the address is blocked: { $why }
adderr-unreachable = the feed is unreachable: { $why }
adderr-not-modified = the feed is unreachable: it answered 304 to a first request
adderr-status = the server answered HTTP { $code }
adderr-too-large =
    { $n ->
        [one] the feed is larger than { $n } byte
       *[other] the feed is larger than { $n } bytes
    }
adderr-not-a-feed = that is not a feed (RSS, Atom or JSON Feed): { $why }
adderr-internal = internal error: { $why }
args-add-usage = give the feed's URL: /addfeed URL [#tag …] [mode=all] [name]
args-edit-usage = give the feed's id and what to change: /editfeed ID [#tag …] [tags=none] [mode=all|appeals] [name=NAME]
args-unknown-mode = unknown mode { $mode }: use all or appeals
args-bad-hashtag = bad hashtag { $tag }
args-unknown-word = I do not understand { $word }: hashtags start with #, the mode is mode=…, the name comes last as name=…
args-nothing-to-change = nothing to change: give hashtags, mode=… or name=…
