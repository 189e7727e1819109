//! The SP's decryption of EncryptedAssertion: the crate's own encryption
//! round trip, what other IdPs send (xmlenc11 RSA-OAEP with SHA-256, every
//! AES mode, the key beside the data), and the refusals.

use super::sp_fixture::*;
use super::*;
use crate::decrypt::{RSA_1_5, RSA_OAEP_11};
use crate::encrypt::{encrypt_assertion, DataEncryption, Encryption};
use crate::response::{build_response, ResponseOptions};
use crate::sp_response::ResponseExpectations;
use crate::SamlError;
use base64::Engine;
use openssl::symm::Cipher;

#[test]
fn encrypted_assertion_round_trips_every_cipher() {
    let sp_cert = sp().cert();
    for algorithm in [
        DataEncryption::Aes256Gcm,
        DataEncryption::Aes128Gcm,
        DataEncryption::Aes128Cbc,
    ] {
        for (sign_response, sign_assertion) in [(true, true), (false, true), (true, false)] {
            let opts = ResponseOptions {
                sign_response,
                sign_assertion,
                encrypt: Some(Encryption {
                    certificate: &sp_cert,
                    algorithm,
                }),
            };
            let xml = build_response(&base(), &idp().key, &opts).unwrap();
            let strict = ResponseExpectations {
                require_encrypted_assertion: true,
                ..exp()
            };
            let v = accept_with(&xml, &strict).unwrap();
            assert!(v.assertion_encrypted);
            assert_eq!(
                (v.response_signed, v.assertion_signed),
                (sign_response, sign_assertion)
            );
            assert_eq!(v.name_id.value, LEGIT_NAME);
            assert_eq!(v.attributes, base().attributes);
        }
    }
    // Encryption required, plain assertion sent.
    let strict = ResponseExpectations {
        require_encrypted_assertion: true,
        ..exp()
    };
    assert_eq!(
        accept_with(&built(true, true), &strict),
        Err(SamlError::EncryptionRequired)
    );
}

#[test]
fn encrypted_unsigned_assertion_in_unsigned_response_refused() {
    let r = base();
    let enc = encrypt_assertion(
        &assertion_of(&r),
        &Encryption {
            certificate: &sp().cert(),
            algorithm: DataEncryption::Aes256Gcm,
        },
    )
    .unwrap();
    // Anyone can encrypt to the SP's public key: that proves nothing.
    assert_eq!(
        accept(&response_of(&r, &enc)),
        Err(SamlError::SignatureRequired)
    );
}

enum KeyTransport {
    Oaep11Sha256,
    Rsa15,
}

