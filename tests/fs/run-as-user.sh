#!/bin/bash
# run-as-user.sh CMD [ARGS...]: runs a TAP test command as the unprivileged
# user 'ctrtest' (made by tools/setup; CTR_TEST_USER overrides), so rootless
# mounts (fusermount3) are what gets tested. When the user or the means to run as it are missing it
# prints a single skipped TAP case with the reason instead.
set -euo pipefail

user=${CTR_TEST_USER:-ctrtest}

skip() {
	echo "1..1"
	echo "ok 1 - run as user # SKIP $*"
	exit 0
}

(($# >= 1)) || { echo "usage: run-as-user.sh CMD [ARGS...]" >&2; exit 2; }

# Already unprivileged: nothing to switch.
if [[ $(id -u) -ne 0 ]]; then
	exec "$@"
fi

id -u "$user" >/dev/null 2>&1 || skip "no user $user (tools/setup creates it)"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is missing"

as_user() {
	setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"
}

# Rootless FUSE opens /dev/fuse before fusermount3 takes over.
as_user test -r /dev/fuse -a -w /dev/fuse || skip "/dev/fuse is not read-writable for $user (tools/setup sets 0666)"

# Temp dirs for the layers: one the user owns, removed afterwards.
tmp=$(mktemp -d "${CTR_TEST_TMP:-/var/tmp}/ctr-user-test.XXXXXX")
# --one-file-system: never empty a mount a crashed test left behind.
# shellcheck disable=SC2317 # called by the trap
cleanup() { rm -rf --one-file-system -- "$tmp"; }
trap cleanup EXIT
chown "$user:" "$tmp"
chmod 0755 "$tmp"

# The user must reach the test binary and ctrfs; tools/setup makes the
# build tree readable, but fall back to copies in the temp dir when it is not.
cmd=$(readlink -f "$1")
shift
ctrfs=${CTRFS:-}
if ! as_user test -x "$cmd" || { [[ -n $ctrfs ]] && ! as_user test -x "$ctrfs"; }; then
	mkdir "$tmp/bin"
	cp -- "$cmd" "$tmp/bin/"
	# TAP scripts source their helpers from beside them.
	[[ -f $(dirname "$cmd")/tap-lib.sh ]] && cp -- "$(dirname "$cmd")/tap-lib.sh" "$tmp/bin/"
	cmd="$tmp/bin/$(basename "$cmd")"
	if [[ -n $ctrfs ]]; then
		cp -- "$ctrfs" "$tmp/bin/"
		ctrfs="$tmp/bin/$(basename "$ctrfs")"
	fi
	chmod -R a+rX "$tmp/bin"
	echo "# $user cannot reach the build dir; running copies from $tmp/bin" >&2
fi

# Not exec: the EXIT trap removes the temp dir afterwards. The mounts are
# made and removed by the test itself (fusermount3 -u).
set +e
env HOME="$tmp" CTR_TEST_TMP="$tmp" ${ctrfs:+CTRFS="$ctrfs"} \
	setpriv --reuid="$user" --regid="$user" --init-groups -- "$cmd" "$@"
rc=$?
exit "$rc"
