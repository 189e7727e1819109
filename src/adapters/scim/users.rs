//! The SCIM `/Users` operations (RFC 7644 §3.3 create, §3.4.1 read, §3.5.1
//! replace, §3.5.2 modify, §3.6 delete) for one provisioning client, over
//! the hub's provisioning use cases.

use serde_json::Value;
use usso_scim::patch::PatchRequest;
use usso_scim::ScimError;
use usso_scim::{ResourceType, WriteMode};

use super::context::ScimClient;
use super::user_map::{user_resource, user_write, GroupRef};
use super::{parse_id, scim_error, Precondition};
use crate::core::user::User;
use crate::core::UserId;
use crate::service::Hub;
use crate::store::{group_links, users};

/// The resource type every `/Users` call checks against.
pub fn user_type() -> &'static ResourceType {
    static TYPE: std::sync::LazyLock<ResourceType> = std::sync::LazyLock::new(ResourceType::user);
    &TYPE
}

pub async fn create_user(hub: &Hub, client: &ScimClient, body: Value) -> Result<Value, ScimError> {
    let resource = user_type().check_write(body, WriteMode::Create, None)?;
    let write = user_write(client, &resource, None)?;
    let user = hub
        .provision_user(&client.provisioner(), &client.tenant, write.into_state())
        .await
        .map_err(scim_error)?;
    Ok(user_resource(client.reader(), &user, &[]))
}

/// [`create_user`] inside the caller's transaction (a `/Bulk` batch).
pub async fn create_user_in(
    hub: &Hub,
    client: &ScimClient,
    conn: &mut sqlx::AnyConnection,
    body: Value,
) -> Result<Value, ScimError> {
    let resource = user_type().check_write(body, WriteMode::Create, None)?;
    let write = user_write(client, &resource, None)?;
    let user = hub
        .provision_user_in(
            conn,
            &client.provisioner(),
            &client.tenant,
            write.into_state(),
        )
        .await
        .map_err(scim_error)?;
    Ok(user_resource(client.reader(), &user, &[]))
}

pub async fn get_user(hub: &Hub, client: &ScimClient, id: &str) -> Result<Value, ScimError> {
    let user = load(hub, client, id).await?;
    render(hub, client, &user).await
}

pub async fn replace_user(
    hub: &Hub,
    client: &ScimClient,
    id: &str,
    body: Value,
    precondition: &Precondition,
) -> Result<Value, ScimError> {
    let user = load(hub, client, id).await?;
    precondition.check(user.version)?;
    let current = render(hub, client, &user).await?;
    let resource = user_type().check_write(body, WriteMode::Replace, Some(&current))?;
    store_replacement(hub, client, &user, &resource).await
}

pub async fn patch_user(
    hub: &Hub,
    client: &ScimClient,
    id: &str,
    patch: &PatchRequest,
    precondition: &Precondition,
) -> Result<Value, ScimError> {
    let user = load(hub, client, id).await?;
    precondition.check(user.version)?;
    let current = render(hub, client, &user).await?;
    let patched = patch.apply(&current, user_type())?;
    if patched == current {
        // Nothing changed: no new version, no event (RFC 7644 §3.5.2).
        return Ok(current);
    }
    let resource = user_type().check_write(patched, WriteMode::Replace, Some(&current))?;
    store_replacement(hub, client, &user, &resource).await
}

pub async fn delete_user(
    hub: &Hub,
    client: &ScimClient,
    id: &str,
    precondition: &Precondition,
) -> Result<(), ScimError> {
    let user = load(hub, client, id).await?;
    precondition.check(user.version)?;
    hub.deprovision_user(
        &client.provisioner(),
        &client.tenant,
        user.id,
        Some(user.version),
    )
    .await
    .map_err(scim_error)
}

async fn store_replacement(
    hub: &Hub,
    client: &ScimClient,
    user: &User,
    resource: &Value,
) -> Result<Value, ScimError> {
    let write = user_write(client, resource, Some(user))?;
    let updated = hub
        .reprovision_user(
            &client.provisioner(),
            &client.tenant,
            user.id,
            write.into_state(),
            Some(user.version),
        )
        .await
        .map_err(scim_error)?;
    render(hub, client, &updated).await
}

pub(crate) async fn load(hub: &Hub, client: &ScimClient, id: &str) -> Result<User, ScimError> {
    let id: UserId = parse_id(id)?;
    let mut conn = hub.store.conn().await.map_err(|e| scim_error(e.into()))?;
    users::get(&mut conn, client.tenant.id, id)
        .await
        .map_err(|e| scim_error(crate::service::ServiceError::not_found("user")(e)))
}

/// The full resource of `user`, with the groups it is a direct member of.
pub(crate) async fn render(
    hub: &Hub,
    client: &ScimClient,
    user: &User,
) -> Result<Value, ScimError> {
    let groups = groups_of(hub, client, &[user.id]).await?;
    let mine = groups.get(&user.id).map_or(&[][..], Vec::as_slice);
    Ok(user_resource(client.reader(), user, mine))
}

/// The direct groups of each of `users`, for their `groups` attribute.
pub(crate) async fn groups_of(
    hub: &Hub,
    client: &ScimClient,
    users: &[UserId],
) -> Result<std::collections::HashMap<UserId, Vec<GroupRef>>, ScimError> {
    let mut conn = hub.store.conn().await.map_err(|e| scim_error(e.into()))?;
    let rows = group_links::direct_groups_of_users(&mut conn, client.tenant.id, users)
        .await
        .map_err(|e| scim_error(e.into()))?;
    Ok(rows
        .into_iter()
        .map(|(user, groups)| {
            let refs = groups
                .into_iter()
                .map(|(id, name)| GroupRef { id, name })
                .collect();
            (user, refs)
        })
        .collect())
}
