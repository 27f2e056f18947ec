#!/usr/bin/env bash
# End-to-end test of README's install path: scripts/install.sh into a temporary PREFIX
# (the debug build the tests already made, PANOPLY_BUILD=debug, so no second build), then
# `panoply list` and `panoply sources` in a new login shell whose ~/.profile adds PREFIX/bin
# to PATH, as README says, and whose HOME is otherwise empty: the installed binary works on its own, from any folder.
set -euo pipefail
cd "$(dirname "$0")/../.."

tmp=$(mktemp -d "${TMPDIR:-/tmp}/panoply-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/elsewhere"

PANOPLY_BUILD=debug scripts/install.sh "$tmp/prefix"
[[ -x "$tmp/prefix/bin/panoply" ]] || { echo "install.sh: FAIL: no $tmp/prefix/bin/panoply" >&2; exit 1; }

# README's line, as a user puts it in ~/.profile; a login shell reads it.
echo "export PATH=\"$tmp/prefix/bin:\$PATH\"" >"$tmp/home/.profile"
out=$(cd "$tmp/elsewhere" && env -i HOME="$tmp/home" PATH="/usr/bin:/bin" TERM=dumb \
    bash -lc 'command -v panoply && panoply list && panoply sources')
echo "$out"
grep -q "^$tmp/prefix/bin/panoply$" <<<"$out" || { echo "install.sh: FAIL: panoply is not the installed one" >&2; exit 1; }
grep -qi "demo" <<<"$out" || { echo "install.sh: FAIL: panoply sources does not list demo" >&2; exit 1; }
echo "install.sh: ok: installed into $tmp/prefix/bin and ran from a new shell"
