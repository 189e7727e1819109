//! The `<samlp:Response>` an upstream IdP sends USSO as a service provider
//! (saml-profiles-2.0-os §4.1.4.2–§4.1.4.5, Web Browser SSO; saml-core-2.0-os
//! §3.3.3, §2): received over HTTP-POST only, its signatures checked with the
//! IdP's registered certificates only, and read from what is signed only.
//!
//! See what is signed: when the Response carries a signature, everything
//! after it is read from the Response's signed octets (xmlsec's pre-digest
//! data); the one assertion must be a direct child of the Response,
//! decrypted if it is an EncryptedAssertion, and when it carries a signature
//! it is verified as a document of its own and read from its own signed
//! octets. An assertion covered by neither signature is refused. The
//! checks on the assertion (subject, bearer confirmation, conditions,
//! authentication statement, attributes) live in [`assertion`].

mod assertion;

use crate::binding::InboundMessage;
use crate::error::{Result, SamlError};
use crate::keys::{Certificate, SigningKey};
use crate::message::{self, MessagePolicy};
use crate::names::Binding;
use crate::response::{Attribute, NameId};
use crate::signature::{self, SignaturePolicy};
use crate::xml::{self, NS_ASSERTION, NS_DSIG, NS_PROTOCOL};
use time::{Duration, OffsetDateTime};

/// What USSO expects of a Response from one upstream IdP.
#[derive(Debug, Clone, Copy)]
pub struct ResponseExpectations<'a> {
    /// The IdP's entityID: the `Issuer` of the Response (if present) and of
    /// the Assertion must equal it.
    pub idp_entity_id: &'a str,
    /// The IdP's signing certificates: the only keys trusted (a key or
    /// certificate inside the message is never used).
    pub idp_certificates: &'a [Certificate],
    /// USSO's SP entityID: every `AudienceRestriction` must name it.
    pub sp_entity_id: &'a str,
    /// The ACS URL: the Response's `Destination` (required when the
    /// Response is signed, must match when present) and the bearer
    /// confirmation's `Recipient` (required).
    pub acs_url: &'a str,
    /// USSO's private keys for an EncryptedAssertion (each is tried).
    pub decryption_keys: &'a [SigningKey],
    /// The Assertion itself must carry a valid signature (a signed Response
    /// around an unsigned assertion is not enough).
    pub require_signed_assertion: bool,
    /// The assertion must come encrypted.
    pub require_encrypted_assertion: bool,
    /// Accept RSA-SHA1 signatures and SHA-1 digests.
    pub allow_sha1: bool,
    /// Tolerated clock difference with the IdP.
    pub clock_skew: Duration,
    /// Oldest `IssueInstant` accepted (before skew).
    pub max_age: Duration,
}

/// A login the upstream IdP vouched for, read from signed content only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedLogin {
    /// The Response's `ID`.
    pub response_id: String,
    /// The Assertion's `ID`: keep it in a replay cache until
    /// [`Self::not_on_or_after`].
    pub assertion_id: String,
    /// The Assertion's `Issuer` (equal to the expected IdP).
    pub issuer: String,
    /// The request this answers, from the signed content: the bearer
    /// confirmation's `InResponseTo`, else the signed Response's. `None`:
    /// IdP-initiated (or the Response's claim was not signed).
    pub in_response_to: Option<String>,
    /// The subject, its value exactly as signed (comments inside it
    /// removed, whitespace kept). A `Format` this crate does not name reads as
    /// [`crate::NameIdFormat::Unspecified`]; see [`Self::name_id_format_uri`].
    pub name_id: NameId,
    /// The NameID's `Format` exactly as sent (`None` when absent).
    pub name_id_format_uri: Option<String>,
    /// `SessionIndex` of the AuthnStatement, for Single Logout.
    pub session_index: Option<String>,
    /// `AuthnInstant`.
    pub authn_instant: OffsetDateTime,
    /// `AuthnContextClassRef`, if given.
    pub authn_context_class_ref: Option<String>,
    /// `SessionNotOnOrAfter`, if given.
    pub session_not_on_or_after: Option<OffsetDateTime>,
    /// The earliest of the Conditions' and the bearer confirmation's
    /// `NotOnOrAfter`.
    pub not_on_or_after: OffsetDateTime,
    /// Attributes of every AttributeStatement, in document order.
    pub attributes: Vec<Attribute>,
    /// Whether the Response's signature was verified.
    pub response_signed: bool,
    /// Whether the Assertion's own signature was verified.
    pub assertion_signed: bool,
    /// Whether the assertion came encrypted.
    pub assertion_encrypted: bool,
    /// `RelayState`, as received (not covered by any signature).
    pub relay_state: Option<String>,
}

/// Refuses a document in which an `ID` appears twice: a reference to it
/// would be ambiguous (the heart of signature-wrapping attacks).
fn unique_ids(doc: &roxmltree::Document<'_>) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for id in doc.descendants().filter_map(|n| n.attribute("ID")) {
        if !seen.insert(id) {
            return Err(SamlError::SignatureInvalid(format!(
                "ID {id:?} appears more than once"
            )));
        }
    }
    Ok(())
}

fn is_assertion(n: roxmltree::Node<'_, '_>) -> bool {
    xml::is(n, NS_ASSERTION, "Assertion") || xml::is(n, NS_ASSERTION, "EncryptedAssertion")
}

