//! Counterpart signatures. Each signer signs the same terms separately; the
//! instrument is executed when the last required signature arrives, and what
//! it does (release a hold, amend, appoint a successor) happens in that event.

use std::sync::Arc;

use super::not_permitted;
use crate::agreement::{Agreement, HoldRelease, PartyKind, PartySet, Rule};
use crate::consent::{ConsentScope, PublicKey, SignatureCheck, Terms};
use crate::engine::actions::ActionContext;
use crate::engine::event::EventKind;
use crate::engine::parties::join_names;
use crate::engine::state::{DeadlineStatus, State};
use crate::engine::txn::{Outcome, Rejection, Txn};
use crate::ledger::HoldStatus;
use crate::name::Name;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Signed as written (a Release Notice); executes once.
    Plain,
    /// Releases a hold and directs the funds.
    Settlement,
    Amendment,
    Successor,
    Assignment,
}

struct Spec<'a> {
    signed_by: &'a PartySet,
    kind: Kind,
}

/// Declared instruments, plus the ones clauses imply: `amendment`, `successor`, `assignment`.
fn spec<'a>(agreement: &'a Agreement, name: &str) -> Option<Spec<'a>> {
    if let Some(declared) = agreement.instrument(name) {
        let kind = if agreement.releases_hold(name) { Kind::Settlement } else { Kind::Plain };
        return Some(Spec { signed_by: &declared.signed_by, kind });
    }
    agreement.rules().find_map(|(_, rule)| {
        let (signed_by, kind) = match (name, rule) {
            ("amendment", Rule::Amendments { signed_by }) => (signed_by, Kind::Amendment),
            ("assignment", Rule::Assignment { signed_by }) => (signed_by, Kind::Assignment),
            ("successor", Rule::Resignation(r)) => (&r.successor_appointed_by, Kind::Successor),
            _ => return None,
        };
        Some(Spec { signed_by, kind })
    })
}

pub fn sign(txn: &mut Txn<'_>, actor: &str, instrument: &str, terms: &Terms, signature: &[u8; 64], check: Option<&SignatureCheck>) -> Outcome {
    let agreement = Arc::clone(&txn.state.agreement);
    let Some(spec) = spec(&agreement, instrument) else {
        return Err(Rejection::new("unknown_instrument", format!("nothing named `{instrument}` can be signed under this agreement")));
    };
    check_signable(txn, actor, instrument, terms, &spec)?;
    verify(txn, actor, instrument, terms, signature, check)?;
    // A signature that runs in place was found not to complete the instrument.
    let executes = !txn.in_place && completes(txn.state, &spec, actor, instrument);
    txn.emit(EventKind::Signed { instrument: instrument.into(), signer: actor.into(), terms: terms.clone(), signature: *signature });
    if !executes {
        return Ok(());
    }
    // Signers in the order they signed, which is how the instrument came to be executed.
    let mut signatures: Vec<(jiff::Timestamp, &str)> = txn.state.counterparts[instrument].signatures.iter().map(|(who, s)| (s.at, who.as_str())).collect();
    signatures.sort();
    let signers: Vec<String> = signatures.into_iter().map(|(_, who)| who.to_string()).collect();
    txn.emit(EventKind::Executed { instrument: instrument.into(), signers });
    on_executed(txn, instrument, terms, &spec)
}

/// Whether `actor`'s signature would be the last one `instrument` needs. Only
/// that signature can be refused after it is recorded (by what executing the
/// instrument does, or by the rules it starts), so `engine::execute` runs every
/// other one on the live state; `sign` asks this too, so the two cannot disagree.
pub fn would_execute(state: &State, actor: &str, instrument: &str) -> bool {
    spec(&state.agreement, instrument).is_some_and(|spec| completes(state, &spec, actor, instrument))
}

fn completes(state: &State, spec: &Spec, actor: &str, instrument: &str) -> bool {
    let gathered = state.counterparts.get(instrument);
    let signed = |who: &str| gathered.is_some_and(|g| g.signatures.contains_key(who));
    let signed_in_role = |role: &str| gathered.and_then(|g| g.by_role.get(role).copied()).unwrap_or(0);
    state.satisfies_with(spec.signed_by, actor, signed, signed_in_role)
}

