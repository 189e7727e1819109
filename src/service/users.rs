//! User use cases: create (with an optional password), read, list, update,
//! disable/enable, delete, set a password.

use serde_json::json;

use super::{record, Hub, ServiceError};
use crate::core::event::{Actor, AuditEvent};
use crate::core::filter::Filter;
use crate::core::password::check_password_policy;
use crate::core::tenant::Tenant;
use crate::core::user::{User, UserFields, UserStatus};
use crate::core::UserId;
use crate::store::{passwords, sessions, users, Page};

impl Hub {
    pub async fn create_user(
        &self,
        actor: Actor,
        tenant: &Tenant,
        fields: UserFields,
        password: Option<String>,
    ) -> Result<User, ServiceError> {
        let fields = fields.validate()?;
        let hash = match password {
            Some(p) => {
                check_password_policy(&p)?;
                Some(self.passwords.hash(p).await?)
            }
            None => None,
        };
        let now = self.now();
        let user = User {
            id: UserId::new(now),
            tenant_id: tenant.id,
            username: fields.username,
            emails: fields.emails,
            phone: fields.phone,
            given_name: fields.given_name,
            family_name: fields.family_name,
            display_name: fields.display_name,
            locale: fields.locale,
            status: UserStatus::Active,
            external_ids: fields.external_ids,
            profile: fields.profile.unwrap_or_default(),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let mut tx = self.store.begin().await?;
        users::insert(&mut tx, &user).await?;
        if let Some(hash) = &hash {
            passwords::set(&mut tx, tenant.id, user.id, hash, now).await?;
        }
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, actor, "user.created")
                .target("user", user.id)
                .details(json!({ "username": user.username, "password_set": hash.is_some() })),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn get_user(&self, tenant: &Tenant, id: UserId) -> Result<User, ServiceError> {
        let mut conn = self.store.conn().await?;
        users::get(&mut conn, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("user"))
    }

    /// A user by id or, failing that, by username or email.
    pub async fn find_user(
        &self,
        tenant: &Tenant,
        id_or_login: &str,
    ) -> Result<User, ServiceError> {
        let mut conn = self.store.conn().await?;
        if let Ok(id) = id_or_login.parse::<UserId>() {
            if let Ok(user) = users::get(&mut conn, tenant.id, id).await {
                return Ok(user);
            }
        }
        users::by_login(&mut conn, tenant.id, id_or_login)
            .await
            .map_err(ServiceError::not_found("user"))
    }

    pub async fn list_users(
        &self,
        tenant: &Tenant,
        filter: Option<&str>,
        page: Page<'_>,
    ) -> Result<Vec<User>, ServiceError> {
        let filter = match filter {
            Some(raw) => Filter::parse(raw, users::FILTER_ATTRIBUTES)?,
            None => Filter::default(),
        };
        let mut conn = self.store.conn().await?;
        Ok(users::list(&mut conn, tenant.id, &filter, page).await?)
    }

    /// Replaces the user's editable fields. `expected_version`, when given,
    /// must match the stored version (optimistic concurrency).
    pub async fn update_user(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: UserId,
        fields: UserFields,
        expected_version: Option<i64>,
    ) -> Result<User, ServiceError> {
        let fields = fields.validate()?;
        let mut tx = self.store.begin().await?;
        let mut user = users::get(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("user"))?;
        let read_version = user.version;
        if expected_version.is_some_and(|v| v != read_version) {
            return Err(ServiceError::VersionMismatch);
        }
        user.username = fields.username;
        user.emails = fields.emails;
        user.phone = fields.phone;
        user.given_name = fields.given_name;
        user.family_name = fields.family_name;
        user.display_name = fields.display_name;
        user.locale = fields.locale;
        user.external_ids = fields.external_ids;
        if let Some(profile) = fields.profile {
            user.profile = profile;
        }
        user.updated_at = self.now();
        user.version = read_version + 1;
        users::update(&mut tx, &user, read_version).await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, user.updated_at, actor, "user.updated")
                .target("user", user.id),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Disables or enables a user; disabling ends the user's sessions.
    pub async fn set_user_status(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: UserId,
        status: UserStatus,
    ) -> Result<User, ServiceError> {
        let mut tx = self.store.begin().await?;
        let mut user = users::get(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("user"))?;
        if user.status == status {
            return Ok(user);
        }
        let read_version = user.version;
        user.status = status;
        // The status is now stated, and provisioning clients read it back.
        user.profile.status_unstated = false;
        user.updated_at = self.now();
        user.version += 1;
        users::update(&mut tx, &user, read_version).await?;
        let ended = if status == UserStatus::Disabled {
            sessions::delete_for_user(&mut tx, tenant.id, id).await?
        } else {
            0
        };
        let action = match status {
            UserStatus::Disabled => "user.disabled",
            UserStatus::Active => "user.enabled",
        };
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, user.updated_at, actor, action)
                .target("user", user.id)
                .details(json!({ "sessions_ended": ended })),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn delete_user(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: UserId,
    ) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        users::delete(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("user"))?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, self.now(), actor, "user.deleted").target("user", id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a user's password and ends the user's other sessions.
    pub async fn set_password(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: UserId,
        password: String,
    ) -> Result<(), ServiceError> {
        check_password_policy(&password)?;
        let hash = self.passwords.hash(password).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        users::get(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("user"))?;
        passwords::set(&mut tx, tenant.id, id, &hash, now).await?;
        let ended = sessions::delete_for_user(&mut tx, tenant.id, id).await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, actor, "user.password_set")
                .target("user", id)
                .details(json!({ "sessions_ended": ended })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
