//! Decryption of a `<saml:EncryptedAssertion>` received from an upstream
//! IdP (saml-core-2.0-os §2.3.4, §6.1) with XML Encryption: the content key
//! carried in an `<xenc:EncryptedKey>` (xmlenc-core §3.5.1, inside the
//! EncryptedData's `<ds:KeyInfo>` or beside it) and unwrapped with one of the
//! SP's private keys, then the assertion's octets decrypted with it.
//!
//! Key transport: RSA-OAEP only, `xmlenc#rsa-oaep-mgf1p` (xmlenc-core
//! §5.4.2: MGF1 with SHA-1, digest from `<ds:DigestMethod>`, SHA-1 by
//! default) and `xmlenc11#rsa-oaep` (xmlenc-core1 §5.5.2: digest and
//! `<xenc11:MGF>` given, SHA-1 by default). RSA PKCS#1 v1.5
//! (`xmlenc#rsa-1_5`) is refused: it is open to Bleichenbacher's attack.
//! Data: AES-CBC (128, 192, 256; xmlenc-core §5.2.2, padding as §5.2) and
//! AES-GCM (128, 192, 256; xmlenc-core1 §5.2.4: 96-bit IV first, 128-bit tag
//! last).

use crate::error::{Result, SamlError};
use crate::keys::{decode_base64, SigningKey};
use crate::xml::{self, NS_DSIG, NS_XENC};
use openssl::hash::MessageDigest;
use openssl::symm::Cipher;

/// `http://www.w3.org/2009/xmlenc11#`.
const NS_XENC11: &str = "http://www.w3.org/2009/xmlenc11#";
/// `http://www.w3.org/2001/04/xmlenc#rsa-1_5`: refused.
pub const RSA_1_5: &str = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
/// `http://www.w3.org/2009/xmlenc11#rsa-oaep`.
pub const RSA_OAEP_11: &str = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
/// Largest decrypted assertion accepted.
const MAX_PLAINTEXT: usize = 256 * 1024;
/// `Type` of an EncryptedData that holds one element.
const TYPE_ELEMENT: &str = "http://www.w3.org/2001/04/xmlenc#Element";

/// The data ciphers accepted.
#[derive(Clone, Copy)]
enum DataCipher {
    Cbc(Cipher),
    Gcm(Cipher),
}

fn data_cipher(uri: &str) -> Result<DataCipher> {
    Ok(match uri {
        "http://www.w3.org/2001/04/xmlenc#aes128-cbc" => DataCipher::Cbc(Cipher::aes_128_cbc()),
        "http://www.w3.org/2001/04/xmlenc#aes192-cbc" => DataCipher::Cbc(Cipher::aes_192_cbc()),
        "http://www.w3.org/2001/04/xmlenc#aes256-cbc" => DataCipher::Cbc(Cipher::aes_256_cbc()),
        "http://www.w3.org/2009/xmlenc11#aes128-gcm" => DataCipher::Gcm(Cipher::aes_128_gcm()),
        "http://www.w3.org/2009/xmlenc11#aes192-gcm" => DataCipher::Gcm(Cipher::aes_192_gcm()),
        "http://www.w3.org/2009/xmlenc11#aes256-gcm" => DataCipher::Gcm(Cipher::aes_256_gcm()),
        other => return Err(SamlError::AlgorithmRefused(other.to_owned())),
    })
}

fn digest(uri: Option<&str>) -> Result<MessageDigest> {
    Ok(match uri {
        None | Some("http://www.w3.org/2000/09/xmldsig#sha1") => MessageDigest::sha1(),
        Some("http://www.w3.org/2001/04/xmldsig-more#sha224") => MessageDigest::sha224(),
        Some("http://www.w3.org/2001/04/xmlenc#sha256") => MessageDigest::sha256(),
        Some("http://www.w3.org/2001/04/xmldsig-more#sha384") => MessageDigest::sha384(),
        Some("http://www.w3.org/2001/04/xmlenc#sha512") => MessageDigest::sha512(),
        Some(other) => return Err(SamlError::AlgorithmRefused(other.to_owned())),
    })
}

