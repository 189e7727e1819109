//! XML Signature as SAML profiles it (saml-core-2.0-os §5): enveloped
//! signatures over a message or assertion referenced by its `ID`, RSA-SHA256
//! with SHA-256 digests and exclusive canonicalization (§5.4.1–§5.4.4), made
//! and checked by libxmlsec1 through samael; and the detached signature of
//! the HTTP-Redirect binding over the query octets (saml-bindings-2.0-os
//! §3.4.4.1), made and checked with OpenSSL.
//!
//! Verification uses the peer's registered certificates only: a certificate
//! embedded in the message's `<ds:KeyInfo>` is never consulted. What the
//! caller reads afterwards is the signed content itself (xmlsec's pre-digest
//! octets of the one verified reference), never the document around it.

use crate::error::{Result, SamlError};
use crate::keys::{Certificate, SigningKey};
use crate::xml::{self, NS_DSIG};
use samael::crypto::{AllowedSignatureAlgorithm, CryptoProvider, ReduceMode, XmlSec};

/// `http://www.w3.org/2001/04/xmldsig-more#rsa-sha256`.
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
/// `http://www.w3.org/2001/04/xmldsig-more#rsa-sha384`.
pub const RSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
/// `http://www.w3.org/2001/04/xmldsig-more#rsa-sha512`.
pub const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
/// `http://www.w3.org/2000/09/xmldsig#rsa-sha1`: refused unless a policy allows it.
pub const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
/// `http://www.w3.org/2001/04/xmlenc#sha256`.
pub const DIGEST_SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
/// `http://www.w3.org/2000/09/xmldsig#sha1`.
pub const DIGEST_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
/// `http://www.w3.org/2001/10/xml-exc-c14n#`.
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// `http://www.w3.org/2000/09/xmldsig#enveloped-signature`.
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

const DIGEST_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";
const DIGEST_SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";

/// How inbound signatures are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SignaturePolicy {
    /// Refuse an unsigned message (`AuthnRequestsSigned`, or the SP's
    /// registration says so).
    pub require_signed: bool,
    /// Accept RSA-SHA1 signatures and SHA-1 digests (off by default).
    pub allow_sha1: bool,
}

/// The `<ds:Signature>` template, placed right after `<saml:Issuer>`, that
/// [`sign_enveloped`] fills for the element whose `ID` is `id`.
pub(crate) fn template(id: &str, cert: &Certificate) -> String {
    format!(
        concat!(
            "<ds:Signature xmlns:ds=\"{ds}\"><ds:SignedInfo>",
            "<ds:CanonicalizationMethod Algorithm=\"{c14n}\"/>",
            "<ds:SignatureMethod Algorithm=\"{alg}\"/>",
            "<ds:Reference URI=\"#{id}\"><ds:Transforms>",
            "<ds:Transform Algorithm=\"{env}\"/><ds:Transform Algorithm=\"{c14n}\"/>",
            "</ds:Transforms><ds:DigestMethod Algorithm=\"{dig}\"/>",
            "<ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>",
            "<ds:SignatureValue></ds:SignatureValue><ds:KeyInfo><ds:X509Data>",
            "<ds:X509Certificate>{cert}</ds:X509Certificate>",
            "</ds:X509Data></ds:KeyInfo></ds:Signature>"
        ),
        ds = NS_DSIG,
        c14n = EXC_C14N,
        alg = RSA_SHA256,
        env = ENVELOPED,
        dig = DIGEST_SHA256,
        id = xml::escape(id),
        cert = cert.to_base64(),
    )
}

/// Fills the first `<ds:Signature>` template of `doc` (document order) and
/// returns the document without an XML declaration, ready to be embedded or
/// sent.
pub(crate) fn sign_enveloped(doc: &str, key: &SigningKey) -> Result<String> {
    let signed = XmlSec::sign_xml(doc, key.pkcs1_der())
        .map_err(|e| SamlError::Crypto(format!("signing: {e}")))?;
    Ok(strip_declaration(&signed).to_owned())
}

fn strip_declaration(doc: &str) -> &str {
    let doc = doc.trim_start();
    if doc.starts_with("<?xml") {
        if let Some(end) = doc.find("?>") {
            return doc[end + 2..].trim_start();
        }
    }
    doc
}

fn digest_allowed(uri: &str, allow_sha1: bool) -> bool {
    matches!(uri, DIGEST_SHA256 | DIGEST_SHA384 | DIGEST_SHA512)
        || (allow_sha1 && uri == DIGEST_SHA1)
}

fn method_allowed(uri: &str, allow_sha1: bool) -> bool {
    matches!(uri, RSA_SHA256 | RSA_SHA384 | RSA_SHA512) || (allow_sha1 && uri == RSA_SHA1)
}

