#!/usr/bin/env python3
"""LDIF for the LDAP sync benchmark (bench/ldap/run.sh), deterministic.

  gen_ldif.py base --users N --groups M > data.ldif
      The whole directory for an offline `slapadd`: the suffix
      dc=example,dc=com, ou=people, ou=groups, the service account
      cn=reader (password reader, as scripts/slapd.sh seeds it), N
      inetOrgPerson users uid=user000001… and M groupOfNames groups
      cn=group0001…. Every user is in 1 to 3 groups (about 2 on average, so a
      group has about 2N/M members); one group in ten also holds one or two
      other groups (nested, never a loop). slapadd does not run the memberof
      overlay, so each user and nested group gets the `memberOf` values the
      overlay would have written: the directory looks as if it had been
      filled over the wire. (The hub takes memberships from the groups'
      `member` DNs; memberOf is there for realism.)

  gen_ldif.py changes --users N --groups M --round R > changes.ldif
      100 change records for `ldapmodify`, different for each round R
      (1, 2, ...): 40 attribute modifies (mail, displayName), 15 adds of new
      users, 10 deletes, 10 renames (modrdn to a new uid), 25 membership
      changes (15 member adds, 10 member removes). Rounds touch disjoint
      users, so they can follow one another on the same directory.
"""

import argparse
import random
import sys

SUFFIX = "dc=example,dc=com"
PEOPLE = "ou=people," + SUFFIX
GROUPS = "ou=groups," + SUFFIX
FIRST = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken",
         "Margaret", "Dennis", "Radia", "John", "Leslie", "Niklaus", "Shafi", "Tim"]
LAST = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen",
        "Thompson", "Hamilton", "Ritchie", "Perlman", "McCarthy", "Lamport",
        "Wirth", "Goldwasser", "Berners-Lee"]


def uid(i):
    return "user%06d" % i


def user_dn(i):
    return "uid=%s,%s" % (uid(i), PEOPLE)


def gname(g):
    return "group%04d" % g


def group_dn(g):
    return "cn=%s,%s" % (gname(g), GROUPS)


def person(i, name=None):
    name = name or uid(i)
    given = FIRST[i % len(FIRST)]
    family = LAST[(i // len(FIRST)) % len(LAST)]
    return [
        "objectClass: inetOrgPerson",
        "uid: " + name,
        "cn: %s %s %d" % (given, family, i),
        "givenName: " + given,
        "sn: " + family,
        "displayName: %s %s" % (given, family),
        "mail: %s@example.com" % name,
        "employeeNumber: %d" % i,
    ]


def plan(users, groups):
    """user -> its groups; group -> its user members; group -> its nested groups."""
    rnd = random.Random(6)
    member_of = {}
    members = {g: [] for g in range(1, groups + 1)}
    for i in range(1, users + 1):
        chosen = rnd.sample(range(1, groups + 1), rnd.choice((1, 2, 2, 3)))
        member_of[i] = chosen
        for g in chosen:
            members[g].append(i)
    nested = {g: [] for g in range(1, groups + 1)}
    for g in range(1, groups + 1, 10):
        # Only groups with a higher number: no loop.
        candidates = range(g + 1, groups + 1)
        if candidates:
            nested[g] = rnd.sample(candidates, min(len(candidates), rnd.choice((1, 2))))
    return member_of, members, nested


def base(users, groups, out):
    w = out.write
    w("dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n" % SUFFIX)
    w("dn: %s\nobjectClass: organizationalUnit\nou: people\n\n" % PEOPLE)
    w("dn: %s\nobjectClass: organizationalUnit\nou: groups\n\n" % GROUPS)
    w("dn: cn=reader,%s\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
      "cn: reader\nuserPassword: reader\n\n" % SUFFIX)
    member_of, members, nested = plan(users, groups)
    parent_of = {}
    for g, kids in nested.items():
        for k in kids:
            parent_of.setdefault(k, []).append(g)
    for i in range(1, users + 1):
        lines = ["dn: " + user_dn(i)] + person(i)
        lines += ["memberOf: " + group_dn(g) for g in member_of[i]]
        w("\n".join(lines) + "\n\n")
    for g in range(1, groups + 1):
        lines = ["dn: " + group_dn(g), "objectClass: groupOfNames", "cn: " + gname(g),
                 "description: bench group %d" % g]
        lines += ["member: " + user_dn(i) for i in members[g]]
        lines += ["member: " + group_dn(k) for k in nested[g]]
        if not members[g] and not nested[g]:
            # groupOfNames needs a member (RFC 4519 §3.5).
            lines.append("member: cn=reader," + SUFFIX)
        lines += ["memberOf: " + group_dn(p) for p in parent_of.get(g, [])]
        w("\n".join(lines) + "\n\n")


def changes(users, groups, rnd_no, out):
    """100 change records; round R uses users of its own block."""
    member_of, _, _ = plan(users, groups)
    block = 200
    start = (rnd_no - 1) * block + 1
    if start + block > users:
        sys.exit("gen_ldif.py: not enough users for round %d" % rnd_no)
    ids = list(range(start, start + block))
    modified, deleted, renamed = ids[:40], ids[40:50], ids[50:60]
    joining, leaving = ids[60:75], ids[75:85]
    w = out.write
    for i in modified:
        w("dn: %s\nchangetype: modify\nreplace: mail\nmail: %s.r%d@corp.example.com\n-\n"
          "replace: displayName\ndisplayName: Renamed %d in round %d\n-\n\n"
          % (user_dn(i), uid(i), rnd_no, i, rnd_no))
    for n in range(15):
        name = "new%02d%03d" % (rnd_no, n)
        lines = ["dn: uid=%s,%s" % (name, PEOPLE), "changetype: add"] + person(users + n, name)
        w("\n".join(lines) + "\n\n")
    for i in deleted:
        w("dn: %s\nchangetype: delete\n\n" % user_dn(i))
    for i in renamed:
        w("dn: %s\nchangetype: modrdn\nnewrdn: uid=%s.r%d\ndeleteoldrdn: 1\n\n"
          % (user_dn(i), uid(i), rnd_no))
    for i in joining:
        g = next(g for g in (((i + k) % groups) + 1 for k in range(groups))
                 if g not in member_of[i])
        w("dn: %s\nchangetype: modify\nadd: member\nmember: %s\n-\n\n" % (group_dn(g), user_dn(i)))
    for i in leaving:
        w("dn: %s\nchangetype: modify\ndelete: member\nmember: %s\n-\n\n"
          % (group_dn(member_of[i][0]), user_dn(i)))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("what", choices=("base", "changes"))
    p.add_argument("--users", type=int, default=100_000)
    p.add_argument("--groups", type=int, default=1_000)
    p.add_argument("--round", type=int, default=1)
    a = p.parse_args()
    out = sys.stdout
    if a.what == "base":
        base(a.users, a.groups, out)
    else:
        changes(a.users, a.groups, a.round, out)


if __name__ == "__main__":
    main()
