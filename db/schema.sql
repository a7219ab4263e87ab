-- ctrrun's state database (state.db): the current full schema.
--
-- This file is what the migrations in db/migrations/ add up to; it is the
-- place to read the schema, not the way a database gets it. A database is
-- only ever built by applying the numbered migrations in order, and
-- PRAGMA user_version counts how many were applied. tests/unit/test_db.c
-- checks that a migrated database and this file define the same objects, so
-- a migration that is not mirrored here fails the build's tests.
--
-- Conventions:
--   * Times are Unix times in nanoseconds (INTEGER), columns named *_ns.
--   * Ids are 64 lowercase hex digits; users may type any unique prefix.
--   * Booleans are INTEGER 0 or 1.
--   * Tables are STRICT, so a value of the wrong type is refused rather than
--     stored (sqlite3 3.37 or newer is needed to read them).
--   * Rows that belong to a container or an image go with it
--     (ON DELETE CASCADE); rows something else still needs are protected
--     (ON DELETE RESTRICT).
-- docs/state-db.md describes every column, with example queries.

-- Read-only layers: extracted trees under layers/<id>/diff.
CREATE TABLE layers (
    -- sha256 of the layer's uncompressed tar (OCI "diff id"), hex.
    id          TEXT PRIMARY KEY
                CHECK (length(id) = 64 AND id NOT GLOB '*[^0-9a-f]*'),
    -- Bytes the extracted tree takes on disk.
    size_bytes  INTEGER NOT NULL CHECK (size_bytes >= 0),
    created_ns  INTEGER NOT NULL
) STRICT;

-- Images: a named, ordered stack of layers plus the config a container
-- starts from.
CREATE TABLE images (
    id          TEXT PRIMARY KEY
                CHECK (length(id) = 64 AND id NOT GLOB '*[^0-9a-f]*'),
    repository  TEXT NOT NULL CHECK (repository <> ''),
    tag         TEXT NOT NULL DEFAULT 'latest' CHECK (tag <> ''),
    created_ns  INTEGER NOT NULL,
    -- OCI image config as JSON (Cmd, Entrypoint, Env, WorkingDir, User), or NULL.
    config      TEXT CHECK (config IS NULL OR json_valid(config)),
    UNIQUE (repository, tag)
) STRICT;

-- Which layers make up an image, in order. Position 0 is the bottom (base)
-- layer, as in an OCI manifest; a union mount lists them top first.
CREATE TABLE image_layers (
    image_id    TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL CHECK (position >= 0),
    -- A layer cannot be deleted while an image still uses it.
    layer_id    TEXT NOT NULL REFERENCES layers(id) ON DELETE RESTRICT,
    PRIMARY KEY (image_id, position)
) STRICT;
-- For the RESTRICT check when a layer is deleted, and "which images use it".
CREATE INDEX image_layers_by_layer ON image_layers(layer_id);

-- Containers: what was asked for at creation, and where the container is in
-- its life.
CREATE TABLE containers (
    id          TEXT PRIMARY KEY
                CHECK (length(id) = 64 AND id NOT GLOB '*[^0-9a-f]*'),
    -- Unique: this constraint is what makes two concurrent `--name web` runs
    -- end with exactly one container. docker's name syntax.
    name        TEXT NOT NULL UNIQUE
                CHECK (name GLOB '[a-zA-Z0-9]*' AND name NOT GLOB '*[^a-zA-Z0-9_.-]*'),
    -- An image cannot be deleted while a container uses it.
    image_id    TEXT NOT NULL REFERENCES images(id) ON DELETE RESTRICT,
    -- The command: a JSON array of argv strings, exactly as it will be run.
    args        TEXT NOT NULL
                CHECK (json_valid(args) AND json_type(args) = 'array'
                       AND json_array_length(args) > 0),
    -- NULL means "the image's" (workdir, user) or "the short id" (hostname).
    workdir     TEXT,
    user        TEXT,
    hostname    TEXT,
    network     TEXT NOT NULL DEFAULT 'none' CHECK (network IN ('none', 'host')),
    tty         INTEGER NOT NULL DEFAULT 0 CHECK (tty IN (0, 1)),
    interactive INTEGER NOT NULL DEFAULT 0 CHECK (interactive IN (0, 1)),
    -- --rm: the monitor deletes the container when it exits.
    auto_remove INTEGER NOT NULL DEFAULT 0 CHECK (auto_remove IN (0, 1)),
    created_ns  INTEGER NOT NULL,
    -- created:  recorded, never started      running: init is alive
    -- paused:   frozen                        exited:  init is gone, exit_code set
    -- removing: being deleted (logs go in chunks; a crash leaves this state,
    --           and the next delete finishes the job)
    -- dead:     could not be cleaned up; needs an rm
    state       TEXT NOT NULL DEFAULT 'created'
                CHECK (state IN ('created', 'running', 'paused', 'exited', 'removing', 'dead')),
    -- Host pid of the container's init while it runs, with its start time in
    -- clock ticks since boot (/proc/PID/stat field 22): together they tell
    -- the container's init from an unrelated process that reused the pid.
    pid         INTEGER CHECK (pid IS NULL OR pid > 0),
    pid_start_ticks INTEGER CHECK (pid_start_ticks IS NULL OR pid_start_ticks >= 0),
    started_ns  INTEGER,
    finished_ns INTEGER,
    -- The command's exit status as docker reports it: 0-255, 128+N after signal N.
    exit_code   INTEGER CHECK (exit_code IS NULL OR exit_code BETWEEN 0 AND 255),
    -- Why the container stopped when its monitor stopped it (docker's
    -- State.Error); NULL otherwise. A start clears it. (Schema version 5.)
    error       TEXT,
    CHECK (state NOT IN ('running', 'paused') OR (pid IS NOT NULL AND started_ns IS NOT NULL)),
    CHECK (state <> 'exited' OR (exit_code IS NOT NULL AND finished_ns IS NOT NULL))
) STRICT;
-- For the RESTRICT check when an image is deleted.
CREATE INDEX containers_by_image ON containers(image_id);

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

