-- An event's payload is stored as bytes again (BYTEA; BLOB in the SQLite
-- migration of the same name): the canonical JSON's UTF-8 bytes, which the hash
-- chain covers, unchanged. A group commit now sends every payload and hash of a
-- batch in ONE byte parameter and each row takes its slice with
-- `substr(CAST($2 AS BLOB), at, length)` (bytes in, bytes out on both engines);
-- as a JSON string, each payload was escaped, sent, parsed and unescaped, which
-- was most of the statement's work. See crates/pacta-store/sql/README.md.
--
-- `blob` names the byte type in the shared SQL: SQLite's own name for it, and
-- here a domain over BYTEA with no constraint. A parameter has to be cast to a
-- byte type by name, since PostgreSQL would otherwise take `substr($2, …)` to be
-- `substr(text, …)`, and `CAST(… AS BYTEA)` would mean a number in SQLite.
CREATE DOMAIN blob AS BYTEA;

-- Altering the type rewrites the table without firing the row triggers that
-- refuse updates.
ALTER TABLE events ALTER COLUMN payload TYPE BYTEA USING convert_to(payload, 'UTF8');
