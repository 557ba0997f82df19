//! `X-Hub-Signature` of WebSub content distribution: `method=hex(HMAC(secret, body))` with
//! `sha1`, `sha256`, `sha384` or `sha512`.
//!
//! Owns the check and nothing else: pure, no IO. Must not compare in variable time (the
//! MAC comparison is hmac's `verify_slice`, constant-time).

use hmac::{Hmac, Mac};

/// The header a hub signs content in.
pub const HEADER: &str = "x-hub-signature";

/// Whether `header` (`sha256=…`) is the HMAC of `body` under `secret`. An unknown
/// method, bad hex or a wrong MAC is `false`.
pub fn verify(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some((method, hex)) = header.trim().split_once('=') else {
        return false;
    };
    let Some(mac) = decode_hex(hex.trim()) else {
        return false;
    };
    match method.trim().to_ascii_lowercase().as_str() {
        "sha1" => check::<Hmac<sha1::Sha1>>(secret, body, &mac),
        "sha256" => check::<Hmac<sha2::Sha256>>(secret, body, &mac),
        "sha384" => check::<Hmac<sha2::Sha384>>(secret, body, &mac),
        "sha512" => check::<Hmac<sha2::Sha512>>(secret, body, &mac),
        _ => false,
    }
}

fn check<M: Mac + hmac::digest::KeyInit>(secret: &[u8], body: &[u8], mac: &[u8]) -> bool {
    let Ok(mut m) = <M as hmac::digest::KeyInit>::new_from_slice(secret) else {
        return false;
    };
    m.update(body);
    m.verify_slice(mac).is_ok()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 || s.len() > 256 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign<M: Mac + hmac::digest::KeyInit>(secret: &[u8], body: &[u8]) -> String {
        let mut m = <M as hmac::digest::KeyInit>::new_from_slice(secret).unwrap();
        m.update(body);
        m.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn every_listed_method_is_checked_and_a_wrong_one_refused() {
        let (k, body) = (b"key".as_slice(), b"<feed/>".as_slice());
        let sha256 = sign::<Hmac<sha2::Sha256>>(k, body);
        // RFC 4231-style known answer: HMAC-SHA256("key", "The quick brown fox…").
        assert_eq!(
            sign::<Hmac<sha2::Sha256>>(k, b"The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
        assert!(verify(k, body, &format!("sha256={sha256}")));
        assert!(verify(
            k,
            body,
            &format!("SHA256={}", sha256.to_uppercase())
        ));
        assert!(verify(
            k,
            body,
            &format!("sha1={}", sign::<Hmac<sha1::Sha1>>(k, body))
        ));
        assert!(verify(
            k,
            body,
            &format!("sha384={}", sign::<Hmac<sha2::Sha384>>(k, body))
        ));
        assert!(verify(
            k,
            body,
            &format!("sha512={}", sign::<Hmac<sha2::Sha512>>(k, body))
        ));
        assert!(!verify(b"other", body, &format!("sha256={sha256}")));
        assert!(!verify(k, b"<feed />", &format!("sha256={sha256}")));
        assert!(!verify(k, body, &format!("md5={sha256}")));
        assert!(!verify(k, body, &format!("sha256={}", &sha256[..62])));
        assert!(!verify(k, body, "sha256=zz"));
        assert!(!verify(k, body, ""));
    }
}
