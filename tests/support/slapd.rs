//! A throwaway OpenLDAP slapd for the hub's tests: `scripts/slapd.sh` in a
//! temp dir on a free loopback port (suffix dc=example,dc=com, ou=people,
//! ou=groups, the service account cn=reader / reader capped at 100 entries
//! unless paged), stopped when dropped. Writes go through OpenLDAP's own
//! `ldapmodify`. Fails loudly when slapd is not installed.

// Each test binary uses a part of it.
#![allow(dead_code)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const ADMIN_DN: &str = "cn=admin,dc=example,dc=com";
pub const READER_DN: &str = "cn=reader,dc=example,dc=com";
pub const PEOPLE: &str = "ou=people,dc=example,dc=com";
pub const GROUPS: &str = "ou=groups,dc=example,dc=com";

pub struct Slapd {
    dir: tempfile::TempDir,
    pub port: u16,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slapd.sh")
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

impl Slapd {
    pub fn start() -> Self {
        assert!(
            [
                "/usr/sbin/slapd",
                "/usr/bin/ldapmodify",
                "/usr/bin/ldapwhoami"
            ]
            .iter()
            .all(|p| Path::new(p).exists()),
            "OpenLDAP is not installed: these tests need a real slapd. \
             Install it with `apt-get install -y slapd ldap-utils`."
        );
        let dir = tempfile::tempdir().expect("temp dir");
        for attempt in 0..3 {
            let port = free_port();
            let out = Command::new("bash")
                .arg(script())
                .arg("start")
                .arg(dir.path())
                .arg(port.to_string())
                .output()
                .expect("run scripts/slapd.sh");
            if out.status.success() {
                return Self { dir, port };
            }
            eprintln!(
                "slapd.sh start failed (attempt {attempt}): {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        panic!("slapd did not start: see the output above");
    }

    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    /// Applies LDIF change records with `ldapmodify` as the rootdn.
    pub fn modify(&self, ldif: &str) {
        let mut child = Command::new("ldapmodify")
            .args(["-x", "-H", &self.url(), "-D", ADMIN_DN, "-w", "admin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run ldapmodify");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(ldif.as_bytes())
            .expect("write LDIF");
        let out = child.wait_with_output().expect("ldapmodify");
        assert!(
            out.status.success(),
            "ldapmodify failed: {}\n{ldif}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The entryUUID of `dn`.
    pub fn entry_uuid(&self, dn: &str) -> String {
        let out = Command::new("ldapsearch")
            .args([
                "-x",
                "-LLL",
                "-H",
                &self.url(),
                "-D",
                ADMIN_DN,
                "-w",
                "admin",
            ])
            .args(["-s", "base", "-b", dn, "entryUUID"])
            .output()
            .expect("run ldapsearch");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("entryUUID: "))
            .unwrap_or_else(|| panic!("no entryUUID for {dn}"))
            .to_owned()
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(self.dir.path())
            .status();
    }
}

/// LDIF adding a person with password `pw-<uid>`.
pub fn person(uid: &str) -> String {
    format!(
        "dn: uid={uid},{PEOPLE}\nchangetype: add\nobjectClass: inetOrgPerson\n\
         uid: {uid}\ncn: {uid} Example\nsn: Example\ngivenName: {uid}\n\
         mail: {uid}@example.com\nuserPassword: pw-{uid}\n\n"
    )
}

/// LDIF adding a groupOfNames; members by uid or as full DNs.
pub fn group_of_names(cn: &str, members: &[&str]) -> String {
    let mut ldif =
        format!("dn: cn={cn},{GROUPS}\nchangetype: add\nobjectClass: groupOfNames\ncn: {cn}\n");
    for m in members {
        ldif.push_str(&format!("member: {}\n", member_dn(m)));
    }
    ldif.push('\n');
    ldif
}

/// LDIF adding a posixGroup with `memberUid`s.
pub fn posix_group(cn: &str, gid: u32, uids: &[&str]) -> String {
    let mut ldif = format!(
        "dn: cn={cn},{GROUPS}\nchangetype: add\nobjectClass: posixGroup\ncn: {cn}\ngidNumber: {gid}\n"
    );
    for u in uids {
        ldif.push_str(&format!("memberUid: {u}\n"));
    }
    ldif.push('\n');
    ldif
}

/// `jo` → `uid=jo,ou=people,…`; `cn=x` → `cn=x,ou=groups,…`; a full DN
/// stays.
pub fn member_dn(m: &str) -> String {
    if m.contains(',') {
        m.to_owned()
    } else if let Some(cn) = m.strip_prefix("cn=") {
        format!("cn={cn},{GROUPS}")
    } else {
        format!("uid={m},{PEOPLE}")
    }
}
