//! Appeal detection: entry -> verdict (is it an appeal?, actions, hashtags, summary,
//! reasons, fingerprint).
//!
//! Pure: no IO, no clock, no randomness, no model download. The rest of the program uses
//! only the items re-exported here, so the detector can improve without changing them.
//!
//! Codemap: `html` reads bodies into text blocks and links (dropping page chrome), `text`
//! normalises and splits sentences, `cues` holds the cue lists (TOML data in
//! `cues/*.toml`, format documented there; operators add more with
//! [`DetectOptions::extra_cues`]) and matches them, `lang` identifies the language, `links`
//! cleans and types URLs, `hashtags`, `summary` and `fingerprint` build their parts of the
//! verdict, `template` learns a feed's template, and `candidates` lists the links an
//! entry could act through without detecting it (for a backlog). `analyze` runs the
//! pipeline, one stage a file: `prepare` → `lang` → `segment` → `own` → `evidence` →
//! `link_evidence` → `score` → `actions` → `parts`, each adding its evidence to `reasons`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::entry::Entry;

mod actions;
mod analyze;
mod candidates;
#[cfg(test)]
mod capability_tests;
mod cues;
mod evidence;
mod features;
mod fingerprint;
mod genre;
mod hashtags;
mod html;
mod lang;
mod link_evidence;
mod links;
mod model;
mod own;
mod parts;
mod prepare;
mod reasons;
mod score;
mod segment;
mod stems;
mod summary;
mod template;
mod text;
mod voice;

pub use model::{FEATURE_NAMES, Features, KIND_FEATURE_NAMES, KindMatrix, Model};

pub use links::{canonical_url, clean_url};

/// The kinds of action an appeal can ask for (the contract's `kind` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionKind {
    /// Sign a petition, an open letter, a statement.
    Sign,
    /// Give money or goods.
    Donate,
    /// Write to or call someone (an official, a company).
    Contact,
    /// Come to a protest, a vigil, an event.
    Mobilize,
    /// Spread the word: share, post, use a hashtag.
    Share,
    /// Give time: volunteer, sponsor, host.
    Volunteer,
    /// Boycott a company or a product.
    Boycott,
}

impl ActionKind {
    /// How many kinds there are: the size of every per-kind array.
    pub const COUNT: usize = 7;

    /// Every kind, in the contract's order.
    pub const ALL: [ActionKind; ActionKind::COUNT] = [
        ActionKind::Sign,
        ActionKind::Donate,
        ActionKind::Contact,
        ActionKind::Mobilize,
        ActionKind::Share,
        ActionKind::Volunteer,
        ActionKind::Boycott,
    ];

    /// The contract's name for the kind (`sign`, `donate`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Sign => "sign",
            ActionKind::Donate => "donate",
            ActionKind::Contact => "contact",
            ActionKind::Mobilize => "mobilize",
            ActionKind::Share => "share",
            ActionKind::Volunteer => "volunteer",
            ActionKind::Boycott => "boycott",
        }
    }

    /// The kind named `s` (the contract's name, any case), if any.
    pub fn parse(s: &str) -> Option<ActionKind> {
        ActionKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// One thing the reader is asked to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// What kind of action.
    pub kind: ActionKind,
    /// Short text for a person, e.g. "Sign the petition".
    pub label: String,
    /// The best link for this action, tracking parameters removed.
    pub url: Option<String>,
}

/// What makes two publications "the same appeal" (joint statements cross-posted by
/// several partners).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fingerprint {
    /// Canonical action URLs, sorted.
    pub action_urls: Vec<String>,
    /// Near-duplicate hash of the normalised text.
    pub simhash: u64,
}

impl Fingerprint {
    /// Most bits two texts' SimHashes may differ in and still be the same statement
    /// (64-bit hashes of unrelated texts differ in about 32).
    pub const MAX_SIMHASH_DISTANCE: u32 = 7;

