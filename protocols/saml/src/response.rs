//! `<samlp:Response>` (saml-core-2.0-os §3.3.3) as the IdP sends it for the
//! Web Browser SSO profile (saml-profiles-2.0-os §4.1.4.2): one bearer
//! `<saml:Assertion>` (§2.3.3) with Subject and SubjectConfirmation (§2.4),
//! Conditions and AudienceRestriction (§2.5), AuthnStatement (§2.7.2) and
//! AttributeStatement (§2.7.3); signed (§5) on the Assertion and/or the
//! Response, optionally encrypted (§2.3.4). Also the error Response
//! carrying only a `<samlp:Status>` (§3.2.2).
//!
//! Time and IDs are inputs: nothing here reads a clock or an RNG for them.

use crate::encrypt::{encrypt_assertion, Encryption};
use crate::error::{Result, SamlError};
use crate::keys::SigningKey;
use crate::message::write_status;
use crate::names::NameIdFormat;
use crate::signature::{sign_enveloped, template};
use crate::status::StatusCode;
use crate::xml::{self, escape, format_time, NS_ASSERTION, NS_PROTOCOL};
use time::{Duration, OffsetDateTime};

/// `urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport`.
pub const AC_PASSWORD_PROTECTED_TRANSPORT: &str =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
/// `urn:oasis:names:tc:SAML:2.0:cm:bearer` (saml-profiles-2.0-os §3.3).
pub const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// The `NameFormat` of an attribute (saml-core-2.0-os §8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttributeNameFormat {
    /// `…:attrname-format:basic`: a plain name (`email`, `groups`).
    Basic,
    /// `…:attrname-format:uri`: a URI name (`urn:oid:0.9.2342.19200300.100.1.3`).
    Uri,
    /// `…:attrname-format:unspecified`.
    Unspecified,
}

impl AttributeNameFormat {
    /// The URI.
    pub const fn as_uri(self) -> &'static str {
        match self {
            Self::Basic => "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
            Self::Uri => "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
            Self::Unspecified => "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified",
        }
    }
}

/// One `<saml:Attribute>` with its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// `Name`.
    pub name: String,
    /// `NameFormat`.
    pub name_format: AttributeNameFormat,
    /// `FriendlyName`.
    pub friendly_name: Option<String>,
    /// The `<saml:AttributeValue>`s, as text, in order.
    pub values: Vec<String>,
}

/// `<saml:NameID>` (§2.2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameId {
    /// `Format`.
    pub format: NameIdFormat,
    /// The identifier.
    pub value: String,
    /// `NameQualifier` (usually the IdP's entityID, for persistent IDs).
    pub name_qualifier: Option<String>,
    /// `SPNameQualifier` (the SP's entityID, for pairwise IDs).
    pub sp_name_qualifier: Option<String>,
}

impl NameId {
    pub(crate) fn write(&self, out: &mut String) {
        out.push_str("<saml:NameID Format=\"");
        out.push_str(self.format.as_uri());
        out.push('"');
        if let Some(q) = &self.name_qualifier {
            out.push_str(&format!(" NameQualifier=\"{}\"", escape(q)));
        }
        if let Some(q) = &self.sp_name_qualifier {
            out.push_str(&format!(" SPNameQualifier=\"{}\"", escape(q)));
        }
        out.push('>');
        out.push_str(&escape(&self.value));
        out.push_str("</saml:NameID>");
    }
}

/// A `<samlp:Status>`: codes as URIs (a peer may nest its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Top-level `StatusCode` URI.
    pub code: String,
    /// Nested `StatusCode` URI.
    pub second_level: Option<String>,
    /// `StatusMessage`.
    pub message: Option<String>,
}

impl Status {
    /// `Success`.
    pub fn success() -> Self {
        Self {
            code: StatusCode::Success.as_uri().to_owned(),
            second_level: None,
            message: None,
        }
    }

    /// An error status: `top` must be Requester, Responder or
    /// VersionMismatch; `second` (e.g. NoPassive, AuthnFailed,
    /// RequestDenied) must be a second-level code. Keep `message` generic:
    /// it goes to the peer.
    pub fn error(
        top: StatusCode,
        second: Option<StatusCode>,
        message: Option<&str>,
    ) -> Result<Self> {
        if !top.is_top_level() || top == StatusCode::Success {
            return Err(SamlError::InvalidValue {
                name: "StatusCode",
                reason: format!("{top} is not a top-level error code"),
            });
        }
        if let Some(s) = second {
            if s.is_top_level() {
                return Err(SamlError::InvalidValue {
                    name: "StatusCode",
                    reason: format!("{s} is not a second-level code"),
                });
            }
        }
        Ok(Self {
            code: top.as_uri().to_owned(),
            second_level: second.map(|s| s.as_uri().to_owned()),
            message: message.map(str::to_owned),
        })
    }

