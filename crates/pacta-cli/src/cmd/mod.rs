pub mod bench;
pub mod check;
pub mod serve;
pub mod fmt;
pub mod simulate;
pub mod verify;

use std::path::Path;

use anyhow::Context;

pub fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}
