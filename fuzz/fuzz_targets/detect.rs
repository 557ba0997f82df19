//! Fuzz target: parse arbitrary bytes, then run appeal detection on every entry. The
//! verdict must keep its contract whatever the feed said: a score in [0, 1] that agrees
//! with `is_appeal`, a summary of at most 600 characters, hashtags that start with `#`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use solibot::detect::{DetectOptions, Detector};
use std::sync::OnceLock;

fn detector() -> &'static Detector {
    static DETECTOR: OnceLock<Detector> = OnceLock::new();
    DETECTOR
        .get_or_init(|| Detector::new(&DetectOptions::default()).expect("the built-in cues load"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(feed) = solibot::feeds::parse::parse(data, Some("https://partner.example/feed")) else {
        return;
    };
    let detector = detector();
    let ctx = detector.feed_context(&feed.entries);
    for entry in &feed.entries {
        let v = detector.detect(entry, &ctx, &["#Solidarity".to_string()]);
        assert!((0.0..=1.0).contains(&v.score), "score {}", v.score);
        assert_eq!(v.is_appeal, v.score >= detector.threshold());
        assert!(
            v.summary.chars().count() <= 600,
            "summary of {} chars",
            v.summary.chars().count()
        );
        assert!(
            v.hashtags.iter().all(|h| h.starts_with('#')),
            "{:?}",
            v.hashtags
        );
    }
});
