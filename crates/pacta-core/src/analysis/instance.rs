//! The one concrete instance every explored path starts from: the agreement
//! opened with demo keys, two members in each `many` role, and a deposit plan
//! for each account that someone may pay into.
//!
//! Two members are enough to tell "each purchaser" from "a purchaser", and the
//! deposits are as large as the account allows so that no payment is refused
//! for lack of funds: a lock found here is a lock in the terms, not in the amounts.

use jiff::{SignedDuration, Timestamp};

use super::moves::depositor_words;
use crate::agreement::{Action, Agreement, PartyKind, PayAmount, Permission, Rule};
use crate::consent::demo_signing_key;
use crate::engine::{self, Command, CommandKind, State};
use crate::money::Money;

/// The agreement id the analysis opens its instance under.
const INSTANCE_ID: &str = "pacta-check";

/// Members joined to each `many` role.
const MEMBERS_PER_ROLE: usize = 2;

/// Whole currency units each depositor pays when the account has no limit.
const UNBOUNDED_DEPOSIT_UNITS: i64 = 1_000_000;

pub struct Instance {
    /// Opened, with members joined; no money yet.
    pub state: State,
    /// The instant of the last command applied to `state`.
    pub now: Timestamp,
    pub deposits: Vec<DepositPlan>,
    /// Who issues the ticks that let time pass (any name works; this one reads well in a journal).
    pub clock_actor: String,
}

/// Everyone allowed to pay into one account, and how much each pays.
pub struct DepositPlan {
    pub account: String,
    /// `purchasers deposit`, for paths.
    pub words: String,
    pub each: Vec<(String, Money)>,
}

/// `seconds` after `at`. Acts follow one another one second apart, so "before
/// the next deadline" is always a distinct, reachable moment.
pub fn later(at: Timestamp, seconds: i64) -> Option<Timestamp> {
    at.checked_add(SignedDuration::from_secs(seconds)).ok()
}

pub fn build(agreement: &Agreement, notes: &mut Vec<String>) -> Result<Instance, String> {
    engine::check_runnable(agreement).map_err(|r| format!("the agreement cannot be run, so it was not analysed: {r}"))?;
    let opened_at = opening_instant(agreement)?;
    let keys = crate::consent::demo_keys(agreement);
    let (state, _) = engine::open(INSTANCE_ID, agreement.clone(), [0; 32], keys, opened_at)
        .map_err(|r| format!("the agreement could not be opened, so it was not analysed: {r}"))?;
    let clock_actor = agreement.escrow_agent().or_else(|| agreement.parties.first()).map(|p| p.name.clone()).unwrap_or_default();
    let mut instance = Instance { state, now: opened_at, deposits: Vec::new(), clock_actor };
    join_members(&mut instance, notes);
    plan_deposits(&mut instance, notes);
    Ok(instance)
}

/// 09:00 on the agreement's date, in its time zone: every deadline counts from
/// that date, so the instance starts before any of them can be due.
fn opening_instant(agreement: &Agreement) -> Result<Timestamp, String> {
    crate::calendar::instant(&agreement.time_zone, agreement.dated.at(9, 0, 0, 0)).map_err(|e| format!("the agreement's date cannot be placed in time: {e}"))
}

/// Joins two members to each `many` role, admitted as the engine requires: by
/// the escrow agent, or by any single party when the agreement names no agent.
fn join_members(instance: &mut Instance, notes: &mut Vec<String>) {
    let agreement = std::sync::Arc::clone(&instance.state.agreement);
    let roles: Vec<&str> = agreement.parties.iter().filter(|p| p.kind == PartyKind::Many).map(|p| p.name.as_str()).collect();
    if roles.is_empty() {
        return;
    }
    let admitter = match agreement.escrow_agent() {
        Some(agent) => agent.name.clone(),
        None => match agreement.parties.iter().find(|p| matches!(p.kind, PartyKind::Single { .. })) {
            Some(first) => {
                notes.push(format!("the agreement names no escrow agent; members were admitted by `{}`, as the engine allows any single party to", first.name));
                first.name.clone()
            }
            None => {
                notes.push("no single party can admit members, so every `many` role stayed empty".to_string());
                return;
            }
        },
    };
    for role in roles {
        let mut joined = Vec::new();
        for n in 1..=MEMBERS_PER_ROLE {
            let member = format!("{role}_{n}");
            let public_key = demo_signing_key(&member).verifying_key().into();
            let kind = CommandKind::Join { role: role.to_string(), member: member.clone(), legal_name: format!("{role} {n}"), public_key };
            let Some(at) = later(instance.now, 1) else { return };
            let command = Command { at, actor: admitter.clone(), kind };
            match engine::execute(&mut instance.state, &command).outcome {
                Ok(_) => {
                    instance.now = at;
                    joined.push(member);
                }
                Err(rejection) => notes.push(format!("`{member}` could not join `{role}`: {rejection}")),
            }
        }
        if !joined.is_empty() {
            notes.push(format!("`{role}` has {} members in the analysed instance ({}), admitted by `{admitter}`", joined.len(), joined.join(", ")));
        }
    }
}

