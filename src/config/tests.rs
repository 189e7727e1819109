use super::*;

fn layer(listen: &str) -> Layer {
    Layer {
        listen: Some(listen.into()),
        ..Layer::default()
    }
}

#[test]
fn defaults() {
    let c = Config::resolve(None, Layer::default(), Layer::default()).unwrap();
    assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
    assert_eq!(c.public_url.as_str(), "http://127.0.0.1:8080/");
    assert_eq!(c.database_url, "sqlite://./usso-data/usso.db");
    assert_eq!(c.master_key_file, PathBuf::from("./usso-data/master.key"));
}

#[test]
fn later_layers_win() {
    let c = Config::resolve(
        Some(layer("127.0.0.1:1")),
        layer("127.0.0.1:2"),
        layer("127.0.0.1:3"),
    )
    .unwrap();
    assert_eq!(c.listen.port(), 3);
    let c = Config::resolve(
        Some(layer("127.0.0.1:1")),
        layer("127.0.0.1:2"),
        Layer::default(),
    )
    .unwrap();
    assert_eq!(c.listen.port(), 2);
}

#[test]
fn unspecified_listen_derives_localhost() {
    let c = Config::resolve(None, layer("0.0.0.0:9000"), Layer::default()).unwrap();
    assert_eq!(c.public_url.as_str(), "http://localhost:9000/");
}

#[test]
fn env_and_file_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("db");
    std::fs::write(&secret, "postgres://u:p@h/db\n").unwrap();
    let env: HashMap<String, String> = [
        ("USSO_DATABASE_URL".to_owned(), "sqlite://x.db".to_owned()),
        (
            "USSO_DATABASE_URL_FILE".to_owned(),
            secret.display().to_string(),
        ),
        ("USSO_LISTEN".to_owned(), "127.0.0.1:7".to_owned()),
    ]
    .into();
    let l = Layer::from_env(&env).unwrap();
    assert_eq!(l.database_url.as_deref(), Some("postgres://u:p@h/db"));
    assert_eq!(l.listen.as_deref(), Some("127.0.0.1:7"));
}

#[test]
fn bad_values_are_named() {
    let err = Config::resolve(None, layer("nope"), Layer::default()).unwrap_err();
    assert!(err.to_string().starts_with("listen:"), "{err}");
    let bad_url = Layer {
        public_url: Some("ftp://x".into()),
        ..Layer::default()
    };
    let err = Config::resolve(None, bad_url, Layer::default()).unwrap_err();
    assert!(err.to_string().starts_with("public_url:"), "{err}");
    let bad_db = Layer {
        database_url: Some("mysql://x".into()),
        ..Layer::default()
    };
    assert!(Config::resolve(None, bad_db, Layer::default()).is_err());
}

#[test]
fn toml_files_reject_unknown_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usso.toml");
    std::fs::write(&path, "listen = \"127.0.0.1:9\"\n").unwrap();
    assert_eq!(
        Layer::from_file(&path).unwrap().listen.as_deref(),
        Some("127.0.0.1:9")
    );
    std::fs::write(&path, "lisen = \"127.0.0.1:9\"\n").unwrap();
    let err = Layer::from_file(&path).unwrap_err();
    assert!(err.to_string().contains("lisen"), "{err}");
}
