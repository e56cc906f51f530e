//! The human report of a simulation: journal, postings with their clauses, balances.

use std::fmt::Write;

use pacta_core::engine::DeadlineStatus;

use crate::scenario::run::Run;
use pacta_core::engine::words::{describe, local_time};

pub fn report(run: &Run) -> String {
    let mut out = String::new();
    let state = &run.state;
    let agreement = &state.agreement;
    let _ = writeln!(out, "{} — `{}`, version {}", agreement.title, state.id, state.version);
    let _ = writeln!(out, "dated {} · {} · business days {} in {}", agreement.dated, agreement.currency.code, agreement.calendar.name(), agreement.time_zone);
    journal(&mut out, run);
    postings(&mut out, run);
    balances(&mut out, run);
    deadlines(&mut out, run);
    outcome(&mut out, run);
    out
}

fn journal(out: &mut String, run: &Run) {
    let state = &run.state;
    let _ = writeln!(out, "\nJournal");
    let mut printed = 0;
    let print_range = |out: &mut String, range: std::ops::Range<usize>| {
        for seq in range {
            let event = &run.journal[seq];
            let _ = writeln!(out, "  {:>4}  {}  {}", seq + 1, local_time(state, event.at), describe(state, event));
        }
    };
    let first = run.entries.first().map_or(run.journal.len(), |e| e.journal.start);
    print_range(out, 0..first);
    printed += first;
    for entry in &run.entries {
        let _ = writeln!(out, "        {}  > {}", local_time(state, entry.at), entry.step.text.split_whitespace().skip(2).collect::<Vec<_>>().join(" "));
        print_range(out, entry.journal.clone());
        printed += entry.journal.len();
        if let Some(rejection) = &entry.rejection {
            let _ = writeln!(out, "        REJECTED {rejection}");
        }
        if let Some(surprise) = &entry.surprise {
            let _ = writeln!(out, "        UNEXPECTED (line {}): {surprise}", entry.step.line);
        }
    }
    debug_assert_eq!(printed, run.journal.len(), "every journal entry is printed once");
}

fn postings(out: &mut String, run: &Run) {
    let state = &run.state;
    let currency = state.agreement.currency;
    let _ = writeln!(out, "\nPostings");
    for p in pacta_core::engine::postings(&run.journal) {
        let _ = writeln!(
            out,
            "  #{:<3} {}  {:>16} {}  {} -> {}\n        {}",
            p.id,
            local_time(state, p.at),
            p.amount.display(currency),
            currency.code,
            p.debit.label(),
            p.credit.label(),
            p.cause.explain()
        );
    }
}

fn balances(out: &mut String, run: &Run) {
    let state = &run.state;
    let currency = state.agreement.currency;
    let _ = writeln!(out, "\nBalances");
    for account in &state.agreement.accounts {
        let total = state.ledger.custody_total(&account.name);
        let _ = writeln!(out, "  {:<28} {:>16} {}  (custody, held by {})", account.name, total.display(currency), currency.code, account.held_by);
    }
    for (account, balance) in state.ledger.balances().filter(|(a, _)| !a.is_custody()) {
        let _ = writeln!(out, "  {:<28} {:>16} {}", account.label(), balance.display(currency), currency.code);
    }
    let _ = writeln!(out, "  {:<28} {:>16}", "sum of all balances", state.ledger.sum_of_balances());
}

fn deadlines(out: &mut String, run: &Run) {
    let state = &run.state;
    if state.deadlines.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nDeadlines");
    for entry in state.deadlines.values() {
        let status = match &entry.status {
            DeadlineStatus::Pending => "pending".to_string(),
            DeadlineStatus::Met(at) => format!("met {}", local_time(state, *at)),
            DeadlineStatus::Fired => "passed unmet; fired".to_string(),
            DeadlineStatus::Cancelled(why) => format!("cancelled ({why})"),
        };
        let _ = writeln!(out, "  {:>3}  due {}  {}", entry.id, local_time(state, entry.deadline.due), status);
    }
}

fn outcome(out: &mut String, run: &Run) {
    let surprises = run.entries.iter().filter(|e| e.surprise.is_some()).count();
    let step_checks = run.entries.iter().filter(|e| e.step.expect.is_some()).count();
    let _ = writeln!(out, "\nExpectations");
    for failure in &run.expectation_failures {
        let _ = writeln!(out, "  FAILED {failure}");
    }
    let total = run.expectations_checked + step_checks;
    let failed = run.expectation_failures.len() + surprises;
    let _ = writeln!(out, "  {} passed, {} failed", total - failed, failed);
}
