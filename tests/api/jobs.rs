//! Background jobs, driven by the test's clock.

use usso::core::event::Actor;
use usso::core::user::UserFields;
use usso::jobs::session_sweep::sweep_once;
use usso::service::login::LoginContext;

use crate::harness::TestApp;

#[tokio::test]
async fn the_sweep_removes_idle_and_expired_sessions_only() {
    let app = TestApp::spawn().await;
    let tenant = app.hub.tenant("default").await.unwrap();
    let fields = UserFields {
        username: "alice".into(),
        ..UserFields::default()
    };
    app.hub
        .create_user(Actor::Cli, &tenant, fields, Some("correct horse".into()))
        .await
        .unwrap();
    let ctx = LoginContext::default();
    let (_, token, _) = app
        .hub
        .password_login(&tenant, "alice", "correct horse", &ctx)
        .await
        .unwrap();

    assert_eq!(
        sweep_once(&app.hub).await.unwrap(),
        0,
        "a fresh session stays"
    );
    assert!(app
        .hub
        .session_from_token(&tenant, &token)
        .await
        .unwrap()
        .is_some());

    app.clock.advance(time::Duration::seconds(
        tenant.settings.session_idle_seconds + 1,
    ));
    assert_eq!(
        sweep_once(&app.hub).await.unwrap(),
        1,
        "an idle session goes"
    );
    assert!(app
        .hub
        .session_from_token(&tenant, &token)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn keys_are_rotated_when_due_and_old_ones_deleted_after_they_leave_the_jwks() {
    use usso::core::signing_key::{KeyAlgorithm, KEEP_AFTER_RETIRING, PUBLISH_AHEAD};
    use usso::jobs::key_rotation::{rotate_due, ROTATE_AFTER};

    let app = TestApp::spawn().await;
    let acme = app
        .hub
        .create_tenant(Actor::Cli, "acme", None)
        .await
        .unwrap();
    assert_eq!(rotate_due(&app.hub).await.unwrap(), 0, "fresh keys stay");
    let first = app
        .hub
        .signing_key(&acme, KeyAlgorithm::Es256)
        .await
        .unwrap();

    app.clock.advance(ROTATE_AFTER);
    // Both tenants (default and acme) are due.
    assert_eq!(rotate_due(&app.hub).await.unwrap(), 2);
    assert_eq!(rotate_due(&app.hub).await.unwrap(), 0, "not twice");
    assert_eq!(app.hub.signing_keys(&acme).await.unwrap().len(), 6);

    app.clock.advance(PUBLISH_AHEAD + KEEP_AFTER_RETIRING);
    rotate_due(&app.hub).await.unwrap();
    let left = app.hub.signing_keys(&acme).await.unwrap();
    assert_eq!(left.len(), 3, "the retired keys were deleted");
    assert!(left.iter().all(|k| k.kid != first.kid()));
}
