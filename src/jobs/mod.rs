//! Background jobs. Each is idempotent, so every node of a cluster may run
//! it without a lease (leases come with the jobs that need one).

pub mod backchannel_logout;
pub mod key_rotation;
pub mod session_sweep;
