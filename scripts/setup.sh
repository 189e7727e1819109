#!/usr/bin/env bash
# Installs what building and testing USSO needs on a fresh Debian machine:
# the C libraries of later dependencies (libxmlsec1 for SAML signatures),
# pkg-config and libclang for their bindings, OpenLDAP's slapd and client
# tools (the LDAP sync tests run a throwaway directory) and openssl (which
# makes that directory's throwaway TLS certificates). Skips what is already
# there.
set -euo pipefail

packages=(pkg-config libxml2-dev libxmlsec1-dev libclang-dev slapd ldap-utils openssl)
# Node.js runs the OIDC conformance peer (openid-client) when it is missing.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo is missing; install Rust with rustup (https://rustup.rs) first" >&2
  exit 1
fi