    /// True when the two fingerprints describe the same appeal: they share a specific action
    /// link (a petition, fundraiser or event page; also across languages), or their texts
    /// are near-duplicates.
    pub fn matches(&self, other: &Fingerprint) -> bool {
        let shared_action = self
            .action_urls
            .iter()
            .any(|u| other.action_urls.binary_search(u).is_ok());
        let near_duplicate = self.simhash != 0
            && other.simhash != 0
            && (self.simhash ^ other.simhash).count_ones() <= Self::MAX_SIMHASH_DISTANCE;
        shared_action || near_duplicate
    }
}

/// The detector's answer for one entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// ISO 639-1 code, or `und`.
    pub lang: String,
    /// The entry asks its readers (or, as the publisher's own demand, someone) to act.
    pub is_appeal: bool,
    /// Confidence in [0, 1]; `is_appeal` is `score >= threshold`.
    pub score: f32,
    /// What the reader is asked to do, the main action first (empty for news).
    pub actions: Vec<Action>,
    /// Each starts with `#`; de-duplicated case-insensitively, first-seen order.
    pub hashtags: Vec<String>,
    /// Plain text, at most 600 characters, in the entry's language.
    pub summary: String,
    /// Short human-readable evidence for the verdict.
    pub reasons: Vec<String>,
    /// What identifies the appeal across feeds.
    pub fingerprint: Fingerprint,
}

/// Extra cue lists from the operator's configuration, in the same format as the
/// embedded ones.
#[derive(Debug, Clone, Default)]
pub struct CueSource {
    /// Where it came from (a file name), for error messages.
    pub name: String,
    /// The cue list, in the format of `cues/*.toml`.
    pub text: String,
}

/// How to build a [`Detector`]: the operator's threshold and extra cue lists.
#[derive(Debug, Clone, Default)]
pub struct DetectOptions {
    /// Score at or above which an entry is an appeal; `None` takes the built-in default.
    pub threshold: Option<f32>,
    /// Cue lists added to the built-in ones.
    pub extra_cues: Vec<CueSource>,
}

/// Why a [`Detector`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// A cue list (or a built-in pattern) does not compile.
    #[error("cue list {name}: {message}")]
    BadCues {
        /// The list's name (a file name, or the built-in part).
        name: String,
        /// What is wrong, and where in the list.
        message: String,
    },
    /// The threshold is not in [0, 1].
    #[error("detect.threshold must be between 0 and 1, got {0}")]
    BadThreshold(f32),
}

/// What recurs across one feed's entries (the site's template), learned from a batch of
/// entries of that feed and used to discount boilerplate. `FeedContext::default()` knows
/// nothing and is fine for a lone entry. It also keeps the bodies it read (at most 8 MB of
/// text) so that `detect` on those entries does not read them again: learn it per poll and
/// drop it afterwards rather than keeping it for hours.
#[derive(Debug, Clone, Default)]
pub struct FeedContext {
    /// Canonical URLs of links that recur in most entries (a Donate button, the logo).
    pub(crate) links: HashSet<String, fingerprint::FnvBuild>,
    /// Hashes of sentences that recur in most entries.
    pub(crate) sentences: HashSet<u64, fingerprint::FnvBuild>,
    pub(crate) entries: usize,
    /// The entries' bodies as already read while learning, so that `detect` on the same
    /// entries does not read them twice (keyed by a hash of link, title and body).
    pub(crate) prepared: HashMap<u64, Arc<prepare::Prepared>, fingerprint::FnvBuild>,
    /// The publisher's name forms (feed title, configured partner name).
    pub(crate) publisher: voice::Publisher,
}

impl FeedContext {
    /// How many entries it was learned from.
    pub fn entries(&self) -> usize {
        self.entries
    }

    /// True when it knows no template (fewer than three entries, or nothing recurs).
    pub fn is_empty(&self) -> bool {
        self.links.is_empty() && self.sentences.is_empty()
    }

