#!/bin/sh
# Installs Seam's fake of its API (@seamapi/fake-seam-connect, pinned in
# fake/package-lock.json) that the lock/seam tests run against. Needs node and npm;
# uses the npm registry npm is configured with. Safe to run again.
set -eu
cd "$(dirname "$0")/fake"
npm ci --no-audit --no-fund
test -f node_modules/@seamapi/fake-seam-connect/dist/server.js
