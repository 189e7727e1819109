//! Secrets at rest (ARCHITECTURE.md rule 8): the master key, keyed hashes of
//! high-entropy tokens, argon2id password hashes, token generation, and
//! authenticated encryption of the secrets the hub must read back.

pub mod keyed_hash;
pub mod master_key;
pub mod password;
pub mod sealed;
pub mod tokens;

pub use keyed_hash::SecretHasher;
pub use master_key::MasterKey;
pub use password::PasswordHasher;
pub use sealed::SecretBox;
