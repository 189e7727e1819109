//! Primary groups with constructed Active Directory entries (AD cannot run
//! here): two domains whose groups share RID 513, users of each, and an
//! in-memory directory answering the reader's two lookups.

use super::*;
use crate::mapping::map_entry;
use crate::model::{DirectoryGroup, DirectoryUser};
use crate::{Mapping, Preset};

const CORP: [u32; 4] = [21, 1_004_336_348, 1_177_238_915, 682_003_330];
const LAB: [u32; 4] = [21, 111, 222, 333];

fn sid(domain: [u32; 4], rid: u32) -> Vec<u8> {
    let mut out = vec![1, 5, 0, 0, 0, 0, 0, 5];
    for sub in domain.into_iter().chain([rid]) {
        out.extend_from_slice(&sub.to_le_bytes());
    }
    out
}

fn v(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn guid(n: u8) -> Vec<u8> {
    vec![n; 16]
}

fn user(dn: &str, n: u8, domain: [u32; 4], rid: u32, primary: u32) -> RawEntry {
    RawEntry::new(
        dn,
        vec![
            ("objectClass", vec![v("top"), v("person"), v("user")]),
            ("objectGUID", vec![guid(n)]),
            ("sAMAccountName", vec![v(&format!("u{n}"))]),
            ("objectSid", vec![sid(domain, rid)]),
            ("primaryGroupID", vec![v(&primary.to_string())]),
        ],
    )
}

fn group(dn: &str, n: u8, domain: [u32; 4], rid: u32, members: &[&str]) -> RawEntry {
    RawEntry::new(
        dn,
        vec![
            ("objectClass", vec![v("top"), v("group")]),
            ("objectGUID", vec![guid(n)]),
            ("cn", vec![v(dn.split([',', '=']).nth(1).unwrap_or("g"))]),
            ("objectSid", vec![sid(domain, rid)]),
            ("member", members.iter().map(|m| v(m)).collect()),
        ],
    )
}

/// The directory: every entry, answering as a DC would.
struct Dc {
    entries: Vec<RawEntry>,
    group_lookups: usize,
}

impl PrimaryLookup for Dc {
    async fn users_with_primary_group(&mut self, rid: u32) -> Result<Vec<(String, Vec<u8>)>> {
        Ok(self
            .entries
            .iter()
            .filter(|e| e.text("primaryGroupID").as_deref() == Some(&rid.to_string()))
            .filter_map(|e| Some((e.dn.clone(), e.values("objectSid").next()?.to_vec())))
            .collect())
    }

    async fn group_with_sid(&mut self, sid: &[u8]) -> Result<Option<String>> {
        self.group_lookups += 1;
        Ok(self
            .entries
            .iter()
            .filter(|e| e.has_class(&["group".to_owned()]))
            .find(|e| e.values("objectSid").next() == Some(sid))
            .map(|e| e.dn.clone()))
    }
}

const DOMAIN_USERS: &str = "CN=Domain Users,CN=Users,DC=corp,DC=example";
const STAFF: &str = "CN=Staff,OU=Groups,DC=corp,DC=example";
const LAB_USERS: &str = "CN=Domain Users,CN=Users,DC=lab,DC=corp,DC=example";
const ANN: &str = "CN=Ann,OU=Staff,DC=corp,DC=example";
const BOB: &str = "CN=Bob,OU=Staff,DC=corp,DC=example";
const CAL: &str = "CN=Cal,CN=Users,DC=lab,DC=corp,DC=example";

fn directory() -> Dc {
    Dc {
        entries: vec![
            // Ann and Bob are in Domain Users (513) by their primary group
            // only; Bob is also an explicit member of Staff, which is Ann's
            // primary group (1104).
            user(ANN, 1, CORP, 1105, 1104),
            user(BOB, 2, CORP, 1106, 513),
            // Cal is in another domain, whose Domain Users is also RID 513.
            user(CAL, 3, LAB, 1107, 513),
            group(DOMAIN_USERS, 10, CORP, 513, &[]),
            group(STAFF, 11, CORP, 1104, &[BOB]),
            group(LAB_USERS, 12, LAB, 513, &[]),
        ],
        group_lookups: 0,
    }
}

async fn complete(dc: &mut Dc, groups: &mut PrimaryGroups, dn: &str) -> DirectoryEntry {
    let mapping = Mapping::preset(Preset::ActiveDirectory);
    let raw = dc
        .entries
        .iter()
        .find(|e| e.dn == dn)
        .cloned()
        .expect("entry");
    let mut entry = map_entry(&mapping, &raw);
    groups
        .complete(dc, &mapping, &raw, &mut entry)
        .await
        .unwrap();
    entry
}

fn members(entry: &DirectoryEntry) -> Vec<String> {
    let DirectoryEntry::Group(DirectoryGroup { member_dns, .. }) = entry else {
        panic!("not a group: {entry:?}")
    };
    let mut out: Vec<String> = member_dns.iter().map(ToString::to_string).collect();
    out.sort();
    out
}

fn primary_group(entry: &DirectoryEntry) -> Option<String> {
    let DirectoryEntry::User(DirectoryUser { primary_group, .. }) = entry else {
        panic!("not a user: {entry:?}")
    };
    primary_group.as_ref().map(ToString::to_string)
}

#[tokio::test]
async fn a_group_lists_the_users_whose_primary_group_it_is_in_its_domain() {
    let mut dc = directory();
    let mut groups = PrimaryGroups::default();
    let domain_users = complete(&mut dc, &mut groups, DOMAIN_USERS).await;
    // Bob, not Cal: same RID, other domain.
    assert_eq!(members(&domain_users), [BOB]);
    let staff = complete(&mut dc, &mut groups, STAFF).await;
    // Bob explicitly, Ann by her primary group; Bob once.
    assert_eq!(members(&staff), [ANN, BOB]);
    let lab = complete(&mut dc, &mut groups, LAB_USERS).await;
    assert_eq!(members(&lab), [CAL]);
}

#[tokio::test]
async fn a_user_names_its_primary_group_by_domain_sid_and_rid() {
    let mut dc = directory();
    let mut groups = PrimaryGroups::default();
    let ann = complete(&mut dc, &mut groups, ANN).await;
    assert_eq!(primary_group(&ann).as_deref(), Some(STAFF));
    let bob = complete(&mut dc, &mut groups, BOB).await;
    assert_eq!(primary_group(&bob).as_deref(), Some(DOMAIN_USERS));
    let cal = complete(&mut dc, &mut groups, CAL).await;
    assert_eq!(primary_group(&cal).as_deref(), Some(LAB_USERS));
    assert_eq!(dc.group_lookups, 3);
    // A second user of Domain Users is resolved from memory.
    dc.entries.push(user(
        "CN=Dee,OU=Staff,DC=corp,DC=example",
        4,
        CORP,
        1108,
        513,
    ));
    let dee = complete(&mut dc, &mut groups, "CN=Dee,OU=Staff,DC=corp,DC=example").await;
    assert_eq!(primary_group(&dee).as_deref(), Some(DOMAIN_USERS));
    assert_eq!(dc.group_lookups, 3);
}

#[tokio::test]
async fn a_primary_group_outside_the_source_resolves_to_nothing() {
    let mut dc = directory();
    dc.entries.retain(|e| e.dn != DOMAIN_USERS);
    let mut groups = PrimaryGroups::default();
    let bob = complete(&mut dc, &mut groups, BOB).await;
    assert_eq!(primary_group(&bob), None);
}

#[tokio::test]
async fn other_presets_are_left_alone() {
    let mapping = Mapping::preset(Preset::Openldap);
    let raw = RawEntry::new(
        "uid=jo,ou=people,dc=example,dc=com",
        vec![
            ("objectClass", vec![v("inetOrgPerson")]),
            ("entryUUID", vec![v("4f6c1f0e-6e7c-4f1e-9a51-0d5c9a3b2c10")]),
            ("uid", vec![v("jo")]),
            ("objectSid", vec![sid(CORP, 1105)]),
            ("primaryGroupID", vec![v("513")]),
        ],
    );
    let mut entry = map_entry(&mapping, &raw);
    let before = entry.clone();
    let mut dc = directory();
    PrimaryGroups::default()
        .complete(&mut dc, &mapping, &raw, &mut entry)
        .await
        .unwrap();
    assert_eq!(entry, before);
    assert_eq!(dc.group_lookups, 0);
}
