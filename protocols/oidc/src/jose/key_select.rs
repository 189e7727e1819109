//! Choosing the verification key of a JWS from a JWK set (RFC 7515
//! §4.1.4, RFC 7517 §4.5), and the checks that stop algorithm confusion
//! (RFC 8725 §2.1, §3.1): the key must be of the type the header's `alg`
//! uses, its own `alg` (if any) must be the header's, its `use` (if any)
//! must be `sig`.

use super::{Header, JoseError, Jwk, JwkSet};

/// The key `header` names in `keys`, checked against the header's `alg`.
///
/// With a `kid`, the key with that `kid` (if several share it, the only one
/// that fits the algorithm). Without, the single key that fits the algorithm.
pub(crate) fn select<'k>(keys: &'k JwkSet, header: &Header) -> Result<&'k Jwk, JoseError> {
    let alg = header.alg;
    let key = match header.kid.as_deref() {
        Some(kid) => {
            let named: Vec<&Jwk> = keys
                .keys
                .iter()
                .filter(|k| k.kid.as_deref() == Some(kid))
                .collect();
            match named.as_slice() {
                [] => return Err(JoseError::UnknownKid(kid.to_owned())),
                [only] => *only,
                // None fits: the first one's check below says why.
                [first, ..] => {
                    single(named.iter().copied().filter(|k| k.fits(alg)))?.unwrap_or(first)
                }
            }
        }
        None => {
            single(keys.keys.iter().filter(|k| k.fits(alg)))?.ok_or(JoseError::NoMatchingKey)?
        }
    };
    check(key, header)?;
    Ok(key)
}

/// The only item, `None` if there is none, an error if there are several.
fn single<'k>(mut keys: impl Iterator<Item = &'k Jwk>) -> Result<Option<&'k Jwk>, JoseError> {
    let first = keys.next();
    match keys.next() {
        Some(_) => Err(JoseError::AmbiguousKey),
        None => Ok(first),
    }
}

/// Refuses a key that may not verify the header's algorithm.
fn check(key: &Jwk, header: &Header) -> Result<(), JoseError> {
    let alg = header.alg;
    if !key.has_type_of(alg) {
        return Err(JoseError::KeyTypeMismatch {
            alg,
            key_type: key.type_label(),
        });
    }
    if let Some(key_alg) = key.alg.as_deref().filter(|a| *a != alg.as_str()) {
        return Err(JoseError::KeyAlgorithmMismatch {
            header: alg,
            key: key_alg.to_owned(),
        });
    }
    if let Some(key_use) = key.key_use.as_deref().filter(|u| *u != "sig") {
        return Err(JoseError::KeyUse(key_use.to_owned()));
    }
    Ok(())
}
