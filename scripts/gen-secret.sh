#!/usr/bin/env bash
# Writes a new cluster secret (32 random bytes, base64) to FILE, mode 600 from the start
# (no moment where others could read it). Refuses to overwrite an existing file.
# Usage: scripts/gen-secret.sh FILE [OWNER]     e.g. scripts/gen-secret.sh /etc/cairn/secret cairn
set -euo pipefail
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 FILE [OWNER]" >&2; exit 2; }
file=$1
[ -e "$file" ] && { echo "gen-secret: $file exists; remove it first to replace the secret" >&2; exit 1; }
umask 077
tmp=$(mktemp "$(dirname "$file")/.secret.XXXXXX")
head -c 32 /dev/urandom | base64 > "$tmp"
[ $# -eq 2 ] && chown "$2:" "$tmp"
mv -n "$tmp" "$file"
[ -e "$tmp" ] && { rm -f "$tmp"; echo "gen-secret: $file appeared meanwhile; left it alone" >&2; exit 1; }
echo "gen-secret: wrote $file (mode 600); copy it unchanged to every host"
