//! Typed configuration, layered: defaults → TOML file (`--config`) →
//! `USSO_*` environment variables → `USSO_*_FILE` secrets → command-line
//! flags. Each layer is a [`Layer`] of optional values; the last one that
//! sets a value wins.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;
use url::Url;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{name}: {message}")]
    Value { name: String, message: String },
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// One layer of settings; every field optional.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub public_url: Option<String>,
    pub master_key_file: Option<PathBuf>,
    pub log_format: Option<String>,
    pub log_level: Option<String>,
}

impl Layer {
    fn merge(&mut self, over: Layer) {
        macro_rules! take {
            ($($f:ident),*) => { $( if over.$f.is_some() { self.$f = over.$f; } )* };
        }
        take!(
            listen,
            database_url,
            data_dir,
            public_url,
            master_key_file,
            log_format,
            log_level
        );
    }

    /// Reads a TOML file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::File {
            path: path.to_owned(),
            message: e.message().to_owned(),
        })
    }

    /// `USSO_LISTEN`, `USSO_DATABASE_URL`, … from `env`; then `USSO_…_FILE`
    /// variables, whose file content (one trailing newline stripped) wins.
    pub fn from_env(env: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let mut layer = Layer::default();
        let mut set = |name: &str, value: String| match name {
            "LISTEN" => layer.listen = Some(value),
            "DATABASE_URL" => layer.database_url = Some(value),
            "DATA_DIR" => layer.data_dir = Some(value.into()),
            "PUBLIC_URL" => layer.public_url = Some(value),
            "MASTER_KEY_FILE" => layer.master_key_file = Some(value.into()),
            "LOG_FORMAT" => layer.log_format = Some(value),
            "LOG_LEVEL" => layer.log_level = Some(value),
            _ => {}
        };
        const NAMES: [&str; 7] = [
            "LISTEN",
            "DATABASE_URL",
            "DATA_DIR",
            "PUBLIC_URL",
            "MASTER_KEY_FILE",
            "LOG_FORMAT",
            "LOG_LEVEL",
        ];
        for name in NAMES {
            if let Some(v) = env.get(&format!("USSO_{name}")) {
                set(name, v.clone());
            }
        }
        for name in NAMES {
            let var = format!("USSO_{name}_FILE");
            if let Some(path) = env.get(&var) {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.into(),
                    source,
                })?;
                set(name, strip_newline(text));
            }
        }
        Ok(layer)
    }
}

/// Removes one trailing `\n` (or `\r\n`), as read from a file or stdin.
pub fn strip_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}

/// The resolved configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub public_url: Url,
    pub master_key_file: PathBuf,
    pub log_format: LogFormat,
    pub log_level: String,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./usso-data";

impl Config {
    /// Resolves the layers, in order of increasing precedence.
    pub fn resolve(file: Option<Layer>, env: Layer, flags: Layer) -> Result<Self, ConfigError> {
        let mut merged = Layer::default();
        if let Some(file) = file {
            merged.merge(file);
        }
        merged.merge(env);
        merged.merge(flags);

        let value = |name: &str, message: String| ConfigError::Value {
            name: name.into(),
            message,
        };
        let listen_raw = merged.listen.unwrap_or_else(|| DEFAULT_LISTEN.into());
        let listen: SocketAddr = listen_raw.parse().map_err(|_| {
            value(
                "listen",
                format!("{listen_raw:?} is not an address like 127.0.0.1:8080"),
            )
        })?;
        let data_dir = merged.data_dir.unwrap_or_else(|| DEFAULT_DATA_DIR.into());
        let database_url = merged
            .database_url
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("usso.db").display()));
        if crate::store::Dialect::from_url(&database_url).is_err() {
            return Err(value(
                "database_url",
                "must start with sqlite:// or postgres://".into(),
            ));
        }
        let public_url = match merged.public_url {
            Some(raw) => parse_public_url(&raw).map_err(|m| value("public_url", m))?,
            None => derive_public_url(listen).map_err(|m| value("public_url", m))?,
        };
        let master_key_file = merged
            .master_key_file
            .unwrap_or_else(|| data_dir.join("master.key"));
        let log_format = match merged.log_format.as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(value("log_format", format!("{other:?}: use text or json"))),
        };
        Ok(Self {
            listen,
            database_url,
            data_dir,
            public_url,
            master_key_file,
            log_format,
            log_level: merged.log_level.unwrap_or_else(|| "info".into()),
        })
    }

    /// Whether cookies must be `Secure`.
    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}

fn parse_public_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| format!("{raw:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("{raw:?}: must be an http or https URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{raw:?}: must not have a query or fragment"));
    }
    Ok(url)
}

/// `http://<listen>`, with `localhost` for an unspecified address.
fn derive_public_url(listen: SocketAddr) -> Result<Url, String> {
    let host = if listen.ip().is_unspecified() {
        "localhost".to_owned()
    } else if listen.is_ipv6() {
        format!("[{}]", listen.ip())
    } else {
        listen.ip().to_string()
    };
    Url::parse(&format!("http://{host}:{}", listen.port())).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
