#!/usr/bin/env bash
# make-certs.sh [--force] DIR [HOST...]: certificates for a cluster's optional TLS
# (docs/tls.md). Makes a cluster CA (DIR/ca.pem, DIR/ca.key) and for every HOST, a name
# or an IP address, DIR/HOST.pem and DIR/HOST.key signed by it: EC P-256, valid 825 days,
# the host in subjectAltName, usable as TLS client and server. Keys are mode 600.
#
# Run again to add hosts: an existing CA is reused and existing host files are kept.
# --force makes a new CA and reissues the named hosts (certificates of other hosts in
# DIR then no longer verify against ca.pem). To renew one host's certificate, delete its
# HOST.pem and HOST.key and run again.
set -euo pipefail

usage() {
  echo "usage: $0 [--force] DIR [HOST...]" >&2
  exit 2
}

force=0
if [[ ${1:-} == --force ]]; then
  force=1
  shift
fi
[[ $# -ge 1 ]] || usage  # DIR alone: only the CA (the first step of a CA rotation)
dir=$1
shift
host_days=825
ca_days=3650
command -v openssl >/dev/null || { echo "make-certs: the openssl command is needed" >&2; exit 1; }

mkdir -p "$dir"
umask 077  # keys are never readable by others, not even between creation and chmod

is_ip() {
  [[ $1 =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ || $1 == *:* ]]
}

make_ca() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ca.key"
  openssl req -x509 -new -key "$dir/ca.key" -sha256 -days "$ca_days" \
    -subj "/CN=cairn cluster CA $(date -u +%Y-%m-%d)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$dir/ca.pem"
  chmod 600 "$dir/ca.key"
  chmod 644 "$dir/ca.pem"
  echo "made CA $dir/ca.pem (valid $ca_days days)"
}

make_host() {
  local host=$1 san ext log
  if is_ip "$host"; then san="IP:$host"; else san="DNS:$host"; fi
  ext=$(mktemp)
  trap 'rm -f "$ext" "$ext.csr"' RETURN
  cat >"$ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=$san
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$host.key"
  openssl req -new -key "$dir/$host.key" -subj "/CN=$host" -out "$ext.csr"
  # x509 -req reports "Certificate request self-signature ok" on success: show it only
  # when signing fails.
  if ! log=$(openssl x509 -req -in "$ext.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days "$host_days" -sha256 \
    -extfile "$ext" -out "$dir/$host.pem" 2>&1); then
    echo "$log" >&2
    return 1
  fi
  chmod 600 "$dir/$host.key"
  chmod 644 "$dir/$host.pem"
  openssl verify -CAfile "$dir/ca.pem" "$dir/$host.pem" >/dev/null
  echo "made $dir/$host.pem and $dir/$host.key ($san, valid $host_days days)"
}

if [[ -e $dir/ca.pem || -e $dir/ca.key ]] && [[ $force == 0 ]]; then
  if [[ ! -e $dir/ca.pem || ! -e $dir/ca.key ]]; then
    echo "make-certs: only one of $dir/ca.pem and $dir/ca.key exists; fix or use --force" >&2
    exit 1
  fi
  echo "using the existing CA $dir/ca.pem (--force makes a new one)"
else
  make_ca
fi

for host in "$@"; do
  if [[ $host == ca || $host == */* || $host == .* ]]; then
    echo "make-certs: '$host' is not a usable host name" >&2
    exit 2
  fi
  if [[ $force == 0 && ( -e $dir/$host.pem || -e $dir/$host.key ) ]]; then
    echo "kept $dir/$host.pem (delete it and $host.key, or use --force, to reissue)"
    continue
  fi
  make_host "$host"
done
