#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: Chromium for the
# browser tests. Go modules come with `go test`. Without root and without CI,
# it only says what is missing (the browser tests then skip).
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: installing Debian's chromium for the browser tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  exit 0
fi
if [ "${CI:-}" = "true" ]; then
  echo "test-deps: chromium is missing and cannot be installed (need root and apt-get)" >&2
  exit 1
fi
echo "test-deps: chromium is missing: the browser tests will be skipped (install it with: apt-get install chromium)" >&2
