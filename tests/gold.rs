//! The appeal detector against the hand-labelled gold set in `tests/fixtures/gold/`.
//!
//! Each split (`tune`, `heldout`) holds feed files and `labels*.jsonl` files (one JSON
//! object per entry: file, link, lang, appeal, kinds, urls, hashtags, case). Every feed is
//! parsed with `feeds::parse`, its template learned with `feed_context`, and every entry
//! detected. The test prints precision, recall and F1 (overall and per language),
//! action-kind micro-F1, action-URL recall and, for the tune split, the misclassified
//! entries; it fails below the floors, or when an entry and its labels do not match up.
//!
//! `cargo test --test gold -- --nocapture` shows the figures. Tune on `tune` only
//! (`cargo test --test gold tune -- --nocapture`); `heldout` is for the final check.
//! `GOLD_DEBUG=<part of a link>` also prints the full verdict of the matching entries.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use solibot::detect::{DetectOptions, Detector, FeedContext, canonical_url};
use solibot::feeds::parse::parse;

const FLOOR_F1: f64 = 0.90;
const FLOOR_F1_PER_LANG: f64 = 0.85;
const FLOOR_PRECISION: f64 = 0.92;
const FLOOR_KIND_F1: f64 = 0.85;
const FLOOR_URL_RECALL: f64 = 0.90;

#[derive(Debug, Clone, serde::Deserialize)]
struct Label {
    file: String,
    link: String,
    lang: String,
    appeal: bool,
    #[serde(default)]
    kinds: Vec<String>,
    #[serde(default)]
    urls: BTreeMap<String, String>,
    #[serde(default)]
    hashtags: Vec<String>,
    #[serde(default)]
    case: String,
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    tp: u32,
    fp: u32,
    fn_: u32,
}

impl Counts {
    fn add(&mut self, expected: bool, got: bool) {
        match (expected, got) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => {}
        }
    }
    fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// A ratio that is 1.0 when there is nothing to count (no positives to miss or invent).
fn ratio(num: u32, den: u32) -> f64 {
    if den == 0 {
        1.0
    } else {
        f64::from(num) / f64::from(den)
    }
}

fn split_dir(split: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gold")
        .join(split)
}

fn load_labels(dir: &Path) -> Vec<Label> {
    let mut labels = Vec::new();
    let mut names: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("labels") && n.ends_with(".jsonl"))
        })
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no labels*.jsonl in {}", dir.display());
    for path in names {
        let text = fs::read_to_string(&path).expect("labels file is UTF-8");
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let label: Label = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: bad label: {e}", path.display(), n + 1));
            labels.push(label);
        }
    }
    labels
}

struct Report {
    overall: Counts,
    per_lang: BTreeMap<String, Counts>,
    kinds: Counts,
    url_found: u32,
    url_total: u32,
    lang_right: u32,
    hashtags_right: u32,
    entries: u32,
    misclassified: Vec<String>,
    kind_errors: Vec<String>,
    url_misses: Vec<String>,
    problems: Vec<String>,
    per_case: BTreeMap<String, (u32, u32)>,
    /// The verdicts with `FeedContext::default()` (each entry alone, no template learned).
    lone: Counts,
    lone_errors: Vec<String>,
    /// Scores of entries labelled appeal and not.
    appeal_scores: Vec<f32>,
    other_scores: Vec<f32>,
}

