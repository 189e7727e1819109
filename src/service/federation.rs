//! Federated login, whatever the upstream protocol: an identity an upstream
//! provider vouched for becomes a USSO session. A known identity logs its
//! linked user in; an unknown one is linked to an existing user only by the
//! rule the tenant set for that provider (its asserted email), or creates a
//! user when the provider allows it (just-in-time provisioning); otherwise
//! it is refused with a reason the login page can show. Mapped groups follow
//! the provider at each login. All of it is one transaction.

use std::collections::BTreeSet;

use serde_json::json;

use super::provisioning::{Provisioner, UserState};
use super::{record, Hub, ServiceError};
use crate::core::event::{Actor, AuditEvent};
use crate::core::group::Member;
use crate::core::session::Session;
use crate::core::tenant::Tenant;
use crate::core::upstream_idp::{
    FederatedIdentity, UpstreamIdentity, UpstreamIdp, UpstreamSession,
};
use crate::core::user::{parse_email, Email, User, UserFields, UserStatus};
use crate::secrets::tokens::new_token;
use crate::store::{federation, groups, sessions, users, StoreError};

use super::login::LoginContext;

/// Why a federated login was refused, as the login page may say it.
#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    #[error("no account here is linked to this identity, and this provider may not create one")]
    NoAccount,
    #[error("an account with this email already exists; sign in with it first")]
    EmailTaken,
    #[error("this account is disabled")]
    Disabled,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<StoreError> for FederationError {
    fn from(e: StoreError) -> Self {
        Self::Service(e.into())
    }
}

impl From<sqlx::Error> for FederationError {
    fn from(e: sqlx::Error) -> Self {
        Self::Service(e.into())
    }
}

/// What a federated login produced.
#[derive(Debug)]
pub struct FederatedLogin {
    pub session: Session,
    /// The session cookie's value.
    pub token: String,
    pub user: User,
    /// The user was created by this login.
    pub created: bool,
    /// The identity was linked to an existing user by this login.
    pub linked: bool,
}

/// How the user came and from where.
#[derive(Debug)]
pub struct Arrival<'a> {
    pub tenant: &'a Tenant,
    pub idp: &'a UpstreamIdp,
    pub identity: UpstreamIdentity,
    pub upstream_session: Option<UpstreamSession>,
    pub ctx: &'a LoginContext,
}

/// A username for a user created from `identity`: the asserted username,
/// else the email, else the provider name and subject.
fn username_for(idp: &UpstreamIdp, identity: &UpstreamIdentity) -> String {
    identity
        .username
        .clone()
        .or_else(|| identity.email.clone())
        .unwrap_or_else(|| format!("{}:{}", idp.name, identity.subject))
        .chars()
        .take(255)
        .collect()
}

