//! The `usso` binary.

fn main() {}
