// The Rust half of an adapter, shared word for word by `pacta-store-sqlite` and
// `pacta-store-postgres`: each includes this file with `include!` after defining
// `Engine` (its sqlx database type), `BEGIN` (how it opens a write transaction)
// and `BatchParam` (a batch's JSON text, bound as its engine wants JSON). Every
// query is a `query_file!`/`query_file_as!` of a file beside this one, so both adapters run the same SQL, each checked at compile time
// against its own engine (see README.md here).
//
// Adapters know rows, not events: encoding, hashing and every rule about the
// journal live in `pacta-store`, which calls these functions.

/// A stored journal entry, as the database holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub agreement_id: String,
    pub seq: i64,
    pub at: String,
    pub kind: String,
    pub payload: Vec<u8>,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// A row of `agreements`: where an agreement's journal ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementRow {
    pub id: String,
    pub source_sha256: Vec<u8>,
    pub head_seq: i64,
    pub head_hash: Vec<u8>,
    pub opened_at: String,
}

/// A row of `frames`: one group commit's entries of one agreement (the layout of
/// `body` and `balances` is `pacta-store`'s business: see its `frame.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameRow {
    pub agreement_id: String,
    pub first_seq: i64,
    pub last_seq: i64,
    pub body: Vec<u8>,
    pub balances: Vec<u8>,
}

/// A frame's seqs and balance movements, without its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameBalancesRow {
    pub first_seq: i64,
    pub last_seq: i64,
    pub balances: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadRow {
    pub id: String,
    pub head_seq: i64,
    pub head_hash: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceRow {
    pub agreement_id: String,
    pub account: String,
    pub minor: i64,
}

/// A row of `receipts`: the answer a command was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptRow {
    pub key: String,
    pub agreement_id: String,
    pub request_sha256: Vec<u8>,
    pub status: i64,
    pub body: Vec<u8>,
    pub created_at: i64,
}

/// A batch parameter: the text of a JSON object whose members are the rows (see
/// README.md). Plain text: the rows are written by `pacta-store`, valid by
/// construction, and parsing every batch again only to check it was about 3% of
/// the journal's instructions per event.
pub type Batch = str;

/// A pool of connections to one journal database, and where write transactions
/// run: the same pool on PostgreSQL; on SQLite, a pool of one connection kept for
/// writing, because a connection's page cache is discarded whenever another
/// connection has written, so group commits rotating over several connections
/// read the journal's pages from the file again on every batch.
#[derive(Debug, Clone)]
pub struct Db {
    pool: sqlx::Pool<Engine>,
    writer: sqlx::Pool<Engine>,
}

/// A write transaction. Dropping it without `commit` rolls it back.
pub struct Tx {
    tx: sqlx::Transaction<'static, Engine>,
}

impl Db {
    /// One pool for reading and writing alike.
    pub fn from_pool(pool: sqlx::Pool<Engine>) -> Db {
        Db { writer: pool.clone(), pool }
    }

    /// The underlying pool, for tests and tools that need raw SQL.
    pub fn pool(&self) -> &sqlx::Pool<Engine> {
        &self.pool
    }

