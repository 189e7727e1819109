//! Fresh PostgreSQL databases for tests: one per test, on the server named
//! by `USSO_TEST_POSTGRES_URL`, so that tests run in parallel.

/// The server to test against, or `None` (and a loud line) when unset.
pub fn server_url() -> Option<String> {
    match std::env::var("USSO_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("!!! PostgreSQL SKIPPED: set USSO_TEST_POSTGRES_URL to run this test on PostgreSQL too");
            None
        }
    }
}

/// Creates an empty database on the server at `url`; returns its URL.
pub async fn fresh_database(url: &str) -> String {
    use sqlx::Connection;
    let name = format!("usso_t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .expect("connect to PostgreSQL");
    sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create a test database");
    let mut parsed = url::Url::parse(url).expect("a PostgreSQL URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}
