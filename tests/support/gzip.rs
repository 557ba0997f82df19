//! Minimal gzip writers for the feed server: a plain encoder (stored deflate blocks, valid
//! gzip that any decoder accepts) and a "gzip bomb" (a small body that inflates to a chosen
//! size of zero bytes, built from fixed-Huffman back-references).
//!
//! Written by hand so the tests need no compression crate; both outputs are checked by
//! decoding them with reqwest in the self-tests. No IO, no state.

const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
}

static CRC_TABLE: [u32; 256] = crc_table();

/// CRC-32 (IEEE) as used by gzip.
pub fn crc32(data: &[u8]) -> u32 {
    let mut r = 0xffff_ffffu32;
    for &byte in data {
        r = CRC_TABLE[((r ^ u32::from(byte)) & 0xff) as usize] ^ (r >> 8);
    }
    r ^ 0xffff_ffff
}

/// CRC-32 of `n` zero bytes, in O(log n): the register update for one zero byte is linear
/// over GF(2), so it is raised to the n-th power by squaring.
pub fn crc32_of_zeros(n: u64) -> u32 {
    // Columns of the one-zero-byte operator.
    let step = |r: u32| CRC_TABLE[(r & 0xff) as usize] ^ (r >> 8);
    let apply = |m: &[u32; 32], v: u32| -> u32 {
        let mut out = 0;
        for (j, col) in m.iter().enumerate() {
            if v & (1 << j) != 0 {
                out ^= col;
            }
        }
        out
    };
    let mut power = [0u32; 32];
    for (j, col) in power.iter_mut().enumerate() {
        *col = step(1 << j);
    }
    let mut v = 0xffff_ffffu32;
    let mut k = n;
    while k > 0 {
        if k & 1 == 1 {
            v = apply(&power, v);
        }
        let mut squared = [0u32; 32];
        for (j, col) in squared.iter_mut().enumerate() {
            *col = apply(&power, power[j]);
        }
        power = squared;
        k >>= 1;
    }
    v ^ 0xffff_ffff
}

const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

fn trailer(out: &mut Vec<u8>, crc: u32, size: u64) {
    out.extend_from_slice(&crc.to_le_bytes());
    // ISIZE is the size modulo 2^32.
    out.extend_from_slice(&((size & 0xffff_ffff) as u32).to_le_bytes());
}

/// Gzip-encodes `data` with stored (uncompressed) deflate blocks.
pub fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 65535 * 5 + 32);
    out.extend_from_slice(&GZIP_HEADER);
    let mut chunks = data.chunks(65535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        let last = chunks.peek().is_none();
        out.push(u8::from(last));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    trailer(&mut out, crc32(data), data.len() as u64);
    out
}

struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    bits: u32,
}

impl BitWriter {
    fn put(&mut self, value: u32, n: u32) {
        self.acc |= u64::from(value) << self.bits;
        self.bits += n;
        while self.bits >= 8 {
            self.out.push((self.acc & 0xff) as u8);
            self.acc >>= 8;
            self.bits -= 8;
        }
    }

    /// Huffman codes are packed most significant bit first.
    fn put_code(&mut self, code: u32, n: u32) {
        let reversed = code.reverse_bits() >> (32 - n);
        self.put(reversed, n);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.bits > 0 {
            self.out.push((self.acc & 0xff) as u8);
        }
        self.out
    }
}

/// A gzip body that inflates to `inflated` zero bytes. About 1/160 of the inflated size.
pub fn gzip_bomb(inflated: u64) -> Vec<u8> {
    let mut w = BitWriter {
        out: Vec::with_capacity((inflated / 150) as usize + 64),
        acc: 0,
        bits: 0,
    };
    w.out.extend_from_slice(&GZIP_HEADER);
    // One final block with the fixed Huffman codes.
    w.put(1, 1);
    w.put(1, 2);
    let literal_zero = |w: &mut BitWriter| w.put_code(0x30, 8);
    if inflated > 0 {
        literal_zero(&mut w);
        let rest = inflated - 1;
        for _ in 0..rest / 258 {
            // Length 258 (symbol 285, no extra bits), distance 1 (code 0, no extra bits).
            w.put_code(0xc5, 8);
            w.put_code(0, 5);
        }
        for _ in 0..rest % 258 {
            literal_zero(&mut w);
        }
    }
    // End of block (symbol 256).
    w.put_code(0, 7);
    let mut out = w.finish();
    trailer(&mut out, crc32_of_zeros(inflated), inflated);
    out
}
