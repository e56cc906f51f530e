//! `pacta check`'s locked-funds analysis on the hand-built seed escrow and variants of it.

mod common;

use pacta_core::agreement::{Action, Agreement, Anchor, Clause, Condition, Rule};
use pacta_core::analysis::{locked_funds, Analysis, LockedFunds};
use pacta_core::calendar::Period;
use pacta_core::money::Currency;

fn messages(analysis: &Analysis) -> String {
    analysis.locked.iter().map(|l| l.message(Currency::USD)).collect::<Vec<_>>().join("\n\n")
}

/// The one warning about `escrow`, insisting there is exactly one.
fn only_escrow_warning(analysis: &Analysis) -> &LockedFunds {
    assert_eq!(analysis.locked.len(), 1, "expected one warning, got:\n{}\nnotes: {:?}", messages(analysis), analysis.notes);
    let locked = &analysis.locked[0];
    assert_eq!(locked.account, "escrow");
    locked
}

fn without_clauses(mut agreement: Agreement, numbers: &[&str]) -> Agreement {
    agreement.clauses.retain(|c| !numbers.contains(&c.number.as_str()));
    agreement
}

/// Adds `unless CONDITION within 30 business days of dated: refund escrow to each purchaser`
/// as a clause of its own, right after §1.7.
fn with_refund_unless(mut agreement: Agreement, condition: Condition) -> Agreement {
    let rule = Rule::Unless { condition, period: Period::business_days(30), anchor: Anchor::Dated, actions: vec![Action::Refund { account: "escrow".into() }] };
    let after = agreement.clauses.iter().position(|c| c.number == "1.7").expect("the fixture has §1.7") + 1;
    agreement.clauses.insert(after, Clause { number: "1.8".into(), title: "Long stop".into(), rules: vec![rule] });
    agreement
}

fn release_condition() -> Condition {
    Condition::All(vec![
        Condition::Signed("release_notice".into()),
        Condition::Received("nir_waiver".into()),
        Condition::Received("signature_pages".into()),
        Condition::Received("closing_documents".into()),
    ])
}

#[test]
fn waiver_in_time_without_a_release_notice_locks_the_escrow() {
    let analysis = locked_funds(&common::escrow());
    let locked = only_escrow_warning(&analysis);
    let text = locked.message(Currency::USD);
    assert_eq!(locked.path.len(), 2, "{text}");
    assert!(locked.path[0].contains("deposit"), "{text}");
    assert!(locked.path[1].contains("nir_waiver"), "{text}");
    assert!(locked.path[1].contains("before §1.7's deadline"), "{text}");
    assert_eq!(locked.amount, common::usd("7,999,999.98"), "both purchasers' deposits stay");
    let freed_by = locked.freed_by.join("; ");
    assert!(freed_by.contains("§1.5 Release (once signed release_notice"), "{freed_by}");
    assert!(freed_by.contains("settlement signed by company and each purchaser (§2.14)"), "{freed_by}");
    assert!(freed_by.contains("final court order (§2.9)"), "{freed_by}");
    assert!(freed_by.contains("deposit with the court (§2.14)"), "{freed_by}");
    assert!(text.starts_with("money can stay in `escrow` forever: after purchasers deposit → nir delivers nir_waiver"), "{text}");
    // Other states locked the same way (the waiver plus some closing papers) are counted, not repeated.
    assert!(locked.similar_states > 0, "{text}");
}

#[test]
fn deposits_alone_released_and_refunded_states_are_not_locked() {
    let analysis = locked_funds(&common::escrow());
    for locked in &analysis.locked {
        // Deposits alone are refunded by §1.7, so every lock needs the waiver in time.
        assert!(locked.path.iter().any(|step| step.contains("nir_waiver")), "{}", locked.message(Currency::USD));
        assert!(!locked.path.iter().any(|step| step.starts_with("time passes")), "{}", locked.message(Currency::USD));
    }
}

#[test]
fn without_disputes_or_courts_only_the_release_can_free_it() {
    let analysis = locked_funds(&without_clauses(common::escrow(), &["2.9", "2.14"]));
    let locked = only_escrow_warning(&analysis);
    assert_eq!(locked.freed_by.len(), 1, "{}", locked.message(Currency::USD));
    assert!(locked.freed_by[0].starts_with("§1.5 Release (once signed release_notice"), "{:?}", locked.freed_by);
}

#[test]
fn a_refund_unless_the_release_happens_in_time_leaves_nothing_locked() {
    let agreement = with_refund_unless(common::escrow(), release_condition());
    let analysis = locked_funds(&agreement);
    assert!(analysis.locked.is_empty(), "{}", messages(&analysis));
    assert!(!analysis.truncated, "{:?}", analysis.notes);
}

#[test]
fn a_refund_unless_only_the_notice_is_signed_still_locks_when_closing_papers_never_come() {
    // `unless signed release_notice within 30 business days`: a Release Notice signed in
    // time meets the refund's deadline, but §1.5 also needs the signature pages and closing
    // documents, and if they never come nothing moves the money.
    let agreement = with_refund_unless(common::escrow(), Condition::Signed("release_notice".into()));
    let analysis = locked_funds(&agreement);
    let locked = only_escrow_warning(&analysis);
    let text = locked.message(Currency::USD);
    assert!(locked.path.iter().any(|step| step.contains("sign release_notice before §1.8's deadline")), "{text}");
    assert!(locked.freed_by[0].starts_with("§1.5 Release (once received"), "{text}");
    assert!(!locked.freed_by[0].contains("signed release_notice"), "{text}");
}

#[test]
fn the_escrow_search_is_bounded_and_complete() {
    let analysis = locked_funds(&common::escrow());
    assert!(analysis.states_explored > 5, "explored {}", analysis.states_explored);
    assert!(!analysis.truncated, "{:?}", analysis.notes);
    assert!(analysis.notes.iter().any(|n| n.contains("purchaser_1")), "{:?}", analysis.notes);
}

#[test]
fn the_analysis_is_deterministic() {
    assert_eq!(locked_funds(&common::escrow()), locked_funds(&common::escrow()));
}
