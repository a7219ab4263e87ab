#!/bin/bash
# TAP test: `ctrrun commit`, `export` and `inspect` end to end. Every case runs
# twice, as root and as the unprivileged user ctrtest (rootless, subordinate
# ids from /etc/subuid), each mode with its own state root under a temp dir
# that is removed at the end.
#
# The image is busybox plus a /srv tree made here; the containers change it
# in known ways. Expected values come from that knowledge, from the image
# tarball (read with python's tarfile), from state.db and from /etc/subuid,
# never from the output under test.
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The cases of one mode, in order; each prints exactly one TAP line. Later
# cases use the containers and images of earlier ones (chg, chg:v1, own).
# shellcheck disable=SC2034 # read by run_all (lib.sh)
cases=(
	case_commit_changes case_commit_layer_whiteouts case_commit_ownership
	case_commit_config case_commit_change_flag case_images_lists
	case_export_file case_export_stdout case_export_ownership case_export_terminal
	case_inspect_container case_inspect_image case_inspect_running case_commit_running
	case_inspect_unknown case_inspect_type case_inspect_ambiguous
	case_bad_name case_bad_name_upper case_bad_unknown_container case_bad_name_taken
	case_bad_no_name case_bad_export_unknown case_nothing_left
)
# CTR_COMMIT_MODES: this test's older name for CTR_RUN_MODES.
if [[ -n ${CTR_COMMIT_MODES:-} ]]; then read -ra modes <<<"$CTR_COMMIT_MODES"; fi
import_case="import test image"
extra_skip_reason() {
	if ! command -v python3 >/dev/null || ! command -v sqlite3 >/dev/null; then
		echo "python3 and sqlite3 are needed"
	fi
}

# ---------------------------------------------------------------- helpers
image_id() { db "select id from images where repository='$1' and tag='$2'"; }
# Layer ids of an image, bottom first.
image_layers() { db "select layer_id from image_layers where image_id='$1' order by position"; }

# What a refused commit must leave unchanged: layer dirs (and temporary
# ones), layer and image rows.
snapshot() {
	echo "layer dirs:"; ls -A "$R/layers"
	echo "layers:"; db 'select id from layers order by id'
	echo "images:"; db "select id || ' ' || repository || ':' || tag from images order by id"
	echo "image_layers:"; db 'select count(*) from image_layers'
}

# ---------------------------------------------------------------- image
# busybox plus /srv: files and dirs that the test container deletes,
# replaces, modifies or keeps.
make_images() {
	make_rootfs "$tmp/rootfs" || return 1
	local s=$tmp/rootfs/srv
	mkdir -p "$s/keep" "$s/olddir/y" "$s/replaced/old2"
	echo a >"$s/keep/a.txt"
	echo b >"$s/keep/b.txt"
	echo gone >"$s/gone.txt"
	echo x >"$s/olddir/x"
	echo z >"$s/olddir/y/z"
	echo old1 >"$s/replaced/old1"
	echo sub >"$s/replaced/old2/sub"
	echo before >"$s/modify.txt"
	pack "$tmp/rootfs" "$tmp/image.tar"
}
import_images() { import_image "$tmp/image.tar" busybox; }

# The changes the chg container makes, and what a container of the committed
# image must then show (each check prints one line, or nothing).
# shellcheck disable=SC2016 # expanded by the container's shell
changes='rm /srv/gone.txt
rm -rf /srv/olddir
rm -rf /srv/replaced && mkdir /srv/replaced && echo fresh >/srv/replaced/new
echo after >/srv/modify.txt
mkdir -p /srv/added/deep && echo added >/srv/added/deep/file
ln -s added/deep/file /srv/link'
# shellcheck disable=SC2016 # expanded by the container's shell
checks='test -e /srv/gone.txt || echo gone-deleted
test -e /srv/olddir || echo olddir-deleted
echo "replaced: $(ls -A /srv/replaced | tr "\n" " ")"
cat /srv/replaced/new /srv/modify.txt /srv/added/deep/file /srv/keep/a.txt /srv/keep/b.txt
readlink /srv/link
cat /srv/link'
checks_expected='gone-deleted
olddir-deleted
replaced: new 
fresh
after
added
a
b
added/deep/file
added'

