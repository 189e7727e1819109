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
