#!/usr/bin/env bash
# Verify the README's set-up the way a new user meets it, in fresh minimal Debian roots
# (debootstrap --variant=minbase), the twin of verify-in-chroot.sh (which checks the .deb):
#   per suite (default: Debian 12 bookworm and 13 trixie), two roots from one debootstrap:
#   root: as root, only the README's prerequisite apt line, a copy of the project (git clone of
#         this tree's HEAD), `make test`; then scripts/setup.sh again (must print nothing), the
#         window on Xvfb through the xcb plugin, and the app started with no LANG (no locale warning)
#   user: as a normal user, with `make` and `python3` but not yet python3-venv: `make test` must
#         stop with one clear message and leave no .venv; then root installs the README's line, the
#         user leaves a half-made .venv (no pip), `make test` must rebuild it and stop with the apt
#         line for Qt's libraries, which root runs exactly as printed; `make test` then passes,
#         scripts/setup.sh again prints nothing, and the window opens on Xvfb
# A failing test is reported by name and the remaining set-up checks still run: this script checks
# the set-up; the suite's own verdict is in the logs.
# Not part of CI (each root downloads ~400 MB: Debian packages and the Python wheels; minutes
# each). Needs root and network (Debian mirror, PyPI).
#   packaging/linux/verify-readme-setup.sh [SUITE...]     (default: bookworm trixie)
#   env: WORK=/var/tmp/socketscope-readme  MIRROR=http://deb.debian.org/debian
#        OUT=build/verify-readme (logs)  KEEP=1 (keep the roots)  ONLY=root|user (one path only)
set -euo pipefail
cd "$(dirname "$0")/../.."

[ "$(id -u)" = 0 ] || { echo "verify-readme: needs root (debootstrap, chroot, mounts)" >&2; exit 1; }
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie)
work="${WORK:-/var/tmp/socketscope-readme}"
mirror="${MIRROR:-http://deb.debian.org/debian}"
out="${OUT:-build/verify-readme}"
mkdir -p "$out" "$work"
out=$(cd "$out" && pwd)
repo=$(pwd)
head=$(git rev-parse HEAD)
[ -z "$(git status --porcelain)" ] \
    || echo "verify-readme: note: uncommitted changes are not tested (it clones HEAD $head)"

# The README's prerequisite line, as a user reads it: the first `apt-get install` line of its
# set-up section; its packages are all that is installed by hand.
prereq=$(sed -n '/^## Set-up/,/^## /p' README.md | grep -m1 -E '^(sudo )?apt-get install' \
    | sed -E 's/#.*//; s/^(sudo )?apt-get install//' | tr ' ' '\n' | grep -v '^-' | sed '/^$/d' \
    | tr '\n' ' ')
[ -n "$prereq" ] || { echo "verify-readme: no 'apt-get install' line in the README's set-up" >&2; exit 1; }
echo "verify-readme: the README's prerequisites: $prereq"

if ! command -v debootstrap >/dev/null 2>&1 || ! command -v Xvfb >/dev/null 2>&1; then
    echo "verify-readme: installing debootstrap and xvfb on this machine"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap xvfb \
        >/dev/null
fi

# This machine's own network may need its own CA for HTTPS (a proxy): pass pip's to the roots, as
# an admin of such a network would configure it. Nothing else of the host goes in.
pip_cert="${PIP_CERT:-$(sed -n 's/^cert *= *//p' /etc/pip.conf 2>/dev/null | head -1)}"

# A root is removed only with nothing mounted in it: /dev and /tmp/.X11-unix are this machine's.
# The mounts are found with findmnt, not remembered: each path runs in a subshell.
unmount_root() {
    local d=$1 m
    for m in $(findmnt -rn -o TARGET | grep -F "$d/" | sort -r); do umount -l "$m"; done
    ! findmnt -rn -o TARGET | grep -qF "$d/"
}
remove_root() {
    local d=$1
    [ -e "$d" ] || return 0
    unmount_root "$d" || { echo "verify-readme: $d still has mounts; not removing it" >&2; return 1; }
    rm -rf --one-file-system "$d"
}
cleanup() {
    for s in "${suites[@]}"; do
        for d in "$work/$s-root" "$work/$s-user"; do
            if [ "${KEEP:-0}" = 1 ]; then unmount_root "$d" || true; else remove_root "$d" || true; fi
        done
    done
}
trap cleanup EXIT
mnt() { mount "$@"; }
secs() { awk "BEGIN{printf \"%.0f\", $EPOCHREALTIME - $1}"; }

# A shell in the root as a fresh login would have it: no LANG (a minimal Debian sets none), no
# DISPLAY, nothing from this machine but the CA above.
env_in() {
    local home=$1
    echo "HOME=$home PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin TERM=dumb" \
        "${pip_cert:+PIP_CERT=/etc/host-ca.crt}"
}
as_root_in() { local d=$1; shift; chroot "$d" env -i $(env_in /root) "$@"; }
as_user_in() { local d=$1; shift; chroot --userspec=1000:1000 "$d" env -i $(env_in /home/student) USER=student "$@"; }

