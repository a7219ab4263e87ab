-- Migration 6: how each container's output is logged (container_logging),
-- and marker rows in logs for output that could not be stored. Applied to
-- a version 5 database; afterwards PRAGMA user_version = 6. Containers made
-- before get no container_logging row: they log as every container did
-- then (blocking, --log-max-size 100m), which is also the default now.
-- (The switch to auto_vacuum = INCREMENTAL that comes with this version
-- needs a VACUUM, which cannot run inside a migration's transaction:
-- db/migrate.c runs it after the migrations, see docs/state-db.md.)

-- A marker: a row the monitor writes where output of the container was
-- lost (the buffer of mode=non-blocking was full, or the database could
-- not be written, e.g. a full disk). lost_bytes is how many bytes of the
-- row's stream are missing at this place; data is ctrrun's note, one
-- whole line. NULL: a chunk of the container's output.
ALTER TABLE logs ADD COLUMN lost_bytes INTEGER CHECK (lost_bytes IS NULL OR lost_bytes > 0);

-- docker's log options as `ctrrun run --log-opt` and --log-max-size gave
-- them; `start` logs the same way.
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
