-- The journal (SQLite). Same tables, columns and constraints as the PostgreSQL
-- migration; only the byte type differs (BLOB here, BYTEA there). The queries
-- that read and write these tables are shared: crates/pacta-store/sql/.

-- Agreement source text, once per SHA-256 of its bytes. Events name a version of
-- an agreement by this hash and are decoded by compiling the text it names.
CREATE TABLE sources (
    sha256 BLOB PRIMARY KEY NOT NULL,
    body   TEXT NOT NULL
);

-- One row per agreement instance: where its journal ends, for the seq check.
CREATE TABLE agreements (
    id            TEXT PRIMARY KEY NOT NULL,
    -- The source of the version in force at the head (the opening one until an amendment).
    source_sha256 BLOB NOT NULL REFERENCES sources (sha256),
    head_seq      BIGINT NOT NULL,
    head_hash     BLOB NOT NULL,
    opened_at     TEXT NOT NULL
);

-- The journal: per agreement, seq 1, 2, 3, ... with no gaps, each entry hashing the
-- one before it. `payload` holds the canonical JSON bytes the hash covers.
CREATE TABLE events (
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    seq          BIGINT NOT NULL,
    at           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    payload      BLOB NOT NULL,
    prev_hash    BLOB NOT NULL,
    hash         BLOB NOT NULL,
    PRIMARY KEY (agreement_id, seq)
) WITHOUT ROWID;

-- A projection of the ledger: the balance of each ledger account (by label), in
-- minor units, updated in the transaction that appends the postings.
CREATE TABLE balances (
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    account      TEXT NOT NULL,
    minor        BIGINT NOT NULL,
    PRIMARY KEY (agreement_id, account)
) WITHOUT ROWID;

-- History is never rewritten: the database refuses it too (the hash chain is what
-- detects a rewrite by someone who can drop these triggers).
CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only: events are never updated');
END;

CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only: events are never deleted');
END;

CREATE TRIGGER sources_are_immutable_update BEFORE UPDATE ON sources
BEGIN
    SELECT RAISE(ABORT, 'agreement sources are never changed');
END;

CREATE TRIGGER sources_are_immutable_delete BEFORE DELETE ON sources
BEGIN
    SELECT RAISE(ABORT, 'agreement sources are never deleted');
END;
