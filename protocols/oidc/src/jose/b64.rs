//! Base64url without padding, the encoding of every JWS part and JWK member
//! (RFC 7515 §2, §5.1; RFC 7515 Appendix C). Decoding is strict: no `=`
//! padding, no `+` or `/`, no whitespace, no non-zero trailing bits.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// Encodes bytes as base64url without padding.
pub(crate) fn encode(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes strict base64url without padding; `None` if `text` is anything else.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}
