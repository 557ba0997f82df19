//! Fits the detector's linear model on the gold set and writes `src/detect/weights.toml`.
//!
//! `cargo run --release --example fit_weights` — reproducible: no randomness, fixed
//! iterations. Logistic regression with an L2 penalty is fitted on the `train` split's
//! features; the threshold is the one with the best F1 on the `validation` split among
//! those with precision at least 0.93 (see `choose_threshold`). The `blind` split
//! is never read. The file records the command, the date and a SHA-256 of the train and
//! validation files.

use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};
use solibot::detect::{
    ActionKind, DetectOptions, Detector, FEATURE_NAMES, Features, KIND_FEATURE_NAMES,
};
use solibot::gold;

const L2: f64 = 0.002;
const ITERATIONS: usize = 20000;
const STEP: f64 = 0.5;
const MIN_PRECISION: f64 = 0.93;
const F1_TOLERANCE: f64 = 0.005;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let detector = Detector::new(&DetectOptions::default()).expect("detector builds");
    let (train, train_kinds) = examples(&detector, root, "train");
    let (validation, validation_kinds) = examples(&detector, root, "validation");
    let (bias, weights) = fit(&train);
    let kinds = fit_kinds(&train_kinds, &validation_kinds);
    let scores: Vec<(f64, bool)> = validation
        .iter()
        .map(|(f, y)| (score(bias, &weights, f), *y))
        .collect();
    let (threshold, p, r) = choose_threshold(&scores);
    let train_scores: Vec<(f64, bool)> = train
        .iter()
        .map(|(f, y)| (score(bias, &weights, f), *y))
        .collect();
    let (tp_, tr_) = precision_recall(&train_scores, threshold);
    println!(
        "train: {} entries, P {tp_:.3} R {tr_:.3}; validation: {} entries, P {p:.3} R {r:.3} at threshold {threshold:.3}",
        train.len(),
        validation.len()
    );
    let text = weights_file(bias, &weights, threshold, &kinds, &data_hash(root));
    let out = root.join("src/detect/weights.toml");
    std::fs::write(&out, text).expect("write weights.toml");
    println!("wrote {}", out.display());
}

/// One kind of one labelled appeal: the kind's index, its features, and whether the label
/// names it.
type KindExample = (usize, Vec<f64>, bool);

/// (features, is an appeal) for every entry of a split, and the kind examples of its
/// appeals.
fn examples(
    detector: &Detector,
    root: &Path,
    split: &str,
) -> (Vec<(Vec<f64>, bool)>, Vec<KindExample>) {
    let loaded = gold::load_split(detector, &gold::split_dir(root, split))
        .unwrap_or_else(|e| panic!("{split}: {e}"));
    assert!(
        loaded.problems.is_empty(),
        "{split}: {}",
        loaded.problems.join("; ")
    );
    let mut out = Vec::with_capacity(loaded.len());
    let mut kinds = Vec::new();
    for feed in &loaded.feeds {
        for (entry, label) in &feed.entries {
            let (_, f): (_, Features) = detector.explain(entry, &feed.ctx, &[]);
            out.push((f.0.iter().map(|&x| f64::from(x)).collect(), label.appeal));
            if !label.appeal {
                continue;
            }
            for k in ActionKind::ALL {
                let x = f.1[k as usize].iter().map(|&v| f64::from(v)).collect();
                let named = label.kinds.iter().any(|n| n == k.as_str());
                kinds.push((k as usize, x, named));
            }
        }
    }
    (out, kinds)
}

/// The kind model: a bias per kind and shared weights, fitted like the appeal model on the
/// train split's appeals; the threshold with the best micro-F1 on validation's appeals.
struct KindModel {
    bias: Vec<f64>,
    weights: Vec<f64>,
    threshold: f64,
}

