//! Search results as this crate reads them: an entry's DN and attributes
//! (RFC 4511 §4.5.2 SearchResultEntry) and the name and value of an
//! IntermediateResponse (§4.13), taken from ldap3's decoded tags without any
//! step that could panic on a malformed message.

use ldap3::asn1::{StructureTag, TagClass, PL};
use ldap3::controls::{Control, RawControl};
use ldap3::ResultEntry;

use crate::error::{Error, Result};

/// One search result entry: DN, attributes with their raw values, and the
/// controls that came with it.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawEntry {
    pub dn: String,
    pub(crate) attrs: Vec<(String, Vec<Vec<u8>>)>,
    pub controls: Vec<RawControl>,
}

/// What a message from a search stream is.
#[derive(Debug)]
pub(crate) enum Message {
    Entry(RawEntry),
    Intermediate {
        name: Option<String>,
        value: Option<Vec<u8>>,
    },
    Referral,
}

impl RawEntry {
    /// An entry from parts (tests and fixtures).
    #[cfg(test)]
    pub fn new(dn: &str, attrs: Vec<(&str, Vec<Vec<u8>>)>) -> Self {
        Self {
            dn: dn.to_owned(),
            attrs: attrs
                .into_iter()
                .map(|(name, values)| (name.to_owned(), values))
                .collect(),
            controls: Vec::new(),
        }
    }

    /// The raw values of attribute `name` (ASCII case ignored; options such
    /// as `;binary` on the returned description are ignored).
    pub fn values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s [u8]> + 's {
        self.attrs
            .iter()
            .filter(move |(desc, _)| {
                let base = desc.split(';').next().unwrap_or(desc);
                base.eq_ignore_ascii_case(name)
            })
            .flat_map(|(_, values)| values.iter().map(Vec::as_slice))
    }

    /// The first value of `name` as UTF-8 text, if any.
    pub fn text(&self, name: &str) -> Option<String> {
        self.values(name)
            .find_map(|v| std::str::from_utf8(v).ok())
            .map(str::to_owned)
    }

    /// Every UTF-8 value of `name`.
    pub fn texts(&self, name: &str) -> Vec<String> {
        self.values(name)
            .filter_map(|v| std::str::from_utf8(v).ok())
            .map(str::to_owned)
            .collect()
    }

    /// Whether `objectClass` holds one of `classes` (ASCII case ignored).
    pub fn has_class(&self, classes: &[String]) -> bool {
        self.values("objectClass")
            .any(|v| classes.iter().any(|c| c.as_bytes().eq_ignore_ascii_case(v)))
    }

    /// The control with OID `oid`, if the entry carries one.
    pub fn control(&self, oid: &str) -> Option<&RawControl> {
        self.controls.iter().find(|c| c.ctype == oid)
    }
}

/// Classifies one item of a search stream.
pub(crate) fn read_message(re: ResultEntry) -> Result<Message> {
    let tag = re.0;
    let controls = re.1;
    let controls: Vec<RawControl> = controls.into_iter().map(|Control(_, raw)| raw).collect();
    if tag.class != TagClass::Application {
        return Err(Error::Malformed(
            "search response is not an application tag",
        ));
    }
    match tag.id {
        4 => {
            let mut entry = read_entry(tag.payload)?;
            entry.controls = controls;
            Ok(Message::Entry(entry))
        }
        19 => Ok(Message::Referral),
        25 => Ok(read_intermediate(tag.payload)),
        _ => Err(Error::Malformed("unexpected search response")),
    }
}

/// SearchResultEntry ::= [APPLICATION 4] SEQUENCE { objectName LDAPDN,
/// attributes PartialAttributeList }.
fn read_entry(payload: PL) -> Result<RawEntry> {
    const BAD: Error = Error::Malformed("bad SearchResultEntry");
    let PL::C(parts) = payload else {
        return Err(BAD);
    };
    let mut parts = parts.into_iter();
    let dn = parts.next().and_then(primitive).ok_or(BAD)?;
    let dn = String::from_utf8(dn).map_err(|_| BAD)?;
    let mut attrs = Vec::new();
    if let Some(StructureTag {
        payload: PL::C(list),
        ..
    }) = parts.next()
    {
        for attr in list {
            let PL::C(pair) = attr.payload else {
                return Err(BAD);
            };
            let mut pair = pair.into_iter();
            let name = pair.next().and_then(primitive).ok_or(BAD)?;
            let name = String::from_utf8(name).map_err(|_| BAD)?;
            let values = match pair.next() {
                Some(StructureTag {
                    payload: PL::C(vals),
                    ..
                }) => vals.into_iter().filter_map(primitive).collect(),
                _ => Vec::new(),
            };
            attrs.push((name, values));
        }
    }
    Ok(RawEntry {
        dn,
        attrs,
        controls: Vec::new(),
    })
}

/// IntermediateResponse ::= [APPLICATION 25] SEQUENCE { responseName [0]
/// LDAPOID OPTIONAL, responseValue [1] OCTET STRING OPTIONAL }.
fn read_intermediate(payload: PL) -> Message {
    let mut name = None;
    let mut value = None;
    if let PL::C(parts) = payload {
        for part in parts {
            match (part.class, part.id, part.payload) {
                (TagClass::Context, 0, PL::P(bytes)) => name = String::from_utf8(bytes).ok(),
                (TagClass::Context, 1, PL::P(bytes)) => value = Some(bytes),
                _ => {}
            }
        }
    }
    Message::Intermediate { name, value }
}

fn primitive(tag: StructureTag) -> Option<Vec<u8>> {
    match tag.payload {
        PL::P(bytes) => Some(bytes),
        PL::C(_) => None,
    }
}
