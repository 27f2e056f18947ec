#!/usr/bin/env bash
# Builds `panoply` and installs it as PREFIX/bin/panoply (default PREFIX: ~/.local).
#   scripts/install.sh                 # release build, into ~/.local/bin
#   scripts/install.sh /usr/local      # into /usr/local/bin (as root)
#   PANOPLY_BUILD=debug scripts/install.sh /tmp/p   # the debug build (quicker; the tests use it)
# Then put PREFIX/bin on PATH if it is not there: export PATH="$HOME/.local/bin:$PATH"
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
prefix="${1:-$HOME/.local}"
configuration="${PANOPLY_BUILD:-release}"
case "$configuration" in
    release|debug) ;;
    *) echo "install.sh: PANOPLY_BUILD must be release or debug (got '$configuration')" >&2; exit 2 ;;
esac

command -v swift >/dev/null || { echo "install.sh: swift is not on PATH; install the Swift 6 toolchain first" >&2; exit 2; }
missing=()
for h in /usr/include/ncursesw/curses.h /usr/include/sqlite3.h /usr/include/openssl/ssl.h; do
    [[ -e "$h" ]] || missing+=("$h")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "install.sh: missing headers ${missing[*]}: apt-get install libncurses-dev libsqlite3-dev libssl-dev" >&2
    exit 2
fi

echo "install.sh: building panoply ($configuration; a clean release build takes several minutes)" >&2
swift build -c "$configuration" --product panoply
bin_dir=$(swift build -c "$configuration" --show-bin-path)
mkdir -p "$prefix/bin"
install -m 0755 "$bin_dir/panoply" "$prefix/bin/panoply"
echo "install.sh: installed $prefix/bin/panoply ($("$prefix/bin/panoply" --version))" >&2
case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "install.sh: $prefix/bin is not on PATH; add it: export PATH=\"$prefix/bin:\$PATH\" (e.g. in ~/.profile)" >&2 ;;
esac