    /// Whether the top-level code is Success.
    pub fn is_success(&self) -> bool {
        self.code == StatusCode::Success.as_uri()
    }
}

/// Everything a successful login Response says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginResponse {
    /// The Response's `ID` (from the caller's RNG, see [`crate::new_id`]).
    pub response_id: String,
    /// The Assertion's `ID`.
    pub assertion_id: String,
    /// The IdP's entityID (`Issuer` of both).
    pub issuer: String,
    /// The ACS URL: `Destination` and `Recipient`.
    pub destination: String,
    /// The AuthnRequest's ID; `None` for IdP-initiated SSO.
    pub in_response_to: Option<String>,
    /// The SP's entityID: the `Audience`.
    pub audience: String,
    /// The subject.
    pub name_id: NameId,
    /// `SessionIndex`: the IdP session, for Single Logout.
    pub session_index: Option<String>,
    /// When the user authenticated.
    pub authn_instant: OffsetDateTime,
    /// `AuthnContextClassRef` (e.g. [`AC_PASSWORD_PROTECTED_TRANSPORT`]).
    pub authn_context_class_ref: String,
    /// `SessionNotOnOrAfter`: when the SP should end its session.
    pub session_not_on_or_after: Option<OffsetDateTime>,
    /// Released attributes (an empty list writes no AttributeStatement).
    pub attributes: Vec<Attribute>,
    /// Now: `IssueInstant`s and `NotBefore`.
    pub now: OffsetDateTime,
    /// Assertion validity: `NotOnOrAfter` = `now` + this.
    pub lifetime: Duration,
}

/// How the Response is protected.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResponseOptions<'a> {
    /// Sign the `<samlp:Response>`.
    pub sign_response: bool,
    /// Sign the `<saml:Assertion>` (before any encryption).
    pub sign_assertion: bool,
    /// Encrypt the assertion to the SP.
    pub encrypt: Option<Encryption<'a>>,
}

