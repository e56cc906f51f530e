//! Every scenario in agreements/scenarios, run through the real `pacta` binary:
//! each must meet its own expectations, and its full report is snapshotted so
//! any change in what the engine does or says shows up in review.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

/// Scenario files are named after the agreement they run against.
fn agreement_for(scenario: &str) -> &'static str {
    match scenario.split('-').next() {
        Some("escrow") => "agreements/escrow.pact",
        Some("omnibus") => "agreements/omnibus-waiver.pact",
        Some("note") => "agreements/note-purchase.pact",
        _ => panic!("no agreement for scenario {scenario}: name it escrow-*, omnibus-* or note-*"),
    }
}

fn pacta(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pacta")).args(args).current_dir(repo()).output().expect("pacta runs")
}

fn scenarios() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("agreements/scenarios"))
        .expect("scenario folder")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".scenario"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_scenario_meets_its_expectations_and_matches_its_snapshot() {
    let names = scenarios();
    assert!(names.len() >= 17, "expected every path to have a scenario, found {}", names.len());
    for name in names {
        let path = format!("agreements/scenarios/{name}");
        let output = pacta(&["simulate", agreement_for(&name), &path]);
        let stdout = String::from_utf8(output.stdout).expect("utf-8");
        assert!(output.status.success(), "{name} failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
        assert!(stdout.contains(" 0 failed"), "{name}: {stdout}");
        insta::assert_snapshot!(name.trim_end_matches(".scenario"), stdout);
    }
}

#[test]
fn json_report_gives_exact_postings_with_clauses() {
    let output = pacta(&["simulate", "agreements/escrow.pact", "agreements/scenarios/escrow-release.scenario", "--json"]);
    assert!(output.status.success());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let postings = report["postings"].as_array().expect("postings");
    let paid = |to: &str| postings.iter().find(|p| p["credit"] == to).map(|p| (p["amount"].clone(), p["clause"].clone(), p["debit"].clone()));
    assert_eq!(paid("kramer"), Some(("15000.00".into(), "1.5".into(), "escrow".into())));
    assert_eq!(paid("sichenzia"), Some(("48500.00".into(), "1.5".into(), "escrow".into())));
    assert_eq!(paid("burnham"), Some(("520000.00".into(), "1.5".into(), "escrow".into())));
    assert_eq!(paid("company"), Some(("5416500.00".into(), "1.5".into(), "escrow".into())));
    for posting in postings {
        assert_eq!(posting["currency"], "USD");
        assert!(posting["at"].as_str().is_some_and(|t| t.starts_with("2005-08-")), "{posting}");
    }
    let escrow = report["balances"].as_array().unwrap().iter().find(|b| b["account"] == "escrow");
    assert!(escrow.is_none(), "a zero balance is not listed: the escrow is empty");
}

#[test]
fn why_explains_a_posting_by_its_clause_and_authority() {
    let output = pacta(&["simulate", "agreements/escrow.pact", "agreements/scenarios/escrow-release.scenario", "--why", "10"]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("5,416,500.00 USD from escrow to company"), "{text}");
    assert!(text.contains("§1.5 Release — Release Notice (Exhibit A) executed by company and all 3 purchasers (alpha, beta, gamma) on 2005-08-24"), "{text}");
    assert!(text.contains("NIR Waiver (Exhibit B) received 2005-08-22 (sha256"), "{text}");
}

#[test]
fn a_scenario_that_misses_its_expectations_fails() {
    let dir = std::env::temp_dir().join(format!("pacta-scenario-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = dir.join("wrong.scenario");
    std::fs::write(&scenario, "2005-08-19 10:00 agent admits purchaser alpha \"A\"\n2005-08-19 11:00 alpha deposits 5.00 into escrow\nexpect balance escrow 6.00\n").unwrap();
    let output = pacta(&["simulate", "agreements/escrow.pact", scenario.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("balance of `escrow` is 5.00, expected 6.00"));
}

#[test]
fn check_accepts_the_seed_agreements() {
    let output = pacta(&["check", "agreements/escrow.pact", "agreements/omnibus-waiver.pact", "agreements/note-purchase.pact"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    // The design's locked-funds case: the waiver came in time, the Release Notice never does.
    let warning = stderr.lines().skip_while(|l| !l.contains("money can stay in `escrow` forever")).take(2).collect::<Vec<_>>().join("\n");
    assert!(warning.contains("nir delivers nir_waiver"), "{stderr}");
    assert!(warning.contains("§1.5 Release (once signed release_notice"), "{stderr}");
    assert!(warning.contains("a settlement signed by company and each purchaser (§2.14), a final court order (§2.9)"), "{stderr}");
    assert_eq!(stderr.matches("warning[locked-funds]").count(), 1, "only the escrow can lock money: {stderr}");
}

#[test]
fn check_rejects_an_undefined_party_with_its_line_and_column() {
    let dir = std::env::temp_dir().join(format!("pacta-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = std::fs::read_to_string(repo().join("agreements/escrow.pact")).unwrap();
    let broken = source.replace("15,000.00 to kramer", "15,000.00 to kramr");
    let line = broken.lines().position(|l| l.contains("kramr")).unwrap() + 1;
    let column = broken.lines().nth(line - 1).unwrap().find("kramr").unwrap() + 1;
    let file = dir.join("broken.pact");
    std::fs::write(&file, broken).unwrap();
    let output = pacta(&["check", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("kramr"), "{stderr}");
    assert!(stderr.contains(&format!("broken.pact:{line}:{column}")), "expected {line}:{column} in:\n{stderr}");
}

#[test]
fn fmt_leaves_the_seed_agreements_unchanged() {
    for file in ["agreements/escrow.pact", "agreements/omnibus-waiver.pact", "agreements/note-purchase.pact"] {
        let output = pacta(&["fmt", file]);
        assert!(output.status.success());
        let original = std::fs::read_to_string(repo().join(file)).unwrap();
        assert_eq!(String::from_utf8(output.stdout).unwrap(), original, "{file} is not in canonical form");
    }
}
