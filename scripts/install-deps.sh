#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, test and run
# kiro-parallel. Idempotent: installs only missing packages. dpkg-dev
# (dpkg-shlibdeps) is for `cpack -G DEB`, zsh for the zsh completion's test.
set -euo pipefail
packages=(g++ cmake make pkg-config libfmt-dev nlohmann-json3-dev libgit2-dev libboost-dev
          doctest-dev tmux git python3 man-db dpkg-dev zsh)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm install the real agent CLIs (scripts/install-agents.sh); a
# machine that has them from elsewhere keeps its own.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: everything is installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