impl Counts {
    fn merge(&mut self, o: Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
}

impl Report {
    fn merge(&mut self, o: Report) {
        self.overall.merge(o.overall);
        for (lang, c) in o.per_lang {
            self.per_lang.entry(lang).or_default().merge(c);
        }
        self.kinds.merge(o.kinds);
        self.url_found += o.url_found;
        self.url_total += o.url_total;
        self.lang_right += o.lang_right;
        self.hashtags_right += o.hashtags_right;
        self.entries += o.entries;
        self.misclassified.extend(o.misclassified);
        self.kind_errors.extend(o.kind_errors);
        self.url_misses.extend(o.url_misses);
        self.problems.extend(o.problems);
        for (case, (a, b)) in o.per_case {
            let e = self.per_case.entry(case).or_default();
            e.0 += a;
            e.1 += b;
        }
        self.lone.merge(o.lone);
        self.lone_errors.extend(o.lone_errors);
        self.appeal_scores.extend(o.appeal_scores);
        self.other_scores.extend(o.other_scores);
    }
}

/// A split by name, or `all` for the whole gold set (tune and held-out together).
fn run_split(split: &str) -> Report {
    if split == "all" {
        let mut r = run_dir("tune");
        r.merge(run_dir("heldout"));
        return r;
    }
    run_dir(split)
}

fn run_dir(split: &str) -> Report {
    let dir = split_dir(split);
    let labels = load_labels(&dir);
    let mut by_key: HashMap<(String, String), Label> = HashMap::new();
    let mut problems = Vec::new();
    for l in labels {
        let key = (l.file.clone(), l.link.clone());
        if by_key.insert(key, l.clone()).is_some() {
            problems.push(format!("duplicate label {} {}", l.file, l.link));
        }
    }
    let detector = Detector::new(&DetectOptions::default()).expect("built-in cues compile");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("split dir")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("labels") || n.starts_with('.'))
        })
        .collect();
    files.sort();
    let mut report = Report {
        overall: Counts::default(),
        per_lang: BTreeMap::new(),
        kinds: Counts::default(),
        url_found: 0,
        url_total: 0,
        lang_right: 0,
        hashtags_right: 0,
        entries: 0,
        misclassified: Vec::new(),
        kind_errors: Vec::new(),
        url_misses: Vec::new(),
        problems,
        per_case: BTreeMap::new(),
        appeal_scores: Vec::new(),
        other_scores: Vec::new(),
        lone: Counts::default(),
        lone_errors: Vec::new(),
    };
    let mut used: BTreeSet<(String, String)> = BTreeSet::new();
    for path in &files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("file name")
            .to_string();
        let bytes = fs::read(path).expect("readable feed file");
        let feed = match parse(&bytes, None) {
            Ok(f) => f,
            Err(e) => {
                report.problems.push(format!("{name}: {e}"));
                continue;
            }
        };
        let ctx: FeedContext = detector.feed_context(&feed.entries);
        for entry in &feed.entries {
            let link = entry.link.clone().unwrap_or_default();
            let key = (name.clone(), link.clone());
            let Some(label) = by_key.get(&key) else {
                report.problems.push(format!(
                    "{name}: entry {link:?} ({}) has no label",
                    entry.title
                ));
                continue;
            };
            used.insert(key);
            let v = detector.detect(entry, &ctx, &[]);
            if let Ok(pat) = std::env::var("GOLD_DEBUG")
                && !pat.is_empty()
                && link.contains(&pat)
            {
                println!(
                    "--- {name} {link}\n    label: appeal={} kinds={:?} urls={:?} tags={:?}\n    got: appeal={} score={:.3} lang={} tags={:?}\n    actions: {:?}\n    reasons: {:?}\n    summary: {}",
                    label.appeal,
                    label.kinds,
                    label.urls,
                    label.hashtags,
                    v.is_appeal,
                    v.score,
                    v.lang,
                    v.hashtags,
                    v.actions,
                    v.reasons,
                    v.summary
                );
            }
            report.entries += 1;
            let lone = detector.detect(entry, &FeedContext::default(), &[]);
            report.lone.add(label.appeal, lone.is_appeal);
            if lone.is_appeal != label.appeal {
                report.lone_errors.push(format!(
                    "{name} {link} [{}] expected {} score {:.3} | {}",
                    label.case,
                    label.appeal,
                    lone.score,
                    lone.reasons.join("; ")
                ));
            }
            if label.appeal {
                report.appeal_scores.push(v.score);
            } else {
                report.other_scores.push(v.score);
            }
            report.overall.add(label.appeal, v.is_appeal);
            report
                .per_lang
                .entry(label.lang.clone())
                .or_default()
                .add(label.appeal, v.is_appeal);
            let case = report.per_case.entry(label.case.clone()).or_insert((0, 0));
            case.1 += 1;
            if label.appeal == v.is_appeal {
                case.0 += 1;
            }
            if v.lang == label.lang {
                report.lang_right += 1;
            }
            let tags_expected: Vec<String> =
                label.hashtags.iter().map(|t| t.to_lowercase()).collect();
            let tags_got: Vec<String> = v.hashtags.iter().map(|t| t.to_lowercase()).collect();
            if tags_expected == tags_got {
                report.hashtags_right += 1;
            }
            if label.appeal != v.is_appeal {
                report.misclassified.push(format!(
                    "{name} {link} [{}] expected {} got {} score {:.3} | {}",
                    label.case,
                    label.appeal,
                    v.is_appeal,
                    v.score,
                    v.reasons.join("; ")
                ));
            }
            if label.appeal {
                let expected: BTreeSet<&str> = label.kinds.iter().map(String::as_str).collect();
                let got: BTreeSet<&str> = v.actions.iter().map(|a| a.kind.as_str()).collect();
                for k in &expected {
                    if got.contains(k) {
                        report.kinds.tp += 1;
                    } else {
                        report.kinds.fn_ += 1;
                    }
                }
                for k in &got {
                    if !expected.contains(k) {
                        report.kinds.fp += 1;
                    }
                }
                if expected != got {
                    report
                        .kind_errors
                        .push(format!("{name} {link}: expected {expected:?} got {got:?}"));
                }
                for (kind, url) in &label.urls {
                    report.url_total += 1;
                    let want = canonical_url(url);
                    let found = v.actions.iter().find(|a| a.kind.as_str() == kind);
                    let ok = found
                        .and_then(|a| a.url.as_deref())
                        .is_some_and(|u| canonical_url(u) == want);
                    if ok {
                        report.url_found += 1;
                    } else {
                        report.url_misses.push(format!(
                            "{name} {link}: {kind} expected {url} got {:?}",
                            found.and_then(|a| a.url.clone())
                        ));
                    }
                }
            }
        }
    }
    for key in by_key.keys() {
        if !used.contains(key) {
            report
                .problems
                .push(format!("label for {} {} matches no entry", key.0, key.1));
        }
    }
    report
}

