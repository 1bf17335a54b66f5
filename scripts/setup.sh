#!/usr/bin/env bash
# Installs what building and testing venvsync needs on Debian/Ubuntu. Idempotent: installs only
# the packages that are missing, as root or through sudo.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libyaml-dev libcurl4-openssl-dev zlib1g-dev libssl-dev
  libcriterion-dev
  python3 python3-dev python3-venv python3-pytest python3-pytest-xdist python3-jsonschema
  python3-yaml python3-virtualenv python3-pip
  python3-setuptools-whl python3-wheel-whl python3-hatchling flit python3-poetry-core
  bash zsh fish tcsh strace git openssl ca-certificates nghttp2-server
  groff-base man-db
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all dependencies present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
