//! Appeal detection: entry -> verdict (is it an appeal?, actions, hashtags, summary,
//! reasons, fingerprint).
//!
//! Pure: no IO, no clock, no randomness, no model download. The rest of the program uses
//! only the items re-exported here, so the detector can improve without changing them.

use crate::entry::Entry;

/// The kinds of action an appeal can ask for (the contract's `kind` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionKind {
    Sign,
    Donate,
    Contact,
    Mobilize,
    Share,
    Volunteer,
    Boycott,
}

impl ActionKind {
    pub const ALL: [ActionKind; 7] = [
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

    pub fn parse(s: &str) -> Option<ActionKind> {
        ActionKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// One thing the reader is asked to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
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
    /// True when the two fingerprints describe the same appeal.
    pub fn matches(&self, other: &Fingerprint) -> bool {
        let shared_action = self
            .action_urls
            .iter()
            .any(|u| other.action_urls.binary_search(u).is_ok());
        shared_action || (self.simhash != 0 && (self.simhash ^ other.simhash).count_ones() <= 3)
    }
}

/// The detector's answer for one entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// ISO 639-1 code, or `und`.
    pub lang: String,
    pub is_appeal: bool,
    /// Confidence in [0, 1]; `is_appeal` is `score >= threshold`.
    pub score: f32,
    pub actions: Vec<Action>,
    /// Each starts with `#`; de-duplicated case-insensitively, first-seen order.
    pub hashtags: Vec<String>,
    /// Plain text, at most 600 characters, in the entry's language.
    pub summary: String,
    /// Short human-readable evidence for the verdict.
    pub reasons: Vec<String>,
    pub fingerprint: Fingerprint,
}

/// Extra cue lists from the operator's configuration, in the same format as the
/// embedded ones.
#[derive(Debug, Clone, Default)]
pub struct CueSource {
    /// Where it came from (a file name), for error messages.
    pub name: String,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct DetectOptions {
    /// Score at or above which an entry is an appeal; `None` takes the built-in default.
    pub threshold: Option<f32>,
    pub extra_cues: Vec<CueSource>,
}

#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    #[error("cue list {name}: {message}")]
    BadCues { name: String, message: String },
    #[error("detect.threshold must be between 0 and 1, got {0}")]
    BadThreshold(f32),
}

/// What recurs across one feed's entries (the site's template), learned from a batch of
/// entries of that feed and used to discount boilerplate.
#[derive(Debug, Clone, Default)]
pub struct FeedContext {
    _private: (),
}

/// The detector: cue lists compiled once, then `detect` per entry.
#[derive(Debug)]
pub struct Detector {
    threshold: f32,
}

pub const DEFAULT_THRESHOLD: f32 = 0.5;

impl Detector {
    pub fn new(opts: &DetectOptions) -> Result<Detector, DetectError> {
        let threshold = opts.threshold.unwrap_or(DEFAULT_THRESHOLD);
        if !(0.0..=1.0).contains(&threshold) {
            return Err(DetectError::BadThreshold(threshold));
        }
        Ok(Detector { threshold })
    }

    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// Learns the feed's template from (ideally all) its current entries.
    pub fn feed_context(&self, _entries: &[Entry]) -> FeedContext {
        FeedContext::default()
    }

    /// The verdict for one entry. `feed_hashtags` are the feed's configured hashtags,
    /// always part of the verdict's hashtags.
    pub fn detect(&self, entry: &Entry, _ctx: &FeedContext, feed_hashtags: &[String]) -> Verdict {
        let text = format!("{} {}", entry.title, entry.body_html()).to_lowercase();
        let mut actions = Vec::new();
        for (kind, cue) in [
            (ActionKind::Sign, "sign"),
            (ActionKind::Donate, "donate"),
            (ActionKind::Mobilize, "protest"),
        ] {
            if text.contains(cue) {
                actions.push(Action {
                    kind,
                    label: kind.as_str().to_string(),
                    url: None,
                });
            }
        }
        let score = if actions.is_empty() { 0.1 } else { 0.9 };
        Verdict {
            lang: "und".into(),
            is_appeal: score >= self.threshold,
            score,
            actions,
            hashtags: feed_hashtags.to_vec(),
            summary: entry.title.chars().take(600).collect(),
            reasons: vec![],
            fingerprint: Fingerprint::default(),
        }
    }
}