/// An EncryptedAssertion written the way other IdPs write them: xmlenc11
/// RSA-OAEP with SHA-256 (or RSA 1.5), any data cipher, CBC padding with
/// arbitrary octets, the EncryptedKey inside KeyInfo or beside the data.
fn encrypt_like_others(
    assertion: &str,
    transport: KeyTransport,
    (data_uri, cipher, gcm): (&str, Cipher, bool),
    key_beside: bool,
) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut key = vec![0u8; cipher.key_len()];
    openssl::rand::rand_bytes(&mut key).unwrap();
    let payload = if gcm {
        let mut iv = [0u8; 12];
        openssl::rand::rand_bytes(&mut iv).unwrap();
        let mut tag = [0u8; 16];
        let ct = openssl::symm::encrypt_aead(
            cipher,
            &key,
            Some(&iv),
            &[],
            assertion.as_bytes(),
            &mut tag,
        )
        .unwrap();
        [&iv[..], &ct, &tag].concat()
    } else {
        let mut iv = [0u8; 16];
        openssl::rand::rand_bytes(&mut iv).unwrap();
        let mut plain = assertion.as_bytes().to_vec();
        let pad = 16 - plain.len() % 16;
        plain.extend(std::iter::repeat_n(0xA5u8, pad - 1));
        plain.push(pad as u8);
        let mut c =
            openssl::symm::Crypter::new(cipher, openssl::symm::Mode::Encrypt, &key, Some(&iv))
                .unwrap();
        c.pad(false);
        let mut out = vec![0u8; plain.len() + 16];
        let mut n = c.update(&plain, &mut out).unwrap();
        n += c.finalize(&mut out[n..]).unwrap();
        out.truncate(n);
        [&iv[..], &out].concat()
    };
    let pkey = sp().cert().public_key().unwrap();
    let mut enc = openssl::encrypt::Encrypter::new(&pkey).unwrap();
    let method = match transport {
        KeyTransport::Oaep11Sha256 => {
            enc.set_rsa_padding(openssl::rsa::Padding::PKCS1_OAEP)
                .unwrap();
            enc.set_rsa_oaep_md(openssl::hash::MessageDigest::sha256())
                .unwrap();
            enc.set_rsa_mgf1_md(openssl::hash::MessageDigest::sha256())
                .unwrap();
            format!(
                "<xenc:EncryptionMethod Algorithm=\"{RSA_OAEP_11}\"><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><xenc11:MGF xmlns:xenc11=\"http://www.w3.org/2009/xmlenc11#\" Algorithm=\"http://www.w3.org/2009/xmlenc11#mgf1sha256\"/></xenc:EncryptionMethod>"
            )
        }
        KeyTransport::Rsa15 => {
            enc.set_rsa_padding(openssl::rsa::Padding::PKCS1).unwrap();
            format!("<xenc:EncryptionMethod Algorithm=\"{RSA_1_5}\"/>")
        }
    };
    let mut wrapped = vec![0u8; enc.encrypt_len(&key).unwrap()];
    let n = enc.encrypt(&key, &mut wrapped).unwrap();
    wrapped.truncate(n);
    let encrypted_key = format!(
        "<xenc:EncryptedKey xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">{method}<xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey>",
        b64.encode(&wrapped)
    );
    let (inside, beside) = if key_beside {
        (String::new(), encrypted_key)
    } else {
        (format!("<ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">{encrypted_key}</ds:KeyInfo>"), String::new())
    };
    format!(
        "<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" Type=\"http://www.w3.org/2001/04/xmlenc#Element\"><xenc:EncryptionMethod Algorithm=\"{data_uri}\"/>{inside}<xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>{beside}</saml:EncryptedAssertion>",
        b64.encode(&payload)
    )
}

#[test]
fn decrypts_xmlenc11_oaep_sha256_and_other_ciphers() {
    let r = base();
    let signed = sign_with(&assertion_of(&r), "_assert1", idp(), false);
    for (data, beside) in [
        (
            (
                "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
                Cipher::aes_128_cbc(),
                false,
            ),
            false,
        ),
        (
            (
                "http://www.w3.org/2001/04/xmlenc#aes192-cbc",
                Cipher::aes_192_cbc(),
                false,
            ),
            true,
        ),
        (
            (
                "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
                Cipher::aes_256_cbc(),
                false,
            ),
            false,
        ),
        (
            (
                "http://www.w3.org/2009/xmlenc11#aes256-gcm",
                Cipher::aes_256_gcm(),
                true,
            ),
            true,
        ),
    ] {
        let enc = encrypt_like_others(&signed, KeyTransport::Oaep11Sha256, data, beside);
        let v = accept(&response_of(&r, &enc)).unwrap_or_else(|e| panic!("{}: {e}", data.0));
        assert!(v.assertion_encrypted && v.assertion_signed && !v.response_signed);
        assert_eq!(v.name_id.value, LEGIT_NAME);
    }
}

#[test]
fn encrypted_assertion_with_rsa_1_5_refused() {
    let r = base();
    let signed = sign_with(&assertion_of(&r), "_assert1", idp(), false);
    let enc = encrypt_like_others(
        &signed,
        KeyTransport::Rsa15,
        (
            "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
            Cipher::aes_128_cbc(),
            false,
        ),
        false,
    );
    assert_eq!(
        accept(&response_of(&r, &enc)),
        Err(SamlError::AlgorithmRefused(RSA_1_5.into()))
    );
}

#[test]
fn encrypted_assertion_without_a_usable_key() {
    let sp_cert = sp().cert();
    let opts = ResponseOptions {
        sign_response: true,
        sign_assertion: true,
        encrypt: Some(Encryption {
            certificate: &sp_cert,
            algorithm: DataEncryption::Aes256Gcm,
        }),
    };
    let xml = build_response(&base(), &idp().key, &opts).unwrap();
    let none = ResponseExpectations {
        decryption_keys: &[],
        ..exp()
    };
    assert_eq!(accept_with(&xml, &none), Err(SamlError::NoDecryptionKey));
    let wrong = [attacker().key.clone()];
    let wrong_only = ResponseExpectations {
        decryption_keys: &wrong,
        ..exp()
    };
    assert!(matches!(
        accept_with(&xml, &wrong_only),
        Err(SamlError::DecryptionFailed(_))
    ));
    // Each key is tried: the second one decrypts.
    let both = [attacker().key.clone(), sp().key.clone()];
    let rotated = ResponseExpectations {
        decryption_keys: &both,
        ..exp()
    };
    assert!(accept_with(&xml, &rotated).unwrap().assertion_encrypted);
}
