#!/usr/bin/env bash
# Wrap the PyInstaller bundle (dist/socketscope, from packaging/build-bundle.sh) into
# dist/socketscope_<version>_<arch>.deb:
#   /opt/socketscope/                 the bundle
#   /usr/bin/socketscope              -> /opt/socketscope/socketscope
#   /usr/share/applications/org.socketscope.SocketScope.desktop   (English and Korean)
#   /usr/share/icons/hicolor/*/apps/socketscope.{png,svg}
#   /usr/share/metainfo/org.socketscope.SocketScope.metainfo.xml  (AppStream)
#   /usr/share/doc/socketscope/copyright
# The icon cache and the desktop database are refreshed by dpkg triggers. The maintainer scripts
# only load (postinst) and remove (postrm) the AppArmor profile that grants the binary user
# namespaces where AppArmor 4 restricts them (Ubuntu 24.04+): each run's private network.
#   COMPRESS=zstd|xz packaging/linux/build-deb.sh     (zstd: fast, for CI; xz: smaller, release)
set -euo pipefail
cd "$(dirname "$0")/../.."

compress="${COMPRESS:-zstd}"
app_id=org.socketscope.SocketScope
# the version lives in socketscope.__version__ only
version=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' app/socketscope/__init__.py)
[ -n "$version" ] || { echo "build-deb: no __version__ in app/socketscope/__init__.py" >&2; exit 1; }
# PEP 440 pre-releases sort before the release in Debian only with a tilde: 0.2.0rc1 -> 0.2.0~rc1
deb_version=$(echo "$version" | sed -E 's/([0-9])(a|b|rc|\.dev)([0-9]*)$/\1~\2\3/; s/~\.dev/~dev/')
arch=$(dpkg --print-architecture)
date=$(git log -1 --format=%cs 2>/dev/null || date -u +%F)
bundle=dist/socketscope
[ -x "$bundle/socketscope" ] || { echo "build-deb: no $bundle; run packaging/build-bundle.sh first" >&2; exit 1; }
[ -d build/icons/hicolor ] || { echo "build-deb: no build/icons; run packaging/build-bundle.sh first" >&2; exit 1; }

# What Qt needs from the system (shared/PACKAGING.md): the offscreen set, the xcb set for a real
# window, and fonts, Korean included. PyInstaller copies most of these into the bundle already;
# naming them all keeps a bundle built on a machine without the xcb libraries working too.
depends="libc6, libegl1, libgl1, libx11-6, libx11-xcb1, libdbus-1-3, libfontconfig1, libfreetype6,
 libglib2.0-0t64 | libglib2.0-0, libxkbcommon0, libxkbcommon-x11-0, libxcb1, libxcb-cursor0,
 libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-render-util0, libxcb-render0,
 libxcb-shape0, libxcb-util1, libxcb-xkb1, fontconfig, fonts-dejavu-core, fonts-nanum"
depends=$(echo "$depends" | tr -s ' \n' ' ')

stage=build/deb/root
rm -rf build/deb
mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" \
    "$stage/usr/share/icons" "$stage/usr/share/metainfo" "$stage/usr/share/doc/socketscope"
cp -a "$bundle" "$stage/opt/socketscope"
ln -s /opt/socketscope/socketscope "$stage/usr/bin/socketscope"
install -m 0644 "packaging/linux/$app_id.desktop" "$stage/usr/share/applications/$app_id.desktop"
cp -r build/icons/hicolor "$stage/usr/share/icons/hicolor"
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$date/" "packaging/linux/$app_id.metainfo.xml.in" \
    > "$stage/usr/share/metainfo/$app_id.metainfo.xml"
install -m 0644 packaging/linux/copyright "$stage/usr/share/doc/socketscope/copyright"
install -D -m 0644 packaging/linux/apparmor-socketscope "$stage/opt/socketscope/share/apparmor/socketscope"
# nothing writable by others, whatever the build machine's umask was
chmod -R u+rwX,go+rX,go-w "$stage"

installed_kb=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: socketscope
Version: $deb_version
Architecture: $arch
Maintainer: ${MAINTAINER:-SocketScope developers <socketscope@example.invalid>}
Installed-Size: $installed_kb
Depends: $depends
Section: education
Priority: optional
Description: watch real socket calls block, connect and move bytes
 SocketScope teaches socket programming by running real loopback sockets in
 worker threads and drawing every call on a sequence diagram: how long each
 call was blocked, the bytes it moved and what the kernel said about the
 socket. Lessons in English and Korean, a lecture mode for projectors and a
 study mode for students.
CONTROL
install -m 0755 packaging/linux/postinst "$stage/DEBIAN/postinst"
install -m 0755 packaging/linux/postrm "$stage/DEBIAN/postrm"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z \
    | xargs -0 md5sum > DEBIAN/md5sums)

out="dist/socketscope_${deb_version}_${arch}.deb"
rm -f "$out"
start=$EPOCHREALTIME
dpkg-deb --root-owner-group -Z"$compress" --build "$stage" "$out" >/dev/null
secs=$(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $start }")
# the README quotes this line: measure, do not guess
echo "build-deb: $out is $(($(stat -c %s "$out") / 1048576)) MB ($compress, ${secs} s);" \
    "it installs $((installed_kb / 1024)) MB"
