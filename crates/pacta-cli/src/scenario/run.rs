//! Replaying a scenario against an agreement with the real engine.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use pacta_core::agreement::{Agreement, PayAmount};
use pacta_core::consent::{demo_signing_key, ConsentScope, Direction, Terms};
use pacta_core::engine::{self, Command, CommandKind, Event, Rejection, State};
use pacta_core::money::Money;
use sha2::{Digest, Sha256};

use super::{parse_amount, Action, DirectionSpec, Expectation, Outcome, Scenario, Step, TermsSpec, When};

/// What one scenario step did.
pub struct Entry {
    pub step: Step,
    pub at: jiff::Timestamp,
    /// The journal entries it produced (deadlines that fell due first, then its own).
    pub journal: Range<usize>,
    pub rejection: Option<Rejection>,
    /// Set when the step's `=> …` expectation did not hold.
    pub surprise: Option<String>,
}

pub struct Run {
    pub state: State,
    pub journal: Vec<Event>,
    pub entries: Vec<Entry>,
    pub expectation_failures: Vec<String>,
    pub expectations_checked: usize,
}

impl Run {
    pub fn passed(&self) -> bool {
        self.expectation_failures.is_empty() && self.entries.iter().all(|e| e.surprise.is_none())
    }
}

pub fn run(agreement: Agreement, source: &str, scenario: &Scenario, scenario_dir: &Path, default_id: &str) -> Result<Run, String> {
    let id = scenario.id.clone().unwrap_or_else(|| default_id.to_string());
    let keys = pacta_core::consent::demo_keys(&agreement);
    let opened_at = local(&agreement.time_zone, agreement.dated.at(0, 0, 0, 0))?;
    let source_sha256: [u8; 32] = Sha256::digest(source.as_bytes()).into();
    let (mut state, journal) = engine::open(&id, agreement, source_sha256, keys, opened_at).map_err(|r| r.to_string())?;
    let mut run = Run { state: state.clone(), journal, entries: Vec::new(), expectation_failures: Vec::new(), expectations_checked: 0 };
    let mut seeds: BTreeSet<String> = BTreeSet::new();
    for step in &scenario.steps {
        let at = match &step.at {
            When::Exact(t) => *t,
            When::Local(dt) => local(&state.agreement.time_zone, *dt)?,
        };
        let start = run.journal.len();
        // Input the edge cannot turn into a command (an amount with too many decimals)
        // is refused here, as the API would refuse it, and the engine never sees it.
        let rejection = match build(&state, step, scenario_dir, &mut seeds) {
            Ok(kind) => {
                let command = Command { at, actor: step.actor.clone(), kind };
                let decision = engine::execute(&mut state, &command);
                run.journal.extend(decision.events().cloned());
                decision.outcome.err()
            }
            Err(rejection) => Some(rejection),
        };
        let surprise = surprise(step, rejection.as_ref());
        run.entries.push(Entry { step: step.clone(), at, journal: start..run.journal.len(), rejection, surprise });
    }
    run.state = state;
    check_expectations(&mut run, &scenario.expectations);
    Ok(run)
}

fn local(time_zone: &str, dt: jiff::civil::DateTime) -> Result<jiff::Timestamp, String> {
    pacta_core::calendar::instant(time_zone, dt).map_err(|e| e.to_string())
}

fn surprise(step: &Step, rejection: Option<&Rejection>) -> Option<String> {
    match (&step.expect, rejection) {
        (None, _) | (Some(Outcome::Accepted), None) => None,
        (Some(Outcome::Accepted), Some(r)) => Some(format!("expected acceptance, got {}", r.code)),
        (Some(Outcome::Rejected(code)), None) => Some(format!("expected rejection {code}, but it was accepted")),
        (Some(Outcome::Rejected(code)), Some(r)) if r.code != code => Some(format!("expected rejection {code}, got {}", r.code)),
        _ => None,
    }
}

fn invalid(message: String) -> Rejection {
    Rejection::new("invalid_input", message)
}