/// Whether the parsed message's root carries an enveloped `<ds:Signature>`.
pub(crate) fn has_enveloped(doc: &roxmltree::Document<'_>) -> bool {
    xml::children(doc.root_element(), NS_DSIG, "Signature")
        .next()
        .is_some()
}

/// Canonicalization and transform URIs accepted in a signature
/// (saml-core-2.0-os §5.4.3, §5.4.4): the enveloped-signature transform and
/// the canonicalizations, nothing that selects (XPath, XSLT, XPointer).
const ALLOWED_TRANSFORMS: [&str; 7] = [
    ENVELOPED,
    EXC_C14N,
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "http://www.w3.org/2006/12/xml-c14n11",
    "http://www.w3.org/2006/12/xml-c14n11#WithComments",
];

/// Checks one `<ds:Signature>` before xmlsec sees it: enveloped in the
/// element it signs (one `<ds:Reference>` whose URI is `#` + the parent's
/// `ID`, saml-core-2.0-os §5.4.2), algorithms allowed by `policy`, only the
/// transforms of [`ALLOWED_TRANSFORMS`].
fn check_signature(sig: roxmltree::Node<'_, '_>, policy: &SignaturePolicy) -> Result<()> {
    let parent_id = sig
        .parent_element()
        .and_then(|p| p.attribute("ID"))
        .ok_or_else(|| {
            SamlError::SignatureInvalid(
                "signature is not enveloped in an element with an ID".into(),
            )
        })?;
    let signed_info = xml::child(sig, NS_DSIG, "SignedInfo")?
        .ok_or(SamlError::MissingElement("ds:SignedInfo"))?;
    let method = xml::child(signed_info, NS_DSIG, "SignatureMethod")?
        .and_then(|m| m.attribute("Algorithm"))
        .ok_or(SamlError::MissingElement("ds:SignatureMethod"))?;
    if !method_allowed(method, policy.allow_sha1) {
        return Err(SamlError::AlgorithmRefused(method.to_owned()));
    }
    let c14n = xml::child(signed_info, NS_DSIG, "CanonicalizationMethod")?
        .and_then(|m| m.attribute("Algorithm"))
        .ok_or(SamlError::MissingElement("ds:CanonicalizationMethod"))?;
    if c14n == ENVELOPED || !ALLOWED_TRANSFORMS.contains(&c14n) {
        return Err(SamlError::AlgorithmRefused(c14n.to_owned()));
    }
    let refs: Vec<_> = xml::children(signed_info, NS_DSIG, "Reference").collect();
    let [reference] = refs.as_slice() else {
        return Err(SamlError::SignatureInvalid(
            "expected exactly one Reference".into(),
        ));
    };
    if reference.attribute("URI") != Some(&format!("#{parent_id}")) {
        return Err(SamlError::SignatureInvalid(
            "Reference does not point to the ID of the signed element".into(),
        ));
    }
    if let Some(transforms) = xml::child(*reference, NS_DSIG, "Transforms")? {
        for t in transforms.children().filter(|c| c.is_element()) {
            let alg = t.attribute("Algorithm").unwrap_or_default();
            if !xml::is(t, NS_DSIG, "Transform") || !ALLOWED_TRANSFORMS.contains(&alg) {
                return Err(SamlError::AlgorithmRefused(format!("transform {alg:?}")));
            }
        }
    }
    let digest = xml::child(*reference, NS_DSIG, "DigestMethod")?
        .and_then(|m| m.attribute("Algorithm"))
        .ok_or(SamlError::MissingElement("ds:DigestMethod"))?;
    if !digest_allowed(digest, policy.allow_sha1) {
        return Err(SamlError::AlgorithmRefused(digest.to_owned()));
    }
    Ok(())
}

/// Runs xmlsec over `text` (every signature in it must verify with one of
/// `certs`) and returns the pre-digest octets, which must be the root
/// element under its own name and `ID`.
fn xmlsec_signed_root(
    text: &str,
    root: roxmltree::Node<'_, '_>,
    certs: &[Certificate],
    policy: &SignaturePolicy,
) -> Result<String> {
    let root_id = xml::required_attr(root, "ID")?;
    if certs.is_empty() {
        return Err(SamlError::NoVerificationCertificate);
    }
    let certs: Vec<_> = certs.iter().map(Certificate::samael).collect();
    let strict = [
        AllowedSignatureAlgorithm::RsaSha256,
        AllowedSignatureAlgorithm::RsaSha384,
        AllowedSignatureAlgorithm::RsaSha512,
    ];
    let allowed = if policy.allow_sha1 {
        None
    } else {
        Some(&strict[..])
    };
    let signed = XmlSec::reduce_xml_to_signed_with_allowed_algorithms(
        text,
        &certs,
        ReduceMode::PreDigest,
        allowed,
    )
    .map_err(|e| SamlError::SignatureInvalid(e.to_string()))?;
    // The signed octets must be the message itself, under the same ID.
    let signed_doc = xml::parse(&signed)?;
    let signed_root = signed_doc.root_element();
    if signed_root.tag_name() != root.tag_name() || signed_root.attribute("ID") != Some(root_id) {
        return Err(SamlError::SignatureInvalid(
            "signed content is not the message".into(),
        ));
    }
    Ok(signed)
}

