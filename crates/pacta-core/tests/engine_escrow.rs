//! The seed escrow's paths through the engine, on the hand-built fixture.

mod common;

use common::*;
use pacta_core::consent::{ConsentScope, PublicKey, Terms};
use pacta_core::engine::{self, CommandKind};
use pacta_core::ledger::LedgerAccount;

#[test]
fn release_pays_three_fees_and_the_rest_citing_1_5() {
    let mut state = funded_escrow();
    deliver(&mut state, "2005-08-22T10:00:00-04:00", "nir", "nir_waiver");
    deliver_closing_set(&mut state, "2005-08-23T10:00:00-04:00");
    for signer in ["company", "alpha", "beta"] {
        let kind = signed(&state, signer, "release_notice", Terms::AsWritten);
        ok(&mut state, cmd("2005-08-24T10:00:00-04:00", signer, kind));
        assert_eq!(state.ledger.custody_total("escrow"), usd("600,000.00"), "nothing moves before the last signature");
    }
    let kind = signed(&state, "gamma", "release_notice", Terms::AsWritten);
    let released = ok(&mut state, cmd("2005-08-24T11:00:00-04:00", "gamma", kind));
    assert_eq!(outside(&state, "kramer"), "15,000.00");
    assert_eq!(outside(&state, "sichenzia"), "48,500.00");
    assert_eq!(outside(&state, "burnham"), "520,000.00");
    assert_eq!(outside(&state, "company"), "16,500.00");
    assert!(state.ledger.custody_total("escrow").is_zero());
    let payouts: Vec<_> = engine::postings(released.events()).filter(|p| !p.debit.is_custody() || p.credit.is_custody()).collect();
    assert!(!payouts.is_empty());
    for posting in engine::postings(released.events()).filter(|p| matches!(p.credit, LedgerAccount::Outside { .. })) {
        assert_eq!(&*posting.cause.clause, "1.5");
    }
    let last = engine::postings(released.events()).last().unwrap().id;
    let why = engine::why(&state, released.events(), last).unwrap();
    assert!(why.contains("§1.5 Release — Release Notice (Exhibit A) executed by company and all 3 purchasers (alpha, beta, gamma) on 2005-08-24"), "{why}");
    assert!(why.contains("NIR Waiver (Exhibit B) received 2005-08-22"), "{why}");
    // The refund deadline was met, so it never fires.
    ok(&mut state, cmd("2005-09-10T00:00:00-04:00", "company", CommandKind::Tick));
    assert_eq!(outside(&state, "company"), "16,500.00");
}

#[test]
fn refund_fires_at_the_end_of_2005_09_02_new_york_time() {
    let mut state = funded_escrow();
    ok(&mut state, cmd("2005-09-02T23:59:59-04:00", "company", CommandKind::Tick));
    assert_eq!(state.ledger.custody_total("escrow"), usd("600,000.00"));
    let decision = ok(&mut state, cmd("2005-09-03T00:00:00-04:00", "company", CommandKind::Tick));
    assert!(!decision.deadline_events.is_empty());
    assert_eq!(decision.deadline_events[0].at, ts("2005-09-03T04:00:00Z"));
    assert_eq!(outside(&state, "alpha"), "0.00");
    assert!(state.ledger.custody_total("escrow").is_zero());
    let refunds: Vec<_> = engine::postings(decision.events()).filter(|p| &*p.cause.clause == "1.7").collect();
    assert!(!refunds.is_empty());
    for posting in refunds {
        assert_eq!(posting.at, ts("2005-09-03T04:00:00Z"));
    }
}

#[test]
fn waiver_one_second_before_the_deadline_prevents_the_refund() {
    let mut state = funded_escrow();
    deliver(&mut state, "2005-09-02T23:59:59-04:00", "nir", "nir_waiver");
    ok(&mut state, cmd("2005-09-20T00:00:00-04:00", "company", CommandKind::Tick));
    assert_eq!(state.ledger.custody_total("escrow"), usd("600,000.00"));
}

