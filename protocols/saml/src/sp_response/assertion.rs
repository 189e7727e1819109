//! Reading and checking a `<saml:Assertion>` from an upstream IdP, once its
//! signed octets are known (saml-core-2.0-os §2.3.3): Version, ID,
//! IssueInstant and Issuer (§2.2.5); the Subject with one `<saml:NameID>`
//! (§2.4.1); a bearer `<saml:SubjectConfirmation>` as the Web SSO profile
//! asks (saml-profiles-2.0-os §4.1.4.2, §4.1.4.3: Recipient, NotOnOrAfter,
//! no NotBefore, InResponseTo); the Conditions (§2.5.1: validity window,
//! every AudienceRestriction naming this SP); the AuthnStatement (§2.7.2);
//! and the attributes (§2.7.3).

use super::ResponseExpectations;
use crate::error::{Result, SamlError};
use crate::message::NAMEID_ENTITY;
use crate::names::NameIdFormat;
use crate::response::{Attribute, AttributeNameFormat, NameId, CM_BEARER};
use crate::xml::{self, format_time, NS_ASSERTION};
use time::OffsetDateTime;

/// What the assertion says, checked.
#[derive(Debug)]
pub(super) struct ReadAssertion {
    pub id: String,
    pub issuer: String,
    pub in_response_to: Option<String>,
    pub name_id: NameId,
    pub name_id_format_uri: Option<String>,
    pub session_index: Option<String>,
    pub authn_instant: OffsetDateTime,
    pub authn_context_class_ref: Option<String>,
    pub session_not_on_or_after: Option<OffsetDateTime>,
    pub not_on_or_after: OffsetDateTime,
    pub attributes: Vec<Attribute>,
}

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

fn expired(what: &'static str, t: OffsetDateTime, now: OffsetDateTime) -> SamlError {
    SamlError::AssertionExpired {
        what,
        not_on_or_after: format_time(t),
        now: format_time(now),
    }
}

/// Reads and checks the assertion `a` (the root of its signed octets, or
/// of the signed Response's copy of it). `response_irt` is the Response's
/// `InResponseTo`, which the confirmation's must equal when both are given.
pub(super) fn read(
    a: roxmltree::Node<'_, '_>,
    exp: &ResponseExpectations<'_>,
    response_irt: Option<&str>,
    now: OffsetDateTime,
) -> Result<ReadAssertion> {
    if !xml::is(a, NS_ASSERTION, "Assertion") {
        return Err(SamlError::UnexpectedElement {
            expected: "{urn:oasis:names:tc:SAML:2.0:assertion}Assertion",
            found: xml::expanded(a),
        });
    }
    let version = xml::required_attr(a, "Version")?;
    if version != "2.0" {
        return Err(SamlError::VersionMismatch(version.to_owned()));
    }
    let id = xml::required_attr(a, "ID")?.to_owned();
    xml::check_id(&id, "Assertion ID")?;
    let issued = xml::parse_time(xml::required_attr(a, "IssueInstant")?, "IssueInstant")?;
    if issued > now + exp.clock_skew {
        return Err(SamlError::IssuedInFuture {
            issue_instant: format_time(issued),
            now: format_time(now),
        });
    }
    if issued < now - exp.max_age - exp.clock_skew {
        return Err(SamlError::Expired {
            issue_instant: format_time(issued),
            now: format_time(now),
        });
    }
    let issuer = issuer(a, exp)?;
    let subject =
        xml::child(a, NS_ASSERTION, "Subject")?.ok_or(SamlError::MissingElement("Subject"))?;
    let (name_id, name_id_format_uri) = name_id(subject)?;
    let (confirmed_until, in_response_to) = bearer(subject, exp, response_irt, now)?;
    let conditions_until = conditions(a, exp, now)?;
    let not_on_or_after = match conditions_until {
        Some(c) if c < confirmed_until => c,
        _ => confirmed_until,
    };
    let authn = xml::child(a, NS_ASSERTION, "AuthnStatement")?
        .ok_or(SamlError::MissingElement("AuthnStatement"))?;
    let authn_instant = xml::time_attr(authn, "AuthnInstant")?
        .ok_or(SamlError::MissingAttribute("AuthnInstant"))?;
    let session_not_on_or_after = xml::time_attr(authn, "SessionNotOnOrAfter")?;
    if let Some(t) = session_not_on_or_after {
        if t <= now {
            return Err(expired("SessionNotOnOrAfter", t, now));
        }
    }
    let authn_context_class_ref = match xml::child(authn, NS_ASSERTION, "AuthnContext")? {
        Some(ctx) => xml::child(ctx, NS_ASSERTION, "AuthnContextClassRef")?
            .map(|c| xml::text(c, "AuthnContextClassRef"))
            .transpose()?,
        None => None,
    };
    Ok(ReadAssertion {
        id,
        issuer,
        in_response_to,
        name_id,
        name_id_format_uri,
        session_index: authn.attribute("SessionIndex").map(str::to_owned),
        authn_instant,
        authn_context_class_ref,
        session_not_on_or_after,
        not_on_or_after,
        attributes: attributes(a)?,
    })
}

