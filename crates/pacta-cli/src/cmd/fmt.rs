//! `pacta fmt`: the canonical form of an agreement.

use std::path::Path;
use std::process::ExitCode;

pub fn run(path: &Path, write: bool) -> anyhow::Result<ExitCode> {
    let source = super::read(path)?;
    match pacta_lang::format(&source) {
        Ok(formatted) if write => {
            std::fs::write(path, formatted)?;
            Ok(ExitCode::SUCCESS)
        }
        Ok(formatted) => {
            print!("{formatted}");
            Ok(ExitCode::SUCCESS)
        }
        Err(diagnostics) => {
            eprint!("{}", pacta_lang::render(&path.display().to_string(), &source, &diagnostics, false));
            Ok(ExitCode::FAILURE)
        }
    }
}
