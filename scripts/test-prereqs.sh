#!/usr/bin/env bash
# The suite's two system prerequisites, Debian packages that npm cannot bring: python3-zeep for
# /usr/bin/python3 (the interoperability tests call the gateway from zeep) and chromium at
# /usr/bin/chromium (the form mock-up test). Run by `npm test` before the suite, by
# scripts/zeep-check.sh, and so by .ci/run. As root with apt-get it installs what is missing, so that
# the README's `npm ci && npm test` works on a fresh Debian machine; otherwise it says what to
# install and lets the suite run: the tests that need a missing package fail, they never skip.
# Arguments: the packages to see to (default both); the zeep check asks for python3-zeep only.
set -u
missing=()
[ $# -gt 0 ] || set -- python3-zeep chromium
for p in "$@"; do
  case "$p" in
    python3-zeep) /usr/bin/python3 -c 'import zeep' 2>/dev/null || missing+=(python3-zeep) ;;
    chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ;;
    *) echo "test prerequisites: unknown package $p" >&2; exit 2 ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test prerequisites: installing Debian's ${missing[*]} (apt-get, once)" >&2
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
    echo "test prerequisites: apt-get failed; the tests that need ${missing[*]} will fail" >&2
  fi
else
  echo "test prerequisites missing: ${missing[*]} (as root: apt-get install -y ${missing[*]}); the tests that need them will fail" >&2
fi
exit 0
