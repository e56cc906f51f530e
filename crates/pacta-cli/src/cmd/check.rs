//! `pacta check`: compile each file, print its diagnostics, and warn about money
//! that some reachable course of events would leave locked forever.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use pacta_lang::Severity;

pub fn run(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let color = std::io::stderr().is_terminal();
    let mut errors = 0;
    for path in files {
        let source = super::read(path)?;
        let name = path.display().to_string();
        let compiled = pacta_lang::compile(&source);
        if !compiled.diagnostics.is_empty() {
            eprint!("{}", pacta_lang::render(&name, &source, &compiled.diagnostics, color));
        }
        let file_errors = compiled.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        errors += file_errors;
        let Some(agreement) = compiled.agreement else {
            eprintln!("{name}: {file_errors} error(s)");
            continue;
        };
        let analysis = pacta_core::analysis::locked_funds(&agreement);
        for locked in &analysis.locked {
            eprintln!("warning[locked-funds]: {name}: {}", locked.message(agreement.currency));
        }
        for note in &analysis.notes {
            eprintln!("note: {name}: {note}");
        }
        let warnings = compiled.diagnostics.len() - file_errors + analysis.locked.len();
        eprintln!("{name}: ok, {warnings} warning(s); {} situation(s) explored for locked funds{}", analysis.states_explored, if analysis.truncated { " (search truncated)" } else { "" });
    }
    Ok(if errors == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
