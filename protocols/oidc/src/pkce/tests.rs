#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

/// RFC 7636 Appendix B.
const RFC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const RFC_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

#[test]
fn rfc_7636_appendix_b() {
    assert_eq!(s256_challenge(RFC_VERIFIER), RFC_CHALLENGE);
    assert!(verify(RFC_VERIFIER, RFC_CHALLENGE));
    let challenge = CodeChallenge::parse(RFC_CHALLENGE, Some("S256")).unwrap();
    assert_eq!(challenge.as_str(), RFC_CHALLENGE);
    assert_eq!(challenge.method(), CodeChallengeMethod::S256);
    let verifier = CodeVerifier::parse(RFC_VERIFIER).unwrap();
    assert!(challenge.is_answered_by(&verifier));
}

#[test]
fn wrong_verifier_fails() {
    let mut other = RFC_VERIFIER.to_owned();
    other.replace_range(0..1, "e");
    assert!(!verify(&other, RFC_CHALLENGE));
    let challenge = CodeChallenge::parse(RFC_CHALLENGE, Some("S256")).unwrap();
    assert!(!challenge.is_answered_by(&CodeVerifier::parse(&other).unwrap()));
    // plain would compare verifier == challenge: never accepted.
    assert!(!verify(RFC_CHALLENGE, RFC_CHALLENGE));
    // Different lengths or garbage.
    assert!(!verify(RFC_VERIFIER, ""));
    assert!(!verify(RFC_VERIFIER, &format!("{RFC_CHALLENGE}A")));
    assert!(!verify("short", RFC_CHALLENGE));
}

fn code(e: OAuthError) -> OAuthErrorCode {
    e.code()
}

#[test]
fn plain_is_refused() {
    let err = CodeChallenge::parse(RFC_VERIFIER, Some("plain")).unwrap_err();
    assert_eq!(err.code(), OAuthErrorCode::InvalidRequest);
    assert_eq!(
        err.description(),
        Some("code_challenge_method plain is not supported")
    );
}

#[test]
fn missing_method_means_plain_and_is_refused() {
    let err = CodeChallenge::parse(RFC_CHALLENGE, None).unwrap_err();
    assert_eq!(err.code(), OAuthErrorCode::InvalidRequest);
    assert!(err.description().unwrap().contains("plain"));
}

#[test]
fn unknown_method_is_refused() {
    for m in ["s256", "S512", "SHA256", " S256"] {
        assert_eq!(
            code(CodeChallenge::parse(RFC_CHALLENGE, Some(m)).unwrap_err()),
            OAuthErrorCode::InvalidRequest,
            "{m}"
        );
    }
}

#[test]
fn challenge_grammar() {
    let bad = [
        "",
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c", // 42
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cMA", // 44
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM", // '+' is not base64url
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c=", // padding
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN", // non-zero trailing bits
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c\u{e9}", // non-ASCII
    ];
    for c in bad {
        assert_eq!(
            code(CodeChallenge::parse(c, Some("S256")).unwrap_err()),
            OAuthErrorCode::InvalidRequest,
            "{c:?}"
        );
    }
}

#[test]
fn verifier_grammar() {
    assert!(CodeVerifier::parse(&"a".repeat(43)).is_ok());
    assert!(CodeVerifier::parse(&"a".repeat(128)).is_ok());
    assert!(CodeVerifier::parse(&format!("{}-._~AZaz09", "a".repeat(40))).is_ok());
    for v in [
        "a".repeat(42),
        "a".repeat(129),
        format!("{}+", "a".repeat(43)),
        format!("{}=", "a".repeat(43)),
        format!("{} ", "a".repeat(43)),
        format!("{}é", "a".repeat(43)),
    ] {
        let err = CodeVerifier::parse(&v).unwrap_err();
        assert_eq!(err.code(), OAuthErrorCode::InvalidRequest, "{v:?}");
        assert!(!verify(&v, &s256_challenge(&v)), "{v:?}");
    }
}

#[test]
fn stored_challenge_round_trip() {
    let c = CodeChallenge::parse(RFC_CHALLENGE, Some("S256")).unwrap();
    let back = CodeChallenge::from_stored(c.as_str(), c.method().as_str()).unwrap();
    assert_eq!(back, c);
}

#[test]
fn verifier_debug_is_redacted() {
    let v = CodeVerifier::parse(RFC_VERIFIER).unwrap();
    assert!(!format!("{v:?}").contains(RFC_VERIFIER));
}
