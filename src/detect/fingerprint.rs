//! Near-duplicate hashing: a 64-bit SimHash over word 3-shingles of the normalised text,
//! with a fixed hash (FNV-1a) so fingerprints stay stable across versions and can be stored.
//!
//! Pure arithmetic; the caller chooses which text goes in (boilerplate already removed).

/// FNV-1a, 64 bit.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A final mix so that similar shingles do not give similar hashes.
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Accumulates words, then yields the SimHash.
#[derive(Debug)]
pub(crate) struct SimHasher {
    counts: [i32; 64],
    window: [u64; 3],
    words: usize,
}

impl Default for SimHasher {
    fn default() -> Self {
        SimHasher {
            counts: [0; 64],
            window: [0; 3],
            words: 0,
        }
    }
}

impl SimHasher {
    /// Adds the words of an already normalised (folded) text.
    pub(crate) fn add_text(&mut self, folded: &str) {
        for w in folded.split(|c: char| !c.is_alphanumeric()) {
            if w.is_empty() {
                continue;
            }
            self.window = [self.window[1], self.window[2], fnv1a(w.as_bytes())];
            self.words += 1;
            if self.words >= 3 {
                let h = mix(
                    self.window[0]
                        ^ self.window[1].rotate_left(21)
                        ^ self.window[2].rotate_left(42),
                );
                for (bit, c) in self.counts.iter_mut().enumerate() {
                    if h >> bit & 1 == 1 {
                        *c += 1;
                    } else {
                        *c -= 1;
                    }
                }
            }
        }
    }

    /// The hash; 0 when there were fewer than 8 words (too little text to compare).
    pub(crate) fn finish(&self) -> u64 {
        if self.words < 8 {
            return 0;
        }
        let mut h = 0u64;
        for (bit, &c) in self.counts.iter().enumerate() {
            if c > 0 {
                h |= 1 << bit;
            }
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(s: &str) -> u64 {
        let mut h = SimHasher::default();
        h.add_text(&super::super::text::fold(s));
        h.finish()
    }

    fn check(a: &str, b: &str, max_distance: u32, min_distance: u32) {
        let d = (hash(a) ^ hash(b)).count_ones();
        assert!(
            d <= max_distance && d >= min_distance,
            "distance {d} not in {min_distance}..={max_distance}"
        );
    }

    const STATEMENT: &str = "We, the undersigned organisations, call on the Security Council to \
        secure safe passage for the civilians trapped in eastern Aleppo, to guarantee the safety \
        of humanitarian workers and to allow immediate access for medical evacuations. The \
        bombardment of hospitals must stop now, and those responsible must be held accountable.";

    #[test]
    fn near_duplicates_are_close_and_others_far() {
        let cross_post = STATEMENT.replace("The \n        bombardment", "The bombardment") + " Published by Partner B.";
        check(STATEMENT, &cross_post, 8, 0);
        check(STATEMENT, &STATEMENT.to_uppercase(), 0, 0);
        check(
            STATEMENT,
            "Our annual report on education programmes in Gaziantep is out: read about the \
             schools we supported, the teachers we trained and the children who returned to class.",
            64,
            12,
        );
        assert_eq!(hash("too short"), 0);
    }
}
