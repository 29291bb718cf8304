#!/usr/bin/env bash
# Installs the Debian packages `make run` and `make test` need, when they are
# missing: postgresql (the private dev/test cluster) and, with --browser,
# chromium (the browser tests). Uses apt-get as root, sudo otherwise.
set -euo pipefail

missing=()
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1 \
    && [ -z "${FENGQIAO_PG_BIN:-}" ]; then
  missing+=(postgresql)
fi
if [ "${1:-}" = "--browser" ] && [ -z "${CHROMIUM:-}" ] && ! [ -x /usr/bin/chromium ]; then
  missing+=(chromium)
fi
for tool in go node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fengqiao: '$tool' is not installed. Install Go 1.26 and Node.js 20 (with npm) first." >&2
    exit 1
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "fengqiao: please install ${missing[*]} with your package manager (PostgreSQL 15 binaries; or set DATABASE_URL)." >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "fengqiao: please run as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
echo "fengqiao: installing ${missing[*]} (apt-get)"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