fn money(text: &str, currency: pacta_core::money::Currency) -> Result<Money, Rejection> {
    parse_amount(text, currency).map_err(|m| Rejection::new("invalid_amount", m))
}

fn sha256(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

fn build(state: &State, step: &Step, dir: &Path, seeds: &mut BTreeSet<String>) -> Result<CommandKind, Rejection> {
    let currency = state.agreement.currency;
    let actor = step.actor.as_str();
    Ok(match &step.action {
        Action::Tick => CommandKind::Tick,
        Action::Admit { role, member, legal_name } => {
            let public_key = demo_signing_key(member).verifying_key().into();
            CommandKind::Join { role: role.clone(), member: member.clone(), legal_name: legal_name.clone(), public_key }
        }
        Action::Deposit { account, amount } => CommandKind::Deposit { account: account.clone(), amount: money(amount, currency)? },
        Action::Deliver { document, content } => {
            let content = content.clone().unwrap_or_else(|| format!("{document} as delivered by {actor}"));
            CommandKind::Deliver { document: document.clone(), sha256: sha256(&content) }
        }
        Action::Sign { instrument, terms, key_of } => {
            let terms = build_terms(terms, currency, dir, seeds)?;
            let key = match key_of {
                Some(other) => demo_signing_key(other),
                None => signing_key(state, actor, seeds),
            };
            let scope = ConsentScope { agreement_id: &state.id, version: state.version, instrument, signer: actor, terms: &terms };
            CommandKind::Sign { instrument: instrument.clone(), signature: scope.sign(&key), terms, check: None }
        }
        Action::Dispute { reason } => CommandKind::Dispute { reason: reason.clone() },
        Action::CourtOrder { court, account, is_final, directions } => CommandKind::CourtOrder {
            court: court.clone(),
            account: account.clone(),
            order_sha256: sha256(&format!("final order of {court}")),
            is_final: *is_final,
            directions: build_directions(directions, currency)?,
        },
        Action::DepositWithCourt { account } => CommandKind::DepositWithCourt { account: account.clone() },
        Action::Resign => CommandKind::Resign,
        Action::Report { event } => CommandKind::Report { event: event.clone() },
        Action::PayObligation { obligation, to, amount } => {
            CommandKind::PayObligation { obligation: obligation.clone(), to: to.clone(), amount: money(amount, currency)? }
        }
        Action::IssueWarrant { warrant, allocation } => CommandKind::IssueWarrant { warrant: warrant.clone(), allocation: allocation.clone() },
        Action::Exercise { warrant, shares } => CommandKind::ExerciseWarrant { warrant: warrant.clone(), shares: *shares },
        Action::SendNotice { to, method, subject } => CommandKind::SendNotice { to: to.clone(), method: method.clone(), subject: subject.clone() },
        Action::Acknowledge { notice } => CommandKind::AcknowledgeNotice { notice: *notice },
    })
}

/// The key an identity signs with now: its own demo key, or the one a successor or
/// assignee was appointed with in this scenario.
fn signing_key(state: &State, actor: &str, seeds: &BTreeSet<String>) -> SigningKey {
    let registered = state.identity(actor).and_then(|i| i.public_key);
    std::iter::once(actor)
        .chain(seeds.iter().map(String::as_str))
        .map(demo_signing_key)
        .find(|k| Some(k.verifying_key().to_bytes()) == registered)
        .unwrap_or_else(|| demo_signing_key(actor))
}

fn build_terms(spec: &TermsSpec, currency: pacta_core::money::Currency, dir: &Path, seeds: &mut BTreeSet<String>) -> Result<Terms, Rejection> {
    Ok(match spec {
        TermsSpec::AsWritten => Terms::AsWritten,
        TermsSpec::Directions(d) => Terms::Directions(build_directions(d, currency)?),
        TermsSpec::Successor { legal_name, key_seed } => {
            seeds.insert(key_seed.clone());
            Terms::Successor { legal_name: legal_name.clone(), public_key: demo_signing_key(key_seed).verifying_key().to_bytes() }
        }
        TermsSpec::Assignment { assignor, legal_name, key_seed } => {
            seeds.insert(key_seed.clone());
            let public_key = demo_signing_key(key_seed).verifying_key().to_bytes();
            Terms::Assignment { assignor: assignor.clone(), assignee_legal_name: legal_name.clone(), public_key }
        }
        TermsSpec::Amendment { file } => {
            let path = dir.join(file);
            let source = std::fs::read_to_string(&path).map_err(|e| invalid(format!("cannot read amendment {}: {e}", path.display())))?;
            let compiled = pacta_lang::compile(&source);
            let agreement = compiled.agreement.ok_or_else(|| {
                invalid(format!("amendment {} does not compile:\n{}", path.display(), pacta_lang::render(file, &source, &compiled.diagnostics, false)))
            })?;
            Terms::Amendment { source_sha256: sha256(&source), agreement: Arc::new(agreement) }
        }
    })
}

fn build_directions(specs: &[DirectionSpec], currency: pacta_core::money::Currency) -> Result<Vec<Direction>, Rejection> {
    specs
        .iter()
        .map(|d| match d {
            DirectionSpec::Refund => Ok(Direction::RefundDepositors),
            DirectionSpec::Pay { amount: None, to } => Ok(Direction::Pay { amount: PayAmount::Rest, to: to.clone() }),
            DirectionSpec::Pay { amount: Some(a), to } => Ok(Direction::Pay { amount: PayAmount::Fixed(money(a, currency)?), to: to.clone() }),
        })
        .collect()
}

fn check_expectations(run: &mut Run, expectations: &[Expectation]) {
    for expectation in expectations {
        run.expectations_checked += 1;
        if let Err(failure) = check(&run.state, expectation) {
            run.expectation_failures.push(failure);
        }
    }
}

fn check(state: &State, expectation: &Expectation) -> Result<(), String> {
    let currency = state.agreement.currency;
    match expectation {
        Expectation::Balance { line, account, amount } => {
            let (negative, digits) = match amount.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, amount.as_str()),
            };
            let mut want = parse_amount(digits, currency).map_err(|e| format!("line {line}: {e}"))?;
            if negative {
                want = want.checked_neg().ok_or_else(|| format!("line {line}: amount overflows"))?;
            }
            let have = balance_of(state, account);
            if have != want {
                return Err(format!("line {line}: balance of `{account}` is {}, expected {}", have.display(currency), want.display(currency)));
            }
        }
        Expectation::Obligation { line, name, status } => {
            let have = state.obligations.get(name).map(|o| o.status.name()).unwrap_or("unknown");
            if have != status {
                return Err(format!("line {line}: obligation `{name}` is {have}, expected {status}"));
            }
        }
        Expectation::Accrued { line, clause, total } => {
            let want = parse_amount(total, currency).map_err(|e| format!("line {line}: {e}"))?;
            let have = state.accruals.iter().find(|(k, _)| &k.clause == clause).map(|(_, a)| a.total);
            if have != Some(want) {
                let have = have.map_or("nothing".to_string(), |m| m.display(currency));
                return Err(format!("line {line}: §{clause} accrued {have}, expected {}", want.display(currency)));
            }
        }
        Expectation::Terminated { line } => {
            if state.terminated.is_none() {
                return Err(format!("line {line}: the agreement was expected to have terminated"));
            }
        }
        Expectation::NoticeGiven { line, notice } => {
            if state.notices.get(notice).and_then(|n| n.given).is_none() {
                return Err(format!("line {line}: notice {notice} was expected to have been given"));
            }
        }
    }
    Ok(())
}

/// A custody account's total, or a party's (or court's, or sub-account's) ledger balance.
pub fn balance_of(state: &State, name: &str) -> Money {
    if state.agreement.account(name).is_some() {
        return state.ledger.custody_total(name);
    }
    state.ledger.balances().find(|(account, _)| account.label() == name).map(|(_, m)| m).unwrap_or(Money::ZERO)
}
