//! Background jobs. Each is idempotent, so every node of a cluster may run
//! it without a lease (leases come with the jobs that need one: the LDAP
//! sync takes one per source).

pub mod backchannel_logout;
pub mod key_rotation;
pub mod ldap_sync;
pub mod session_sweep;
