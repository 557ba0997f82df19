//! The hand-labelled gold set, read for the detector's tools: the gold test
//! (`tests/gold.rs`) and the weight fitting (`examples/fit_weights.rs`).
//!
//! Owns the label format and the reading of one split (a folder of feed files and
//! `labels*.jsonl` files, one JSON object per entry: file, link, lang, appeal, kinds, urls,
//! hashtags, case). Reads files; detects nothing itself: callers run the detector on the
//! entries it returns, each with its feed's template and publisher. Also turns a line of
//! `solibot feedback export` (an organizer's verdict) into a label
//! ([`label_from_feedback`]).

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use crate::detect::{Detector, FeedContext};
use crate::entry::Entry;
use crate::feeds::parse::parse;

/// One entry's label.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct Label {
    /// The feed file (in the split's folder) the entry is in.
    pub file: String,
    /// The entry's link: how the label names its entry.
    pub link: String,
    /// The entry's language (ISO 639-1).
    pub lang: String,
    /// Whether the entry is an appeal.
    pub appeal: bool,
    /// The action kinds it asks for (`sign`, `donate`, …).
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Per action kind, the link that takes the action.
    #[serde(default)]
    pub urls: BTreeMap<String, String>,
    /// The hashtags its alert should carry.
    #[serde(default)]
    pub hashtags: Vec<String>,
    /// What sort of entry it is (`urgent-action`, `third-person-demand`, `feedback`, …), for
    /// reading errors by case.
    #[serde(default)]
    pub case: String,
}

/// One feed file of a split, parsed, with its template learned and its labels.
pub struct GoldFeed {
    /// The feed file's name in the split's folder.
    pub file: String,
    /// The feed's title: the publisher its template and voice were learned with.
    pub publisher: String,
    /// What the detector needs of the feed: its template and publisher's names.
    pub ctx: FeedContext,
    /// The feed's entries with their labels, in feed order.
    pub entries: Vec<(Entry, Label)>,
}

/// A split read from disk, and what did not match up (unlabelled entries, labels without
/// an entry, duplicate labels, files that do not parse).
pub struct Split {
    /// The split's feeds, in file-name order.
    pub feeds: Vec<GoldFeed>,
    /// What did not match up, one line each.
    pub problems: Vec<String>,
}

impl Split {
    /// How many labelled entries the split has.
    pub fn len(&self) -> usize {
        self.feeds.iter().map(|f| f.entries.len()).sum()
    }

    /// Whether the split has no labelled entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The folder of a split under `tests/fixtures/gold/` of the crate.
pub fn split_dir(root: &Path, split: &str) -> PathBuf {
    root.join("tests/fixtures/gold").join(split)
}

/// The feed files of a folder (everything but labels, README, hash lists and dot files),
/// sorted by name.
pub fn feed_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    (n.ends_with(".xml") || n.ends_with(".json")) && !n.starts_with('.')
                })
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Every label of a folder's `labels*.jsonl` files.
pub fn load_labels(dir: &Path) -> Result<Vec<Label>, String> {
    let mut names: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("labels") && n.ends_with(".jsonl"))
        })
        .collect();
    names.sort();
    let mut labels = Vec::new();
    for path in names {
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let label: Label = serde_json::from_str(line)
                .map_err(|e| format!("{}:{}: bad label: {e}", path.display(), n + 1))?;
            labels.push(label);
        }
    }
    Ok(labels)
}

/// Reads a split: parses each feed, learns its template with the feed's title as the
/// publisher, and pairs every entry with its label.
pub fn load_split(detector: &Detector, dir: &Path) -> Result<Split, String> {
    let mut by_key: HashMap<(String, String), Label> = HashMap::new();
    let mut problems = Vec::new();
    for l in load_labels(dir)? {
        let key = (l.file.clone(), l.link.clone());
        if by_key.insert(key, l.clone()).is_some() {
            problems.push(format!("duplicate label {} {}", l.file, l.link));
        }
    }
    let mut feeds = Vec::new();
    let files = feed_files(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let bytes = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let feed = match parse(&bytes, None) {
            Ok(f) => f,
            Err(e) => {
                problems.push(format!("{name}: {e}"));
                continue;
            }
        };
        let ctx = detector
            .feed_context(&feed.entries)
            .with_publisher([feed.title.as_str()]);
        let mut entries = Vec::new();
        for entry in feed.entries {
            let link = entry.link.clone().unwrap_or_default();
            match by_key.remove(&(name.clone(), link.clone())) {
                Some(label) => entries.push((entry, label)),
                None => problems.push(format!(
                    "{name}: entry {link:?} ({}) has no label",
                    entry.title
                )),
            }
        }
        feeds.push(GoldFeed {
            file: name,
            publisher: feed.title,
            ctx,
            entries,
        });
    }
    let mut left: Vec<_> = by_key.into_keys().collect();
    left.sort();
    for (file, link) in left {
        problems.push(format!("label for {file} {link} matches no entry"));
    }
    Ok(Split { feeds, problems })
}