    /// Names the publisher by (the feed's title, the partner name given at `/addfeed` or in
    /// the config): a demand whose subject is one of them is the publisher's own voice.
    pub fn with_publisher<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> FeedContext {
        self.publisher = voice::Publisher::new(names);
        self
    }

    /// The canonical URLs treated as the site's template.
    pub fn template_links(&self) -> impl Iterator<Item = &str> {
        self.links.iter().map(String::as_str)
    }
}

/// The detector: cue lists compiled once, then `detect` per entry. `Send + Sync`; share it
/// with an `Arc`.
pub struct Detector {
    threshold: f32,
    pub(crate) model: Model,
    pub(crate) patterns: genre::Patterns,
    pub(crate) cues: cues::CueSet,
    pub(crate) html: html::HtmlConfig,
    pub(crate) whatlang: whatlang::Detector,
    pub(crate) splitter: text::Splitter,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector")
            .field("threshold", &self.threshold)
            .field("cues", &self.cues.cues.len())
            .finish_non_exhaustive()
    }
}

impl Detector {
    /// Compiles the built-in cue lists and the operator's `extra_cues`.
    pub fn new(opts: &DetectOptions) -> Result<Detector, DetectError> {
        let model = Model::parse(model::BUILTIN).map_err(|message| DetectError::BadCues {
            name: "weights.toml".into(),
            message,
        })?;
        let threshold = opts.threshold.unwrap_or(model.threshold);
        if !(0.0..=1.0).contains(&threshold) || threshold.is_nan() {
            return Err(DetectError::BadThreshold(threshold));
        }
        let extra: Vec<(String, String)> = opts
            .extra_cues
            .iter()
            .map(|c| (c.name.clone(), c.text.clone()))
            .collect();
        let cues = cues::CueSet::new(&extra)
            .map_err(|(name, message)| DetectError::BadCues { name, message })?;
        let html = html::HtmlConfig::new().map_err(|message| DetectError::BadCues {
            name: "(built-in chrome patterns)".into(),
            message,
        })?;
        let splitter = text::Splitter::new().map_err(|message| DetectError::BadCues {
            name: "(built-in sentence terminators)".into(),
            message,
        })?;
        let patterns = genre::Patterns::new().map_err(|message| DetectError::BadCues {
            name: "(built-in genre patterns)".into(),
            message,
        })?;
        Ok(Detector {
            threshold,
            model,
            patterns,
            cues,
            html,
            whatlang: lang::whatlang_detector(),
            splitter,
        })
    }

    /// The score at or above which an entry is an appeal.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// Learns the feed's template from (ideally all) its current entries: links and
    /// sentences found in most of them (at least three) are the site's, not evidence.
    pub fn feed_context(&self, entries: &[Entry]) -> FeedContext {
        template::learn(self, entries)
    }

    /// The URLs an entry could take action through, read without detecting: its body's
    /// links outside the page chrome, cleaned like an action's link. A superset of any
    /// verdict's action links, for what must know them without a verdict (a backlog).
    pub fn action_link_candidates(&self, entry: &Entry) -> Vec<String> {
        candidates::action_link_candidates(self, entry)
    }

    /// The verdict for one entry. `feed_hashtags` are the feed's configured hashtags,
    /// always part of the verdict's hashtags (after those of the entry).
    pub fn detect(&self, entry: &Entry, ctx: &FeedContext, feed_hashtags: &[String]) -> Verdict {
        analyze::detect(self, entry, ctx, feed_hashtags).0
    }

    /// The verdict and the features the model scored it from (for the fitting tool and
    /// for explaining a verdict).
    pub fn explain(
        &self,
        entry: &Entry,
        ctx: &FeedContext,
        feed_hashtags: &[String],
    ) -> (Verdict, Features) {
        analyze::detect(self, entry, ctx, feed_hashtags)
    }

    /// The model the detector scores with.
    pub fn model(&self) -> &Model {
        &self.model
    }
}
