//! The test bench: a fresh, migrated store per test (a temp SQLite file, or a
//! freshly created PostgreSQL database when `USSO_TEST_POSTGRES_URL` is set),
//! the `store_tests!` macro that runs one case on both, record builders, and
//! assertions on `StoreError` kinds.

use std::future::Future;
use std::io::Write;
use std::sync::Once;

use sqlx::Connection;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use usso::core::api_key::{ApiKey, ApiScope};
use usso::core::event::{Actor, AuditEvent};
use usso::core::group::Group;
use usso::core::role::{Principal, Role, RoleAssignment};
use usso::core::session::Session;
use usso::core::tenant::{Slug, Tenant, TenantSettings};
use usso::core::user::{Email, User, UserStatus};
use usso::core::workspace::Workspace;
use usso::core::{
    ApiKeyId, AssignmentId, GroupId, RoleId, SessionId, TenantId, UserId, WorkspaceId,
};
use usso::store::{
    api_keys, events, groups, roles, sessions, tenants, users, workspaces, Store, StoreError,
};

/// Generates, for each named `async fn case(store: Store)`, a module with a
/// `sqlite` and a `postgres` test running it on a fresh database.
macro_rules! store_tests {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                crate::harness::run_sqlite(super::$name).await;
            }

            #[tokio::test]
            async fn postgres() {
                crate::harness::run_postgres(super::$name).await;
            }
        }
    )+};
}

/// The instant every test starts from (whole seconds: the store keeps
/// microseconds, so values read back compare equal).
pub const T0: OffsetDateTime = datetime!(2024-05-01 12:00:00 UTC);

/// `T0` plus `secs` seconds.
pub fn at(secs: i64) -> OffsetDateTime {
    T0 + Duration::seconds(secs)
}

/// Runs `case` on a migrated store in a fresh SQLite file.
pub async fn run_sqlite<F, Fut>(case: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = format!("sqlite://{}", dir.path().join("usso.db").display());
    let store = Store::connect(&url).await.expect("open SQLite");
    store.migrate().await.expect("migrate SQLite");
    let outcome = tokio::spawn(case(store.clone())).await;
    store.close().await;
    drop(dir);
    rethrow(outcome);
}

/// Runs `case` on a migrated store in a database created for it on the
/// server named by `USSO_TEST_POSTGRES_URL`, dropped afterwards (best
/// effort); skips, saying so loudly once, when the variable is not set.
pub async fn run_postgres<F, Fut>(case: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(server) = postgres_server() else {
        return;
    };
    let name = format!("usso_t_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&server)
        .await
        .expect("connect to USSO_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    let mut url = url::Url::parse(&server).expect("USSO_TEST_POSTGRES_URL is a URL");
    url.set_path(&format!("/{name}"));

    let store = Store::connect(url.as_str()).await.expect("open PostgreSQL");
    store.migrate().await.expect("migrate PostgreSQL");
    let outcome = tokio::spawn(case(store.clone())).await;
    store.close().await;
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await;
    let _ = admin.close().await;
    rethrow(outcome);
}

fn postgres_server() -> Option<String> {
    static WARN: Once = Once::new();
    match std::env::var("USSO_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            // Straight to the stderr handle, past libtest's output capture.
            WARN.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "\n!!! PostgreSQL SKIPPED: set USSO_TEST_POSTGRES_URL \
                     (e.g. postgres://postgres@127.0.0.1:5432/test) to run the store \
                     suite on PostgreSQL too; the `::postgres` tests below pass vacuously !!!\n"
                );
            });
            None
        }
    }
}

fn rethrow(outcome: Result<(), tokio::task::JoinError>) {
    if let Err(err) = outcome {
        match err.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(err) => unreachable!("test task did not finish: {err}"),
        }
    }
}

// ---------------------------------------------------------------- assertions

#[track_caller]
pub fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::NotFound)),
        "expected NotFound, got {result:?}"
    );
}

#[track_caller]
pub fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>, field: &str) {
    assert!(
        matches!(&result, Err(StoreError::Conflict { field: f }) if *f == field),
        "expected Conflict {{ field: {field:?} }}, got {result:?}"
    );
}

#[track_caller]
pub fn assert_version_mismatch<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::VersionMismatch)),
        "expected VersionMismatch, got {result:?}"
    );
}

#[track_caller]
pub fn assert_missing_reference<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::MissingReference(_))),
        "expected MissingReference, got {result:?}"
    );
}

/// Ids as strings, sorted the way the store pages them.
pub fn sorted_ids<I: ToString>(ids: impl IntoIterator<Item = I>) -> Vec<String> {
    let mut ids: Vec<String> = ids.into_iter().map(|id| id.to_string()).collect();
    ids.sort();
    ids
}

// ---------------------------------------------------------------- builders

pub fn new_tenant(slug: &str) -> Tenant {
    Tenant {
        id: TenantId::new(T0),
        slug: Slug::parse(slug).expect("a valid slug"),
        display_name: format!("Tenant {slug}"),
        settings: TenantSettings::default(),
        created_at: T0,
        updated_at: T0,
    }
}

pub async fn add_tenant(store: &Store, slug: &str) -> Tenant {
    let tenant = new_tenant(slug);
    tenants::insert(&mut store.conn().await.unwrap(), &tenant)
        .await
        .unwrap();
    tenant
}

