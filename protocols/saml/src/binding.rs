//! The HTTP-Redirect (saml-bindings-2.0-os §3.4) and HTTP-POST (§3.5)
//! bindings, both ways: decoding an inbound `SAMLRequest`/`SAMLResponse`
//! with its `RelayState` and signature, under size caps that stop deflate
//! bombs; and encoding an outbound message as a signed redirect query or an
//! auto-submitting HTML form.
//!
//! Decoding is two steps, so that the caller can find the peer first:
//! [`InboundMessage`] exposes the (untrusted) `Issuer` to look up the SP and
//! its registered certificates, then [`InboundMessage::verify`] checks the
//! signature and hands back only what it covers.

use crate::error::{Result, SamlError};
use crate::keys::{decode_base64, Certificate, SigningKey};
use crate::names::Binding;
use crate::signature::{self, SignaturePolicy, RSA_SHA256};
use crate::xml::{self, NS_ASSERTION};
use base64::Engine;
use std::io::Read;

/// Which form field or query parameter carries the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageField {
    /// `SAMLRequest`: AuthnRequest, LogoutRequest.
    Request,
    /// `SAMLResponse`: Response, LogoutResponse.
    Response,
}

impl MessageField {
    /// The parameter name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Request => "SAMLRequest",
            Self::Response => "SAMLResponse",
        }
    }
}

/// Size caps for inbound messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest encoded (base64, after URL-decoding) message, in bytes.
    pub max_encoded: usize,
    /// Largest XML after base64 decoding and, for Redirect, inflating.
    pub max_xml: usize,
    /// Largest `RelayState` in bytes (the binding asks senders for 80 at
    /// most, §3.4.3; deployed SPs send more).
    pub max_relay_state: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_encoded: 128 * 1024,
            max_xml: 256 * 1024,
            max_relay_state: 1024,
        }
    }
}

#[derive(Debug, Clone)]
struct Detached {
    /// `SAMLRequest=…&RelayState=…&SigAlg=…` exactly as received.
    octets: String,
    sig_alg: String,
    signature: Vec<u8>,
}

/// A decoded inbound message whose signature has not been checked yet.
#[derive(Debug, Clone)]
pub struct InboundMessage {
    binding: Binding,
    field: MessageField,
    xml: String,
    relay_state: Option<String>,
    detached: Option<Detached>,
    root: String,
    issuer: Option<String>,
    in_response_to: Option<String>,
    enveloped: bool,
}

/// A message whose signature checked out (or that the policy let through
/// unsigned): only the signed content is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedMessage {
    /// The XML to read: for an enveloped signature, the signed element's
    /// canonical octets; for a Redirect signature, the inflated message.
    pub xml: String,
    /// Whether a signature was verified (false: unsigned and allowed).
    pub signed: bool,
    /// The binding the message came over.
    pub binding: Binding,
    /// `RelayState`, to be returned unchanged to the peer.
    pub relay_state: Option<String>,
}

fn form_decode(raw: &str) -> String {
    url::form_urlencoded::parse(format!("v={raw}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn check_relay_state(rs: &str, limits: &Limits) -> Result<()> {
    if rs.len() > limits.max_relay_state {
        return Err(SamlError::TooLarge {
            what: "RelayState",
            size: rs.len(),
            limit: limits.max_relay_state,
        });
    }
    Ok(())
}

fn decode_b64_capped(value: &str, field: MessageField, limits: &Limits) -> Result<Vec<u8>> {
    if value.len() > limits.max_encoded {
        return Err(SamlError::TooLarge {
            what: "encoded message",
            size: value.len(),
            limit: limits.max_encoded,
        });
    }
    decode_base64(value, field.as_str())
}

/// Inflates raw DEFLATE (RFC 1951), reading at most `limit + 1` bytes.
fn inflate_capped(data: &[u8], limit: usize) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(data)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| SamlError::Inflate(e.to_string()))?;
    if out.len() > limit {
        return Err(SamlError::TooLarge {
            what: "inflated message",
            size: out.len(),
            limit,
        });
    }
    Ok(out)
}