#[test]
fn waiver_at_the_deadline_is_too_late_and_release_then_finds_the_money_gone() {
    let mut state = funded_escrow();
    deliver(&mut state, "2005-09-03T00:00:00-04:00", "nir", "nir_waiver");
    assert!(state.ledger.custody_total("escrow").is_zero(), "the refund fired before the waiver arrived");
    deliver_closing_set(&mut state, "2005-09-04T10:00:00-04:00");
    for signer in ["company", "alpha", "beta"] {
        let kind = signed(&state, signer, "release_notice", Terms::AsWritten);
        ok(&mut state, cmd("2005-09-05T10:00:00-04:00", signer, kind));
    }
    let kind = signed(&state, "gamma", "release_notice", Terms::AsWritten);
    let code = rejected(&mut state, cmd("2005-09-05T11:00:00-04:00", "gamma", kind));
    assert_eq!(code, "account_closed");
}

#[test]
fn forged_and_missing_signatures_release_nothing() {
    let mut state = funded_escrow();
    deliver(&mut state, "2005-08-22T10:00:00-04:00", "nir", "nir_waiver");
    deliver_closing_set(&mut state, "2005-08-23T10:00:00-04:00");
    for signer in ["company", "alpha"] {
        let kind = signed(&state, signer, "release_notice", Terms::AsWritten);
        ok(&mut state, cmd("2005-08-24T10:00:00-04:00", signer, kind));
    }
    // beta's counterpart signed with alpha's key.
    let forged = match signed(&state, "alpha", "release_notice", Terms::AsWritten) {
        CommandKind::Sign { signature, .. } => CommandKind::Sign { instrument: "release_notice".into(), terms: Terms::AsWritten, signature, check: None },
        _ => unreachable!(),
    };
    assert_eq!(rejected(&mut state, cmd("2005-08-24T11:00:00-04:00", "beta", forged)), "bad_signature");
    assert_eq!(state.ledger.custody_total("escrow"), usd("600,000.00"));
}

/// A signature checked before the engine (as the server does, in parallel) with the check attached.
fn checked(state: &pacta_core::engine::State, signer: &str, kind: CommandKind) -> CommandKind {
    let CommandKind::Sign { instrument, terms, signature, .. } = kind else { unreachable!() };
    let scope = ConsentScope { agreement_id: &state.id, version: state.version, instrument: &instrument, signer, terms: &terms };
    let check = Some(Box::new(scope.check(&key_of(signer), &signature)));
    CommandKind::Sign { instrument, terms, signature, check }
}

#[test]
fn a_signature_check_counts_only_for_the_signer_and_scope_it_was_made_for() {
    let mut state = funded_escrow();
    deliver(&mut state, "2005-08-22T10:00:00-04:00", "nir", "nir_waiver");
    deliver_closing_set(&mut state, "2005-08-23T10:00:00-04:00");
    let company = checked(&state, "company", signed(&state, "company", "release_notice", Terms::AsWritten));
    ok(&mut state, cmd("2005-08-24T10:00:00-04:00", "company", company));

    // alpha's valid signature and its passing check, submitted as beta's: the
    // check covers alpha's scope, so the engine verifies for beta and refuses.
    let CommandKind::Sign { signature, check, .. } = checked(&state, "alpha", signed(&state, "alpha", "release_notice", Terms::AsWritten)) else {
        unreachable!()
    };
    let transplanted = CommandKind::Sign { instrument: "release_notice".into(), terms: Terms::AsWritten, signature, check };
    assert_eq!(rejected(&mut state, cmd("2005-08-24T11:00:00-04:00", "beta", transplanted)), "bad_signature");

    // A check that failed refuses the signature.
    let CommandKind::Sign { mut signature, .. } = signed(&state, "beta", "release_notice", Terms::AsWritten) else { unreachable!() };
    signature[10] ^= 1;
    let bad = checked(&state, "beta", CommandKind::Sign { instrument: "release_notice".into(), terms: Terms::AsWritten, signature, check: None });
    assert!(matches!(&bad, CommandKind::Sign { check: Some(_), .. }));
    assert_eq!(rejected(&mut state, cmd("2005-08-24T11:00:00-04:00", "beta", bad)), "bad_signature");
    assert_eq!(state.counterparts["release_notice"].signatures.len(), 1, "only the company's counterpart counts");
}

