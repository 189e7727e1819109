//! The installation's master key: 32 random bytes in a file created on first
//! start with mode 0600. Every other key is derived from it, so nodes that
//! share a database must share this file.

use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use thiserror::Error;

const KEY_LEN: usize = 32;

#[derive(Debug, Error)]
pub enum MasterKeyError {
    #[error("cannot read or create the master key at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the master key at {0} is not {KEY_LEN} bytes; restore the right file")]
    Malformed(PathBuf),
}

/// The master key. Its bytes never leave this module except as derived keys.
#[derive(Clone)]
pub struct MasterKey([u8; KEY_LEN]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// Reads the key at `path`, creating it (and its folder) when missing.
    pub fn load_or_create(path: &Path) -> Result<Self, MasterKeyError> {
        let io = |source| MasterKeyError::Io {
            path: path.to_owned(),
            source,
        };
        match std::fs::read(path) {
            Ok(bytes) => {
                let key: [u8; KEY_LEN] = bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| MasterKeyError::Malformed(path.to_owned()))?;
                Ok(Self(key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                let mut key = [0u8; KEY_LEN];
                rand::rngs::OsRng.fill_bytes(&mut key);
                write_private(path, &key).map_err(io)?;
                Ok(Self(key))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// A key for one purpose, derived with HMAC-SHA256 over its label.
    pub fn derive(&self, label: &str) -> [u8; 32] {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return [0; 32];
        };
        mac.update(b"usso-derive-v1:");
        mac.update(label.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// A public value that tells whether two nodes hold the same key.
    pub fn check_value(&self) -> String {
        hex(&self.derive("check")[..16])
    }

    #[cfg(test)]
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(bytes)
    }
}

/// Creates `path` readable and writable by its owner only, failing if it exists.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_with_owner_only_mode_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/master.key");
        let a = MasterKey::load_or_create(&path).unwrap();
        let b = MasterKey::load_or_create(&path).unwrap();
        assert_eq!(a.check_value(), b.check_value());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_truncated_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        std::fs::write(&path, b"short").unwrap();
        assert!(matches!(
            MasterKey::load_or_create(&path),
            Err(MasterKeyError::Malformed(_))
        ));
    }

    #[test]
    fn derived_keys_differ_by_label() {
        let k = MasterKey::from_bytes([7; 32]);
        assert_ne!(k.derive("a"), k.derive("b"));
    }
}
