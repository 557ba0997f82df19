//! Stage 9 of the pipeline, the actions: for an appeal, the kinds the kind model scores
//! above its threshold, strongest first, each with its label in the entry's language and
//! the best link for it (typed for the kind, named for it, in its sentence or section).
//!
//! Owns the choice of an action's link. Must not change the score or the kinds' evidence.

use super::features::{bit, kind_idx};
use super::link_evidence::{LinkInfo, is_mail_or_phone};
use super::links::clean_url;
use super::model::Features;
use super::segment::{Parsed, SegKind};
use super::{Action, ActionKind, Detector};

/// The actions of an appeal (none for an entry that is not one): the kinds the model
/// scores at or above its kind threshold, strongest first; the first is the main one.
pub(super) fn choose_actions(
    det: &Detector,
    features: &Features,
    lang: &str,
    choice: &UrlChoice,
) -> Vec<Action> {
    let mut kinds: Vec<(ActionKind, f32)> = ActionKind::ALL
        .into_iter()
        .map(|k| (k, det.model.kind_score(features, kind_idx(k))))
        .filter(|&(_, p)| p >= det.model.kind_threshold)
        .collect();
    kinds.sort_by(|a, b| b.1.total_cmp(&a.1));
    kinds
        .into_iter()
        .enumerate()
        .map(|(n, (k, _))| Action {
            kind: k,
            label: det.cues.label(lang, k).to_string(),
            url: best_url(choice, k, n == 0),
        })
        .collect()
}

/// Where one asks for the best action link of a kind.
pub(super) struct UrlChoice<'a, 'b> {
    pub(super) p: &'a Parsed<'b>,
    pub(super) infos: &'a [LinkInfo<'b>],
    pub(super) sent_kinds: &'a [u8],
    pub(super) reader_pos: &'a [f32],
    pub(super) own_mail: &'a [bool],
    pub(super) base: Option<&'a str>,
}

/// The best link for kind `k`; for the appeal's main kind (`main`), the entry's only web
/// link when nothing names the kind.
fn best_url(c: &UrlChoice, k: ActionKind, main: bool) -> Option<String> {
    let UrlChoice {
        p,
        infos,
        sent_kinds,
        reader_pos,
        own_mail,
        base,
    } = *c;
    let mut best: Option<(f32, &LinkInfo)> = None;
    for li in infos.iter().filter(|l| l.usable) {
        let in_sent = li.sent.is_some_and(|si| sent_kinds[si] & bit(k) != 0);
        let kindless_ask = li
            .sent
            .is_some_and(|si| sent_kinds[si] == 0 && reader_pos[si] >= 1.0);
        let mail = is_mail_or_phone(li.key);
        let own = li.sent.is_some_and(|si| own_mail[si]) && li.key.starts_with("mailto:");
        let after = li
            .sent
            .is_some_and(|si| follows_ask_of(p, sent_kinds, si, k));
        let s = match li.ty.rule {
            // A download named for sharing ("our share kit") is what one shares with.
            Some(None)
                if k == ActionKind::Share && li.anchor_kinds & bit(k) != 0 && li.download =>
            {
                1.5
            }
            Some(None) => continue,
            Some(Some(rk)) if rk == k => 3.0 + if li.ty.platform { 0.5 } else { 0.0 },
            // A link typed for another kind whose words name this one ("Sign the open
            // letter" on a letter-writing platform).
            Some(Some(_)) if li.anchor_kinds & bit(k) != 0 => 1.9,
            Some(Some(_)) if li.path_kinds & bit(k) != 0 => 1.7,
            Some(Some(_)) if li.section & bit(k) != 0 => 1.6,
            // The sentence around the link asks for this kind and not for the one the
            // link's address suggests ("Add your name here" on a `/letter` page).
            Some(Some(rk))
                if in_sent && li.sent.is_some_and(|si| sent_kinds[si] & bit(rk) == 0) =>
            {
                1.5
            }
            Some(Some(_)) => continue,
            // A mailbox beside a march or a vigil is for the organisers' questions.
            None if mail && k == ActionKind::Mobilize => 0.3,
            None if li.anchor_kinds & bit(k) != 0 => 2.0,
            None if li.path_kinds & bit(k) != 0 => 1.8,
            None if li.section & bit(k) != 0 => 1.7,
            None if li.anchor_words & bit(k) != 0 && !mail => 1.4,
            // A mailbox or a phone number is not a page to sign, give, share or boycott on.
            None if mail
                && matches!(
                    k,
                    ActionKind::Sign | ActionKind::Donate | ActionKind::Share | ActionKind::Boycott
                ) =>
            {
                continue;
            }
            None if k == ActionKind::Contact && mail && !own => {
                if in_sent {
                    1.6
                } else {
                    1.2
                }
            }
            None if in_sent => 1.0,
            // "Use #Hashtag. The graphics are in this folder."
            None if after => 0.8,
            None if kindless_ask => 0.5,
            None => continue,
        };
        let s = if li
            .sent
            .is_some_and(|si| p.segs[p.sents[si].seg].kind == SegKind::Title)
        {
            s - 0.1
        } else {
            s
        };
        if best.is_none_or(|(b, _)| s > b) {
            best = Some((s, li));
        }
    }
    best.map(|(_, l)| l)
        .or_else(|| only_link(infos).filter(|_| main))
        .and_then(|l| clean_url(l.href, base))
}

/// Whether sentence `si` follows, in the same block, a sentence that asks for kind `k`
/// and names no kind itself.
fn follows_ask_of(p: &Parsed, sent_kinds: &[u8], si: usize, k: ActionKind) -> bool {
    si > 0
        && sent_kinds[si] == 0
        && sent_kinds[si - 1] & bit(k) != 0
        && p.sents[si - 1].seg == p.sents[si].seg
}

/// The entry's one usable web link, when it has exactly one that no rule types: in an
/// appeal that is where the reader acts.
fn only_link<'a, 'b>(infos: &'a [LinkInfo<'b>]) -> Option<&'a LinkInfo<'b>> {
    let mut web = infos
        .iter()
        .filter(|l| l.usable && l.ty.rule.is_none() && l.key.contains('/'))
        .filter(|l| !is_mail_or_phone(l.key));
    let first = web.next()?;
    let more = web.any(|l| l.key != first.key);
    (!more).then_some(first)
}
