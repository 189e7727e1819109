//! Assembly: from a [`Config`] to an open store, a [`Hub`], and a bound
//! server. `usso serve`, the CLI and the tests all build through here.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::core::clock::SystemClock;
use crate::core::Clock;
use crate::http::{self, AppState};
use crate::secrets::{MasterKey, PasswordHasher};
use crate::service::Hub;
use crate::store::{installation, Store};

const MASTER_KEY_CHECK: &str = "master_key_check";

/// Opens the database named by `config`, applies pending migrations, and
/// checks that the master key is the one this database was set up with.
pub async fn open_hub(
    config: &Config,
    clock: Arc<dyn Clock>,
    passwords: PasswordHasher,
) -> anyhow::Result<Hub> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create the data dir {}", config.data_dir.display()))?;
    }
    let store = Store::connect(&config.database_url)
        .await
        .context("cannot open the database")?;
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    let master = MasterKey::load_or_create(&config.master_key_file)?;
    let mut conn = store.conn().await?;
    let expected =
        installation::get_or_insert(&mut conn, MASTER_KEY_CHECK, &master.check_value()).await?;
    drop(conn);
    if expected != master.check_value() {
        anyhow::bail!(
            "the master key at {} is not the one this database was set up with; \
             point --data-dir (or USSO_MASTER_KEY_FILE) at the right one",
            config.master_key_file.display()
        );
    }
    Ok(Hub::new(
        store,
        clock,
        &master,
        passwords,
        config.public_url.clone(),
        outbound_http()?,
    ))
}

/// The client for the hub's outbound calls: short timeouts, no redirects
/// (a relying party's URL is called as registered, nowhere else).
fn outbound_http() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(crate::adapters::oidc::backchannel::HTTP_TIMEOUT)
        .connect_timeout(crate::adapters::oidc::backchannel::HTTP_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("usso/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

/// A bound, ready server.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Opens the hub, bootstraps an empty installation, and binds the
    /// listener (port 0 picks a free port: see [`Application::local_addr`]).
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let passwords = PasswordHasher::owasp()?;
        let hub = open_hub(config, Arc::new(SystemClock), passwords).await?;
        Self::with_hub(config, hub).await
    }

    pub async fn with_hub(config: &Config, hub: Hub) -> anyhow::Result<Self> {
        if let Some(boot) = hub.bootstrap().await? {
            tracing::warn!(
                tenant = %boot.tenant.slug,
                admin_api_key = %boot.admin_token,
                "first start: created the default tenant and an admin API key; \
                 this key is shown only once, keep it now"
            );
        }
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let mut hub = hub;
        // A public URL derived from `--listen …:0` names the port actually bound.
        if hub.public_url.port() == Some(0) {
            let port = listener.local_addr()?.port();
            let _ = hub.public_url.set_port(Some(port));
        }
        let state = AppState::new(hub, config.is_https());
        state.set_ready();
        Ok(Self { listener, state })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let store = self.state.hub.store.clone();
        let sweeper = crate::jobs::session_sweep::spawn(
            Hub::clone(&self.state.hub),
            std::time::Duration::from_secs(600),
        );
        let rotation = crate::jobs::key_rotation::spawn(
            Hub::clone(&self.state.hub),
            std::time::Duration::from_secs(3600),
        );
        let backchannel = crate::jobs::backchannel_logout::spawn(
            Hub::clone(&self.state.hub),
            std::time::Duration::from_secs(5),
        );
        let ldap = crate::jobs::ldap_sync::spawn(
            Hub::clone(&self.state.hub),
            crate::jobs::ldap_sync::TICK,
        );
        let app = http::router(self.state).into_make_service_with_connect_info::<SocketAddr>();
        let result = axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        sweeper.abort();
        rotation.abort();
        backchannel.abort();
        ldap.abort();
        store.close().await;
        result
    }
}

/// Installs the SIGTERM and SIGINT handlers now (so that a signal arriving
/// right after "ready" is not lost to the default action) and returns a
/// future that resolves when one of them arrives.
#[cfg(unix)]
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {},
            _ = interrupt.recv() => {},
        }
        tracing::info!("shutting down: finishing in-flight requests");
    })
}

/// Resolves on Ctrl-C (platforms without Unix signals).
#[cfg(not(unix))]
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing in-flight requests");
    })
}
