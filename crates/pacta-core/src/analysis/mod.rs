//! Analyses of an agreement that run it on the real engine instead of reasoning
//! about its text: today, money that could be locked forever (DESIGN rule 8,
//! behind `pacta check`).
//!
//! A reachable situation is *locked* for a custody account when money sits in it
//! and, if from then on nobody acts and only time passes (every pending deadline
//! fires), the money is still there. Such money moves only if some party
//! volunteers an act that may never come, or through a dispute or a court.
//!
//! The analysis builds one concrete instance of the agreement (demo keys, two
//! members per `many` role, deposits large enough for every fixed payment), then
//! explores abstract moves breadth first, each applied with `engine::execute`, so
//! the semantics it checks are exactly the ones the engine runs.
//!
//! Layout:
//! - `instance`: the concrete instance every path starts from.
//! - `moves`: the abstract moves (deposit, deliver, sign, report, pay, wait) and applying them.
//! - `time`: letting only time pass, deadline by deadline.
//! - `explore`: the bounded breadth-first search over distinct states.
//! - `report`: what could still free locked money, deduplicated warnings, their text.

mod explore;
mod instance;
mod moves;
mod report;
mod time;

use crate::agreement::Agreement;
use crate::money::{Currency, Money};

/// Money that some reachable course of events leaves in an account for good,
/// unless someone volunteers an act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedFunds {
    /// The custody account.
    pub account: String,
    /// What stays in it once only time has passed.
    pub amount: Money,
    /// The shortest sequence of steps that leads there, each in words.
    pub path: Vec<String>,
    /// What could still move the money, each in words (empty: nothing can).
    pub freed_by: Vec<String>,
    /// How many other reachable states leave the account locked the same way.
    pub similar_states: usize,
}

/// The result of `locked_funds`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    pub locked: Vec<LockedFunds>,
    /// Distinct states the search visited.
    pub states_explored: usize,
    /// True if a bound stopped the search before it saw every reachable state.
    pub truncated: bool,
    /// How the instance was built and what the search does not explore, in words.
    pub notes: Vec<String>,
}

/// Finds every reachable situation in which money would stay in a custody account
/// if nobody acted again. Pure and deterministic: same agreement, same analysis.
pub fn locked_funds(agreement: &Agreement) -> Analysis {
    let mut notes = Vec::new();
    let instance = match instance::build(agreement, &mut notes) {
        Ok(instance) => instance,
        Err(reason) => {
            notes.push(reason);
            return Analysis { locked: Vec::new(), states_explored: 0, truncated: false, notes };
        }
    };
    let mut findings = report::Findings::default();
    let search = explore::explore(&instance, explore::Limits::default(), |node| findings.observe(node));
    if search.truncated {
        notes.push(search.why_truncated.clone());
    }
    notes.push(
        "not taken as moves: disputes, settlements, court orders, resignation, amendments, assignments, notices and warrants; \
         they are listed only as what could still free locked money"
            .to_string(),
    );
    Analysis { locked: findings.into_warnings(), states_explored: search.states, truncated: search.truncated, notes }
}

impl LockedFunds {
    /// The warning in words, over a few lines:
    /// ```text
    /// money can stay in `escrow` forever: after purchasers deposit → nir delivers nir_waiver → (nobody acts again), 600,000.00 stays in `escrow`;
    ///   only §1.5 Release (once signed release_notice), a settlement signed by company and each purchaser (§2.14), or a final court order (§2.9) can move it
    /// ```
    pub fn message(&self, currency: Currency) -> String {
        report::message(self, currency)
    }
}
