#!/bin/bash
# TAP test: ctrrun import, images and rmi, end to end, as root and as the
# unprivileged user ctrtest (rootless, with subordinate ids), each with its
# own temporary --root.
#
# Every expected value comes from somewhere other than ctrrun: layer ids from
# sha256sum, tree contents and sizes from python's tarfile reading the same
# tarball, owners from /etc/subuid. Each ctrrun call runs in a private mount
# namespace with an empty tmpfs on /tmp, so "nothing in /tmp" is checked
# exactly, whatever else runs on the machine.
set -uo pipefail

srcdir=${CTR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
ctrrun=${CTRRUN:-$srcdir/build/runner/ctrrun}
test_user=${CTR_TEST_USER:-ctrtest}

n=0
ok()   { n=$((n + 1)); echo "ok $n - $1"; }
# nok NAME DIAGNOSTIC...: each diagnostic line becomes a TAP comment.
nok()  { n=$((n + 1)); echo "not ok $n - $1"; shift; printf '%s\n' "$@" | sed 's/^/# /'; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else nok "$name" "failed: $*"; fi; }
finish() { echo "1..$n"; exit 0; }

if [[ ! -x $ctrrun ]]; then
	nok "ctrrun binary exists" "$ctrrun is not executable (build first)"
	finish
fi
ctrrun=$(readlink -f "$ctrrun")
command -v python3 >/dev/null || { skip "import tests" "python3 is missing"; finish; }

base=$(mktemp -d "${CTR_TEST_TMP:-/var/tmp}/ctrrun-import.XXXXXX")
chmod 0755 "$base"
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	# Rootless layers hold files of subordinate ids: only root or the user's
	# namespace can remove them; as root plain rm does.
	rm -rf --one-file-system -- "$base" 2>/dev/null ||
		{ [[ -d $base ]] && echo "# could not remove all of $base" >&2; }
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- helpers written once ----------------------------------------------------

# compare.py TAR DIR UIDMAP GIDMAP: every tar member exists in DIR with the
# same type, permissions, owner (through the mapping), size, mtime, content,
# symlink target and hard-link identity. A map is "identity" or
# "SELF:START:COUNT" (container 0 -> SELF, 1..COUNT -> START..).
cat >"$base/compare.py" <<'EOF'
import os, stat, sys, tarfile
tar_path, root, umap, gmap = sys.argv[1:5]
def mapper(spec):
    if spec == 'identity':
        return lambda i: i
    own, start, count = (int(x) for x in spec.split(':'))
    return lambda i: own if i == 0 else (start + i - 1 if i <= count else own)
mu, mg = mapper(umap), mapper(gmap)
bad = []
links = {}
with tarfile.open(tar_path) as t:
    for m in t.getmembers():
        name = os.path.normpath(m.name)
        p = os.path.join(root, name)
        try:
            st = os.lstat(p)
        except OSError as e:
            bad.append(f'{m.name}: {e}'); continue
        kinds = {tarfile.DIRTYPE: stat.S_ISDIR, tarfile.SYMTYPE: stat.S_ISLNK,
                 tarfile.FIFOTYPE: stat.S_ISFIFO}
        want = kinds.get(m.type, stat.S_ISREG)
        if not want(st.st_mode):
            bad.append(f'{m.name}: wrong type {oct(st.st_mode)}'); continue
        if not m.issym() and stat.S_IMODE(st.st_mode) != m.mode & 0o7777:
            bad.append(f'{m.name}: mode {oct(stat.S_IMODE(st.st_mode))}, tar says {oct(m.mode & 0o7777)}')
        if (st.st_uid, st.st_gid) != (mu(m.uid), mg(m.gid)):
            bad.append(f'{m.name}: owner {st.st_uid}:{st.st_gid}, expected {mu(m.uid)}:{mg(m.gid)} (tar {m.uid}:{m.gid})')
        if not m.issym() and int(st.st_mtime) != int(m.mtime):
            bad.append(f'{m.name}: mtime {int(st.st_mtime)}, tar says {int(m.mtime)}')
        if m.issym() and os.readlink(p) != m.linkname:
            bad.append(f'{m.name}: link to {os.readlink(p)}, tar says {m.linkname}')
        if m.islnk():
            other = os.lstat(os.path.join(root, os.path.normpath(m.linkname)))
            if other.st_ino != st.st_ino:
                bad.append(f'{m.name}: not a hard link of {m.linkname}')
        elif m.isreg():
            with open(p, 'rb') as f:
                if f.read() != t.extractfile(m).read():
                    bad.append(f'{m.name}: content differs')
for b in bad[:15]:
    print(b)
sys.exit(1 if bad else 0)
EOF

# size.py TAR: docker's SIZE of the image made from TAR (non-directories,
# hard links once), in docker's format (3 significant digits, decimal units).
cat >"$base/size.py" <<'EOF'
import sys, tarfile
total = 0
with tarfile.open(sys.argv[1]) as t:
    for m in t.getmembers():
        if m.isreg() and not m.islnk():
            total += m.size
        elif m.issym():
            total += len(m.linkname.encode())
units = ['B', 'kB', 'MB', 'GB', 'TB']
size, i = float(total), 0
while size >= 1000 and i < len(units) - 1:
    size /= 1000; i += 1
print('%.3g%s' % (size, units[i]))
EOF

# mktar.py OUT SPEC...: a tarball from a list of "type:name[:target[:uid]]"
# (type d dir, f file, l symlink, h hard link, c char device), as hostile
# as asked.
cat >"$base/mktar.py" <<'EOF'
import io, sys, tarfile
out, specs = sys.argv[1], sys.argv[2:]
types = {'d': tarfile.DIRTYPE, 'f': tarfile.REGTYPE, 'l': tarfile.SYMTYPE,
         'h': tarfile.LNKTYPE, 'c': tarfile.CHRTYPE, 'p': tarfile.FIFOTYPE}
with tarfile.open(out, 'w', format=tarfile.PAX_FORMAT) as t:
    for spec in specs:
        parts = spec.split(':')
        kind, name = parts[0], parts[1]
        ti = tarfile.TarInfo(name)
        ti.type = types[kind]
        ti.mtime = 1500000000
        ti.mode = 0o755 if kind == 'd' else 0o644
        if kind in 'lh':
            ti.linkname = parts[2]
        if len(parts) > 3 and parts[3]:
            ti.uid = ti.gid = int(parts[3])
        if len(parts) > 4 and parts[4]:
            ti.mode = int(parts[4], 8)
        if kind == 'c':
            ti.devmajor, ti.devminor = 1, 3
        data = None
        if kind == 'f':
            data = ('data of %s\n' % name).encode()
            ti.size = len(data)
        t.addfile(ti, io.BytesIO(data) if data else None)
EOF

# ---- tarballs (made once, read by both users) ----------------------------------

tars=$base/tars
mkdir -p "$tars/rootfs"
if ! "$srcdir/tools/mkbusybox-rootfs" "$tars/rootfs" >/dev/null 2>"$base/mkrootfs.err"; then
	nok "busybox rootfs for the tests" "$(cat "$base/mkrootfs.err")"
	finish
fi
tar --numeric-owner --owner=0 --group=0 -C "$tars/rootfs" -cf "$tars/busybox.tar" .
gzip -k "$tars/busybox.tar"
xz -k "$tars/busybox.tar"
have_zstd=false
if command -v zstd >/dev/null; then zstd -q "$tars/busybox.tar" && have_zstd=true; fi
busybox_sha=$(sha256sum "$tars/busybox.tar" | cut -d' ' -f1)
busybox_size=$(python3 "$base/size.py" "$tars/busybox.tar")

# Owners, modes, links and special files that an import must keep.
python3 "$base/mktar.py" "$tars/owners.tar" \
	d:./::0 d:./home::0 d:./home/user::1000 f:./home/user/file::1000 f:./home/user/group-only::0:0640 \
	f:./suid::0:4755 l:./home/user/link:file:1000 h:./home/user/hard:./home/user/file:1000 \
	p:./fifo::0 d:./srv::33 f:./srv/www::33 f:./far::70000
owners_sha=$(sha256sum "$tars/owners.tar" | cut -d' ' -f1)
# OCI whiteouts: a deleted file, a deleted dir name at the top, an opaque dir;
# and a device node that must be skipped.
python3 "$base/mktar.py" "$tars/whiteout.tar" \
	d:./ d:./etc f:./etc/.wh.gone f:./.wh.olddir d:./opaque f:./opaque/.wh..wh..opq f:./opaque/kept \
	c:./dev/null
# Overlay xattrs an image must not be able to forge, next to an ordinary one.
python3 - "$tars/xattrs.tar" <<'EOF_PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT) as t:
    d = tarfile.TarInfo('./forged'); d.type = tarfile.DIRTYPE; d.mode = 0o755
    d.pax_headers = {'SCHILY.xattr.user.overlay.opaque': 'y', 'SCHILY.xattr.trusted.overlay.redirect': '/etc'}
    t.addfile(d)
    f = tarfile.TarInfo('./forged/file'); f.size = 3; f.mode = 0o644
    f.pax_headers = {'SCHILY.xattr.user.comment': 'kept'}
    t.addfile(f, io.BytesIO(b'hi\n'))
EOF_PY
# Hostile ones; each has a harmless first entry, so a partial extraction
# would leave something to find.
python3 "$base/mktar.py" "$tars/dotdot.tar" f:ok f:../evil
python3 "$base/mktar.py" "$tars/absolute.tar" f:ok f:/abs/evil
python3 "$base/mktar.py" "$tars/symlink.tar" f:ok l:link:/tmp/somewhere f:link/file
python3 "$base/mktar.py" "$tars/hardlink.tar" f:ok h:hl:../../etc/passwd
python3 "$base/mktar.py" "$tars/hardlink-symlink.tar" f:ok l:etclink:/etc h:hl:etclink/passwd
printf 'this is not a tarball\n' >"$tars/garbage.tar"
chmod -R a+rX "$tars"

# ---- running ctrrun as a role ---------------------------------------------------

is_root=false
[[ $(id -u) -eq 0 ]] && is_root=true
me=$(id -un)
private_tmp=false private_tmp_why=""
if ! $is_root; then
	private_tmp_why="needs root for a private /tmp"
elif [[ $ctrrun == /tmp/* || $base == /tmp/* ]]; then
	private_tmp_why="ctrrun or the test dir is under /tmp, which a private /tmp would hide"
elif ! command -v unshare >/dev/null || ! unshare --mount --propagation private true 2>/dev/null; then
	private_tmp_why="cannot make a private mount namespace (unshare)"
else
	private_tmp=true
fi

# ctr ROLE ARGS...: runs ctrrun as ROLE with ROLE's --root; stdout in $out,
# stderr in $err, exit code in $rc, and whatever appeared in /tmp in $tmp_left
# (private_tmp only). Standard input is passed through.
ctr() {
	local role=$1; shift
	local dir=$base/$role
	local -a cmd=("$ctrrun" --root "$dir/state" "$@")
	if [[ $role != root ]]; then
		cmd=(env -u XDG_DATA_HOME -u CTRRUN_ROOT HOME="$dir" XDG_RUNTIME_DIR="$dir/run" TMPDIR="$dir/tmp"
			"${cmd[@]}")
		[[ $role == "$me" ]] || cmd=(runuser -u "$role" -- "${cmd[@]}")
	fi
	if $private_tmp; then
		# /tmp/somewhere is where the hostile symlink points: it must stay empty.
		# shellcheck disable=SC2016 # expanded by the inner bash
		unshare --mount --propagation private -- bash -c '
			left=$1; shift
			mount -t tmpfs -o mode=1777,size=64m ctrrun-test-tmp /tmp || exit 99
			mkdir -m 1777 /tmp/somewhere
			"$@"
			rc=$?
			(cd /tmp && find . -mindepth 1 ! -path ./somewhere | sort) >"$left"
			exit $rc' bash "$base/tmp-left" "${cmd[@]}" >"$base/out" 2>"$base/err"
	else
		"${cmd[@]}" >"$base/out" 2>"$base/err"
	fi
	rc=$?
	out=$(cat "$base/out")
	err=$(cat "$base/err")
	tmp_left=$($private_tmp && cat "$base/tmp-left")
}

# Layer directories and rows of ROLE, for "nothing left behind".
layer_dirs() { find "$base/$1/state/layers" -mindepth 1 -maxdepth 1 ! -name .lock | sort; }
count_rows() { sqlite3 "$base/$1/state/state.db" "select count(*) from $2"; }

# A failed import must leave no trace: named in $err, exit 125, no layer
# directory, no layer or image row, nothing in /tmp.
expect_clean_failure() {
	local role=$1 name=$2 needle=$3 layers_before=$4 images_before=$5
	local problems=()
	[[ $rc -eq 125 ]] || problems+=("exit code $rc, expected 125")
	[[ $err == *"$needle"* ]] || problems+=("stderr does not name \"$needle\": $err")
	[[ $(layer_dirs "$role" | wc -l) -eq $layers_before ]] || problems+=("layers/ now holds: $(layer_dirs "$role")")
	local nl ni
	nl=$(count_rows "$role" layers) ni=$(count_rows "$role" images)
	[[ $nl -eq $layers_before ]] || problems+=("layers table has $nl rows, expected $layers_before")
	[[ $ni -eq $images_before ]] || problems+=("images table has $ni rows, expected $images_before")
	[[ -z $tmp_left ]] || problems+=("left in /tmp: $tmp_left")
	if ((${#problems[@]})); then nok "$name" "${problems[@]}"; else ok "$name"; fi
}

# ---- the cases, once per role ----------------------------------------------------

run_cases() {
	local role=$1
	local tag="[$role]"
	local dir=$base/$role
	mkdir -p "$dir"/{run,tmp}
	chmod 0700 "$dir/run"
	[[ $role == "$me" ]] || chown -R "$role:" "$dir"

	# How ROLE's container ids land on the host.
	local umap=identity gmap=identity
	if [[ $role != root ]]; then
		local uid gid sub_u sub_g
		uid=$(id -u "$role") gid=$(id -g "$role")
		sub_u=$(awk -F: -v u="$role" -v i="$uid" '$1 == u || $1 == i { print $2 ":" $3; exit }' /etc/subuid)
		sub_g=$(awk -F: -v u="$role" -v i="$uid" '$1 == u || $1 == i { print $2 ":" $3; exit }' /etc/subgid)
		# ctrrun maps at most 65535 subordinate ids (container 1..65535).
		limit() { local s=${1%%:*} c=${1##*:}; ((c > 65535)) && c=65535; echo "$s:$c"; }
		umap="$uid:$(limit "$sub_u")" gmap="$gid:$(limit "$sub_g")"
	fi

	# -- import, each compression, stdin --
	ctr "$role" import --change 'CMD ["sh"]' "$tars/busybox.tar" busybox:latest
	local busybox_id=${out#sha256:}
	if [[ $rc -eq 0 && $out =~ ^sha256:[0-9a-f]{64}$ ]]; then
		ok "$tag import busybox.tar prints sha256:<64 hex>"
	else
		nok "$tag import busybox.tar prints sha256:<64 hex>" "exit $rc" "stdout: $out" "stderr: $err"
		return
	fi
	if $private_tmp; then check "$tag nothing left in /tmp by an import" test -z "$tmp_left"; fi
	local layer=$dir/state/layers/$busybox_sha
	check "$tag layer id is the sha256 of the uncompressed tar ($busybox_sha)" \
		test "$(sqlite3 "$dir/state/state.db" 'select id from layers')" = "$busybox_sha" -a -d "$layer/diff"
	if cmp_out=$(python3 "$base/compare.py" "$tars/busybox.tar" "$layer/diff" "$umap" "$gmap"); then
		ok "$tag layer tree matches busybox.tar (types, modes, owners, times, content, links)"
	else
		nok "$tag layer tree matches busybox.tar (types, modes, owners, times, content, links)" "$cmp_out"
	fi
	check "$tag image config has the --change CMD" \
		test "$(sqlite3 "$dir/state/state.db" "select json_extract(config, '\$.config.Cmd') from images")" = '["sh"]'
	check "$tag image id is the sha256 of its config" test "$busybox_id" = \
		"$(sqlite3 "$dir/state/state.db" "select config from images where id = '$busybox_id'" | tr -d '\n' | sha256sum | cut -d' ' -f1)"

	local kind
	for kind in gz xz zst; do
		if [[ $kind == zst ]] && ! $have_zstd; then
			skip "$tag import busybox.tar.zst" "zstd is not installed"
			continue
		fi
		ctr "$role" import "$tars/busybox.tar.$kind" "busybox:$kind"
		if [[ $rc -eq 0 && $out =~ ^sha256:[0-9a-f]{64}$ && $(layer_dirs "$role") == "$dir/state/layers/$busybox_sha" &&
			$(count_rows "$role" layers) -eq 1 ]]; then
			ok "$tag import busybox.tar.$kind: same layer id, layer reused"
		else
			nok "$tag import busybox.tar.$kind: same layer id, layer reused" "exit $rc, stderr: $err" \
				"layer dirs: $(layer_dirs "$role")"
		fi
	done
	ctr "$role" import - busybox:stdin <"$tars/busybox.tar.gz"
	local stdin_layer
	stdin_layer=$(sqlite3 "$dir/state/state.db" \
		"select layer_id from image_layers join images on id = image_id where tag = 'stdin'")
	if [[ $rc -eq 0 && $stdin_layer == "$busybox_sha" && -z $tmp_left ]]; then
		ok "$tag import - (gzip on stdin): same layer, nothing left in /tmp"
	else
		nok "$tag import - (gzip on stdin): same layer, nothing left in /tmp" "exit $rc, stderr: $err" \
			"layer: $stdin_layer" "tmp: $tmp_left"
	fi

	# -- every --change instruction and -m, as docker writes them into the config --
	ctr "$role" import -m 'made by the test' --change 'ENV A=1 B="two words"' --change 'ENV A 3' \
		--change 'WORKDIR /srv' --change 'WORKDIR www' --change 'USER 1000:1000' \
		--change 'ENTRYPOINT echo hi' --change 'cmd ["-n", "x"]' "$tars/busybox.tar" busybox:changed
	local cfg want_cfg
	cfg=$(sqlite3 -separator ' | ' "$dir/state/state.db" "select json_extract(config, '\$.config.Env'),
		json_extract(config, '\$.config.WorkingDir'), json_extract(config, '\$.config.User'),
		json_extract(config, '\$.config.Entrypoint'), json_extract(config, '\$.config.Cmd'),
		json_extract(config, '\$.comment'), json_extract(config, '\$.rootfs.diff_ids')
		from images where tag = 'changed'")
	want_cfg='["A=3","B=two words"] | /srv/www | 1000:1000 | ["/bin/sh","-c","echo hi"] | ["-n","x"] | made by the test | ["sha256:'$busybox_sha'"]'
	if [[ $rc -eq 0 && $cfg == "$want_cfg" ]]; then ok "$tag --change ENV, WORKDIR, USER, ENTRYPOINT, CMD and -m in the config"
	else nok "$tag --change ENV, WORKDIR, USER, ENTRYPOINT, CMD and -m in the config" "exit $rc: $err" "got:  $cfg" "want: $want_cfg"; fi

	# -- owners --
	ctr "$role" import "$tars/owners.tar" owners
	local owners_dir=$dir/state/layers/$owners_sha/diff
	if [[ $rc -eq 0 ]] && cmp_out=$(python3 "$base/compare.py" "$tars/owners.tar" "$owners_dir" "$umap" "$gmap"); then
		ok "$tag owners, setuid mode, fifo, symlink and hard link kept (mapping $umap)"
	else
		nok "$tag owners, setuid mode, fifo, symlink and hard link kept (mapping $umap)" "exit $rc, stderr: $err" \
			"${cmp_out:-}"
	fi
	if [[ $role != root ]]; then
		local want got
		want=$(( $(cut -d: -f2 <<<"$umap") + 999 ))
		got=$(stat -c %u "$owners_dir/home/user/file" 2>/dev/null)
		check "$tag uid 1000 in the tar is host uid subuid+999 ($want)" test "$got" = "$want"
		# Container ids end at 65535: uid 70000 cannot be kept and goes to root.
		check "$tag an owner beyond the mapping goes to root, with one note" \
			test "$(grep -c '^ctrrun: note: .*root now owns 1 entry .*far' <<<"$err")" -eq 1
	else
		check "$tag no ownership note as root" test -z "$(grep 'root now owns' <<<"$err")"
	fi

	# -- whiteouts --
	ctr "$role" import "$tars/whiteout.tar" whiteouts
	local wsha wdir
	wsha=$(sha256sum "$tars/whiteout.tar" | cut -d' ' -f1)
	wdir=$dir/state/layers/$wsha/diff
	local problems=()
	[[ $rc -eq 0 ]] || problems+=("exit $rc: $err")
	[[ $(stat -c '%F %t:%T' "$wdir/etc/gone" 2>&1) == "character special file 0:0" ]] ||
		problems+=("etc/gone: $(stat -c '%F %t:%T' "$wdir/etc/gone" 2>&1)")
	[[ $(stat -c '%F %t:%T' "$wdir/olddir" 2>&1) == "character special file 0:0" ]] ||
		problems+=("olddir: $(stat -c '%F %t:%T' "$wdir/olddir" 2>&1)")
	[[ $(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "user.overlay.opaque").decode())' \
		"$wdir/opaque" 2>&1) == y ]] || problems+=("opaque has no user.overlay.opaque=y")
	[[ -f $wdir/opaque/kept ]] || problems+=("opaque/kept is missing")
	[[ -z $(find "$wdir" -name '.wh.*') ]] || problems+=(".wh. files left: $(find "$wdir" -name '.wh.*')")
	[[ ! -e $wdir/dev/null ]] || problems+=("dev/null was created")
	[[ $(grep -c 'device node' <<<"$err") -eq 1 && $err == *dev/null* ]] ||
		problems+=("no single warning naming the skipped dev/null: $err")
	if ((${#problems[@]})); then nok "$tag OCI whiteouts become overlay whiteouts" "${problems[@]}"
	else ok "$tag OCI whiteouts become overlay whiteouts, device node skipped with one warning"; fi

	# -- overlay xattrs from the image: escaped or dropped, never obeyed --
	ctr "$role" import "$tars/xattrs.tar" xattrs
	local xdir
	xdir=$dir/state/layers/$(sha256sum "$tars/xattrs.tar" | cut -d' ' -f1)/diff
	problems=()
	[[ $rc -eq 0 ]] || problems+=("exit $rc: $err")
	local xattrs_seen
	xattrs_seen=$(python3 -c 'import os, sys
for p in sys.argv[1:]:
    print(p.rsplit("/", 1)[-1], sorted((n, os.getxattr(p, n, follow_symlinks=False).decode()) for n in os.listxattr(p, follow_symlinks=False) if not n.startswith("security.")))' \
		"$xdir/forged" "$xdir/forged/file" 2>&1)
	[[ $xattrs_seen == "forged [('user.overlay.overlay.opaque', 'y')]"$'\n'"file [('user.comment', 'kept')]" ]] ||
		problems+=("xattrs on disk: $xattrs_seen")
	[[ $(grep -c 'dropped 1 trusted.overlay xattr' <<<"$err") -eq 1 ]] || problems+=("no warning about the dropped xattr: $err")
	if ((${#problems[@]})); then nok "$tag image xattrs: user.overlay.* escaped, trusted.overlay.* dropped, others kept" "${problems[@]}"
	else ok "$tag image xattrs: user.overlay.* escaped, trusted.overlay.* dropped, others kept"; fi

	# -- images --
	ctr "$role" images
	local header row
	header=$(head -1 <<<"$out")
	row=$(grep -E '^busybox +latest ' <<<"$out")
	problems=()
	[[ $rc -eq 0 ]] || problems+=("exit $rc: $err")
	local header_re='^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$'
	[[ $header =~ $header_re ]] || problems+=("header: $header")
	# Columns start where their headers start (docker's tabwriter).
	local col
	for col in TAG "IMAGE ID" CREATED SIZE; do
		local pos=${header%%"$col"*}
		[[ ${row:${#pos}-3:3} == "   " && ${row:${#pos}:1} != " " ]] ||
			problems+=("column $col does not start at ${#pos} in: $row")
	done
	read -r -a fields <<<"$row"
	[[ ${fields[2]:-} == "${busybox_id:0:12}" ]] || problems+=("IMAGE ID ${fields[2]:-} is not ${busybox_id:0:12}")
	local recent=' (Less than a second|1 second|[0-9]+ seconds|About a minute|[0-9]+ minutes) ago '
	[[ $row =~ $recent ]] || problems+=("CREATED in: $row")
	[[ ${fields[-1]:-} == "$busybox_size" ]] || problems+=("SIZE ${fields[-1]:-}, expected $busybox_size")
	[[ $(($(wc -l <<<"$out") - 1)) -eq $(count_rows "$role" images) ]] || problems+=("not one row per image")
	if ((${#problems[@]})); then nok "$tag images: columns and values" "${problems[@]}" "$out"
	else ok "$tag images: columns and values"; fi
	ctr "$role" images -q
	check "$tag images -q lists the 12-char ids" grep -qx "${busybox_id:0:12}" <<<"$out"
	ctr "$role" images --no-trunc
	check "$tag images --no-trunc shows sha256:<full id>" grep -q " sha256:$busybox_id " <<<"$out"

	# -- bad input: each exit 125, named, nothing written --
	local nl ni
	nl=$(count_rows "$role" layers) ni=$(count_rows "$role" images)
	ctr "$role" import "$tars/busybox.tar" busybox:latest
	expect_clean_failure "$role" "$tag import under a tag in use is refused" "busybox:latest is already used" "$nl" "$ni"
	ctr "$role" import "$tars/missing.tar" missing
	expect_clean_failure "$role" "$tag import of a missing file names it" "$tars/missing.tar" "$nl" "$ni"
	ctr "$role" import "$tars/garbage.tar" garbage
	expect_clean_failure "$role" "$tag import of a file that is no tarball names it" "garbage.tar" "$nl" "$ni"
	ctr "$role" import "$tars/busybox.tar" Busybox
	expect_clean_failure "$role" "$tag import with an uppercase name is refused" '"Busybox"' "$nl" "$ni"
	ctr "$role" import "$tars/busybox.tar" 'bad name'
	expect_clean_failure "$role" "$tag import with a space in the name is refused" '"bad name"' "$nl" "$ni"
	ctr "$role" import "$tars/busybox.tar" 'busybox:-x'
	expect_clean_failure "$role" "$tag import with a bad tag is refused" '"-x"' "$nl" "$ni"
	ctr "$role" import --change 'EXPOSE 80' "$tars/busybox.tar" exposed
	expect_clean_failure "$role" "$tag import with an unsupported --change names it" '"EXPOSE"' "$nl" "$ni"

	# -- rmi --
	ctr "$role" rmi nosuchimage
	if [[ $rc -eq 125 && $err == *"no such image: nosuchimage"* ]]; then ok "$tag rmi of an unknown image: 125, named"
	else nok "$tag rmi of an unknown image: 125, named" "exit $rc" "$err"; fi
	ctr "$role" rmi busybox:gz
	if [[ $rc -eq 0 && $out == *"Untagged: busybox:gz"* && $out == *"Deleted: sha256:"* &&
		$(sqlite3 "$dir/state/state.db" "select count(*) from images where tag = 'gz'") -eq 0 &&
		-d $layer/diff ]]; then
		ok "$tag rmi by name: untagged, deleted, shared layer kept"
	else
		nok "$tag rmi by name: untagged, deleted, shared layer kept" "exit $rc" "$out" "$err"
	fi
	local owners_id
	owners_id=$(sqlite3 "$dir/state/state.db" "select id from images where repository = 'owners'")
	ctr "$role" rmi "${owners_id:0:7}"
	if [[ $rc -eq 0 && $out == *"Deleted: sha256:$owners_id"* && $out == *"Deleted: sha256:$owners_sha"* &&
		! -e $dir/state/layers/$owners_sha &&
		$(sqlite3 "$dir/state/state.db" "select count(*) from layers where id = '$owners_sha'") -eq 0 ]]; then
		ok "$tag rmi by id prefix: image and its unused layer (dir and row) gone"
	else
		nok "$tag rmi by id prefix: image and its unused layer (dir and row) gone" "exit $rc" "$out" "$err"
	fi

	# -- rmi of an image a container uses --
	ctr "$role" run --rm busybox true
	if [[ $rc -ne 0 ]]; then
		skip "$tag rmi refuses an image a container uses" "ctrrun run does not work here (exit $rc: ${err%%$'\n'*})"
		skip "$tag rmi -f removes the container and the image" "ctrrun run does not work here"
	else
		ctr "$role" run --name user-of-busybox busybox true
		ctr "$role" rmi busybox
		if [[ $rc -eq 125 && $err == *user-of-busybox* &&
			$(sqlite3 "$dir/state/state.db" "select count(*) from images where id = '$busybox_id'") -eq 1 ]]; then
			ok "$tag rmi refuses an image a container uses, naming the container"
		else
			nok "$tag rmi refuses an image a container uses, naming the container" "exit $rc" "$out" "$err"
		fi
		ctr "$role" rmi -f busybox
		if [[ $rc -eq 0 && $out == *"Deleted: sha256:$busybox_id"* &&
			$(sqlite3 "$dir/state/state.db" "select count(*) from containers where name = 'user-of-busybox'") -eq 0 &&
			$(sqlite3 "$dir/state/state.db" "select count(*) from images where id = '$busybox_id'") -eq 0 ]]; then
			ok "$tag rmi -f removes the container and the image"
		else
			nok "$tag rmi -f removes the container and the image" "exit $rc" "$out" "$err"
		fi
	fi

	# -- hostile tarballs, each into a fresh root --
	local hostile needle
	for hostile in dotdot:../evil absolute:/abs/evil symlink:link/file hardlink:../../etc/passwd \
		hardlink-symlink:etclink/passwd; do
		needle=${hostile#*:} hostile=${hostile%%:*}
		local passwd_links
		passwd_links=$(stat -c %h /etc/passwd)
		# A fresh, empty root for this case: ctr uses $base/$role/state.
		mv "$dir/state" "$dir/state.main"
		ctr "$role" import "$tars/$hostile.tar" evil
		local problems=()
		[[ $rc -eq 125 ]] || problems+=("exit $rc, expected 125")
		[[ $err == *"\"$needle\""* ]] || problems+=("stderr does not name the entry $needle: $err")
		[[ -z $(layer_dirs "$role") ]] || problems+=("left in layers/: $(layer_dirs "$role")")
		[[ $(count_rows "$role" layers) -eq 0 && $(count_rows "$role" images) -eq 0 ]] ||
			problems+=("rows left: $(count_rows "$role" layers) layers, $(count_rows "$role" images) images")
		[[ -z $(find "$dir/state" -name evil -o -name file -o -name ok) ]] ||
			problems+=("files left: $(find "$dir/state" -name evil -o -name file -o -name ok)")
		[[ ! -e /abs/evil && ! -e $base/evil && ! -e $dir/evil ]] || problems+=("a file escaped")
		[[ $(stat -c %h /etc/passwd) -eq $passwd_links ]] || problems+=("/etc/passwd got a new link")
		if $private_tmp; then
			[[ -z $tmp_left ]] || problems+=("left in /tmp: $tmp_left")
		fi
		rm -rf "$dir/state"
		mv "$dir/state.main" "$dir/state"
		if ((${#problems[@]})); then nok "$tag hostile $hostile.tar refused, nothing left behind" "${problems[@]}"
		else ok "$tag hostile $hostile.tar refused (error names \"$needle\"), nothing left behind"; fi
	done
	$private_tmp || skip "$tag nothing left in /tmp by imports" "$private_tmp_why"
}

# ---- roles --------------------------------------------------------------------

if $is_root; then
	run_cases root
else
	skip "import as root" "the test does not run as root"
fi

if ! $is_root && [[ $me == "$test_user" ]]; then
	run_cases "$me"
elif ! $is_root; then
	skip "import as $test_user" "switching users needs root"
elif ! id -u "$test_user" >/dev/null 2>&1; then
	skip "import as $test_user" "no user $test_user (tools/setup creates it)"
elif ! command -v runuser >/dev/null; then
	skip "import as $test_user" "runuser (util-linux) is missing"
elif ! runuser -u "$test_user" -- test -x "$ctrrun"; then
	skip "import as $test_user" "$test_user cannot run $ctrrun (tools/setup makes the build tree readable)"
elif ! grep -q "^$test_user:" /etc/subuid || ! grep -q "^$test_user:" /etc/subgid; then
	skip "import as $test_user" "$test_user has no range in /etc/subuid and /etc/subgid"
else
	run_cases "$test_user"
fi

finish
