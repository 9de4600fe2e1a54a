#!/usr/bin/env bash
# Re-vendor the front-end files the portal serves (and axe-core for the
# browser tests) from the npm registry, at the pinned versions below.
#
# For maintainers only; CI does not run this. Needs node/npm and network
# access to the npm registry. Nothing is installed globally: each package
# tarball is fetched with `npm pack` (which checks it against the registry's
# integrity hash) into a temporary directory, unpacked, and only the built
# files listed in static/vendor/README.md are copied into the tree.
#
# Usage:
#   scripts/vendor.sh           # replace static/vendor/<pkg>-* and tests/browser/vendor/axe-core-*
#   scripts/vendor.sh --check   # only compare the vendored files with a fresh download (exit 1 on drift)
#
# To upgrade: change a version below, run the script, update the versions,
# paths and checksums in static/vendor/README.md, and the <link>/<script>
# paths in the templates.
set -euo pipefail

HTMX_VERSION="2.0.11"
GOVBR_DS_VERSION="3.7.0"
FONTAWESOME_VERSION="6.7.2"
AXE_CORE_VERSION="4.14.1"
PDFJS_VERSION="6.5.438"
RALEWAY_VERSION="5.3.0"

mode="write"
case "${1:-}" in
  "") ;;
  --check) mode="check" ;;
  -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/vendor.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# fetch NAME VERSION -> prints the directory holding the unpacked package
fetch() {
  local name="$1" version="$2" dest tgz
  dest="$work/src/${name//\//__}"
  mkdir -p "$dest"
  tgz="$(cd "$dest" && npm pack --silent "${name}@${version}" | tail -n 1)"
  tar -xzf "$dest/$tgz" -C "$dest"
  echo "$dest/package"
}

# put SRC_DIR FILE... DEST_DIR: copy files (relative paths kept) into the staging tree
put() {
  local src="$1" dest="${*: -1}" f
  mkdir -p "$dest"
  for f in "${@:2:$#-2}"; do
    mkdir -p "$dest/$(dirname "$f")"
    cp "$src/$f" "$dest/$f"
  done
}

stage="$work/stage"

# 1. htmx
src="$(fetch htmx.org "$HTMX_VERSION")"
put "$src/dist" htmx.min.js "$stage/static/vendor/htmx-$HTMX_VERSION"
put "$src" LICENSE "$stage/static/vendor/htmx-$HTMX_VERSION"

# 2. gov.br Design System (core.min.css has no url() references: nothing else to copy)
src="$(fetch @govbr-ds/core "$GOVBR_DS_VERSION")"
if grep -q 'url(' "$src/dist/core.min.css"; then
  echo "warning: @govbr-ds/core $GOVBR_DS_VERSION core.min.css now has url() references; copy their targets too" >&2
fi
put "$src/dist" core.min.css core.min.js core-init.min.js "$stage/static/vendor/govbr-ds-core-$GOVBR_DS_VERSION"
put "$src" LICENSE "$stage/static/vendor/govbr-ds-core-$GOVBR_DS_VERSION"

# 3. Font Awesome Free (all.min.css loads ../webfonts/*.woff2 and *.ttf)
src="$(fetch @fortawesome/fontawesome-free "$FONTAWESOME_VERSION")"
fa_fonts=()
while IFS= read -r f; do fa_fonts+=("$f"); done < <(
  grep -o 'url([^)]*)' "$src/css/all.min.css" | sed -E 's/^url\(["'\'']?\.\.\/([^"'\'')]*)["'\'']?\)$/\1/' | sort -u
)
put "$src" css/all.min.css "${fa_fonts[@]}" LICENSE.txt "$stage/static/vendor/fontawesome-free-$FONTAWESOME_VERSION"

# 4. axe-core (browser tests only: never under static/)
src="$(fetch axe-core "$AXE_CORE_VERSION")"
put "$src" axe.min.js LICENSE LICENSE-3RD-PARTY.txt "$stage/tests/browser/vendor/axe-core-$AXE_CORE_VERSION"

# 5. PDF.js (the reviewer's PDF preview): the legacy build, which polyfills what Firefox ESR
#    and older Chromium/Edge lack.
src="$(fetch pdfjs-dist "$PDFJS_VERSION")"
put "$src/legacy/build" pdf.min.mjs pdf.worker.min.mjs "$stage/static/vendor/pdfjs-dist-$PDFJS_VERSION"
put "$src" LICENSE "$stage/static/vendor/pdfjs-dist-$PDFJS_VERSION"

# 6. Raleway (the DS's fallback after Rawline): the latin woff2 files of the weights the DS
#    uses, and one stylesheet of the package's @font-face rules with their woff2 source only.
src="$(fetch @fontsource/raleway "$RALEWAY_VERSION")"
raleway="$stage/static/vendor/raleway-$RALEWAY_VERSION"
faces=(300-normal 400-normal 400-italic 500-normal 600-normal 700-normal)
fonts=()
for face in "${faces[@]}"; do fonts+=("files/raleway-latin-$face.woff2"); done
put "$src" LICENSE "${fonts[@]}" "$raleway"
{
  echo "/* Raleway $RALEWAY_VERSION (@fontsource/raleway, SIL OFL 1.1: see LICENSE): the latin subset only, in the"
  echo "   weights the gov.br Design System uses. Generated from the package's latin-<weight>[-italic].css"
  echo "   files, keeping only the woff2 sources (static/vendor/README.md, \"Raleway\"). */"
  for face in "${faces[@]}"; do
    echo
    sed -E "s/, url\([^)]*\.woff\) format\('woff'\)//" "$src/latin-${face%-normal}.css"
    echo
  done
} > "$raleway/raleway.css"

dirs=(
  "static/vendor/htmx-$HTMX_VERSION"
  "static/vendor/govbr-ds-core-$GOVBR_DS_VERSION"
  "static/vendor/fontawesome-free-$FONTAWESOME_VERSION"
  "tests/browser/vendor/axe-core-$AXE_CORE_VERSION"
  "static/vendor/pdfjs-dist-$PDFJS_VERSION"
  "static/vendor/raleway-$RALEWAY_VERSION"
)

if [[ "$mode" == "check" ]]; then
  status=0
  for d in "${dirs[@]}"; do
    if diff -r "$stage/$d" "$repo_root/$d" >/dev/null 2>&1; then
      echo "ok      $d"
    else
      echo "DIFFERS $d" >&2
      status=1
    fi
  done
  exit "$status"
fi

# Replace older vendored versions of the same packages.
shopt -s nullglob
for old in "$repo_root"/static/vendor/htmx-* "$repo_root"/static/vendor/govbr-ds-core-* \
           "$repo_root"/static/vendor/fontawesome-free-* "$repo_root"/tests/browser/vendor/axe-core-* \
           "$repo_root"/static/vendor/pdfjs-dist-* "$repo_root"/static/vendor/raleway-*; do
  rm -rf "$old"
done
for d in "${dirs[@]}"; do
  mkdir -p "$(dirname "$repo_root/$d")"
  cp -R "$stage/$d" "$repo_root/$d"
done

echo "Vendored files (sha256), for static/vendor/README.md:"
(cd "$repo_root" && find "${dirs[@]}" -type f | LC_ALL=C sort | xargs sha256sum)
echo
du -sh "${dirs[@]/#/$repo_root/}"