#[test]
fn dispute_holds_the_funds_until_a_final_court_order() {
    let mut state = funded_escrow();
    deliver(&mut state, "2005-08-22T10:00:00-04:00", "nir", "nir_waiver");
    ok(&mut state, cmd("2005-08-23T10:00:00-04:00", "alpha", CommandKind::Dispute { reason: "ownership of funds".into() }));
    deliver_closing_set(&mut state, "2005-08-23T11:00:00-04:00");
    for signer in ["company", "alpha", "beta"] {
        let kind = signed(&state, signer, "release_notice", Terms::AsWritten);
        ok(&mut state, cmd("2005-08-24T10:00:00-04:00", signer, kind));
    }
    let kind = signed(&state, "gamma", "release_notice", Terms::AsWritten);
    assert_eq!(rejected(&mut state, cmd("2005-08-24T11:00:00-04:00", "gamma", kind)), "held");
    let order = |is_final| CommandKind::CourtOrder {
        court: "New York County".into(),
        account: "escrow".into(),
        order_sha256: [9; 32],
        is_final,
        directions: vec![pacta_core::consent::Direction::RefundDepositors],
    };
    assert_eq!(rejected(&mut state, cmd("2005-10-01T10:00:00-04:00", "agent", order(false))), "order_not_final");
    ok(&mut state, cmd("2005-10-02T10:00:00-04:00", "agent", order(true)));
    assert_eq!(outside(&state, "alpha"), "0.00");
    assert!(state.ledger.custody_total("escrow").is_zero());
}

#[test]
fn replaying_the_journal_rebuilds_the_same_state() {
    let mut journal: Vec<_> = Vec::new();
    // Rebuild from scratch, recording every event this time.
    let fresh = open(escrow());
    let (_, opened) = pacta_core::engine::open(
        ID,
        escrow(),
        [0; 32],
        fresh.identities().filter_map(|(k, i)| i.public_key.map(|p| (k.to_string(), p))).collect(),
        ts("2005-08-19T09:00:00-04:00"),
    )
    .unwrap();
    journal.extend(opened);
    let mut live = fresh;
    for member in ["alpha", "beta"] {
        let join = CommandKind::Join {
            role: "purchaser".into(),
            member: member.into(),
            legal_name: member.into(),
            public_key: PublicKey::from_bytes(&key_of(member)).expect("a demo key is valid"),
        };
        journal.extend(ok(&mut live, cmd("2005-08-19T10:00:00-04:00", "agent", join)).events().cloned());
    }
    for (member, amount) in [("alpha", "1.00"), ("beta", "2.00")] {
        journal.extend(
            ok(&mut live, cmd("2005-08-19T11:00:00-04:00", member, CommandKind::Deposit { account: "escrow".into(), amount: usd(amount) })).events().cloned(),
        );
    }
    journal.extend(ok(&mut live, cmd("2005-09-05T00:00:00-04:00", "company", CommandKind::Tick)).events().cloned());
    let replayed = pacta_core::engine::replay(&journal).unwrap();
    assert_eq!(replayed, live);
    assert!(replayed.ledger.custody_total("escrow").is_zero());
}

/// An amendment may declare a new `many` role; its first member's join then
/// starts the role's list (a review found this panicking the engine).
#[test]
fn a_member_joins_a_role_an_amendment_added() {
    use pacta_core::agreement::{Party, PartyKind};
    use std::sync::Arc;
    let mut state = funded_escrow();
    let mut amended = escrow();
    amended.parties.push(Party { name: "lender".into(), legal_name: "each Lender".into(), kind: PartyKind::Many });
    let terms = Terms::Amendment { source_sha256: [9; 32], agreement: Arc::new(amended) };
    for signer in ["company", "alpha", "beta", "gamma", "agent"] {
        let kind = signed(&state, signer, "amendment", terms.clone());
        ok(&mut state, cmd("2005-08-20T10:00:00-04:00", signer, kind));
    }
    assert_eq!(state.version, 2);
    let public_key = PublicKey::from_bytes(&key_of("zeta")).expect("a demo key decodes");
    let join = CommandKind::Join { role: "lender".into(), member: "zeta".into(), legal_name: "Zeta".into(), public_key };
    ok(&mut state, cmd("2005-08-21T10:00:00-04:00", "agent", join));
    assert_eq!(state.members["lender"].iter().map(|m| m.as_str()).collect::<Vec<_>>(), ["zeta"]);
    assert_eq!(state.member_role("zeta").as_deref(), Some("lender"));
}
