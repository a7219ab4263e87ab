-- Migration 2: the helper processes of a running container. Applied to a
-- version 1 database; afterwards PRAGMA user_version = 2. Only adds a table,
-- so no existing row is touched.

-- The processes, besides the container's own init (containers.pid), that a
-- running container depends on. With them any later ctrrun can tell a
-- container whose monitor crashed (its monitor is gone, so nobody will ever
-- record its exit) from a live one, and can wait for the file system daemon
-- to exit before it removes the container's directories. At most one row per
-- container; deleted when the container is marked exited (it describes a
-- running container) and with the container. Each pid comes with its start
-- time in clock ticks since boot (/proc/PID/stat field 22): a pid alone may
-- have been reused by an unrelated process since it was recorded.
CREATE TABLE container_processes (
    container_id        TEXT PRIMARY KEY REFERENCES containers(id) ON DELETE CASCADE,
    -- The process that reaps the container's init and records its exit: the
    -- foreground `ctrrun run`, or the monitor of a detached container. NULL:
    -- none recorded.
    monitor_pid         INTEGER CHECK (monitor_pid IS NULL OR monitor_pid > 0),
    monitor_start_ticks INTEGER CHECK (monitor_start_ticks IS NULL OR monitor_start_ticks >= 0),
    -- The ctrfs daemon serving the container's root file system. NULL: none
    -- recorded.
    fs_pid              INTEGER CHECK (fs_pid IS NULL OR fs_pid > 0),
    fs_start_ticks      INTEGER CHECK (fs_start_ticks IS NULL OR fs_start_ticks >= 0),
    -- A pid without its start time could not be told from a reused one.
    CHECK ((monitor_pid IS NULL) = (monitor_start_ticks IS NULL)),
    CHECK ((fs_pid IS NULL) = (fs_start_ticks IS NULL))
) STRICT;
