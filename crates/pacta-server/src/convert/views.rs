//! Domain state to the API's read models. Pure functions of a state snapshot
//! (and, for time left, the server's "now"), so every read is consistent with
//! one committed batch.

use std::collections::BTreeSet;

use jiff::Timestamp;
use pacta_core::agreement::{PartyKind, PartySet, SetMode};
use pacta_core::engine::{DeadlinePurpose, DeadlineStatus, Event, State};
use pacta_core::ledger::LedgerAccount;
use pacta_core::name::Name;
use serde_json::value::RawValue;

use crate::dto::*;
use crate::instances::Snapshot;
use pacta_core::engine::words;

fn money(state: &State, m: pacta_core::money::Money) -> String {
    m.to_plain(state.agreement.currency)
}

/// RFC 3339 with the offset of the agreement's zone: `2005-09-03T00:00:00-04:00`.
pub fn zoned(state: &State, at: Timestamp) -> String {
    match pacta_core::calendar::time_zone_named(&state.agreement.time_zone) {
        Ok(tz) => at.to_zoned(tz).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        Err(_) => at.to_string(),
    }
}

pub fn next_deadline(state: &State) -> Option<Timestamp> {
    state.deadlines.values().filter(|d| d.status == DeadlineStatus::Pending).map(|d| d.deadline.due).min()
}

pub fn summary(snapshot: &Snapshot) -> AgreementSummary {
    let state = &snapshot.state;
    let agreement = &state.agreement;
    AgreementSummary {
        id: state.id.clone(),
        title: agreement.title.clone(),
        version: state.version,
        dated: agreement.dated.to_string(),
        currency: agreement.currency.code.to_string(),
        calendar: agreement.calendar.name().to_string(),
        time_zone: agreement.time_zone.clone(),
        seq: snapshot.seq,
        last_at: state.last_at.to_string(),
        status: if state.terminated.is_some() { "terminated" } else { "open" }.to_string(),
        escrow_agent: agreement.escrow_agent().map(|p| p.name.clone()),
        next_deadline: next_deadline(state).map(|at| zoned(state, at)),
        custody: agreement.accounts.iter().map(|a| AmountLine { account: a.name.clone(), amount: money(state, state.ledger.custody_total(&a.name)) }).collect(),
    }
}

pub fn detail(snapshot: &Snapshot, you: Caller) -> AgreementDetail {
    let state = &snapshot.state;
    let agreement = &state.agreement;
    let has_key = |id: &str| state.identity(id).and_then(|i| i.public_key).is_some();
    let member = |id: &String| MemberView { id: id.clone(), legal_name: state.describe_identity(id).to_string(), has_key: has_key(id) };
    let parties = agreement
        .parties
        .iter()
        .map(|p| {
            let (kind, escrow_agent, members) = match &p.kind {
                PartyKind::Single { escrow_agent } => ("single", *escrow_agent, vec![]),
                PartyKind::Many => ("many", false, state.identities_of(&p.name).iter().map(member).collect()),
                PartyKind::Group(names) => ("group", false, names.iter().map(member).collect()),
            };
            let legal_name = state.identity(p.name.as_str()).map_or_else(|| p.legal_name.clone(), |i| i.legal_name.to_string());
            PartyView { name: p.name.clone(), legal_name, kind: kind.to_string(), escrow_agent, has_key: has_key(&p.name), members }
        })
        .collect();
    let accounts = agreement
        .accounts
        .iter()
        .map(|a| AccountView {
            name: a.name.clone(),
            held_by: a.held_by.clone(),
            balance: money(state, state.ledger.custody_total(&a.name)),
            limit: a.limit.map(|l| money(state, l)),
            closed_under: state.closed_under(&a.name).map(|(clause, _)| clause.clone()),
            held: state.ledger.pending_hold(&a.name).is_some(),
        })
        .collect();
    AgreementDetail {
        summary: summary(snapshot),
        governed_by: agreement.governed_by.clone(),
        source_sha256: hex::encode(state.source_sha256),
        you,
        parties,
        accounts,
        disputes: state
            .disputes
            .iter()
            .map(|(id, d)| DisputeView {
                id: *id,
                by: d.by.clone(),
                reason: d.reason.clone(),
                raised: d.raised.to_string(),
                resolved: d.resolved.as_ref().map(|(at, how)| format!("{at}: {how}")),
            })
            .collect(),
        obligations: state
            .obligations
            .iter()
            .map(|(name, o)| ObligationView { name: name.clone(), clause: o.clause.clone(), paid: money(state, o.paid), status: o.status.name().to_string() })
            .collect(),
        warrants: state
            .warrants
            .iter()
            .map(|(name, w)| WarrantView {
                name: name.clone(),
                clause: w.clause.clone(),
                issued: w.issued.map(|t| t.to_string()),
                expires: w.expires.map(|t| t.to_string()),
                remaining: w.remaining.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            })
            .collect(),
        notices: state
            .notices
            .iter()
            .map(|(id, n)| NoticeView {
                id: *id,
                from: n.from.clone(),
                to: n.to.clone(),
                method: n.method.clone(),
                subject: n.subject.clone(),
                sent: n.sent.to_string(),
                given: n.given.map(|t| t.to_string()),
            })
            .collect(),
        terminated: state.terminated.as_ref().map(|(at, clause, reason)| TerminationView {
            at: at.to_string(),
            clause: clause.clone(),
            reason: reason.clone(),
        }),
        resigned_at: state.resigned.map(|t| t.to_string()),
    }
}

