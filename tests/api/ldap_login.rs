//! LDAP sources through the admin API (register, test, sync, read,
//! replace with If-Match, delete; the bind password never in a response),
//! then a directory user logging in through the hosted login form with the
//! directory password (a wrong one refused, a directory that is down
//! refused the same way), with the directory's groups, nested ones
//! included.

use reqwest::header::{ETAG, IF_MATCH, LOCATION};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use usso::core::event::Actor;

use crate::harness::TestApp;
use crate::slapd::{group_of_names, person, Slapd, GROUPS, PEOPLE, READER_DN};

async fn csrf(app: &TestApp, client: &reqwest::Client) -> String {
    let html = client
        .get(app.url("/t/acme/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    html[start..].split('"').next().unwrap().to_owned()
}

async fn login(app: &TestApp, username: &str, password: &str) -> StatusCode {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let token = csrf(app, &client).await;
    client
        .post(app.url("/t/acme/login"))
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf", &token),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

async fn admin_api_then_directory_login(app: TestApp) {
    let slapd = Slapd::start();
    slapd.modify(&[person("jo"), person("al")].concat());
    slapd.modify(&group_of_names("staff", &["jo"]));
    slapd.modify(&group_of_names("everyone", &["cn=staff", "al"]));
    let tenant = app
        .hub
        .create_tenant(Actor::Cli, "acme", None)
        .await
        .unwrap();
    let base = "/api/v1/tenants/acme/ldap-sources";

    // Register: 201, Location, ETag, no password in the response.
    let body = json!({
        "name": "corp", "url": slapd.url(), "bind_dn": READER_DN, "bind_password": "reader",
        "base_dn": "dc=example,dc=com", "users_dn": PEOPLE, "groups_dn": GROUPS,
    });
    let created = app
        .admin(Method::POST, base)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert!(created.headers()[LOCATION]
        .to_str()
        .unwrap()
        .starts_with(base));
    assert_eq!(created.headers()[ETAG], "\"1\"");
    let text = created.text().await.unwrap();
    assert!(
        !text.contains("reader\"") && !text.contains("bind_password"),
        "{text}"
    );
    let view: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(view["preset"], "openldap");
    // No password: 400; a bad filter: 422 naming it.
    let mut no_pw = body.clone();
    no_pw.as_object_mut().unwrap().remove("bind_password");
    let r = app
        .admin(Method::POST, base)
        .json(&no_pw)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let mut bad = body.clone();
    bad["name"] = json!("other");
    bad["group_filter"] = json!("(cn=*");
    let r = app
        .admin(Method::POST, base)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Test and sync.
    let tested: Value = app
        .admin(Method::POST, &format!("{base}/corp/test"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tested["users"], 2, "{tested}");
    assert_eq!(tested["groups"], 2);
    let r = app
        .admin(Method::POST, &format!("{base}/corp/sync"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["mode"], "full", "{report}");
    assert_eq!(report["users_created"], 2);
    assert_eq!(report["groups_created"], 2);
    let report: Value = app
        .admin(Method::POST, &format!("{base}/corp/sync"))
        .json(&json!({ "full": true }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["mode"], "full");
    assert_eq!(report["users_updated"], 0);

    // Read, list, replace with If-Match.
    let got: Value = app
        .admin(Method::GET, &format!("{base}/corp"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["last_report"]["outcome"], "completed");
    let list: Value = app
        .admin(Method::GET, base)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let mut replaced = body.clone();
    replaced.as_object_mut().unwrap().remove("bind_password");
    replaced["interval_seconds"] = json!(3600);
    let stale = app
        .admin(Method::PUT, &format!("{base}/corp"))
        .header(IF_MATCH, "\"7\"")
        .json(&replaced)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let ok = app
        .admin(Method::PUT, &format!("{base}/corp"))
        .header(IF_MATCH, "\"1\"")
        .json(&replaced)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.headers()[ETAG], "\"2\"");

    // A directory user logs in with the directory password, and has the
    // directory's groups (nested ones through their parent).
    assert_eq!(login(&app, "jo", "pw-jo").await, StatusCode::SEE_OTHER);
    assert_eq!(
        login(&app, "jo@example.com", "pw-jo").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(login(&app, "jo", "pw-al").await, StatusCode::UNAUTHORIZED);
    assert_eq!(login(&app, "jo", "").await, StatusCode::UNAUTHORIZED);
    let jo = app.hub.find_user(&tenant, "jo").await.unwrap();
    let mut conn = app.hub.store.conn().await.unwrap();
    let groups: Vec<String> = usso::store::groups::of_user(&mut conn, tenant.id, jo.id)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.name)
        .collect();
    assert_eq!(groups, ["everyone", "staff"]);
    drop(conn);

    // The directory changes the password: the new one works at once.
    slapd.modify(
        "dn: uid=jo,ou=people,dc=example,dc=com\nchangetype: modify\nreplace: userPassword\n\
         userPassword: new-secret\n\n",
    );
    assert_eq!(login(&app, "jo", "new-secret").await, StatusCode::SEE_OTHER);
    assert_eq!(login(&app, "jo", "pw-jo").await, StatusCode::UNAUTHORIZED);

    // The directory is down: refused like a wrong password.
    drop(slapd);
    assert_eq!(
        login(&app, "jo", "new-secret").await,
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .admin(Method::POST, &format!("{base}/corp/sync"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = r.json().await.unwrap();
    assert!(problem.to_string().contains("unreachable"), "{problem}");

    let r = app
        .admin(Method::DELETE, &format!("{base}/corp"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app
        .admin(Method::GET, &format!("{base}/corp"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn admin_api_and_directory_login_on_sqlite() {
    admin_api_then_directory_login(TestApp::spawn().await).await;
}

#[tokio::test]
async fn admin_api_and_directory_login_on_postgres() {
    admin_api_then_directory_login(TestApp::spawn_postgres_or_sqlite().await).await;
}
