#!/usr/bin/env bash
# Verify the .deb the way a lab machine gets it, in a fresh minimal Debian (debootstrap chroot):
#   1. apt-get install ./socketscope_*.deb (no recommends: Depends alone must be enough); the
#      desktop entry and the AppStream file pass desktop-file-validate and appstreamcli validate
#   2. /usr/bin/socketscope --self-test, and the process-actor lesson, offscreen
#   3. the installed app in a real X11 window on Xvfb, run with Space, screenshot in Korean
#   4. bench/startup.py: first paint, installed (in the chroot) vs the venv, in one run,
#      offscreen and on Xvfb
#   5. apt-get purge: dpkg -L before and after, a find over where the package put files, then
#      autoremove and a diff of the whole chroot against its state before the install: nothing
#      may remain but the user's settings (and apt/dpkg's own logs and caches)
# Not part of CI (debootstrap downloads ~50 MB and takes a minute or two). Needs root.
#   packaging/linux/verify-in-chroot.sh [DEB]     (default: the newest dist/socketscope_*.deb)
#   env: CHROOT=/var/tmp/socketscope-chroot  SUITE=bookworm  MIRROR=http://deb.debian.org/debian
#        OUT=build/verify (screenshots and logs)  KEEP=1 (keep the chroot afterwards)
set -euo pipefail
cd "$(dirname "$0")/../.."