fn check_signable(txn: &Txn<'_>, actor: &str, instrument: &str, terms: &Terms, spec: &Spec) -> Outcome {
    if !txn.state.is_in(spec.signed_by, actor) {
        return Err(not_permitted(format!("`{actor}` is not a required signer of `{instrument}`")));
    }
    let expected = match spec.kind {
        Kind::Plain => matches!(terms, Terms::AsWritten),
        Kind::Settlement => matches!(terms, Terms::Directions(_)),
        Kind::Amendment => matches!(terms, Terms::Amendment { .. }),
        Kind::Successor => matches!(terms, Terms::Successor { .. }),
        Kind::Assignment => matches!(terms, Terms::Assignment { .. }),
    };
    if !expected {
        return Err(Rejection::new("wrong_terms", format!("`{instrument}` cannot be signed over terms of this kind")));
    }
    if spec.kind == Kind::Plain {
        if let Some(done) = txn.state.executed.get(instrument) {
            return Err(Rejection::new("already_executed", format!("`{instrument}` was already executed on {}", txn.state.local_day(done.at))));
        }
    }
    if spec.kind == Kind::Settlement && held_account(txn, instrument).is_none() {
        return Err(Rejection::new("nothing_to_settle", format!("`{instrument}` settles a dispute, and no funds are held")));
    }
    if spec.kind == Kind::Successor && txn.state.resigned.is_none() {
        return Err(Rejection::new("no_vacancy", "a successor is appointed only after the escrow agent resigns"));
    }
    if let Some(gathered) = txn.state.counterparts.get(instrument) {
        if gathered.signatures.contains_key(actor) {
            return Err(Rejection::new("duplicate", format!("`{actor}` already signed `{instrument}`")));
        }
        if &gathered.terms != terms {
            let others: Vec<String> = gathered.signatures.keys().map(Name::to_string).collect();
            let message = format!("these terms differ from the ones {} already signed (sha256 {})", join_names(&others), hex::encode(gathered.terms.digest()));
            return Err(Rejection::new("terms_mismatch", message));
        }
    }
    Ok(())
}

/// Uses the earlier check if it covers exactly this scope, key and signature;
/// otherwise verifies here.
fn verify(txn: &Txn<'_>, actor: &str, instrument: &str, terms: &Terms, signature: &[u8; 64], check: Option<&SignatureCheck>) -> Outcome {
    let Some(public_key) = txn.state.identity(actor).and_then(|i| i.public_key) else {
        return Err(Rejection::new("no_key", format!("`{actor}` has no registered public key, so cannot sign")));
    };
    let scope = ConsentScope { agreement_id: &txn.state.id, version: txn.state.version, instrument, signer: actor, terms };
    let valid = check.and_then(|c| scope.verdict(c, &public_key, signature)).unwrap_or_else(|| scope.verify(&public_key, signature));
    if !valid {
        let message = format!("the signature on `{instrument}` does not verify against `{actor}`'s registered key over these terms");
        return Err(Rejection::new("bad_signature", message));
    }
    Ok(())
}

fn on_executed(txn: &mut Txn<'_>, instrument: &str, terms: &Terms, spec: &Spec) -> Outcome {
    match (spec.kind, terms) {
        (Kind::Plain, _) => Ok(()),
        (Kind::Settlement, Terms::Directions(directions)) => settle_dispute(txn, instrument, directions),
        (Kind::Amendment, Terms::Amendment { source_sha256, agreement }) => amend(txn, *source_sha256, agreement),
        (Kind::Successor, Terms::Successor { legal_name, public_key }) => appoint(txn, legal_name, public_key),
        (Kind::Assignment, Terms::Assignment { assignor, assignee_legal_name, public_key }) => {
            if !matches!(txn.state.agreement.party(assignor).map(|p| &p.kind), Some(PartyKind::Single { .. })) {
                return Err(Rejection::new("unknown_party", format!("`{assignor}` is not a single party whose rights can be assigned")));
            }
            txn.emit(EventKind::Assigned { assignor: assignor.clone(), assignee_legal_name: assignee_legal_name.clone(), public_key: *public_key });
            Ok(())
        }
        _ => unreachable!("check_signable matched the terms to the kind"),
    }
}

