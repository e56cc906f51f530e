//! The seam between the journal's rules (this crate) and the SQL that stores them
//! (the adapter crates). Both adapters include the same `sql/adapter.rs`, so they
//! have the same functions over their own, identically shaped row types; `Sql` is
//! that shape, implemented for both by one macro, so the journal logic is written
//! once, generic over the engine, and `Store` dispatches to it.

/// A stored journal entry, as the database holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EventRow {
    pub agreement_id: String,
    pub seq: i64,
    pub at: String,
    pub kind: String,
    pub payload: Vec<u8>,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// A stored frame: one group commit's entries of one agreement (see `frame`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FrameRow {
    pub agreement_id: String,
    pub first_seq: i64,
    pub last_seq: i64,
    pub body: Vec<u8>,
    pub balances: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FrameBalancesRow {
    pub first_seq: i64,
    pub last_seq: i64,
    pub balances: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AgreementRow {
    pub id: String,
    pub source_sha256: Vec<u8>,
    pub head_seq: i64,
    pub head_hash: Vec<u8>,
    pub opened_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeadRow {
    pub id: String,
    pub head_seq: i64,
    pub head_hash: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BalanceRow {
    pub agreement_id: String,
    pub account: String,
    pub minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReceiptRow {
    pub key: String,
    pub agreement_id: String,
    pub request_sha256: Vec<u8>,
    pub status: i64,
    pub body: Vec<u8>,
    pub created_at: i64,
}

pub(crate) trait SqlTx: Send {
    async fn heads(&mut self, ids: &str) -> Result<Vec<HeadRow>, sqlx::Error>;
    async fn insert_agreements(&mut self, rows: &str) -> Result<u64, sqlx::Error>;
    async fn advance_heads(&mut self, rows: &str) -> Result<u64, sqlx::Error>;
    async fn insert_frames(&mut self, rows: &str, bytes: &[u8]) -> Result<u64, sqlx::Error>;
    async fn insert_receipts(&mut self, rows: &str, bytes: &[u8]) -> Result<u64, sqlx::Error>;
    async fn commit(self) -> Result<(), sqlx::Error>;
}

pub(crate) trait Sql: Sync {
    type Tx: SqlTx;
    async fn begin(&self) -> Result<Self::Tx, sqlx::Error>;
    async fn put_source(&self, sha256: &[u8], body: &str) -> Result<(), sqlx::Error>;
    async fn source(&self, sha256: &[u8]) -> Result<Option<String>, sqlx::Error>;
    async fn events(&self, agreement_id: &str, after: i64) -> Result<Vec<EventRow>, sqlx::Error>;
    async fn events_of(&self, ids: &str) -> Result<Vec<EventRow>, sqlx::Error>;
    async fn frames(&self, agreement_id: &str, after: i64) -> Result<Vec<FrameRow>, sqlx::Error>;
    async fn frames_of(&self, ids: &str) -> Result<Vec<FrameRow>, sqlx::Error>;
    async fn frame_balances(&self, agreement_id: &str) -> Result<Vec<FrameBalancesRow>, sqlx::Error>;
    async fn agreement(&self, agreement_id: &str) -> Result<Option<AgreementRow>, sqlx::Error>;
    async fn agreements_of(&self, ids: &str) -> Result<Vec<AgreementRow>, sqlx::Error>;
    async fn agreement_ids(&self) -> Result<Vec<String>, sqlx::Error>;
    async fn journal_ids(&self) -> Result<Vec<String>, sqlx::Error>;
    async fn balances(&self, agreement_id: &str) -> Result<Vec<BalanceRow>, sqlx::Error>;
    async fn balances_of(&self, ids: &str) -> Result<Vec<BalanceRow>, sqlx::Error>;
    async fn receipt(&self, key: &str) -> Result<Option<ReceiptRow>, sqlx::Error>;
    async fn purge_receipts(&self, before: i64) -> Result<u64, sqlx::Error>;
}

/// Converts an adapter's row into this crate's (same fields, another crate's type).
macro_rules! convert_rows {
    ($adapter:ident) => {
        impl From<$adapter::EventRow> for EventRow {
            fn from(r: $adapter::EventRow) -> EventRow {
                EventRow { agreement_id: r.agreement_id, seq: r.seq, at: r.at, kind: r.kind, payload: r.payload, prev_hash: r.prev_hash, hash: r.hash }
            }
        }
        impl From<$adapter::FrameRow> for FrameRow {
            fn from(r: $adapter::FrameRow) -> FrameRow {
                FrameRow { agreement_id: r.agreement_id, first_seq: r.first_seq, last_seq: r.last_seq, body: r.body, balances: r.balances }
            }
        }
        impl From<$adapter::FrameBalancesRow> for FrameBalancesRow {
            fn from(r: $adapter::FrameBalancesRow) -> FrameBalancesRow {
                FrameBalancesRow { first_seq: r.first_seq, last_seq: r.last_seq, balances: r.balances }
            }
        }
        impl From<$adapter::AgreementRow> for AgreementRow {
            fn from(r: $adapter::AgreementRow) -> AgreementRow {
                AgreementRow { id: r.id, source_sha256: r.source_sha256, head_seq: r.head_seq, head_hash: r.head_hash, opened_at: r.opened_at }
            }
        }
        impl From<$adapter::HeadRow> for HeadRow {
            fn from(r: $adapter::HeadRow) -> HeadRow {
                HeadRow { id: r.id, head_seq: r.head_seq, head_hash: r.head_hash }
            }
        }
        impl From<$adapter::ReceiptRow> for ReceiptRow {
            fn from(r: $adapter::ReceiptRow) -> ReceiptRow {
                ReceiptRow {
                    key: r.key,
                    agreement_id: r.agreement_id,
                    request_sha256: r.request_sha256,
                    status: r.status,
                    body: r.body,
                    created_at: r.created_at,
                }
            }
        }
        impl From<$adapter::BalanceRow> for BalanceRow {
            fn from(r: $adapter::BalanceRow) -> BalanceRow {
                BalanceRow { agreement_id: r.agreement_id, account: r.account, minor: r.minor }
            }
        }
    };
}

convert_rows!(pacta_store_sqlite);
convert_rows!(pacta_store_postgres);

fn all<A, B: From<A>>(rows: Vec<A>) -> Vec<B> {
    rows.into_iter().map(B::from).collect()
}

macro_rules! implement {
    ($adapter:ident) => {
        impl SqlTx for $adapter::Tx {
            async fn heads(&mut self, ids: &str) -> Result<Vec<HeadRow>, sqlx::Error> {
                $adapter::Tx::heads(self, ids).await.map(all)
            }
            async fn insert_agreements(&mut self, rows: &str) -> Result<u64, sqlx::Error> {
                $adapter::Tx::insert_agreements(self, rows).await
            }
            async fn advance_heads(&mut self, rows: &str) -> Result<u64, sqlx::Error> {
                $adapter::Tx::advance_heads(self, rows).await
            }
            async fn insert_frames(&mut self, rows: &str, bytes: &[u8]) -> Result<u64, sqlx::Error> {
                $adapter::Tx::insert_frames(self, rows, bytes).await
            }
            async fn insert_receipts(&mut self, rows: &str, bytes: &[u8]) -> Result<u64, sqlx::Error> {
                $adapter::Tx::insert_receipts(self, rows, bytes).await
            }
            async fn commit(self) -> Result<(), sqlx::Error> {
                $adapter::Tx::commit(self).await
            }
        }

        impl Sql for $adapter::Db {
            type Tx = $adapter::Tx;
            async fn begin(&self) -> Result<Self::Tx, sqlx::Error> {
                $adapter::Db::begin(self).await
            }
            async fn put_source(&self, sha256: &[u8], body: &str) -> Result<(), sqlx::Error> {
                $adapter::Db::put_source(self, sha256, body).await
            }
            async fn source(&self, sha256: &[u8]) -> Result<Option<String>, sqlx::Error> {
                $adapter::Db::source(self, sha256).await
            }
            async fn events(&self, agreement_id: &str, after: i64) -> Result<Vec<EventRow>, sqlx::Error> {
                $adapter::Db::events(self, agreement_id, after).await.map(all)
            }
            async fn events_of(&self, ids: &str) -> Result<Vec<EventRow>, sqlx::Error> {
                $adapter::Db::events_of(self, ids).await.map(all)
            }
            async fn frames(&self, agreement_id: &str, after: i64) -> Result<Vec<FrameRow>, sqlx::Error> {
                $adapter::Db::frames(self, agreement_id, after).await.map(all)
            }
            async fn frames_of(&self, ids: &str) -> Result<Vec<FrameRow>, sqlx::Error> {
                $adapter::Db::frames_of(self, ids).await.map(all)
            }
            async fn frame_balances(&self, agreement_id: &str) -> Result<Vec<FrameBalancesRow>, sqlx::Error> {
                $adapter::Db::frame_balances(self, agreement_id).await.map(all)
            }
            async fn agreement(&self, agreement_id: &str) -> Result<Option<AgreementRow>, sqlx::Error> {
                $adapter::Db::agreement(self, agreement_id).await.map(|r| r.map(AgreementRow::from))
            }
            async fn agreements_of(&self, ids: &str) -> Result<Vec<AgreementRow>, sqlx::Error> {
                $adapter::Db::agreements_of(self, ids).await.map(all)
            }
            async fn agreement_ids(&self) -> Result<Vec<String>, sqlx::Error> {
                $adapter::Db::agreement_ids(self).await
            }
            async fn journal_ids(&self) -> Result<Vec<String>, sqlx::Error> {
                $adapter::Db::journal_ids(self).await
            }
            async fn balances(&self, agreement_id: &str) -> Result<Vec<BalanceRow>, sqlx::Error> {
                $adapter::Db::balances(self, agreement_id).await.map(all)
            }
            async fn balances_of(&self, ids: &str) -> Result<Vec<BalanceRow>, sqlx::Error> {
                $adapter::Db::balances_of(self, ids).await.map(all)
            }
            async fn receipt(&self, key: &str) -> Result<Option<ReceiptRow>, sqlx::Error> {
                $adapter::Db::receipt(self, key).await.map(|r| r.map(ReceiptRow::from))
            }
            async fn purge_receipts(&self, before: i64) -> Result<u64, sqlx::Error> {
                $adapter::Db::purge_receipts(self, before).await
            }
        }
    };
}

implement!(pacta_store_sqlite);
implement!(pacta_store_postgres);
