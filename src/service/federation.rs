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
use crate::store::{federation, groups, sessions, upstream_idps, users, StoreError};

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

/// Links `subject` at `idp` to `user`, with its `identity.linked` event
/// saying by which `rule` (`created`, `verified_email`, `signed_in`).
async fn link_identity(
    conn: &mut sqlx::AnyConnection,
    tenant: &Tenant,
    idp: &UpstreamIdp,
    subject: &str,
    user: crate::core::UserId,
    rule: &str,
    now: time::OffsetDateTime,
) -> Result<(), ServiceError> {
    federation::link(
        &mut *conn,
        &FederatedIdentity {
            tenant_id: tenant.id,
            idp_id: idp.id,
            subject: subject.to_owned(),
            user_id: user,
            created_at: now,
            last_login_at: now,
        },
    )
    .await?;
    record(
        conn,
        &AuditEvent::new(tenant.id, now, Actor::User(user), "identity.linked")
            .target("user", user)
            .details(json!({ "idp": idp.name, "subject": subject, "rule": rule })),
    )
    .await
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
                let user = users::get(&mut tx, tenant.id, link.user_id).await?;
                self.follow_profile(&mut tx, tenant, idp, user, &identity)
                    .await?
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
                    Some(u) if policy.link_by_email && identity.email_verified => {
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
                let rule = if created { "created" } else { "verified_email" };
                link_identity(&mut tx, tenant, idp, &identity.subject, user.id, rule, now).await?;
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
                    verified: idp.accounts().trust_email && identity.email_verified,
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

    /// The names the provider asserts now replace the user's (the mapping
    /// is evaluated at each login, so a change upstream lands at the next
    /// one); one `user.updated` event when something changed. The email and
    /// username stay: they may identify the user elsewhere.
    async fn follow_profile(
        &self,
        conn: &mut sqlx::AnyConnection,
        tenant: &Tenant,
        idp: &UpstreamIdp,
        user: User,
        identity: &UpstreamIdentity,
    ) -> Result<User, FederationError> {
        let mut fields = user.to_fields();
        let mut changed = false;
        for (asserted, slot) in [
            (&identity.given_name, &mut fields.given_name),
            (&identity.family_name, &mut fields.family_name),
            (&identity.display_name, &mut fields.display_name),
        ] {
            if asserted.is_some() && asserted != slot {
                slot.clone_from(asserted);
                changed = true;
            }
        }
        if !changed || user.status != UserStatus::Active {
            return Ok(user);
        }
        let by = Provisioner {
            actor: Actor::System,
            details: json!({ "via": idp.kind(), "idp": idp.name }),
        };
        let state = UserState {
            fields,
            status: user.status,
            password: None,
        };
        match self
            .reprovision_user_in(conn, &by, tenant, user.id, state, Some(user.version))
            .await
        {
            Ok(updated) => Ok(updated),
            // A name the core refuses (too long…) keeps the stored one.
            Err(ServiceError::Invalid { .. }) => Ok(user),
            Err(e) => Err(e.into()),
        }
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

/// A link waiting for its proof: an identity whose email belongs to an
/// existing user, parked until that user signs in (by password) in the
/// same browser.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct ParkedLink {
    subject: String,
    email: String,
    return_to: Option<String>,
}

/// How long a parked link waits for the user to sign in.
pub const PARKED_LINK_LIFETIME: time::Duration = time::Duration::minutes(15);

impl Hub {
    /// Parks the link of `identity` (whose email another user owns) until
    /// that user proves the account is theirs by signing in; returns the
    /// token the browser keeps (in a cookie) to claim it.
    pub async fn park_link(
        &self,
        tenant: &Tenant,
        idp: &UpstreamIdp,
        identity: &UpstreamIdentity,
        return_to: Option<String>,
    ) -> Result<Option<String>, ServiceError> {
        let Some(email) = identity.email.clone() else {
            return Ok(None);
        };
        let token = new_token("");
        let parked = serde_json::to_string(&ParkedLink {
            subject: identity.subject.clone(),
            email,
            return_to,
        })
        .map_err(|e| ServiceError::Internal(format!("parked link: {e}")))?;
        let now = self.now();
        let mut conn = self.store.conn().await?;
        federation::insert_request(
            &mut conn,
            tenant.id,
            &self.secrets.hash(&token),
            idp.id,
            &parked,
            now,
            now + PARKED_LINK_LIFETIME,
        )
        .await?;
        Ok(Some(token))
    }

    /// `user` just signed in with a parked link's token: links the parked
    /// identity to them if the email it carried is one of theirs (the proof
    /// that the account is theirs). Returns the provider's name when linked.
    pub async fn claim_parked_link(
        &self,
        tenant: &Tenant,
        token: &str,
        user: &User,
    ) -> Result<Option<String>, ServiceError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let Some((idp_id, json)) =
            federation::take_any_request(&mut tx, tenant.id, &self.secrets.hash(token), now)
                .await?
        else {
            return Ok(None);
        };
        let Ok(parked) = serde_json::from_str::<ParkedLink>(&json) else {
            return Ok(None);
        };
        let owns = user
            .emails
            .iter()
            .any(|e| e.value.eq_ignore_ascii_case(&parked.email));
        if !owns {
            tx.commit().await?;
            return Ok(None);
        }
        let idp = upstream_idps::get(&mut tx, tenant.id, idp_id).await?;
        match federation::identity(&mut tx, tenant.id, idp.id, &parked.subject).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(None);
            }
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        link_identity(
            &mut tx,
            tenant,
            &idp,
            &parked.subject,
            user.id,
            "signed_in",
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(idp.name))
    }
}
