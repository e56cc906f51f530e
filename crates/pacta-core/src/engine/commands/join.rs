//! A member joins a `many` role, admitted by the escrow agent.

use super::not_permitted;
use crate::agreement::PartyKind;
use crate::consent::PublicKey;
use crate::engine::event::EventKind;
use crate::engine::txn::{Outcome, Rejection, Txn};

pub fn join(txn: &mut Txn<'_>, actor: &str, role: &str, member: &str, legal_name: &str, public_key: &PublicKey) -> Outcome {
    let agreement = &txn.state.agreement;
    let admits = match agreement.escrow_agent() {
        Some(agent) => agent.name == actor,
        None => matches!(agreement.party(actor).map(|p| &p.kind), Some(PartyKind::Single { .. })),
    };
    if !admits {
        return Err(not_permitted(format!("`{actor}` may not admit members: the escrow agent does")));
    }
    match agreement.party(role).map(|p| &p.kind) {
        Some(PartyKind::Many) => {}
        Some(_) => return Err(Rejection::new("not_a_role", format!("`{role}` is a single party, not a role with members"))),
        None => return Err(Rejection::new("unknown_party", format!("no role `{role}` in this agreement"))),
    }
    if !is_identifier(member) {
        return Err(Rejection::new("invalid_name", format!("member id `{member}` must be lowercase letters, digits and `_`, starting with a letter")));
    }
    if txn.state.knows(member) || agreement.party(member).is_some() {
        return Err(Rejection::new("duplicate", format!("`{member}` is already a party or member")));
    }
    if legal_name.trim().is_empty() {
        return Err(Rejection::new("invalid_name", "a member needs a legal name"));
    }
    txn.emit(EventKind::Joined { role: role.into(), member: member.into(), legal_name: legal_name.into(), public_key: public_key.to_bytes() });
    Ok(())
}

pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z')) && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') && name.len() <= 64
}
