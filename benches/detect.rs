//! Throughput of appeal detection on one thread: `cargo bench --bench detect`.
//!
//! Measures the gold set's own entries: every feed of the train and validation splits
//! (`tests/fixtures/gold/`, read through `solibot::gold`), real partner feeds in Arabic,
//! English, French, German and Turkish with their markup as published. The blind split is
//! never read. For each feed, `feed_context` once (with the feed's title as the publisher,
//! as the gold test does), then `detect` on each of its entries; one pass covers every
//! entry once, a round is [`PASSES`] passes. Prints entries per second of wall time and of
//! this thread's CPU time, and exits with status 1 when the median round misses
//! [`TARGET_PER_CORE`] (BENCHMARKS.md, "Detection").

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use solibot::detect::{DetectOptions, Detector};
use solibot::entry::Entry;
use solibot::gold;

/// Passes over the gold entries in one measured round (about 22,000 entries).
const PASSES: usize = 20;
/// Measured rounds; the median is gated.
const ROUNDS: usize = 5;
/// Entries a second on one core that detection must sustain.
const TARGET_PER_CORE: f64 = 20_000.0;

/// One gold feed as the bench runs it: its publisher and its entries.
struct Feed {
    publisher: String,
    entries: Vec<Entry>,
}

/// The train and validation splits' feeds, or the reason they cannot be read.
fn gold_feeds(detector: &Detector) -> Result<Vec<Feed>, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut feeds = Vec::new();
    for split in ["train", "validation"] {
        let loaded = gold::load_split(detector, &gold::split_dir(root, split))?;
        if !loaded.problems.is_empty() {
            return Err(format!("{split}: {}", loaded.problems.join("; ")));
        }
        feeds.extend(loaded.feeds.into_iter().map(|f| Feed {
            publisher: f.publisher,
            entries: f.entries.into_iter().map(|(e, _)| e).collect(),
        }));
    }
    Ok(feeds)
}

/// Nanoseconds this thread has spent on a CPU (Linux), to report throughput per core even
/// when the machine is busy with other work. `None` elsewhere.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}

fn main() {
    let detector =
        Detector::new(&DetectOptions::default()).unwrap_or_else(|e| fail(&e.to_string()));
    let feeds = gold_feeds(&detector).unwrap_or_else(|e| fail(&e));
    let total: usize = feeds.iter().map(|f| f.entries.len()).sum();
    if total == 0 {
        fail("the gold splits hold no entries");
    }
    let bytes: usize = feeds
        .iter()
        .flat_map(|f| &f.entries)
        .map(|e| e.content_html.len() + e.title.len())
        .sum();
    println!(
        "detect: {} gold feeds, {total} entries ({:.1} KB average HTML), train + validation",
        feeds.len(),
        bytes as f64 / total as f64 / 1024.0
    );

    // Warm-up: one pass.
    measure(&detector, &feeds, 1);
    // Several measured rounds; the median is gated, so that one round slowed by a
    // neighbour on a shared machine neither passes nor fails the target alone.
    let mut rates = Vec::with_capacity(ROUNDS);
    let mut appeals = 0usize;
    let per_round = total * PASSES;
    for round in 1..=ROUNDS {
        let (secs, cpu_secs, found) = measure(&detector, &feeds, PASSES);
        appeals = found / PASSES;
        // Per core: CPU time where the platform reports it, else wall time.
        let per_core = per_round as f64 / cpu_secs.filter(|c| *c > 0.0).unwrap_or(secs);
        println!(
            "detect: round {round}: wall {secs:.3} s = {:.0} entries/s, {:.1} MB/s; {per_core:.0} entries/s per core",
            per_round as f64 / secs,
            (bytes * PASSES) as f64 / secs / 1e6
        );
        rates.push(per_core);
    }
    rates.sort_by(f64::total_cmp);
    let per_core = rates[ROUNDS / 2];
    println!("detect: {appeals} of {total} entries are appeals, one thread");
    println!(
        "detect: median of {ROUNDS} rounds {per_core:.0} entries/s per core, {:.1} MB/s (feed_context + detect)",
        per_core * bytes as f64 / total as f64 / 1e6
    );
    if per_core < TARGET_PER_CORE {
        eprintln!("detect: {per_core:.0} entries/s per core is below the target {TARGET_PER_CORE}");
        std::process::exit(1);
    }
    println!("detect: target {TARGET_PER_CORE} entries/s per core met");
}

/// `passes` passes over every feed: (wall seconds, CPU seconds of this thread, appeals
/// found).
fn measure(detector: &Detector, feeds: &[Feed], passes: usize) -> (f64, Option<f64>, usize) {
    let start = Instant::now();
    let cpu_start = thread_cpu_ns();
    let mut appeals = 0usize;
    for _ in 0..passes {
        for feed in feeds {
            let ctx = detector
                .feed_context(black_box(&feed.entries))
                .with_publisher([feed.publisher.as_str()]);
            for e in &feed.entries {
                let v = detector.detect(black_box(e), &ctx, &[]);
                appeals += usize::from(v.is_appeal);
                black_box(v);
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu_secs = thread_cpu_ns()
        .zip(cpu_start)
        .map(|(end, begin)| end.saturating_sub(begin) as f64 / 1e9);
    (secs, cpu_secs, appeals)
}
