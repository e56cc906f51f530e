//! pacta-store: the journal. Per agreement, an append-only, hash-chained sequence
//! of engine events, on SQLite (embedded default) or PostgreSQL (shared by several
//! servers), with optimistic concurrency and group commit; and `verify`, which
//! re-reads it all and reports the first entry that does not hold.
//!
//! # Layout, and why three crates
//!
//! ```text
//! pacta-store            this crate: the codec, the hash chain, the journal rules
//!   src/codec.rs         EventKind <-> (kind, canonical JSON payload)
//!   src/chain.rs         entry hash = SHA-256 over length-prefixed fields
//!   src/frame.rs         a frame's binary layout; reading an agreement's stored rows back as entries
//!   src/store.rs         Store: connect, migrate, put_source, append_batch, load, …
//!   src/split.rs         a large batch's encoding, hashing and compression on several cores
//!   src/verify.rs        verify(store) -> VerifyReport
//!   src/backend.rs       the seam to the adapters (one trait, implemented for both)
//!   sql/*.sql            EVERY query, one per file, shared by both adapters
//!   sql/adapter.rs       the Rust that runs them, included by both adapters
//! pacta-store-sqlite     migrations/ + .sqlx/ for SQLite;   includes sql/adapter.rs
//! pacta-store-postgres   migrations/ + .sqlx/ for PostgreSQL; includes sql/adapter.rs
//! ```
//!
//! The queries are checked at compile time (`sqlx::query_file!`), and sqlx checks
//! all the queries of one crate against ONE database. The same SQL has to be
//! checked against both engines, so it is compiled twice, by two adapter crates,
//! each with its own offline metadata (`.sqlx/`, committed: building needs no
//! database) and its own migrations (they differ only in BLOB vs BYTEA, in
//! PostgreSQL defining `unhex`, which SQLite has built in, and a `blob` domain,
//! SQLite's name for its byte type, and in how each changes a column's type).
//! Each adapter's
//! `build.rs` pins where its macros look, so an ambient `DATABASE_URL` can never
//! point one adapter's check at the other engine; `scripts/sqlx-prepare`
//! regenerates both `.sqlx/` directories after a query or migration changes.
//!
//! The adapters know rows, not events, and depend on nothing of pacta: this crate
//! depends on both and holds every rule once. `Store` is an enum over the two
//! (chosen by the URL at run time), so callers need no generics; inside, the
//! journal logic is generic over `backend::Sql` and dispatched per engine.
//!
//! # The schema
//!
//! - `sources(sha256, body)`: `.pact` source text, once per SHA-256.
//! - `agreements(id, source_sha256, head_seq, head_hash, opened_at)`: where each
//!   journal ends; the seq check moves `head_seq` from the expected value.
//! - `frames(agreement_id, first_seq, last_seq, body, balances)`, primary key
//!   `(agreement_id, first_seq)`: the journal as the store writes it now, one row
//!   per agreement per group commit. `body` holds the entries `first_seq..=last_seq`
//!   (each its `at`, `kind`, payload bytes and hash, after the frame's prev_hash;
//!   LZ4-compressed with a checksum when that is shorter; see `frame.rs`),
//!   `balances` what their postings move per account label.
//!   Frames are contiguous (each starts right after the head it extended).
//!   Triggers refuse UPDATE and DELETE.
//! - `events(agreement_id, seq, at, kind, payload, prev_hash, hash)`, primary key
//!   `(agreement_id, seq)`: the journal as it was written before frames, one row
//!   per entry, still read (an agreement's entries are its `events` rows, then its
//!   frames) and never written. `payload` is bytes: the canonical JSON the codec
//!   wrote, as UTF-8 (the hash covers exactly these bytes, in a frame too); the
//!   hashes are bytes. Triggers refuse UPDATE and DELETE.
//! - `balances(agreement_id, account, minor)`: the ledger by account label as
//!   it stood before frames; an agreement's balances are these rows plus its
//!   frames' movements.
//! - `receipts(key, agreement_id, request_sha256, status, body, created_at)`: the
//!   answer each command was given, by idempotency key, written in the same
//!   transaction as the command's events; purged after a retention period.
//!
//! # Guarantees
//!
//! - `append_batch` is one transaction: every append of the batch lands, with its
//!   heads and balances, or none does; it writes one frame per agreement. An
//!   append whose `expected_seq` is not the journal's end fails with
//!   `AppendError::Conflict` (`Diverged` if it is the right seq but not the entry
//!   this store committed there); two writers can never both extend one agreement
//!   (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: `UPDATE … WHERE head_seq = expected`
//!   plus the frames' `(agreement_id, first_seq)` key). A frame starts at the head
//!   that update moved from, so `(agreement_id, seq)` is unique by construction,
//!   and `verify` reports a gap or an overlap between frames.
//! - `append_batch_with_receipts` stores the batch's receipts in that same
//!   transaction: no command is journaled without its answer (a retry after a
//!   crash is answered from the receipt, never applied twice), and no receipt is
//!   kept for events that did not land. A key already stored fails the batch
//!   with `AppendError::ReceiptExists` and writes nothing.
//! - `Ok` means durable: SQLite runs WAL with `synchronous=FULL` (the WAL is
//!   synced at every commit, so an acknowledged batch survives a power loss, not
//!   only a crash of the process; that sync is about 1 ms per group commit here),
//!   PostgreSQL commits. On SQLite, write transactions run on one connection kept
//!   for writing, so its page cache stays valid from one batch to the next.
//! - What is stored decodes to exactly the events appended (`load` checks the
//!   chain on the way), including the agreements, which are recompiled from their
//!   stored source: an append whose agreement is not what its source compiles to
//!   is refused.

mod backend;
mod batch;
pub mod chain;
pub mod codec;
mod frame;
mod heads;
mod split;
mod store;
mod verify;

pub use store::{Append, AppendError, Engine, Head, JournalEntry, LoadError, PreparedBatch, Receipt, SourceError, Store};
pub use verify::{verify, Mismatch, Progress, VerifyReport};
