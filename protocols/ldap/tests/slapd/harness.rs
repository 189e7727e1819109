//! A throwaway slapd per test (scripts/slapd.sh in a temp dir, on a free
//! port; suffix dc=example,dc=com, ou=people, ou=groups, the service
//! account cn=reader / reader capped at 100 entries unless paged; with TLS on
//! demand), stopped by its PID when the test ends, and writes to it with
//! OpenLDAP's own `ldapmodify`, so that what the reader sees was produced by
//! independent tools. Shared by this crate's tests and the hub's
//! (`tests/api`, `tests/cli` include it by path). Fails loudly when slapd is
//! not installed.

// Each test binary uses a part of it.
#![allow(dead_code)]

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use usso_ldap::{Dn, Mapping, Preset, SourceConfig};

pub const ADMIN_DN: &str = "cn=admin,dc=example,dc=com";
pub const READER_DN: &str = "cn=reader,dc=example,dc=com";
pub const BASE: &str = "dc=example,dc=com";
pub const PEOPLE: &str = "ou=people,dc=example,dc=com";
pub const GROUPS: &str = "ou=groups,dc=example,dc=com";

/// A running slapd.
pub struct Slapd {
    dir: tempfile::TempDir,
    pub port: u16,
    /// The `ldaps://` port, when started with TLS.
    pub tls_port: Option<u16>,
}

/// `scripts/slapd.sh` of the workspace, found from whichever crate's tests
/// include this file.
fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("scripts/slapd.sh"))
        .find(|path| path.exists())
        .expect("scripts/slapd.sh in the workspace")
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
        Self::start_with(false)
    }

    /// Starts slapd with TLS: `ldaps://` on [`Slapd::tls_port`] and
    /// StartTLS on the plain port, a server certificate from a throwaway CA
    /// ([`Slapd::ca_pem`]).
    pub fn start_with_tls() -> Self {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Self {
        assert!(
            slapd_installed(),
            "OpenLDAP is not installed: these tests need a real slapd. \
             Install it with `apt-get install -y slapd ldap-utils` (scripts/setup.sh does)."
        );
        let dir = tempfile::tempdir().expect("temp dir");
        for attempt in 0..3 {
            let port = free_port();
            let tls_port = tls.then(free_port);
            let mut command = Command::new("bash");
            command
                .arg(script())
                .arg("start")
                .arg(dir.path())
                .arg(port.to_string());
            if let Some(tls_port) = tls_port {
                command.env("SLAPD_TLS_PORT", tls_port.to_string());
            }
            let out = command.output().expect("run scripts/slapd.sh");
            if out.status.success() {
                return Self {
                    dir,
                    port,
                    tls_port,
                };
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
        let mut command = Command::new("bash");
        command
            .arg(script())
            .arg("start")
            .arg(self.dir.path())
            .arg(self.port.to_string());
        if let Some(tls_port) = self.tls_port {
            command.env("SLAPD_TLS_PORT", tls_port.to_string());
        }
        let out = command.output().expect("run scripts/slapd.sh start");
        assert!(
            out.status.success(),
            "restart failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    /// The `ldaps://` URL of a slapd started with TLS.
    pub fn ldaps_url(&self) -> String {
        let port = self.tls_port.expect("slapd started without TLS");
        format!("ldaps://127.0.0.1:{port}")
    }

    /// The throwaway CA (PEM) of a slapd started with TLS.
    pub fn ca_pem(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("tls/ca.pem")).expect("read tls/ca.pem")
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
        "dn: uid={uid},{PEOPLE}\nchangetype: add\nobjectClass: inetOrgPerson\n\
         uid: {uid}\ncn: {uid} Example\nsn: Example\ngivenName: {uid}\ndisplayName: {uid} E.\n\
         mail: {uid}@example.com\nuserPassword: pw-{uid}\n\n"
    )
}

/// LDIF adding a groupOfNames; members by uid, `cn=<group>` or full DNs
/// ([`member_dn`]).
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
