#!/usr/bin/env bash
# Headless Chromium and its WebDriver from Debian's packages, for the console's browser tests.
# Idempotent: installs only when /usr/bin/chromium or /usr/bin/chromedriver is missing.
set -euo pipefail
if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  SUDO="sudo"
fi
echo "installing Debian's chromium and chromium-driver (once)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver
/usr/bin/chromium --version
