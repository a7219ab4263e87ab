-- Migration 3: a container's resource limits and cgroups. Applied to a
-- version 2 database; afterwards PRAGMA user_version = 3. Only adds a table,
-- so no existing row is touched.

-- A container's resource limits as its command line gave them (docker's
-- flags), the cgroups made to apply them, and whether the kernel's OOM
-- killer killed one of its processes (docker's State.OOMKilled). At most one
-- row per container, deleted with it; a container without a row has no
-- limits and no cgroups (e.g. it was created by a ctrrun older than schema
-- version 3). NULL in a limit column: that limit is not set.
CREATE TABLE container_resources (
    container_id      TEXT PRIMARY KEY REFERENCES containers(id) ON DELETE CASCADE,
    -- -m/--memory, in bytes.
    memory_bytes      INTEGER CHECK (memory_bytes IS NULL OR memory_bytes > 0),
    -- --memory-swap: memory plus swap, in bytes, at least memory_bytes; -1:
    -- unlimited swap. NULL: docker's default, as much swap as memory.
    memory_swap_bytes INTEGER CONSTRAINT swap_counts_memory_plus_swap
                      CHECK (memory_swap_bytes IS NULL OR memory_swap_bytes = -1 OR
                             (memory_bytes IS NOT NULL AND memory_swap_bytes >= memory_bytes)),
    -- --cpus in billionths of a CPU (docker's NanoCpus): 500000000 is --cpus 0.5.
    nano_cpus         INTEGER CHECK (nano_cpus IS NULL OR nano_cpus > 0),
    -- --cpuset-cpus as given, e.g. '0-2,4'.
    cpuset_cpus       TEXT CHECK (cpuset_cpus IS NULL OR cpuset_cpus <> ''),
    -- --pids-limit. NULL: unlimited.
    pids_limit        INTEGER CHECK (pids_limit IS NULL OR pids_limit > 0),
    -- The container's cgroup directories, so that exec, stop and cleanup find
    -- them: a JSON object controller -> absolute directory, e.g.
    -- {"memory":"/sys/fs/cgroup/memory/ctrrun-0123456789ab"}. NULL: none
    -- exist (no limits, or they were removed).
    cgroup            TEXT CONSTRAINT cgroup_is_a_json_object
                      CHECK (cgroup IS NULL OR
                             CASE WHEN json_valid(cgroup) THEN json_type(cgroup) = 'object' ELSE 0 END),
    -- 1 when the OOM killer killed a process of the container in its last run.
    oom_killed        INTEGER NOT NULL DEFAULT 0 CHECK (oom_killed IN (0, 1))
) STRICT;