-- Volumes (-v HOST:CTR[:ro]), in command-line order.
CREATE TABLE mounts (
    container_id   TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL CHECK (position >= 0),
    host_path      TEXT NOT NULL CHECK (host_path GLOB '/*'),
    container_path TEXT NOT NULL CHECK (container_path GLOB '/*'),
    read_only      INTEGER NOT NULL DEFAULT 0 CHECK (read_only IN (0, 1)),
    PRIMARY KEY (container_id, position),
    UNIQUE (container_id, container_path)
) STRICT;
-- "Which containers use this volume?"
CREATE INDEX mounts_by_host_path ON mounts(host_path);

-- The container's environment as it is passed to execve, in order: the
-- image's variables merged with -e and --env-file (later ones win).
CREATE TABLE env (
    container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL CHECK (position >= 0),
    name         TEXT NOT NULL CHECK (name <> '' AND instr(name, '=') = 0),
    value        TEXT NOT NULL,
    PRIMARY KEY (container_id, position),
    UNIQUE (container_id, name)
) STRICT;

-- Output of containers, one row per chunk read from the container's stdout
-- or stderr (or its pty, recorded as stdout), not per line: the monitor
-- stores what one read() returned. Lines are split at query time
-- (view log_lines).
CREATE TABLE logs (
    -- Order of arrival, also across streams; `ctrrun logs -f` follows it.
    id           INTEGER PRIMARY KEY,
    container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
    stream       TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr')),
    -- When the chunk was read.
    time_ns      INTEGER NOT NULL,
    data         BLOB NOT NULL CHECK (length(data) > 0)
    -- Schema version 6 on (added by ALTER TABLE, hence the comma's place).
    -- A marker: a row the monitor writes where output of the container was
    -- lost (the buffer of mode=non-blocking was full, or the database could
    -- not be written, e.g. a full disk). lost_bytes is how many bytes of the
    -- row's stream are missing at this place; data is ctrrun's note, one
    -- whole line. NULL: a chunk of the container's output.
, lost_bytes INTEGER CHECK (lost_bytes IS NULL OR lost_bytes > 0)) STRICT;
-- One container's log in arrival order (ctrrun logs, chunked deletes).
CREATE INDEX logs_by_container ON logs(container_id, id);
-- One stream of one container in order (the log_lines view's next chunk).
CREATE INDEX logs_by_stream ON logs(container_id, stream, id);

-- What happened, in order. No foreign keys: events outlive the containers and
-- images they are about (the "destroy" event of a container is its last word).
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    time_ns     INTEGER NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('container', 'image', 'layer')),
    -- docker's verbs: create, start, die, destroy, import, commit, delete, ...
    action      TEXT NOT NULL CHECK (action <> ''),
    -- Id of the container, image or layer.
    actor_id    TEXT NOT NULL,
    -- Its name (container) or repository:tag (image) at the time, if any.
    actor_name  TEXT,
    -- More detail as a JSON object, e.g. {"exitCode": 137}.
    attributes  TEXT CHECK (attributes IS NULL OR json_valid(attributes))
) STRICT;
CREATE INDEX events_by_time ON events(time_ns);

