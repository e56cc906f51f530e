//! Deadline actions a dispute's hold blocked (owed): when the hold lifts they run
//! in the order they would have run without it, and one waits for an earlier one
//! that is still held rather than being dropped.

mod common;

use common::*;
use pacta_core::agreement::{Action, PartyRef, PayAmount, PayLeg, Rule};
use pacta_core::consent::{Direction, Terms};
use pacta_core::engine::{self, CommandKind, EventKind};
use pacta_core::ledger::LedgerAccount;

fn settle_with_company_share(state: &mut pacta_core::engine::State) -> Vec<pacta_core::engine::Event> {
    let mut settled = Vec::new();
    for signer in ["company", "alpha", "beta", "gamma"] {
        let directions = vec![Direction::Pay { amount: PayAmount::Fixed(usd("60,000.00")), to: "company".into() }];
        let kind = signed(state, signer, "settlement", Terms::Directions(directions));
        settled.extend(ok(state, cmd("2005-09-20T10:00:00-04:00", signer, kind)).events().cloned());
    }
    settled
}

/// The seed escrow plus a second refund, under `number`, 15 business days
/// after the agreement's date (due the end of 2005-09-12, after §1.7's 10), held
/// by alpha's dispute from 2005-08-23 through both deadlines, so both are owed;
/// then the settlement lifts the hold. Returns the settlement's events.
fn both_refunds_owed_then_settled(number: &str) -> (pacta_core::engine::State, Vec<pacta_core::engine::Event>) {
    let mut agreement = escrow();
    agreement.clauses.push(unless_received(number, "Late return", "closing_documents", 15, vec![Action::Refund { account: "escrow".into() }]));
    let mut state = funded(agreement);
    ok(&mut state, cmd("2005-08-23T10:00:00-04:00", "alpha", CommandKind::Dispute { reason: "ownership of funds".into() }));
    let ticked = ok(&mut state, cmd("2005-09-14T00:00:00-04:00", "company", CommandKind::Tick));
    let owed: Vec<_> = ticked.events().filter(|e| matches!(e.kind, EventKind::ActionBlocked { owed: true, .. })).map(|e| e.at).collect();
    assert_eq!(owed, [ts("2005-09-03T04:00:00Z"), ts("2005-09-13T04:00:00Z")], "both fall due while held, each at its own instant");
    assert_eq!(state.ledger.custody_total("escrow"), usd("600,000.00"));
    let settled = settle_with_company_share(&mut state);
    (state, settled)
}