impl InboundMessage {
    /// Decodes an HTTP-Redirect message from the raw query string as
    /// received (with or without the leading `?`, still percent-encoded):
    /// `field` = base64(DEFLATE(xml)), optional `RelayState`, and optional
    /// `SigAlg` + `Signature`. The signed octets are kept exactly as sent
    /// (§3.4.4.1), never re-encoded.
    pub fn from_redirect(query: &str, field: MessageField, limits: &Limits) -> Result<Self> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let cap = limits.max_encoded * 3 + limits.max_relay_state * 3 + 8192;
        if query.len() > cap {
            return Err(SamlError::TooLarge {
                what: "query string",
                size: query.len(),
                limit: cap,
            });
        }
        let names = [field.as_str(), "RelayState", "SigAlg", "Signature"];
        let mut raw: [Option<&str>; 4] = [None; 4];
        for part in query.split('&') {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            if let Some(i) = names.iter().position(|n| *n == k) {
                if raw[i].is_some() {
                    return Err(SamlError::DuplicateParameter(names[i]));
                }
                raw[i] = Some(v);
            }
        }
        let [msg_raw, rs_raw, alg_raw, sig_raw] = raw;
        let msg_raw = msg_raw.ok_or(SamlError::MissingParameter(field.as_str()))?;
        let relay_state = rs_raw.map(form_decode);
        if let Some(rs) = &relay_state {
            check_relay_state(rs, limits)?;
        }
        let deflated = decode_b64_capped(&form_decode(msg_raw), field, limits)?;
        let inflated = inflate_capped(&deflated, limits.max_xml)?;
        let text = xml::guard(&inflated, "inflated message", limits.max_xml)?.to_owned();
        let detached = match (alg_raw, sig_raw) {
            (None, None) => None,
            (Some(_), None) => return Err(SamlError::MissingParameter("Signature")),
            (None, Some(_)) => return Err(SamlError::MissingParameter("SigAlg")),
            (Some(alg), Some(sig)) => {
                let mut octets = format!("{}={msg_raw}", field.as_str());
                if let Some(rs) = rs_raw {
                    octets.push_str("&RelayState=");
                    octets.push_str(rs);
                }
                octets.push_str("&SigAlg=");
                octets.push_str(alg);
                Some(Detached {
                    octets,
                    sig_alg: form_decode(alg),
                    signature: decode_base64(&form_decode(sig), "Signature")?,
                })
            }
        };
        Self::peek(Binding::HttpRedirect, field, text, relay_state, detached)
    }

    /// Decodes an HTTP-POST message: the form's `SAMLRequest`/`SAMLResponse`
    /// value (base64 of the XML) and its `RelayState`, both already
    /// form-decoded by the HTTP layer.
    pub fn from_post(
        value: &str,
        relay_state: Option<&str>,
        field: MessageField,
        limits: &Limits,
    ) -> Result<Self> {
        if let Some(rs) = relay_state {
            check_relay_state(rs, limits)?;
        }
        let bytes = decode_b64_capped(value, field, limits)?;
        let text = xml::guard(&bytes, "decoded message", limits.max_xml)?.to_owned();
        Self::peek(
            Binding::HttpPost,
            field,
            text,
            relay_state.map(str::to_owned),
            None,
        )
    }

    fn peek(
        binding: Binding,
        field: MessageField,
        xml_text: String,
        relay_state: Option<String>,
        detached: Option<Detached>,
    ) -> Result<Self> {
        let (root, issuer, in_response_to, enveloped) = {
            let doc = xml::parse(&xml_text)?;
            let root = doc.root_element();
            let issuer = xml::child(root, NS_ASSERTION, "Issuer")?
                .map(|i| xml::text(i, "Issuer"))
                .transpose()?;
            (
                root.tag_name().name().to_owned(),
                issuer,
                root.attribute("InResponseTo").map(str::to_owned),
                signature::has_enveloped(&doc),
            )
        };
        Ok(Self {
            binding,
            field,
            xml: xml_text,
            relay_state,
            detached,
            root,
            issuer,
            in_response_to,
            enveloped,
        })
    }

    /// The binding it came over.
    pub fn binding(&self) -> Binding {
        self.binding
    }

    /// The field it came in.
    pub fn field(&self) -> MessageField {
        self.field
    }

    /// The root element's local name (`AuthnRequest`, `LogoutRequest`, …).
    pub fn root_name(&self) -> &str {
        &self.root
    }

    /// The `<saml:Issuer>` as claimed by the unverified message: use it only
    /// to find the peer whose certificates [`Self::verify`] needs.
    pub fn claimed_issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The root's `InResponseTo` as claimed by the unverified message: use
    /// it only to find the pending request (and so the IdP) a Response
    /// without `<saml:Issuer>` answers.
    pub fn claimed_in_response_to(&self) -> Option<&str> {
        self.in_response_to.as_deref()
    }

    /// The decoded XML, unverified.
    pub(crate) fn xml(&self) -> &str {
        &self.xml
    }

    /// `RelayState`, if any.
    pub fn relay_state(&self) -> Option<&str> {
        self.relay_state.as_deref()
    }

    /// Whether the message carries a signature (detached or enveloped).
    pub fn is_signed(&self) -> bool {
        match self.binding {
            Binding::HttpRedirect => self.detached.is_some(),
            Binding::HttpPost => self.enveloped,
        }
    }

    /// Checks the signature with the peer's registered certificates (never
    /// one carried in the message). A signed message is always checked when
    /// certificates are registered; an unsigned one passes only if the policy
    /// does not require a signature.
    pub fn verify(
        self,
        certs: &[Certificate],
        policy: &SignaturePolicy,
    ) -> Result<VerifiedMessage> {
        let signed = self.is_signed();
        if !signed || (certs.is_empty() && !policy.require_signed) {
            if policy.require_signed {
                return Err(SamlError::SignatureRequired);
            }
            return Ok(VerifiedMessage {
                xml: self.xml,
                signed: false,
                binding: self.binding,
                relay_state: self.relay_state,
            });
        }
        let xml = match &self.detached {
            Some(d) if self.binding == Binding::HttpRedirect => {
                signature::verify_detached(
                    d.octets.as_bytes(),
                    &d.sig_alg,
                    &d.signature,
                    certs,
                    policy,
                )?;
                self.xml
            }
            _ => signature::verify_enveloped(&self.xml, certs, policy)?,
        };
        Ok(VerifiedMessage {
            xml,
            signed: true,
            binding: self.binding,
            relay_state: self.relay_state,
        })
    }
}

