# Shared helpers for scripts/test and scripts/run. Source it; do not execute it.
# Expects the caller to have done `set -euo pipefail`.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

VENV="$REPO_ROOT/.venv"
REQ_STAMP="$VENV/.requirements.sha256"

log() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Prints "sudo" when we are not root and sudo exists, "" when root; fails otherwise.
_apt_prefix() {
    if is_root; then
        echo ""
    elif command -v sudo >/dev/null 2>&1; then
        echo "sudo"
    else
        return 1
    fi
}

pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# ensure_debs PKG... : install (from Debian) those packages that are not installed.
# `apt-get update` is run once, and only when something is missing.
_APT_UPDATED=0
ensure_debs() {
    local missing=() p prefix
    for p in "$@"; do
        pkg_installed "$p" || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing packages (${missing[*]}) and no apt-get; install them by hand"
    prefix="$(_apt_prefix)" || die "missing packages (${missing[*]}); run as root or install them by hand"
    log "installing ${missing[*]}"
    local apt=($prefix env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600)
    if [ "$_APT_UPDATED" -eq 0 ]; then
        "${apt[@]}" update >/dev/null
        _APT_UPDATED=1
    fi
    # With recommends: the combination the suite has been run with (fonts, LibreOffice filters).
    "${apt[@]}" install "${missing[@]}" >/dev/null
}

# Packages needed to create the virtualenv itself.
ensure_python() {
    local need=()
    command -v python3 >/dev/null 2>&1 || need+=(python3 python3-venv)
    if [ ! -x "$VENV/bin/python" ] && command -v python3 >/dev/null 2>&1 \
        && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
        need+=(python3-venv)
    fi
    [ "${#need[@]}" -eq 0 ] || ensure_debs "${need[@]}"
}

# Create .venv if absent and install requirements.txt unless the stamp says it is current.
ensure_venv() {
    ensure_python
    if [ ! -x "$VENV/bin/python" ]; then
        log "creating virtualenv .venv"
        python3 -m venv "$VENV"
    fi
    local want have=""
    want="$(sha256sum requirements.txt | cut -d' ' -f1)"
    [ -f "$REQ_STAMP" ] && have="$(cat "$REQ_STAMP")"
    if [ "$want" != "$have" ]; then
        log "installing Python requirements"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements.txt
        echo "$want" > "$REQ_STAMP"
    fi
}
