//! Near-duplicate hashing: a 64-bit SimHash over word 3-shingles of the normalised text,
//! with fixed hash functions (no random seeds) so fingerprints stay stable across runs and
//! can be stored.
//!
//! Pure arithmetic; the caller chooses which text goes in (boilerplate already removed).

/// A fast `Hasher` for the detector's small maps and sets (keys come from our own parsing;
/// speed matters more than flooding resistance here).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = mix(self.0 ^ fast_hash(&[bytes]));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = mix(self.0 ^ n);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FnvBuild = std::hash::BuildHasherDefault<Fnv>;

/// A fast 64-bit hash of several byte strings (eight bytes at a time); for cache keys, not
/// for storage.
pub(crate) fn fast_hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    for p in parts {
        let mut chunks = p.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = (h ^ u64::from_le_bytes(w)).wrapping_mul(0x0100_0000_01B3_u64 | 1 << 40);
            h = h.rotate_left(29);
        }
        for &b in chunks.remainder() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3);
        }
        h = mix(h ^ p.len() as u64);
    }
    h
}

/// Hash of one word: short words in one multiplication round.
fn word_hash(w: &[u8]) -> u64 {
    if w.len() <= 8 {
        let mut buf = [0u8; 8];
        buf[..w.len()].copy_from_slice(w);
        mix(u64::from_le_bytes(buf) ^ (w.len() as u64) << 59)
    } else {
        fast_hash(&[w])
    }
}

/// A final mix so that similar shingles do not give similar hashes.
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// `SPREAD[b]` has byte `i` set to 1 when bit `i` of `b` is set: adds 8 bit counters at once.
const SPREAD: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut i = 0;
        while i < 8 {
            if b >> i & 1 == 1 {
                t[b] |= 1 << (8 * i);
            }
            i += 1;
        }
        b += 1;
    }
    t
};

/// Accumulates words, then yields the SimHash.
#[derive(Debug)]
pub(crate) struct SimHasher {
    /// How many shingles had each bit set.
    counts: [u32; 64],
    /// Byte-lane counters, flushed into `counts` before they can overflow.
    lanes: [u64; 8],
    pending: u32,
    shingles: u32,
    window: [u64; 3],
    words: usize,
}

impl Default for SimHasher {
    fn default() -> Self {
        SimHasher {
            counts: [0; 64],
            lanes: [0; 8],
            pending: 0,
            shingles: 0,
            window: [0; 3],
            words: 0,
        }
    }
}

impl SimHasher {
    /// Adds the words of an already normalised (folded) text.
    pub(crate) fn add_text(&mut self, folded: &str) {
        // Words: runs of ASCII letters and digits and of non-ASCII bytes (letters of other
        // scripts; a stray non-ASCII punctuation mark only joins two words).
        let word_byte = |b: u8| b.is_ascii_alphanumeric() || b >= 0x80;
        for w in folded.as_bytes().split(|&b| !word_byte(b)) {
            if w.is_empty() {
                continue;
            }
            self.window = [self.window[1], self.window[2], word_hash(w)];
            self.words += 1;
            if self.words >= 3 {
                let h = mix(self.window[0]
                    ^ self.window[1].rotate_left(21)
                    ^ self.window[2].rotate_left(42));
                for (i, lane) in self.lanes.iter_mut().enumerate() {
                    *lane += SPREAD[(h >> (8 * i)) as usize & 0xFF];
                }
                self.shingles += 1;
                self.pending += 1;
                if self.pending == 255 {
                    self.flush();
                }
            }
        }
    }

    fn flush(&mut self) {
        for (i, lane) in self.lanes.iter_mut().enumerate() {
            for j in 0..8 {
                self.counts[8 * i + j] += ((*lane >> (8 * j)) & 0xFF) as u32;
            }
            *lane = 0;
        }
        self.pending = 0;
    }

    /// The hash; 0 when there were fewer than 8 words (too little text to compare).
    pub(crate) fn finish(&mut self) -> u64 {
        if self.words < 8 {
            return 0;
        }
        self.flush();
        let mut h = 0u64;
        for (bit, &c) in self.counts.iter().enumerate() {
            // Set when more than half of the shingles had the bit.
            if c * 2 > self.shingles {
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
        let cross_post = STATEMENT.replace("The \n        bombardment", "The bombardment")
            + " Published by Partner B.";
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
