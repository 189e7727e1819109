//! A throwaway slapd per test (scripts/slapd.sh in a temp dir, on a free
//! port), stopped by its PID when the test ends, and writes to it with
//! OpenLDAP's own `ldapmodify`, so that what the reader sees was produced by
//! independent tools.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use usso_ldap::{Dn, Mapping, Preset, SourceConfig};

pub const ADMIN_DN: &str = "cn=admin,dc=example,dc=com";
pub const READER_DN: &str = "cn=reader,dc=example,dc=com";
pub const BASE: &str = "dc=example,dc=com";

/// A running slapd.
pub struct Slapd {
    dir: tempfile::TempDir,
    pub port: u16,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/slapd.sh")
}

fn slapd_installed() -> bool {
    [
        "/usr/sbin/slapd",
        "/usr/bin/ldapmodify",
        "/usr/bin/ldapwhoami",
    ]
    .iter()
    .all(|p| Path::new(p).exists())
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

impl Slapd {
    /// Starts slapd; fails the test if slapd is not installed.
    pub fn start() -> Self {
        assert!(
            slapd_installed(),
            "OpenLDAP is not installed: these tests need a real slapd. \
             Install it with `apt-get install -y slapd ldap-utils` (scripts/setup.sh does)."
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

    /// Stops and starts slapd again on the same data and port (its
    /// in-memory sync session log starts empty).
    pub fn restart(&self) {
        let stop = Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(self.dir.path())
            .status()
            .expect("run scripts/slapd.sh stop");
        assert!(stop.success());
        let out = Command::new("bash")
            .arg(script())
            .arg("start")
            .arg(self.dir.path())
            .arg(self.port.to_string())
            .output()
            .expect("run scripts/slapd.sh start");
        assert!(
            out.status.success(),
            "restart failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    /// A source reading as the capped service account (100 entries per
    /// unpaged search), OpenLDAP preset.
    pub fn source(&self) -> SourceConfig {
        let mut config = SourceConfig::new(
            self.url(),
            READER_DN,
            "reader",
            Dn::parse(BASE).unwrap(),
            Mapping::preset(Preset::Openldap),
        );
        config.users_dn = Some(Dn::parse("ou=people,dc=example,dc=com").unwrap());
        config.groups_dn = Some(Dn::parse("ou=groups,dc=example,dc=com").unwrap());
        config.timeout = Duration::from_secs(10);
        config.page_size = 100;
        config
    }

    /// Applies an LDIF change file with `ldapmodify` as the rootdn.
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

    /// The entryUUID of `dn`, read with `ldapsearch`.
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

/// LDIF adding a person (inetOrgPerson) with password `pw-<uid>`.
pub fn person(uid: &str) -> String {
    format!(
        "dn: uid={uid},ou=people,dc=example,dc=com\nchangetype: add\nobjectClass: inetOrgPerson\n\
         uid: {uid}\ncn: {uid} Example\nsn: Example\ngivenName: {uid}\ndisplayName: {uid} E.\n\
         mail: {uid}@example.com\nuserPassword: pw-{uid}\n\n"
    )
}

/// LDIF adding a groupOfNames with members given by uid or as full DNs.
pub fn group_of_names(cn: &str, members: &[&str]) -> String {
    let mut ldif = format!(
        "dn: cn={cn},ou=groups,dc=example,dc=com\nchangetype: add\nobjectClass: groupOfNames\ncn: {cn}\n"
    );
    for m in members {
        ldif.push_str(&format!("member: {}\n", member_dn(m)));
    }
    ldif.push('\n');
    ldif
}

/// `jo` → `uid=jo,ou=people,…`; a DN stays as it is.
pub fn member_dn(m: &str) -> String {
    if m.contains('=') {
        m.to_owned()
    } else {
        format!("uid={m},ou=people,dc=example,dc=com")
    }
}
