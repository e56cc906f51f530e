//! The machine report of a simulation. Amounts are exact decimal strings.

use serde_json::{json, Value};

use crate::scenario::run::Run;
use pacta_core::engine::words::describe;

pub fn report(run: &Run) -> Value {
    let state = &run.state;
    let currency = state.agreement.currency;
    let journal: Vec<Value> =
        run.journal.iter().enumerate().map(|(i, e)| json!({ "seq": i + 1, "at": e.at.to_string(), "text": describe(state, e) })).collect();
    let postings: Vec<Value> = pacta_core::engine::postings(&run.journal)
        .map(|p| {
            json!({
                "id": p.id,
                "at": p.at.to_string(),
                "debit": p.debit.label(),
                "credit": p.credit.label(),
                "amount": p.amount.to_plain(currency),
                "currency": currency.code,
                "clause": &*p.cause.clause,
                "clause_title": &*p.cause.clause_title,
                "why": p.cause.explain(),
            })
        })
        .collect();
    let balances: Vec<Value> =
        state.ledger.balances().map(|(account, m)| json!({ "account": account.label(), "balance": m.to_plain(currency), "currency": currency.code })).collect();
    let steps: Vec<Value> = run
        .entries
        .iter()
        .map(|e| {
            json!({
                "line": e.step.line,
                "at": e.at.to_string(),
                "command": e.step.text,
                "accepted": e.rejection.is_none(),
                "rejection": e.rejection.as_ref().map(|r| json!({ "code": r.code, "message": r.message, "clause": r.clause })),
                "unexpected": e.surprise,
            })
        })
        .collect();
    json!({
        "agreement": { "id": state.id, "title": state.agreement.title, "version": state.version, "currency": currency.code },
        "steps": steps,
        "journal": journal,
        "postings": postings,
        "balances": balances,
        "expectations": { "passed": run.passed(), "failures": run.expectation_failures },
    })
}
