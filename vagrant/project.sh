#!/bin/bash
# This project on a lab machine: Node 20, a copy of the synced checkout in $PROJECT,
# npm ci, the build, and the commands on PATH.
set -euo pipefail
# shellcheck source=vagrant/lib.sh
. /vagrant/vagrant/lib.sh
: "${PROJECT:?}"

bash /vagrant/vagrant/node.sh

log "project into $PROJECT"
mkdir -p "$PROJECT"
rsync -a --delete --exclude node_modules/ --exclude dist/ --exclude .vagrant/ --exclude .git/ /vagrant/ "$PROJECT/"
cd "$PROJECT"
npm ci --no-audit --no-fund
npm run build
for cmd in clickos clickos-build clickos-lab; do
  if [ -f "bin/$cmd.js" ]; then ln -sf "$PROJECT/bin/$cmd.js" "/usr/local/bin/$cmd"; fi
done
