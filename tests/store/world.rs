//! A tenant populated with a record of every kind (`seed`), and a snapshot of
//! everything that tenant can read (`Snapshot::take`), to prove that an
//! operation elsewhere left it unchanged.

use usso::core::api_key::ApiKey;
use usso::core::event::AuditEvent;
use usso::core::filter::Filter;
use usso::core::group::{Group, Member};
use usso::core::role::{Principal, Role, RoleAssignment};
use usso::core::session::Session;
use usso::core::tenant::Tenant;
use usso::core::user::{ExternalId, User};
use usso::core::workspace::Workspace;
use usso::core::{GroupId, TenantId};
use usso::store::{
    api_keys, events, groups, passwords, roles, sessions, tenants, users, workspaces, Page, Store,
};

use crate::harness::*;

/// One tenant's records; every name starts with the tenant's prefix, so that
/// two worlds in one database never collide.
#[derive(Debug, Clone)]
pub struct World {
    pub tenant: Tenant,
    /// In `child` (so in `group` through nesting); has a password, a session,
    /// a direct role assignment.
    pub user: User,
    /// Contains `child` (nesting).
    pub group: Group,
    /// Contains `user`; nested in `group`.
    pub child: Group,
    pub role: Role,
    pub workspace: Workspace,
    /// `role` to `user`, tenant-wide.
    pub user_assignment: RoleAssignment,
    /// `role` to `group`, inside `workspace`.
    pub group_assignment: RoleAssignment,
    pub session: Session,
    pub session_token: String,
    pub api_key: ApiKey,
    pub api_token: String,
    pub event: AuditEvent,
    pub password: String,
}

impl World {
    pub fn login(&self) -> String {
        self.user.username.clone()
    }

    pub fn email(&self) -> String {
        self.user.emails[0].value.clone()
    }
}

pub async fn seed(store: &Store, prefix: &str) -> World {
    let tenant = add_tenant(store, &format!("{prefix}-tenant")).await;
    let t = tenant.id;

    let mut user = new_user(
        t,
        &format!("{prefix}-alice"),
        &[&format!("{prefix}-alice@example.com")],
    );
    user.given_name = Some("Alice".into());
    user.external_ids = vec![ExternalId {
        source: "ldap".into(),
        id: format!("{prefix}-uid-1"),
    }];
    insert_user(store, &user).await;

    let group = add_group(store, t, &format!("{prefix}-staff")).await;
    let child = add_group(store, t, &format!("{prefix}-engineers")).await;
    let role = add_role(store, t, &format!("{prefix}-billing")).await;
    let workspace = add_workspace(store, t, &format!("{prefix}-ws")).await;

    let mut conn = store.conn().await.unwrap();
    assert!(
        groups::add_member(&mut conn, t, group.id, Member::Group(child.id), T0)
            .await
            .unwrap()
    );
    assert!(
        groups::add_member(&mut conn, t, child.id, Member::User(user.id), T0)
            .await
            .unwrap()
    );
    let password = format!("$argon2id$v=19$m=256,t=1,p=1${prefix}$hash");
    passwords::set(&mut conn, t, user.id, &password, T0)
        .await
        .unwrap();
    drop(conn);

    let user_assignment = add_assignment(store, t, role.id, Principal::User(user.id), None).await;
    let group_assignment = add_assignment(
        store,
        t,
        role.id,
        Principal::Group(group.id),
        Some(workspace.id),
    )
    .await;

    let session_token = format!("{prefix}-session-token-hash");
    let session = add_session(store, t, user.id, &session_token).await;
    let api_token = format!("{prefix}-api-token-hash");
    let api_key = add_api_key(store, t, &format!("{prefix}-key"), &api_token).await;
    let event = add_event(store, t, T0, "user.created").await;

    World {
        tenant,
        user,
        group,
        child,
        role,
        workspace,
        user_assignment,
        group_assignment,
        session,
        session_token,
        api_key,
        api_token,
        event,
        password,
    }
}