    /// Applies this adapter's migrations (embedded at compile time).
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        sqlx::migrate!("./migrations").run(&self.pool).await
    }

    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(Tx { tx: self.writer.begin_with(BEGIN).await? })
    }

    pub async fn put_source(&self, sha256: &[u8], body: &str) -> Result<(), sqlx::Error> {
        sqlx::query_file!("../pacta-store/sql/put_source.sql", sha256, body).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn source(&self, sha256: &[u8]) -> Result<Option<String>, sqlx::Error> {
        let row = sqlx::query_file!("../pacta-store/sql/source.sql", sha256).fetch_optional(&self.pool).await?;
        Ok(row.map(|r| r.body))
    }

    /// Entries of one agreement with `seq > after`, in order.
    pub async fn events(&self, agreement_id: &str, after: i64) -> Result<Vec<EventRow>, sqlx::Error> {
        sqlx::query_file_as!(EventRow, "../pacta-store/sql/events.sql", agreement_id, after).fetch_all(&self.pool).await
    }

    /// Entries of the agreements `{"0": {"id": …}, …}`, ordered by agreement, then seq.
    pub async fn events_of(&self, ids: &Batch) -> Result<Vec<EventRow>, sqlx::Error> {
        let param = BatchParam(ids);
        sqlx::query_file_as!(EventRow, "../pacta-store/sql/events_of.sql", param as _).fetch_all(&self.pool).await
    }

    /// Frames of one agreement that hold an entry with `seq > after`, in order.
    pub async fn frames(&self, agreement_id: &str, after: i64) -> Result<Vec<FrameRow>, sqlx::Error> {
        sqlx::query_file_as!(FrameRow, "../pacta-store/sql/frames.sql", agreement_id, after).fetch_all(&self.pool).await
    }

    /// Frames of the agreements `{"0": {"id": …}, …}`, ordered by agreement, then first seq.
    pub async fn frames_of(&self, ids: &Batch) -> Result<Vec<FrameRow>, sqlx::Error> {
        let param = BatchParam(ids);
        sqlx::query_file_as!(FrameRow, "../pacta-store/sql/frames_of.sql", param as _).fetch_all(&self.pool).await
    }

    /// The balance movements of every frame of one agreement, in order.
    pub async fn frame_balances(&self, agreement_id: &str) -> Result<Vec<FrameBalancesRow>, sqlx::Error> {
        sqlx::query_file_as!(FrameBalancesRow, "../pacta-store/sql/frame_balances.sql", agreement_id).fetch_all(&self.pool).await
    }

    pub async fn agreement(&self, agreement_id: &str) -> Result<Option<AgreementRow>, sqlx::Error> {
        sqlx::query_file_as!(AgreementRow, "../pacta-store/sql/agreement.sql", agreement_id).fetch_optional(&self.pool).await
    }

    pub async fn agreements_of(&self, ids: &Batch) -> Result<Vec<AgreementRow>, sqlx::Error> {
        let param = BatchParam(ids);
        sqlx::query_file_as!(AgreementRow, "../pacta-store/sql/agreements_of.sql", param as _).fetch_all(&self.pool).await
    }

    /// Every agreement id in `agreements`, sorted by the database.
    pub async fn agreement_ids(&self) -> Result<Vec<String>, sqlx::Error> {
        let rows = sqlx::query_file!("../pacta-store/sql/agreement_ids.sql").fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// Every agreement id that appears in `agreements`, `events`, `frames` or `balances`.
    pub async fn journal_ids(&self) -> Result<Vec<String>, sqlx::Error> {
        let rows = sqlx::query_file!("../pacta-store/sql/journal_ids.sql").fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    pub async fn balances(&self, agreement_id: &str) -> Result<Vec<BalanceRow>, sqlx::Error> {
        sqlx::query_file_as!(BalanceRow, "../pacta-store/sql/balances.sql", agreement_id).fetch_all(&self.pool).await
    }

    pub async fn balances_of(&self, ids: &Batch) -> Result<Vec<BalanceRow>, sqlx::Error> {
        let param = BatchParam(ids);
        sqlx::query_file_as!(BalanceRow, "../pacta-store/sql/balances_of.sql", param as _).fetch_all(&self.pool).await
    }

    pub async fn receipt(&self, key: &str) -> Result<Option<ReceiptRow>, sqlx::Error> {
        sqlx::query_file_as!(ReceiptRow, "../pacta-store/sql/receipt.sql", key).fetch_optional(&self.pool).await
    }

    /// Deletes the receipts created before `before` (unix seconds); returns how many.
    pub async fn purge_receipts(&self, before: i64) -> Result<u64, sqlx::Error> {
        Ok(sqlx::query_file!("../pacta-store/sql/purge_receipts.sql", before).execute(&self.pool).await?.rows_affected())
    }
}

impl Tx {
    /// Current heads of the agreements `{"0": {"id": …}, …}` that exist.
    pub async fn heads(&mut self, ids: &Batch) -> Result<Vec<HeadRow>, sqlx::Error> {
        let param = BatchParam(ids);
        sqlx::query_file_as!(HeadRow, "../pacta-store/sql/heads.sql", param as _).fetch_all(&mut *self.tx).await
    }

    /// Rows `[id, source_sha256, seq, hash, opened_at]` (arrays, hashes in hex);
    /// returns how many were inserted.
    pub async fn insert_agreements(&mut self, rows: &Batch) -> Result<u64, sqlx::Error> {
        let param = BatchParam(rows);
        Ok(sqlx::query_file!("../pacta-store/sql/insert_agreements.sql", param as _).execute(&mut *self.tx).await?.rows_affected())
    }

    /// Rows `[id, expected_seq, expected_hash, seq, hash, source_sha256 or null]`
    /// (arrays, hashes in hex): moves each head from `expected_seq` and
    /// `expected_hash` to `seq` and `hash`; returns how many heads were still
    /// where expected (the hash too, so a writer's stale idea of a head can never
    /// put a frame on the wrong link).
    pub async fn advance_heads(&mut self, rows: &Batch) -> Result<u64, sqlx::Error> {
        let param = BatchParam(rows);
        Ok(sqlx::query_file!("../pacta-store/sql/advance_heads.sql", param as _).execute(&mut *self.tx).await?.rows_affected())
    }

    /// Rows `{"0": [agreement_id, first_seq, last_seq, body_at, body_len,
    /// balances_at, balances_len], "1": …}` (arrays, read by position); each
    /// frame's `body` and `balances` are the slices of `bytes` at those offsets
    /// (counted from 0). Returns how many were inserted.
    pub async fn insert_frames(&mut self, rows: &Batch, bytes: &[u8]) -> Result<u64, sqlx::Error> {
        let param = BatchParam(rows);
        Ok(sqlx::query_file!("../pacta-store/sql/insert_frames.sql", param as _, bytes as _).execute(&mut *self.tx).await?.rows_affected())
    }

    /// Rows `{key, agreement_id, status, created_at, bytes, body_len}`; `bytes` is
    /// where (1-based) the row's `request_sha256 ‖ body` start in `bytes`. A key
    /// already stored is skipped. Returns how many were inserted.
    pub async fn insert_receipts(&mut self, rows: &Batch, bytes: &[u8]) -> Result<u64, sqlx::Error> {
        let param = BatchParam(rows);
        Ok(sqlx::query_file!("../pacta-store/sql/insert_receipts.sql", param as _, bytes as _).execute(&mut *self.tx).await?.rows_affected())
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}