/// The one assertion of `response`: a direct child, and the only
/// Assertion or EncryptedAssertion anywhere in the document.
fn the_assertion<'a, 'i>(
    doc: &'a roxmltree::Document<'i>,
    response: roxmltree::Node<'a, 'i>,
) -> Result<roxmltree::Node<'a, 'i>> {
    let all: Vec<_> = doc.descendants().filter(|n| is_assertion(*n)).collect();
    match all.as_slice() {
        [] => Err(SamlError::MissingElement("Assertion")),
        [one] if one.parent_element() == Some(response) => Ok(*one),
        [_] => Err(SamlError::UnexpectedAssertions(
            "the assertion is not a child of the Response".into(),
        )),
        many => Err(SamlError::UnexpectedAssertions(format!(
            "{} assertions in the message, expected one",
            many.len()
        ))),
    }
}

/// Verifies and reads a Response from an upstream IdP (see the module doc
/// for what is trusted). `msg` must have come over HTTP-POST
/// ([`InboundMessage::from_post`] with [`crate::binding::MessageField::Response`]).
pub fn accept_response(
    msg: InboundMessage,
    exp: &ResponseExpectations<'_>,
    now: OffsetDateTime,
) -> Result<VerifiedLogin> {
    if msg.binding() != Binding::HttpPost {
        return Err(SamlError::WrongBinding {
            expected: Binding::HttpPost,
            found: msg.binding(),
        });
    }
    let policy = SignaturePolicy {
        require_signed: false,
        allow_sha1: exp.allow_sha1,
    };
    let raw = msg.xml();
    let raw_doc = xml::parse(raw)?;
    let raw_root = raw_doc.root_element();
    if !xml::is(raw_root, NS_PROTOCOL, "Response") {
        return Err(SamlError::UnexpectedElement {
            expected: "{urn:oasis:names:tc:SAML:2.0:protocol}Response",
            found: xml::expanded(raw_root),
        });
    }
    unique_ids(&raw_doc)?;
    let response_signed = xml::child(raw_root, NS_DSIG, "Signature")?.is_some();
    let signed_response;
    let text = if response_signed {
        signed_response = signature::verify_enveloped_response(raw, exp.idp_certificates, &policy)?;
        signed_response.as_str()
    } else {
        raw
    };
    let doc = xml::parse(text)?;
    let response = doc.root_element();
    let msg_policy = MessagePolicy {
        signature: policy,
        clock_skew: exp.clock_skew,
        max_age: exp.max_age,
        expected_destination: Some(exp.acs_url.to_owned()),
    };
    let header = message::header(
        response,
        "Response",
        "{urn:oasis:names:tc:SAML:2.0:protocol}Response",
        response_signed,
        &msg_policy,
        now,
    )?;
    if let Some(i) = &header.issuer {
        if i != exp.idp_entity_id {
            return Err(SamlError::IssuerMismatch {
                expected: exp.idp_entity_id.to_owned(),
                found: Some(i.clone()),
            });
        }
    }
    let status = message::status(response)?;
    if !status.is_success() {
        return Err(SamlError::ErrorStatus(status));
    }
    let response_irt = response.attribute("InResponseTo").map(str::trim);

    // The assertion: placed as the profile says, in what was read and in
    // what was received (the Response signature's own subtree included).
    let node = the_assertion(&doc, response)?;
    the_assertion(&raw_doc, raw_root)?;
    let encrypted = xml::is(node, NS_ASSERTION, "EncryptedAssertion");
    if exp.require_encrypted_assertion && !encrypted {
        return Err(SamlError::EncryptionRequired);
    }
    let assertion_text = if encrypted {
        crate::decrypt::decrypt_assertion(node, exp.decryption_keys)?
    } else {
        xml::standalone(text, node)?
    };
    let assertion_doc = xml::parse(&assertion_text)?;
    unique_ids(&assertion_doc)?;
    let assertion_signed = assertion_doc
        .descendants()
        .any(|n| xml::is(n, NS_DSIG, "Signature"));
    let signed_assertion;
    let assertion_text = if assertion_signed {
        signed_assertion =
            signature::verify_enveloped(&assertion_text, exp.idp_certificates, &policy)?;
        signed_assertion.as_str()
    } else if response_signed && !exp.require_signed_assertion {
        assertion_text.as_str()
    } else {
        return Err(SamlError::SignatureRequired);
    };
    let assertion_doc = xml::parse(assertion_text)?;
    let a = assertion::read(assertion_doc.root_element(), exp, response_irt, now)?;
    Ok(VerifiedLogin {
        response_id: header.id,
        assertion_id: a.id,
        issuer: a.issuer,
        in_response_to: a
            .in_response_to
            .or_else(|| response_irt.filter(|_| response_signed).map(str::to_owned)),
        name_id: a.name_id,
        name_id_format_uri: a.name_id_format_uri,
        session_index: a.session_index,
        authn_instant: a.authn_instant,
        authn_context_class_ref: a.authn_context_class_ref,
        session_not_on_or_after: a.session_not_on_or_after,
        not_on_or_after: a.not_on_or_after,
        attributes: a.attributes,
        response_signed,
        assertion_signed,
        assertion_encrypted: encrypted,
        relay_state: msg.relay_state().map(str::to_owned),
    })
}
