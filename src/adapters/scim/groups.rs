//! The SCIM `/Groups` operations (RFC 7644 §3.3 to §3.6) for one
//! provisioning client: groups with their direct members, users or groups.

use serde_json::Value;
use usso_scim::patch::PatchRequest;
use usso_scim::{ResourceType, WriteMode};
use usso_scim::{ScimError, ScimType};

use super::context::ScimClient;
use super::group_map::{group_resource, group_write, MemberKind, MemberValue};
use super::{parse_id, scim_error, Precondition};
use crate::core::group::{Group, Member};
use crate::core::{GroupId, UserId};
use crate::service::provisioning::{GroupExternalId, GroupState};
use crate::service::{Hub, ServiceError};
use crate::store::{group_links, groups};

/// The resource type every `/Groups` call checks against.
pub fn group_type() -> &'static ResourceType {
    static TYPE: std::sync::LazyLock<ResourceType> = std::sync::LazyLock::new(ResourceType::group);
    &TYPE
}

pub async fn create_group(hub: &Hub, client: &ScimClient, body: Value) -> Result<Value, ScimError> {
    let resource = group_type().check_write(body, WriteMode::Create, None)?;
    let write = group_write(&resource)?;
    let members = resolve_members(hub, client, &write.members).await?;
    let source = client.source();
    let group = hub
        .provision_group(
            &client.provisioner(),
            &client.tenant,
            GroupState {
                name: &write.name,
                external_id: GroupExternalId {
                    source: &source,
                    id: write.external_id.as_deref(),
                },
                members: &members,
            },
        )
        .await
        .map_err(scim_error)?;
    render(hub, client, &group).await
}

pub async fn get_group(hub: &Hub, client: &ScimClient, id: &str) -> Result<Value, ScimError> {
    let group = load(hub, client, id).await?;
    render(hub, client, &group).await
}

pub async fn replace_group(
    hub: &Hub,
    client: &ScimClient,
    id: &str,
    body: Value,
    precondition: &Precondition,
) -> Result<Value, ScimError> {
    let group = load(hub, client, id).await?;
    precondition.check(group.version)?;
    let current = render(hub, client, &group).await?;
    let resource = group_type().check_write(body, WriteMode::Replace, Some(&current))?;
    store_replacement(hub, client, &group, &resource).await
}

pub async fn patch_group(
    hub: &Hub,
    client: &ScimClient,
    id: &str,
    patch: &PatchRequest,
    precondition: &Precondition,
) -> Result<Value, ScimError> {
    let group = load(hub, client, id).await?;
    precondition.check(group.version)?;
    let current = render(hub, client, &group).await?;
    let patched = patch.apply(&current, group_type())?;
    if patched == current {
        return Ok(current);
    }
    let resource = group_type().check_write(patched, WriteMode::Replace, Some(&current))?;
    store_replacement(hub, client, &group, &resource).await
}

pub async fn delete_group(
    hub: &Hub,
    client: &ScimClient,
    id: &str,
    precondition: &Precondition,
) -> Result<(), ScimError> {
    let group = load(hub, client, id).await?;
    precondition.check(group.version)?;
    hub.deprovision_group(
        &client.provisioner(),
        &client.tenant,
        group.id,
        Some(group.version),
    )
    .await
    .map_err(scim_error)
}

async fn store_replacement(
    hub: &Hub,
    client: &ScimClient,
    group: &Group,
    resource: &Value,
) -> Result<Value, ScimError> {
    let write = group_write(resource)?;
    let members = resolve_members(hub, client, &write.members).await?;
    let source = client.source();
    let updated = hub
        .reprovision_group(
            &client.provisioner(),
            &client.tenant,
            group.id,
            GroupState {
                name: &write.name,
                external_id: GroupExternalId {
                    source: &source,
                    id: write.external_id.as_deref(),
                },
                members: &members,
            },
            Some(group.version),
        )
        .await
        .map_err(scim_error)?;
    render(hub, client, &updated).await
}

pub(crate) async fn load(hub: &Hub, client: &ScimClient, id: &str) -> Result<Group, ScimError> {
    let id: GroupId = parse_id(id)?;
    let mut conn = hub.store.conn().await.map_err(|e| scim_error(e.into()))?;
    groups::get(&mut conn, client.tenant.id, id)
        .await
        .map_err(|e| scim_error(ServiceError::not_found("group")(e)))
}

/// The full resource of `group` with its members and this client's
/// external id.
pub(crate) async fn render(
    hub: &Hub,
    client: &ScimClient,
    group: &Group,
) -> Result<Value, ScimError> {
    let mut rendered = render_all(hub, client, std::slice::from_ref(group)).await?;
    rendered.pop().ok_or_else(ScimError::internal)
}

/// The resources of `groups` (a page of a listing), in order: their members
/// and external ids read in three queries, not three per group.
pub(crate) async fn render_all(
    hub: &Hub,
    client: &ScimClient,
    groups: &[Group],
) -> Result<Vec<Value>, ScimError> {
    let mut conn = hub.store.conn().await.map_err(|e| scim_error(e.into()))?;
    let tenant = client.tenant.id;
    let ids: Vec<GroupId> = groups.iter().map(|g| g.id).collect();
    let members = group_links::members_of_groups(&mut conn, tenant, &ids)
        .await
        .map_err(|e| scim_error(e.into()))?;
    let external = group_links::external_ids(&mut conn, tenant, &ids, &client.source())
        .await
        .map_err(|e| scim_error(e.into()))?;
    Ok(groups
        .iter()
        .map(|group| {
            group_resource(
                client.reader(),
                group,
                external.get(&group.id).map(String::as_str),
                members.get(&group.id).map_or(&[][..], Vec::as_slice),
            )
        })
        .collect())
}

/// The core members named by a client: ids of users or groups of the
/// tenant; an id of neither is refused (400 invalidValue).
async fn resolve_members(
    hub: &Hub,
    client: &ScimClient,
    values: &[MemberValue],
) -> Result<Vec<Member>, ScimError> {
    let bad = |id: &str| {
        ScimError::typed(ScimType::InvalidValue).with_detail(format!(
            "member {id:?} is not a user or group of this tenant"
        ))
    };
    let mut members = Vec::with_capacity(values.len());
    let mut unknown_kind = Vec::new();
    for value in values {
        match value.kind {
            Some(MemberKind::User) => members.push(Member::User(
                value.id.parse::<UserId>().map_err(|_| bad(&value.id))?,
            )),
            Some(MemberKind::Group) => members.push(Member::Group(
                value.id.parse::<GroupId>().map_err(|_| bad(&value.id))?,
            )),
            None => unknown_kind.push(value.id.as_str()),
        }
    }
    if !unknown_kind.is_empty() {
        let as_users: Vec<UserId> = unknown_kind
            .iter()
            .map(|id| id.parse::<UserId>().map_err(|_| bad(id)))
            .collect::<Result<_, _>>()?;
        let mut conn = hub.store.conn().await.map_err(|e| scim_error(e.into()))?;
        let users = group_links::existing_users(&mut conn, client.tenant.id, &as_users)
            .await
            .map_err(|e| scim_error(e.into()))?;
        for id in as_users {
            if users.contains(&id) {
                members.push(Member::User(id));
            } else {
                // Not a user: a group, or nothing (the hub refuses that).
                members.push(Member::Group(GroupId::from_uuid(id.as_uuid())));
            }
        }
    }
    Ok(members)
}
