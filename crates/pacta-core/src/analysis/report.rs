//! Turning locked states into warnings: what could still free the money, one
//! warning per way of being locked, and the warning's text.

use std::collections::HashMap;

use super::explore::Visit;
use super::moves::describe_set;
use super::LockedFunds;
use crate::agreement::{Action, Anchor, Condition, HoldRelease, Rule, Trigger};
use crate::engine::event::{DeadlinePurpose, RuleKey};
use crate::engine::{describe_condition, State};
use crate::money::Currency;

/// Warnings in the order the search found them, which is shortest path first.
#[derive(Default)]
pub struct Findings {
    warnings: Vec<LockedFunds>,
    /// (account, what could free it) → position in `warnings`.
    seen: HashMap<(String, Vec<String>), usize>,
}

impl Findings {
    /// Records every account the state leaves money in once only time has passed.
    pub fn observe(&mut self, visit: &Visit<'_>) {
        let idle = visit.idle;
        for account in &idle.agreement.accounts {
            let amount = idle.ledger.custody_total(&account.name);
            if amount.minor <= 0 {
                continue;
            }
            let ways = ways_out(idle, &account.name);
            let key = (account.name.clone(), ways.iter().map(|w| w.key.clone()).collect());
            if let Some(&index) = self.seen.get(&key) {
                self.warnings[index].similar_states += 1;
                continue;
            }
            self.seen.insert(key, self.warnings.len());
            self.warnings.push(LockedFunds {
                account: account.name.clone(),
                amount,
                path: visit.node.path.clone(),
                freed_by: ways.into_iter().map(|w| w.words).collect(),
                similar_states: 0,
            });
        }
    }

    pub fn into_warnings(self) -> Vec<LockedFunds> {
        self.warnings
    }
}

/// One way locked money could still move. `key` names the rule or remedy, so
/// states that differ only in which conditions are already met share a warning.
struct WayOut {
    key: String,
    words: String,
}

/// What could still move money out of `account`: rules that have not run yet and
/// would pay or refund from it, then the dispute and court remedies the agreement has.
fn ways_out(state: &State, account: &str) -> Vec<WayOut> {
    // Once terminated, the engine refuses every command, so nothing can move the money.
    if state.terminated.is_some() {
        return Vec::new();
    }
    let agreement = &state.agreement;
    let mut ways = Vec::new();
    for clause in &agreement.clauses {
        for (index, rule) in clause.rules.iter().enumerate() {
            let key = RuleKey { clause: clause.number.clone(), index };
            let heading = format!("§{} {}", clause.number, clause.title);
            let words = match rule {
                Rule::When { condition, actions } if moves_money(actions, account) && !state.fired_rules.contains_key(&key) => match unmet(state, condition) {
                    Some(missing) => format!("{heading} (once {missing})"),
                    None => heading,
                },
                Rule::Unless { condition, period, anchor: Anchor::When(start), actions } if moves_money(actions, account) && !scheduled(state, &key) => {
                    let Some(missing) = unmet(state, start) else { continue };
                    format!("{heading} (once {missing}, unless {} within {period})", describe_condition(condition))
                }
                Rule::On { trigger: Trigger::Dispute { by }, actions } if moves_money(actions, account) => {
                    format!("{heading} (on a dispute by {})", describe_set(by))
                }
                _ => continue,
            };
            ways.push(WayOut { key: format!("rule {}#{index}", clause.number), words });
        }
    }
    let disputes = agreement.rules().any(|(_, rule)| matches!(rule, Rule::On { trigger: Trigger::Dispute { .. }, .. }));
    for (clause, rule) in agreement.rules() {
        let Rule::On { trigger: Trigger::Dispute { .. }, actions } = rule else { continue };
        for action in actions {
            let Action::Hold { account: held, until } = action else { continue };
            if held != account {
                continue;
            }
            for release in until {
                let HoldRelease::Signed(instrument) = release else { continue };
                let signers = agreement.instrument(instrument).map(|i| describe_set(&i.signed_by)).unwrap_or_else(|| "its signers".to_string());
                let words = format!("a {instrument} signed by {signers} (§{})", clause.number);
                ways.push(WayOut { key: format!("settlement {instrument}"), words });
            }
        }
    }
    // A final court order is obeyed whether or not the funds are held.
    if let Some((clause, _)) = agreement.rules().find(|(_, rule)| matches!(rule, Rule::CourtOrders { .. })) {
        ways.push(WayOut { key: "court order".to_string(), words: format!("a final court order (§{})", clause.number) });
    }
    // Depositing with a court needs an open dispute, so only an agreement that has disputes can.
    for (clause, rule) in agreement.rules() {
        // The court's name can be a sentence long; the clause it comes from says which one.
        if let Rule::CourtDeposit { account: a, .. } = rule {
            if a == account && disputes {
                let words = format!("a deposit with the court (§{})", clause.number);
                ways.push(WayOut { key: format!("court deposit {}", clause.number), words });
            }
        }
    }
    ways
}

fn moves_money(actions: &[Action], account: &str) -> bool {
    actions.iter().any(|action| match action {
        Action::Pay { from, .. } => from == account,
        Action::Refund { account: a } => a == account,
        _ => false,
    })
}

fn scheduled(state: &State, key: &RuleKey) -> bool {
    state.deadlines.values().any(|d| matches!(&d.purpose, DeadlinePurpose::Unless(k) if k == key))
}

/// The parts of a condition not yet true, in words, or `None` if it holds.
fn unmet(state: &State, condition: &Condition) -> Option<String> {
    if state.holds(condition) {
        return None;
    }
    Some(match condition {
        Condition::All(parts) => parts.iter().filter_map(|c| unmet(state, c).map(|t| grouped(c, t))).collect::<Vec<_>>().join(", "),
        // None of the alternatives holds, so every one of them is still missing.
        Condition::Any(parts) => parts.iter().filter_map(|c| unmet(state, c).map(|t| grouped(c, t))).collect::<Vec<_>>().join(" or "),
        atom => describe_condition(atom),
    })
}

/// Parenthesises a nested `all`/`any` so the list around it stays unambiguous.
fn grouped(condition: &Condition, text: String) -> String {
    match condition {
        Condition::All(_) | Condition::Any(_) => format!("({text})"),
        _ => text,
    }
}

pub fn message(locked: &LockedFunds, currency: Currency) -> String {
    let account = &locked.account;
    let steps = if locked.path.is_empty() { "nothing at all happens".to_string() } else { locked.path.join(" → ") };
    let mut text =
        format!("money can stay in `{account}` forever: after {steps} → (nobody acts again), {} stays in `{account}`;\n", locked.amount.display(currency));
    match locked.freed_by.as_slice() {
        [] => text.push_str("  nothing in the agreement can move it any more"),
        [one] => text.push_str(&format!("  only {one} can move it")),
        [two, three] => text.push_str(&format!("  only {two} or {three} can move it")),
        [rest @ .., last] => text.push_str(&format!("  only {}, or {last} can move it", rest.join(", "))),
    }
    if locked.similar_states > 0 {
        let states = if locked.similar_states == 1 { "state leaves" } else { "states leave" };
        text.push_str(&format!("\n  ({} other reachable {states} `{account}` locked the same way)", locked.similar_states));
    }
    text
}
