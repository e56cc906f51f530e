//! The three seed agreements: they compile with no diagnostics, their IR says what the contracts
//! say, and the formatter leaves them as they are.

use pacta_core::agreement::*;
use pacta_core::calendar::{CalendarId, Period, PeriodUnit};
use pacta_core::money::{Currency, Money};

fn seed(name: &str) -> String {
    let path = format!(
        "{}/../../agreements/{name}.pact",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn compile_clean(name: &str) -> Agreement {
    let src = seed(name);
    let c = pacta_lang::compile(&src);
    assert!(
        c.diagnostics.is_empty(),
        "{}",
        pacta_lang::render(name, &src, &c.diagnostics, false)
    );
    c.agreement.expect("no errors means an agreement")
}

fn clause<'a>(a: &'a Agreement, number: &str) -> &'a Clause {
    a.clauses
        .iter()
        .find(|c| c.number == number)
        .unwrap_or_else(|| panic!("no clause {number}"))
}

fn usd(minor: i64) -> Money {
    Money::from_minor(minor)
}

#[test]
fn escrow_compiles_to_the_contract() {
    let a = compile_clean("escrow");
    assert_eq!(a.title, "Escrow Agreement");
    assert_eq!(a.dated, jiff::civil::date(2005, 8, 19));
    assert_eq!(a.governed_by.as_deref(), Some("New York"));
    assert_eq!(a.currency, Currency::USD);
    assert_eq!(a.calendar, CalendarId::UsFederalReserve);
    assert_eq!(a.time_zone, "America/New_York");
    assert_eq!(a.cutoff, None);
    assert_eq!(a.escrow_agent().map(|p| p.name.as_str()), Some("agent"));
    assert_eq!(
        a.party("purchaser").map(|p| &p.kind),
        Some(&PartyKind::Many)
    );
    assert_eq!(
        a.party("purchaser").map(|p| p.legal_name.as_str()),
        Some("each Purchaser signatory hereto")
    );
    assert_eq!(
        a.account("escrow").and_then(|x| x.limit),
        Some(usd(799_999_998))
    );
    assert_eq!(
        a.document("nir_waiver").map(|d| d.delivered_by.mode),
        Some(SetMode::AnyOf)
    );

    let Rule::When { condition, actions } = &clause(&a, "1.5").rules[0] else {
        panic!("1.5 is a when rule")
    };
    assert_eq!(
        condition,
        &Condition::All(vec![
            Condition::Signed("release_notice".into()),
            Condition::Received("nir_waiver".into()),
            Condition::Received("signature_pages".into()),
            Condition::Received("closing_documents".into()),
        ])
    );
    let [Action::Pay { from, legs }] = actions.as_slice() else {
        panic!("1.5 pays")
    };
    assert_eq!(from, "escrow");
    let amounts: Vec<PayAmount> = legs.iter().map(|l| l.amount).collect();
    assert_eq!(
        amounts,
        vec![
            PayAmount::Fixed(usd(1_500_000)),
            PayAmount::Fixed(usd(4_850_000)),
            PayAmount::Fixed(usd(52_000_000)),
            PayAmount::Rest
        ]
    );
    let payees: Vec<&PartyRef> = legs.iter().map(|l| &l.to).collect();
    assert_eq!(
        payees,
        [
            &PartyRef::One("kramer".into()),
            &PartyRef::One("sichenzia".into()),
            &PartyRef::One("burnham".into()),
            &PartyRef::One("company".into())
        ]
    );

    assert_eq!(
        clause(&a, "1.7").rules,
        vec![Rule::Unless {
            condition: Condition::Received("nir_waiver".into()),
            period: Period {
                count: 10,
                unit: PeriodUnit::BusinessDays
            },
            anchor: Anchor::Dated,
            actions: vec![Action::Refund {
                account: "escrow".into()
            }],
        }]
    );
    assert_eq!(
        clause(&a, "2.9").rules,
        vec![Rule::CourtOrders {
            obeyed_by: "agent".into()
        }]
    );
    let Rule::Resignation(r) = &clause(&a, "2.12").rules[0] else {
        panic!("2.12 is a resignation")
    };
    assert_eq!(r.agent, "agent");
    assert_eq!(r.accounts, vec!["escrow".to_string()]);
    assert_eq!(
        r.successor_appointed_by.members,
        vec![
            PartyRef::One("company".into()),
            PartyRef::Each("purchaser".into())
        ]
    );
    assert_eq!(
        clause(&a, "2.14").rules,
        vec![
            Rule::On {
                trigger: Trigger::Dispute {
                    by: PartySet {
                        mode: SetMode::AllOf,
                        members: vec![PartyRef::Any]
                    }
                },
                actions: vec![Action::Hold {
                    account: "escrow".into(),
                    until: vec![
                        HoldRelease::Signed("settlement".into()),
                        HoldRelease::CourtOrder
                    ]
                }],
            },
            Rule::CourtDeposit {
                by: "agent".into(),
                account: "escrow".into(),
                court: "a state or Federal court in the City of New York, Borough of Manhattan"
                    .into()
            },
        ]
    );
}

