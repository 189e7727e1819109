//! The LDAP controls this crate sends and reads, with their values encoded
//! and decoded here (ldap3's own parsers for these panic on malformed
//! values): paged results (RFC 2696, `paged.rs`), content synchronization
//! (RFC 4533, `sync.rs`) and Active Directory's DirSync and Show Deleted
//! (MS-ADTS §3.1.1.3.4.1.3 and .1.14, `dirsync.rs`).

pub(crate) mod dirsync;
pub(crate) mod paged;
pub(crate) mod sync;

use crate::ber::BerError;
use crate::error::Error;

/// A control value that did not decode.
pub(crate) fn malformed(which: &'static str) -> impl Fn(BerError) -> Error {
    move |_| Error::Malformed(which)
}
