-- Migration 5: why a container stopped, when its monitor stopped it
-- (docker's State.Error). Applied to a version 4 database; afterwards
-- PRAGMA user_version = 5. Adds a column (NULL in existing rows) and shows it
-- in the ps view.
ALTER TABLE containers ADD COLUMN error TEXT;

DROP VIEW ps;
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
