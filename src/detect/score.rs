//! Stage 8 of the pipeline, scoring: the sentences' and links' evidence turned into the
//! model's features (plus the lists of names a signatory list is made of, and whether
//! every date had passed), the appeal score and the per-kind feature matrix.
//!
//! Owns how the evidence becomes [`Features`]. Must not choose actions or word anything
//! but reasons.

use super::evidence::SentenceEvidence;
use super::features::{KindEvidence, Totals, features, flag, genre_kinds, kind_features, kind_idx};
use super::genre;
use super::link_evidence::LinkTotals;
use super::model::{Features, KindMatrix};
use super::reasons::Reasons;
use super::segment::{Parsed, SegKind, words_upto};
use super::{ActionKind, Detector};
use crate::entry::Entry;

#[cfg(test)]
mod tests;

/// The score stage's answer.
pub(super) struct Scored {
    /// The features, the per-kind matrix included.
    pub(super) features: Features,
    /// The model's score in [0, 1].
    pub(super) score: f32,
    /// `score` reached the detector's threshold.
    pub(super) is_appeal: bool,
}

/// Scores the entry: its features, the model's score and reasons, then the per-kind
/// features (`e.kind_ev` gains the kinds genre evidence implies).
pub(super) fn score(
    det: &Detector,
    (p, entry, outlet): (&Parsed, &Entry, bool),
    e: &mut SentenceEvidence,
    links: &LinkTotals,
    reasons: &mut Reasons,
) -> Scored {
    let totals = Totals {
        link_ev: links.link_ev,
        untyped_bonus: links.untyped_bonus,
        short_items: short_items(p),
        clear_ask: e.reader_pos.iter().copied().fold(0.0f32, f32::max),
        ..e.totals
    };
    let mut features = appeal_features(&totals, e, entry, outlet, reasons);
    let score = det.model.score(&features);
    let is_appeal = score >= det.threshold;
    for (name, c) in det.model.strongest(&features, 3) {
        reasons.add(c.abs() * 0.5, format!("model: {name} {c:+.2}"));
    }
    let t = &totals;
    if t.reader + t.demand + t.demand_third + t.link_ev == 0.0 {
        reasons.add(0.0, "no ask found".into());
    }
    if let (Some(c), true) = (&e.first_condemn, features.get("condemn_only") > 0.0) {
        reasons.add(-0.5, format!("condemnation without an ask '{c}'"));
    }
    features.1 = kind_matrix(&features, e, links, t);
    Scored {
        features,
        score,
        is_appeal,
    }
}

/// Short list items, or names in a run or a semicolon list (a signatory list is made of
/// them), over the segments kept.
fn short_items(p: &Parsed) -> usize {
    p.segs
        .iter()
        .filter(|sg| !sg.dropped)
        .map(|sg| match sg.kind {
            SegKind::Item if words_upto(sg.text, 10) <= 10 => 1,
            SegKind::Para => name_run(sg.text).max(semicolon_list(sg.text)),
            _ => 0,
        })
        .sum()
}

/// The appeal model's features: the evidence's, the publisher's own demand on top, a
/// news outlet's asks apart, and whether every date named had passed at publication.
fn appeal_features(
    totals: &Totals,
    e: &SentenceEvidence,
    entry: &Entry,
    outlet: bool,
    reasons: &mut Reasons,
) -> Features {
    let mut features = features(totals, &e.ev, &e.found, &e.genre_ctx);
    let passed = entry
        .published
        .is_some_and(|p| genre::all_dates_passed(&e.dates, p.date_naive()));
    features.set("demand_top", flag(e.demand_top));
    if outlet {
        features.set("news_outlet", 1.0);
        // A news outlet's imperatives are more often service to its readers ("where to
        // give") than its own campaign: the model weighs them apart.
        features.set("outlet_asks", features.get("reader"));
    }
    if passed {
        features.set("dates_passed", 1.0);
        // An invitation to an event that had already taken place asks nothing now.
        let mobilize =
            e.genre_ctx[kind_idx(ActionKind::Mobilize)] + e.kind_ev[kind_idx(ActionKind::Mobilize)];
        features.set(
            "event_passed",
            flag(features.get("event") > 0.0 || mobilize > 0.0),
        );
        reasons.add(-0.5, "every date named had passed at publication".into());
    }
    features
}

/// The per-kind features, once genre evidence (a gift, a petition page, an event) has
/// added the kinds it implies to `e.kind_ev`.
fn kind_matrix(
    features: &Features,
    e: &mut SentenceEvidence,
    links: &LinkTotals,
    t: &Totals,
) -> KindMatrix {
    let genre_ask = genre_kinds(features, &mut e.kind_ev)
        || ["gift", "petition_page", "event", "urgent_action"]
            .iter()
            .any(|g| features.get(g) >= 1.0);
    let asks_reader = t.reader + t.link_ev >= 2.0 || genre_ask;
    kind_features(&KindEvidence {
        kind_ev: &e.kind_ev,
        clear: &e.kind_clear,
        words: &e.genre_ctx,
        demand_words: &e.demand_words,
        title: e.title_kinds,
        sections: links.sections,
        typed: links.typed,
        anchors: links.anchors,
        paths: links.paths,
        asks_reader,
        demand_only: t.reader < 1.0 && t.link_ev == 0.0,
    })
}

/// Names in a run ("Baytna Syria Kesh Malek Violet Organization …", a signatory list
/// written as one paragraph): a count of four-word groups when most words are capitalised.
fn name_run(text: &str) -> usize {
    let (mut words, mut caps) = (0usize, 0usize);
    for w in text.split_whitespace().take(200) {
        words += 1;
        caps += usize::from(w.chars().next().is_some_and(char::is_uppercase));
    }
    if words >= 16 && caps * 10 >= words * 7 {
        words / 4
    } else {
        0
    }
}

/// Names listed with semicolons ("Signatories: Baytna (Syria); Women Now (France); …"):
/// the count of parts when there are four or more, each short and most capitalised.
pub(super) fn semicolon_list(text: &str) -> usize {
    let parts: Vec<&str> = text.split([';', '؛']).map(str::trim).collect();
    if parts.len() < 4 || parts.iter().any(|p| words_upto(p, 12) > 12) {
        return 0;
    }
    let caps = parts
        .iter()
        .filter(|p| p.chars().next().is_some_and(char::is_uppercase))
        .count();
    if caps * 4 >= parts.len() * 3 {
        parts.len()
    } else {
        0
    }
}
