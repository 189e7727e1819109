//! `validate_time` and `validate_audience`, each error with its case.

use serde_json::{json, Map, Value};

use crate::jose::{validate_audience, validate_time, JoseError};

const NOW: i64 = 1_700_000_000;

fn claims(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

#[test]
fn a_live_token_passes() {
    let c = claims(json!({"exp": NOW + 60, "nbf": NOW - 5, "iat": NOW - 5}));
    assert_eq!(validate_time(&c, NOW, 0), Ok(()));
    assert_eq!(
        validate_time(&claims(json!({"exp": NOW + 1})), NOW, 0),
        Ok(())
    );
}

#[test]
fn exp_is_required_and_numeric() {
    assert_eq!(
        validate_time(&claims(json!({})), NOW, 0),
        Err(JoseError::MissingClaim("exp"))
    );
    for bad in [json!("1900000000"), json!(null), json!(true), json!([1])] {
        let c = claims(json!({ "exp": bad }));
        assert_eq!(
            validate_time(&c, NOW, 0),
            Err(JoseError::InvalidClaim("exp"))
        );
    }
    // NumericDate may have a fraction (RFC 7519 §2).
    assert_eq!(
        validate_time(&claims(json!({"exp": NOW as f64 + 10.5})), NOW, 0),
        Ok(())
    );
}

#[test]
fn an_expired_token_is_refused_unless_within_leeway() {
    let c = claims(json!({ "exp": NOW }));
    assert_eq!(validate_time(&c, NOW, 0), Err(JoseError::Expired));
    assert_eq!(validate_time(&c, NOW, 30), Ok(()));
    assert_eq!(validate_time(&c, NOW + 30, 30), Err(JoseError::Expired));
    assert_eq!(validate_time(&c, NOW, -30), Err(JoseError::Expired));
}

#[test]
fn a_token_not_yet_valid_is_refused_unless_within_leeway() {
    let c = claims(json!({"exp": NOW + 600, "nbf": NOW + 10}));
    assert_eq!(validate_time(&c, NOW, 0), Err(JoseError::NotYetValid));
    assert_eq!(validate_time(&c, NOW, 10), Ok(()));
    let c = claims(json!({"exp": NOW + 600, "nbf": "soon"}));
    assert_eq!(
        validate_time(&c, NOW, 0),
        Err(JoseError::InvalidClaim("nbf"))
    );
}

#[test]
fn a_token_issued_in_the_future_is_refused_unless_within_leeway() {
    let c = claims(json!({"exp": NOW + 600, "iat": NOW + 10}));
    assert_eq!(validate_time(&c, NOW, 0), Err(JoseError::IssuedInFuture));
    assert_eq!(validate_time(&c, NOW, 10), Ok(()));
    let c = claims(json!({"exp": NOW + 600, "iat": {}}));
    assert_eq!(
        validate_time(&c, NOW, 0),
        Err(JoseError::InvalidClaim("iat"))
    );
}

#[test]
fn extreme_numbers_do_not_overflow() {
    let c = claims(json!({"exp": i64::MAX, "nbf": i64::MIN, "iat": u64::MAX}));
    assert_eq!(validate_time(&c, i64::MAX, 0), Err(JoseError::Expired));
    assert_eq!(validate_time(&c, i64::MAX, i64::MAX), Ok(()));
    assert_eq!(
        validate_time(&c, i64::MIN, i64::MAX),
        Err(JoseError::IssuedInFuture)
    );
    let c = claims(json!({"exp": 1e300}));
    assert_eq!(validate_time(&c, NOW, i64::MAX), Ok(()));
    let c = claims(json!({"exp": -1e300}));
    assert_eq!(validate_time(&c, i64::MIN, 0), Err(JoseError::Expired));
}

#[test]
fn the_audience_is_a_string_or_an_array_of_strings() {
    assert_eq!(
        validate_audience(&claims(json!({"aud": "app"})), "app"),
        Ok(())
    );
    assert_eq!(
        validate_audience(&claims(json!({"aud": ["api", "app"]})), "app"),
        Ok(())
    );
    assert_eq!(
        validate_audience(&claims(json!({"aud": "other"})), "app"),
        Err(JoseError::AudienceMismatch)
    );
    assert_eq!(
        validate_audience(&claims(json!({"aud": []})), "app"),
        Err(JoseError::AudienceMismatch)
    );
    assert_eq!(
        validate_audience(&claims(json!({"aud": "App"})), "app"),
        Err(JoseError::AudienceMismatch)
    );
    assert_eq!(
        validate_audience(&claims(json!({})), "app"),
        Err(JoseError::MissingClaim("aud"))
    );
    assert_eq!(
        validate_audience(&claims(json!({"aud": ["app", 1]})), "app"),
        Err(JoseError::InvalidClaim("aud"))
    );
    assert_eq!(
        validate_audience(&claims(json!({"aud": {"app": true}})), "app"),
        Err(JoseError::InvalidClaim("aud"))
    );
}
