#!/usr/bin/env bash
# A throwaway OpenLDAP slapd for tests and local runs. Installs nothing:
# the setup script provides Debian's `slapd` and `ldap-utils`.
#
#   scripts/slapd.sh start <dir> <port>   write <dir>/slapd.conf, start slapd on
#                                         127.0.0.1:<port>, wait, seed the base
#                                         (a restart from the same <dir> keeps
#                                         the data and seeds nothing)
#   scripts/slapd.sh stop <dir>           stop the slapd whose PID is in <dir>
#   scripts/slapd.sh conf <dir>           only write <dir>/slapd.conf and create
#                                         <dir>/db, e.g. to fill it offline with
#                                         `slapadd -q -w -f <dir>/slapd.conf` (the
#                                         LDIF then holds the base entries; see
#                                         bench/ldap/gen_ldif.py) before `start`
#
# SLAPD_MAXSIZE: the mdb map size in bytes (default 256 MiB).
# SLAPD_TLS_PORT: also listen with TLS (ldaps://) on 127.0.0.1:<port>, and
#   offer StartTLS on the plain port, with a server certificate (for
#   127.0.0.1 and localhost) from a throwaway CA made with openssl on the
#   first start: <dir>/tls/ca.pem is the CA a client should trust.
# Suffix dc=example,dc=com; rootdn cn=admin,dc=example,dc=com, password admin.
# Seeded over the wire (so the overlays see every write): the suffix,
# ou=people, ou=groups, and cn=reader,dc=example,dc=com (password reader), a
# service account whose searches are capped at 100 entries unless paged.
# Overlays: memberof (memberof-refint TRUE), refint, syncprov (checkpoint
# 100 10, sessionlog 10000).
set -euo pipefail

MODULES=${SLAPD_MODULE_PATH:-/usr/lib/ldap}
SCHEMA=${SLAPD_SCHEMA_PATH:-/etc/ldap/schema}
SLAPD=${SLAPD_BIN:-$(command -v slapd || echo /usr/sbin/slapd)}
SUFFIX="dc=example,dc=com"
ROOTDN="cn=admin,$SUFFIX"
ROOTPW="admin"

die() { echo "slapd.sh: $*" >&2; exit 1; }

need() {
    [ -x "$SLAPD" ] || die "slapd not found (apt-get install -y slapd ldap-utils)"
    command -v ldapwhoami >/dev/null || die "ldapwhoami not found (apt-get install -y ldap-utils)"
    command -v ldapsearch >/dev/null || die "ldapsearch not found (apt-get install -y ldap-utils)"
    command -v ldapadd >/dev/null || die "ldapadd not found (apt-get install -y ldap-utils)"
    [ -f "$MODULES/back_mdb.la" ] || [ -f "$MODULES/back_mdb.so" ] || die "no back_mdb in $MODULES"
    [ -f "$SCHEMA/core.schema" ] || die "no core.schema in $SCHEMA"
}

# A throwaway CA and a server certificate signed by it, once per <dir>.
make_tls() {
    local tls=$1/tls
    [ -f "$tls/server.pem" ] && return 0
    command -v openssl >/dev/null || die "openssl not found (apt-get install -y openssl)"
    mkdir -p "$tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 \
        -subj "/CN=slapd.sh throwaway CA" -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null \
        || die "openssl could not make the CA"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -subj "/CN=127.0.0.1" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null \
        || die "openssl could not make the server key"
    printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$tls/server.ext"
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
        -CAcreateserial -days 7 -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null \
        || die "openssl could not sign the server certificate"
}

