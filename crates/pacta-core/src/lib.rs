//! pacta-core: money, the business-day calendar, the ledger and the agreement engine.
//!
//! This crate is pure. It does no IO, reads no clock, spawns nothing and holds no
//! serialization derives: time arrives as data on each command, and adapters at the
//! edge (the CLI, the store, the server) convert to and from wire formats.
//!
//! Layout:
//! - `money`: exact amounts in minor units with checked arithmetic.
//! - `calendar`: the Federal Reserve business-day calendar and deadline arithmetic.
//! - `agreement`: the checked agreement the language crate produces.
//! - `ledger`: double-entry postings with per-depositor sub-accounts and holds.
//! - `name`: party and account names, shared rather than copied.
//! - `small_map`: the sorted map the state uses where an agreement's terms bound the count.
//! - `consent`: what a signature covers, canonically encoded; Ed25519 verification.
//! - `engine`: `decide` and `evolve` for one agreement instance.
//! - `analysis`: checks that run the engine over every course of events (money locked forever).

pub mod agreement;
pub mod calendar;
pub mod money;
pub mod consent;
pub mod engine;
pub mod ledger;
pub mod name;
pub mod small_map;
pub mod analysis;