impl Hub {
    /// Logs in the user behind an identity `arrival.idp` vouched for.
    pub async fn federated_login(
        &self,
        arrival: Arrival<'_>,
    ) -> Result<FederatedLogin, FederationError> {
        let Arrival {
            tenant,
            idp,
            identity,
            upstream_session,
            ctx,
        } = arrival;
        let now = self.now();
        let policy = idp.accounts();
        let mut tx = self.store.begin().await?;
        let mut created = false;
        let mut linked = false;
        let user = match federation::identity(&mut tx, tenant.id, idp.id, &identity.subject).await {
            Ok(link) => {
                federation::touch_identity(&mut tx, tenant.id, idp.id, &identity.subject, now)
                    .await?;
                users::get(&mut tx, tenant.id, link.user_id).await?
            }
            Err(StoreError::NotFound) => {
                let email = identity.email.as_deref().and_then(|e| parse_email(e).ok());
                let owner = match &email {
                    Some(e) => match users::by_email(&mut tx, tenant.id, e).await {
                        Ok(u) => Some(u),
                        Err(StoreError::NotFound) => None,
                        Err(e) => return Err(e.into()),
                    },
                    None => None,
                };
                let user = match owner {
                    Some(u) if policy.link_by_email => {
                        linked = true;
                        u
                    }
                    Some(_) => return Err(FederationError::EmailTaken),
                    None if !policy.create_users => return Err(FederationError::NoAccount),
                    None => {
                        created = true;
                        self.create_federated_user(&mut tx, tenant, idp, &identity, email)
                            .await?
                    }
                };
                federation::link(
                    &mut tx,
                    &FederatedIdentity {
                        tenant_id: tenant.id,
                        idp_id: idp.id,
                        subject: identity.subject.clone(),
                        user_id: user.id,
                        created_at: now,
                        last_login_at: now,
                    },
                )
                .await?;
                record(
                    &mut tx,
                    &AuditEvent::new(tenant.id, now, Actor::User(user.id), "identity.linked")
                        .target("user", user.id)
                        .details(json!({
                            "idp": idp.name,
                            "subject": identity.subject,
                            "rule": if created { "created" } else { "verified_email" },
                        })),
                )
                .await?;
                user
            }
            Err(e) => return Err(e.into()),
        };
        if user.status != UserStatus::Active {
            return Err(FederationError::Disabled);
        }
        let changed_groups = self
            .follow_mapped_groups(&mut tx, tenant, idp, &user, &identity)
            .await?;

        let mut session = Session::start(tenant.id, user.id, now, &tenant.settings);
        session.ip = ctx.ip.clone();
        session.user_agent = ctx
            .user_agent
            .as_ref()
            .map(|ua| ua.chars().take(512).collect());
        let token = new_token("");
        sessions::insert(&mut tx, &session, &self.secrets.hash(&token)).await?;
        if let Some(upstream) = &upstream_session {
            federation::insert_session(&mut tx, tenant.id, session.id, upstream).await?;
        }
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, Actor::User(user.id), "login.succeeded")
                .target("session", session.id)
                .ip(ctx.ip.clone())
                .details(json!({
                    "method": idp.kind(),
                    "idp": idp.name,
                    "groups_changed": changed_groups,
                })),
        )
        .await?;
        tx.commit().await?;
        Ok(FederatedLogin {
            session,
            token,
            user,
            created,
            linked,
        })
    }

    async fn create_federated_user(
        &self,
        conn: &mut sqlx::AnyConnection,
        tenant: &Tenant,
        idp: &UpstreamIdp,
        identity: &UpstreamIdentity,
        email: Option<String>,
    ) -> Result<User, FederationError> {
        let mut username = username_for(idp, identity);
        if users::by_login(conn, tenant.id, &username).await.is_ok() {
            // Taken by someone else (not by email: that was ruled on above).
            username = format!("{}:{}", idp.name, identity.subject)
                .chars()
                .take(255)
                .collect();
        }
        let fields = UserFields {
            username,
            emails: email
                .map(|value| Email {
                    value,
                    verified: idp.accounts().trust_email,
                    primary: true,
                    kind: None,
                })
                .into_iter()
                .collect(),
            given_name: identity.given_name.clone(),
            family_name: identity.family_name.clone(),
            display_name: identity.display_name.clone(),
            ..UserFields::default()
        };
        let by = Provisioner {
            actor: Actor::System,
            details: json!({ "via": idp.kind(), "idp": idp.name }),
        };
        let state = UserState {
            fields,
            status: UserStatus::Active,
            password: None,
        };
        self.provision_user_in(conn, &by, tenant, state)
            .await
            .map_err(|e| match e {
                ServiceError::Conflict { field } if field.contains("email") => {
                    FederationError::EmailTaken
                }
                other => other.into(),
            })
    }

    /// Joins the core groups the provider's asserted groups map to, and
    /// leaves the mapped ones it no longer asserts; returns how many
    /// memberships changed. A mapped group that does not exist is skipped.
    async fn follow_mapped_groups(
        &self,
        conn: &mut sqlx::AnyConnection,
        tenant: &Tenant,
        idp: &UpstreamIdp,
        user: &User,
        identity: &UpstreamIdentity,
    ) -> Result<usize, FederationError> {
        let map = &idp.mapping().group_map;
        if map.is_empty() {
            return Ok(0);
        }
        let wanted: BTreeSet<&str> = identity
            .groups
            .iter()
            .filter_map(|g| map.get(g).map(String::as_str))
            .collect();
        let mapped: BTreeSet<&str> = map.values().map(String::as_str).collect();
        let now = self.now();
        let mut changed = 0;
        for name in mapped {
            let group = match groups::by_name(conn, tenant.id, name).await {
                Ok(g) => g,
                Err(StoreError::NotFound) => continue,
                Err(e) => return Err(e.into()),
            };
            let member = Member::User(user.id);
            if wanted.contains(name) {
                if groups::add_member(conn, tenant.id, group.id, member, now).await? {
                    changed += 1;
                }
            } else {
                match groups::remove_member(conn, tenant.id, group.id, member).await {
                    Ok(()) => changed += 1,
                    Err(StoreError::NotFound) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(changed)
    }
}