fn plan_deposits(instance: &mut Instance, notes: &mut Vec<String>) {
    let state = &instance.state;
    let agreement = std::sync::Arc::clone(&state.agreement);
    let currency = agreement.currency;
    for account in &agreement.accounts {
        let sets: Vec<_> = agreement
            .rules()
            .filter_map(|(_, rule)| match rule {
                Rule::May { who, act: Permission::Deposit { account: a } } if a == &account.name => Some(who.clone()),
                _ => None,
            })
            .collect();
        if sets.is_empty() {
            continue;
        }
        let mut depositors: Vec<String> = Vec::new();
        for set in &sets {
            for who in state.resolve_set(set) {
                if !depositors.contains(&who) {
                    depositors.push(who);
                }
            }
        }
        if depositors.is_empty() {
            notes.push(format!("nobody in the analysed instance may deposit into `{}`", account.name));
            continue;
        }
        let count = depositors.len() as i64;
        let needed = fixed_payments_from(&agreement, &account.name);
        let each = match account.limit {
            // The limit caps what the account may hold, so it is shared out, rounding down.
            Some(limit) => Money::from_minor(limit.minor / count),
            None => {
                let unit = 10i64.saturating_pow(currency.minor_digits);
                let floor = UNBOUNDED_DEPOSIT_UNITS.saturating_mul(unit);
                let share = needed.minor / count + i64::from(needed.minor % count != 0);
                Money::from_minor(floor.max(share))
            }
        };
        if each.minor <= 0 {
            notes.push(format!("`{}`'s limit is too small to share among {} depositors; nothing was deposited", account.name, depositors.len()));
            continue;
        }
        let total = each.minor.saturating_mul(count);
        if total < needed.minor {
            notes.push(format!(
                "`{}` can hold at most {}, less than the {} its fixed payments need; those payments are refused in the analysed instance",
                account.name,
                Money::from_minor(total).display(currency),
                needed.display(currency)
            ));
        }
        let who = sets.iter().map(depositor_words).collect::<Vec<_>>();
        let plural = sets.len() > 1 || who.iter().any(|(_, plural)| *plural);
        let mut words = format!("{} {}", who.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>().join(" and "), if plural { "deposit" } else { "deposits" });
        if agreement.accounts.len() > 1 {
            words.push_str(&format!(" into `{}`", account.name));
        }
        notes.push(format!(
            "{} deposit{} {} each into `{}`",
            crate::engine::join_names(&depositors),
            if depositors.len() == 1 { "s" } else { "" },
            each.display(currency),
            account.name
        ));
        instance.deposits.push(DepositPlan { account: account.name.clone(), words, each: depositors.into_iter().map(|d| (d, each)).collect() });
    }
    if instance.deposits.is_empty() {
        notes.push("no account takes deposits, so no money can be locked".to_string());
    }
}

/// The sum of every fixed amount any rule pays from `account`: enough that no
/// payment is ever refused for lack of funds.
fn fixed_payments_from(agreement: &Agreement, account: &str) -> Money {
    let minor = agreement
        .rules()
        .flat_map(|(_, rule)| match rule {
            Rule::When { actions, .. } | Rule::Unless { actions, .. } | Rule::On { actions, .. } => actions.as_slice(),
            _ => &[],
        })
        .filter_map(|action| match action {
            Action::Pay { from, legs } if from == account => Some(legs),
            _ => None,
        })
        .flatten()
        .filter_map(|leg| match leg.amount {
            PayAmount::Fixed(m) => Some(m.minor),
            PayAmount::Rest => None,
        })
        .fold(0i64, i64::saturating_add);
    Money::from_minor(minor)
}
