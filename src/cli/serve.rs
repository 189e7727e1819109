//! `usso serve`: migrate, bootstrap, serve until SIGTERM/SIGINT.

use crate::app::{shutdown_signal, Application};
use crate::config::Config;

pub async fn run(config: &Config) -> anyhow::Result<()> {
    crate::telemetry::init(config, true);
    let app = Application::build(config).await?;
    let shutdown = shutdown_signal()?;
    tracing::info!(
        listen = %app.local_addr()?,
        public_url = %app.state().hub.public_url,
        database = config.database_url.split(':').next().unwrap_or("?"),
        "usso is ready"
    );
    app.run_until(shutdown).await?;
    Ok(())
}
