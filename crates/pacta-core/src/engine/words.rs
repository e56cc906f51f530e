//! Each journal event as a sentence, for people: the CLI's reports and the
//! server's journal view say the same thing the same way.

use super::{describe_condition, join_names, DeadlinePurpose, Event, EventKind, State};
use crate::ledger::HoldStatus;
use crate::money::Currency;

/// `2005-08-24 11:00:00 EDT` in the agreement's zone.
pub fn local_time(state: &State, at: jiff::Timestamp) -> String {
    match crate::calendar::time_zone_named(&state.agreement.time_zone) {
        Ok(tz) => at.to_zoned(tz).strftime("%Y-%m-%d %H:%M:%S %Z").to_string(),
        Err(_) => at.to_string(),
    }
}

pub fn short_hash(bytes: &[u8; 32]) -> String {
    format!("{}…", hex::encode(&bytes[..6]))
}

pub fn purpose(state: &State, purpose: &DeadlinePurpose) -> String {
    match purpose {
        DeadlinePurpose::Unless(key) => match state.rule(key) {
            Some(crate::agreement::Rule::Unless { condition, .. }) => {
                format!("§{} {}: unless {}", key.clause, state.clause_title(&key.clause), describe_condition(condition))
            }
            _ => format!("§{}", key.clause),
        },
        DeadlinePurpose::ObligationDue(name) => format!("obligation `{name}` due"),
        DeadlinePurpose::WarrantIssue(name) => format!("warrant `{name}` to be issued"),
        DeadlinePurpose::WaiverEnds(name) => format!("waiver `{name}` ends"),
        DeadlinePurpose::AccrualPeriod { rule, period } => format!("§{} accrual period {period} ends", rule.clause),
    }
}

fn deadline_purpose(state: &State, id: u64) -> String {
    state.deadlines.get(&id).map(|d| purpose(state, &d.purpose)).unwrap_or_else(|| format!("deadline {id}"))
}

