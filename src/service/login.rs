//! Password login, sessions and logout. The failure path costs the same
//! whether or not the user exists, and says the same thing. Users synced
//! from an LDAP source are checked by their directory (`ldap_login`).

use serde_json::json;
use time::Duration;

use super::{record, Hub, ServiceError};
use crate::core::event::{Actor, AuditEvent};
use crate::core::session::Session;
use crate::core::tenant::Tenant;
use crate::core::user::{User, UserStatus};
use crate::secrets::tokens::new_token;
use crate::store::{passwords, sessions, users, StoreError};

/// Who is trying, from where.
#[derive(Debug, Clone, Default)]
pub struct LoginContext {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Why a login failed, as the login page may say it.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("invalid username or password")]
    InvalidCredentials,
    #[error("too many failed attempts; try again in {retry_after_seconds} seconds")]
    Throttled { retry_after_seconds: u64 },
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<StoreError> for LoginError {
    fn from(e: StoreError) -> Self {
        Self::Service(e.into())
    }
}

impl From<sqlx::Error> for LoginError {
    fn from(e: sqlx::Error) -> Self {
        Self::Service(e.into())
    }
}

impl From<crate::secrets::password::PasswordError> for LoginError {
    fn from(e: crate::secrets::password::PasswordError) -> Self {
        Self::Service(e.into())
    }
}

const MAX_LOGIN_BYTES: usize = 512;

impl Hub {
    /// Checks `login` (username or email) and `password`; on success starts
    /// a session and returns it with its cookie token.
    pub async fn password_login(
        &self,
        tenant: &Tenant,
        login: &str,
        password: &str,
        ctx: &LoginContext,
    ) -> Result<(Session, String, User), LoginError> {
        let settings = &tenant.settings;
        let window = Duration::seconds(settings.lockout_window_seconds);
        let now = self.now();
        let login = login.trim();
        let account_key = format!("{}:acct:{}", tenant.id, login.to_lowercase());
        let ip_key = ctx.ip.as_ref().map(|ip| format!("{}:ip:{ip}", tenant.id));
        let blocked = self
            .throttle
            .blocked_for(
                &account_key,
                settings.max_failed_logins_per_account,
                window,
                now,
            )
            .or_else(|| {
                ip_key.as_ref().and_then(|k| {
                    self.throttle
                        .blocked_for(k, settings.max_failed_logins_per_ip, window, now)
                })
            });
        if let Some(retry_after_seconds) = blocked {
            self.record_login_failure(tenant, login, ctx, "throttled")
                .await?;
            return Err(LoginError::Throttled {
                retry_after_seconds,
            });
        }

        let user = if login.is_empty() || login.len() > MAX_LOGIN_BYTES {
            None
        } else {
            let mut conn = self.store.conn().await?;
            match users::by_login(&mut conn, tenant.id, login).await {
                Ok(user) => Some(user),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            }
        };
        let password = if password.len() > crate::core::password::MAX_PASSWORD_BYTES {
            String::new()
        } else {
            password.to_owned()
        };
        // A user synced from a directory is checked by the directory.
        let by_directory = match &user {
            Some(u) => self.check_directory_password(tenant, u, &password).await,
            None => None,
        };
        let verified = match by_directory {
            Some(accepted) => accepted,
            None => {
                let hash = match &user {
                    Some(u) => {
                        let mut conn = self.store.conn().await?;
                        passwords::get(&mut conn, tenant.id, u.id).await?
                    }
                    None => None,
                };
                self.passwords.verify(password, hash).await?
            }
        };
        let user = match user {
            Some(u) if verified && u.status == UserStatus::Active => u,
            other => {
                self.throttle.record_failure(&account_key, window, now);
                if let Some(k) = &ip_key {
                    self.throttle.record_failure(k, window, now);
                }
                let reason = match other {
                    Some(u) if verified && u.status != UserStatus::Active => "disabled",
                    Some(_) => "bad_password",
                    None => "unknown_user",
                };
                self.record_login_failure(tenant, login, ctx, reason)
                    .await?;
                return Err(LoginError::InvalidCredentials);
            }
        };
        self.throttle.clear(&account_key);

        let mut session = Session::start(tenant.id, user.id, now, settings);
        session.ip = ctx.ip.clone();
        session.user_agent = ctx
            .user_agent
            .as_ref()
            .map(|ua| ua.chars().take(512).collect());
        let token = new_token("");
        let mut tx = self.store.begin().await?;
        sessions::insert(&mut tx, &session, &self.secrets.hash(&token)).await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, Actor::User(user.id), "login.succeeded")
                .target("session", session.id)
                .ip(ctx.ip.clone())
                .details(json!({ "method": "password" })),
        )
        .await
        .map_err(LoginError::Service)?;
        tx.commit().await?;
        Ok((session, token, user))
    }

    async fn record_login_failure(
        &self,
        tenant: &Tenant,
        login: &str,
        ctx: &LoginContext,
        reason: &str,
    ) -> Result<(), LoginError> {
        let attempted: String = login.chars().take(128).collect();
        let mut tx = self.store.begin().await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, self.now(), Actor::Anonymous, "login.failed")
                .failed()
                .ip(ctx.ip.clone())
                .details(json!({ "login": attempted, "reason": reason })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live session behind a cookie token, with its user; records the
    /// use at most once a minute.
    pub async fn session_from_token(
        &self,
        tenant: &Tenant,
        token: &str,
    ) -> Result<Option<(Session, User)>, ServiceError> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let now = self.now();
        let mut conn = self.store.conn().await?;
        let session =
            match sessions::by_token_hash(&mut conn, tenant.id, &self.secrets.hash(token)).await {
                Ok(s) => s,
                Err(StoreError::NotFound) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
        if !session.is_live(now, &tenant.settings) {
            return Ok(None);
        }
        let user = match users::get(&mut conn, tenant.id, session.user_id).await {
            Ok(u) if u.status == UserStatus::Active => u,
            Ok(_) | Err(StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if session.touch_due(now) {
            sessions::touch(&mut conn, tenant.id, session.id, now).await?;
        }
        Ok(Some((session, user)))
    }

    /// Ends the session behind a cookie token, if any.
    pub async fn logout(
        &self,
        tenant: &Tenant,
        token: &str,
        ip: Option<String>,
    ) -> Result<bool, ServiceError> {
        let Some((session, user)) = self.session_from_token(tenant, token).await? else {
            return Ok(false);
        };
        let mut tx = self.store.begin().await?;
        sessions::delete(&mut tx, tenant.id, session.id).await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, self.now(), Actor::User(user.id), "logout")
                .target("session", session.id)
                .ip(ip),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
