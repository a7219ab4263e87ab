#!/bin/bash
# TAP test: the walk prefetcher (fs/union/dir_prefetch.c) prepares the next
# directories of a walk ahead of time; whatever changes through the mount
# after that must still show in the next listing. Each case lists the parent
# (READDIRPLUS queues its subdirectories), changes a subdirectory, then walks
# it with find, and compares with the same walk through kernel-independent
# expectations written here. Runs as root or as a plain user (fusermount3).
set -uo pipefail

ctrfs=${CTRFS:-$(dirname "$0")/../../build/fs/ctrfs}
# shellcheck source=tests/fs/tap-lib.sh
. "$(dirname "$0")/tap-lib.sh"
plan=7

echo "1..$plan"
base=$(mktemp -d "${CTR_TEST_TMP:-/var/tmp}/ctrfs-walk.XXXXXX")
mnt=$base/mnt pid=
cleanup() { unmount_ctrfs; rm -rf "$base"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$base"/{lower,upper,work,mnt}
for d in a b c d e; do
	mkdir -p "$base/lower/top/$d/sub"
	for f in 1 2 3; do echo "$d$f" >"$base/lower/top/$d/f$f"; done
done
"$ctrfs" -f -o "lowerdir=$base/lower,upperdir=$base/upper,workdir=$base/work" "$mnt" 2>"$base/log" &
pid=$!
if ! wait_mounted "$mnt"; then
	for ((i = 1; i <= plan; i++)); do nok "walk case $i" "ctrfs did not mount: $(cat "$base/log")"; done
	exit 1
fi
top=$mnt/top

# walk DIR: the names, types and sizes below DIR, sorted.
walk() { (cd "$1" && find . -mindepth 1 -printf '%p %y %s\n' | sort); }
# queue: list the parent with attributes, as a walker does before descending.
queue() { ls -l "$top" >/dev/null; }

expect() { printf '%s\n' "$@" | sort; }

# 1. Unchanged: the prepared listing is right.
queue
got=$(walk "$top/a")
want=$(expect "./f1 f 3" "./f2 f 3" "./f3 f 3" "./sub d 4096")
want=${want//"./sub d 4096"/"./sub d $(stat -c %s "$base/lower/top/a/sub")"}
[[ $got == "$want" ]] && ok "unchanged subdirectory listed right" || nok "unchanged subdirectory listed right" "got:" "$got" "want:" "$want"

# 2. A file created after the parent was listed.
queue; echo new >"$top/b/new"
got=$(walk "$top/b" | grep -c '^./new f 4$')
[[ $got == 1 ]] && ok "file created after queueing is listed" || nok "file created after queueing is listed" "$(walk "$top/b")"

# 3. A file removed after the parent was listed.
queue; rm "$top/c/f2"
got=$(walk "$top/c" | grep -c '^./f2 ')
[[ $got == 0 ]] && ok "file removed after queueing is gone" || nok "file removed after queueing is gone" "$(walk "$top/c")"

# 4. A file renamed after the parent was listed.
queue; mv "$top/d/f1" "$top/d/g1"
got=$(walk "$top/d" | grep -E '^./(f1|g1) ' | tr '\n' ' ')
[[ $got == "./g1 f 3 " ]] && ok "rename after queueing shows the new name only" || nok "rename after queueing shows the new name only" "got: $got"

# 5. A size changed by a write after the parent was listed.
queue; printf 'longer content\n' >>"$top/e/f3"
got=$(walk "$top/e" | grep '^./f3 ')
[[ $got == "./f3 f 18" ]] && ok "size changed by a write after queueing" || nok "size changed by a write after queueing" "got: $got"

# 6. A directory removed and made again as a file after queueing.
queue; rm -r "$top/a/sub" && echo x >"$top/a/sub"
got=$(walk "$top/a" | grep '^./sub ')
[[ $got == "./sub f 2" ]] && ok "directory replaced by a file after queueing" || nok "directory replaced by a file after queueing" "got: $got"

# 7. Mode changed after queueing (ls -l shows it).
queue; chmod 600 "$top/b/f1"
got=$(stat -c %a "$top/b/f1"; (cd "$top/b" && find . -name f1 -printf '%m\n'))
[[ $got == $'600\n600' ]] && ok "mode changed after queueing" || nok "mode changed after queueing" "got: $got"

unmount_ctrfs
((failed == 0))
