//! LDAP directory sync against a real OpenLDAP slapd (started per test by
//! `scripts/slapd.sh`): full sync, a no-change sync, incremental add /
//! modify / rename / delete, membership changes, nested and posix groups,
//! the safety stop, an entry the hub refuses left out alone, and clear
//! errors for an unreachable directory or a bad bind password. Each
//! scenario runs on SQLite and on PostgreSQL.

use std::collections::HashSet;

use usso::core::event::Actor;
use usso::core::group::Member;
use usso::core::ldap_source::{LdapSettings, LdapSource, SyncMode, SyncOutcome, SyncReport};
use usso::core::tenant::Tenant;
use usso::core::user::{User, UserFields, UserStatus};
use usso::service::ldap_sources::LdapSourceChanges;
use usso::service::ServiceError;
use usso::store::Page;

use crate::harness::TestApp;
use crate::slapd::{group_of_names, member_dn, person, posix_group, Slapd, PEOPLE, READER_DN};

pub fn settings(url: &str) -> LdapSettings {
    serde_json::from_value(serde_json::json!({
        "url": url,
        "bind_dn": READER_DN,
        "base_dn": "dc=example,dc=com",
        "users_dn": PEOPLE,
        "groups_dn": crate::slapd::GROUPS,
    }))
    .unwrap()
}

pub async fn source(app: &TestApp, slug: &str, slapd: &Slapd) -> (Tenant, LdapSource) {
    let tenant = app.hub.create_tenant(Actor::Cli, slug, None).await.unwrap();
    let source = app
        .hub
        .create_ldap_source(
            Actor::Cli,
            &tenant,
            "corp",
            settings(&slapd.url()),
            "reader".into(),
        )
        .await
        .unwrap();
    (tenant, source)
}

async fn sync(app: &TestApp, tenant: &Tenant, source: &LdapSource) -> SyncReport {
    app.hub
        .sync_ldap_source(Actor::Cli, tenant, source.id, false)
        .await
        .unwrap()
}

async fn user(app: &TestApp, tenant: &Tenant, username: &str) -> User {
    app.hub.find_user(tenant, username).await.unwrap()
}