fn mgf(uri: Option<&str>) -> Result<MessageDigest> {
    Ok(match uri {
        None | Some("http://www.w3.org/2009/xmlenc11#mgf1sha1") => MessageDigest::sha1(),
        Some("http://www.w3.org/2009/xmlenc11#mgf1sha224") => MessageDigest::sha224(),
        Some("http://www.w3.org/2009/xmlenc11#mgf1sha256") => MessageDigest::sha256(),
        Some("http://www.w3.org/2009/xmlenc11#mgf1sha384") => MessageDigest::sha384(),
        Some("http://www.w3.org/2009/xmlenc11#mgf1sha512") => MessageDigest::sha512(),
        Some(other) => return Err(SamlError::AlgorithmRefused(other.to_owned())),
    })
}

/// One `<xenc:EncryptedKey>`, read and checked.
struct WrappedKey {
    digest: MessageDigest,
    mgf: MessageDigest,
    label: Option<Vec<u8>>,
    cipher_value: Vec<u8>,
}

fn cipher_value(node: roxmltree::Node<'_, '_>) -> Result<Vec<u8>> {
    let data = xml::child(node, NS_XENC, "CipherData")?
        .ok_or(SamlError::MissingElement("xenc:CipherData"))?;
    if xml::child(data, NS_XENC, "CipherReference")?.is_some() {
        return Err(SamlError::Unsupported("xenc:CipherReference"));
    }
    let value = xml::child(data, NS_XENC, "CipherValue")?
        .ok_or(SamlError::MissingElement("xenc:CipherValue"))?;
    decode_base64(&xml::text(value, "CipherValue")?, "CipherValue")
}

fn algorithm<'a>(node: roxmltree::Node<'a, '_>) -> Result<&'a str> {
    xml::child(node, NS_XENC, "EncryptionMethod")?
        .ok_or(SamlError::MissingElement("xenc:EncryptionMethod"))
        .and_then(|m| xml::required_attr(m, "Algorithm"))
        .map(str::trim)
}

fn wrapped_key(ek: roxmltree::Node<'_, '_>) -> Result<WrappedKey> {
    let method = xml::child(ek, NS_XENC, "EncryptionMethod")?
        .ok_or(SamlError::MissingElement("xenc:EncryptionMethod"))?;
    let alg = algorithm(ek)?;
    let digest_uri = xml::child(method, NS_DSIG, "DigestMethod")?
        .map(|d| xml::required_attr(d, "Algorithm").map(str::trim))
        .transpose()?;
    let mgf_uri = xml::child(method, NS_XENC11, "MGF")?
        .map(|d| xml::required_attr(d, "Algorithm").map(str::trim))
        .transpose()?;
    let mgf = match alg {
        crate::encrypt::RSA_OAEP_MGF1P => MessageDigest::sha1(),
        RSA_OAEP_11 => mgf(mgf_uri)?,
        other => return Err(SamlError::AlgorithmRefused(other.to_owned())),
    };
    let label = xml::child(method, NS_XENC, "OAEPparams")?
        .map(|p| decode_base64(&xml::text(p, "OAEPparams")?, "OAEPparams"))
        .transpose()?
        .filter(|l| !l.is_empty());
    Ok(WrappedKey {
        digest: digest(digest_uri)?,
        mgf,
        label,
        cipher_value: cipher_value(ek)?,
    })
}

fn unwrap_key(w: &WrappedKey, key: &SigningKey) -> Option<Vec<u8>> {
    let run = || -> std::result::Result<Vec<u8>, openssl::error::ErrorStack> {
        let mut d = openssl::encrypt::Decrypter::new(key.pkey())?;
        d.set_rsa_padding(openssl::rsa::Padding::PKCS1_OAEP)?;
        d.set_rsa_oaep_md(w.digest)?;
        d.set_rsa_mgf1_md(w.mgf)?;
        if let Some(l) = &w.label {
            d.set_rsa_oaep_label(l)?;
        }
        let mut out = vec![0u8; d.decrypt_len(&w.cipher_value)?];
        let n = d.decrypt(&w.cipher_value, &mut out)?;
        out.truncate(n);
        Ok(out)
    };
    run().ok()
}

