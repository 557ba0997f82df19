//! Fuzz target: `feeds::parse::parse` on arbitrary bytes must return (a feed or a
//! "not a feed" error) without panicking, hanging or overflowing the stack, and every
//! entry it returns must have a non-empty stable id.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for base in [None, Some("https://partner.example/feed.xml")] {
        if let Ok(feed) = solibot::feeds::parse::parse(data, base) {
            for entry in &feed.entries {
                assert!(!entry.id.is_empty(), "an entry without a stable id");
                assert_eq!(entry.id, solibot::feeds::parse::stable_id(entry));
            }
        }
    }
});
