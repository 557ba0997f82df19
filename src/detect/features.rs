//! The evidence the scorer gathered, turned into the model's features.
//!
//! Owns the definition of every feature in `model::FEATURE_NAMES` (each bounded, so that
//! one long page cannot outweigh everything else) and the kinds that genre evidence
//! implies. Pure arithmetic: no text, no cues.

use super::ActionKind;
use super::genre::Counts;
use super::model::{Features, KIND_FEATURE_NAMES, KindMatrix};
use super::voice::Speaker;

/// Who spoke the demands and attributions of an entry.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Voices {
    /// Demand or attribution verbs whose subject is the publisher by name.
    pub named: f32,
    /// … whose subject is a self-reference ("the coalition").
    pub selfref: f32,
    /// Attributions to someone else ("the envoy said").
    pub attributed: f32,
    /// Asks inside quotation marks.
    pub quoted_ask: f32,
    /// Strongest ask in the title.
    pub reader_title: f32,
    /// A demand or ask with a named addressee (a minister, the Security Council).
    pub target: f32,
    pub links_platform: f32,
    pub title_reports: f32,
    pub site_page: f32,
}

impl Voices {
    /// Records an attribution verb ("said", "called on", "قالت"); true when the publisher
    /// is its subject (its own statement, not reported speech).
    pub(crate) fn attribution(&mut self, who: Speaker) -> bool {
        self.record(who, 1.0)
    }

    /// Records a third-person demand ("calls on", "تطالب") of weight `w`; true when the
    /// publisher is its subject.
    pub(crate) fn demand(&mut self, who: Speaker, w: f32) -> bool {
        self.record(who, w)
    }

    fn record(&mut self, who: Speaker, w: f32) -> bool {
        match who {
            Speaker::Named => self.named += w,
            Speaker::SelfRef => self.selfref += w,
            Speaker::Quoted | Speaker::Other => return false,
        }
        true
    }
}

/// The scorer's running sums for one entry.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Totals {
    pub reader: f32,
    pub link_ev: f32,
    pub demand: f32,
    pub demand_third: f32,
    pub urgency: f32,
    pub voice: f32,
    pub job: f32,
    pub partnership: f32,
    pub inform: f32,
    pub negative: f32,
    pub condemn: f32,
    pub ctx_bonus: f32,
    pub untyped_bonus: f32,
    pub past_news: f32,
    /// Body sentences kept (not boilerplate, not the feed's template).
    pub body_kept: u32,
    /// … of which report or recall (attribution to others, past-tense recap).
    pub body_narrative: u32,
    /// Short list items, or names in a run (a signatory list is made of them).
    pub short_items: usize,
    /// The strongest single ask of the entry (one clear ask is enough).
    pub clear_ask: f32,
}

fn ln1p(x: f32) -> f32 {
    x.max(0.0).ln_1p()
}

/// 1 for true, 0 for false.
pub(crate) fn flag(b: bool) -> f32 {
    if b { 1.0 } else { 0.0 }
}

/// A kind's bit in a set of kinds.
pub(crate) fn bit(k: ActionKind) -> u8 {
    1 << (k as u8)
}

/// Kind `k`'s place in a [`KindCounts`].
pub(crate) fn kind_idx(k: ActionKind) -> usize {
    k as usize
}

/// Genre-context cues per action kind, indexed by `ActionKind as usize`.
pub(crate) type KindCounts = [f32; ActionKind::COUNT];

pub(crate) fn features(t: &Totals, v: &Voices, g: &Counts, ctx: &KindCounts) -> Features {
    let of = |k: ActionKind| ctx[k as usize];
    let own = v.named + v.selfref;
    let mut f = Features::default();
    f.set("reader", ln1p(t.reader.min(12.0)));
    f.set("reader_title", (v.reader_title / 3.0).min(1.0));
    f.set("reader_quoted", ln1p(v.quoted_ask));
    f.set("links", ln1p(t.link_ev.min(8.0)));
    f.set("links_platform", v.links_platform);
    f.set("demand_own", ln1p(t.demand.min(10.0)));
    f.set("demand_named", ln1p(v.named.min(6.0)));
    f.set("demand_selfref", ln1p(v.selfref.min(6.0)));
    f.set("demand_other", ln1p(t.demand_third.min(6.0)));
    f.set("attributed", ln1p(v.attributed.min(10.0)));
    f.set("target", v.target);
    f.set("urgency", t.urgency.min(2.0));
    f.set("voice", t.voice.min(2.0));
    f.set("job", t.job.min(6.0) / 3.0);
    f.set("partnership", t.partnership.min(3.0));
    f.set("inform", t.inform.min(3.0));
    f.set("negative", t.negative.min(2.0));
    let asks = t.reader + t.demand + own;
    f.set(
        "condemn_only",
        if asks < 2.0 { t.condemn.min(2.0) } else { 0.0 },
    );
    f.set("past", ln1p(t.past_news * 4.0));
    f.set("title_reports", v.title_reports);
    f.set("site_page", v.site_page);
    let gift =
        ln1p(g.amounts.min(6) as f32) * flag(of(ActionKind::Donate) > 0.0) + 0.5 * flag(g.bank > 0);
    f.set("gift", gift.min(2.0));
    // A list of signatories names who has signed (a joint statement); without one,
    // signature words describe a page that collects them.
    let signatories = flag(t.short_items >= 4) * flag(t.voice > 0.0 || t.demand > 0.0 || own > 0.0);
    f.set(
        "petition_page",
        flag(g.counters > 0) + 0.5 * of(ActionKind::Sign).min(2.0) * (1.0 - signatories),
    );
    f.set(
        "event",
        (flag(g.times > 0) + flag(g.dates > 0)) * flag(of(ActionKind::Mobilize) > 0.0),
    );
    f.set(
        "urgent_action",
        flag(g.contacts > 0) * flag(of(ActionKind::Contact) > 0.0 || v.target > 0.0),
    );
    f.set("signatories", signatories);
    // The vocabulary of one kind's genre, however the page asks (or does not ask).
    let strongest_words = ctx.iter().copied().fold(0.0f32, f32::max);
    f.set("genre_words", ln1p(strongest_words.min(8.0)));
    // An in-kind drive: donation words beside a list of items or opening hours.
    f.set(
        "drive",
        flag(of(ActionKind::Donate) >= 1.0) * (flag(g.times > 0) + flag(t.short_items >= 3)),
    );
    f.set("context_kinds", t.ctx_bonus.min(2.0));
    f.set("untyped_link", t.untyped_bonus);
    f.set("no_ask", flag(asks + t.link_ev + t.demand_third == 0.0));
    let narrative = if t.body_kept == 0 {
        0.0
    } else {
        t.body_narrative as f32 / t.body_kept as f32
    };
    f.set("narrative", narrative);
    f.set("clear_ask", ln1p(t.clear_ask.min(8.0)));
    // Narrative does not cancel one clear ask in the publisher's voice: with one, the
    // marks of reporting and recalling count half.
    if t.clear_ask >= CLEAR_ASK {
        for name in ["attributed", "past", "narrative"] {
            f.set(name, f.get(name) * 0.5);
        }
    }
    f
}

