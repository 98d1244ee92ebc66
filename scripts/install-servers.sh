#!/usr/bin/env bash
# Installs the servers the tests and the demo run against:
#   redis-server  (Debian package redis-server, from the release itself)
#   valkey-server (Debian package valkey-server, from <codename>-backports)
# Idempotent: does nothing but print the versions when both are already on PATH.
set -euo pipefail

print_versions() {
  redis-server --version
  valkey-server --version
}

if command -v redis-server >/dev/null 2>&1 && command -v valkey-server >/dev/null 2>&1; then
  print_versions
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "install-servers.sh: not root and sudo is absent; run it as root." >&2
    exit 1
  fi
fi
as_root() {
  if [ "${#SUDO[@]}" -gt 0 ]; then "${SUDO[@]}" "$@"; else "$@"; fi
}

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-servers.sh: apt-get not found; install redis-server and valkey-server by hand." >&2
  exit 1
fi

codename=""
if [ -r /etc/os-release ]; then
  codename="$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")"
fi
codename="${codename:-bookworm}"
backports="${codename}-backports"
mirror="http://deb.debian.org/debian"
sources_list=/etc/apt/sources.list
sources_dir=/etc/apt/sources.list.d

# True when an active (uncommented) apt source line already names the backports suite.
backports_configured() {
  local files=()
  [ -f "$sources_list" ] && files+=("$sources_list")
  local f
  for f in "$sources_dir"/*.list "$sources_dir"/*.sources; do
    [ -f "$f" ] && files+=("$f")
  done
  [ "${#files[@]}" -gt 0 ] || return 1
  grep -hv '^[[:space:]]*#' "${files[@]}" | grep -Eq -- "(^|[[:space:]])${backports}([[:space:]]|\$)"
}

ensure_backports() {
  if backports_configured; then
    return 0
  fi
  local changed=0 f tmp
  # deb822: add the suite to the Suites line of the stanza for the main Debian archive.
  for f in "$sources_dir"/*.sources; do
    [ -f "$f" ] || continue
    tmp="$(mktemp)"
    awk -v uri="$mirror" -v suite="$codename" -v add="$backports" '
      function flush(   i, hit) {
        hit = 0
        if (!done && n > 0) {
          for (i = 1; i <= n; i++) {
            if (buf[i] ~ /^URIs:/) {
              line = buf[i]; sub(/^URIs:[[:space:]]*/, "", line)
              if ((" " line " ") ~ (" " uri "/? ")) uriok = 1
            }
          }
          if (uriok) {
            for (i = 1; i <= n; i++) {
              if (buf[i] ~ /^Suites:/ && (" " buf[i] " ") ~ (" " suite " ")) {
                sub(/[[:space:]]*$/, "", buf[i]); buf[i] = buf[i] " " add; hit = 1
              }
            }
          }
          if (hit) done = 1
        }
        for (i = 1; i <= n; i++) print buf[i]
        n = 0; uriok = 0
      }
      /^[[:space:]]*$/ { flush(); print; next }
      { buf[++n] = $0 }
      END { flush(); if (done) exit 0; exit 3 }
    ' "$f" >"$tmp" && rc=0 || rc=$?
    if [ "$rc" -eq 0 ]; then
      as_root cp "$tmp" "$f"
      rm -f "$tmp"
      echo "install-servers.sh: added $backports to Suites in $f"
      changed=1
      break
    fi
    rm -f "$tmp"
    [ "$rc" -eq 3 ] || { echo "install-servers.sh: could not parse $f" >&2; exit 1; }
  done
  # Classic one-line format: add a line for the backports suite with the same URI.
  if [ "$changed" -eq 0 ] && [ -f "$sources_list" ]; then
    local line
    line="$(grep -E "^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?[^[:space:]]+[[:space:]]+${codename}[[:space:]]" "$sources_list" | head -n 1 || true)"
    if [ -n "$line" ]; then
      line="$(printf '%s\n' "$line" | sed -E "s/^([[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?[^[:space:]]+[[:space:]]+)${codename}([[:space:]])/\1${backports}\3/")"
      printf '%s\n' "$line" | as_root tee -a "$sources_list" >/dev/null
      echo "install-servers.sh: added '$line' to $sources_list"
      changed=1
    fi
  fi
  # Neither format matched: a source file of our own.
  if [ "$changed" -eq 0 ]; then
    f="$sources_dir/${backports}.list"
    printf 'deb %s %s main\n' "$mirror" "$backports" | as_root tee "$f" >/dev/null
    echo "install-servers.sh: wrote $f"
  fi
}

# The packages' maintainer scripts try to start their services (systemd, invoke-rc.d),
# which may be absent; a policy-rc.d that answers 101 tells them not to.
policy=/usr/sbin/policy-rc.d
own_policy=0
cleanup() {
  if [ "$own_policy" -eq 1 ]; then as_root rm -f "$policy"; fi
}
trap cleanup EXIT
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
  as_root chmod 755 "$policy"
  own_policy=1
fi

apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

need_valkey=0
command -v valkey-server >/dev/null 2>&1 || need_valkey=1
if [ "$need_valkey" -eq 1 ]; then
  ensure_backports
fi
as_root env DEBIAN_FRONTEND=noninteractive apt-get update
if ! command -v redis-server >/dev/null 2>&1; then
  apt_install redis-server
fi
if [ "$need_valkey" -eq 1 ]; then
  apt_install -t "$backports" valkey-server
fi

print_versions