/// The account a settlement instrument would release: the one held by a rule it releases.
fn held_account(txn: &Txn<'_>, instrument: &str) -> Option<(String, u64, String)> {
    txn.state.ledger.holds().filter(|h| h.status == HoldStatus::Pending).find_map(|hold| {
        let (clause, until) = txn.state.agreement.hold_rule(&hold.account)?;
        until.iter().any(|r| matches!(r, HoldRelease::Signed(i) if i == instrument)).then(|| (hold.account.clone(), hold.id, clause.to_string()))
    })
}

fn settle_dispute(txn: &mut Txn<'_>, instrument: &str, directions: &[crate::consent::Direction]) -> Outcome {
    let (account, hold, clause) = held_account(txn, instrument).ok_or_else(|| Rejection::new("nothing_to_settle", "no funds are held"))?;
    txn.emit(EventKind::HoldSettled { id: hold, status: HoldStatus::Voided });
    let fact = txn.state.facts(&crate::agreement::Condition::Signed(instrument.into()));
    let because = fact.last().map(|(_, f)| f.clone()).unwrap_or_default();
    let clause_ref = txn.state.agreement.clauses.iter().find(|c| c.number == clause).cloned().expect("hold rule's clause exists");
    let mut context = ActionContext::new(&clause_ref, because, vec![]);
    context.directed = true;
    txn.pay_out(&context, &account, directions)?;
    txn.resolve_disputes(&format!("settled by {instrument}"));
    Ok(())
}

fn amend(txn: &mut Txn<'_>, source_sha256: [u8; 32], agreement: &Arc<Agreement>) -> Outcome {
    check_continuity(txn, agreement)?;
    let version = txn.state.version + 1;
    txn.emit(EventKind::Amended { version, source_sha256, agreement: Arc::clone(agreement) });
    // Deadlines are recomputed from the new terms; ones already fired or met stay as history.
    let pending: Vec<u64> = txn
        .state
        .deadlines
        .values()
        .filter(|d| d.status == DeadlineStatus::Pending && !matches!(d.purpose, crate::engine::event::DeadlinePurpose::AccrualPeriod { .. }))
        .map(|d| d.id)
        .collect();
    for id in pending {
        txn.emit(EventKind::DeadlineCancelled { id, reason: format!("recomputed under amendment {version}") });
    }
    Ok(())
}

/// An amendment continues from the current state, so it must keep every party,
/// role and account that state refers to.
fn check_continuity(txn: &Txn<'_>, new: &Agreement) -> Outcome {
    let old = &txn.state.agreement;
    for party in &old.parties {
        let kept = new.party(&party.name).is_some_and(|p| std::mem::discriminant(&p.kind) == std::mem::discriminant(&party.kind));
        if !kept {
            return Err(Rejection::new("amendment_incompatible", format!("the amendment drops or changes the kind of party `{}`", party.name)));
        }
    }
    for account in &old.accounts {
        if new.account(&account.name).is_none() {
            return Err(Rejection::new("amendment_incompatible", format!("the amendment drops account `{}`", account.name)));
        }
    }
    if new.currency != old.currency {
        return Err(Rejection::new("amendment_incompatible", "an amendment cannot change the currency of money already held"));
    }
    Ok(())
}

fn appoint(txn: &mut Txn<'_>, legal_name: &str, public_key: &[u8; 32]) -> Outcome {
    let Some((_, resignation)) = txn.state.agreement.rules().find_map(|(c, r)| match r {
        Rule::Resignation(res) => Some((c.number.clone(), res.clone())),
        _ => None,
    }) else {
        return Err(Rejection::new("no_vacancy", "the agreement has no resignation clause"));
    };
    if PublicKey::from_bytes(public_key).is_none() {
        return Err(Rejection::new("bad_key", "the successor's public key is not a valid Ed25519 key"));
    }
    let event = EventKind::SuccessorAppointed {
        role: resignation.agent.clone(),
        legal_name: legal_name.into(),
        public_key: *public_key,
        accounts: resignation.accounts.clone(),
    };
    txn.emit(event);
    Ok(())
}