pub fn describe(state: &State, event: &Event) -> String {
    let currency: Currency = state.agreement.currency;
    let money = |m: crate::money::Money| format!("{} {}", m.display(currency), currency.code);
    match &event.kind {
        EventKind::Opened { id, agreement, source_sha256, .. } => {
            format!("opened \"{}\" as `{id}` (source sha256 {})", agreement.title, short_hash(source_sha256))
        }
        EventKind::Joined { role, member, legal_name, .. } => format!("{member} ({legal_name}) joined as a {role}"),
        EventKind::Posted(p) => format!("posted #{}: {} from {} to {} under §{}", p.id, money(p.amount), p.debit.label(), p.credit.label(), p.cause.clause),
        EventKind::Delivered { document, by, sha256 } => format!("{by} delivered {document} (sha256 {})", short_hash(sha256)),
        EventKind::Signed { instrument, signer, terms, .. } => {
            format!("{signer} signed {instrument} (terms sha256 {})", short_hash(&terms.digest()))
        }
        EventKind::Executed { instrument, signers } => format!("{instrument} executed: signed by {}", join_names(signers)),
        EventKind::RuleFired { rule } => format!("§{} {} applies", rule.clause, state.clause_title(&rule.clause)),
        EventKind::DeadlineSet { id, purpose: p, deadline } => format!("deadline {id} set — {}: {deadline}", purpose(state, p)),
        EventKind::DeadlineMet { id } => format!("deadline {id} met in time — {}", deadline_purpose(state, *id)),
        EventKind::DeadlineFired { id } => format!("deadline {id} passed — {}", deadline_purpose(state, *id)),
        EventKind::DeadlineCancelled { id, reason } => format!("deadline {id} cancelled: {reason}"),
        EventKind::ActionBlocked { clause, owed: true, reason, .. } => format!("§{clause} is owed, held back: {reason}"),
        EventKind::ActionBlocked { clause, reason, .. } => format!("§{clause} could not act: {reason}"),
        EventKind::OwedActionRan { rule } => format!("§{} runs now: the hold that blocked it is lifted", rule.clause),
        EventKind::CounterpartsVoided { instrument, reason } => format!("signatures on {instrument} so far no longer count: {reason}"),
        EventKind::Notified { clause, to, subject } => format!("notice under §{clause} to {}: {subject}", join_names(to)),
        EventKind::Closed { account, clause } => format!("`{account}` paid out under §{clause}; closed"),
        EventKind::Disputed { id, by, reason } => format!("dispute {id} raised by {by}: {reason}"),
        EventKind::HoldPlaced { id, account, clause } => format!("hold {id} placed on `{account}` under §{clause}"),
        EventKind::HoldSettled { id, status } => match status {
            HoldStatus::Voided => format!("hold {id} lifted"),
            HoldStatus::Posted => format!("hold {id} posted: the held funds left under it"),
            HoldStatus::Pending => format!("hold {id} pending"),
        },
        EventKind::DisputeResolved { id, how } => format!("dispute {id} resolved: {how}"),
        EventKind::ArbitrationReferred { dispute, clause, forum } => format!("dispute {dispute} referred to arbitration under §{clause}: {forum}"),
        EventKind::CourtOrderObeyed { court, order_sha256 } => format!("final order of {court} obeyed (sha256 {})", short_hash(order_sha256)),
        EventKind::Resigned { agent } => format!("{agent} resigned as escrow agent"),
        EventKind::SuccessorAppointed { role, legal_name, accounts, .. } => {
            format!("{legal_name} appointed successor {role}; custody of {} passes to it", accounts.join(", "))
        }
        EventKind::Amended { version, source_sha256, .. } => format!("amended: version {version} in force (source sha256 {})", short_hash(source_sha256)),
        EventKind::Assigned { assignor, assignee_legal_name, .. } => format!("{assignor}'s rights assigned to {assignee_legal_name}"),
        EventKind::Occurred { event } => format!("{event} reported"),
        EventKind::ObligationPaid { name, amount } => format!("{} paid toward `{name}`", money(*amount)),
        EventKind::ObligationChanged { name, status } => format!("obligation `{name}` is now {}", status.name()),
        EventKind::AccrualStarted { rule, amount, every, owed_by, owed_to, .. } => {
            format!("§{} accrual starts: {} every {every}, owed by {owed_by} to {}", rule.clause, money(*amount), join_names(owed_to))
        }
        EventKind::Accrued { rule, period, total } => format!("§{} period {period} complete: {} accrued in all", rule.clause, money(*total)),
        EventKind::AccrualStopped { rule, reason } => format!("§{} accrual {reason}", rule.clause),
        EventKind::Terminated { clause, reason } => format!("terminated under §{clause}: {reason}"),
        EventKind::WaiverEnded { name, reason } => format!("waiver `{name}` {reason}"),
        EventKind::WarrantIssued { name, allocation, expires } => {
            let parts: Vec<String> = allocation.iter().map(|(h, n)| format!("{h} {n}")).collect();
            format!("warrant `{name}` issued ({}), exercisable until {}", parts.join(", "), local_time(state, *expires))
        }
        EventKind::WarrantExercised { name, holder, shares, cost } => format!("{holder} exercised {shares} shares of `{name}` for {}", money(*cost)),
        EventKind::NoteIssued { name } => note_issued(state, name),
        EventKind::NoticeSent { id, from, to, method, subject, given } => {
            let when = match given {
                Some(_) => "given now".to_string(),
                None => "given on receipt".to_string(),
            };
            format!("notice {id} from {from} to {to} by {method} ({when}): {subject}")
        }
        EventKind::NoticeGiven { id } => format!("notice {id} received: given now"),
    }
}

fn note_issued(state: &State, name: &str) -> String {
    let note = state.agreement.rules().find_map(|(_, r)| match r {
        crate::agreement::Rule::Note(n) if n.name == name => Some(n.clone()),
        _ => None,
    });
    let currency = state.agreement.currency;
    match note {
        Some(n) => {
            let discount = n.principal.checked_sub(n.purchase_price).map(|d| d.display(currency)).unwrap_or_default();
            let interest = match &n.interest {
                Some(i) => format!("{}% {}", i.rate_percent, i.day_count),
                None => "interest terms not stated in the agreement".to_string(),
            };
            format!(
                "note `{name}` issued by {} to {}: principal {}, purchase price {}, discount {discount}; {}; {interest}",
                n.issuer,
                n.holder,
                n.principal.display(currency),
                n.purchase_price.display(currency),
                n.security.as_deref().unwrap_or("unsecured")
            )
        }
        None => format!("note `{name}` issued"),
    }
}
