#!/usr/bin/env bash
# Regenerates the files that are derived from the CLI definition: shell completions in
# completions/ and man pages in man/. Tests fail when these drift; run this after changing
# a command, a flag or a help text.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --locked
bin="${CARGO_TARGET_DIR:-target}/debug/keyctl"
"$bin" completions bash > completions/keyctl.bash
"$bin" completions zsh > completions/_keyctl
"$bin" completions fish > completions/keyctl.fish
rm -rf man
"$bin" man --out-dir man
echo "regenerated completions/ and man/"