fn fit_kinds(train: &[KindExample], validation: &[KindExample]) -> KindModel {
    // One-hot kind columns first, then the shared features; a kind's bias is the
    // intercept plus its column's weight.
    let expand = |(k, x, y): &KindExample| {
        let mut v = vec![0.0; 7];
        v[*k] = 1.0;
        v.extend_from_slice(x);
        (v, *y)
    };
    let data: Vec<(Vec<f64>, bool)> = train.iter().map(expand).collect();
    let (b, w) = fit(&data);
    let bias: Vec<f64> = w[..7].iter().map(|wk| b + wk).collect();
    let weights = w[7..].to_vec();
    let probs: Vec<(f64, bool)> = validation
        .iter()
        .map(|(k, x, y)| (score(bias[*k], &weights, x), *y))
        .collect();
    let mut best = (0.5, -1.0);
    for i in 10..=90 {
        let t = f64::from(i) / 100.0;
        let tp = probs.iter().filter(|(p, y)| *p >= t && *y).count() as f64;
        let fp = probs.iter().filter(|(p, y)| *p >= t && !*y).count() as f64;
        let fnn = probs.iter().filter(|(p, y)| *p < t && *y).count() as f64;
        let f1 = 2.0 * tp / (2.0 * tp + fp + fnn).max(1.0);
        if f1 > best.1 {
            best = (t, f1);
        }
    }
    println!(
        "kinds: {} train examples; validation micro-F1 {:.3} at threshold {:.2}",
        train.len(),
        best.1,
        best.0
    );
    KindModel {
        bias,
        weights,
        threshold: best.0,
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn score(bias: f64, w: &[f64], x: &[f64]) -> f64 {
    sigmoid(bias + w.iter().zip(x).map(|(a, b)| a * b).sum::<f64>())
}

/// Batch gradient descent on the mean log-loss plus `L2`·|w|² (the bias is not penalised).
fn fit(data: &[(Vec<f64>, bool)]) -> (f64, Vec<f64>) {
    let n = data.len() as f64;
    let dims = data.first().map_or(0, |(x, _)| x.len());
    let mut w = vec![0.0; dims];
    let mut b = 0.0;
    for _ in 0..ITERATIONS {
        let mut gw = vec![0.0; dims];
        let mut gb = 0.0;
        for (x, y) in data {
            let err = score(b, &w, x) - if *y { 1.0 } else { 0.0 };
            gb += err;
            for (g, xi) in gw.iter_mut().zip(x) {
                *g += err * xi;
            }
        }
        b -= STEP * gb / n;
        for (wi, g) in w.iter_mut().zip(&gw) {
            *wi -= STEP * (g / n + 2.0 * L2 * *wi);
        }
    }
    (b, w)
}

fn precision_recall(scores: &[(f64, bool)], t: f64) -> (f64, f64) {
    let tp = scores.iter().filter(|(s, y)| *s >= t && *y).count() as f64;
    let fp = scores.iter().filter(|(s, y)| *s >= t && !*y).count() as f64;
    let pos = scores.iter().filter(|(_, y)| *y).count() as f64;
    let p = if tp + fp == 0.0 { 1.0 } else { tp / (tp + fp) };
    let r = if pos == 0.0 { 1.0 } else { tp / pos };
    (p, r)
}

/// The threshold (on a 0.01 grid) for the validation split: among those with precision
/// ≥ 0.93 (a margin over the 0.9 the product promises), the lowest whose F1 is within `F1_TOLERANCE` of the best (a missed appeal costs
/// more than a near-tie in F1, and texts unlike the gold set score lower). Falls back to
/// the best F1 when no threshold reaches the precision.
fn choose_threshold(scores: &[(f64, bool)]) -> (f64, f64, f64) {
    let grid: Vec<(f64, f64, f64, f64)> = (5..=95)
        .map(|i| {
            let t = f64::from(i) / 100.0;
            let (p, r) = precision_recall(scores, t);
            let f1 = if p + r == 0.0 {
                0.0
            } else {
                2.0 * p * r / (p + r)
            };
            if std::env::var_os("FIT_VERBOSE").is_some() {
                println!("  threshold {t:.2}: P {p:.3} R {r:.3} F1 {f1:.3}");
            }
            (t, p, r, f1)
        })
        .collect();
    let precise: Vec<_> = grid.iter().filter(|g| g.1 >= MIN_PRECISION).collect();
    let pool: Vec<_> = if precise.is_empty() {
        grid.iter().collect()
    } else {
        precise
    };
    let best = pool.iter().map(|g| g.3).fold(0.0, f64::max);
    let (t, p, r, _) = **pool
        .iter()
        .find(|g| g.3 >= best - F1_TOLERANCE)
        .expect("a threshold");
    (t, p, r)
}

/// SHA-256 over the names and bytes of the train and validation files, in name order.
fn data_hash(root: &Path) -> String {
    let mut h = Sha256::new();
    for split in ["train", "validation"] {
        let dir = gold::split_dir(root, split);
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .expect("split dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        names.sort();
        for p in names {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            h.update(format!("{split}/{name}\n").as_bytes());
            h.update(std::fs::read(&p).expect("readable"));
        }
    }
    h.finalize().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn weights_file(bias: f64, w: &[f64], threshold: f64, kinds: &KindModel, hash: &str) -> String {
    let mut s = String::new();
    s.push_str("# The detector's linear model. Written by a tool: do not edit by hand.\n");
    s.push_str("# Refit with: cargo run --release --example fit_weights\n");
    s.push_str("# (logistic regression on the gold set's train split, threshold chosen on the\n");
    s.push_str("# validation split; the blind split is never read).\n");
    let _ = writeln!(s, "threshold = {threshold:.2}");
    let _ = writeln!(s, "bias = {bias:.4}\n");
    s.push_str("[provenance]\n");
    s.push_str("command = \"cargo run --release --example fit_weights\"\n");
    let _ = writeln!(s, "date = \"{}\"", chrono::Utc::now().format("%Y-%m-%d"));
    let _ = writeln!(s, "data_sha256 = \"{hash}\"");
    let _ = writeln!(s, "l2 = {L2}\niterations = {ITERATIONS}\n");
    s.push_str("[kinds]\n");
    let _ = writeln!(s, "threshold = {:.2}", kinds.threshold);
    let bias: Vec<String> = ActionKind::ALL
        .iter()
        .zip(&kinds.bias)
        .map(|(k, b)| format!("{} = {b:.4}", k.as_str()))
        .collect();
    let _ = writeln!(s, "bias = {{ {} }}", bias.join(", "));
    let weights: Vec<String> = KIND_FEATURE_NAMES
        .iter()
        .zip(&kinds.weights)
        .map(|(n, v)| format!("{n} = {v:.4}"))
        .collect();
    let _ = writeln!(s, "weights = {{ {} }}\n", weights.join(", "));
    s.push_str("[weights]\n");
    for (name, wi) in FEATURE_NAMES.iter().zip(w) {
        let _ = writeln!(s, "{name} = {wi:.4}");
    }
    s
}