/// Verifies the enveloped signature of a protocol message with the peer's
/// registered certificates and returns the signed content (exclusive-c14n
/// octets of the root element, without the signature).
///
/// Checked before xmlsec runs: exactly one `<ds:Signature>` in the whole
/// document, a direct child of the root, with one `<ds:Reference>` whose URI
/// is `#` + the root's `ID` (saml-core-2.0-os §5.4.2), and algorithms and
/// transforms allowed by `policy`.
pub(crate) fn verify_enveloped(
    text: &str,
    certs: &[Certificate],
    policy: &SignaturePolicy,
) -> Result<String> {
    let doc = xml::parse(text)?;
    let root = doc.root_element();
    let sigs: Vec<_> = doc
        .descendants()
        .filter(|n| xml::is(*n, NS_DSIG, "Signature"))
        .collect();
    let [sig] = sigs.as_slice() else {
        return Err(SamlError::SignatureInvalid(format!(
            "{} signatures in the message, expected one",
            sigs.len()
        )));
    };
    if sig.parent_element() != Some(root) {
        return Err(SamlError::SignatureInvalid(
            "signature is not a child of the message".into(),
        ));
    }
    check_signature(*sig, policy)?;
    xmlsec_signed_root(text, root, certs, policy)
}

/// Verifies the enveloped signature of a `<samlp:Response>` that may hold
/// other signatures (its assertion's), and returns the Response's signed
/// octets, in which those inner signatures are left as they are.
///
/// Checked before xmlsec runs: exactly one `<ds:Signature>` child of the
/// root, and every `<ds:Signature>` of the document enveloped in the element
/// it references, with allowed algorithms and transforms. xmlsec then
/// verifies every one of them with `certs`.
pub(crate) fn verify_enveloped_response(
    text: &str,
    certs: &[Certificate],
    policy: &SignaturePolicy,
) -> Result<String> {
    let doc = xml::parse(text)?;
    let root = doc.root_element();
    let on_root = xml::children(root, NS_DSIG, "Signature").count();
    if on_root != 1 {
        return Err(SamlError::SignatureInvalid(format!(
            "{on_root} signatures on the Response, expected one"
        )));
    }
    for sig in doc
        .descendants()
        .filter(|n| xml::is(*n, NS_DSIG, "Signature"))
    {
        check_signature(sig, policy)?;
    }
    xmlsec_signed_root(text, root, certs, policy)
}

/// Signs the octets of a Redirect-binding query with RSA-SHA256 and returns
/// the base64 signature value (saml-bindings-2.0-os §3.4.4.1).
pub(crate) fn sign_detached(octets: &[u8], key: &SigningKey) -> Result<String> {
    use base64::Engine;
    let mut signer = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), key.pkey())
        .map_err(|e| SamlError::Crypto(e.to_string()))?;
    signer
        .update(octets)
        .map_err(|e| SamlError::Crypto(e.to_string()))?;
    let sig = signer
        .sign_to_vec()
        .map_err(|e| SamlError::Crypto(e.to_string()))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(sig))
}

/// Verifies a Redirect-binding signature over `octets` with any of `certs`.
pub(crate) fn verify_detached(
    octets: &[u8],
    sig_alg: &str,
    signature: &[u8],
    certs: &[Certificate],
    policy: &SignaturePolicy,
) -> Result<()> {
    use openssl::hash::MessageDigest;
    let md = match sig_alg {
        RSA_SHA256 => MessageDigest::sha256(),
        RSA_SHA384 => MessageDigest::sha384(),
        RSA_SHA512 => MessageDigest::sha512(),
        RSA_SHA1 if policy.allow_sha1 => MessageDigest::sha1(),
        other => return Err(SamlError::AlgorithmRefused(other.to_owned())),
    };
    if certs.is_empty() {
        return Err(SamlError::NoVerificationCertificate);
    }
    for cert in certs {
        let key = cert.public_key()?;
        let ok = openssl::sign::Verifier::new(md, &key)
            .and_then(|mut v| {
                v.update(octets)?;
                v.verify(signature)
            })
            .unwrap_or(false);
        if ok {
            return Ok(());
        }
    }
    Err(SamlError::SignatureInvalid(
        "query signature does not verify with any registered certificate".into(),
    ))
}