fn issuer(a: roxmltree::Node<'_, '_>, exp: &ResponseExpectations<'_>) -> Result<String> {
    let node = xml::child(a, NS_ASSERTION, "Issuer")?;
    let found = node.map(|i| xml::text(i, "Issuer")).transpose()?;
    if let Some(f) = node.and_then(|i| i.attribute("Format")) {
        if f != NAMEID_ENTITY {
            return Err(SamlError::InvalidValue {
                name: "Issuer Format",
                reason: f.to_owned(),
            });
        }
    }
    match found {
        Some(i) if i == exp.idp_entity_id => Ok(i),
        other => Err(SamlError::IssuerMismatch {
            expected: exp.idp_entity_id.to_owned(),
            found: other,
        }),
    }
}

fn name_id(subject: roxmltree::Node<'_, '_>) -> Result<(NameId, Option<String>)> {
    if xml::child(subject, NS_ASSERTION, "EncryptedID")?.is_some() {
        return Err(SamlError::Unsupported("EncryptedID in the Subject"));
    }
    if xml::child(subject, NS_ASSERTION, "BaseID")?.is_some() {
        return Err(SamlError::Unsupported("BaseID in the Subject"));
    }
    let n =
        xml::child(subject, NS_ASSERTION, "NameID")?.ok_or(SamlError::MissingElement("NameID"))?;
    // Exactly as signed: no trimming, so that two subjects never merge.
    let value = xml::exact_text(n, "NameID")?;
    if value.trim().is_empty() {
        return Err(SamlError::InvalidValue {
            name: "NameID",
            reason: "empty".into(),
        });
    }
    let raw_format = n.attribute("Format").map(|f| f.trim().to_owned());
    let format = raw_format
        .as_deref()
        .and_then(NameIdFormat::from_uri)
        .unwrap_or(NameIdFormat::Unspecified);
    Ok((
        NameId {
            format,
            value,
            name_qualifier: n.attribute("NameQualifier").map(str::to_owned),
            sp_name_qualifier: n.attribute("SPNameQualifier").map(str::to_owned),
        },
        raw_format,
    ))
}

/// The first bearer confirmation that passes; else the first one's error.
/// Returns its `NotOnOrAfter` and `InResponseTo`.
fn bearer(
    subject: roxmltree::Node<'_, '_>,
    exp: &ResponseExpectations<'_>,
    response_irt: Option<&str>,
    now: OffsetDateTime,
) -> Result<(OffsetDateTime, Option<String>)> {
    let mut first_error = None;
    for sc in xml::children(subject, NS_ASSERTION, "SubjectConfirmation")
        .filter(|sc| sc.attribute("Method").map(str::trim) == Some(CM_BEARER))
    {
        match one_bearer(sc, exp, response_irt, now) {
            Ok(v) => return Ok(v),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| {
        SamlError::NoBearerConfirmation("no SubjectConfirmation with the bearer method".into())
    }))
}