pub fn balances(state: &State) -> BalancesView {
    let agreement = &state.agreement;
    let custody = agreement
        .accounts
        .iter()
        .map(|a| CustodyView {
            account: a.name.clone(),
            held_by: a.held_by.clone(),
            total: money(state, state.ledger.custody_total(&a.name)),
            parts: state.ledger.custody_parts(&a.name).map(|(d, m)| CustodyPart { depositor: d.depositor().map(Name::to_string), balance: money(state, m) }).collect(),
        })
        .collect();
    let mut parties = Vec::new();
    let mut courts = Vec::new();
    for (account, balance) in state.ledger.balances() {
        let line = AmountLine { account: account.label(), amount: money(state, balance) };
        match account {
            LedgerAccount::Outside { .. } => parties.push(line),
            LedgerAccount::Court { court } => courts.push(AmountLine { account: court.to_string(), ..line }),
            LedgerAccount::Custody { .. } => {}
        }
    }
    BalancesView {
        agreement: state.id.clone(),
        currency: agreement.currency.code.to_string(),
        custody,
        parties,
        courts,
        sum_of_balances: state.ledger.sum_of_balances().to_string(),
    }
}

fn mode(set: &PartySet) -> String {
    match set.mode {
        SetMode::AllOf => "all_of",
        SetMode::AnyOf => "any_of",
    }
    .to_string()
}

fn missing(required: &[String], done: &BTreeSet<String>, mode: SetMode) -> Vec<String> {
    if mode == SetMode::AnyOf && required.iter().any(|r| done.contains(r)) {
        return vec![];
    }
    required.iter().filter(|r| !done.contains(*r)).cloned().collect()
}

pub fn conditions(state: &State) -> ConditionsView {
    let agreement = &state.agreement;
    let documents = agreement
        .documents
        .iter()
        .map(|d| {
            let required = state.resolve_set(&d.delivered_by);
            let delivered: Vec<DeliveryView> = state
                .deliveries
                .get(&d.name)
                .map(|m| m.by.iter().map(|(by, x)| DeliveryView { by: by.to_string(), at: x.at.to_string(), sha256: hex::encode(x.sha256) }).collect())
                .unwrap_or_default();
            let done: BTreeSet<String> = delivered.iter().map(|x| x.by.clone()).collect();
            let complete_at = state.since(&pacta_core::agreement::Condition::Received(d.name.clone()));
            DocumentCheck {
                name: d.name.clone(),
                title: d.title.clone(),
                mode: mode(&d.delivered_by),
                missing: missing(&required, &done, d.delivered_by.mode),
                required,
                delivered,
                complete: complete_at.is_some(),
                complete_at: complete_at.map(|t| t.to_string()),
            }
        })
        .collect();
    let instruments = agreement
        .instruments
        .iter()
        .map(|i| {
            let required = state.resolve_set(&i.signed_by);
            let (signed, executed_at, terms_sha256) = match (state.executed.get(&i.name), state.counterparts.get(&i.name)) {
                (Some(done), _) => {
                    let signed = done.signers.iter().map(|s| SignatureView { by: s.clone(), at: done.at.to_string() }).collect();
                    (signed, Some(done.at.to_string()), Some(hex::encode(done.terms.digest())))
                }
                (None, Some(gathered)) => {
                    let signed = gathered.signatures.iter().map(|(by, s)| SignatureView { by: by.to_string(), at: s.at.to_string() }).collect();
                    (signed, None, Some(hex::encode(gathered.terms.digest())))
                }
                (None, None) => (vec![], None, None),
            };
            let done: BTreeSet<String> = signed.iter().map(|s: &SignatureView| s.by.clone()).collect();
            InstrumentCheck {
                name: i.name.clone(),
                title: i.title.clone(),
                mode: mode(&i.signed_by),
                missing: if executed_at.is_some() { vec![] } else { missing(&required, &done, i.signed_by.mode) },
                required,
                signed,
                executed_at,
                terms_sha256,
            }
        })
        .collect();
    ConditionsView { agreement: state.id.clone(), documents, instruments }
}