-- What `ctrrun ps -a` shows, one row per container.
CREATE VIEW ps AS
SELECT c.id,
       substr(c.id, 1, 12)                         AS short_id,
       c.name,
       coalesce(i.repository || ':' || i.tag, substr(c.image_id, 1, 12)) AS image,
       c.image_id,
       -- argv joined by spaces, for reading (args keeps the exact argv).
       (SELECT group_concat(a.value, ' ') FROM json_each(c.args) AS a) AS command,
       c.created_ns,
       strftime('%Y-%m-%d %H:%M:%S', c.created_ns / 1000000000, 'unixepoch') AS created_utc,
       c.state,
       CASE c.state
           WHEN 'created'  THEN 'Created'
           WHEN 'running'  THEN 'Up'
           WHEN 'paused'   THEN 'Up (Paused)'
           WHEN 'exited'   THEN 'Exited (' || c.exit_code || ')'
           WHEN 'removing' THEN 'Removing'
           WHEN 'dead'     THEN 'Dead'
       END                                         AS status,
       c.exit_code,
       -- Why the container stopped when its monitor stopped it (docker's
       -- State.Error), e.g. its root file system's daemon died; else NULL.
       c.error,
       c.pid,
       c.started_ns,
       c.finished_ns
FROM containers AS c
-- LEFT: a container shows even if its image row were missing (foreign keys
-- are only enforced on connections that turn them on).
LEFT JOIN images AS i ON i.id = c.image_id;

-- One row per line of output, for people reading logs with sqlite3.
-- Chunks of one container's stream are joined in order and cut at each
-- newline, so a line written across several reads comes out whole. A last
-- line without a newline yet (the container may still be writing it) comes
-- out too, with complete = 0. time_ns is the time of the chunk holding the
-- line's first byte; chunk_id that chunk's logs.id (order lines of both
-- streams by chunk_id, line_no). The view walks every chunk of every
-- container, however it is filtered: it is for ad-hoc queries, not for
-- `ctrrun logs`, which reads chunks.
CREATE VIEW log_lines AS
WITH RECURSIVE walk(container_id, stream, chunk_id, chunk_ns,
                    buf, buf_chunk_id, buf_ns,
                    line_no, line, line_chunk_id, line_ns, complete) AS (
    -- Start at the first chunk of each stream.
    SELECT l.container_id, l.stream, l.id, l.time_ns,
           l.data, l.id, l.time_ns,
           0, NULL, NULL, NULL, NULL
    FROM logs AS l
    WHERE l.id = (SELECT min(f.id) FROM logs AS f
                  WHERE f.container_id = l.container_id AND f.stream = l.stream)
    UNION ALL
    -- buf holds a newline: cut the line before it off. What remains came from
    -- the newest chunk, since older chunks' bytes held no newline.
    SELECT container_id, stream, chunk_id, chunk_ns,
           substr(buf, instr(buf, x'0a') + 1), chunk_id, chunk_ns,
           line_no + 1, substr(buf, 1, instr(buf, x'0a') - 1), buf_chunk_id, buf_ns, 1
    FROM walk
    WHERE instr(buf, x'0a') > 0
    UNION ALL
    -- No newline in buf: append the stream's next chunk (|| yields text; the
    -- cast keeps the bytes and makes instr/substr count bytes again).
    SELECT w.container_id, w.stream, n.id, n.time_ns,
           CAST(w.buf || n.data AS BLOB),
           CASE WHEN length(w.buf) = 0 THEN n.id ELSE w.buf_chunk_id END,
           CASE WHEN length(w.buf) = 0 THEN n.time_ns ELSE w.buf_ns END,
           w.line_no, NULL, NULL, NULL, NULL
    FROM walk AS w
    JOIN logs AS n ON n.id = (SELECT min(x.id) FROM logs AS x
                              WHERE x.container_id = w.container_id
                                AND x.stream = w.stream AND x.id > w.chunk_id)
    WHERE instr(w.buf, x'0a') = 0
    UNION ALL
    -- No newline and no more chunks: the rest is an unfinished last line.
    SELECT container_id, stream, chunk_id, chunk_ns,
           x'', chunk_id, chunk_ns,
           line_no + 1, buf, buf_chunk_id, buf_ns, 0
    FROM walk
    WHERE instr(buf, x'0a') = 0 AND length(buf) > 0
      AND NOT EXISTS (SELECT 1 FROM logs AS x
                      WHERE x.container_id = walk.container_id
                        AND x.stream = walk.stream AND x.id > walk.chunk_id)
)
SELECT container_id,
       stream,
       line_no,
       line_ns       AS time_ns,
       line_chunk_id AS chunk_id,
       CAST(line AS TEXT) AS line,
       complete
