use std::str::FromStr;

use crate::jose::{Algorithm, JoseError};

#[test]
fn names_round_trip_as_str_from_str_and_serde() {
    for alg in Algorithm::ALL {
        assert_eq!(Algorithm::from_str(alg.as_str()), Ok(alg));
        assert_eq!(alg.to_string(), alg.as_str());
        let json = serde_json::to_string(&alg).unwrap();
        assert_eq!(json, format!("\"{}\"", alg.as_str()));
        assert_eq!(serde_json::from_str::<Algorithm>(&json).unwrap(), alg);
    }
    assert_eq!(Algorithm::EdDsa.as_str(), "EdDSA");
}

#[test]
fn none_and_hmac_are_never_algorithms() {
    assert_eq!("none".parse::<Algorithm>(), Err(JoseError::AlgorithmNone));
    assert_eq!("None".parse::<Algorithm>(), Err(JoseError::AlgorithmNone));
    for hs in ["HS256", "HS384", "HS512"] {
        assert_eq!(
            hs.parse::<Algorithm>(),
            Err(JoseError::SymmetricAlgorithm(hs.into()))
        );
    }
    assert!(serde_json::from_str::<Algorithm>("\"none\"").is_err());
    assert!(serde_json::from_str::<Algorithm>("\"HS256\"").is_err());
}

#[test]
fn names_are_case_sensitive_and_closed() {
    for other in ["es256", "EDDSA", "PS256", "ES384", "RS512", "Ed25519", ""] {
        assert_eq!(
            other.parse::<Algorithm>(),
            Err(JoseError::UnsupportedAlgorithm(other.into()))
        );
    }
}
