//! Decides where this crate's `sqlx::query_file!` macros get their database from.
//!
//! sqlx reads ONE `DATABASE_URL` for every crate of a build, but this crate's
//! queries must be checked against SQLite and its sibling adapter's against the
//! other engine. So the build never uses an ambient `DATABASE_URL`: normally it
//! compiles offline from the committed `.sqlx/` (no database needed), and only
//! `scripts/sqlx-prepare`, which sets `PACTA_SQLX_SQLITE_URL`, checks the queries
//! against a live SQLite and regenerates `.sqlx/`.

fn main() {
    println!("cargo:rerun-if-env-changed=PACTA_SQLX_SQLITE_URL");
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=../pacta-store/sql");
    match std::env::var("PACTA_SQLX_SQLITE_URL") {
        Ok(url) if !url.is_empty() => {
            println!("cargo:rustc-env=DATABASE_URL={url}");
            println!("cargo:rustc-env=SQLX_OFFLINE=false");
        }
        _ => println!("cargo:rustc-env=SQLX_OFFLINE=true"),
    }
}
