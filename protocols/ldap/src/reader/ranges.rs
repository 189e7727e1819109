//! Ranged attribute retrieval (Active Directory, MS-ADTS §3.1.1.3.1.3.3):
//! an attribute with more values than the server's `MaxValRange` (1500 by
//! default) comes back as `member;range=0-1499` holding the first values
//! only. The client reads the entry again asking for `member;range=1500-*`,
//! then for the range after the one it got, until a range ends in `*`. An
//! entry is completed this way before it is mapped, so a group keeps all its
//! members whatever its size; servers that never send ranges (OpenLDAP,
//! 389 DS) cost nothing.

use crate::entry::RawEntry;
use crate::error::{Error, Result};

/// Follow-up reads allowed per attribute: a server that does not move
/// forward ends in an error rather than a loop.
const MAX_STEPS: usize = 100_000;

/// Reads one entry again with one attribute description requested.
pub(crate) trait RangeSource {
    /// The entry at `dn` with only `attr` (e.g. `member;range=1500-*`);
    /// `None` when the entry is gone.
    async fn read(&mut self, dn: &str, attr: &str) -> Result<Option<RawEntry>>;
}

/// `member;range=0-1499` → `("member", 0, Some(1499))`;
/// `member;range=1500-*` → `("member", 1500, None)`; `None` for a
/// description without a range option. Other options are kept out of the
/// base name.
pub(crate) fn parse_range(desc: &str) -> Option<(&str, u64, Option<u64>)> {
    let mut parts = desc.split(';');
    let base = parts.next()?;
    for option in parts {
        let Some(bounds) = option
            .get(..6)
            .filter(|p| p.eq_ignore_ascii_case("range="))
            .and_then(|_| option.get(6..))
        else {
            continue;
        };
        let (low, high) = bounds.split_once('-')?;
        let low = low.parse().ok()?;
        let high = match high {
            "*" => None,
            h => Some(h.parse().ok()?),
        };
        return Some((base, low, high));
    }
    None
}

/// Whether some attribute of `entry` came back as a range.
pub(crate) fn has_ranges(entry: &RawEntry) -> bool {
    entry
        .attrs
        .iter()
        .any(|(desc, _)| parse_range(desc).is_some())
}

