//! Shared fixtures for pacta-core's integration tests: the seed escrow built by
//! hand (the same meaning as agreements/escrow.pact, without depending on the
//! language crate), demo keys, and helpers to run commands.
#![allow(dead_code)]

use jiff::civil::date;
use jiff::Timestamp;
use pacta_core::agreement::*;
use pacta_core::calendar::{CalendarId, Period};
use pacta_core::consent::{demo_signing_key, ConsentScope, PublicKey, Terms};
use pacta_core::engine::{self, Command, CommandKind, Decision, State};
use pacta_core::money::{Currency, Money};

pub const ID: &str = "escrow-test";

pub fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).expect("fixture amounts are valid")
}

fn one(name: &str) -> PartyRef {
    PartyRef::One(name.into())
}

fn all(refs: Vec<PartyRef>) -> PartySet {
    PartySet { mode: SetMode::AllOf, members: refs }
}

fn company_and_purchasers() -> PartySet {
    all(vec![one("company"), PartyRef::Each("purchaser".into())])
}

fn single(name: &str, legal: &str, agent: bool) -> Party {
    Party { name: name.into(), legal_name: legal.into(), kind: PartyKind::Single { escrow_agent: agent } }
}

pub fn clause(number: &str, title: &str, rules: Vec<Rule>) -> Clause {
    Clause { number: number.into(), title: title.into(), rules }
}

/// A clause of one deadline rule: unless `document` is received within
/// `business_days` of the agreement's date, `actions`.
pub fn unless_received(number: &str, title: &str, document: &str, business_days: u32, actions: Vec<Action>) -> Clause {
    let rule = Rule::Unless { condition: Condition::Received(document.into()), period: Period::business_days(business_days), anchor: Anchor::Dated, actions };
    clause(number, title, vec![rule])
}

/// The seed escrow (seed 002, Articles 1 and 2), as agreements/escrow.pact means it.
pub fn escrow() -> Agreement {
    let docs_in =
        vec![Condition::Received("nir_waiver".into()), Condition::Received("signature_pages".into()), Condition::Received("closing_documents".into())];
    let mut release_condition = vec![Condition::Signed("release_notice".into())];
    release_condition.extend(docs_in.clone());
    Agreement {
        title: "Escrow Agreement".into(),
        dated: date(2005, 8, 19),
        governed_by: Some("New York".into()),
        currency: Currency::USD,
        calendar: CalendarId::UsFederalReserve,
        time_zone: "America/New_York".into(),
        cutoff: None,
        parties: vec![
            single("company", "ROO Group, Inc.", false),
            single("agent", "Kramer Levin Naftalis & Frankel LLP", true),
            Party { name: "purchaser".into(), legal_name: "each Purchaser signatory hereto".into(), kind: PartyKind::Many },
            single("nir", "NIR Group", false),
            single("kramer", "Kramer Levin Naftalis & Frankel LLP", false),
            single("sichenzia", "Sichenzia Ross Friedman Ference LLP", false),
            single("burnham", "Burnham Hill Partners, a division of Pali Capital, Inc.", false),
        ],
        accounts: vec![Account { name: "escrow".into(), title: None, held_by: "agent".into(), limit: Some(usd("7,999,999.98")) }],
        documents: vec![
            Document {
                name: "nir_waiver".into(),
                title: Some("NIR Waiver (Exhibit B)".into()),
                delivered_by: PartySet { mode: SetMode::AnyOf, members: vec![one("nir"), one("company")] },
            },
            Document { name: "signature_pages".into(), title: None, delivered_by: company_and_purchasers() },
            Document { name: "closing_documents".into(), title: None, delivered_by: all(vec![one("company")]) },
        ],
        instruments: vec![
            Instrument { name: "release_notice".into(), title: Some("Release Notice (Exhibit A)".into()), signed_by: company_and_purchasers() },
            Instrument { name: "settlement".into(), title: None, signed_by: company_and_purchasers() },
        ],
        events: vec![],
        clauses: vec![
            clause(
                "1.1",
                "Escrow account",
                vec![Rule::May { who: all(vec![PartyRef::Each("purchaser".into())]), act: Permission::Deposit { account: "escrow".into() } }],
            ),
            clause(
                "1.2",
                "Advice of funds",
                vec![Rule::When {
                    condition: Condition::All(docs_in),
                    actions: vec![Action::Notify { to: company_and_purchasers(), subject: "amount of funds received".into() }],
                }],
            ),
            clause(
                "1.5",
                "Release",
                vec![Rule::When {
                    condition: Condition::All(release_condition),
                    actions: vec![Action::Pay {
                        from: "escrow".into(),
                        legs: vec![
                            PayLeg { amount: PayAmount::Fixed(usd("15,000.00")), to: one("kramer") },
                            PayLeg { amount: PayAmount::Fixed(usd("48,500.00")), to: one("sichenzia") },
                            PayLeg { amount: PayAmount::Fixed(usd("520,000.00")), to: one("burnham") },
                            PayLeg { amount: PayAmount::Rest, to: one("company") },
                        ],
                    }],
                }],
            ),
            unless_received("1.7", "Return of funds", "nir_waiver", 10, vec![Action::Refund { account: "escrow".into() }]),
            clause("2.7", "Amendment", vec![Rule::Amendments { signed_by: all(vec![one("company"), PartyRef::Each("purchaser".into()), one("agent")]) }]),
            clause("2.9", "Court orders", vec![Rule::CourtOrders { obeyed_by: "agent".into() }]),
            clause(
                "2.12",
                "Resignation",
                vec![Rule::Resignation(Resignation {
                    agent: "agent".into(),
                    notify: company_and_purchasers(),
                    successor_appointed_by: company_and_purchasers(),
                    accounts: vec!["escrow".into()],
                })],
            ),
            clause(
                "2.14",
                "Disputes",
                vec![
                    Rule::On {
                        trigger: Trigger::Dispute { by: PartySet { mode: SetMode::AllOf, members: vec![PartyRef::Any] } },
                        actions: vec![Action::Hold {
                            account: "escrow".into(),
                            until: vec![HoldRelease::Signed("settlement".into()), HoldRelease::CourtOrder],
                        }],
                    },
                    Rule::CourtDeposit { by: "agent".into(), account: "escrow".into(), court: "New York County".into() },
                ],
            ),
        ],
        memo: Default::default(),
    }
}

