//! Resolving party references against the members present right now.

use super::state::State;
use crate::agreement::{PartyKind, PartyRef, PartySet, SetMode};

impl State {
    /// The identities a party name stands for: itself, a group's members, or a role's members so far.
    pub fn identities_of(&self, party: &str) -> Vec<String> {
        match self.agreement.party(party).map(|p| &p.kind) {
            Some(PartyKind::Single { .. }) => vec![party.to_string()],
            Some(PartyKind::Group(members)) => members.clone(),
            Some(PartyKind::Many) => self.members.get(party).map(|m| m.iter().cloned().collect()).unwrap_or_default(),
            None => Vec::new(),
        }
    }

    pub fn resolve(&self, reference: &PartyRef) -> Vec<String> {
        match reference {
            PartyRef::One(name) | PartyRef::Each(name) => self.identities_of(name),
            PartyRef::Any => self.identities.keys().cloned().collect(),
        }
    }

    pub fn resolve_set(&self, set: &PartySet) -> Vec<String> {
        let mut all: Vec<String> = set.members.iter().flat_map(|r| self.resolve(r)).collect();
        dedup_in_order(&mut all);
        all
    }

    pub fn is_in(&self, set: &PartySet, identity: &str) -> bool {
        self.resolve_set(set).iter().any(|m| m == identity)
    }

    /// Whether `done` holds for the set: every member for `and`, one for `or`.
    /// A role with no members yet cannot satisfy an `each` — there is nobody to have done it.
    pub fn satisfies(&self, set: &PartySet, done: impl Fn(&str) -> bool) -> bool {
        match set.mode {
            SetMode::AllOf => set.members.iter().all(|r| {
                let who = self.resolve(r);
                !who.is_empty() && who.iter().all(|m| done(m))
            }),
            SetMode::AnyOf => self.resolve_set(set).iter().any(|m| done(m)),
        }
    }

    /// `Alpha Fund LP (alpha)`.
    pub fn describe_identity(&self, id: &str) -> String {
        match self.identities.get(id) {
            Some(identity) => identity.legal_name.clone(),
            None => id.to_string(),
        }
    }
}

fn dedup_in_order(items: &mut Vec<String>) {
    let mut seen = std::collections::BTreeSet::new();
    items.retain(|item| seen.insert(item.clone()));
}

/// `company, alpha and beta`.
pub fn join_names(names: &[String]) -> String {
    match names {
        [] => "nobody".to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