async fn group_members(app: &TestApp, tenant: &Tenant, name: &str) -> HashSet<Member> {
    let group = app.hub.find_group(tenant, name).await.unwrap();
    app.hub
        .group_members(tenant, group.id)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

fn seed_people(slapd: &Slapd, names: &[&str]) {
    slapd.modify(&names.iter().map(|u| person(u)).collect::<String>());
}

const FILLERS: [&str; 8] = ["f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8"];

async fn full_then_incremental(app: TestApp) {
    let slapd = Slapd::start();
    seed_people(&slapd, &["jo", "al", "bo", "cy"]);
    seed_people(&slapd, &FILLERS);
    slapd.modify(&group_of_names("staff", &["jo", "al", "cy"]));
    slapd.modify(&group_of_names("admins", &["bo"]));
    slapd.modify(&group_of_names("everyone", &["cn=staff", "cn=admins"]));
    slapd.modify(&posix_group("devs", 5000, &["jo", "bo"]));
    let (tenant, source) = source(&app, "acme", &slapd).await;

    // First sync: full, everything created, nested groups kept nested.
    let report = sync(&app, &tenant, &source).await;
    assert_eq!(report.mode, SyncMode::Full, "{report:?}");
    assert_eq!(report.outcome, SyncOutcome::Completed);
    assert_eq!(report.users_created, 12, "{report:?}");
    assert_eq!(report.groups_created, 4, "{report:?}");
    assert_eq!(report.failed_entries, 0, "{report:?}");
    let jo = user(&app, &tenant, "jo").await;
    let bo = user(&app, &tenant, "bo").await;
    let cy = user(&app, &tenant, "cy").await;
    assert_eq!(jo.status, UserStatus::Active);
    assert_eq!(jo.primary_email().unwrap().value, "jo@example.com");
    let ext = jo
        .external_ids
        .iter()
        .find(|x| x.source == format!("ldap:{}", source.id))
        .expect("linked to the source");
    assert_eq!(ext.id, slapd.entry_uuid(&member_dn("jo")));
    let staff = app.hub.find_group(&tenant, "staff").await.unwrap();
    let admins = app.hub.find_group(&tenant, "admins").await.unwrap();
    assert_eq!(
        group_members(&app, &tenant, "everyone").await,
        HashSet::from([Member::Group(staff.id), Member::Group(admins.id)])
    );
    assert_eq!(
        group_members(&app, &tenant, "devs").await,
        HashSet::from([Member::User(jo.id), Member::User(bo.id)])
    );
    assert!(group_members(&app, &tenant, "staff")
        .await
        .contains(&Member::User(cy.id)));

    // Nothing changed: an incremental sync that writes nothing.
    let events_before = app
        .hub
        .list_events(&tenant, Page::first(1000))
        .await
        .unwrap()
        .len();
    let report = sync(&app, &tenant, &source).await;
    assert_eq!(report.mode, SyncMode::Incremental, "{report:?}");
    assert!(!report.changed_anything(), "{report:?}");
    let events = app
        .hub
        .list_events(&tenant, Page::first(1000))
        .await
        .unwrap();
    assert_eq!(events.len(), events_before + 1, "only the run's own event");
    assert_eq!(events.last().unwrap().action, "ldap.sync_completed");
    // A forced full sync of an unchanged directory changes nothing either.
    let report = app
        .hub
        .sync_ldap_source(Actor::Cli, &tenant, source.id, true)
        .await
        .unwrap();
    assert_eq!(report.mode, SyncMode::Full);
    assert!(!report.changed_anything(), "{report:?}");

    // Add, modify, rename, delete.
    slapd.modify(&person("di"));
    slapd.modify(&format!(
        "dn: {}\nchangetype: modify\nreplace: mail\nmail: al.new@example.com\n\n",
        member_dn("al")
    ));
    slapd.modify(&format!(
        "dn: {}\nchangetype: modrdn\nnewrdn: uid=bob\ndeleteoldrdn: 1\n\n",
        member_dn("bo")
    ));
    slapd.modify(&format!("dn: {}\nchangetype: delete\n\n", member_dn("cy")));
    let report = sync(&app, &tenant, &source).await;
    assert_eq!(report.mode, SyncMode::Incremental, "{report:?}");
    assert_eq!(report.users_created, 1, "{report:?}");
    assert_eq!(report.users_disabled, 1, "{report:?}");
    assert!(report.users_updated >= 2, "{report:?}");
    user(&app, &tenant, "di").await;
    assert_eq!(
        user(&app, &tenant, "al")
            .await
            .primary_email()
            .unwrap()
            .value,
        "al.new@example.com"
    );
    let bob = user(&app, &tenant, "bob").await;
    assert_eq!(bob.id, bo.id, "a rename keeps the same user");
    let cy = app.hub.get_user(&tenant, cy.id).await.unwrap();
    assert_eq!(
        cy.status,
        UserStatus::Disabled,
        "deleted in the directory: disabled"
    );
    assert!(
        !group_members(&app, &tenant, "staff")
            .await
            .contains(&Member::User(cy.id)),
        "a deleted user leaves its groups"
    );

    // A membership change arrives as the group.
    slapd.modify(&format!(
        "dn: cn=admins,{}\nchangetype: modify\nadd: member\nmember: {}\n\n",
        crate::slapd::GROUPS,
        member_dn("jo")
    ));
    let report = sync(&app, &tenant, &source).await;
    assert_eq!(report.groups_updated, 1, "{report:?}");
    assert_eq!(report.memberships_changed, 1, "{report:?}");
    assert_eq!(
        group_members(&app, &tenant, "admins").await,
        HashSet::from([Member::User(bob.id), Member::User(jo.id)])
    );
    let stored = app.hub.get_ldap_source(&tenant, source.id).await.unwrap();
    assert!(stored.last_sync_at.is_some());
    assert_eq!(stored.last_report.unwrap().groups_updated, 1);
}

#[tokio::test]
async fn full_and_incremental_sync_on_sqlite() {
    full_then_incremental(TestApp::spawn().await).await;
}

#[tokio::test]
async fn full_and_incremental_sync_on_postgres() {
    full_then_incremental(TestApp::spawn_postgres_or_sqlite().await).await;
}

/// A directory user whose username a local user already has is refused
/// alone: the rest of its batch (users, the group) is applied, the report
/// names it, and the local user is left as it was.
async fn refused_entry(app: TestApp) {
    let slapd = Slapd::start();
    seed_people(&slapd, &["jo", "al", "bo"]);
    slapd.modify(&group_of_names("staff", &["jo", "al", "bo"]));
    let (tenant, source) = source(&app, "acme", &slapd).await;
    let local = UserFields {
        username: "al".into(),
        ..UserFields::default()
    };
    let local = app
        .hub
        .create_user(Actor::Cli, &tenant, local, None)
        .await
        .unwrap();

    let report = sync(&app, &tenant, &source).await;
    assert_eq!(report.outcome, SyncOutcome::Completed, "{report:?}");
    assert_eq!(report.users_created, 2, "{report:?}");
    assert_eq!(report.groups_created, 1, "{report:?}");
    assert_eq!(report.failed_entries, 1, "{report:?}");
    assert!(
        report.errors.iter().any(|e| e.contains("uid=al,")),
        "{report:?}"
    );
    let al = user(&app, &tenant, "al").await;
    assert_eq!(al.id, local.id);
    assert!(al.external_ids.is_empty(), "{al:?}");
    let jo = user(&app, &tenant, "jo").await;
    let bo = user(&app, &tenant, "bo").await;
    assert_eq!(
        group_members(&app, &tenant, "staff").await,
        HashSet::from([Member::User(jo.id), Member::User(bo.id)])
    );
    // A full run refuses it again, and nothing else changes.
    let again = app
        .hub
        .sync_ldap_source(Actor::Cli, &tenant, source.id, true)
        .await
        .unwrap();
    assert_eq!(again.failed_entries, 1, "{again:?}");
    assert_eq!(again.users_created, 0, "{again:?}");
    assert_eq!(again.users_unchanged, 2, "{again:?}");
    assert_eq!(again.memberships_changed, 0, "{again:?}");
}

#[tokio::test]
async fn a_refused_entry_is_left_out_alone_on_sqlite() {
    refused_entry(TestApp::spawn().await).await;
}

#[tokio::test]
async fn a_refused_entry_is_left_out_alone_on_postgres() {
    refused_entry(TestApp::spawn_postgres_or_sqlite().await).await;
}

async fn safety_stop(app: TestApp) {
    let slapd = Slapd::start();
    seed_people(&slapd, &["jo", "al", "bo", "cy"]);
    seed_people(&slapd, &FILLERS);
    slapd.modify(&group_of_names("staff", &["jo", "al", "bo", "cy"]));
    let (tenant, source) = source(&app, "acme", &slapd).await;
    sync(&app, &tenant, &source).await;

    // 3 of 12 is more than 10%: the sync stops and removes nobody.
    for uid in ["al", "bo", "cy"] {
        slapd.modify(&format!("dn: {}\nchangetype: delete\n\n", member_dn(uid)));
    }
    for _ in 0..2 {
        let report = sync(&app, &tenant, &source).await;
        assert_eq!(report.outcome, SyncOutcome::Stopped, "{report:?}");
        assert!(report
            .stopped
            .as_deref()
            .unwrap()
            .contains("3 of the source's 12"));
        assert_eq!(report.users_disabled + report.users_deleted, 0);
        for uid in ["al", "bo", "cy"] {
            assert_eq!(user(&app, &tenant, uid).await.status, UserStatus::Active);
        }
        assert_eq!(group_members(&app, &tenant, "staff").await.len(), 4);
    }
    let events = app
        .hub
        .list_events(&tenant, Page::first(1000))
        .await
        .unwrap();
    assert_eq!(events.last().unwrap().action, "ldap.sync_stopped");

    // The operator allows it, with deletes: the users go.
    let changes = LdapSourceChanges {
        max_removal_share: Some(0.5),
        delete_policy: Some(usso::core::ldap_source::DeletePolicy::Delete),
        ..LdapSourceChanges::default()
    };
    app.hub
        .update_ldap_source(Actor::Cli, &tenant, source.id, changes, None)
        .await
        .unwrap();
    let report = sync(&app, &tenant, &source).await;
    assert_eq!(report.outcome, SyncOutcome::Completed, "{report:?}");
    assert_eq!(report.users_deleted, 3, "{report:?}");
    assert!(app.hub.find_user(&tenant, "al").await.is_err());
    assert_eq!(group_members(&app, &tenant, "staff").await.len(), 1);
}

#[tokio::test]
async fn safety_stop_on_sqlite() {
    safety_stop(TestApp::spawn().await).await;
}

#[tokio::test]
async fn safety_stop_on_postgres() {
    safety_stop(TestApp::spawn_postgres_or_sqlite().await).await;
}

async fn clear_errors(app: TestApp) {
    let slapd = Slapd::start();
    seed_people(&slapd, &["jo"]);
    let tenant = app
        .hub
        .create_tenant(Actor::Cli, "acme", None)
        .await
        .unwrap();
    let down = format!("ldap://127.0.0.1:{}", crate::slapd::free_port());
    let unreachable = app
        .hub
        .create_ldap_source(
            Actor::Cli,
            &tenant,
            "down",
            settings(&down),
            "reader".into(),
        )
        .await
        .unwrap();
    let err = app
        .hub
        .sync_ldap_source(Actor::Cli, &tenant, unreachable.id, false)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ServiceError::Invalid { field, message } if field == "directory" && message.contains("unreachable")),
        "{err:?}"
    );
    let bad = app
        .hub
        .create_ldap_source(
            Actor::Cli,
            &tenant,
            "bad",
            settings(&slapd.url()),
            "wrong".into(),
        )
        .await
        .unwrap();
    let err = app
        .hub
        .sync_ldap_source(Actor::Cli, &tenant, bad.id, false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("invalidCredentials"), "{err}");
    let stored = app.hub.get_ldap_source(&tenant, bad.id).await.unwrap();
    assert_eq!(stored.last_report.unwrap().outcome, SyncOutcome::Failed);
    assert!(stored.last_sync_at.is_none());
    let events = app
        .hub
        .list_events(&tenant, Page::first(1000))
        .await
        .unwrap();
    assert_eq!(events.last().unwrap().action, "ldap.sync_failed");
    assert!(!serde_json::to_string(&events.last().unwrap().details)
        .unwrap()
        .contains("wrong"));

    // A bad filter is refused before anything is stored.
    let mut broken = settings(&slapd.url());
    broken.user_filter = Some("(uid=*".into());
    let err = app
        .hub
        .create_ldap_source(Actor::Cli, &tenant, "broken", broken, "reader".into())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ServiceError::Invalid { field, .. } if field == "user_filter"),
        "{err:?}"
    );
}

