//! Random bearer tokens: 256 bits from the OS, base64url, with a prefix that
//! says what they are (so that secret scanners and people can tell).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;

pub const API_KEY_PREFIX: &str = "usso_ak_";

/// A new random token: `prefix` + 43 base64url characters.
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Whether `raw` could be a token of this shape (cheap check before a lookup).
pub fn looks_like(raw: &str, prefix: &str) -> bool {
    raw.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == 43
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_well_formed() {
        let a = new_token(API_KEY_PREFIX);
        let b = new_token(API_KEY_PREFIX);
        assert_ne!(a, b);
        assert!(looks_like(&a, API_KEY_PREFIX));
        assert!(!looks_like("usso_ak_short", API_KEY_PREFIX));
        assert!(!looks_like(
            &a.replace("usso_ak_", "other_"),
            API_KEY_PREFIX
        ));
    }
}
