//! Resolving party references against the members present right now.

use super::state::State;
use crate::agreement::{PartyKind, PartyRef, PartySet, SetMode};
use crate::name::Name;

impl State {
    /// The identities a party name stands for: itself, a group's members, or a role's members so far.
    pub fn identities_of(&self, party: &str) -> Vec<String> {
        match self.agreement.party(party).map(|p| &p.kind) {
            Some(PartyKind::Single { .. }) => vec![party.to_string()],
            Some(PartyKind::Group(members)) => members.clone(),
            Some(PartyKind::Many) => self.members.get(party).map(|m| m.iter().map(Name::to_string).collect()).unwrap_or_default(),
            None => Vec::new(),
        }
    }

    pub fn resolve(&self, reference: &PartyRef) -> Vec<String> {
        match reference {
            PartyRef::One(name) | PartyRef::Each(name) => self.identities_of(name),
            PartyRef::Any => self.identities().map(|(name, _)| name.to_string()).collect(),
        }
    }

    pub fn resolve_set(&self, set: &PartySet) -> Vec<String> {
        let mut all: Vec<String> = set.members.iter().flat_map(|r| self.resolve(r)).collect();
        dedup_in_order(&mut all);
        all
    }

    /// Whether `identity` is among the set, without listing the set's members:
    /// a command's permission check must not cost more as a role grows.
    pub fn is_in(&self, set: &PartySet, identity: &str) -> bool {
        set.members.iter().any(|r| match r {
            PartyRef::Any => self.knows(identity),
            PartyRef::One(name) | PartyRef::Each(name) => self.party_includes(name, identity),
        })
    }

    /// Whether `identity` is the party `party`, one of its group's members, or a member of its role.
    pub fn party_includes(&self, party: &str, identity: &str) -> bool {
        match self.agreement.party(party).map(|p| &p.kind) {
            Some(PartyKind::Single { .. }) => party == identity,
            Some(PartyKind::Group(members)) => members.iter().any(|m| m == identity),
            Some(PartyKind::Many) => identity != party && self.identity(identity).is_some_and(|i| i.role == party),
            None => false,
        }
    }

    /// Whether the set has done something: every member for `and`, one for `or`.
    /// `done` answers for one identity; `done_in_role` counts how many members of a
    /// `many` role have done it, so a role of thousands is checked in O(1).
    /// A role with no members yet cannot satisfy an `each`: there is nobody to have done it.
    pub fn satisfies(&self, set: &PartySet, done: impl Fn(&str) -> bool, done_in_role: impl Fn(&str) -> usize) -> bool {
        let complete = |r: &PartyRef| match r {
            PartyRef::Any => {
                let mut known = self.identities().peekable();
                known.peek().is_some() && known.all(|(m, _)| done(m))
            }
            PartyRef::One(name) | PartyRef::Each(name) => match self.agreement.party(name).map(|p| &p.kind) {
                Some(PartyKind::Single { .. }) => done(name),
                Some(PartyKind::Group(members)) => !members.is_empty() && members.iter().all(|m| done(m)),
                Some(PartyKind::Many) => {
                    let members = self.members.get(name.as_str()).map_or(0, |m| m.len());
                    members > 0 && done_in_role(name) == members
                }
                None => false,
            },
        };
        let started = |r: &PartyRef| match r {
            PartyRef::Any => self.identities().any(|(m, _)| done(m)),
            PartyRef::One(name) | PartyRef::Each(name) => match self.agreement.party(name).map(|p| &p.kind) {
                Some(PartyKind::Single { .. }) => done(name),
                Some(PartyKind::Group(members)) => members.iter().any(|m| done(m)),
                Some(PartyKind::Many) => done_in_role(name) > 0,
                None => false,
            },
        };
        match set.mode {
            SetMode::AllOf => set.members.iter().all(complete),
            SetMode::AnyOf => set.members.iter().any(started),
        }
    }

    /// What `satisfies` will say once `actor` has done it too: `done` and
    /// `done_in_role` answer for before, and `actor` counts once for its role, as
    /// `evolve` counts a member's delivery or signature. `actor` must not have done it yet.
    pub(crate) fn satisfies_with(&self, set: &PartySet, actor: &str, done: impl Fn(&str) -> bool, done_in_role: impl Fn(&str) -> usize) -> bool {
        let role = self.member_role(actor);
        let in_role = |r: &str| done_in_role(r) + usize::from(role.as_ref().is_some_and(|own| *own == *r));
        self.satisfies(set, |who| who == actor || done(who), in_role)
    }

    /// An identity's legal name (`Alpha Fund LP`), or the id itself for one the agreement does not know.
    pub fn describe_identity<'a>(&'a self, id: &'a str) -> &'a str {
        self.identity(id).map_or(id, |identity| identity.legal_name.as_str())
    }
}

fn dedup_in_order(items: &mut Vec<String>) {
    // Which to keep is decided over borrowed names first, so no name is copied.
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    let keep: Vec<bool> = items.iter().map(|item| seen.insert(item.as_str())).collect();
    drop(seen);
    let mut keep = keep.into_iter();
    items.retain(|_| keep.next().expect("one flag per item"));
}

/// `company, alpha and beta`.
pub fn join_names(names: &[String]) -> String {
    match names {
        [] => "nobody".to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