fn check_ids(ids: &[(&str, &'static str)]) -> Result<()> {
    ids.iter()
        .try_for_each(|(id, name)| xml::check_id(id, name))
}

pub(crate) fn assertion_xml(r: &LoginResponse, key: &SigningKey, sign: bool) -> Result<String> {
    let not_on_or_after = format_time(r.now + r.lifetime);
    let mut a = format!(
        "<saml:Assertion xmlns:saml=\"{NS_ASSERTION}\" ID=\"{}\" Version=\"2.0\" IssueInstant=\"{}\">",
        escape(&r.assertion_id),
        format_time(r.now)
    );
    xml::issuer_element(&mut a, &r.issuer);
    if sign {
        a.push_str(&template(&r.assertion_id, key.certificate()));
    }
    a.push_str("<saml:Subject>");
    r.name_id.write(&mut a);
    a.push_str(&format!(
        "<saml:SubjectConfirmation Method=\"{CM_BEARER}\"><saml:SubjectConfirmationData NotOnOrAfter=\"{not_on_or_after}\" Recipient=\"{}\"",
        escape(&r.destination)
    ));
    if let Some(irt) = &r.in_response_to {
        a.push_str(&format!(" InResponseTo=\"{}\"", escape(irt)));
    }
    a.push_str("/></saml:SubjectConfirmation></saml:Subject>");
    a.push_str(&format!(
        "<saml:Conditions NotBefore=\"{}\" NotOnOrAfter=\"{not_on_or_after}\"><saml:AudienceRestriction><saml:Audience>{}</saml:Audience></saml:AudienceRestriction></saml:Conditions>",
        format_time(r.now),
        escape(&r.audience)
    ));
    a.push_str(&format!(
        "<saml:AuthnStatement AuthnInstant=\"{}\"",
        format_time(r.authn_instant)
    ));
    if let Some(si) = &r.session_index {
        a.push_str(&format!(" SessionIndex=\"{}\"", escape(si)));
    }
    if let Some(t) = r.session_not_on_or_after {
        a.push_str(&format!(" SessionNotOnOrAfter=\"{}\"", format_time(t)));
    }
    a.push_str(&format!(
        "><saml:AuthnContext><saml:AuthnContextClassRef>{}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>",
        escape(&r.authn_context_class_ref)
    ));
    if !r.attributes.is_empty() {
        a.push_str("<saml:AttributeStatement>");
        for at in &r.attributes {
            a.push_str(&format!(
                "<saml:Attribute Name=\"{}\" NameFormat=\"{}\"",
                escape(&at.name),
                at.name_format.as_uri()
            ));
            if let Some(f) = &at.friendly_name {
                a.push_str(&format!(" FriendlyName=\"{}\"", escape(f)));
            }
            a.push('>');
            for v in &at.values {
                a.push_str("<saml:AttributeValue>");
                a.push_str(&escape(v));
                a.push_str("</saml:AttributeValue>");
            }
            a.push_str("</saml:Attribute>");
        }
        a.push_str("</saml:AttributeStatement>");
    }
    a.push_str("</saml:Assertion>");
    if sign {
        sign_enveloped(&a, key)
    } else {
        Ok(a)
    }
}

pub(crate) fn response_open(
    out: &mut String,
    id: &str,
    now: OffsetDateTime,
    destination: &str,
    in_response_to: Option<&str>,
    issuer: &str,
) {
    out.push_str(&format!(
        "<samlp:Response xmlns:samlp=\"{NS_PROTOCOL}\" xmlns:saml=\"{NS_ASSERTION}\" ID=\"{}\" Version=\"2.0\" IssueInstant=\"{}\" Destination=\"{}\"",
        escape(id),
        format_time(now),
        escape(destination)
    ));
    if let Some(irt) = in_response_to {
        out.push_str(&format!(" InResponseTo=\"{}\"", escape(irt)));
    }
    out.push('>');
    xml::issuer_element(out, issuer);
}

/// Builds the Response XML of a successful login (no XML declaration),
/// signed as `opts` asks; at least one of `sign_response` and
/// `sign_assertion` must be set (an unsigned bearer assertion is refused).
/// Encode it with [`crate::binding::post_value`] and send it with
/// [`crate::binding::post_form`].
pub fn build_response(
    r: &LoginResponse,
    key: &SigningKey,
    opts: &ResponseOptions<'_>,
) -> Result<String> {
    if !opts.sign_response && !opts.sign_assertion {
        return Err(SamlError::InvalidValue {
            name: "ResponseOptions",
            reason: "neither the Response nor the Assertion would be signed".into(),
        });
    }
    check_ids(&[
        (&r.response_id, "Response ID"),
        (&r.assertion_id, "Assertion ID"),
    ])?;
    if r.response_id == r.assertion_id {
        return Err(SamlError::InvalidValue {
            name: "Assertion ID",
            reason: "equals the Response ID".into(),
        });
    }
    if let Some(irt) = &r.in_response_to {
        xml::check_id(irt, "InResponseTo")?;
    }
    let assertion = assertion_xml(r, key, opts.sign_assertion)?;
    let assertion = match &opts.encrypt {
        Some(enc) => encrypt_assertion(&assertion, enc)?,
        None => assertion,
    };
    let mut out = String::with_capacity(assertion.len() + 3000);
    response_open(
        &mut out,
        &r.response_id,
        r.now,
        &r.destination,
        r.in_response_to.as_deref(),
        &r.issuer,
    );
    if opts.sign_response {
        out.push_str(&template(&r.response_id, key.certificate()));
    }
    write_status(&mut out, &Status::success());
    out.push_str(&assertion);
    out.push_str("</samlp:Response>");
    if opts.sign_response {
        sign_enveloped(&out, key)
    } else {
        Ok(out)
    }
}

/// An error Response: no assertion, only the status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorResponse {
    /// The Response's `ID`.
    pub response_id: String,
    /// The IdP's entityID.
    pub issuer: String,
    /// The ACS URL.
    pub destination: String,
    /// The AuthnRequest's ID, if known.
    pub in_response_to: Option<String>,
    /// Now.
    pub now: OffsetDateTime,
    /// The status (see [`Status::error`]).
    pub status: Status,
}

/// Builds an error Response, signed when `key` is given.
pub fn build_error_response(r: &ErrorResponse, key: Option<&SigningKey>) -> Result<String> {
    xml::check_id(&r.response_id, "Response ID")?;
    if r.status.is_success() {
        return Err(SamlError::InvalidValue {
            name: "StatusCode",
            reason: "an error Response cannot carry Success".into(),
        });
    }
    if let Some(irt) = &r.in_response_to {
        xml::check_id(irt, "InResponseTo")?;
    }
    let mut out = String::new();
    response_open(
        &mut out,
        &r.response_id,
        r.now,
        &r.destination,
        r.in_response_to.as_deref(),
        &r.issuer,
    );
    if let Some(k) = key {
        out.push_str(&template(&r.response_id, k.certificate()));
    }
    write_status(&mut out, &r.status);
    out.push_str("</samlp:Response>");
    match key {
        Some(k) => sign_enveloped(&out, k),
        None => Ok(out),
    }
}
