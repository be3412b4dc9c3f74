#!/usr/bin/env bash
# Static security scan of infra/ with checkov. Not part of `make test`.
#
# checkov pins many packages, so it lives in its own virtualenv (.venv-checkov at the
# repository root), never in .venv. Findings that are deliberate are skipped in the .tf
# files with `#checkov:skip=CHECK_ID:reason` comments next to the resource.
#
#   infra/checkov.sh              scan; exit status 1 when a check fails
#   infra/checkov.sh --soft-fail  report only
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKOV_VERSION="${CHECKOV_VERSION:-3.3.30}"
VENV=.venv-checkov
PYTHON="${PYTHON:-python3}"

if [ "$("$VENV/bin/checkov" --version 2>/dev/null || true)" != "$CHECKOV_VERSION" ]; then
  echo "installing checkov $CHECKOV_VERSION into $VENV" >&2
  "$PYTHON" -m venv "$VENV"
  echo '*' > "$VENV/.gitignore" # keeps git from ever seeing the virtualenv
  "$VENV/bin/pip" install --disable-pip-version-check -q "checkov==$CHECKOV_VERSION"
fi

# --skip-download: no calls to the Prisma Cloud API (guidelines, severities).
exec "$VENV/bin/checkov" -d infra --framework terraform --quiet --compact --skip-download "$@"
