#!/bin/sh
# Installs the Command Center bundle this script sits in:
#
#   ./install.sh                    for you: ~/.local/opt/commandcenter, ~/.local/bin, your menu
#   sudo ./install.sh --prefix /usr/local    for everyone on the machine
#   ./install.sh --uninstall [--prefix P]    removes what an install put there
#
# Data never goes into the installed folder: it lives in the user's data
# directory (~/.local/share/commandcenter/), which --uninstall leaves alone.
set -eu
APP_ID=io.github.commandcenter.CommandCenter
prefix="${HOME}/.local"
action=install
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --uninstall) action=uninstall; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "error: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "$0")" && pwd)
target="$prefix/opt/commandcenter"
share="$prefix/share"

refresh_menus() {
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$share/applications" || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
}

if [ "$action" = uninstall ]; then
  rm -rf "$target"
  rm -f "$prefix/bin/commandcenter" "$share/applications/$APP_ID.desktop" "$share/metainfo/$APP_ID.metainfo.xml"
  find "$share/icons/hicolor" -name "$APP_ID.*" -delete 2>/dev/null || true
  refresh_menus
  echo "removed Command Center from $prefix (your data in ~/.local/share/commandcenter is kept)"
  exit 0
fi

[ -x "$here/commandcenter" ] || { echo "error: run install.sh from inside the unpacked bundle" >&2; exit 1; }
mkdir -p "$prefix/opt" "$prefix/bin" "$share/applications" "$share/metainfo" "$share/icons"
if [ "$here" != "$target" ]; then
  rm -rf "$target.new"
  cp -a "$here" "$target.new"
  rm -rf "$target"
  mv "$target.new" "$target"
fi
ln -sf "$target/commandcenter" "$prefix/bin/commandcenter"
# The menu entry runs this install by its full path: ~/.local/bin is not on every desktop's PATH.
sed "s|^Exec=commandcenter|Exec=$target/commandcenter|" "$here/share/applications/$APP_ID.desktop" \
  > "$share/applications/$APP_ID.desktop"
cp "$here/share/metainfo/$APP_ID.metainfo.xml" "$share/metainfo/"
cp -r "$here/share/icons/hicolor" "$share/icons/"
refresh_menus
echo "installed Command Center in $target; start it from your menu or with $prefix/bin/commandcenter"