/// Reads the missing values of every ranged attribute of `entry` and leaves
/// each under its plain name with all its values.
pub(crate) async fn complete<S: RangeSource>(source: &mut S, entry: &mut RawEntry) -> Result<()> {
    let ranged: Vec<(usize, String, Option<u64>)> = entry
        .attrs
        .iter()
        .enumerate()
        .filter_map(|(i, (desc, _))| parse_range(desc).map(|(base, _, high)| (i, base, high)))
        .map(|(i, base, high)| (i, base.to_owned(), high))
        .collect();
    for (index, base, high) in ranged {
        let mut next = high.map(|h| h.saturating_add(1));
        let mut steps = 0;
        while let Some(low) = next {
            steps += 1;
            if steps > MAX_STEPS {
                return Err(Error::Malformed("ranged retrieval does not end"));
            }
            let wanted = format!("{base};range={low}-*");
            let Some(part) = source.read(&entry.dn, &wanted).await? else {
                // Deleted meanwhile: the next sync sees the delete.
                break;
            };
            let Some((desc, values)) = part.attrs.into_iter().find(|(desc, _)| {
                let name = desc.split(';').next().unwrap_or(desc);
                name.eq_ignore_ascii_case(&base)
            }) else {
                // No values left past `low` (some were removed meanwhile).
                break;
            };
            next = match parse_range(&desc) {
                // The rest, without a range option.
                None => None,
                Some((_, got, _)) if got != low => {
                    return Err(Error::Malformed(
                        "ranged retrieval: the server sent another range than asked",
                    ))
                }
                Some((_, _, None)) => None,
                Some((_, _, Some(h))) if h >= low => Some(h.saturating_add(1)),
                Some(_) => return Err(Error::Malformed("ranged retrieval: an empty range")),
            };
            if let Some((_, all)) = entry.attrs.get_mut(index) {
                all.extend(values);
            }
        }
        if let Some((desc, _)) = entry.attrs.get_mut(index) {
            *desc = base;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A group with `n` members as an AD domain controller serves it: pages
    /// of `max` values per read.
    struct Dc {
        dn: String,
        members: Vec<Vec<u8>>,
        max: usize,
        reads: Vec<String>,
    }

    impl Dc {
        fn new(n: usize, max: usize) -> Self {
            Self {
                dn: "CN=Big,OU=Groups,DC=corp,DC=example".into(),
                members: (0..n)
                    .map(|i| format!("CN=U{i},OU=Users,DC=corp,DC=example").into_bytes())
                    .collect(),
                max,
                reads: Vec::new(),
            }
        }

        /// The attribute as the DC sends it when asked from `low`.
        fn slice(&self, low: usize) -> (String, Vec<Vec<u8>>) {
            let end = (low + self.max).min(self.members.len());
            let desc = if end == self.members.len() {
                format!("member;range={low}-*")
            } else {
                format!("member;range={low}-{}", end - 1)
            };
            (desc, self.members[low..end].to_vec())
        }

        fn first(&self) -> RawEntry {
            let (desc, values) = self.slice(0);
            RawEntry::new(
                &self.dn,
                vec![
                    ("objectClass", vec![b"group".to_vec()]),
                    ("cn", vec![b"Big".to_vec()]),
                    (desc.as_str(), values),
                ],
            )
        }
    }

    impl RangeSource for Dc {
        async fn read(&mut self, dn: &str, attr: &str) -> Result<Option<RawEntry>> {
            assert_eq!(dn, self.dn);
            self.reads.push(attr.to_owned());
            let (_, low, high) = parse_range(attr).unwrap();
            assert_eq!(high, None, "the client asks for the rest");
            let (desc, values) = self.slice(low as usize);
            Ok(Some(RawEntry::new(dn, vec![(desc.as_str(), values)])))
        }
    }

    fn members(entry: &RawEntry) -> Vec<String> {
        entry.texts("member")
    }

    #[test]
    fn range_options() {
        assert_eq!(
            parse_range("member;range=0-1499"),
            Some(("member", 0, Some(1499)))
        );
        assert_eq!(
            parse_range("member;RANGE=1500-*"),
            Some(("member", 1500, None))
        );
        assert_eq!(
            parse_range("member;binary;range=3-4"),
            Some(("member", 3, Some(4)))
        );
        assert_eq!(parse_range("member"), None);
        assert_eq!(parse_range("member;binary"), None);
        assert_eq!(parse_range("member;range=x-1"), None);
        assert_eq!(parse_range("member;range=1"), None);
        assert_eq!(parse_range("member;range=é-1"), None);
    }

    #[tokio::test]
    async fn a_group_of_4000_members_is_read_whole() {
        let mut dc = Dc::new(4000, 1500);
        let mut entry = dc.first();
        assert!(has_ranges(&entry));
        assert_eq!(members(&entry).len(), 1500);
        complete(&mut dc, &mut entry).await.unwrap();
        assert_eq!(
            dc.reads,
            ["member;range=1500-*", "member;range=3000-*"],
            "one read per missing range"
        );
        let all = members(&entry);
        assert_eq!(all.len(), 4000);
        assert_eq!(all[0], "CN=U0,OU=Users,DC=corp,DC=example");
        assert_eq!(all[3999], "CN=U3999,OU=Users,DC=corp,DC=example");
        assert!(!has_ranges(&entry), "left under its plain name");
        assert_eq!(entry.text("cn").as_deref(), Some("Big"));
    }

    #[tokio::test]
    async fn the_mapped_group_has_every_member() {
        let mut dc = Dc::new(3001, 1500);
        let mut entry = dc.first();
        let guid = vec![7u8; 16];
        entry.attrs.push(("objectGUID".into(), vec![guid]));
        complete(&mut dc, &mut entry).await.unwrap();
        let mapping = crate::Mapping::preset(crate::Preset::ActiveDirectory);
        match crate::mapping::map_entry(&mapping, &entry) {
            crate::DirectoryEntry::Group(g) => assert_eq!(g.member_dns.len(), 3001),
            other => panic!("not a group: {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_last_range_in_the_first_answer_needs_no_read() {
        let mut dc = Dc::new(10, 1500);
        let mut entry = RawEntry::new(
            &dc.dn.clone(),
            vec![("member;range=0-*", dc.members.clone())],
        );
        complete(&mut dc, &mut entry).await.unwrap();
        assert!(dc.reads.is_empty());
        assert_eq!(members(&entry).len(), 10);
        assert!(!has_ranges(&entry));
    }

    struct Stuck;

    impl RangeSource for Stuck {
        async fn read(&mut self, dn: &str, _attr: &str) -> Result<Option<RawEntry>> {
            // Always the first range again: a broken server.
            Ok(Some(RawEntry::new(
                dn,
                vec![("member;range=0-1", vec![b"CN=A".to_vec(), b"CN=B".to_vec()])],
            )))
        }
    }

    #[tokio::test]
    async fn a_server_that_does_not_move_forward_is_an_error() {
        let mut entry = RawEntry::new(
            "CN=G",
            vec![("member;range=0-1", vec![b"CN=A".to_vec(), b"CN=B".to_vec()])],
        );
        let err = complete(&mut Stuck, &mut entry).await.unwrap_err();
        assert!(matches!(err, Error::Malformed(_)), "{err:?}");
    }

    struct Gone;

    impl RangeSource for Gone {
        async fn read(&mut self, _dn: &str, _attr: &str) -> Result<Option<RawEntry>> {
            Ok(None)
        }
    }

    #[tokio::test]
    async fn an_entry_deleted_between_reads_keeps_what_was_read() {
        let mut entry = RawEntry::new(
            "CN=G",
            vec![("member;range=0-1", vec![b"CN=A".to_vec(), b"CN=B".to_vec()])],
        );
        complete(&mut Gone, &mut entry).await.unwrap();
        assert_eq!(members(&entry), ["CN=A", "CN=B"]);
    }
}
