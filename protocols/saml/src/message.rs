//! What every protocol message shares (saml-core-2.0-os §3.2.1
//! `RequestAbstractType`, §3.2.2 `StatusResponseType`): `ID`, `Version`,
//! `IssueInstant`, `Destination`, `Issuer`, and the checks made on them when
//! a message comes in (bindings §3.4.5.2 / §3.5.5.2 for `Destination`).

use crate::error::{Result, SamlError};
use crate::signature::SignaturePolicy;
use crate::xml::{self, NS_ASSERTION, NS_PROTOCOL};
use time::{Duration, OffsetDateTime};

/// `urn:oasis:names:tc:SAML:2.0:nameid-format:entity`, the Issuer format.
pub const NAMEID_ENTITY: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";

/// How an inbound message is judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagePolicy {
    /// Signature requirements.
    pub signature: SignaturePolicy,
    /// Tolerated clock difference with the peer.
    pub clock_skew: Duration,
    /// Oldest `IssueInstant` accepted (before skew).
    pub max_age: Duration,
    /// The URL this endpoint is reached at: a message's `Destination` must
    /// equal it (required when the message is signed).
    pub expected_destination: Option<String>,
}

impl Default for MessagePolicy {
    fn default() -> Self {
        Self {
            signature: SignaturePolicy::default(),
            clock_skew: Duration::minutes(3),
            max_age: Duration::minutes(10),
            expected_destination: None,
        }
    }
}

/// The checked common part of an inbound message.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub id: String,
    pub issue_instant: OffsetDateTime,
    pub destination: Option<String>,
    pub issuer: Option<String>,
}

/// Checks the root is `{samlp}expected`, then ID, Version, IssueInstant
/// against `now`, Destination, and reads Issuer.
pub(crate) fn header(
    root: roxmltree::Node<'_, '_>,
    expected: &'static str,
    expanded: &'static str,
    signed: bool,
    policy: &MessagePolicy,
    now: OffsetDateTime,
) -> Result<Header> {
    if !xml::is(root, NS_PROTOCOL, expected) {
        return Err(SamlError::UnexpectedElement {
            expected: expanded,
            found: xml::expanded(root),
        });
    }
    let version = xml::required_attr(root, "Version")?;
    if version != "2.0" {
        return Err(SamlError::VersionMismatch(version.to_owned()));
    }
    let id = xml::required_attr(root, "ID")?.to_owned();
    xml::check_id(&id, "ID")?;
    let issue_instant = xml::parse_time(xml::required_attr(root, "IssueInstant")?, "IssueInstant")?;
    if issue_instant > now + policy.clock_skew {
        return Err(SamlError::IssuedInFuture {
            issue_instant: xml::format_time(issue_instant),
            now: xml::format_time(now),
        });
    }
    if issue_instant < now - policy.max_age - policy.clock_skew {
        return Err(SamlError::Expired {
            issue_instant: xml::format_time(issue_instant),
            now: xml::format_time(now),
        });
    }
    let destination = root.attribute("Destination").map(|d| d.trim().to_owned());
    if let Some(expected) = &policy.expected_destination {
        let ok = match &destination {
            Some(d) => d == expected,
            None => !signed,
        };
        if !ok {
            return Err(SamlError::DestinationMismatch {
                expected: expected.clone(),
                found: destination,
            });
        }
    }
    let issuer = match xml::child(root, NS_ASSERTION, "Issuer")? {
        Some(i) => {
            if let Some(f) = i.attribute("Format") {
                if f != NAMEID_ENTITY {
                    return Err(SamlError::InvalidValue {
                        name: "Issuer Format",
                        reason: f.to_owned(),
                    });
                }
            }
            Some(xml::text(i, "Issuer")?)
        }
        None => None,
    };
    Ok(Header {
        id,
        issue_instant,
        destination,
        issuer,
    })
}

/// Reads a `<samlp:Status>` (§3.2.2.1): top-level code, optional nested
/// code, optional message.
pub(crate) fn status(root: roxmltree::Node<'_, '_>) -> Result<crate::response::Status> {
    let status =
        xml::child(root, NS_PROTOCOL, "Status")?.ok_or(SamlError::MissingElement("Status"))?;
    let code = xml::child(status, NS_PROTOCOL, "StatusCode")?
        .ok_or(SamlError::MissingElement("StatusCode"))?;
    let top = xml::required_attr(code, "Value")?.trim().to_owned();
    let second = xml::child(code, NS_PROTOCOL, "StatusCode")?
        .map(|c| xml::required_attr(c, "Value").map(|v| v.trim().to_owned()))
        .transpose()?;
    let message = xml::child(status, NS_PROTOCOL, "StatusMessage")?
        .map(|m| xml::text(m, "StatusMessage"))
        .transpose()?;
    Ok(crate::response::Status {
        code: top,
        second_level: second,
        message,
    })
}

/// Writes the `<samlp:Status>` element.
pub(crate) fn write_status(out: &mut String, s: &crate::response::Status) {
    out.push_str("<samlp:Status><samlp:StatusCode Value=\"");
    out.push_str(&xml::escape(&s.code));
    out.push('"');
    match &s.second_level {
        Some(c) => {
            out.push_str("><samlp:StatusCode Value=\"");
            out.push_str(&xml::escape(c));
            out.push_str("\"/></samlp:StatusCode>");
        }
        None => out.push_str("/>"),
    }
    if let Some(m) = &s.message {
        out.push_str("<samlp:StatusMessage>");
        out.push_str(&xml::escape(m));
        out.push_str("</samlp:StatusMessage>");
    }
    out.push_str("</samlp:Status>");
}