deb="${1:-$(ls -t dist/socketscope_*.deb 2>/dev/null | head -1)}"
[ -f "$deb" ] || { echo "verify: no .deb; run make package first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "verify: needs root (debootstrap, chroot, mounts)" >&2; exit 1; }
chroot_dir="${CHROOT:-/var/tmp/socketscope-chroot}"
suite="${SUITE:-bookworm}"
mirror="${MIRROR:-http://deb.debian.org/debian}"
out="${OUT:-build/verify}"
mkdir -p "$out"
out=$(cd "$out" && pwd)
venv="${VENV:-.venv}"

# --- tools on this machine ------------------------------------------------------------------------
need=""
for tool in debootstrap:debootstrap Xvfb:xvfb xauth:xauth import:imagemagick xdotool:xdotool \
    xprop:x11-utils desktop-file-validate:desktop-file-utils appstreamcli:appstream; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || need="$need ${tool#*:}"
done
if [ -n "$need" ]; then
    echo "verify: installing$need"
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

# --- a fresh chroot ---------------------------------------------------------------------------------
mounted=()
xvfb_pid=""
cleanup() {
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
    if [ "${KEEP:-0}" != 1 ]; then rm -rf "$chroot_dir"; fi
}
trap cleanup EXIT
mnt() { mount "$@"; mounted+=("${*: -1}"); }

rm -rf "$chroot_dir"
echo "verify: debootstrap --variant=minbase $suite into $chroot_dir"
t=$EPOCHREALTIME
debootstrap --variant=minbase "$suite" "$chroot_dir" "$mirror" > "$out/debootstrap.log" 2>&1 \
    || { tail -20 "$out/debootstrap.log"; exit 1; }
echo "verify: debootstrap took $(awk "BEGIN{printf \"%.0f\", $EPOCHREALTIME - $t}") s"
mnt -t proc proc "$chroot_dir/proc"
mnt -t sysfs sys "$chroot_dir/sys"
mnt --bind /dev "$chroot_dir/dev"
mnt --bind /dev/pts "$chroot_dir/dev/pts"
mkdir -p /tmp/.X11-unix "$chroot_dir/tmp/.X11-unix" && chmod 1777 /tmp/.X11-unix
mnt --bind /tmp/.X11-unix "$chroot_dir/tmp/.X11-unix"
in_chroot() { chroot "$chroot_dir" env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

# what is on the fresh system, to compare with after the purge
snapshot() {
    (cd "$chroot_dir" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./tmp \
        -o -path ./run -o -path ./var/cache -o -path ./var/log -o -path ./var/lib/apt \
        -o -path ./var/lib/dpkg \) -prune -o -print | sort)
}
in_chroot apt-get update -qq
snapshot > "$out/files-before.txt"

# --- 1. install -------------------------------------------------------------------------------------
cp "$deb" "$chroot_dir/tmp/"
echo "verify: apt-get install ./$(basename "$deb")"
t=$EPOCHREALTIME
in_chroot env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "./tmp/$(basename "$deb")" > "$out/apt-install.log" 2>&1 || { tail -30 "$out/apt-install.log"; exit 1; }
echo "verify: installed with its dependencies in $(awk "BEGIN{printf \"%.0f\", $EPOCHREALTIME - $t}") s: $(grep -c '^Setting up' "$out/apt-install.log") packages set up"
in_chroot dpkg -L socketscope | sort > "$out/dpkg-L-installed.txt"
echo "verify: dpkg -L socketscope lists $(wc -l < "$out/dpkg-L-installed.txt") paths"
in_chroot readlink -f /usr/bin/socketscope
app_id=org.socketscope.SocketScope
desktop-file-validate "$chroot_dir/usr/share/applications/$app_id.desktop"
appstreamcli validate --no-net "$chroot_dir/usr/share/metainfo/$app_id.metainfo.xml" | tail -1

# --- 2. the installed binary, offscreen -------------------------------------------------------------
in_chroot env QT_QPA_PLATFORM=offscreen /usr/bin/socketscope --self-test
in_chroot /usr/bin/socketscope log signal-cleanup > "$out/signal-cleanup.log" 2>&1
if grep -q "could not run" "$out/signal-cleanup.log"; then
    echo "verify: FAIL: a process actor could not run"; cat "$out/signal-cleanup.log"; exit 1
fi
echo "verify: signal-cleanup ran its process actors: $(grep -c '^\[Server' "$out/signal-cleanup.log") lines from Server 1 and 2"
in_chroot env QT_QPA_PLATFORM=offscreen /usr/bin/socketscope --screenshot /tmp/offscreen-ko.png \
    --lang ko --scenario signal-cleanup --to-end --size 1600x1000
cp "$chroot_dir/tmp/offscreen-ko.png" "$out/"

# --- 3. a real window on Xvfb -----------------------------------------------------------------------
display=":$((90 + RANDOM % 100))"
Xvfb "$display" -screen 0 1920x1080x24 -nolisten tcp > "$out/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
# chroot and env exec: $! is the app itself
chroot "$chroot_dir" env -i HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 DISPLAY="$display" \
    /usr/bin/socketscope --scenario tcp-echo --lang ko > "$out/x11-app.log" 2>&1 &
app_pid=$!
if ! DISPLAY="$display" xdotool search --sync --onlyvisible --name SocketScope > /dev/null; then
    echo "verify: FAIL: no SocketScope window on Xvfb"; cat "$out/x11-app.log"; exit 1
fi
win=$(DISPLAY="$display" xdotool search --onlyvisible --name SocketScope | head -1)
sleep 1  # let it paint
DISPLAY="$display" import -window root "$out/x11-start-ko.png"
DISPLAY="$display" xdotool windowfocus --sync "$win" key space  # Space: run
sleep 6  # the run at the default speed
DISPLAY="$display" import -window root "$out/x11-run-ko.png"
DISPLAY="$display" xprop -id "$win" WM_CLASS > "$out/x11-xprop.txt"
DISPLAY="$display" xprop -id "$win" _NET_WM_ICON | grep -o 'Icon ([0-9]* x [0-9]*)' \
    | tr '\n' ' ' >> "$out/x11-xprop.txt" || true
echo "verify: window $(cat "$out/x11-xprop.txt")"
DISPLAY="$display" xdotool windowfocus --sync "$win" key ctrl+q  # File → Quit, as a user would
for _ in $(seq 50); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$app_pid" 2>/dev/null; then
    echo "verify: FAIL: Ctrl+Q did not close the window"; kill "$app_pid"; exit 1
fi
wait "$app_pid" || { echo "verify: FAIL: the app exited with status $?"; cat "$out/x11-app.log"; exit 1; }
echo "verify: screenshots in $out: x11-start-ko.png, x11-run-ko.png, offscreen-ko.png"

# --- 4. first paint: installed (chroot) vs the venv ------------------------------------------------
if [ -x "$venv/bin/python" ]; then
    installed="chroot $chroot_dir /usr/bin/socketscope"
    "$venv/bin/python" bench/startup.py --installed "$installed" | tee "$out/startup.txt"
    DISPLAY="$display" "$venv/bin/python" bench/startup.py --x11 --runs 3 --installed "$installed" \
        > "$out/startup-x11.txt"
    head -3 "$out/startup-x11.txt"
fi

# --- 5. purge -----------------------------------------------------------------------------------------
in_chroot env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q socketscope > "$out/apt-purge.log" 2>&1
if in_chroot dpkg -L socketscope > /dev/null 2>&1; then
    echo "verify: FAIL: dpkg still knows socketscope"; exit 1
fi
left=""
while read -r path; do
    [ "$path" = /. ] && continue
    [ -e "$chroot_dir$path" ] || [ -L "$chroot_dir$path" ] || continue
    # a directory another package owns too (/opt, /usr/share/applications, ...) stays
    [ -d "$chroot_dir$path" ] && [ ! -L "$chroot_dir$path" ] && in_chroot dpkg -S "$path" >/dev/null 2>&1 \
        && continue
    left="$left $path"
done < "$out/dpkg-L-installed.txt"
found=$(cd "$chroot_dir" && find opt usr/bin usr/share/applications usr/share/icons usr/share/metainfo \
    usr/share/doc etc var/lib/dpkg/info -iname '*socketscope*' 2>/dev/null || true)
in_chroot env DEBIAN_FRONTEND=noninteractive apt-get autoremove --purge -y -q > "$out/apt-autoremove.log" 2>&1
snapshot > "$out/files-after.txt"
diff "$out/files-before.txt" "$out/files-after.txt" > "$out/files-diff.txt" || true
# the user's home: SocketScope's settings (~/.config/SocketScope), fontconfig's cache of the user
user_settings='^> \./root(/.*)?$'
# Only added paths count. A removed one can only be an empty directory the package shipped into that
# no package owns: dpkg removes those on purge (on Debian, /opt itself is such a directory).
other=$(grep '^>' "$out/files-diff.txt" | grep -Ev "$user_settings" || true)
echo "verify: after purge: dpkg -L paths left: ${left:-none}; find *socketscope*: ${found:-none}"
echo "verify: after autoremove, the chroot differs from before the install by:"
grep '^[<>]' "$out/files-diff.txt" | sed 's/^/    /' || echo "    nothing"
if [ -n "$left" ] || [ -n "$found" ] || [ -n "$other" ]; then
    echo "verify: FAIL: the uninstall left files behind (above)"; exit 1
fi
echo "verify: ok: installed, self-test passed, window shown, and purged clean (user settings kept)"