fn one_bearer(
    sc: roxmltree::Node<'_, '_>,
    exp: &ResponseExpectations<'_>,
    response_irt: Option<&str>,
    now: OffsetDateTime,
) -> Result<(OffsetDateTime, Option<String>)> {
    let data = xml::child(sc, NS_ASSERTION, "SubjectConfirmationData")?.ok_or_else(|| {
        SamlError::NoBearerConfirmation(
            "bearer confirmation without SubjectConfirmationData".into(),
        )
    })?;
    if data.attribute("NotBefore").is_some() {
        return Err(SamlError::NoBearerConfirmation(
            "bearer confirmation with NotBefore".into(),
        ));
    }
    let recipient = data.attribute("Recipient").map(str::trim);
    if recipient != Some(exp.acs_url) {
        return Err(SamlError::RecipientMismatch {
            expected: exp.acs_url.to_owned(),
            found: recipient.map(str::to_owned),
        });
    }
    let until = xml::time_attr(data, "NotOnOrAfter")?.ok_or_else(|| {
        SamlError::NoBearerConfirmation("bearer confirmation without NotOnOrAfter".into())
    })?;
    if until <= now - exp.clock_skew {
        return Err(expired("SubjectConfirmationData NotOnOrAfter", until, now));
    }
    let irt = data.attribute("InResponseTo").map(str::trim);
    if let (Some(r), Some(c)) = (response_irt, irt) {
        if r != c {
            return Err(SamlError::InResponseToMismatch {
                response: r.to_owned(),
                confirmation: c.to_owned(),
            });
        }
    }
    Ok((until, irt.map(str::to_owned)))
}

/// Checks the Conditions and returns their `NotOnOrAfter`.
fn conditions(
    a: roxmltree::Node<'_, '_>,
    exp: &ResponseExpectations<'_>,
    now: OffsetDateTime,
) -> Result<Option<OffsetDateTime>> {
    let no_audience = || SamlError::AudienceMismatch {
        expected: exp.sp_entity_id.to_owned(),
        found: Vec::new(),
    };
    let c = xml::child(a, NS_ASSERTION, "Conditions")?.ok_or_else(no_audience)?;
    if let Some(nb) = xml::time_attr(c, "NotBefore")? {
        if nb > now + exp.clock_skew {
            return Err(SamlError::NotYetValid {
                what: "Conditions NotBefore",
                not_before: format_time(nb),
                now: format_time(now),
            });
        }
    }
    let until = xml::time_attr(c, "NotOnOrAfter")?;
    if let Some(t) = until {
        if t <= now - exp.clock_skew {
            return Err(expired("Conditions NotOnOrAfter", t, now));
        }
    }
    if xml::children(c, NS_ASSERTION, "Condition").next().is_some() {
        return Err(SamlError::Unsupported("Condition of an unknown type"));
    }
    let mut restrictions = 0;
    for r in xml::children(c, NS_ASSERTION, "AudienceRestriction") {
        restrictions += 1;
        let audiences = xml::children(r, NS_ASSERTION, "Audience")
            .map(|n| xml::text(n, "Audience"))
            .collect::<Result<Vec<_>>>()?;
        if !audiences.iter().any(|x| x == exp.sp_entity_id) {
            return Err(SamlError::AudienceMismatch {
                expected: exp.sp_entity_id.to_owned(),
                found: audiences,
            });
        }
    }
    if restrictions == 0 {
        return Err(no_audience());
    }
    Ok(until)
}

fn name_format(uri: Option<&str>) -> AttributeNameFormat {
    [AttributeNameFormat::Basic, AttributeNameFormat::Uri]
        .into_iter()
        .find(|f| uri.map(str::trim) == Some(f.as_uri()))
        .unwrap_or(AttributeNameFormat::Unspecified)
}

/// Attributes of every AttributeStatement (EncryptedAttribute is skipped);
/// a value is the element's whole text, at any depth.
fn attributes(a: roxmltree::Node<'_, '_>) -> Result<Vec<Attribute>> {
    let mut out = Vec::new();
    for st in xml::children(a, NS_ASSERTION, "AttributeStatement") {
        for at in xml::children(st, NS_ASSERTION, "Attribute") {
            let values = xml::children(at, NS_ASSERTION, "AttributeValue")
                .map(|v| {
                    let nil = v.attribute((XSI, "nil")).map(str::trim);
                    if matches!(nil, Some("true" | "1")) {
                        String::new()
                    } else {
                        xml::deep_text(v)
                    }
                })
                .collect();
            out.push(Attribute {
                name: xml::required_attr(at, "Name")?.to_owned(),
                name_format: name_format(at.attribute("NameFormat")),
                friendly_name: at.attribute("FriendlyName").map(str::to_owned),
                values,
            });
        }
    }
    Ok(out)
}