/// An ask this strong in one sentence (an imperative at full weight, not reported, not
/// past, not quoted) is a clear ask.
const CLEAR_ASK: f32 = 3.0;

/// Genre evidence names a kind even without an imperative: a donation page asks for
/// money, a petition page for a signature, an event announcement for attendance, an
/// urgent action for a letter or call. It fills in only when no ask named a kind, with
/// the strongest genre; true when it did.
pub(crate) fn genre_kinds(f: &Features, kind_ev: &mut KindCounts) -> bool {
    if kind_ev.iter().any(|&e| e >= 2.0) {
        return false;
    }
    let pairs = [
        ("gift", ActionKind::Donate),
        ("petition_page", ActionKind::Sign),
        ("event", ActionKind::Mobilize),
        ("urgent_action", ActionKind::Contact),
    ];
    let best = pairs
        .iter()
        .map(|&(name, k)| (f.get(name), k))
        .filter(|&(v, _)| v >= GENRE_MIN)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((_, k)) = best {
        kind_ev[k as usize] += 2.0;
    }
    best.is_some()
}

/// Least genre evidence that names a kind (one amount beside donation words, one
/// signature counter, a date or time beside an event word, contact details).
const GENRE_MIN: f32 = 0.6;

/// What the scorer found for each action kind.
pub(crate) struct KindEvidence<'a> {
    /// Cue, link and genre evidence per kind.
    pub kind_ev: &'a KindCounts,
    /// The strongest single ask per kind (an imperative at full weight is 2 or more).
    pub clear: &'a KindCounts,
    /// Genre words per kind in sentences that neither report nor recall.
    pub words: &'a KindCounts,
    /// Genre words per kind in sentences where the publisher demands something.
    pub demand_words: &'a KindCounts,
    /// Kinds the title names (by a cue or a genre word).
    pub title: u8,
    /// Kinds of the usable links typed by a rule (a petition platform, a donation page).
    pub typed: u8,
    /// Kinds named by usable links' anchor texts.
    pub anchors: u8,
    /// Kinds named by the paths of untyped links.
    pub paths: u8,
    /// Kinds named by the heading of a section that holds an ask or a usable link ("2.
    /// Become a court watcher … Sign up").
    pub sections: u8,
    /// The entry asks the reader something (an ask, an action link or a genre).
    pub asks_reader: bool,
    /// The entry only calls on others (no ask of the reader, no action link).
    pub demand_only: bool,
}

/// The kind model's features, per kind (`KIND_FEATURE_NAMES`).
pub(crate) fn kind_features(e: &KindEvidence) -> KindMatrix {
    let strongest = e.kind_ev.iter().copied().fold(0.0f32, f32::max);
    let mut m = [[0.0; KIND_FEATURE_NAMES.len()]; ActionKind::COUNT];
    for k in ActionKind::ALL {
        let i = k as usize;
        let has = |bits: u8| flag(bits & bit(k) != 0);
        m[i] = [
            ln1p(e.kind_ev[i].min(12.0)),
            if strongest > 0.0 {
                e.kind_ev[i] / strongest
            } else {
                0.0
            },
            ln1p(e.words[i].min(8.0)),
            has(e.typed),
            has(e.anchors),
            has(e.paths),
            flag(e.asks_reader),
            flag(e.demand_only),
            ln1p(e.demand_words[i].min(4.0)),
            has(e.title),
            has(e.sections),
            flag(e.clear[i] >= 2.0),
        ];
    }
    m
}
