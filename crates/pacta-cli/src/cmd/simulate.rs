//! `pacta simulate AGREEMENT SCENARIO`: replay a scenario and report.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, bail};

use crate::render;
use crate::scenario;

pub fn run(agreement_path: &Path, scenario_path: &Path, json: bool, why: Option<u64>) -> anyhow::Result<ExitCode> {
    let source = super::read(agreement_path)?;
    let compiled = pacta_lang::compile(&source);
    let Some(agreement) = compiled.agreement else {
        let name = agreement_path.display().to_string();
        bail!("{} does not compile:\n{}", name, pacta_lang::render(&name, &source, &compiled.diagnostics, false));
    };
    let text = super::read(scenario_path)?;
    let parsed = scenario::parse::parse(&text).map_err(|e| anyhow!("{}: {e}", scenario_path.display()))?;
    let dir = scenario_path.parent().unwrap_or(Path::new("."));
    let default_id = agreement_path.file_stem().and_then(|s| s.to_str()).unwrap_or("agreement").to_lowercase();
    let run = scenario::run::run(agreement, &source, &parsed, dir, &default_id).map_err(|e| anyhow!("{}: {e}", scenario_path.display()))?;
    if let Some(posting) = why {
        let text = pacta_core::engine::why(&run.state, &run.journal, posting).ok_or_else(|| anyhow!("there is no posting {posting}"))?;
        println!("{text}");
    } else if json {
        println!("{}", serde_json::to_string_pretty(&render::json::report(&run))?);
    } else {
        print!("{}", render::text::report(&run));
    }
    Ok(if run.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
