#!/bin/bash
# tests/fuzz/make-seeds.sh [BUILD_DIR]: (re)makes the committed seed corpus
# of the fuzz harnesses (tests/fuzz/corpus/<harness>/seed-*) from real
# sources: layer tarballs made with GNU tar (and, for the hostile entries
# tar refuses to write, Python's tarfile), image configs as ctrrun and docker
# write them, option strings from the tests and podman, this machine's /proc
# texts and cgroup files, seccomp profiles (ctr's default and Debian's
# /usr/share/containers/seccomp.json, from golang-github-containers-common),
# and state.db files made by ctrrun itself (from BUILD_DIR, default build/).
# Files not named seed-* (regression inputs from crashes) are left alone.
# Run as root: device nodes and trusted.* xattrs.
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
corpus=$here/corpus
build=$(readlink -f "${1:-$here/../../build}")
ctrrun=$build/runner/ctrrun
[[ $(id -u) == 0 ]] || { echo "make-seeds.sh: run as root" >&2; exit 1; }
[[ -x $ctrrun ]] || { echo "make-seeds.sh: no $ctrrun (build first)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

# seed HARNESS NAME: stdin becomes corpus/HARNESS/seed-NAME.
seed() {
	mkdir -p "$corpus/$1"
	cat >"$corpus/$1/seed-$2"
}
# sections TEXT...: the texts joined by NUL bytes.
sections() {
	local first=1 t
	for t in "$@"; do
		((first)) || printf '\0'
		first=0
		printf '%s' "$t"
	done
}

# --- tar layers ------------------------------------------------------------
# -b1: 512-byte records instead of tar's 10 KiB padding, so seeds stay small.
tarc() { tar --numeric-owner --owner=0 --group=0 -b1 "$@"; }
t=$work/tar
mkdir -p "$t/base/etc" "$t/base/bin" "$t/base/usr/lib"
echo "root:x:0:0:root:/root:/bin/sh" >"$t/base/etc/passwd"
printf '#!/bin/sh\necho hi\n' >"$t/base/bin/hello"
chmod 0755 "$t/base/bin/hello"
ln -s hello "$t/base/bin/sh"
ln "$t/base/bin/hello" "$t/base/usr/lib/hello-link"
tarc -C "$t/base" -cf - . | seed fuzz_tar_extract base.tar
tarc -C "$t/base" -czf - . | seed fuzz_tar_extract base.tar.gz

# A layer on top: OCI whiteouts (a file, an opaque directory) and a new file.
mkdir -p "$t/upper/etc" "$t/upper/usr/lib"
: >"$t/upper/etc/.wh.passwd"
: >"$t/upper/usr/lib/.wh..wh..opq"
: >"$t/upper/usr/.wh..wh.plnk"
echo new >"$t/upper/usr/lib/new"
tarc -C "$t/upper" -cf - . | seed fuzz_tar_extract whiteouts.tar

# xattrs (pax headers): a user one, an image's own overlay ones, a capability.
mkdir -p "$t/xattr/d"
echo x >"$t/xattr/f"
setfattr -n user.comment -v hello "$t/xattr/f"
setfattr -n user.overlay.opaque -v y "$t/xattr/d"
setfattr -n trusted.overlay.redirect -v /elsewhere "$t/xattr/d"
setfattr -n security.capability -v 0sAQAAAgAgAAAAAAAAAAAAAAAAAAA= "$t/xattr/f" 2>/dev/null || true
tarc --xattrs --xattrs-include='*' -C "$t/xattr" -cf - . | seed fuzz_tar_extract xattrs.tar

# Devices: an overlay whiteout (char 0/0), a real device, a fifo; owners
# beyond the mapping; a long name (pax).
mkdir -p "$t/dev/dev"
mknod "$t/dev/gone" c 0 0
mknod "$t/dev/dev/null" c 1 3
mkfifo "$t/dev/fifo"
echo owned >"$t/dev/owned"
long=$t/dev/$(printf 'n%.0s' {1..120})/$(printf 'm%.0s' {1..120})
mkdir -p "$(dirname "$long")"
echo long >"$long"
tar --numeric-owner -b1 --format=pax -C "$t/dev" -cf - . | seed fuzz_tar_extract devices.tar
tar --numeric-owner -b1 --owner=4000000000 --group=70000 --format=pax -C "$t/dev" -cf - ./owned |
	seed fuzz_tar_extract owners.tar

# Hostile entries that tar will not write, each of which must be refused:
# "..", an absolute path, a write through a symlink to outside the layer,
# hard links out of the layer and to its root, the root replaced by a file,
# a whiteout naming nothing. ../trap/secret is the harness's trap file.
python3 - "$t" <<'PYEOF'
import io, sys, tarfile
tarfile.RECORDSIZE = 512   # no 10 KiB padding (as tar -b1)
out = sys.argv[1]
def entry(tf, name, type=tarfile.REGTYPE, data=b'', link=''):
    ti = tarfile.TarInfo(name)
    ti.type, ti.linkname, ti.size, ti.mode = type, link, len(data), 0o644
    tf.addfile(ti, io.BytesIO(data) if data else None)
cases = {
    'dotdot.tar': [('../escape', tarfile.REGTYPE, b'x', '')],
    'absolute.tar': [('/etc/ctr-fuzz-escape', tarfile.REGTYPE, b'x', '')],
    'symlink-out.tar': [('up', tarfile.SYMTYPE, b'', '../trap'), ('up/written', tarfile.REGTYPE, b'x', '')],
    'symlink-abs.tar': [('abs', tarfile.SYMTYPE, b'', '/'), ('abs/tmp/ctr-fuzz-escape', tarfile.REGTYPE, b'x', '')],
    'hardlink-out.tar': [('h', tarfile.LNKTYPE, b'', '../trap/secret')],
    'hardlink-via-symlink.tar': [('up', tarfile.SYMTYPE, b'', '../trap'), ('h', tarfile.LNKTYPE, b'', 'up/secret')],
    'root-replaced.tar': [('./', tarfile.REGTYPE, b'x', '')],
    'bad-whiteout.tar': [('d/.wh.', tarfile.REGTYPE, b'', ''), ('d/.wh...', tarfile.REGTYPE, b'', '')],
    'whiteout-over-dir.tar': [('d/sub/', tarfile.DIRTYPE, b'', ''), ('d/.wh.sub', tarfile.REGTYPE, b'', '')],
}
for name, entries in cases.items():
    with tarfile.open(f'{out}/{name}', 'w', format=tarfile.PAX_FORMAT) as tf:
        for e in entries:
            entry(tf, *e)
PYEOF
for f in dotdot absolute symlink-out symlink-abs hardlink-out hardlink-via-symlink root-replaced bad-whiteout whiteout-over-dir; do
	seed fuzz_tar_extract "$f.tar" <"$t/$f.tar"
done

# --- image configs and --change instructions --------------------------------
# What import writes, a docker-built config, and changes as docker takes them.
printf '%s' '{"architecture":"amd64","comment":"busybox from Debian busybox-static","created":"2024-05-01T10:00:00.000000000Z","os":"linux","config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:6b1d3c6a4e3f2cf0b8c7e9a2f6d1b4e0a9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4"]},"history":[{"created":"2024-05-01T10:00:00.000000000Z","comment":"busybox from Debian busybox-static"}]}' |
	seed fuzz_image_config import.json
printf '%s' '{"architecture":"amd64","config":{"Hostname":"","Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","NGINX_VERSION=1.25.4"],"Entrypoint":["/docker-entrypoint.sh"],"Cmd":["nginx","-g","daemon off;"],"WorkingDir":"/srv","User":"101:101","ExposedPorts":{"80/tcp":{}},"StopSignal":"SIGQUIT","Labels":null},"created":"2024-02-14T18:00:00Z","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:aa","sha256:bb"]}}' |
	seed fuzz_image_config docker-nginx.json
printf '%s' '{"config":null}' | seed fuzz_image_config null-config.json
sections '{"config":{"Cmd":["sh"],"Env":["A=1"]}}' 'CMD ["/bin/echo", "hi"]' 'ENTRYPOINT exec top -b' \
	'ENV MODE=prod "GREETING=hello world" PATH=/bin' 'ENV OLD old style value' 'WORKDIR /srv' 'WORKDIR app' \
	'USER 1000:1000' | seed fuzz_image_config changes
sections '{}' "env a='single quoted' b=\"dq \\\" esc\" c=back\\ slash" 'cmd []' 'USER :x' 'EXPOSE 80' |
	seed fuzz_image_config changes-refused

# --- ctrfs options ----------------------------------------------------------
# "M" first: the `ctrfs mount` form; else fuse-overlayfs's and mount.fuse3's.
sections M/l1:/l2 /up /mnt -f | seed fuzz_mount_options mount-form
sections x -o 'lowerdir=/a:/b,upperdir=/u,workdir=/w,,volatile' /m | seed fuzz_mount_options podman
sections x ctrfs /m -o 'rw,noatime,nodev,dev,suid,lowerdir=/a,upperdir=/u,workdir=/w,fsname=ctr,subtype=ctrfs,x-systemd.automount' |
	seed fuzz_mount_options mount-fuse3
sections x -f -d '-olowerdir=/a,userxattr,uidmapping=:0:100000:65536:65536:0:1,gidmapping=0:100000:65536,squash_to_uid=1000,squash_to_gid=1000,fsync=0,redirect_dir=on,metacopy=off' /m |
	seed fuzz_mount_options mappings
sections x -o 'lowerdir=/a,upperdir=/u,workdir=/w,context="system_u:object_r:container_file_t:s0:c1,c2"' /m |
	seed fuzz_mount_options context-quoted
sections x -o 'ro,lowerdir=/a,squash_to_root,xattr_permissions=0' /m | seed fuzz_mount_options readonly

# --- ctrrun run options ------------------------------------------------------
# Arguments after "run", an empty one, then the --env-file content.
sections -d --rm --name web -v /srv/data:/data -v /srv/ro:/ro:ro -e MODE=prod busybox httpd -f -p 8080 |
	seed fuzz_run_options detached
sections -it --name=shell -m 64m --memory-swap=128m --cpus 0.5 --cpuset-cpus 0-1 --pids-limit 20 \
	--log-max-size=10m --proc-view=off --network none -w /tmp -u 1000:1000 -h box busybox sh |
	seed fuzz_run_options limits
sections --env-file /etc/ignored -e A=1 --hostname=h.example --user=nobody busybox env -- '' \
	"$(printf '# comment\nMODE=prod\n  SPACED=1\nHOME\nPATH\n\nBAD NAME=1\n')" | seed fuzz_run_options env-file
sections -m 1.5g --memory-swap -1 --cpus=2 --pids-limit=-1 --log-max-size 1gb busybox true |
	seed fuzz_run_options units
sections -v relative:/x --memory 5m --cpus 0.001 --cpuset-cpus 3-1 busybox | seed fuzz_run_options refused
# The confinement flags, as docs/ctrrun.1 and docker's documentation use them.
sections --userns=host --privileged --read-only --tmpfs /run:rw,size=64m,mode=1777 --tmpfs=/tmp busybox sh |
	seed fuzz_run_options privileged
sections --cap-drop ALL --cap-add=NET_BIND_SERVICE --cap-add cap_chown --cap-drop=CAP_NET_RAW \
	--security-opt seccomp=unconfined --security-opt=no-new-privileges --userns auto \
	--tmpfs '/var/cache:exec,suid,dev,sync,noatime,uid=1000,gid=1000,nr_inodes=4k,huge=within_size,mpol=bind:0' \
	busybox httpd | seed fuzz_run_options caps-tmpfs
sections --cap-add ALL --cap-drop sys_admin --cap-drop MKNOD --security-opt seccomp:/etc/profile.json busybox |
	seed fuzz_run_options cap-add-all
sections --cap-add CAP_NOPE --tmpfs /x:size=1m,bogus --tmpfs / --tmpfs /a/../b --userns=keep-id \
	--security-opt no-new-privileges=false --security-opt apparmor=unconfined busybox | seed fuzz_run_options confinement-refused

# --- seccomp profiles ----------------------------------------------------------
# ctr's default (docker's), Debian's podman profile (golang-github-containers-
# common's /usr/share/containers/seccomp.json, archMap and podman's "errno"
# names), and small ones that reach each part of the format. Small enough to
# be built (fuzz_seccomp_profile.c builds only profiles of few names); the
# whole profiles are parsed. After a NUL: a capability mask for the build.
seed fuzz_seccomp_profile default.json <"$here/../../runner/security/seccomp/default.json"
if [[ -f /usr/share/containers/seccomp.json ]]; then
	seed fuzz_seccomp_profile containers-common.json </usr/share/containers/seccomp.json
else
	echo "make-seeds.sh: no /usr/share/containers/seccomp.json (apt-get install golang-github-containers-common); seed kept as it was" >&2
fi
printf '%s' '{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_AARCH64"],"syscalls":[
{"names":["read","write","exit_group","sysinfo"],"action":"SCMP_ACT_ALLOW"},
{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":0,"valueTwo":0,"op":"SCMP_CMP_EQ"}]},
{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":4294967295,"op":"SCMP_CMP_EQ"}]},
{"names":["clone"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2114060288,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]},
{"names":["socket"],"action":"SCMP_ACT_ERRNO","errnoRet":97,"args":[{"index":0,"value":40,"op":"SCMP_CMP_EQ"},{"index":0,"value":16,"op":"SCMP_CMP_EQ"}]},
{"names":["mmap","mprotect"],"action":"SCMP_ACT_ALLOW","args":[{"index":2,"value":4,"op":"SCMP_CMP_LT"},{"index":3,"value":1,"op":"SCMP_CMP_NE"},{"index":5,"value":18446744073709551615,"op":"SCMP_CMP_LE"}]},
{"names":["kill"],"action":"SCMP_ACT_ALLOW","args":[{"index":1,"value":1,"op":"SCMP_CMP_GE"},{"index":1,"value":64,"op":"SCMP_CMP_GT"}]}]}' |
	seed fuzz_seccomp_profile args.json
sections '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
{"names":["bpf","perf_event_open"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMIN","CAP_BPF"]}},
{"names":["ptrace"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"4.8"}},
{"names":["arch_prctl","modify_ldt"],"action":"SCMP_ACT_ALLOW","includes":{"arches":["amd64","x32","x86"]}},
{"names":["sync_file_range2"],"action":"SCMP_ACT_ALLOW","includes":{"arches":["ppc64le","arm64"]}},
{"names":["chown","fchown"],"action":"SCMP_ACT_ALLOW","excludes":{"caps":["CAP_CHOWN"]},"comment":"a comment"},
{"names":["getpid"],"action":"SCMP_ACT_ALLOW","excludes":{"arches":["s390x"],"minKernel":"99.0"}},
{"names":["gettid"],"action":"SCMP_ACT_ALLOW","excludes":{"minKernel":"3.10.0-1160.el7"}},
{"names":["setns"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_NOT_ONE"]}},
{"names":["sysinfo"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMIN"]}},
{"name":"uname","action":"SCMP_ACT_ALLOW","includes":{},"excludes":{}}]}' "$(printf '\xff\xff\x1f')" |
	seed fuzz_seccomp_profile includes-excludes.json
printf '%s' '{"defaultAction":"SCMP_ACT_ALLOW","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86","SCMP_ARCH_X32"]},{"architecture":"SCMP_ARCH_AARCH64","subArchitectures":["SCMP_ARCH_ARM"]},{"architecture":"SCMP_ARCH_S390X","subArchitectures":null},{"architecture":"SCMP_ARCH_RISCV64"}],"flags":["SECCOMP_FILTER_FLAG_LOG","SECCOMP_FILTER_FLAG_SPEC_ALLOW","SECCOMP_FILTER_FLAG_TSYNC"],"syscalls":[
{"names":["kexec_load","reboot"],"action":"SCMP_ACT_KILL_PROCESS"},
{"names":["acct"],"action":"SCMP_ACT_KILL"},
{"names":["swapon"],"action":"SCMP_ACT_KILL_THREAD"},
{"names":["no_such_call","vm86"],"action":"SCMP_ACT_TRAP"},
{"names":["sysinfo"],"action":"SCMP_ACT_LOG"}]}' |
	seed fuzz_seccomp_profile archmap-flags.json
printf '%s' '{"defaultAction":"SCMP_ACT_ALLOW","defaultErrnoRet":null,"listenerPath":"","listenerMetadata":"","syscalls":[
{"names":["mount","umount2"],"action":"SCMP_ACT_ERRNO","errnoRet":4094},
{"names":["unshare"],"action":"SCMP_ACT_ERRNO"},
{"names":["keyctl","add_key","request_key"],"action":"SCMP_ACT_ERRNO","errnoRet":38,"errno":"ENOSYS"},
{"names":["ptrace"],"action":"SCMP_ACT_TRACE","errnoRet":65535},
{"names":["sysinfo"],"action":"SCMP_ACT_ERRNO","errnoRet":0},
{"names":["getpid"],"action":"SCMP_ACT_ALLOW","errnoRet":0}]}' |
	seed fuzz_seccomp_profile errno-ret.json
# Parsed, but libseccomp refuses to build it: on i386 socket() is also
# socketcall, where the two entries collide.
printf '%s' '{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86"],"syscalls":[{"names":["socket"],"action":"SCMP_ACT_ERRNO","errnoRet":22,"args":[{"index":0,"value":16,"op":"SCMP_CMP_EQ"},{"index":2,"value":9,"op":"SCMP_CMP_EQ"}]},{"names":["socket"],"action":"SCMP_ACT_ALLOW"}]}' |
	seed fuzz_seccomp_profile conflict-i386.json
# Refused: what ctrrun cannot do, and malformed fields.
printf '%s' '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["getpid"],"action":"SCMP_ACT_NOTIFY"}]}' |
	seed fuzz_seccomp_profile refused-notify.json
printf '%s' '{"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"/run/agent.sock"}' | seed fuzz_seccomp_profile refused-listener.json
printf '%s' '{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"archMap":[{"architecture":"SCMP_ARCH_X86_64"}]}' |
	seed fuzz_seccomp_profile refused-both-arch-forms.json
printf '%s' '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":6,"value":-1,"op":"SCMP_CMP_EQ"}]}]}' |
	seed fuzz_seccomp_profile refused-arg.json
printf '{"defaultAction":"SCMP_ACT_ALLOW",\n"syscalls":[]}\n{}' | seed fuzz_seccomp_profile refused-trailing.json
printf '%s' '{}' | seed fuzz_seccomp_profile refused-empty.json

# --- /proc view: this machine's texts and cgroup files ------------------------
# Sections as in fuzz_proc_render.c: params, meminfo, stat, cpuinfo,
# diskstats, swaps, online CPUs, /proc/PID/cgroup, then the cgroup files.
cg=/sys/fs/cgroup
memcg=$cg/memory$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
rd() { cat "$1" 2>/dev/null || true; }
host=("$(rd /proc/meminfo)" "$(rd /proc/stat)" "$(rd /proc/cpuinfo)" "$(rd /proc/diskstats)"
	"$(rd /proc/swaps)" "$(rd /sys/devices/system/cpu/online)")
# v1 (this machine): the memory cgroup this script runs in, the others at their root.
sections '0 0 100 -1 -1 0 0 0 0 0 0' "${host[@]}" "$(rd /proc/self/cgroup)" \
	"$(rd "$memcg/memory.stat")" "$(rd "$memcg/memory.limit_in_bytes")" "$(rd "$memcg/memory.usage_in_bytes")" \
	"$(rd "$memcg/memory.memsw.limit_in_bytes")" "$(rd "$memcg/memory.memsw.usage_in_bytes")" \
	"$(rd $cg/cpu/cpu.cfs_quota_us)" "$(rd $cg/cpu/cpu.cfs_period_us)" "$(rd $cg/cpuset/cpuset.effective_cpus)" \
	"$(rd $cg/cpuacct/cpuacct.usage_all)" "$(rd $cg/cpuacct/cpuacct.usage_percpu_user)" \
	"$(rd $cg/cpuacct/cpuacct.usage_percpu_sys)" \
	"$(rd $cg/blkio/blkio.throttle.io_service_bytes_recursive)" "$(rd $cg/blkio/blkio.throttle.io_serviced_recursive)" |
	seed fuzz_proc_render host-v1
# A limited v1 container: 256 MiB, 64 MiB swap, one CPU of quota, CPU 1 only.
sections '0 -1700000000 100 2 1 2048 1024 512 2 14 4242' "${host[@]}" \
	"$(printf '9:name=systemd:/ctr/c1\n8:pids:/ctr/c1\n7:blkio:/ctr/c1\n4:memory:/ctr/c1\n3:cpuset:/ctr/c1\n2:cpuacct:/ctr/c1\n1:cpu:/ctr/c1\n0::/ctr/c1\n')" \
	"$(printf 'cache 1\nrss 1\nhierarchical_memory_limit 268435456\nhierarchical_memsw_limit 335544320\ntotal_cache 41943040\ntotal_rss 62914560\ntotal_rss_huge 2097152\ntotal_shmem 4194304\ntotal_mapped_file 8388608\ntotal_dirty 1048576\ntotal_writeback 0\ntotal_swap 1048576\ntotal_inactive_anon 10485760\ntotal_active_anon 52428800\ntotal_inactive_file 10485760\ntotal_active_file 31457280\ntotal_unevictable 0\n')" \
	268435456 104857600 335544320 105906176 100000 100000 1 \
	"$(printf 'cpu user system\n0 0 0\n1 5000000000 1000000000\n')" '' '' \
	"$(printf '254:0 Read 4096000\n254:0 Write 8192\n254:0 Sync 0\n254:0 Discard 0\n254:0 Total 4104192\nTotal 4104192\n')" \
	"$(printf '254:0 Read 100\n254:0 Write 2\n254:0 Discard 0\n')" | seed fuzz_proc_render limited-v1
# The same on cgroup v2 (formats from the kernel's cgroup-v2 documentation).
sections '1 -1700000000 100 1 0 512 256 128 1 3 77' "${host[@]}" "$(printf '0::/ctr/c1\n')" \
	"$(printf 'anon 62914560\nfile 41943040\nkernel_stack 196608\npagetables 512000\nsec_pagetables 0\npercpu 8192\nsock 0\nshmem 4194304\nzswap 0\nzswapped 0\nfile_mapped 8388608\nfile_dirty 1048576\nfile_writeback 0\nswapcached 0\nanon_thp 2097152\nfile_thp 0\nshmem_thp 0\ninactive_anon 10485760\nactive_anon 52428800\ninactive_file 10485760\nactive_file 31457280\nunevictable 0\nslab_reclaimable 300000\nslab_unreclaimable 200000\nslab 500000\n')" \
	max 104857600 67108864 1048576 '150000 100000' '' 0-1 \
	"$(printf 'usage_usec 6000000\nuser_usec 5000000\nsystem_usec 1000000\nnr_periods 10\nnr_throttled 1\nthrottled_usec 500\n')" '' '' \
	"$(printf '254:0 rbytes=4096000 wbytes=8192 rios=100 wios=2 dbytes=0 dios=0\n7:0 rbytes=0 wbytes=0 rios=0 wios=0 dbytes=0 dios=0\n')" |
	seed fuzz_proc_render limited-v2
# Kernel texts of other shapes: a cpuinfo header (s390-style), a swap file.
sections '0 0 250 -1 -1' '' "$(printf 'cpu  1 2 3 4\ncpu0 1 2 3 4\nbtime 100\n')" \
	"$(printf 'vendor_id       : IBM/S390\n# processors    : 2\n\nprocessor 0: version = FF\nprocessor\t: 1\nprocessor\t: 0\n')" \
	'' "$(printf 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/swapfile                               file\t\t1048572\t\t0\t\t-2\n')" 0 \
	"$(printf '4:memory:/ctr/c1\n')" '' 8388608 1000 | seed fuzz_proc_render odd-shapes

# --- state.db ------------------------------------------------------------------
# Real files from ctrrun: fresh, and after an import and two runs (env,
# volume, limits, logs). Checkpointed so the rows are in the main file,
# with small pages so the seeds stay small; one keeps WAL mode as ctrrun
# leaves it.
r=$work/root
mkdir -p "$r"
CTRRUN_ROOT=$r "$ctrrun" images >/dev/null
sqlite3 "$r/state.db" 'PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE; PRAGMA page_size=512; VACUUM; PRAGMA journal_mode=WAL;' >/dev/null
seed fuzz_state_db fresh-wal <"$r/state.db"
CTRRUN=$ctrrun "$here/../../tools/mkbusybox-image" --root "$r" >/dev/null
mkdir -p "$work/vol"
CTRRUN_ROOT=$r "$ctrrun" run --name one -e MODE=prod -v "$work/vol:/data" busybox sh -c 'echo out; echo err >&2' >/dev/null 2>&1 || true
CTRRUN_ROOT=$r "$ctrrun" run --name two --pids-limit 20 -w /tmp busybox true >/dev/null 2>&1 || true
sqlite3 "$r/state.db" 'PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE; PRAGMA page_size=512; VACUUM;' >/dev/null
seed fuzz_state_db used <"$r/state.db"
# Files ctrrun must refuse: another program's database, a newer schema,
# a truncated file, not SQLite at all.
sqlite3 "$work/other.db" 'PRAGMA page_size=512; CREATE TABLE notes(t TEXT); INSERT INTO notes VALUES ("hi");'
seed fuzz_state_db other-program <"$work/other.db"
cp "$r/state.db" "$work/newer.db"
sqlite3 "$work/newer.db" 'PRAGMA user_version = 99;'
seed fuzz_state_db newer <"$work/newer.db"
head -c 2048 "$r/state.db" | seed fuzz_state_db truncated
printf 'not a database\n' | seed fuzz_state_db text
: | seed fuzz_state_db empty

echo "make-seeds.sh: seeds written under $corpus"