/// Encodes `xml` for the HTTP-Redirect binding and returns the query string
/// (without `?`): `field=…[&RelayState=…][&SigAlg=…&Signature=…]`, signed
/// RSA-SHA256 over the exact octets when `key` is given (§3.4.4.1). The XML
/// must not carry an enveloped signature.
pub fn redirect_query(
    field: MessageField,
    xml: &str,
    relay_state: Option<&str>,
    key: Option<&SigningKey>,
) -> Result<String> {
    use flate2::write::DeflateEncoder;
    use std::io::Write;
    let mut enc = DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(xml.as_bytes())
        .and_then(|_| enc.finish())
        .map_err(|e| SamlError::Crypto(format!("deflate: {e}")))
        .map(|deflated| {
            let b64 = base64::engine::general_purpose::STANDARD.encode(deflated);
            let enc =
                |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let mut q = format!("{}={}", field.as_str(), enc(&b64));
            if let Some(rs) = relay_state {
                q.push_str("&RelayState=");
                q.push_str(&enc(rs));
            }
            (q, enc)
        })
        .and_then(|(mut q, enc)| {
            if let Some(key) = key {
                q.push_str("&SigAlg=");
                q.push_str(&enc(RSA_SHA256));
                let sig = signature::sign_detached(q.as_bytes(), key)?;
                q.push_str("&Signature=");
                q.push_str(&enc(&sig));
            }
            Ok(q)
        })
}

/// Appends a [`redirect_query`] to an endpoint URL that may already hold a
/// query.
pub fn redirect_url(endpoint: &str, query: &str) -> String {
    let sep = if endpoint.contains('?') { '&' } else { '?' };
    format!("{endpoint}{sep}{query}")
}

/// The HTTP-POST value of a message: base64 of the XML (§3.5.4).
pub fn post_value(xml: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(xml.as_bytes())
}

/// The only script of [`post_form`], exactly as written between its
/// `<script>` tags, for the hub's Content-Security-Policy hash.
pub const POST_FORM_SCRIPT: &str = "document.forms[0].submit();";

/// An HTML page that POSTs `field=value` (and `RelayState`) to
/// `action_url` on load (§3.5.4); with scripts off, a Continue button in
/// `<noscript>` does it. Every value is HTML-escaped.
pub fn post_form(
    action_url: &str,
    field: MessageField,
    value_b64: &str,
    relay_state: Option<&str>,
) -> String {
    let e = xml::escape;
    let mut html = String::with_capacity(value_b64.len() + 600);
    html.push_str("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Continue</title></head><body>\n");
    html.push_str(&format!(
        "<form method=\"post\" action=\"{}\">\n<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
        e(action_url),
        field.as_str(),
        e(value_b64)
    ));
    if let Some(rs) = relay_state {
        html.push_str(&format!(
            "<input type=\"hidden\" name=\"RelayState\" value=\"{}\">\n",
            e(rs)
        ));
    }
    html.push_str("<noscript><p>Scripts are off: press Continue to go on.</p><button type=\"submit\">Continue</button></noscript>\n</form>\n");
    html.push_str(&format!(
        "<script>{POST_FORM_SCRIPT}</script>\n</body></html>\n"
    ));
    html
}