#[test]
fn omnibus_waiver_compiles_to_the_contract() {
    let a = compile_clean("omnibus-waiver");
    assert_eq!(a.dated, jiff::civil::date(2005, 8, 18));
    assert_eq!(
        a.party("holder").map(|p| &p.kind),
        Some(&PartyKind::Group(vec![
            "ajw_offshore".into(),
            "ajw_qualified".into(),
            "ajw_partners".into(),
            "new_millennium".into()
        ]))
    );
    assert_eq!(
        clause(&a, "3").rules,
        vec![Rule::Waiver {
            name: "share_reservation".into(),
            ends_on: Condition::Paid("prepayment".into()),
            period: Period::business_days(10),
            anchor: Anchor::Dated,
        }]
    );
    let Rule::Unless {
        period, actions, ..
    } = &clause(&a, "5").rules[0]
    else {
        panic!("5 is an unless rule")
    };
    assert_eq!(*period, Period::calendar_days(75));
    assert_eq!(
        actions,
        &vec![Action::Accrue {
            amount: usd(200_000),
            every: Period::calendar_days(7),
            owed_by: "company".into(),
            owed_to: PartyRef::One("holder".into()),
            until: Condition::Occurred("reverse_split".into()),
            cap: None,
        }]
    );
    assert_eq!(
        clause(&a, "A.1").rules,
        vec![Rule::Obligation(Obligation {
            name: "prepayment".into(),
            payer: "company".into(),
            payee: PartyRef::One("holder".into()),
            amount: usd(340_000_000),
            period: Period::business_days(5),
            anchor: Anchor::Dated,
        })]
    );
    let Rule::Warrant(w) = &clause(&a, "A.2").rules[0] else {
        panic!("A.2 is a warrant")
    };
    assert_eq!(w.shares, 3_000_000);
    assert_eq!(w.exercise_price, "0.03".parse().unwrap());
    assert_eq!(w.term_years, 5);
    assert_eq!(w.issue_period, Period::business_days(5));
    assert_eq!(
        w.issue_anchor,
        Anchor::When(Condition::Occurred("reverse_split".into()))
    );
}

#[test]
fn note_purchase_compiles_to_the_contract() {
    let a = compile_clean("note-purchase");
    let Rule::Note(n) = &clause(&a, "1").rules[0] else {
        panic!("1 is a note")
    };
    assert_eq!(
        (n.principal, n.purchase_price),
        (usd(60_000_000), usd(50_050_000))
    );
    assert_eq!((n.issuer.as_str(), n.holder.as_str()), ("company", "petty"));
    assert!(n.security.is_some());
    assert_eq!(
        n.interest, None,
        "the seed states no rate, so none is invented"
    );
    let Rule::Obligation(o) = &clause(&a, "3.3").rules[0] else {
        panic!("3.3 is an obligation")
    };
    assert_eq!(
        o.period,
        Period::business_days(0),
        "a 0-day period means on the anchor day"
    );
    assert_eq!(
        clause(&a, "3.2").rules,
        vec![Rule::When {
            condition: Condition::All(vec![
                Condition::Paid("purchase_price".into()),
                Condition::Received("registration_rights".into())
            ]),
            actions: vec![Action::Issue {
                instrument: "note".into()
            }],
        }]
    );
    let methods: Vec<(String, NoticeGiven)> = clause(&a, "7.2")
        .rules
        .iter()
        .filter_map(|r| match r {
            Rule::Notice { method, given } => Some((method.clone(), *given)),
            _ => None,
        })
        .collect();
    assert_eq!(methods.len(), 5);
    assert_eq!(
        methods[3],
        ("certified mail".to_string(), NoticeGiven::OnReceipt)
    );
    assert_eq!(
        methods[1],
        ("telecopy".to_string(), NoticeGiven::WhenTransmitted)
    );
}

