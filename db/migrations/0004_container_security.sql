-- Migration 4: how each container is confined: its user namespace's id
-- mapping and its security options. Applied to a version 3 database;
-- afterwards PRAGMA user_version = 4. Containers that exist already get a
-- 'legacy' row: they keep the mapping they were made with.
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

INSERT INTO container_security (container_id, userns) SELECT id, 'legacy' FROM containers;