FROM walk
WHERE line IS NOT NULL;

-- How a container is confined: its user namespace's id mapping and its
-- security options; one row per container (schema version 4 on).
CREATE TABLE container_security (
    container_id  TEXT PRIMARY KEY REFERENCES containers(id) ON DELETE CASCADE,
    -- The user namespace: 'auto' (root's default: a block of 65536 of root's
    -- subordinate ids of its own, idmap_slot), 'host' (--userns=host: the
    -- identity mapping, container root is host root), 'user' (a plain
    -- user's containers: the user, then the user's subordinate ids),
    -- 'legacy' (made before schema version 4: root's identity mapping, or
    -- the user's, as then).
    userns        TEXT NOT NULL CHECK (userns IN ('auto', 'host', 'user', 'legacy')),
    -- The mapping as /proc/PID/uid_map and gid_map show it: lines of
    -- "inside outside count". NULL only for 'legacy'.
    uid_map       TEXT,
    gid_map       TEXT,
    -- 'auto': which block of root's range it holds (block k is the ids
    -- first + 65536 * (k + 1) ...); unique, so no two containers share ids.
    idmap_slot    INTEGER UNIQUE CHECK (idmap_slot IS NULL OR idmap_slot >= 0),
    -- --privileged: every capability, no seccomp filter, no masked paths.
    privileged    INTEGER NOT NULL DEFAULT 0 CHECK (privileged IN (0, 1)),
    -- --read-only: the root file system is mounted read-only.
    read_only     INTEGER NOT NULL DEFAULT 0 CHECK (read_only IN (0, 1)),
    -- --cap-add and --cap-drop as given: JSON arrays of names, or NULL.
    cap_add       TEXT CHECK (cap_add IS NULL OR
                              CASE WHEN json_valid(cap_add) THEN json_type(cap_add) = 'array' ELSE 0 END),
    cap_drop      TEXT CHECK (cap_drop IS NULL OR
                              CASE WHEN json_valid(cap_drop) THEN json_type(cap_drop) = 'array' ELSE 0 END),
    -- --security-opt seccomp=: NULL for the default profile, 'unconfined',
    -- or the text of the profile file (docker's JSON format) as it was when
    -- the container was made; seccomp_source names that file.
    seccomp       TEXT,
    seccomp_source TEXT,
    -- --tmpfs: a JSON array of "PATH[:OPTIONS]", or NULL.
    tmpfs         TEXT CHECK (tmpfs IS NULL OR
                              CASE WHEN json_valid(tmpfs) THEN json_type(tmpfs) = 'array' ELSE 0 END),
    CHECK (userns = 'legacy' OR (uid_map IS NOT NULL AND gid_map IS NOT NULL)),
    CHECK ((userns = 'auto') = (idmap_slot IS NOT NULL))
) STRICT;

-- docker's log options as `ctrrun run --log-opt` and --log-max-size gave
-- them; `start` logs the same way (schema version 6 on; a container
-- without a row logs with the defaults: blocking, 100m).
CREATE TABLE container_logging (
    container_id     TEXT PRIMARY KEY REFERENCES containers(id) ON DELETE CASCADE,
    -- 'blocking' (docker's default): while the log cannot be written the
    -- container's writes wait; 'non-blocking': output that does not fit in
    -- max_buffer_bytes is dropped, and a marker row says so.
    mode             TEXT NOT NULL CHECK (mode IN ('blocking', 'non-blocking')),
    -- non-blocking: max-buffer-size in bytes (docker's default 1m); NULL
    -- exactly in blocking mode.
    max_buffer_bytes INTEGER CHECK (max_buffer_bytes IS NULL OR max_buffer_bytes > 0),
    -- --log-max-size (or --log-opt max-size): the oldest output goes past it.
    max_size_bytes   INTEGER NOT NULL CHECK (max_size_bytes > 0),
    -- The --log-opt KEY=VALUE strings as given (docker's
    -- HostConfig.LogConfig.Config), a JSON object; '{}' when none.
    options          TEXT NOT NULL CHECK (CASE WHEN json_valid(options) THEN json_type(options) = 'object' ELSE 0 END),
    CHECK ((mode = 'non-blocking') = (max_buffer_bytes IS NOT NULL))
) STRICT;