fn clause_of(state: &State, purpose: &DeadlinePurpose) -> Option<String> {
    match purpose {
        DeadlinePurpose::Unless(rule) | DeadlinePurpose::AccrualPeriod { rule, .. } => Some(rule.clause.clone()),
        DeadlinePurpose::ObligationDue(name) => state.obligations.get(name).map(|o| o.clause.clone()),
        DeadlinePurpose::WarrantIssue(name) => state.warrants.get(name).map(|w| w.clause.clone()),
        DeadlinePurpose::WaiverEnds(name) => state.waivers.get(name).map(|w| w.clause.clone()),
    }
}

/// `9 days 4 hours`, `3 hours 5 minutes`, `40 seconds`: the two largest units.
pub fn time_left(seconds: i64) -> String {
    let units = [("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1)];
    let mut parts = Vec::new();
    let mut rest = seconds.max(0);
    for (name, size) in units {
        let n = rest / size;
        rest %= size;
        if n > 0 || (parts.is_empty() && size == 1) {
            parts.push(format!("{n} {name}{}", if n == 1 { "" } else { "s" }));
        }
        if parts.len() == 2 || (!parts.is_empty() && n == 0) {
            break;
        }
    }
    parts.join(" ")
}

pub fn deadlines(state: &State, now: Timestamp) -> Vec<DeadlineView> {
    state
        .deadlines
        .values()
        .map(|entry| {
            let d = &entry.deadline;
            let pending = entry.status == DeadlineStatus::Pending;
            let seconds_left = pending.then(|| d.due.duration_since(now).as_secs().max(0));
            DeadlineView {
                id: entry.id,
                purpose: words::purpose(state, &entry.purpose),
                clause: clause_of(state, &entry.purpose),
                status: match &entry.status {
                    DeadlineStatus::Pending => "pending",
                    DeadlineStatus::Met(_) => "met",
                    DeadlineStatus::Fired => "fired",
                    DeadlineStatus::Cancelled(_) => "cancelled",
                }
                .to_string(),
                due: zoned(state, d.due),
                due_utc: d.due.to_string(),
                last_day: d.last_day.to_string(),
                anchor: d.anchor.to_string(),
                period: d.period.to_string(),
                calendar: d.calendar.name().to_string(),
                time_zone: d.time_zone.clone(),
                cutoff: d.cutoff.map(|t| t.to_string()),
                time_left: seconds_left.map(time_left),
                seconds_left,
                met_at: match entry.status {
                    DeadlineStatus::Met(at) => Some(at.to_string()),
                    _ => None,
                },
                cancelled: match &entry.status {
                    DeadlineStatus::Cancelled(why) => Some(why.clone()),
                    _ => None,
                },
                explanation: d.to_string(),
            }
        })
        .collect()
}

/// The postings of `journal`, the events that led to `state`.
pub fn postings(state: &State, journal: &[Event]) -> Vec<PostingView> {
    let currency = state.agreement.currency;
    pacta_core::engine::postings(journal)
        .map(|p| PostingView {
            id: p.id,
            at: p.at.to_string(),
            local: zoned(state, p.at),
            debit: p.debit.label(),
            credit: p.credit.label(),
            amount: p.amount.to_plain(currency),
            currency: currency.code.to_string(),
            clause: p.cause.clause.to_string(),
            clause_title: p.cause.clause_title.to_string(),
            because: p.cause.because.to_string(),
            authority: p.cause.authority.iter().map(|a| a.to_string()).collect(),
            why: p.cause.explain(),
        })
        .collect()
}

/// A journal entry in the journal's own stored JSON, with the event in words.
pub fn entry(state: &State, seq: u64, event: &Event, chain: Option<([u8; 32], [u8; 32])>) -> EntryView {
    let encoded = pacta_store::codec::encode(&event.kind);
    let payload = String::from_utf8(encoded.payload).ok().and_then(|text| RawValue::from_string(text).ok());
    let fallback = || RawValue::from_string("null".to_string()).expect("`null` is JSON");
    EntryView {
        seq,
        at: event.at.to_string(),
        local: zoned(state, event.at),
        kind: encoded.kind.to_string(),
        text: words::describe(state, event),
        event: payload.unwrap_or_else(fallback),
        prev_hash: chain.map(|(prev, _)| hex::encode(prev)),
        hash: chain.map(|(_, hash)| hex::encode(hash)),
    }
}
