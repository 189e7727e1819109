//! SCIM Group (RFC 7643 §4.2) ↔ core group and its direct members (users
//! and nested groups).

use serde_json::{json, Map, Value};
use usso_scim::schema::GROUP;
use usso_scim::{ScimError, ScimType};

use super::context::Reader;
use super::user_map::{list, text};
use crate::core::group::{Group, Member};

/// The SCIM representation of `group` with its direct `members` (value,
/// `$ref` and type: exactly what a client writes, so that it reads back what
/// it wrote).
pub fn group_resource(
    reader: Reader<'_>,
    group: &Group,
    external_id: Option<&str>,
    members: &[Member],
) -> Value {
    let mut out = Map::new();
    out.insert("schemas".into(), json!([GROUP]));
    out.insert("id".into(), group.id.to_string().into());
    if let Some(ext) = external_id {
        out.insert("externalId".into(), ext.into());
    }
    out.insert("displayName".into(), group.name.clone().into());
    if !members.is_empty() {
        let members = members
            .iter()
            .map(|m| {
                let (endpoint, kind) = match m {
                    Member::User(_) => ("Users", "User"),
                    Member::Group(_) => ("Groups", "Group"),
                };
                let id = m.id_string();
                json!({
                    "value": id,
                    "$ref": reader.location(endpoint, &id),
                    "type": kind,
                })
            })
            .collect();
        out.insert("members".into(), Value::Array(members));
    }
    out.insert(
        "meta".into(),
        super::meta(
            reader,
            "Group",
            "Groups",
            &group.id.to_string(),
            group.created_at,
            group.updated_at,
            group.version,
        ),
    );
    Value::Object(out)
}

/// A member named by a client: the id, and the type when the client said
/// which (`User` or `Group`); the adapter looks the id up otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberValue {
    pub id: String,
    pub kind: Option<MemberKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberKind {
    User,
    Group,
}

/// What a client's Group resource asks the core to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupWrite {
    pub name: String,
    pub external_id: Option<String>,
    pub members: Vec<MemberValue>,
}

/// Maps a canonical Group resource to what the core stores.
pub fn group_write(resource: &Value) -> Result<GroupWrite, ScimError> {
    let name = text(resource, "displayName").ok_or_else(|| {
        ScimError::typed(ScimType::InvalidValue).with_detail("attribute 'displayName' is required")
    })?;
    let mut members = Vec::new();
    for m in list(resource, "members") {
        let Some(id) = text(m, "value") else {
            return Err(ScimError::typed(ScimType::InvalidValue)
                .with_detail("every member needs a 'value' (the member's id)"));
        };
        let kind = match text(m, "type").as_deref().map(str::to_ascii_lowercase) {
            None => None,
            Some(k) if k == "user" => Some(MemberKind::User),
            Some(k) if k == "group" => Some(MemberKind::Group),
            Some(other) => {
                return Err(ScimError::typed(ScimType::InvalidValue)
                    .with_detail(format!("member type {other:?} is neither User nor Group")))
            }
        };
        members.push(MemberValue { id, kind });
    }
    Ok(GroupWrite {
        name,
        external_id: text(resource, "externalId"),
        members,
    })
}