/// The parts of a `solibot feedback export` line a label needs.
#[derive(serde::Deserialize)]
struct FeedbackLine {
    link: Option<String>,
    lang: String,
    verdict: String,
    #[serde(default)]
    actions: Vec<FeedbackAction>,
    #[serde(default)]
    hashtags: Vec<String>,
}

#[derive(serde::Deserialize)]
struct FeedbackAction {
    kind: String,
    url: Option<String>,
}

/// A line of `solibot feedback export` as the label of its entry in the feed file `file`
/// (where the feed at the line's `feed_url` was saved). The organizer's verdict is the
/// label; for an appeal the kinds, URLs and hashtags are the detector's, to be checked by
/// hand before the label joins a split; an entry that is not an appeal gets none. `case`
/// says where the label came from (`feedback`).
pub fn label_from_feedback(line: &str, file: &str) -> Result<Label, String> {
    let f: FeedbackLine =
        serde_json::from_str(line).map_err(|e| format!("not a feedback line: {e}"))?;
    let link = f
        .link
        .ok_or("the entry has no link: no label can name it")?;
    let appeal = match f.verdict.as_str() {
        "appeal" => true,
        "not_appeal" => false,
        other => return Err(format!("unknown verdict {other:?}")),
    };
    let actions = if appeal { f.actions } else { Vec::new() };
    Ok(Label {
        file: file.to_string(),
        link,
        lang: f.lang,
        appeal,
        kinds: actions.iter().map(|a| a.kind.clone()).collect(),
        urls: actions
            .into_iter()
            .filter_map(|a| Some((a.kind, a.url?)))
            .collect(),
        hashtags: if appeal { f.hashtags } else { Vec::new() },
        case: "feedback".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feedback_lines_become_labels() {
        let wrong = r##"{"id":"e1","title":"Clinic reopens","link":"https://relief.example/clinic","published":null,"lang":"en","is_appeal":true,"score":0.61,"actions":[{"kind":"donate","label":"Donate","url":"https://relief.example/give"}],"hashtags":["#Clinic"],"summary":"s","reasons":[],"verdict":"not_appeal","by":7,"at":"2026-12-01T10:00:00Z","feed_id":3,"feed":"Relief","feed_url":"https://relief.example/feed"}"##;
        let l = label_from_feedback(wrong, "en_relief.xml").unwrap();
        assert_eq!(
            (l.file.as_str(), l.link.as_str()),
            ("en_relief.xml", "https://relief.example/clinic")
        );
        assert!(!l.appeal && l.kinds.is_empty() && l.urls.is_empty() && l.hashtags.is_empty());
        assert_eq!((l.lang.as_str(), l.case.as_str()), ("en", "feedback"));

        let missed = wrong
            .replace("not_appeal", "appeal")
            .replace(r#""is_appeal":true"#, r#""is_appeal":false"#);
        let l = label_from_feedback(&missed, "en_relief.xml").unwrap();
        assert!(l.appeal);
        assert_eq!(l.kinds, ["donate"]);
        assert_eq!(
            l.urls.get("donate").map(String::as_str),
            Some("https://relief.example/give")
        );
        assert_eq!(l.hashtags, ["#Clinic"]);
        // It reads back as a label line of a split.
        let back: Label = serde_json::from_str(&serde_json::to_string(&l).unwrap()).unwrap();
        assert_eq!(back.link, l.link);

        let no_link = wrong.replace(r#""https://relief.example/clinic""#, "null");
        assert!(
            label_from_feedback(&no_link, "f.xml")
                .unwrap_err()
                .contains("no link")
        );
        let odd = wrong.replace("not_appeal", "maybe");
        assert!(
            label_from_feedback(&odd, "f.xml")
                .unwrap_err()
                .contains("maybe")
        );
        assert!(label_from_feedback("{", "f.xml").is_err());
    }
}
