#!/usr/bin/env bash
# Interoperability check run by .ci/run after the test suite: starts the gateway (the README's
# way, on spare ports, with its own data folder), issues a client certificate, and loads every
# served WSDL with python zeep (Debian's python3-zeep; scripts/test-prereqs.sh installs it when
# missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
bash scripts/test-prereqs.sh python3-zeep
"$PY" -c 'import zeep' 2>/dev/null || { echo "python3-zeep is missing for $PY: apt-get install -y python3-zeep" >&2; exit 1; }
work=$(mktemp -d); chmod 755 "$work"
export ESAV_DATA_DIR="$work/data" ESAV_CERTS_DIR="$work/certs" ESAV_PORT=18643 ESAV_ADMIN_PORT=19664 ESAV_PG_PORT=15639 ESAV_WORKERS=1 ESAV_MAINTENANCE_NIGHTLY=off
node bin/esav.js serve > "$work/gateway.log" 2>&1 &
gw=$!
trap 'kill $gw 2>/dev/null; wait $gw 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do grep -q 'e-SAV gateway listening' "$work/gateway.log" && break; sleep 0.5; done
grep -q 'e-SAV gateway listening' "$work/gateway.log" || { cat "$work/gateway.log"; exit 1; }
node bin/esav.js operator add --siren 552100554 --name "Zeep check" >/dev/null
node bin/esav.js cert issue --operator 552100554 --scope ftth --out "$work/client" >/dev/null
"$PY" scripts/zeep_load.py "https://localhost:$ESAV_PORT" "$work/client/client.crt" "$work/client/client.key" "$work/client/ca.crt"
