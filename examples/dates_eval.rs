//! Scores a dates set (`*.jsonl`, the format of `tests/fixtures/dates/`) given on the
//! command line and lists its misses: for working on the extractor against sets other
//! than the blind one, which it refuses to read.
//!
//! `cargo run --example dates_eval -- tests/fixtures/dates/dev.jsonl`

use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
struct Labelled {
    lang: String,
    published: String,
    tz: String,
    title: String,
    text: String,
    when: Option<String>,
    deadline: Option<String>,
}

fn day(found: Option<solibot::dates::Found>) -> Option<String> {
    found.map(|f| f.at.format("%Y-%m-%d").to_string())
}

fn score(path: &str) -> Result<(), String> {
    if path.ends_with("blind.jsonl") {
        return Err(format!("{path}: the blind set is not read here"));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut per_lang: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let e: Labelled =
            serde_json::from_str(line).map_err(|err| format!("{path}:{}: {err}", n + 1))?;
        let published = DateTime::parse_from_rfc3339(&e.published)
            .map_err(|err| format!("{path}:{}: published: {err}", n + 1))?
            .with_timezone(&Utc);
        let tz: chrono_tz::Tz =
            e.tz.parse()
                .map_err(|_| format!("{path}:{}: time zone `{}`", n + 1, e.tz))?;
        let d =
            solibot::dates::extract(&format!("{}\n{}", e.title, e.text), &e.lang, published, tz);
        let (when, deadline) = (day(d.when), day(d.deadline));
        let ok = when == e.when && deadline == e.deadline;
        let slot = per_lang.entry(e.lang.clone()).or_default();
        slot.1 += 1;
        if ok {
            slot.0 += 1;
        } else {
            println!(
                "miss line {} [{}] {}: when {:?} (want {:?}), deadline {:?} (want {:?})",
                n + 1,
                e.lang,
                e.title,
                when,
                e.when,
                deadline,
                e.deadline
            );
        }
    }
    let right: usize = per_lang.values().map(|v| v.0).sum();
    let total: usize = per_lang.values().map(|v| v.1).sum();
    println!(
        "{path}: {right}/{total} = {:.3}",
        right as f64 / total.max(1) as f64
    );
    for (lang, (r, n)) in &per_lang {
        println!("  {lang}: {r}/{n} = {:.3}", *r as f64 / *n as f64);
    }
    Ok(())
}

fn main() {
    let mut failed = false;
    for path in std::env::args().skip(1) {
        if let Err(e) = score(&path) {
            eprintln!("error: {e}");
            failed = true;
        }
    }
    if failed {
        std::process::exit(1);
    }
}