pub fn email(value: &str) -> Email {
    Email {
        value: value.to_owned(),
        verified: false,
        primary: false,
        kind: None,
    }
}

pub fn new_user(tenant: TenantId, username: &str, emails: &[&str]) -> User {
    let mut emails: Vec<Email> = emails.iter().map(|e| email(e)).collect();
    if let Some(first) = emails.first_mut() {
        first.primary = true;
    }
    User {
        id: UserId::new(T0),
        tenant_id: tenant,
        username: username.to_owned(),
        emails,
        phone: None,
        given_name: None,
        family_name: None,
        display_name: None,
        locale: None,
        status: UserStatus::Active,
        external_ids: Vec::new(),
        profile: Default::default(),
        created_at: T0,
        updated_at: T0,
        version: 1,
    }
}

/// Inserts `user` in a committed transaction.
pub async fn insert_user(store: &Store, user: &User) {
    let mut tx = store.begin().await.unwrap();
    users::insert(&mut tx, user).await.unwrap();
    tx.commit().await.unwrap();
}

pub async fn add_user(store: &Store, tenant: TenantId, username: &str, emails: &[&str]) -> User {
    let user = new_user(tenant, username, emails);
    insert_user(store, &user).await;
    user
}

pub fn new_group(tenant: TenantId, name: &str) -> Group {
    Group {
        id: GroupId::new(T0),
        tenant_id: tenant,
        name: name.to_owned(),
        description: None,
        created_at: T0,
        updated_at: T0,
        version: 1,
    }
}

pub async fn add_group(store: &Store, tenant: TenantId, name: &str) -> Group {
    let group = new_group(tenant, name);
    groups::insert(&mut store.conn().await.unwrap(), &group)
        .await
        .unwrap();
    group
}

pub fn new_role(tenant: TenantId, name: &str, permissions: &[&str]) -> Role {
    Role {
        id: RoleId::new(T0),
        tenant_id: tenant,
        name: name.to_owned(),
        description: None,
        permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
        created_at: T0,
        updated_at: T0,
    }
}

pub async fn add_role(store: &Store, tenant: TenantId, name: &str) -> Role {
    let role = new_role(tenant, name, &["billing:read"]);
    roles::insert(&mut store.conn().await.unwrap(), &role)
        .await
        .unwrap();
    role
}

pub fn new_workspace(tenant: TenantId, slug: &str) -> Workspace {
    Workspace {
        id: WorkspaceId::new(T0),
        tenant_id: tenant,
        slug: Slug::parse(slug).expect("a valid slug"),
        display_name: format!("Workspace {slug}"),
        created_at: T0,
    }
}

pub async fn add_workspace(store: &Store, tenant: TenantId, slug: &str) -> Workspace {
    let ws = new_workspace(tenant, slug);
    workspaces::insert(&mut store.conn().await.unwrap(), &ws)
        .await
        .unwrap();
    ws
}

pub fn new_assignment(
    tenant: TenantId,
    role: RoleId,
    principal: Principal,
    workspace: Option<WorkspaceId>,
) -> RoleAssignment {
    RoleAssignment {
        id: AssignmentId::new(T0),
        tenant_id: tenant,
        role_id: role,
        principal,
        workspace_id: workspace,
        expires_at: None,
        created_at: T0,
    }
}

pub async fn add_assignment(
    store: &Store,
    tenant: TenantId,
    role: RoleId,
    principal: Principal,
    workspace: Option<WorkspaceId>,
) -> RoleAssignment {
    let a = new_assignment(tenant, role, principal, workspace);
    roles::assign(&mut store.conn().await.unwrap(), &a)
        .await
        .unwrap();
    a
}

pub fn new_session(
    tenant: TenantId,
    user: UserId,
    last_seen: OffsetDateTime,
    expires: OffsetDateTime,
) -> Session {
    Session {
        id: SessionId::new(T0),
        tenant_id: tenant,
        user_id: user,
        created_at: T0,
        last_seen_at: last_seen,
        expires_at: expires,
        ip: None,
        user_agent: None,
    }
}

/// A session of `user` seen at `T0` that ends at `T0 + 1h`, stored under `token_hash`.
pub async fn add_session(
    store: &Store,
    tenant: TenantId,
    user: UserId,
    token_hash: &str,
) -> Session {
    let session = new_session(tenant, user, T0, at(3600));
    sessions::insert(&mut store.conn().await.unwrap(), &session, token_hash)
        .await
        .unwrap();
    session
}

pub fn new_api_key(tenant: TenantId, name: &str) -> ApiKey {
    ApiKey {
        id: ApiKeyId::new(T0),
        tenant_id: tenant,
        name: name.to_owned(),
        scopes: vec![ApiScope::Admin, ApiScope::Scim],
        created_at: T0,
        expires_at: None,
    }
}

pub async fn add_api_key(store: &Store, tenant: TenantId, name: &str, token_hash: &str) -> ApiKey {
    let key = new_api_key(tenant, name);
    api_keys::insert(&mut store.conn().await.unwrap(), &key, token_hash)
        .await
        .unwrap();
    key
}

pub async fn add_event(
    store: &Store,
    tenant: TenantId,
    at: OffsetDateTime,
    action: &str,
) -> AuditEvent {
    let event = AuditEvent::new(tenant, at, Actor::System, action);
    events::append(&mut store.conn().await.unwrap(), &event)
        .await
        .unwrap();
    event
}
