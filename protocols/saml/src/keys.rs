//! Keys and certificates: the IdP's RSA signing key (PKCS#8 PEM) with its
//! X.509 certificate, peers' certificates as published in metadata
//! (`<ds:X509Certificate>`, xmldsig-core §4.4.4), and a self-signed
//! certificate maker for per-tenant IdP keys. SAML uses certificates only as
//! key containers (saml-metadata-2.0-os §2.4.1.1): no chain is built.

use crate::error::{Result, SamlError};
use base64::Engine;
use openssl::pkey::{PKey, Private, Public};
use openssl::x509::X509;
use time::OffsetDateTime;

/// Smallest RSA modulus accepted for signing or verification, in bits.
pub const MIN_RSA_BITS: u32 = 2048;

/// A DER-encoded X.509 certificate holding an RSA public key.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let subject = X509::from_der(&self.der)
            .ok()
            .and_then(|c| {
                c.subject_name()
                    .entries()
                    .next()
                    .and_then(|e| e.data().to_string().ok())
            })
            .unwrap_or_default();
        f.debug_struct("Certificate")
            .field("subject", &subject)
            .field("der_len", &self.der.len())
            .finish()
    }
}

impl Certificate {
    /// Reads DER bytes; the key must be RSA of at least [`MIN_RSA_BITS`].
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let x509 = X509::from_der(der).map_err(|e| SamlError::Key(format!("certificate: {e}")))?;
        let key = x509
            .public_key()
            .map_err(|e| SamlError::Key(format!("certificate key: {e}")))?;
        check_rsa_public(&key)?;
        Ok(Self { der: der.to_vec() })
    }

    /// Reads one PEM `CERTIFICATE` block.
    pub fn from_pem(pem: &str) -> Result<Self> {
        let x509 = X509::from_pem(pem.as_bytes())
            .map_err(|e| SamlError::Key(format!("certificate PEM: {e}")))?;
        let der = x509
            .to_der()
            .map_err(|e| SamlError::Key(format!("certificate: {e}")))?;
        Self::from_der(&der)
    }

    /// Reads the base64 body of `<ds:X509Certificate>` (whitespace ignored).
    pub fn from_base64(b64: &str) -> Result<Self> {
        let der = decode_base64(b64, "X509Certificate")?;
        Self::from_der(&der)
    }

    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The base64 body, on one line, as written in `<ds:X509Certificate>`.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.der)
    }

    /// The PEM form.
    pub fn to_pem(&self) -> String {
        let b64 = self.to_base64();
        let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(chunk));
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
        out
    }

    /// The public key.
    pub(crate) fn public_key(&self) -> Result<PKey<Public>> {
        X509::from_der(&self.der)
            .and_then(|c| c.public_key())
            .map_err(|e| SamlError::Key(e.to_string()))
    }

    /// samael's view of the same bytes.
    pub(crate) fn samael(&self) -> samael::crypto::CertificateDer {
        samael::crypto::CertificateDer::from(self.der.clone())
    }
}

fn check_rsa_public(key: &PKey<Public>) -> Result<()> {
    let rsa = key
        .rsa()
        .map_err(|_| SamlError::Key("only RSA keys are supported".into()))?;
    if rsa.n().num_bits() < MIN_RSA_BITS as i32 {
        return Err(SamlError::Key(format!(
            "RSA key of {} bits, {MIN_RSA_BITS} at least",
            rsa.n().num_bits()
        )));
    }
    Ok(())
}

/// The IdP's signing key and the certificate that publishes it.
#[derive(Clone)]
pub struct SigningKey {
    key: PKey<Private>,
    /// PKCS#1 DER, the form libxmlsec1 loads.
    pkcs1_der: Vec<u8>,
    cert: Certificate,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("certificate", &self.cert)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Reads an RSA private key (PKCS#8 PEM, `BEGIN PRIVATE KEY`) and its
    /// certificate (PEM); the certificate must carry this key's public half.
    pub fn from_pkcs8_pem(key_pem: &str, cert_pem: &str) -> Result<Self> {
        let key = read_pkcs8_rsa(key_pem)?;
        let cert = Certificate::from_pem(cert_pem)?;
        let cert_key = cert.public_key()?;
        if !key.public_eq(&cert_key) {
            return Err(SamlError::Key(
                "certificate does not match the private key".into(),
            ));
        }
        let pkcs1_der = key
            .rsa()
            .and_then(|r| r.private_key_to_der())
            .map_err(|e| SamlError::Key(e.to_string()))?;
        Ok(Self {
            key,
            pkcs1_der,
            cert,
        })
    }

    /// The certificate published for this key.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    pub(crate) fn pkey(&self) -> &PKey<Private> {
        &self.key
    }