fn print_and_check(split: &str, r: &Report, show_errors: bool) -> Vec<String> {
    println!("\n== gold split `{split}`: {} entries ==", r.entries);
    println!(
        "{:<8} {:>5} {:>5} {:>5} {:>9} {:>7} {:>6}",
        "lang", "tp", "fp", "fn", "precision", "recall", "F1"
    );
    let row = |name: &str, c: &Counts| {
        println!(
            "{:<8} {:>5} {:>5} {:>5} {:>9.3} {:>7.3} {:>6.3}",
            name,
            c.tp,
            c.fp,
            c.fn_,
            c.precision(),
            c.recall(),
            c.f1()
        );
    };
    row("all", &r.overall);
    for (lang, c) in &r.per_lang {
        row(lang, c);
    }
    let url_recall = ratio(r.url_found, r.url_total);
    println!(
        "action kinds (appeals): micro-P {:.3} micro-R {:.3} micro-F1 {:.3}",
        r.kinds.precision(),
        r.kinds.recall(),
        r.kinds.f1()
    );
    println!(
        "action URLs: recall {:.3} ({}/{})",
        url_recall, r.url_found, r.url_total
    );
    println!(
        "lone entries (no feed template): precision {:.3} recall {:.3} F1 {:.3}",
        r.lone.precision(),
        r.lone.recall(),
        r.lone.f1()
    );
    println!(
        "language id: {:.3}; hashtags exact: {:.3}",
        ratio(r.lang_right, r.entries),
        ratio(r.hashtags_right, r.entries)
    );
    println!(
        "accuracy by case: {}",
        r.per_case
            .iter()
            .map(|(c, (ok, n))| format!("{c} {ok}/{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let lowest_appeal = r
        .appeal_scores
        .iter()
        .copied()
        .fold(f32::INFINITY, f32::min);
    let highest_other = r
        .other_scores
        .iter()
        .copied()
        .fold(f32::NEG_INFINITY, f32::max);
    println!(
        "scores: lowest appeal {lowest_appeal:.3}, highest non-appeal {highest_other:.3} \
         (threshold {:.2})",
        solibot::detect::DEFAULT_THRESHOLD
    );
    if show_errors {
        if !r.misclassified.is_empty() {
            println!("misclassified:");
            for m in &r.misclassified {
                println!("  {m}");
            }
        }
        if !r.lone_errors.is_empty() {
            println!("misclassified as lone entries (informational):");
            for m in &r.lone_errors {
                println!("  {m}");
            }
        }
        if !r.kind_errors.is_empty() {
            println!("action-kind differences:");
            for m in &r.kind_errors {
                println!("  {m}");
            }
        }
        if !r.url_misses.is_empty() {
            println!("action-URL misses:");
            for m in &r.url_misses {
                println!("  {m}");
            }
        }
    }
    let mut failures: Vec<String> = r.problems.clone();
    if r.entries == 0 {
        failures.push("no entries".into());
    }
    if r.overall.f1() < FLOOR_F1 {
        failures.push(format!("F1 {:.3} < {FLOOR_F1}", r.overall.f1()));
    }
    if r.overall.precision() < FLOOR_PRECISION {
        failures.push(format!(
            "precision {:.3} < {FLOOR_PRECISION}",
            r.overall.precision()
        ));
    }
    for (lang, c) in &r.per_lang {
        if c.tp + c.fp + c.fn_ > 0 && c.f1() < FLOOR_F1_PER_LANG {
            failures.push(format!("{lang} F1 {:.3} < {FLOOR_F1_PER_LANG}", c.f1()));
        }
    }
    if r.kinds.f1() < FLOOR_KIND_F1 {
        failures.push(format!(
            "action-kind micro-F1 {:.3} < {FLOOR_KIND_F1}",
            r.kinds.f1()
        ));
    }
    if url_recall < FLOOR_URL_RECALL {
        failures.push(format!(
            "action-URL recall {url_recall:.3} < {FLOOR_URL_RECALL}"
        ));
    }
    failures
}

#[test]
fn tune_split_meets_the_floors() {
    let r = run_split("tune");
    let failures = print_and_check("tune", &r, true);
    assert!(failures.is_empty(), "tune split: {}", failures.join("; "));
}

/// The floors hold over the whole gold set. The held-out part is never tuned on: its
/// figures are printed on their own (with any floor it misses) so that the gap between
/// the parts stays visible, but only the tune part and the whole set gate the test.
#[test]
fn whole_gold_set_meets_the_floors_and_heldout_is_reported() {
    let heldout = run_split("heldout");
    let missed = print_and_check("heldout", &heldout, false);
    if missed.is_empty() {
        println!("held-out part: meets every floor");
    } else {
        println!("held-out part, on its own, misses: {}", missed.join("; "));
    }
    let all = run_split("all");
    let failures = print_and_check("all", &all, false);
    assert!(
        failures.is_empty(),
        "whole gold set: {}",
        failures.join("; ")
    );
}