#[tokio::test]
async fn unreachable_directory_and_bad_password_are_clear_errors_on_sqlite() {
    clear_errors(TestApp::spawn().await).await;
}

#[tokio::test]
async fn unreachable_directory_and_bad_password_are_clear_errors_on_postgres() {
    clear_errors(TestApp::spawn_postgres_or_sqlite().await).await;
}

async fn schedule(app: TestApp) {
    let slapd = Slapd::start();
    seed_people(&slapd, &["jo", "al"]);
    let tenant = app
        .hub
        .create_tenant(Actor::Cli, "acme", None)
        .await
        .unwrap();
    let mut every_minute = settings(&slapd.url());
    every_minute.interval_seconds = Some(60);
    let source = app
        .hub
        .create_ldap_source(Actor::Cli, &tenant, "corp", every_minute, "reader".into())
        .await
        .unwrap();
    // A source without an interval is only synced on demand.
    app.hub
        .create_ldap_source(
            Actor::Cli,
            &tenant,
            "manual",
            settings(&slapd.url()),
            "reader".into(),
        )
        .await
        .unwrap();

    // Due at once (never synced), then not until its interval has passed.
    assert_eq!(
        usso::jobs::ldap_sync::run_due(&app.hub, "node-a")
            .await
            .unwrap(),
        1
    );
    assert_eq!(user(&app, &tenant, "jo").await.status, UserStatus::Active);
    assert_eq!(
        usso::jobs::ldap_sync::run_due(&app.hub, "node-a")
            .await
            .unwrap(),
        0
    );
    app.clock.advance(time::Duration::seconds(61));

    // Another node holds the source's lease: this node skips it.
    let now = app.hub.now();
    let mut tx = app.hub.store.begin().await.unwrap();
    assert!(usso::store::ldap_sources::try_lease(
        &mut tx,
        tenant.id,
        source.id,
        "node-b",
        now,
        now + time::Duration::minutes(5)
    )
    .await
    .unwrap());
    tx.commit().await.unwrap();
    assert_eq!(
        usso::jobs::ldap_sync::run_due(&app.hub, "node-a")
            .await
            .unwrap(),
        0
    );
    let err = app
        .hub
        .sync_ldap_source(Actor::Cli, &tenant, source.id, false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already running"), "{err}");

    // Once the lease has run out, the source is synced again.
    app.clock.advance(time::Duration::minutes(6));
    assert_eq!(
        usso::jobs::ldap_sync::run_due(&app.hub, "node-a")
            .await
            .unwrap(),
        1
    );
    let stored = app.hub.get_ldap_source(&tenant, source.id).await.unwrap();
    assert_eq!(stored.last_report.unwrap().mode, SyncMode::Incremental);
    let events = app
        .hub
        .list_events(&tenant, Page::first(1000))
        .await
        .unwrap();
    let runs: Vec<_> = events
        .iter()
        .filter(|e| e.action == "ldap.sync_completed")
        .collect();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].actor, Actor::System);
}

