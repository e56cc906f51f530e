-- The journal (PostgreSQL). Same tables, columns and constraints as the SQLite
-- migration; only the byte type differs (BYTEA here, BLOB there). The queries
-- that read and write these tables are shared: crates/pacta-store/sql/.

-- The shared queries turn hex text into bytes with `unhex`, which SQLite has
-- built in (3.41+); PostgreSQL gets it here.
CREATE FUNCTION unhex(text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT decode($1, 'hex') $$;

-- Agreement source text, once per SHA-256 of its bytes. Events name a version of
-- an agreement by this hash and are decoded by compiling the text it names.
CREATE TABLE sources (
    sha256 BYTEA PRIMARY KEY NOT NULL,
    body   TEXT NOT NULL
);

-- One row per agreement instance: where its journal ends, for the seq check.
CREATE TABLE agreements (
    id            TEXT PRIMARY KEY NOT NULL,
    -- The source of the version in force at the head (the opening one until an amendment).
    source_sha256 BYTEA NOT NULL REFERENCES sources (sha256),
    head_seq      BIGINT NOT NULL,
    head_hash     BYTEA NOT NULL,
    opened_at     TEXT NOT NULL
);

-- The journal: per agreement, seq 1, 2, 3, ... with no gaps, each entry hashing the
-- one before it. `payload` holds the canonical JSON bytes the hash covers.
CREATE TABLE events (
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    seq          BIGINT NOT NULL,
    at           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    payload      BYTEA NOT NULL,
    prev_hash    BYTEA NOT NULL,
    hash         BYTEA NOT NULL,
    PRIMARY KEY (agreement_id, seq)
);

-- A projection of the ledger: the balance of each ledger account (by label), in
-- minor units, updated in the transaction that appends the postings.
CREATE TABLE balances (
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    account      TEXT NOT NULL,
    minor        BIGINT NOT NULL,
    PRIMARY KEY (agreement_id, account)
);

-- History is never rewritten: the database refuses it too (the hash chain is what
-- detects a rewrite by someone who can drop these triggers).
CREATE FUNCTION pacta_refuse_rewrite() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'the journal is append-only: % on % is refused', TG_OP, TG_TABLE_NAME;
END
$$;

CREATE TRIGGER events_are_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION pacta_refuse_rewrite();
CREATE TRIGGER events_are_never_truncated BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION pacta_refuse_rewrite();
CREATE TRIGGER sources_are_immutable BEFORE UPDATE OR DELETE ON sources
    FOR EACH ROW EXECUTE FUNCTION pacta_refuse_rewrite();
CREATE TRIGGER sources_are_never_truncated BEFORE TRUNCATE ON sources
    FOR EACH STATEMENT EXECUTE FUNCTION pacta_refuse_rewrite();
