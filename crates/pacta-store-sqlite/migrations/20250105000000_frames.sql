-- Frames (SQLite; BYTEA in the PostgreSQL migration of the same name): from now
-- on a group commit writes ONE row per agreement it extends, holding all of that
-- agreement's new entries, instead of one `events` row per entry. A row per
-- entry cost a JSON row to parse, a B-tree insert (and on PostgreSQL a foreign
-- key check) per event, and a `balances` upsert per account touched; a release
-- is some 200 postings. The hash chain is unchanged: each entry in a frame keeps
-- the exact `at`, `kind` and payload bytes its hash covers, and its hash.
--
-- `events` and `balances` stay as they are, and are still read: history is never
-- rewritten. An agreement's journal is its `events` rows (if it has any, all
-- written before this migration), then its frames, in seq order.
--
-- Frames are contiguous: a frame's first_seq is the agreement's head + 1 when it
-- is written, in the transaction that moves the head (the seq check), and
-- its last_seq is the new head. So no two frames of an agreement overlap, there is
-- no gap between them, and (agreement_id, seq) is unique by construction; the
-- primary key refuses a second frame at one first_seq as well, and `verify`
-- reports a gap or an overlap.
--
-- `body` is the entries, in the binary layout of crates/pacta-store/src/frame.rs:
--   version 1 (1 byte) ‖ prev_hash (32) ‖ per entry: at, kind, payload (each a
--   4-byte big-endian length and the bytes) ‖ hash (32);
-- or, when that is shorter for entries of 2,048 bytes or more, version 2 (1 byte) ‖
--   their length (4 bytes) ‖ SHA-256 of length ‖ block (32) ‖ the same entries
--   compressed as one LZ4 block (the postings of one action repeat its cause).
-- `balances` is what the frame's postings move, per ledger account label:
--   per account: label (4-byte length and UTF-8) ‖ minor units (8 bytes, big-endian, signed),
-- sorted by label, accounts that do not move left out. It replaces the
-- `balances` upsert: an agreement's balances are its `balances` rows (legacy)
-- plus the sum of its frames' movements, and `verify` checks each frame's
-- movements against its postings and the sum against the replayed ledger.
--
-- A rowid table, like `events` (see 20250103000000_payload_text.sql): rows are
-- appended to pages in the order they are written, and only the key's index is
-- ordered by agreement.
CREATE TABLE frames (
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    first_seq    BIGINT NOT NULL,
    last_seq     BIGINT NOT NULL,
    body         BLOB NOT NULL,
    balances     BLOB NOT NULL,
    PRIMARY KEY (agreement_id, first_seq)
);

CREATE TRIGGER frames_are_append_only_update BEFORE UPDATE ON frames
BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only: frames are never updated');
END;

CREATE TRIGGER frames_are_append_only_delete BEFORE DELETE ON frames
BEGIN
    SELECT RAISE(ABORT, 'the journal is append-only: frames are never deleted');
END;
