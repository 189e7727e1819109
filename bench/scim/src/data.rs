//! The synthetic directory: user `i` is the same resource in every run, so
//! that the query phases can probe values they know exist without asking
//! the server first.

use serde_json::{json, Value};

/// SplitMix64: a fixed, well-mixed hash of `x` (no dependency needed).
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A small deterministic random source for probes.
#[derive(Debug)]
pub struct Probe(u64);

impl Probe {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(1);
        mix(self.0) % n.max(1)
    }
}

/// Six pseudo-random lowercase letters, then `.i`: unique, and spread so
/// that a three-letter prefix matches about n / 17,576 users and a
/// one-letter prefix about n / 26.
pub fn user_name(i: u64) -> String {
    let mut h = mix(i);
    let mut s = String::with_capacity(16);
    for _ in 0..6 {
        s.push(char::from(b'a' + (h % 26) as u8));
        h /= 26;
    }
    s.push('.');
    s.push_str(&i.to_string());
    s
}

pub fn external_id(i: u64) -> String {
    format!("ext-{i}")
}

pub fn email(i: u64) -> String {
    format!("{}@example.org", user_name(i))
}

const GIVEN: [&str; 8] = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken",
];
const FAMILY: [&str; 8] = [
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson",
];

/// The SCIM User resource of user `i`: userName, one email, externalId, name.
pub fn user(i: u64) -> Value {
    let h = mix(i ^ 0x5EED);
    let given = GIVEN[(h % 8) as usize];
    let family = FAMILY[((h >> 8) % 8) as usize];
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name(i),
        "externalId": external_id(i),
        "name": {"givenName": given, "familyName": family, "formatted": format!("{given} {family}")},
        "displayName": format!("{given} {family}"),
        "emails": [{"value": email(i), "type": "work", "primary": true}],
        "active": true
    })
}

/// A `/Bulk` request creating users `from..to`.
pub fn bulk_create(from: u64, to: u64) -> Value {
    let ops: Vec<Value> = (from..to)
        .map(|i| {
            json!({
                "method": "POST",
                "path": "/Users",
                "bulkId": format!("u{i}"),
                "data": user(i),
            })
        })
        .collect();
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": ops,
    })
}