prepare() { # $1 the root dir: mounts, network, the project
    local d=$1 home=$2
    mnt -t proc proc "$d/proc"
    mnt -t sysfs sys "$d/sys"
    mnt --bind /dev "$d/dev"
    mnt --bind /dev/pts "$d/dev/pts"
    mnt -t tmpfs tmpfs "$d/dev/shm"
    mkdir -p /tmp/.X11-unix "$d/tmp/.X11-unix" && chmod 1777 /tmp/.X11-unix
    mnt --bind /tmp/.X11-unix "$d/tmp/.X11-unix"
    cp /etc/resolv.conf "$d/etc/resolv.conf"
    [ -z "$pip_cert" ] || cp "$pip_cert" "$d/etc/host-ca.crt"
    git clone -q "$repo" "$d$home/socketscope"
    git -C "$d$home/socketscope" checkout -q --detach "$head"
}

# Judge a `make test` log. The set-up is what this script checks: when pytest ran, the set-up
# worked, and a failing test is reported by name while the remaining set-up checks still run.
judge_tests() { # suite path rc seconds log
    local s=$1 path=$2 rc=$3 took=$4 log=$5 summary
    summary=$(grep -E '^=+ .*(passed|failed|error).* =+$' "$log" | tail -1 | tr -d '=' | sed 's/^ *//')
    if [ "$rc" = 0 ]; then
        result "$s" "$path" ok "make test in $took s: $summary"
    elif [ -n "$summary" ]; then
        result "$s" "$path" FAIL "make test in $took s, the set-up worked but tests failed: $summary"
        grep -E '^(FAILED|ERROR) ' "$log" | sed 's/^/    /' | tee -a "$out/$s-summary.txt"
        status_tests=1
    else
        tail -40 "$log"
        result "$s" "$path" FAIL "make test exited $rc after $took s before pytest ran (log: $log)"
        return 1
    fi
}

result() { # suite path ok|FAIL what
    echo "verify-readme: $1 $2: $3: $4" | tee -a "$out/$1-summary.txt"
}

run_root() {
    local s=$1 d="$work/$1-root" log="$out/$1-root.log" t rc=0
    prepare "$d" /root
    as_root_in "$d" apt-get update -qq
    # shellcheck disable=SC2086
    as_root_in "$d" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        $prereq > "$log" 2>&1
    echo "verify-readme: $s root: $(as_root_in "$d" python3 --version), make test ..."
    t=$EPOCHREALTIME
    as_root_in "$d" make -C /root/socketscope test >> "$log" 2>&1 || rc=$?
    judge_tests "$s" root "$rc" "$(secs "$t")" "$log"
    grep '^setup:' "$log" | sed "s/^/    /"

    local again
    again=$(as_root_in "$d" bash /root/socketscope/scripts/setup.sh 2>&1) \
        || { result "$s" root FAIL "setup.sh a second time failed: $again"; return 1; }
    [ -z "$again" ] || { result "$s" root FAIL "setup.sh a second time printed: $again"; return 1; }
    result "$s" root ok "setup.sh a second time: nothing to do, nothing printed"

    local app=/root/socketscope/.venv/bin/socketscope err
    err=$(as_root_in "$d" env QT_QPA_PLATFORM=offscreen "$app" --self-test 2>&1 >/dev/null) \
        || { result "$s" root FAIL "self-test without LANG: $err"; return 1; }
    [ -z "$err" ] || { result "$s" root FAIL "self-test without LANG printed on stderr: $err"; return 1; }
    result "$s" root ok "socketscope --self-test with no LANG: nothing on stderr"

    check_window "$s" root "$d" as_root_in "$app"
}

# The app in a real X11 window (Xvfb) through Qt's xcb plugin: after `make test`, `make run` works.
check_window() { # suite path root-dir runner app
    local s=$1 path=$2 d=$3 runner=$4 app=$5 display=":$((100 + RANDOM % 100))" err rc=0
    Xvfb "$display" -screen 0 1920x1080x24 -nolisten tcp > "$out/$s-$path-xvfb.log" 2>&1 &
    xpid=$! # global: the path's subshell kills it on the way out, whatever happens
    for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
    rm -f "$d/tmp/x11.png"
    err=$("$runner" "$d" env DISPLAY="$display" QT_QPA_PLATFORM=xcb "$app" --screenshot /tmp/x11.png \
        --to-end --size 1920x1080 2>&1) || rc=$?
    kill "$xpid" 2>/dev/null || true
    if [ "$rc" != 0 ] || [ ! -s "$d/tmp/x11.png" ]; then
        result "$s" "$path" FAIL "the window on Xvfb (xcb plugin) exited $rc: $err"
        return 1
    fi
    cp "$d/tmp/x11.png" "$out/$s-$path-x11.png"
    result "$s" "$path" ok "the window through the xcb plugin on Xvfb: $out/$s-$path-x11.png${err:+ (stderr: $err)}"
}