pub fn key_of(identity: &str) -> [u8; 32] {
    demo_signing_key(identity).verifying_key().to_bytes()
}

/// Opens `agreement` with demo keys for every single party, at the start of its date.
pub fn open(agreement: Agreement) -> State {
    open_recorded(agreement).0
}

pub fn ts(text: &str) -> Timestamp {
    text.parse().expect("fixture timestamps are valid")
}

pub fn cmd(at: &str, actor: &str, kind: CommandKind) -> Command {
    Command { at: ts(at), actor: actor.into(), kind }
}

/// A correctly signed counterpart of `instrument` over `terms` by `signer`.
pub fn signed(state: &State, signer: &str, instrument: &str, terms: Terms) -> CommandKind {
    let scope = ConsentScope { agreement_id: &state.id, version: state.version, instrument, signer, terms: &terms };
    let signature = scope.sign(&demo_signing_key(signer));
    CommandKind::Sign { instrument: instrument.into(), terms, signature, check: None }
}

/// Executes and insists the command is accepted.
pub fn ok(state: &mut State, command: Command) -> Decision {
    let decision = engine::execute(state, &command);
    if let Err(rejection) = &decision.outcome {
        panic!("{} by {} was rejected: {rejection}", command.kind.name(), command.actor);
    }
    decision
}

/// Executes and returns the rejection code, insisting there is one.
pub fn rejected(state: &mut State, command: Command) -> &'static str {
    match engine::execute(state, &command).outcome {
        Err(rejection) => rejection.code,
        Ok(_) => panic!("{} by {} was accepted but should not be", command.kind.name(), command.actor),
    }
}

/// Three purchasers join and deposit 300,000.00, 200,000.00 and 100,000.00.
pub fn funded_escrow() -> State {
    funded(escrow())
}

/// `agreement` (the seed escrow or a variant of it) opened and funded as `funded_escrow` is.
pub fn funded(agreement: Agreement) -> State {
    let mut state = open(agreement);
    for member in ["alpha", "beta", "gamma"] {
        let join = CommandKind::Join {
            role: "purchaser".into(),
            member: member.into(),
            legal_name: format!("{member} fund"),
            public_key: PublicKey::from_bytes(&key_of(member)).expect("a demo key is valid"),
        };
        ok(&mut state, cmd("2005-08-19T10:00:00-04:00", "agent", join));
    }
    for (member, amount) in [("alpha", "300,000.00"), ("beta", "200,000.00"), ("gamma", "100,000.00")] {
        ok(&mut state, cmd("2005-08-19T11:00:00-04:00", member, CommandKind::Deposit { account: "escrow".into(), amount: usd(amount) }));
    }
    state
}

/// A party's outside balance, as text in dollars (`-30,000.00` for one that paid in).
pub fn outside(state: &State, party: &str) -> String {
    state.ledger.balance(&pacta_core::ledger::LedgerAccount::outside(party)).display(Currency::USD)
}

pub fn deliver(state: &mut State, at: &str, who: &str, document: &str) {
    ok(state, cmd(at, who, CommandKind::Deliver { document: document.into(), sha256: [7; 32] }));
}

/// Everything but the waiver and the Release Notice: signature pages and closing documents.
pub fn deliver_closing_set(state: &mut State, at: &str) {
    for who in ["company", "alpha", "beta", "gamma"] {
        deliver(state, at, who, "signature_pages");
    }
    deliver(state, at, "company", "closing_documents");
}

/// Opens `agreement` like `open`, and also returns the events `engine::open` recorded
/// (the start of the journal), for tests that replay journals.
pub fn open_recorded(agreement: Agreement) -> (State, Vec<pacta_core::engine::Event>) {
    let keys = agreement.parties.iter().filter(|p| matches!(p.kind, PartyKind::Single { .. })).map(|p| (p.name.clone(), key_of(&p.name))).collect();
    let at = ts("2005-08-19T09:00:00-04:00");
    engine::open(ID, agreement, [0; 32], keys, at).expect("fixture opens")
}
