//! Subscriber choices: what `/follow`, `/unfollow` and `/mute` mean, and which subscribed
//! chats an alert goes to.
//!
//! The rule: a muted chat gets nothing (alerts that arrive while it is muted are skipped
//! for it, not kept for later). Otherwise each kind of choice that has something in it
//! (feeds, hashtags, action kinds, languages) must match the alert, any one item of it
//! being enough; a kind with nothing in it lets everything through, so a chat that
//! follows nothing gets every alert. Pure: no IO, no clock (the caller passes `now`).

use crate::detect::ActionKind;
use crate::store::{AlertRecord, NewEntry, Recipient, SubscriberRecord};

/// One thing a chat can follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowItem {
    /// A feed, by id.
    Feed(u64),
    /// A hashtag, `#` included.
    Hashtag(String),
    /// An action kind's name (`sign`, `donate`, …).
    Kind(String),
    /// A language, ISO 639-1.
    Lang(String),
}

/// Reads `/follow` arguments: a number is a feed id, `#x` a hashtag, an action kind
/// (`sign`, `donate`, … or its Arabic or French name) a kind, two letters a language.
/// `Err` carries the first word it does not understand.
pub fn parse_items(args: &str) -> Result<Vec<FollowItem>, String> {
    let mut out = Vec::new();
    for word in args.split([' ', ',', '\n', '\t']).filter(|w| !w.is_empty()) {
        let item = if let Ok(id) = word.parse::<u64>() {
            FollowItem::Feed(id)
        } else if word.starts_with('#') {
            match crate::config::normalise_hashtag(word) {
                Some(h) => FollowItem::Hashtag(h),
                None => return Err(word.to_string()),
            }
        } else if let Some(k) =
            ActionKind::parse(word).or_else(|| crate::i18n::kind_from_word(word))
        {
            FollowItem::Kind(k.as_str().to_string())
        } else if word.len() == 2 && word.chars().all(|c| c.is_ascii_alphabetic()) {
            FollowItem::Lang(word.to_ascii_lowercase())
        } else {
            return Err(word.to_string());
        };
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(out)
}

/// Adds (`on`) or removes one item.
pub fn apply(s: &mut SubscriberRecord, item: &FollowItem, on: bool) {
    fn set<T: PartialEq + Clone>(list: &mut Vec<T>, v: &T, on: bool, eq: impl Fn(&T, &T) -> bool) {
        list.retain(|x| !eq(x, v));
        if on {
            list.push(v.clone());
        }
    }
    match item {
        FollowItem::Feed(id) => set(&mut s.follow_feeds, id, on, |a, b| a == b),
        FollowItem::Hashtag(h) => set(&mut s.follow_hashtags, h, on, |a, b| {
            a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase()
        }),
        FollowItem::Kind(k) => set(&mut s.follow_kinds, k, on, |a, b| a == b),
        FollowItem::Lang(l) => set(&mut s.follow_langs, l, on, |a, b| a == b),
    }
}

/// Forgets every choice (`/unfollow all`); the mute stays.
pub fn clear(s: &mut SubscriberRecord) {
    s.follow_feeds.clear();
    s.follow_hashtags.clear();
    s.follow_kinds.clear();
    s.follow_langs.clear();
}

/// Whether the chat follows anything in particular (else it gets every alert).
pub fn has_choices(s: &SubscriberRecord) -> bool {
    !(s.follow_feeds.is_empty()
        && s.follow_hashtags.is_empty()
        && s.follow_kinds.is_empty()
        && s.follow_langs.is_empty())
}

/// Whether a chat gets an alert of a feed with `feed_hashtags`, at `now`.
pub fn wants(
    s: &SubscriberRecord,
    alert: &AlertRecord,
    feed_hashtags: &[String],
    now: i64,
) -> bool {
    if s.muted_until.is_some_and(|t| t > now) {
        return false;
    }
    if !s.follow_feeds.is_empty() && !s.follow_feeds.contains(&alert.feed_id) {
        return false;
    }
    if !s.follow_hashtags.is_empty() {
        let has = alert.hashtags.iter().chain(feed_hashtags).any(|h| {
            s.follow_hashtags
                .iter()
                .any(|f| f.to_lowercase() == h.to_lowercase())
        });
        if !has {
            return false;
        }
    }
    if !s.follow_kinds.is_empty()
        && !alert
            .actions
            .iter()
            .any(|a| s.follow_kinds.contains(&a.kind))
    {
        return false;
    }
    if !s.follow_langs.is_empty()
        && !s
            .follow_langs
            .iter()
            .any(|l| l.eq_ignore_ascii_case(&alert.lang))
    {
        return false;
    }
    true
}

/// One commit's worth: entries and the chats their alerts go to.
pub use crate::store::Batch;

/// Splits a poll's new entries into batches whose alerts go to the same chats, keeping
/// the feed's order (consecutive alerts with the same recipients share a batch; entries
/// without an alert join the current batch). Each batch is committed atomically on its
/// own; when no chat has choices there is exactly one batch.
pub fn route(
    subscribers: &[Recipient],
    feed_hashtags: &[String],
    entries: Vec<NewEntry>,
    now: i64,
) -> Vec<Batch> {
    let mut out: Vec<Batch> = Vec::new();
    for entry in entries {
        let Some(alert) = &entry.alert else {
            match out.last_mut() {
                Some((batch, _)) => batch.push(entry),
                None => out.push((vec![entry], Vec::new())),
            }
            continue;
        };
        let chats: Vec<(i64, Option<i32>)> = subscribers
            .iter()
            .filter(|r| {
                r.choices
                    .as_deref()
                    .is_none_or(|s| wants(s, alert, feed_hashtags, now))
            })
            .map(|r| (r.chat_id, r.thread_id))
            .collect();
        match out.last_mut() {
            // A batch that so far has no alert takes any recipients.
            Some((batch, to)) if *to == chats || batch.iter().all(|e| e.alert.is_none()) => {
                *to = chats;
                batch.push(entry);
            }
            _ => out.push((vec![entry], chats)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ActionRecord;

    fn sub(id: i64) -> SubscriberRecord {
        SubscriberRecord {
            v: 1,
            chat_id: id,
            kind: "private".into(),
            language: None,
            since: 0,
            thread_id: None,
            follow_feeds: vec![],
            follow_hashtags: vec![],
            follow_kinds: vec![],
            follow_langs: vec![],
            muted_until: None,
            added_by: None,
        }
    }

    fn alert(feed: u64, tags: &[&str], kinds: &[&str], lang: &str) -> AlertRecord {
        AlertRecord {
            v: 1,
            id: 0,
            feed_id: feed,
            feed_name: "F".into(),
            entry_id: "e".into(),
            title: "T".into(),
            link: None,
            summary: String::new(),
            actions: kinds
                .iter()
                .map(|k| ActionRecord {
                    kind: k.to_string(),
                    label: k.to_string(),
                    url: None,
                })
                .collect(),
            hashtags: tags.iter().map(|t| t.to_string()).collect(),
            lang: lang.into(),
            also_published_by: vec![],
            fingerprint_urls: vec![],
            fingerprint_simhash: 0,
            created_at: 0,
            verdict: None,
            when: None,
            deadline: None,
        }
    }

    #[test]
    fn items_are_read_by_their_shape() {
        assert_eq!(
            parse_items("3 #Aleppo donate ar, FR").unwrap(),
            vec![
                FollowItem::Feed(3),
                FollowItem::Hashtag("#Aleppo".into()),
                FollowItem::Kind("donate".into()),
                FollowItem::Lang("ar".into()),
                FollowItem::Lang("fr".into()),
            ]
        );
        assert_eq!(
            parse_items("signer").unwrap(),
            vec![FollowItem::Kind("sign".into())]
        );
        assert_eq!(
            parse_items("تبرع").unwrap(),
            vec![FollowItem::Kind("donate".into())]
        );
        assert_eq!(parse_items("3 bananas"), Err("bananas".to_string()));
        assert_eq!(parse_items("#"), Err("#".to_string()));
    }

    #[test]
    fn nothing_followed_means_everything_and_each_kind_of_choice_must_match() {
        let a = alert(3, &["#Aleppo"], &["donate"], "ar");
        let mut s = sub(1);
        assert!(wants(&s, &a, &[], 0));
        apply(&mut s, &FollowItem::Feed(4), true);
        assert!(!wants(&s, &a, &[], 0));
        apply(&mut s, &FollowItem::Feed(3), true);
        assert!(wants(&s, &a, &[], 0), "any one feed followed is enough");
        apply(&mut s, &FollowItem::Lang("en".into()), true);
        assert!(!wants(&s, &a, &[], 0), "the language must match too");
        apply(&mut s, &FollowItem::Lang("en".into()), false);
        apply(&mut s, &FollowItem::Hashtag("#aleppo".into()), true);
        assert!(wants(&s, &a, &[], 0), "hashtags match without case");
        apply(&mut s, &FollowItem::Kind("sign".into()), true);
        assert!(!wants(&s, &a, &[], 0));
        clear(&mut s);
        assert!(!has_choices(&s));
        s.follow_hashtags = vec!["#Relief".into()];
        assert!(
            wants(&s, &a, &["#Relief".into()], 0),
            "the feed's hashtags count"
        );
    }

    #[test]
    fn a_muted_chat_gets_nothing_until_the_mute_ends() {
        let a = alert(3, &[], &[], "en");
        let mut s = sub(1);
        s.muted_until = Some(100);
        assert!(!wants(&s, &a, &[], 99));
        assert!(wants(&s, &a, &[], 100));
    }

    #[test]
    fn routing_keeps_order_and_batches_same_recipients() {
        let all = sub(1);
        let mut donors = sub(2);
        donors.follow_kinds = vec!["donate".into()];
        let e = |a: Option<AlertRecord>, k: &str| NewEntry {
            keys: vec![k.into()],
            alert: a,
        };
        let entries = vec![
            e(None, "n1"),
            e(Some(alert(1, &[], &["sign"], "en")), "a1"),
            e(Some(alert(1, &[], &["sign"], "en")), "a2"),
            e(None, "n2"),
            e(Some(alert(1, &[], &["donate"], "en")), "a3"),
        ];
        let to = [Recipient::of(&all), Recipient::of(&donors)];
        let batches = route(&to, &[], entries, 0);
        let shape: Vec<(Vec<String>, Vec<i64>)> = batches
            .iter()
            .map(|(es, to)| {
                (
                    es.iter().map(|e| e.keys[0].clone()).collect(),
                    to.iter().map(|(c, _)| *c).collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (
                    vec!["n1".into(), "a1".into(), "a2".into(), "n2".into()],
                    vec![1]
                ),
                (vec!["a3".into()], vec![1, 2]),
            ]
        );
        // Without choices: one batch.
        let entries = vec![
            e(Some(alert(1, &[], &[], "en")), "x"),
            e(Some(alert(1, &[], &[], "en")), "y"),
        ];
        assert_eq!(route(&[Recipient::of(&all)], &[], entries, 0).len(), 1);
    }
}