run_user() {
    local s=$1 d="$work/$1-user" log="$out/$1-user.log" t rc=0 src=/home/student/socketscope
    as_root_in "$d" useradd -m -u 1000 -s /bin/bash student
    prepare "$d" /home/student
    chown -R 1000:1000 "$d/home/student/socketscope"
    as_root_in "$d" apt-get update -qq
    : > "$log"

    # 1. python3 without its venv module: one clear message, no .venv left behind
    as_root_in "$d" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        make python3 >> "$log" 2>&1
    local said
    rc=0
    said=$(as_user_in "$d" make -C "$src" test 2>&1) || rc=$?
    echo "$said" >> "$log"
    if [ "$rc" = 0 ] || [ -e "$d$src/.venv" ] || ! grep -q 'python3-venv' <<< "$said"; then
        result "$s" user FAIL "without python3-venv: exit $rc, .venv $([ -e "$d$src/.venv" ] && echo left || echo absent): $said"
        return 1
    fi
    result "$s" user ok "without python3-venv, make test stops: $(grep '^setup:' <<< "$said" | tail -1)"

    # 2. the README's prerequisites, and a half-made .venv from an earlier try (no pip)
    # shellcheck disable=SC2086
    as_root_in "$d" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        $prereq >> "$log" 2>&1
    as_user_in "$d" python3 -m venv --without-pip "$src/.venv"
    echo "verify-readme: $s user: $(as_root_in "$d" python3 --version), make test ..."
    t=$EPOCHREALTIME
    rc=0
    said=$(as_user_in "$d" make -C "$src" test 2>&1) || rc=$?
    echo "$said" >> "$log"
    grep -q 'half-made' <<< "$said" \
        || { result "$s" user FAIL "the half-made .venv was not rebuilt: $said"; return 1; }
    local line
    line=$(grep -m1 -E '^    (sudo |su -c )' <<< "$said" || true)
    if [ "$rc" = 0 ] || [ -z "$line" ]; then
        tail -30 <<< "$said"
        result "$s" user FAIL "the first make test as a user did not stop with a line for root (exit $rc)"
        return 1
    fi
    result "$s" user ok "half-made .venv rebuilt; make test stopped after $(secs "$t") s with: $(sed 's/^ *//' <<< "$line")"
    case "$line" in *sudo*) result "$s" user FAIL "the line needs sudo, which this system lacks"; return 1 ;; esac

    # 3. root pastes the line as printed (su -c '…' works for root without a password)
    line=$(sed 's/^ *//' <<< "$line")
    printf 'y\n' | as_root_in "$d" env DEBIAN_FRONTEND=noninteractive bash -c "$line" >> "$log" 2>&1 \
        || { result "$s" user FAIL "root could not run: $line"; return 1; }
    t=$EPOCHREALTIME
    rc=0
    as_user_in "$d" make -C "$src" test >> "$log" 2>&1 || rc=$?
    judge_tests "$s" user "$rc" "$(secs "$t")" "$log"
    said=$(as_user_in "$d" bash "$src/scripts/setup.sh" 2>&1) \
        || { result "$s" user FAIL "setup.sh a second time failed: $said"; return 1; }
    [ -z "$said" ] || { result "$s" user FAIL "setup.sh a second time printed: $said"; return 1; }
    result "$s" user ok "setup.sh a second time: nothing printed"
    check_window "$s" user "$d" as_user_in "$src/.venv/bin/socketscope"
}

status=0
for s in "${suites[@]}"; do
    remove_root "$work/$s" && remove_root "$work/$s-root" && remove_root "$work/$s-user"
    : > "$out/$s-summary.txt"
    echo "verify-readme: debootstrap --variant=minbase $s"
    t=$EPOCHREALTIME
    debootstrap --variant=minbase "$s" "$work/$s" "$mirror" > "$out/$s-debootstrap.log" 2>&1 \
        || { tail -20 "$out/$s-debootstrap.log"; exit 1; }
    echo "verify-readme: debootstrap $s took $(secs "$t") s"
    [ "${ONLY:-root}" = user ] || cp -a "$work/$s" "$work/$s-root"
    [ "${ONLY:-user}" = root ] || cp -a "$work/$s" "$work/$s-user"
    remove_root "$work/$s"
    # each path in a subshell called as a plain command: `f || x` would switch set -e off in f
    for path in root user; do
        [ "${ONLY:-$path}" = "$path" ] || continue
        set +e
        (
            set -e
            xpid=""
            trap 'result "$s" "$path" FAIL "line $LINENO: $BASH_COMMAND"' ERR
            trap '[ -z "$xpid" ] || kill "$xpid" 2>/dev/null || true' EXIT
            status_tests=0
            "run_$path" "$s"
            exit "$status_tests"
        )
        rc=$?
        set -e
        [ "$rc" = 0 ] || status=1
        if [ "${KEEP:-0}" = 1 ]; then unmount_root "$work/$s-$path" || true
        else remove_root "$work/$s-$path" || true; fi
    done
done
echo "verify-readme: summary (also in $out/<suite>-summary.txt):"
for s in "${suites[@]}"; do cat "$out/$s-summary.txt"; done
exit $status
