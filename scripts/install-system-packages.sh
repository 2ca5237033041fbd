#!/usr/bin/env bash
# Debian packages acw-speech needs: ffmpeg (decoding checks), espeak-ng and sox (test and demo audio).
set -euo pipefail
missing=()
for tool in ffmpeg espeak-ng sox; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ ${#missing[@]} -eq 0 ] && exit 0
packages=(ffmpeg espeak-ng sox libsox-fmt-all)
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing Debian packages: ${packages[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