#[tokio::test]
async fn scheduled_sync_runs_due_sources_on_one_node_on_sqlite() {
    schedule(TestApp::spawn().await).await;
}

#[tokio::test]
async fn scheduled_sync_runs_due_sources_on_one_node_on_postgres() {
    schedule(TestApp::spawn_postgres_or_sqlite().await).await;
}

async fn refused_state_falls_back_to_full(app: TestApp) {
    let slapd = Slapd::start();
    seed_people(&slapd, &["jo", "al"]);
    let (tenant, source) = source(&app, "acme", &slapd).await;
    sync(&app, &tenant, &source).await;
    // A state the directory cannot use (another strategy, as after a
    // preset change): the run falls back to a full sync.
    let mut conn = app.hub.store.conn().await.unwrap();
    sqlx::query("UPDATE ldap_sources SET sync_state = $1 WHERE id = $2")
        .bind(r#"{"strategy":"usn_changed","server":"CN=DC1","highest_usn":1}"#)
        .bind(source.id.to_string())
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    slapd.modify(&person("di"));
    let report = sync(&app, &tenant, &source).await;
    assert_eq!(report.mode, SyncMode::Full, "{report:?}");
    assert!(report.fell_back_to_full);
    assert_eq!(report.users_created, 1, "{report:?}");
    assert_eq!(report.users_unchanged, 2, "{report:?}");
    let report = sync(&app, &tenant, &source).await;
    assert_eq!(
        report.mode,
        SyncMode::Incremental,
        "the good state was stored"
    );
}

#[tokio::test]
async fn refused_state_falls_back_to_a_full_sync_on_sqlite() {
    refused_state_falls_back_to_full(TestApp::spawn().await).await;
}

#[tokio::test]
async fn refused_state_falls_back_to_a_full_sync_on_postgres() {
    refused_state_falls_back_to_full(TestApp::spawn_postgres_or_sqlite().await).await;
}