fn decrypt_data(cipher: DataCipher, key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    match cipher {
        DataCipher::Gcm(c) => {
            let (iv, rest) = data.split_at_checked(12)?;
            let (ct, tag) = rest.split_at_checked(rest.len().checked_sub(16)?)?;
            openssl::symm::decrypt_aead(c, key, Some(iv), &[], ct, tag).ok()
        }
        DataCipher::Cbc(c) => {
            let (iv, ct) = data.split_at_checked(16)?;
            if ct.is_empty() || ct.len() % 16 != 0 {
                return None;
            }
            let mut crypter =
                openssl::symm::Crypter::new(c, openssl::symm::Mode::Decrypt, key, Some(iv)).ok()?;
            crypter.pad(false);
            let mut out = vec![0u8; ct.len() + 16];
            let mut n = crypter.update(ct, &mut out).ok()?;
            n += crypter.finalize(&mut out[n..]).ok()?;
            out.truncate(n);
            // xmlenc-core §5.2: the last octet gives the padding length
            // (1 to the block size); the other padding octets are arbitrary.
            let pad = usize::from(*out.last()?);
            if pad == 0 || pad > 16 || pad > out.len() {
                return None;
            }
            out.truncate(out.len() - pad);
            Some(out)
        }
    }
}

/// Decrypts the `<saml:EncryptedAssertion>` `node` with the first of `keys`
/// that unwraps one of its content keys, and returns the plaintext element
/// as a document of its own (namespaces in scope at `node` declared on it).
/// The caller guards and parses it like any inbound XML.
pub(crate) fn decrypt_assertion(
    node: roxmltree::Node<'_, '_>,
    keys: &[SigningKey],
) -> Result<String> {
    let data = xml::child(node, NS_XENC, "EncryptedData")?
        .ok_or(SamlError::MissingElement("xenc:EncryptedData"))?;
    if let Some(t) = data.attribute("Type") {
        if t.trim() != TYPE_ELEMENT {
            return Err(SamlError::Unsupported(
                "EncryptedData Type other than Element",
            ));
        }
    }
    let cipher = data_cipher(algorithm(data)?)?;
    let encrypted = cipher_value(data)?;
    let in_key_info = xml::child(data, NS_DSIG, "KeyInfo")?
        .into_iter()
        .flat_map(|ki| xml::children(ki, NS_XENC, "EncryptedKey"));
    let beside = xml::children(node, NS_XENC, "EncryptedKey");
    let wrapped = in_key_info
        .chain(beside)
        .map(wrapped_key)
        .collect::<Result<Vec<_>>>()?;
    if wrapped.is_empty() {
        return Err(SamlError::MissingElement("xenc:EncryptedKey"));
    }
    if keys.is_empty() {
        return Err(SamlError::NoDecryptionKey);
    }
    let key_len = match cipher {
        DataCipher::Cbc(c) | DataCipher::Gcm(c) => c.key_len(),
    };
    for w in &wrapped {
        for key in keys {
            let Some(mut content_key) = unwrap_key(w, key) else {
                continue;
            };
            let plain = (content_key.len() == key_len)
                .then(|| decrypt_data(cipher, &content_key, &encrypted))
                .flatten();
            content_key.iter_mut().for_each(|b| *b = 0);
            if let Some(plain) = plain {
                let text = xml::guard(&plain, "decrypted assertion", MAX_PLAINTEXT)?;
                let mut element = text.trim_start();
                if element.starts_with("<?xml") {
                    let end = element
                        .find("?>")
                        .ok_or(SamlError::Xml("XML declaration".into()))?;
                    element = element[end + 2..].trim_start();
                }
                let scope: Vec<(Option<&str>, &str)> =
                    node.namespaces().map(|n| (n.name(), n.uri())).collect();
                return xml::declare_namespaces(element, &scope);
            }
        }
    }
    Err(SamlError::DecryptionFailed(
        "no configured key decrypts the assertion".into(),
    ))
}
