//! ID token claim helpers: the `at_hash` and `c_hash` values (OIDC Core
//! §3.1.3.6, §3.2.2.10, §3.3.2.11) and the standard claims each scope asks
//! for (OIDC Core §5.4).

use sha2::{Digest, Sha256, Sha512};

use crate::jose::{self, Algorithm};

/// The standard claims the `profile` scope requests (OIDC Core §5.4).
pub const PROFILE_CLAIMS: [&str; 14] = [
    "name",
    "family_name",
    "given_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "updated_at",
];

/// The standard claims the `email` scope requests (OIDC Core §5.4).
pub const EMAIL_CLAIMS: [&str; 2] = ["email", "email_verified"];

/// The standard claims the `address` scope requests (OIDC Core §5.4).
pub const ADDRESS_CLAIMS: [&str; 1] = ["address"];

/// The standard claims the `phone` scope requests (OIDC Core §5.4).
pub const PHONE_CLAIMS: [&str; 2] = ["phone_number", "phone_number_verified"];

/// The standard claims `scope` requests; none for `openid` (whose `sub` is
/// always returned) and for any other scope.
pub fn claims_for_scope(scope: &str) -> &'static [&'static str] {
    match scope {
        "profile" => &PROFILE_CLAIMS,
        "email" => &EMAIL_CLAIMS,
        "address" => &ADDRESS_CLAIMS,
        "phone" => &PHONE_CLAIMS,
        _ => &[],
    }
}

/// The `at_hash` of `access_token` for an ID token signed with `alg` (OIDC
/// Core §3.1.3.6, §3.2.2.9).
pub fn at_hash(access_token: &str, alg: Algorithm) -> String {
    left_half_hash(access_token, alg)
}

/// The `c_hash` of the authorization `code` for an ID token signed with
/// `alg` (OIDC Core §3.3.2.11).
pub fn c_hash(code: &str, alg: Algorithm) -> String {
    left_half_hash(code, alg)
}

/// Base64url of the left-most half of the hash of the ASCII octets of
/// `value`, the hash being the one of `alg`: SHA-256 for ES256 and RS256,
/// SHA-512 for EdDSA over Ed25519.
fn left_half_hash(value: &str, alg: Algorithm) -> String {
    match alg {
        Algorithm::Es256 | Algorithm::Rs256 => {
            let digest = Sha256::digest(value.as_bytes());
            jose::b64::encode(digest.get(..digest.len() / 2).unwrap_or_default())
        }
        Algorithm::EdDsa => {
            let digest = Sha512::digest(value.as_bytes());
            jose::b64::encode(digest.get(..digest.len() / 2).unwrap_or_default())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // OIDC Core Appendix A.3 (id_token token) and A.4 (code id_token): the
    // values the specification prints, rechecked with Python's hashlib.
    #[test]
    fn at_hash_of_the_oidc_core_example() {
        let token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
        assert_eq!(at_hash(token, Algorithm::Rs256), "77QmUPtjPfzWtF2AnpK9RQ");
        assert_eq!(at_hash(token, Algorithm::Es256), "77QmUPtjPfzWtF2AnpK9RQ");
    }

    #[test]
    fn c_hash_of_the_oidc_core_example() {
        let code = "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk";
        assert_eq!(c_hash(code, Algorithm::Rs256), "LDktKdoQak3Pk0cnXxCltA");
    }

    // SHA-512 for Ed25519: computed with Python's hashlib.sha512.
    #[test]
    fn eddsa_hashes_with_sha512() {
        let token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
        let code = "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk";
        assert_eq!(
            at_hash(token, Algorithm::EdDsa),
            "q7nS86GgvvFaZkzALLWqJYaJIKw2wCDAVfCAsm5CrBM"
        );
        assert_eq!(
            c_hash(code, Algorithm::EdDsa),
            "E9z1C-c0Az4eTEzE0Nm3OQ3BS2BhMgxuP7x5JAQj1_4"
        );
    }

    #[test]
    fn each_scope_lists_its_standard_claims() {
        assert_eq!(claims_for_scope("profile").len(), 14);
        assert!(claims_for_scope("profile").contains(&"preferred_username"));
        assert!(claims_for_scope("profile").contains(&"updated_at"));
        assert_eq!(claims_for_scope("email"), ["email", "email_verified"]);
        assert_eq!(claims_for_scope("address"), ["address"]);
        assert_eq!(
            claims_for_scope("phone"),
            ["phone_number", "phone_number_verified"]
        );
        assert!(claims_for_scope("openid").is_empty());
        assert!(claims_for_scope("Profile").is_empty());
        assert!(claims_for_scope("offline_access").is_empty());
    }
}