/// Everything a tenant's records look like through the store's reads.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    tenant: Tenant,
    user: User,
    by_login: User,
    users: Vec<User>,
    user_count: i64,
    groups: Vec<Group>,
    group_members: Vec<Member>,
    child_members: Vec<Member>,
    child_ancestors: Vec<GroupId>,
    groups_of_user: Vec<Group>,
    roles: Vec<Role>,
    assignments_of_role: Vec<RoleAssignment>,
    assignments_of_user: Vec<RoleAssignment>,
    workspaces: Vec<Workspace>,
    sessions: Vec<Session>,
    session_by_token: Session,
    api_keys: Vec<ApiKey>,
    api_key_by_token: ApiKey,
    events: Vec<AuditEvent>,
    password: Option<String>,
}

impl Snapshot {
    pub async fn take(store: &Store, w: &World) -> Snapshot {
        let mut c = store.conn().await.unwrap();
        let t = w.tenant.id;
        let all = Page::first(Page::MAX_LIMIT);
        let mut child_ancestors = groups::ancestors(&mut c, t, w.child.id).await.unwrap();
        child_ancestors.sort();
        Snapshot {
            tenant: tenants::by_id(&mut c, t).await.unwrap(),
            user: users::get(&mut c, t, w.user.id).await.unwrap(),
            by_login: users::by_login(&mut c, t, &w.login()).await.unwrap(),
            users: users::list(&mut c, t, &Filter::default(), all)
                .await
                .unwrap(),
            user_count: users::count(&mut c, t).await.unwrap(),
            groups: groups::list(&mut c, t, all).await.unwrap(),
            group_members: groups::members(&mut c, t, w.group.id).await.unwrap(),
            child_members: groups::members(&mut c, t, w.child.id).await.unwrap(),
            child_ancestors,
            groups_of_user: groups::of_user(&mut c, t, w.user.id).await.unwrap(),
            roles: roles::list(&mut c, t, all).await.unwrap(),
            assignments_of_role: roles::assignments_of_role(&mut c, t, w.role.id)
                .await
                .unwrap(),
            assignments_of_user: roles::assignments_of_user(&mut c, t, w.user.id)
                .await
                .unwrap(),
            workspaces: workspaces::list(&mut c, t).await.unwrap(),
            sessions: sessions::list_for_user(&mut c, t, w.user.id).await.unwrap(),
            session_by_token: sessions::by_token_hash(&mut c, t, &w.session_token)
                .await
                .unwrap(),
            api_keys: api_keys::list(&mut c, t).await.unwrap(),
            api_key_by_token: api_keys::by_token_hash(&mut c, t, &w.api_token)
                .await
                .unwrap(),
            events: events::list(&mut c, t, all).await.unwrap(),
            password: passwords::get(&mut c, t, w.user.id).await.unwrap(),
        }
    }

    /// Checks the snapshot describes the seeded world, so that comparing two
    /// snapshots can fail for the right reason.
    pub fn assert_describes(&self, w: &World) {
        assert_eq!(self.user, w.user);
        assert_eq!(self.users, vec![w.user.clone()]);
        assert_eq!(self.group_members, vec![Member::Group(w.child.id)]);
        assert_eq!(self.child_members, vec![Member::User(w.user.id)]);
        let mut expected_ancestors = vec![w.child.id, w.group.id];
        expected_ancestors.sort();
        assert_eq!(self.child_ancestors, expected_ancestors);
        assert_eq!(self.groups_of_user.len(), 2);
        assert_eq!(self.assignments_of_user.len(), 2);
        assert_eq!(self.sessions, vec![w.session.clone()]);
        assert_eq!(self.api_keys, vec![w.api_key.clone()]);
        assert_eq!(self.events, vec![w.event.clone()]);
        assert_eq!(self.password.as_deref(), Some(w.password.as_str()));
    }
}

/// Row counts of every tenant-owned table for `tenant`, by table name.
pub async fn row_counts(store: &Store, tenant: TenantId) -> Vec<(&'static str, i64)> {
    const TABLES: &[&str] = &[
        "users",
        "user_emails",
        "user_external_ids",
        "password_credentials",
        "groups",
        "group_user_members",
        "group_group_members",
        "workspaces",
        "roles",
        "role_assignments",
        "sessions",
        "api_keys",
        "audit_events",
    ];
    let mut conn = store.conn().await.unwrap();
    let mut counts = Vec::new();
    for table in TABLES {
        let (n,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM {table} WHERE tenant_id = $1"
        ))
        .bind(tenant.to_string())
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        counts.push((*table, n));
    }
    counts
}