# Paths (no "./", no trailing "/") the chg container's root must have: the
# image's, minus what it deleted, plus what it added.
expected_export_list() {
	python3 - "$tmp/image.tar" <<'EOF'
import os, sys, tarfile
names = set()
with tarfile.open(sys.argv[1]) as t:
    for m in t.getmembers():
        p = os.path.normpath(m.name)
        if p != '.':
            names.add(p)
def under(p, d):
    return p == d or p.startswith(d + '/')
names = {p for p in names if p != 'srv/gone.txt' and not under(p, 'srv/olddir')
         and not (p.startswith('srv/replaced/'))}
names |= {'srv/replaced/new', 'srv/added', 'srv/added/deep', 'srv/added/deep/file', 'srv/link'}
print('\n'.join(sorted(names)))
EOF
}

# tar_list FILE: member paths as above, sorted.
tar_list() {
	python3 - "$1" <<'EOF'
import os, sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    print('\n'.join(sorted(os.path.normpath(m.name) for m in t.getmembers())))
EOF
}

# ---------------------------------------------------------------- cases
case_commit_changes() {
	capture run --name chg -e FOO=bar busybox sh -c "$changes"
	expect_rc 0
	local before_layers
	before_layers=$(image_layers "$(image_id busybox latest)" | wc -l)
	capture commit -m 'test commit' chg chg:v1
	expect_rc 0
	local id
	id=$(image_id chg v1)
	if [[ ${#id} != 64 ]]; then
		fail "no image row chg:v1"
	else
		expect_out "sha256:$id"
		local layers
		layers=$(image_layers "$id" | wc -l)
		((layers == before_layers + 1)) || fail "chg:v1 has $layers layers, expected $((before_layers + 1))"
		local base_layers
		base_layers=$(image_layers "$(image_id busybox latest)")
		[[ $(image_layers "$id" | head -n "$before_layers") == "$base_layers" ]] ||
			fail "chg:v1 does not start with busybox's layers"
	fi
	show_last
	capture run --rm chg:v1 sh -c "$checks"
	expect_rc 0
	expect_out "$checks_expected"
	show_last
}

case_commit_layer_whiteouts() {
	local id top d
	id=$(image_id chg v1)
	top=$(image_layers "$id" | tail -n1)
	d=$R/layers/$top/diff
	if [[ ! -d $d ]]; then fail "no layer dir $d"; return; fi
	local t
	for t in srv/gone.txt srv/olddir; do
		[[ $(stat -c '%F %t:%T' "$d/$t" 2>&1) == "character special file 0:0" ]] ||
			fail "$t in the new layer is not an overlay whiteout (char 0/0): $(stat -c '%F %t:%T' "$d/$t" 2>&1)"
	done
	local opaque
	opaque=$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.overlay.opaque").decode())' \
		"$d/srv/replaced" 2>&1)
	[[ $opaque == y ]] || fail "srv/replaced is not opaque (user.overlay.opaque=y) in the new layer: $opaque"
	[[ $(ls -A "$d/srv/replaced" 2>&1) == new ]] || fail "srv/replaced in the new layer holds $(ls -A "$d/srv/replaced" 2>&1)"
	[[ -e $d/srv/keep ]] && fail "unchanged srv/keep was copied into the new layer"
	local wh
	wh=$(find "$d" -name '.wh.*' 2>&1)
	[[ -z $wh ]] && return
	fail "OCI whiteout files left in the layer dir: $wh"
}

case_commit_ownership() {
	capture run --name own busybox sh -c 'echo o >/srv/owned && chown 1000:1000 /srv/owned &&
		chmod 0640 /srv/owned && mkdir /srv/odir && chown 1000:1001 /srv/odir && chmod 0750 /srv/odir'
	expect_rc 0
	capture commit own own:v1
	expect_rc 0
	show_last
	capture run --rm own:v1 stat -c '%u:%g %a %n' /srv/owned /srv/odir
	expect_rc 0
	expect_out $'1000:1000 640 /srv/owned\n1000:1001 750 /srv/odir'
	show_last
	local top want
	top=$(image_layers "$(image_id own v1)" | tail -n1)
	want=$(host_ids 1000 1000)
	[[ $(stat -c %u:%g "$R/layers/$top/diff/srv/owned" 2>&1) == "$want" ]] ||
		fail "srv/owned in the new layer is owned by $(stat -c %u:%g "$R/layers/$top/diff/srv/owned" 2>&1) on the host, expected $want"
}

# inspect of the committed image: the container's env and command, the
# message, docker's key names (parsed, not grepped).
case_commit_config() {
	capture inspect chg:v1
	expect_rc 0
	local cid
	cid=$(container_id chg)
	printf '%s' "$out" >"$tmp/out.json"
	python3 - "$tmp/out.json" "$cid" "$changes" <<'EOF' 2>"$tmp/py" || fail "$(<"$tmp/py")"
import json, sys
cid, changes = sys.argv[2:4]
img = json.load(open(sys.argv[1]))[0]
cfg = img['Config']
errors = []
if 'FOO=bar' not in (cfg.get('Env') or []): errors.append(f'Env {cfg.get("Env")} lacks FOO=bar')
if any(e.startswith('HOSTNAME=') for e in cfg.get('Env') or []): errors.append(f'Env {cfg.get("Env")} has the container\'s HOSTNAME')
if cfg.get('Cmd') != ['sh', '-c', changes]: errors.append(f'Cmd {cfg.get("Cmd")}')
if img.get('Comment') != 'test commit': errors.append(f'Comment {img.get("Comment")!r}')
if img.get('Container') != cid: errors.append(f'Container {img.get("Container")!r}, expected {cid}')
if errors: sys.exit('; '.join(errors))
EOF
	show_last
}

case_commit_change_flag() {
	capture commit -c 'CMD ["echo", "from-change"]' -c 'ENV ADDED=1' -c 'WORKDIR /srv' chg chg:v2
	expect_rc 0
	show_last
	capture run --rm chg:v2
	expect_rc 0
	expect_out from-change
	show_last
	# shellcheck disable=SC2016 # expanded by the container's shell
	capture run --rm chg:v2 sh -c 'echo $ADDED $FOO; pwd'
	expect_rc 0
	expect_out $'1 bar\n/srv'
	show_last
}

case_images_lists() {
	capture images
	expect_rc 0
	local id
	id=$(image_id chg v1)
	awk -v id="${id:0:12}" '$1 == "chg" && $2 == "v1" && $3 == id { f = 1 } END { exit !f }' <<<"$out" ||
		fail "images does not list chg v1 ${id:0:12}"
	show_last
}

case_export_file() {
	capture export chg -o "$M/chg.tar"
	expect_rc 0
	[[ -z $out ]] || fail "export -o wrote to stdout"
	show_last
	if [[ ! -f $M/chg.tar ]]; then fail "no $M/chg.tar"; return; fi
	local got want
	got=$(tar_list "$M/chg.tar")
	want=$(expected_export_list)
	[[ $got == "$want" ]] || fail "export lists other paths: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | head -20 | tr '\n' ' ')"
	grep -q '\.wh\.' <<<"$got" && fail "whiteout entries in the export: $(grep '\.wh\.' <<<"$got" | head -5 | tr '\n' ' ')"
	python3 - "$M/chg.tar" <<'EOF' 2>"$tmp/py" || fail "$(<"$tmp/py")"
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    errors = []
    for name, want in [('srv/modify.txt', b'after\n'), ('srv/replaced/new', b'fresh\n'), ('srv/keep/a.txt', b'a\n')]:
        got = t.extractfile(name).read()
        if got != want: errors.append(f'{name}: {got!r}, expected {want!r}')
    link = t.getmember('srv/link')
    if not link.issym() or link.linkname != 'added/deep/file': errors.append(f'srv/link: {link.type} {link.linkname}')
    devs = [m.name for m in t.getmembers() if m.ischr() and m.devmajor == 0 and m.devminor == 0]
    if devs: errors.append(f'overlay whiteouts in the export: {devs}')
    if errors: sys.exit('; '.join(errors))
EOF
	local left
	left=$(find "$M" -maxdepth 1 -name '*ctrrun-tmp*')
	[[ -z $left ]] || fail "temporary files left: $left"
}

case_export_stdout() {
	last="ctrrun export chg > file"
	ctr export chg >"$M/stdout.tar" 2>"$tmp/err" </dev/null
	rc=$? out="" err=$(<"$tmp/err")
	expect_rc 0
	[[ $(tar_list "$M/stdout.tar") == "$(expected_export_list)" ]] || fail "export to stdout lists other paths"
	ctr export -o - chg >"$M/dash.tar" 2>"$tmp/err" </dev/null
	rc=$? err=$(<"$tmp/err")
	expect_rc 0
	[[ $(tar_list "$M/dash.tar") == "$(expected_export_list)" ]] || fail "export -o - lists other paths"
	show_last
}

case_export_ownership() {
	capture export own -o "$M/own.tar"
	expect_rc 0
	show_last
	python3 - "$M/own.tar" <<'EOF' 2>"$tmp/py" || fail "$(<"$tmp/py")"
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    errors = []
    for name, ids, mode in [('srv/owned', (1000, 1000), 0o640), ('srv/odir', (1000, 1001), 0o750), ('srv/keep/a.txt', (0, 0), 0o644)]:
        m = t.getmember(name)
        if (m.uid, m.gid) != ids or m.mode & 0o7777 != mode:
            errors.append(f'{name}: {m.uid}:{m.gid} {oct(m.mode)}, expected {ids[0]}:{ids[1]} {oct(mode)}')
    if errors: sys.exit('; '.join(errors))
EOF
}

# docker refuses to write a tar to a terminal.
case_export_terminal() {
	if ! command -v script >/dev/null; then skip_reason="no script(1) to make a terminal"; return; fi
	local cmd
	printf -v cmd '%q ' "${CTR[@]}" export chg
	last="ctrrun export chg (on a terminal)"
	out=$(cd "$V" && timeout -k 5 "$tmo" script -qec "$cmd" /dev/null </dev/null 2>&1)
	rc=$? err=""
	expect_rc 125
	[[ $out == *"cowardly refusing to save to a terminal"* ]] || fail "no refusal message on the terminal"
	(($(wc -c <<<"$out") < 1000)) || fail "a tar was written to the terminal"
	show_last
}

case_inspect_container() {
	mkdir -p "$V/ivol"
	own "$V/ivol"
	capture run --name insp -e INSPECT_VAR=forty-two -v "$V/ivol:/data" busybox sh -c 'exit 3'
	expect_rc 3
	local cid
	cid=$(container_id insp)
	capture inspect insp
	expect_rc 0
	printf '%s' "$out" >"$tmp/out.json"
	python3 - "$tmp/out.json" "$cid" "$V/ivol" "$R" <<'EOF' 2>"$tmp/py" || fail "$(<"$tmp/py")"
import json, sys
cid, vol, root = sys.argv[2:5]
docs = json.load(open(sys.argv[1]))
errors = []
if len(docs) != 1: sys.exit(f'{len(docs)} objects, expected 1')
c = docs[0]
def want(path, value):
    v = c
    for k in path.split('.'):
        v = v[k]
    if v != value: errors.append(f'{path} = {v!r}, expected {value!r}')
want('Id', cid)
want('Name', '/insp')
want('State.Status', 'exited')
want('State.Running', False)
want('State.ExitCode', 3)
want('State.OOMKilled', False)
want('Path', 'sh')
want('Args', ['-c', 'exit 3'])
want('GraphDriver.Name', 'ctrfs')
want('GraphDriver.Data.UpperDir', f'{root}/containers/{cid}/upper')
want('HostConfig.NetworkMode', 'none')
want('HostConfig.AutoRemove', False)
if 'INSPECT_VAR=forty-two' not in c['Config']['Env']: errors.append(f'Config.Env {c["Config"]["Env"]} lacks INSPECT_VAR')
mounts = [(m['Source'], m['Destination'], m['RW']) for m in c['Mounts']]
if mounts != [(vol, '/data', True)]: errors.append(f'Mounts {mounts}')
for k in ('Created', 'State'):
    if k not in c: errors.append(f'no {k}')
if not c['State']['FinishedAt'].endswith('Z') or c['State']['FinishedAt'].startswith('0001'):
    errors.append(f'State.FinishedAt {c["State"]["FinishedAt"]}')
if errors: sys.exit('; '.join(errors))
EOF
	show_last
}

case_inspect_image() {
	local id
	id=$(image_id chg v1)
	capture inspect --type image chg:v1
	expect_rc 0
	printf '%s' "$out" >"$tmp/out.json"
	python3 - "$tmp/out.json" "$id" "$(image_layers "$id" | tr '\n' ' ')" <<'EOF' 2>"$tmp/py" || fail "$(<"$tmp/py")"
import json, sys
iid, layers = sys.argv[2], sys.argv[3].split()
img = json.load(open(sys.argv[1]))[0]
errors = []
if img['Id'] != 'sha256:' + iid: errors.append(f'Id {img["Id"]}')
if img['RepoTags'] != ['chg:v1']: errors.append(f'RepoTags {img["RepoTags"]}')
if img['RootFS'] != {'Type': 'layers', 'Layers': ['sha256:' + l for l in layers]}: errors.append(f'RootFS {img["RootFS"]}')
if not isinstance(img['Size'], int) or img['Size'] <= 0: errors.append(f'Size {img["Size"]}')
if errors: sys.exit('; '.join(errors))
EOF
	show_last
}

# A detached container: inspect shows it running with its pid.
case_inspect_running() {
	capture run -d --name live busybox sh -c 'echo during >/live; exec sleep 60'
	expect_rc 0
	wait_running live
	capture inspect live
	expect_rc 0
	local pid
	pid=$(db "select pid from containers where name='live'")
	printf '%s' "$out" >"$tmp/out.json"
	python3 - "$tmp/out.json" "$pid" <<'EOF' 2>"$tmp/py" || fail "$(<"$tmp/py")"
import json, sys
s = json.load(open(sys.argv[1]))[0]['State']
errors = []
if s['Status'] != 'running' or s['Running'] is not True: errors.append(f'Status {s["Status"]} Running {s["Running"]}')
if str(s['Pid']) != sys.argv[2] or s['Pid'] <= 0: errors.append(f'Pid {s["Pid"]}, expected {sys.argv[2]}')
if not s['FinishedAt'].startswith('0001-01-01'): errors.append(f'FinishedAt {s["FinishedAt"]}')
if errors: sys.exit('; '.join(errors))
EOF
	show_last
}

# Best effort, not paused: a file written before the commit is in the image.
case_commit_running() {
	local id i
	id=$(container_id live)
	for ((i = 0; i < 200; i++)); do
		[[ -s $R/containers/$id/upper/live ]] && break
		sleep 0.05
	done
	capture commit live live:v1
	expect_rc 0
	show_last
	capture run --rm live:v1 cat /live
	expect_rc 0
	expect_out during
	show_last
	rm_quiet live
}

case_inspect_unknown() {
	capture inspect nosuch-object
	expect_rc 1
	expect_out "[]"
	[[ $err == "Error: No such object: nosuch-object" ]] || fail "stderr is not docker's 'Error: No such object: nosuch-object'"
	show_last
	# A found and a missing one: the found one is printed, the status is 1.
	capture inspect chg nosuch-object
	expect_rc 1
	[[ $(python3 -c 'import json, sys; print(len(json.load(sys.stdin)))' <<<"$out" 2>&1) == 1 ]] ||
		fail "the found container is not printed alone"
	show_last
}

# --type forces the kind: the container chg is no image, and an image name
# is no container.
case_inspect_type() {
	capture inspect --type image chg
	expect_rc 1
	[[ $err == "Error: No such image: chg" ]] || fail "stderr is not 'Error: No such image: chg'"
	show_last
	capture inspect --type container busybox
	expect_rc 1
	[[ $err == "Error: No such container: busybox" ]] || fail "stderr is not 'Error: No such container: busybox'"
	show_last
	capture inspect busybox
	expect_rc 0
	[[ $(python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["RepoTags"])' <<<"$out" 2>&1) == "['busybox:latest']" ]] ||
		fail "inspect busybox does not find the image"
	show_last
}

# A one-digit id prefix shared by two containers (made until there is one:
# 17 containers always share a first hex digit).
case_inspect_ambiguous() {
	local p i
	for ((i = 0; i < 17; i++)); do
		p=$(db "select substr(id, 1, 1) from containers group by 1 having count(*) > 1 limit 1")
		[[ -n $p ]] && break
		ctr run busybox true >/dev/null 2>&1
	done
	if [[ -z $p ]]; then fail "no two containers share a first id digit after 17 runs"; return; fi
	local ids
	ids=$(db "select substr(id, 1, 12) from containers where id like '$p%' order by id")
	capture inspect "$p"
	expect_rc 1
	expect_out "[]"
	local s
	for s in $ids; do [[ $err == *"$s"* ]] || fail "the error does not list candidate $s"; done
	show_last
}

case_bad_name() { expect_refusal "invalid image name" commit chg 'UPPER:tag!'; }
case_bad_name_upper() { expect_refusal "lowercase" commit chg 'Upper:v1'; }
case_bad_unknown_container() { expect_refusal "nosuch" commit nosuch ok:v1; }
# docker would move the tag; ctrrun keeps no unnamed images, so it refuses.
case_bad_name_taken() { expect_refusal "already used" commit own chg:v1; }
case_bad_no_name() { expect_refusal "NAME[:TAG]" commit chg; }
case_bad_export_unknown() {
	capture export nosuch -o "$M/nosuch.tar"
	expect_rc 125
	expect_err_has nosuch
	[[ -e $M/nosuch.tar ]] && fail "export of an unknown container created $M/nosuch.tar"
	local left
	left=$(find "$M" -maxdepth 1 -name 'nosuch.tar*')
	[[ -z $left ]] || fail "export of an unknown container left $left"
	show_last
}

# Last case of a mode: no mount, no process, no temporary layer file, no
# orphan layer dir left; the database is consistent.
case_nothing_left() {
	# Only mounts under this test's dir: other tests may mount elsewhere meanwhile.
	local now
	now=$(mounts_under_tmp)
	[[ -z $now ]] || fail "mounts left under $tmp: $now"
	expect_no_process_using "$R"
	local tmps
	tmps=$(find "$R/layers" -maxdepth 1 \( -name '.tmp-*' -o -name '.spool-*' \))
	[[ -z $tmps ]] || fail "temporary layer files left: $tmps"
	local orphans
	orphans=$(cd "$R/layers" && for d in *; do
		[[ -n $(db "select 1 from layers where id='$d'") ]] || echo "$d"
	done)
	[[ -z $orphans ]] || fail "layer dirs without a row: $orphans"
	local check
	check=$(db 'pragma integrity_check')
	[[ $check == ok ]] || fail "integrity_check: $check"
}

run_all commit