    pub(crate) fn pkcs1_der(&self) -> &[u8] {
        &self.pkcs1_der
    }
}

fn read_pkcs8_rsa(key_pem: &str) -> Result<PKey<Private>> {
    if !key_pem.contains("-----BEGIN PRIVATE KEY-----") {
        return Err(SamlError::Key("expected a PKCS#8 PEM private key".into()));
    }
    let key = PKey::private_key_from_pem(key_pem.as_bytes())
        .map_err(|e| SamlError::Key(format!("private key: {e}")))?;
    let rsa = key
        .rsa()
        .map_err(|_| SamlError::Key("only RSA keys are supported".into()))?;
    if rsa.n().num_bits() < MIN_RSA_BITS as i32 {
        return Err(SamlError::Key(format!(
            "RSA key of {} bits, {MIN_RSA_BITS} at least",
            rsa.n().num_bits()
        )));
    }
    Ok(key)
}

/// Makes a self-signed X.509 v3 certificate (SHA-256 with RSA) for an RSA
/// private key given as PKCS#8 PEM, with subject and issuer `CN=common_name`,
/// the given validity and serial (the caller's random bytes, at most 20).
/// Returns the certificate PEM. SAML peers trust it by pinning, not by chain.
pub fn self_signed_certificate(
    key_pem: &str,
    common_name: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    serial: &[u8],
) -> Result<String> {
    use openssl::asn1::{Asn1Integer, Asn1Time};
    use openssl::bn::BigNum;
    use openssl::hash::MessageDigest;
    use openssl::x509::{X509Builder, X509NameBuilder};

    let key = read_pkcs8_rsa(key_pem)?;
    if serial.is_empty() || serial.len() > 20 {
        return Err(SamlError::Key("serial must be 1 to 20 bytes".into()));
    }
    if not_after <= not_before {
        return Err(SamlError::Key("not_after must be after not_before".into()));
    }
    let err = |e: openssl::error::ErrorStack| SamlError::Crypto(e.to_string());
    let mut name = X509NameBuilder::new().map_err(err)?;
    name.append_entry_by_text("CN", common_name).map_err(err)?;
    let name = name.build();
    let mut b = X509Builder::new().map_err(err)?;
    b.set_version(2).map_err(err)?;
    // A positive serial: clear the top bit of the first byte.
    let mut serial = serial.to_vec();
    serial[0] &= 0x7f;
    if serial.iter().all(|b| *b == 0) {
        serial[0] = 1;
    }
    let bn = BigNum::from_slice(&serial).map_err(err)?;
    let serial = Asn1Integer::from_bn(&bn).map_err(err)?;
    b.set_serial_number(&serial).map_err(err)?;
    b.set_subject_name(&name).map_err(err)?;
    b.set_issuer_name(&name).map_err(err)?;
    b.set_pubkey(&key).map_err(err)?;
    let nb = Asn1Time::from_unix(not_before.unix_timestamp()).map_err(err)?;
    let na = Asn1Time::from_unix(not_after.unix_timestamp()).map_err(err)?;
    b.set_not_before(&nb).map_err(err)?;
    b.set_not_after(&na).map_err(err)?;
    b.sign(&key, MessageDigest::sha256()).map_err(err)?;
    let pem = b.build().to_pem().map_err(err)?;
    String::from_utf8(pem).map_err(|e| SamlError::Crypto(e.to_string()))
}

/// Decodes standard base64, ignoring ASCII whitespace (XML and forms wrap it).
pub(crate) fn decode_base64(s: &str, what: &'static str) -> Result<Vec<u8>> {
    let compact: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    engine
        .decode(compact.as_bytes())
        .map_err(|_| SamlError::Base64(what))
}
