-- Receipts (SQLite; BLOB here, BYTEA in the PostgreSQL migration): the answer a
-- command was given, written by the group commit in the SAME transaction as the
-- events it produced, so a command is never journaled without its receipt (a
-- retry after a crash finds the answer instead of running the command again) and
-- a receipt never exists for events that did not land.
CREATE TABLE receipts (
    -- The caller's idempotency key, scoped to the caller (the server composes it).
    key            TEXT PRIMARY KEY NOT NULL,
    -- The agreement the command was for (not a foreign key: a refused command for
    -- an agreement that does not exist has a receipt too).
    agreement_id   TEXT NOT NULL,
    -- SHA-256 of the request, so the same key with another request is told apart.
    request_sha256 BLOB NOT NULL,
    -- The answer: HTTP status and the body bytes a retry gets back.
    status         BIGINT NOT NULL,
    body           BLOB NOT NULL,
    -- Unix seconds; receipts are kept for a retention period, then purged.
    created_at     BIGINT NOT NULL
);

CREATE INDEX receipts_created_at ON receipts (created_at);
