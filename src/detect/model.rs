//! The linear model that turns an entry's features into a score.
//!
//! Owns the feature names, the weights file format (`weights.toml`, embedded with
//! `include_str!`, written by `cargo run --release --example fit_weights`) and the
//! logistic function. It does not compute features (the scorer does) and does not fit
//! weights (the example does, from the gold set's train split).

use serde::Deserialize;

use super::ActionKind;

/// The features, in the order of [`Features`]' values. Each is documented where the
/// scorer computes it (`analyze.rs`); all are 0 when their evidence is absent.
pub const FEATURE_NAMES: [&str; 38] = [
    "reader",
    "reader_title",
    "reader_quoted",
    "links",
    "links_platform",
    "demand_own",
    "demand_named",
    "demand_selfref",
    "demand_other",
    "attributed",
    "target",
    "urgency",
    "voice",
    "job",
    "partnership",
    "inform",
    "negative",
    "condemn_only",
    "past",
    "title_reports",
    "site_page",
    "gift",
    "petition_page",
    "event",
    "urgent_action",
    "signatories",
    "context_kinds",
    "untyped_link",
    "no_ask",
    "narrative",
    "clear_ask",
    "dates_passed",
    "news_outlet",
    "genre_words",
    "drive",
    "event_passed",
    "outlet_asks",
    "demand_top",
];

/// The features of one action kind in one entry, in this order. Each is documented where
/// the scorer computes it (`analyze::kind_features`).
pub const KIND_FEATURE_NAMES: [&str; 12] = [
    "evidence",
    "relative",
    "words",
    "typed_link",
    "anchor",
    "path",
    "asks_reader",
    "demand_only",
    "demand_words",
    "title",
    "section",
    "clear",
];

/// Per action kind (`ActionKind as usize`), its features.
pub type KindMatrix = [[f32; KIND_FEATURE_NAMES.len()]; ActionKind::COUNT];

/// One entry's feature values, in [`FEATURE_NAMES`] order, and each kind's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Features(pub [f32; FEATURE_NAMES.len()], pub KindMatrix);

impl Default for Features {
    fn default() -> Features {
        Features(
            [0.0; FEATURE_NAMES.len()],
            [[0.0; KIND_FEATURE_NAMES.len()]; ActionKind::COUNT],
        )
    }
}

impl Features {
    pub(crate) fn set(&mut self, name: &str, value: f32) {
        let i = index(name);
        self.0[i] = value;
    }

    /// The value of the feature named `name` (one of [`FEATURE_NAMES`]; panics otherwise).
    pub fn get(&self, name: &str) -> f32 {
        self.0[index(name)]
    }

    /// (name, value) pairs, for reports and the fitting tool.
    pub fn named(&self) -> impl Iterator<Item = (&'static str, f32)> + '_ {
        FEATURE_NAMES.iter().copied().zip(self.0.iter().copied())
    }
}

fn index(name: &str) -> usize {
    FEATURE_NAMES
        .iter()
        .position(|n| *n == name)
        .unwrap_or_else(|| panic!("unknown feature {name}"))
}

/// The fitted model: a bias, one weight per feature, and the threshold chosen on the
/// validation split.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The appeal model's bias.
    pub bias: f32,
    /// The appeal model's weight of each feature, in [`FEATURE_NAMES`]' order.
    pub weights: [f32; FEATURE_NAMES.len()],
    /// The score at or above which an entry is an appeal (unless the operator sets one).
    pub threshold: f32,
    /// Which kinds an appeal asks for: a bias per kind, weights shared by the kinds.
    pub kind_bias: [f32; ActionKind::COUNT],
    /// The kind model's weight of each kind feature, in [`KIND_FEATURE_NAMES`]' order.
    pub kind_weights: [f32; KIND_FEATURE_NAMES.len()],
    /// The kind score at or above which an appeal asks for a kind.
    pub kind_threshold: f32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    threshold: f32,
    bias: f32,
    weights: std::collections::BTreeMap<String, f32>,
    #[serde(default)]
    provenance: Option<toml::Value>,
    kinds: RawKinds,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKinds {
    threshold: f32,
    bias: std::collections::BTreeMap<String, f32>,
    weights: std::collections::BTreeMap<String, f32>,
}

/// Values for every name of `names` (a table `what` of `noun`s), refusing unknown and
/// missing names.
fn named_values<const N: usize>(
    what: &str,
    noun: &str,
    names: &[&str; N],
    map: &std::collections::BTreeMap<String, f32>,
) -> Result<[f32; N], String> {
    let mut out = [0.0; N];
    for (name, w) in map {
        let i = names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| format!("{what}: unknown {noun} {name:?}"))?;
        if !w.is_finite() {
            return Err(format!("{what}.{name} is not a number"));
        }
        out[i] = *w;
    }
    if let Some(missing) = names.iter().find(|n| !map.contains_key(**n)) {
        return Err(format!("{what}: no weight for {noun} {missing:?}"));
    }
    Ok(out)
}

