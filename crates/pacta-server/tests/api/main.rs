//! API tests over real sockets: a server on 127.0.0.1:0, SQLite in a temp dir,
//! a test clock that the tests move (no real sleeping beyond milliseconds).

mod common;
mod dashboard;
mod endpoints;
mod idempotency;
mod invalid;
mod matrix;
mod scale;
mod story;
