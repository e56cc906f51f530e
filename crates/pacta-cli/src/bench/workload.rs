//! The escrow workload: commands for many offerings, signed ahead of time.

use pacta_core::agreement::Agreement;
use pacta_core::consent::{demo_keys, demo_signing_key, ConsentScope, Terms};
use pacta_core::engine::{self, Command, CommandKind, Event, EventKind, State};
use pacta_core::money::Money;

#[derive(Clone)]
pub struct Offering {
    pub state: State,
    pub opened: Vec<Event>,
    pub commands: Vec<Command>,
}

impl Offering {
    /// The opened state, rebuilt from its journal so that it shares no map node
    /// with `state`: measured commands then change nodes they own, as a server's
    /// do, instead of first copying nodes the template still holds.
    pub fn fresh_state(&self) -> State {
        engine::replay(&self.opened).expect("a journal starts with Opened")
    }

    /// Every command applied to this offering opened as agreement `id`: the state
    /// it ends in and its whole journal.
    pub fn run_as(&self, id: &str) -> (State, Vec<Event>) {
        let mut journal: Vec<Event> = self.opened.iter().map(|e| renamed(e, id)).collect();
        let mut state = engine::replay(&journal).expect("a journal starts with Opened");
        for command in &self.commands {
            let decision = engine::execute(&mut state, command);
            assert!(decision.outcome.is_ok(), "the workload is valid: {:?}", decision.outcome);
            journal.extend(decision.events().cloned());
        }
        (state, journal)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Release,
    Refund,
}

/// `event` as it would read in the journal of agreement `id` (only `Opened` names its agreement).
pub fn renamed(event: &Event, id: &str) -> Event {
    let mut event = event.clone();
    if let EventKind::Opened { id: opened, .. } = &mut event.kind {
        *opened = id.to_string();
    }
    event
}

fn at(text: &str) -> jiff::Timestamp {
    text.parse().expect("workload instants are valid")
}

/// `offerings` instances of `agreement` (the seed escrow, whose source hashes to
/// `source_sha256`), each with `purchasers` members.
pub fn escrow(agreement: &Agreement, source_sha256: [u8; 32], offerings: usize, purchasers: usize, ending: Ending) -> Vec<Offering> {
    let opened_at = at("2005-08-19T04:00:00Z");
    let (_, template) = engine::open("escrow-0", agreement.clone(), source_sha256, demo_keys(agreement), opened_at).expect("the seed escrow opens");
    (0..offerings).map(|i| offering(&template, i, purchasers, ending)).collect()
}

/// One instance, opened by renaming the template's journal, so that every
/// instance shares one `Agreement` (as instances of one source can) and a million
/// of them fit in memory.
fn offering(template: &[Event], index: usize, purchasers: usize, ending: Ending) -> Offering {
    let id = format!("escrow-{index}");
    let opened: Vec<Event> = template.iter().map(|e| renamed(e, &id)).collect();
    let state = engine::replay(&opened).expect("the template starts with Opened");
    let members: Vec<String> = (0..purchasers).map(|p| format!("p{p}")).collect();
    let mut commands = Vec::with_capacity(purchasers * 4 + 4);
    let mut push = |actor: &str, time: &str, kind: CommandKind| commands.push(Command { at: at(time), actor: actor.to_string(), kind });
    for member in &members {
        // The same demo key for every member keeps set-up fast; each signature is still verified (by the engine, or in `check_signatures`).
        let public_key = demo_signing_key("member").verifying_key().into();
        push("agent", "2005-08-19T14:00:00Z", CommandKind::Join { role: "purchaser".into(), member: member.clone(), legal_name: member.clone(), public_key });
    }
    // Deposits share the offering's limit evenly, so every workload size stays within it.
    let limit = state.agreement.account("escrow").and_then(|a| a.limit).map_or(i64::MAX, |m| m.minor);
    let amount = Money::from_minor((limit / purchasers.max(1) as i64).min(100_000_000));
    for member in &members {
        push(member, "2005-08-19T15:00:00Z", CommandKind::Deposit { account: "escrow".into(), amount });
    }
    if ending == Ending::Refund {
        return Offering { state, opened, commands };
    }
    push("nir", "2005-08-22T15:00:00Z", CommandKind::Deliver { document: "nir_waiver".into(), sha256: [1; 32] });
    for who in std::iter::once("company").chain(members.iter().map(String::as_str)) {
        push(who, "2005-08-23T15:00:00Z", CommandKind::Deliver { document: "signature_pages".into(), sha256: [2; 32] });
    }
    push("company", "2005-08-23T16:00:00Z", CommandKind::Deliver { document: "closing_documents".into(), sha256: [3; 32] });
    for who in std::iter::once("company").chain(members.iter().map(String::as_str)) {
        let key = if who == "company" { demo_signing_key("company") } else { demo_signing_key("member") };
        let scope = ConsentScope { agreement_id: &id, version: 1, instrument: "release_notice", signer: who, terms: &Terms::AsWritten };
        let signature = scope.sign(&key);
        push(who, "2005-08-24T15:00:00Z", CommandKind::Sign { instrument: "release_notice".into(), terms: Terms::AsWritten, signature, check: None });
    }
    Offering { state, opened, commands }
}