fn logistic(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// The built-in weights.
pub(crate) const BUILTIN: &str = include_str!("weights.toml");

impl Model {
    /// Reads a weights file; every feature needs a weight and every weight a feature.
    pub fn parse(text: &str) -> Result<Model, String> {
        let raw: RawModel = toml::from_str(text).map_err(|e| e.to_string())?;
        let _ = raw.provenance;
        let weights = named_values("weights", "feature", &FEATURE_NAMES, &raw.weights)?;
        if !(0.0..=1.0).contains(&raw.threshold) || !raw.bias.is_finite() {
            return Err("threshold must be in [0, 1] and bias a number".into());
        }
        let kind_names = super::ActionKind::ALL.map(super::ActionKind::as_str);
        let kind_bias = named_values("kinds.bias", "kind", &kind_names, &raw.kinds.bias)?;
        let kind_weights = named_values(
            "kinds.weights",
            "feature",
            &KIND_FEATURE_NAMES,
            &raw.kinds.weights,
        )?;
        if !(0.0..=1.0).contains(&raw.kinds.threshold) {
            return Err("kinds.threshold must be in [0, 1]".into());
        }
        Ok(Model {
            bias: raw.bias,
            weights,
            threshold: raw.threshold,
            kind_bias,
            kind_weights,
            kind_threshold: raw.kinds.threshold,
        })
    }

    /// The probability-like score in [0, 1].
    pub fn score(&self, f: &Features) -> f32 {
        let z: f32 = self.bias
            + self
                .weights
                .iter()
                .zip(f.0.iter())
                .map(|(w, x)| w * x)
                .sum::<f32>();
        logistic(z)
    }

    /// The probability that an appeal asks for kind `k` (index `ActionKind as usize`).
    pub fn kind_score(&self, f: &Features, k: usize) -> f32 {
        let z: f32 = self.kind_bias[k]
            + self
                .kind_weights
                .iter()
                .zip(f.1[k].iter())
                .map(|(w, x)| w * x)
                .sum::<f32>();
        logistic(z)
    }

    /// The features that moved the score most for this entry, strongest first.
    pub(crate) fn strongest(&self, f: &Features, n: usize) -> Vec<(&'static str, f32)> {
        let mut c: Vec<(&'static str, f32)> = FEATURE_NAMES
            .iter()
            .copied()
            .zip(self.weights.iter().zip(f.0.iter()).map(|(w, x)| w * x))
            .filter(|(_, c)| c.abs() >= 0.05)
            .collect();
        c.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        c.truncate(n);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_weights_name_every_feature() {
        let m = Model::parse(BUILTIN).expect("built-in weights parse");
        assert!(m.threshold > 0.0 && m.threshold < 1.0);
    }

    #[test]
    fn a_weights_file_missing_a_feature_is_refused() {
        let kinds = "[kinds]\nthreshold = 0.5\nbias = {}\nweights = {}\n";
        let text = format!("threshold = 0.5\nbias = 0.0\n{kinds}[weights]\nreader = 1.0\n");
        let err = Model::parse(&text).expect_err("incomplete weights");
        assert!(err.contains("no weight for feature"), "{err}");
        let text = format!("threshold = 0.5\nbias = 0.0\n{kinds}[weights]\nwhatever = 1.0\n");
        let err = Model::parse(&text).expect_err("unknown");
        assert!(err.contains("unknown feature"), "{err}");
        let builtin = BUILTIN.replace("boycott = ", "boykott = ");
        let err = Model::parse(&builtin).expect_err("unknown kind");
        assert!(err.contains("kinds.bias"), "{err}");
    }

    #[test]
    fn score_is_the_logistic_of_the_weighted_sum() {
        let mut m = Model::parse(BUILTIN).expect("weights");
        m.bias = -1.0;
        m.weights = [0.0; FEATURE_NAMES.len()];
        m.weights[0] = 2.0;
        let mut f = Features::default();
        f.set("reader", 1.0);
        assert!((m.score(&f) - 1.0 / (1.0 + (-1.0f32).exp())).abs() < 1e-6);
    }
}
