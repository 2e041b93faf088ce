#!/usr/bin/env bash
# Idempotent setup: Odoo 18.0 in this machine's Python, the project's requirements, and a
# PostgreSQL that answers. Environment:
#   ODOO_SOURCE  an Odoo 18.0 source tree or archive (.tar.gz/.zip, local path or URL);
#                default: Odoo's official 18.0 source archive
#   ODOO_HOME    where the source is unpacked (default /opt/odoo-18.0)
#   PYTHON       the interpreter to install into (default python3)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
ODOO_HOME=${ODOO_HOME:-/opt/odoo-18.0}
ODOO_SOURCE=${ODOO_SOURCE:-https://github.com/odoo/odoo/archive/refs/heads/18.0.tar.gz}

say() { echo "[setup] $*"; }
die() { echo "[setup] ERROR: $*" >&2; exit 1; }

# pip needs setuptools<70 to build Odoo's pinned cbor2; keep the machine's own constraints too.
CONSTRAINTS=$(mktemp)
trap 'rm -f "$CONSTRAINTS"' EXIT
machine_constraint=$($PYTHON -m pip config get global.constraint 2>/dev/null || true)
[ -n "$machine_constraint" ] && [ -f "$machine_constraint" ] && cat "$machine_constraint" >> "$CONSTRAINTS"
[ -n "${PIP_CONSTRAINT:-}" ] && [ -f "$PIP_CONSTRAINT" ] && cat "$PIP_CONSTRAINT" >> "$CONSTRAINTS"
echo 'setuptools<70' >> "$CONSTRAINTS"
export PIP_CONSTRAINT="$CONSTRAINTS"
PIP="$PYTHON -m pip install --quiet --disable-pip-version-check --root-user-action=ignore"

odoo_ok() {
    (cd /tmp && $PYTHON -c 'import odoo.release as r, sys; sys.exit(0 if r.version_info[:2] == (18, 0) else 1)') 2>/dev/null
}

if odoo_ok; then
    say "Odoo 18.0 is importable: $(cd /tmp && $PYTHON -c 'import odoo, os; print(os.path.dirname(odoo.__file__))')"
else
    say "Odoo 18.0 is not importable by $PYTHON; installing it from ODOO_SOURCE=$ODOO_SOURCE"
    tmp=$(mktemp -d)
    src="$ODOO_SOURCE"
    case "$src" in
        http://*|https://*)
            say "downloading $src"
            curl -fsSL --retry 2 -o "$tmp/odoo.tar.gz" "$src" \
                || die "cannot download $src. Set ODOO_SOURCE to a local Odoo 18.0 source tree or archive."
            src="$tmp/odoo.tar.gz" ;;
    esac
    if [ -d "$src" ]; then
        unpacked="$src"
    elif [ -f "$src" ]; then
        mkdir -p "$tmp/x"
        case "$src" in
            *.zip) $PYTHON -m zipfile -e "$src" "$tmp/x" ;;
            *) tar -xf "$src" -C "$tmp/x" ;;
        esac
        unpacked=$(dirname "$(find "$tmp/x" -maxdepth 3 -path '*/odoo/release.py' | head -n 1)")
        unpacked=$(dirname "$unpacked")
    else
        die "ODOO_SOURCE=$src is neither a directory nor an archive. Set ODOO_SOURCE to an Odoo 18.0 source tree or archive."
    fi
    [ -f "$unpacked/odoo/release.py" ] || die "no odoo/release.py in ODOO_SOURCE; set ODOO_SOURCE to an Odoo 18.0 source tree or archive."
    grep -q "version_info = (18, 0" "$unpacked/odoo/release.py" || die "ODOO_SOURCE is not Odoo 18.0 (see odoo/release.py)."
    if [ "$(cd "$unpacked" && pwd)" != "$(mkdir -p "$ODOO_HOME" && cd "$ODOO_HOME" && pwd)" ]; then
        say "copying the source to $ODOO_HOME"
        rm -rf "$ODOO_HOME" && mkdir -p "$ODOO_HOME"
        (cd "$unpacked" && tar -cf - --exclude=.git .) | (cd "$ODOO_HOME" && tar -xf -)
    fi
    rm -rf "$tmp"
    say "installing Odoo's Python requirements (a minute or two)"
    # python-ldap (auth_ldap only) needs system headers; it is left out.
    grep -v -i '^python-ldap' "$ODOO_HOME/requirements.txt" > "$ODOO_HOME/.requirements-noldap.txt"
    $PIP -r "$ODOO_HOME/.requirements-noldap.txt"
    say "installing Odoo 18.0 into $PYTHON (regular install; the community add-ons stay in $ODOO_HOME/addons)"
    $PIP --no-deps "$ODOO_HOME"
    odoo_ok || die "Odoo was installed but 'import odoo' still fails for $PYTHON."
fi

# Odoo renders PDF reports (labels, invoices, purchase orders) with wkhtmltopdf
if ! command -v wkhtmltopdf >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing wkhtmltopdf (PDF reports)"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wkhtmltopdf) \
            >/dev/null 2>&1 || say "could not install wkhtmltopdf: PDF reports will fail"
    else
        say "wkhtmltopdf is missing: install it for PDF reports (labels, invoices, POs)"
    fi
fi

say "installing requirements.txt"
$PIP -r requirements.txt

# the simulators (pyproject.toml) as an editable package: importable from anywhere
say "installing the simulators package (editable)"
$PIP --no-deps --no-build-isolation --editable .

if ! pg_isready -q 2>/dev/null; then
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
        version=$(ls /etc/postgresql | sort -n | tail -n 1)
        say "starting PostgreSQL $version"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
            || pg_ctlcluster "$version" main start
        for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
    fi
    pg_isready -q || die "PostgreSQL does not answer. Start it, or set PGHOST/PGPORT/PGUSER to a PostgreSQL 12+ server."
fi
say "PostgreSQL answers; setup done."
