//! Parsing the JWS header and payload as one JSON object each (RFC 7515
//! §5.2 steps 3 and 4; RFC 7519 §7.2 step 10), refusing duplicate member
//! names at the top level rather than silently keeping the last one.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde_json::{Map, Value};

use super::{JoseError, Part};

/// Parses `bytes` as exactly one JSON object with unique top-level members.
pub(crate) fn parse_object(bytes: &[u8], part: Part) -> Result<Map<String, Value>, JoseError> {
    let mut duplicate = None;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = UniqueObject {
        duplicate: &mut duplicate,
    }
    .deserialize(&mut de)
    .and_then(|map| de.end().map(|()| map));
    match (parsed, duplicate) {
        (Ok(map), _) => Ok(map),
        (Err(_), Some(name)) => Err(JoseError::DuplicateMember(part, name)),
        (Err(_), None) => Err(JoseError::NotJsonObject(part)),
    }
}

/// A seed that reads a JSON object and records the first repeated name.
struct UniqueObject<'a> {
    duplicate: &'a mut Option<String>,
}

impl<'de> DeserializeSeed<'de> for UniqueObject<'_> {
    type Value = Map<String, Value>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for UniqueObject<'_> {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = Map::new();
        while let Some(name) = access.next_key::<String>()? {
            let value: Value = access.next_value()?;
            if map.contains_key(&name) {
                *self.duplicate = Some(name);
                return Err(de::Error::custom("duplicate member"));
            }
            map.insert(name, value);
        }
        Ok(map)
    }
}