write_conf() {
    local dir=$1 tls_conf=""
    if [ -n "${SLAPD_TLS_PORT:-}" ]; then
        make_tls "$dir"
        tls_conf="TLSCACertificateFile $dir/tls/ca.pem
TLSCertificateFile $dir/tls/server.pem
TLSCertificateKeyFile $dir/tls/server.key"
    fi
    cat >"$dir/slapd.conf" <<CONF
include $SCHEMA/core.schema
include $SCHEMA/cosine.schema
include $SCHEMA/inetorgperson.schema
include $SCHEMA/nis.schema

pidfile $dir/slapd.pid
argsfile $dir/slapd.args
loglevel none
$tls_conf

modulepath $MODULES
moduleload back_mdb
moduleload memberof
moduleload refint
moduleload syncprov

database mdb
maxsize ${SLAPD_MAXSIZE:-268435456}
suffix "$SUFFIX"
rootdn "$ROOTDN"
rootpw $ROOTPW
directory $dir/db

access to attrs=userPassword
    by self write
    by anonymous auth
    by * none
access to *
    by * read

limits dn.exact="cn=reader,$SUFFIX" size.soft=100 size.hard=100 size.prtotal=unlimited

index objectClass eq
index entryUUID,entryCSN eq
index uid,cn,mail eq
index member,uniqueMember,memberUid eq
index memberOf eq

overlay memberof
memberof-refint TRUE

overlay refint
refint_attributes member uniqueMember

overlay syncprov
syncprov-checkpoint 100 10
syncprov-sessionlog 10000
CONF
}

seed() {
    local url=$1
    # A restart from the same directory keeps its data.
    if ldapsearch -x -H "$url" -D "$ROOTDN" -w "$ROOTPW" -s base -b "$SUFFIX" 1.1 >/dev/null 2>&1; then
        return 0
    fi
    ldapadd -x -H "$url" -D "$ROOTDN" -w "$ROOTPW" >/dev/null <<LDIF
dn: $SUFFIX
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ou=people,$SUFFIX
objectClass: organizationalUnit
ou: people

dn: ou=groups,$SUFFIX
objectClass: organizationalUnit
ou: groups

dn: cn=reader,$SUFFIX
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: reader
userPassword: reader
LDIF
}

start() {
    local dir=${1:?usage: slapd.sh start <dir> <port>} port=${2:?usage: slapd.sh start <dir> <port>}
    need
    mkdir -p "$dir/db"
    dir=$(cd "$dir" && pwd)
    if [ -f "$dir/slapd.pid" ] && kill -0 "$(cat "$dir/slapd.pid")" 2>/dev/null; then
        die "a slapd already runs from $dir (PID $(cat "$dir/slapd.pid"))"
    fi
    write_conf "$dir"
    "$SLAPD" -Tt -u -f "$dir/slapd.conf" >"$dir/slaptest.log" 2>&1 \
        || { cat "$dir/slaptest.log" >&2; die "invalid slapd.conf"; }
    local url="ldap://127.0.0.1:$port/" listen="ldap://127.0.0.1:$port/"
    if [ -n "${SLAPD_TLS_PORT:-}" ]; then
        listen="$listen ldaps://127.0.0.1:$SLAPD_TLS_PORT/"
    fi
    # slapd forks into the background and writes its PID to $dir/slapd.pid.
    "$SLAPD" -f "$dir/slapd.conf" -h "$listen" >"$dir/slapd.log" 2>&1 \
        || { cat "$dir/slapd.log" >&2; die "slapd did not start"; }
    local i
    for i in $(seq 1 100); do
        if ldapwhoami -x -H "$url" -D "$ROOTDN" -w "$ROOTPW" >/dev/null 2>&1; then
            seed "$url"
            echo "slapd $(cat "$dir/slapd.pid") on $url"
            return 0
        fi
        sleep 0.1
    done
    stop "$dir" || true
    die "slapd did not answer on $url within 10 s"
}

stop() {
    local dir=${1:?usage: slapd.sh stop <dir>}
    local pidfile="$dir/slapd.pid"
    [ -f "$pidfile" ] || return 0
    local pid
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        local i
        for i in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
    fi
    rm -f "$pidfile"
}

conf() {
    local dir=${1:?usage: slapd.sh conf <dir>}
    need
    mkdir -p "$dir/db"
    dir=$(cd "$dir" && pwd)
    write_conf "$dir"
    "$SLAPD" -Tt -u -f "$dir/slapd.conf" >"$dir/slaptest.log" 2>&1 \
        || { cat "$dir/slaptest.log" >&2; die "invalid slapd.conf"; }
}

case "${1:-}" in
    start) shift; start "$@" ;;
    conf) shift; conf "$@" ;;
    stop) shift; stop "$@" ;;
    *) echo "usage: $0 start <dir> <port> | stop <dir> | conf <dir>" >&2; exit 2 ;;
esac