const SEEDS: [&str; 3] = ["escrow", "omnibus-waiver", "note-purchase"];

#[test]
fn seeds_are_in_canonical_form() {
    for name in SEEDS {
        let src = seed(name);
        let formatted = pacta_lang::format(&src)
            .unwrap_or_else(|d| panic!("{}", pacta_lang::render(name, &src, &d, false)));
        assert_eq!(formatted, src, "{name} is not in canonical form");
    }
}

/// The same file with every code line re-indented, its words spread out by runs of spaces and
/// tabs, trailing blanks added, and each continuation line joined onto the line above it:
/// newlines and spacing carry no meaning, so it formats back to the original.
fn messy(src: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut prev_is_code = false;
    for (n, line) in src.lines().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.is_empty() || trimmed.starts_with("--") {
            out.push(line.to_string());
            prev_is_code = false;
            continue;
        }
        let mut spread = String::new();
        let mut in_string = false;
        let mut escaped = false;
        for (i, c) in trimmed.chars().enumerate() {
            if in_string {
                spread.push(c);
                match (escaped, c) {
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => escaped = false,
                }
                continue;
            }
            match c {
                '"' => {
                    in_string = true;
                    spread.push(c);
                }
                ' ' => spread.push_str(["   ", "\t", "  \t "][(n + i) % 3]),
                ':' => spread.push_str(" :"),
                _ => spread.push(c),
            }
        }
        spread.push_str("  ");
        if indent >= 4 && prev_is_code {
            let last = out.last_mut().expect("a code line came before");
            last.push(' ');
            last.push_str(&spread);
        } else {
            out.push(format!("{}{spread}", " ".repeat(indent * 3 / 2 + (n % 2))));
        }
        prev_is_code = true;
    }
    out.join("\n") + "\n"
}

#[test]
fn messy_seeds_format_back_to_the_originals() {
    for name in SEEDS {
        let src = seed(name);
        let mess = messy(&src);
        assert_ne!(mess, src);
        let c = pacta_lang::compile(&mess);
        assert!(
            c.diagnostics.is_empty(),
            "{}",
            pacta_lang::render(name, &mess, &c.diagnostics, false)
        );
        let formatted = pacta_lang::format(&mess)
            .unwrap_or_else(|d| panic!("{}", pacta_lang::render(name, &mess, &d, false)));
        assert_eq!(
            formatted, src,
            "{name}: messy input did not format back\n--- messy ---\n{mess}"
        );
    }
}

#[test]
fn formatting_is_idempotent_with_trailing_and_stray_comments() {
    let src = "-- top\nagreement \"T\" dated 2005-08-19 currency USD -- the money\n  business days \"us-federal-reserve\" in \"America/New_York\"\n\n\n\
               parties company \"C\"   -- the issuer\n  purchaser many\n      -- deep comment\naccount escrow held by company\n\
               clause 1 \"Deposits\" each purchaser may deposit into escrow\n  -- between rules\n  unless received d\n -- inside a rule\n within 3 days of dated: refund escrow to each purchaser -- tail\n  -- the end\n\
               document d delivered by company\n";
    let once = pacta_lang::format(src)
        .unwrap_or_else(|d| panic!("{}", pacta_lang::render("x", src, &d, false)));
    let twice = pacta_lang::format(&once).expect("formatted output parses");
    assert_eq!(once, twice, "\n{once}");
    for comment in [
        "-- top",
        "-- the money",
        "-- the issuer",
        "-- deep comment",
        "-- between rules",
        "-- inside a rule",
        "-- tail",
        "-- the end",
    ] {
        assert_eq!(
            once.matches(comment).count(),
            1,
            "{comment} kept once in\n{once}"
        );
    }
    assert!(once.contains("currency USD  -- the money"), "{once}");
}
