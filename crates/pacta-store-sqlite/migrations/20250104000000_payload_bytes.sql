-- An event's payload is stored as bytes again (BLOB; BYTEA in the PostgreSQL
-- migration of the same name): the canonical JSON's UTF-8 bytes, which the hash
-- chain covers, unchanged. A group commit now sends every payload and hash of a
-- batch in ONE byte parameter and each row takes its slice with
-- `substr(CAST($2 AS BLOB), at, length)` (bytes in, bytes out on both engines);
-- as a JSON string, each payload was escaped, sent, parsed and unescaped, which
-- was most of the statement's work. See crates/pacta-store/sql/README.md.
--
-- SQLite cannot change a column's type in place, so the table is rebuilt as the
-- previous migration left it (rowids, the (agreement_id, seq) key), with its
-- triggers, which go with it.
CREATE TABLE events_bytes (
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    seq          BIGINT NOT NULL,
    at           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    payload      BLOB NOT NULL,
    prev_hash    BLOB NOT NULL,
    hash         BLOB NOT NULL,
    PRIMARY KEY (agreement_id, seq)
);

INSERT INTO events_bytes (agreement_id, seq, at, kind, payload, prev_hash, hash)
SELECT agreement_id, seq, at, kind, CAST(payload AS BLOB), prev_hash, hash FROM events ORDER BY rowid;

DROP TABLE events;
ALTER TABLE events_bytes RENAME TO events;

CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only: events are never updated');
END;

CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only: events are never deleted');
END;
