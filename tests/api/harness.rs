//! `TestApp::spawn()`: a hub on a fresh database (SQLite in a temp dir, or a
//! fresh PostgreSQL database when `USSO_TEST_POSTGRES_URL` is set and the
//! test asks for it), served on 127.0.0.1 with port 0, with a movable clock
//! and the bootstrap admin key at hand.

use std::sync::Arc;

use time::OffsetDateTime;
use usso::app::{open_hub, Application};
use usso::config::{Config, Layer};
use usso::core::clock::ManualClock;
use usso::secrets::PasswordHasher;
use usso::service::signing_keys::KeyGenerator;
use usso::service::Hub;
use usso_oidc::jose::{Algorithm, JoseError, SigningKey};

pub struct TestApp {
    pub base: String,
    pub hub: Hub,
    pub clock: Arc<ManualClock>,
    /// The default tenant's bootstrap admin key.
    pub admin_token: String,
    /// A client that keeps cookies and does not follow redirects.
    pub client: reqwest::Client,
    /// The database the hub runs on (another node may open it too).
    pub database_url: String,
    _dir: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// Cheap argon2id parameters so that tests that hash many passwords stay fast.
pub fn test_password_hasher() -> PasswordHasher {
    PasswordHasher::new(argon2::Params::new(256, 1, 1, None).unwrap()).unwrap()
}

/// Fresh EC and Ed25519 keys, but one RSA key per test process, re-labelled
/// with each kid: RSA generation would dominate the suite's run time.
#[derive(Debug, Default)]
pub struct ReusedRsaKey;

static RSA_DER: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

impl KeyGenerator for ReusedRsaKey {
    fn generate(&self, alg: Algorithm, kid: String) -> Result<SigningKey, JoseError> {
        if alg != Algorithm::Rs256 {
            return SigningKey::generate(alg, kid);
        }
        let der = RSA_DER.get_or_init(|| {
            SigningKey::generate(Algorithm::Rs256, "seed".into())
                .unwrap()
                .to_pkcs8_der()
                .unwrap()
                .to_vec()
        });
        SigningKey::from_pkcs8_der(alg, kid, der)
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(None).await
    }

    /// On PostgreSQL when `USSO_TEST_POSTGRES_URL` is set, else on SQLite.
    pub async fn spawn_postgres_or_sqlite() -> TestApp {
        match crate::postgres::server_url() {
            Some(url) => Self::spawn_with(Some(crate::postgres::fresh_database(&url).await)).await,
            None => Self::spawn_with(None).await,
        }
    }

    pub async fn spawn_with(database_url: Option<String>) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let flags = Layer {
            listen: Some("127.0.0.1:0".into()),
            data_dir: Some(dir.path().to_owned()),
            database_url,
            ..Layer::default()
        };
        let mut config = Config::resolve(None, Layer::default(), flags).unwrap();
        let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
        let hub = open_hub(&config, clock.clone(), test_password_hasher())
            .await
            .unwrap();
        let hub = Hub {
            keygen: Arc::new(ReusedRsaKey),
            ..hub
        };
        let boot = hub.bootstrap().await.unwrap().expect("fresh database");
        // What the key job does right after a real start: the default
        // tenant's RS256 key (bootstrap defers it), made here up front so
        // that no test races the job.
        hub.ensure_signing_keys(&boot.tenant).await.unwrap();
        let app = Application::with_hub(&config, hub.clone()).await.unwrap();
        let addr = app.local_addr().unwrap();
        config.listen = addr;
        config.public_url = format!("http://{addr}").parse().unwrap();
        // The test-side hub sees the same public URL as the served one.
        let hub = Hub {
            public_url: config.public_url.clone(),
            ..hub
        };
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            base: format!("http://{addr}"),
            hub,
            clock,
            admin_token: boot.admin_token,
            client,
            database_url: config.database_url.clone(),
            _dir: dir,
            _shutdown: tx,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request to the admin API with the bootstrap admin key.
    pub fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(&self.admin_token)
    }
}