/// When the settlement lifts the hold, the refund that fell due first (§1.7)
/// returns what the settlement left, and the later one finds the account paid
/// out, whether the later clause's number sorts after §1.7 ("1.8") or before it
/// as text ("1.10" < "1.7", so `state.owed`, keyed by rule, lists it first).
/// Before, the owed actions ran in key order and each refused while another was
/// owed, so with "1.8" the later clause refunded and §1.7 was refused.
#[test]
fn owed_refunds_run_in_the_order_they_fell_due() {
    for later in ["1.8", "1.10"] {
        let (state, settled) = both_refunds_owed_then_settled(later);
        assert!(state.ledger.custody_total("escrow").is_zero());
        assert_eq!(outside(&state, "company"), "60,000.00");
        assert_eq!(outside(&state, "alpha"), "-30,000.00", "alpha gets back its share of what the settlement left");
        let ran: Vec<&str> = settled
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::OwedActionRan { rule } => Some(rule.clause.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(ran, ["1.7", later], "the one that fell due first runs first");
        let to_purchasers = |p: &&pacta_core::ledger::Posting| matches!(&p.credit, LedgerAccount::Outside { party } if party.as_str() != "company");
        let refunds: Vec<&str> = engine::postings(&settled).filter(to_purchasers).map(|p| &*p.cause.clause).collect();
        assert_eq!(refunds, ["1.7", "1.7", "1.7"], "the refund that fell due first returns the money");
        let blocked: Vec<(&str, &str)> = settled
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::ActionBlocked { clause, reason, .. } => Some((clause.as_str(), reason.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(blocked.len(), 1, "{blocked:?}");
        assert_eq!(blocked[0].0, later);
        assert!(blocked[0].1.contains("already paid out under §1.7"), "{blocked:?}");
    }
}

/// Two deadlines that fall due at the same instant fire in the agreement's
/// order (deadline ids): without a dispute, §1.7's refund runs and §1.10's
/// payment to the company finds the account closed. Under a hold both are owed
/// since the same instant; the tie is broken as they would have fired (by
/// deadline id, not by clause number as text, where "1.10" < "1.7"), so the
/// hold does not change who gets the money.
#[test]
fn owed_actions_due_at_the_same_instant_run_in_the_order_they_would_have_fired() {
    let with_late_payout = || {
        let mut agreement = escrow();
        agreement.clauses.push(unless_received(
            "1.10",
            "Payout to the company",
            "closing_documents",
            10,
            vec![Action::Pay { from: "escrow".into(), legs: vec![PayLeg { amount: PayAmount::Rest, to: PartyRef::One("company".into()) }] }],
        ));
        agreement
    };

    // No hold: §1.7 fires first (same instant, declared first) and refunds.
    let mut free = funded(with_late_payout());
    ok(&mut free, cmd("2005-09-14T00:00:00-04:00", "company", CommandKind::Tick));
    assert_eq!(outside(&free, "company"), "0.00", "without a hold the refund wins the tie");

    // Under a hold: both owed since the same instant; on the lift the same rule should win.
    let mut held = funded(with_late_payout());
    ok(&mut held, cmd("2005-08-23T10:00:00-04:00", "alpha", CommandKind::Dispute { reason: "ownership of funds".into() }));
    ok(&mut held, cmd("2005-09-14T00:00:00-04:00", "company", CommandKind::Tick));
    let settled = settle_with_company_share(&mut held);
    let paid: Vec<&str> =
        engine::postings(&settled).filter(|p| matches!(&p.credit, LedgerAccount::Outside { .. })).map(|p| &*p.cause.clause).filter(|c| *c != "2.14").collect();
    assert_eq!(outside(&held, "company"), "60,000.00", "the settlement's share only; then §1.7 refunds the rest, as without the hold (paid: {paid:?})");
}

/// An owed action waits for an earlier owed one that shares an account with it.
/// Here §1.7 (due first) pays a fixed fee from `escrow` and refunds `fees`;
/// §1.8 (due later) refunds `escrow`. A court order lifts the hold on `escrow`
/// only: §1.8's own account is free, but §1.7, whose `fees` is still held, comes
/// first, so §1.8 stays owed (refusing it for good would leave what §1.7 does
/// not take in `escrow` owed to nobody). When `fees` is released, §1.7 runs and
/// then §1.8 refunds the rest.
#[test]
fn an_owed_action_waiting_for_an_earlier_one_stays_owed() {
    use pacta_core::agreement::{Account, HoldRelease, PartySet, Permission, SetMode, Trigger};
    let mut agreement = escrow();
    agreement.accounts.push(Account { name: "fees".into(), title: None, held_by: "agent".into(), limit: None });
    agreement.clauses.retain(|c| c.number != "1.7" && c.number != "2.14");
    agreement.clauses.push(clause(
        "1.1a",
        "Fees account",
        vec![Rule::May {
            who: PartySet { mode: SetMode::AllOf, members: vec![PartyRef::Each("purchaser".into())] },
            act: Permission::Deposit { account: "fees".into() },
        }],
    ));
    agreement.clauses.push(unless_received(
        "1.7",
        "Fee and return of fees",
        "nir_waiver",
        10,
        vec![
            Action::Pay { from: "escrow".into(), legs: vec![PayLeg { amount: PayAmount::Fixed(usd("100,000.00")), to: PartyRef::One("company".into()) }] },
            Action::Refund { account: "fees".into() },
        ],
    ));
    agreement.clauses.push(unless_received("1.8", "Return of the rest", "closing_documents", 15, vec![Action::Refund { account: "escrow".into() }]));
    let until = vec![HoldRelease::Signed("settlement".into()), HoldRelease::CourtOrder];
    agreement.clauses.push(clause(
        "2.14",
        "Disputes",
        vec![Rule::On {
            trigger: Trigger::Dispute { by: PartySet { mode: SetMode::AllOf, members: vec![PartyRef::Any] } },
            actions: vec![Action::Hold { account: "escrow".into(), until: until.clone() }, Action::Hold { account: "fees".into(), until }],
        }],
    ));
    let mut state = funded(agreement);
    ok(&mut state, cmd("2005-08-19T12:00:00-04:00", "alpha", CommandKind::Deposit { account: "fees".into(), amount: usd("1,000.00") }));
    ok(&mut state, cmd("2005-08-23T10:00:00-04:00", "alpha", CommandKind::Dispute { reason: "ownership of funds".into() }));
    ok(&mut state, cmd("2005-09-14T00:00:00-04:00", "company", CommandKind::Tick));
    assert_eq!(state.owed.len(), 2, "both owed");
    let order = |account: &str| CommandKind::CourtOrder {
        court: "New York County".into(),
        account: account.into(),
        order_sha256: [9; 32],
        is_final: true,
        directions: vec![Direction::Pay { amount: PayAmount::Fixed(usd("1.00")), to: "company".into() }],
    };
    ok(&mut state, cmd("2005-09-20T10:00:00-04:00", "agent", order("escrow")));
    assert_eq!(state.owed.len(), 2, "§1.8 must wait for §1.7 (whose `fees` is still held), not be dropped: owed = {:?}", state.owed);
    ok(&mut state, cmd("2005-09-21T10:00:00-04:00", "agent", order("fees")));
    assert!(state.ledger.custody_total("escrow").is_zero(), "§1.7 pays its fee, then §1.8 refunds the rest; left: {:?}", state.ledger.custody_total("escrow"));
}
