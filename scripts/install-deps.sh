#!/usr/bin/env bash
# Installs the Debian packages cairn builds and tests with, only those missing.
# Safe to run repeatedly; does nothing when everything is present.
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config clang-format
  libcaf-dev liblmdb-dev lmdb-utils capnproto libcapnp-dev libspdlog-dev doctest-dev
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libisal-dev
  libssl-dev openssl prometheus-cpp-dev libcivetweb-dev iproute2 tmux
  python3 procps
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
