//! `<saml:EncryptedAssertion>` (saml-core-2.0-os §2.3.4, §6) with XML
//! Encryption (xmlenc-core §3–§5, xmlenc-core1 §5.2.4 for GCM): the
//! assertion's octets encrypted with a fresh AES key (AES-256-GCM,
//! AES-128-GCM or AES-128-CBC), the key transported to the SP with
//! RSA-OAEP (`rsa-oaep-mgf1p`, SHA-1 MGF and digest as that URI defines)
//! under the SP's encryption certificate.
//!
//! The AES key and IV come from OpenSSL's CSPRNG, not from the caller: key
//! material must never be reproducible, and RSA-OAEP is randomized anyway.

use crate::error::{Result, SamlError};
use crate::keys::Certificate;
use crate::xml::{NS_DSIG, NS_XENC};
use base64::Engine;
use openssl::symm::Cipher;

/// The block cipher that encrypts the assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataEncryption {
    /// `http://www.w3.org/2009/xmlenc11#aes256-gcm` (preferred).
    Aes256Gcm,
    /// `http://www.w3.org/2009/xmlenc11#aes128-gcm`.
    Aes128Gcm,
    /// `http://www.w3.org/2001/04/xmlenc#aes128-cbc`, for SPs without GCM.
    Aes128Cbc,
}

impl DataEncryption {
    /// The algorithm URI.
    pub const fn as_uri(self) -> &'static str {
        match self {
            Self::Aes256Gcm => "http://www.w3.org/2009/xmlenc11#aes256-gcm",
            Self::Aes128Gcm => "http://www.w3.org/2009/xmlenc11#aes128-gcm",
            Self::Aes128Cbc => "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
        }
    }

    fn cipher(self) -> Cipher {
        match self {
            Self::Aes256Gcm => Cipher::aes_256_gcm(),
            Self::Aes128Gcm => Cipher::aes_128_gcm(),
            Self::Aes128Cbc => Cipher::aes_128_cbc(),
        }
    }
}

/// `http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p`, the key transport.
pub const RSA_OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";

/// Encrypt the assertion to this SP certificate with this cipher.
#[derive(Debug, Clone, Copy)]
pub struct Encryption<'a> {
    /// The SP's encryption certificate (metadata `use="encryption"`).
    pub certificate: &'a Certificate,
    /// The data cipher.
    pub algorithm: DataEncryption,
}

fn crypto(e: openssl::error::ErrorStack) -> SamlError {
    SamlError::Crypto(e.to_string())
}

/// Encrypts `assertion_xml` (a complete `<saml:Assertion>` element with its
/// own namespace declarations) and returns the `<saml:EncryptedAssertion>`.
pub(crate) fn encrypt_assertion(assertion_xml: &str, enc: &Encryption<'_>) -> Result<String> {
    let cipher = enc.algorithm.cipher();
    let mut key = vec![0u8; cipher.key_len()];
    openssl::rand::rand_bytes(&mut key).map_err(crypto)?;
    let iv_len = cipher
        .iv_len()
        .ok_or(SamlError::Unsupported("cipher without IV"))?;
    let mut iv = vec![0u8; iv_len];
    openssl::rand::rand_bytes(&mut iv).map_err(crypto)?;

    let mut payload = iv.clone();
    match enc.algorithm {
        DataEncryption::Aes256Gcm | DataEncryption::Aes128Gcm => {
            let mut tag = [0u8; 16];
            let ct = openssl::symm::encrypt_aead(
                cipher,
                &key,
                Some(&iv),
                &[],
                assertion_xml.as_bytes(),
                &mut tag,
            )
            .map_err(crypto)?;
            payload.extend_from_slice(&ct);
            payload.extend_from_slice(&tag);
        }
        DataEncryption::Aes128Cbc => {
            let ct = openssl::symm::encrypt(cipher, &key, Some(&iv), assertion_xml.as_bytes())
                .map_err(crypto)?;
            payload.extend_from_slice(&ct);
        }
    }

    let rsa = enc.certificate.public_key()?.rsa().map_err(crypto)?;
    let mut wrapped = vec![0u8; rsa.size() as usize];
    let n = rsa
        .public_encrypt(&key, &mut wrapped, openssl::rsa::Padding::PKCS1_OAEP)
        .map_err(crypto)?;
    wrapped.truncate(n);
    key.iter_mut().for_each(|b| *b = 0);

    let b64 = base64::engine::general_purpose::STANDARD;
    Ok(format!(
        concat!(
            "<saml:EncryptedAssertion>",
            "<xenc:EncryptedData xmlns:xenc=\"{xenc}\" Type=\"{xenc}Element\">",
            "<xenc:EncryptionMethod Algorithm=\"{data_alg}\"/>",
            "<ds:KeyInfo xmlns:ds=\"{ds}\"><xenc:EncryptedKey>",
            "<xenc:EncryptionMethod Algorithm=\"{oaep}\">",
            "<ds:DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha1\"/>",
            "</xenc:EncryptionMethod>",
            "<xenc:CipherData><xenc:CipherValue>{key}</xenc:CipherValue></xenc:CipherData>",
            "</xenc:EncryptedKey></ds:KeyInfo>",
            "<xenc:CipherData><xenc:CipherValue>{data}</xenc:CipherValue></xenc:CipherData>",
            "</xenc:EncryptedData></saml:EncryptedAssertion>"
        ),
        xenc = NS_XENC,
        ds = NS_DSIG,
        data_alg = enc.algorithm.as_uri(),
        oaep = RSA_OAEP_MGF1P,
        key = b64.encode(&wrapped),
        data = b64.encode(&payload),
    ))
}
