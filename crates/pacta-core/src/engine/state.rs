//! The state of one agreement instance, and `evolve`, the only code that changes it.
//!
//! Every collection is a persistent map (`imbl`), so `decide` can try a command on
//! a copy in O(1) and throw the copy away if the command is rejected.

use std::sync::Arc;

use imbl::{OrdMap, Vector};
use jiff::Timestamp;

use super::event::{DeadlinePurpose, Event, EventKind, ObligationStatus, RuleKey};
use crate::agreement::{Agreement, PartyKind, Rule};
use crate::calendar::{Deadline, Period};
use crate::consent::Terms;
use crate::ledger::{Hold, HoldStatus, Ledger};
use crate::money::Money;
use crate::name::Name;
use crate::small_map::SmallMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The party name in the agreement this identity acts as (`purchaser` for a member).
    pub role: Name,
    /// Shared text, like a name: a release changes every depositor's ledger
    /// record, and copying a shared record on write then copies a pointer, not the text.
    pub legal_name: Name,
    pub public_key: Option<[u8; 32]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub at: Timestamp,
    pub sha256: [u8; 32],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub at: Timestamp,
    pub signature: [u8; 64],
}

/// Signatures gathered so far on one instrument, all over the same terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counterparts {
    pub terms: Terms,
    pub signatures: OrdMap<Name, Signature>,
    /// How many members of each `many` role have signed, so completeness is O(1).
    pub by_role: SmallMap<Name, usize>,
}

/// Every copy of one document received so far.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Deliveries {
    pub by: OrdMap<Name, Delivery>,
    /// How many members of each `many` role have delivered, so completeness is O(1).
    pub by_role: SmallMap<Name, usize>,
    pub first_at: Option<Timestamp>,
    pub last_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    pub at: Timestamp,
    pub signers: Vec<String>,
    pub terms: Terms,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadlineStatus {
    Pending,
    Met(Timestamp),
    Fired,
    Cancelled(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineEntry {
    pub id: u64,
    pub purpose: DeadlinePurpose,
    pub deadline: Deadline,
    pub status: DeadlineStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObligationState {
    pub clause: String,
    pub paid: Money,
    pub status: ObligationStatus,
    pub paid_in_full_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccrualState {
    pub started: Timestamp,
    pub owed_by: String,
    pub owed_to: Vec<String>,
    pub amount: Money,
    pub every: Period,
    pub cap: Option<Money>,
    pub periods: u32,
    pub total: Money,
    pub stopped: Option<(Timestamp, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaiverState {
    pub clause: String,
    pub ended: Option<(Timestamp, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarrantState {
    pub clause: String,
    pub issued: Option<Timestamp>,
    pub expires: Option<Timestamp>,
    /// Shares still exercisable, per holder.
    pub remaining: OrdMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteState {
    pub clause: String,
    pub issued: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeState {
    pub from: String,
    pub to: String,
    pub method: String,
    pub subject: String,
    pub sent: Timestamp,
    pub given: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeState {
    pub by: String,
    pub reason: String,
    pub raised: Timestamp,
    pub resolved: Option<(Timestamp, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub id: String,
    pub agreement: Arc<Agreement>,
    pub source_sha256: [u8; 32],
    /// 1 at opening; each executed amendment adds one.
    pub version: u32,
    pub last_at: Timestamp,
    /// Members of each `many` role, in the order they joined.
    pub members: SmallMap<Name, Arc<Vector<Name>>>,
    // Maps whose length the agreement's declarations bound are `SmallMap`s (see
    // `small_map`); the larger values among them sit behind an `Arc`, so a change
    // to entries a copy shares copies pointers, not documents' or instruments' records.
    pub deliveries: SmallMap<String, Arc<Deliveries>>,
    pub counterparts: SmallMap<String, Arc<Counterparts>>,
    pub executed: SmallMap<String, Execution>,
    pub occurred: SmallMap<String, Timestamp>,
    /// The money, and each party's identity: the ledger keeps one record per
    /// party, so a member's identity and its money cost one map entry
    /// (`identity`, `identities`, `knows` read them).
    pub ledger: Ledger<Identity>,
    pub fired_rules: SmallMap<RuleKey, Timestamp>,
    /// Deadline actions a hold blocked, owed since the instant they fell due.
    pub owed: SmallMap<RuleKey, Timestamp>,
    /// An `imbl` map, unlike its neighbours: accrual periods and amendments add
    /// deadlines for as long as the agreement runs, and none is ever removed.
    pub deadlines: OrdMap<u64, Arc<DeadlineEntry>>,
    pub obligations: SmallMap<String, ObligationState>,
    pub accruals: SmallMap<RuleKey, AccrualState>,
    pub waivers: SmallMap<String, WaiverState>,
    pub warrants: SmallMap<String, WarrantState>,
    pub notes: SmallMap<String, NoteState>,
    pub notices: OrdMap<u64, NoticeState>,
    pub disputes: OrdMap<u64, DisputeState>,
    /// Accounts whose final distribution happened, with the clause and instant.
    pub closed: SmallMap<String, Arc<(String, Timestamp)>>,
    pub resigned: Option<Timestamp>,
    pub terminated: Option<(Timestamp, String, String)>,
    /// The next id for deadlines, holds, disputes and notices.
    pub next_id: u64,
}

impl State {
    /// The state right after `Opened`: parties known, nothing delivered, no money.
    fn opened(at: Timestamp, id: &str, agreement: &Arc<Agreement>, source_sha256: [u8; 32], keys: &[(String, [u8; 32])]) -> State {
        let mut state = State {
            id: id.to_string(),
            agreement: Arc::clone(agreement),
            source_sha256,
            version: 1,
            last_at: at,
            members: SmallMap::new(),
            deliveries: SmallMap::new(),
            counterparts: SmallMap::new(),
            executed: SmallMap::new(),
            occurred: SmallMap::new(),
            ledger: Ledger::default(),
            fired_rules: SmallMap::new(),
            owed: SmallMap::new(),
            deadlines: OrdMap::new(),
            obligations: SmallMap::new(),
            accruals: SmallMap::new(),
            waivers: SmallMap::new(),
            warrants: SmallMap::new(),
            notes: SmallMap::new(),
            notices: OrdMap::new(),
            disputes: OrdMap::new(),
            closed: SmallMap::new(),
            resigned: None,
            terminated: None,
            next_id: 1,
        };
        for party in &agreement.parties {
            match party.kind {
                PartyKind::Single { .. } => {
                    let key = keys.iter().find(|(name, _)| name == &party.name).map(|(_, k)| *k);
                    let name = Name::from(&party.name);
                    let identity = Identity { role: name.clone(), legal_name: Name::from(&party.legal_name), public_key: key };
                    state.ledger.register(name, identity);
                }
                PartyKind::Many => {
                    state.members.insert(Name::from(&party.name), Arc::default());
                }
                PartyKind::Group(_) => {}
            }
        }
        state.track_declarations();
        state
    }

    /// Obligations, waivers, warrants and notes the agreement declares get a state slot.
    /// Slots that already exist (after an amendment) keep their history.
    fn track_declarations(&mut self) {
        let agreement = Arc::clone(&self.agreement);
        for (clause, rule) in agreement.rules() {
            let number = clause.number.clone();
            match rule {
                Rule::Obligation(o) if !self.obligations.contains_key(&o.name) => {
                    let slot = ObligationState { clause: number, paid: Money::ZERO, status: ObligationStatus::Open, paid_in_full_at: None };
                    self.obligations.insert(o.name.clone(), slot);
                }
                Rule::Waiver { name, .. } if !self.waivers.contains_key(name) => {
                    self.waivers.insert(name.clone(), WaiverState { clause: number, ended: None });
                }
                Rule::Warrant(w) if !self.warrants.contains_key(&w.name) => {
                    let slot = WarrantState { clause: number, issued: None, expires: None, remaining: OrdMap::new() };
                    self.warrants.insert(w.name.clone(), slot);
                }
                Rule::Note(n) if !self.notes.contains_key(&n.name) => {
                    self.notes.insert(n.name.clone(), NoteState { clause: number, issued: None });
                }
                _ => {}
            }
        }
    }

    /// The identity of a party or member the agreement knows.
    pub fn identity(&self, id: &str) -> Option<&Identity> {
        self.ledger.about(id)
    }

    /// Every party and member the agreement knows, in name order.
    pub fn identities(&self) -> impl Iterator<Item = (&Name, &Identity)> {
        self.ledger.registered()
    }

    /// Whether `id` is a party or member the agreement knows.
    pub fn knows(&self, id: &str) -> bool {
        self.identity(id).is_some()
    }

    /// The role of a member of a `many` role; `None` for single parties.
    pub fn member_role(&self, identity: &str) -> Option<Name> {
        self.identity(identity).filter(|i| i.role != identity).map(|i| i.role.clone())
    }

    /// Which clause closed `account`, and when; `None` while it is open.
    pub fn closed_under(&self, account: &str) -> Option<&(String, Timestamp)> {
        self.closed.get(account).map(|closed| &**closed)
    }

    /// The shared name of a known party or member; a new one for anyone else.
    pub fn name(&self, identity: &str) -> Name {
        Name::shared_or_new(self.ledger.party_name(identity), identity)
    }

    fn bump_id(&mut self, id: u64) {
        assert!(id >= self.next_id, "ids are handed out in increasing order");
        self.next_id = id + 1;
    }

    fn deadline_mut(&mut self, id: u64) -> &mut DeadlineEntry {
        let entry = Arc::make_mut(self.deadlines.get_mut(&id).expect("event names a known deadline"));
        assert_eq!(entry.status, DeadlineStatus::Pending, "only a pending deadline changes status");
        entry
    }
}

/// Builds the state from a journal's first event.
pub fn start(event: &Event) -> State {
    match &event.kind {
        EventKind::Opened { id, agreement, source_sha256, keys } => State::opened(event.at, id, agreement, *source_sha256, keys),
        other => panic!("a journal starts with Opened, not {other:?}"),
    }
}

/// Applies one event. Events are facts already decided, so this cannot fail;
/// an event that breaks an invariant is a bug and stops the process.
pub fn evolve(state: &mut State, event: &Event) {
    state.last_at = state.last_at.max(event.at);
    let at = event.at;
    match &event.kind {
        EventKind::Opened { .. } => panic!("Opened only starts a journal"),
        EventKind::Joined { role, member, legal_name, public_key } => {
            // A `many` role has its list from the opening, or from its first member
            // when an amendment declared it.
            if !state.members.contains_key(role.as_str()) {
                state.members.insert(Name::from(role), Arc::default());
            }
            let (role, members) = state.members.get_key_value_mut(role.as_str()).expect("inserted above");
            let (role, member) = (role.clone(), Name::from(member));
            Arc::make_mut(members).push_back(member.clone());
            let identity = Identity { role, legal_name: Name::from(legal_name), public_key: Some(*public_key) };
            assert!(!state.knows(&member), "member ids are unique");
            state.ledger.register(member, identity);
        }
        EventKind::Posted(posting) => {
            state.ledger.apply(posting);
        }
        EventKind::Delivered { document, by, sha256 } => {
            let (by, role) = (state.name(by), state.member_role(by));
            let entry = Arc::make_mut(state.deliveries.get_or_insert_with(document.clone(), Arc::default));
            assert!(entry.by.insert(by, Delivery { at, sha256: *sha256 }).is_none(), "a party delivers a document once");
            if let Some(role) = role {
                *entry.by_role.get_or_insert_with(role, || 0) += 1;
            }
            entry.first_at = Some(entry.first_at.map_or(at, |t| t.min(at)));
            entry.last_at = Some(entry.last_at.map_or(at, |t| t.max(at)));
        }
        EventKind::Signed { instrument, signer, terms, signature } => {
            let (signer, role) = (state.name(signer), state.member_role(signer));
            let entry = Arc::make_mut(state.counterparts.get_or_insert_with(instrument.clone(), || {
                Arc::new(Counterparts { terms: terms.clone(), signatures: OrdMap::new(), by_role: SmallMap::new() })
            }));
            assert_eq!(&entry.terms, terms, "counterparts are over the same terms");
            assert!(entry.signatures.insert(signer, Signature { at, signature: *signature }).is_none(), "a party signs a counterpart once");
            if let Some(role) = role {
                *entry.by_role.get_or_insert_with(role, || 0) += 1;
            }
        }
        EventKind::Executed { instrument, signers } => {
            let gathered = state.counterparts.remove(instrument).expect("an executed instrument has counterparts");
            state.executed.insert(instrument.clone(), Execution { at, signers: signers.clone(), terms: gathered.terms.clone() });
        }
        EventKind::RuleFired { rule } => {
            assert!(state.fired_rules.insert(rule.clone(), at).is_none(), "a when-rule fires once");
        }
        EventKind::DeadlineSet { id, purpose, deadline } => {
            state.bump_id(*id);
            let entry = DeadlineEntry { id: *id, purpose: purpose.clone(), deadline: deadline.clone(), status: DeadlineStatus::Pending };
            state.deadlines.insert(*id, Arc::new(entry));
        }
        EventKind::DeadlineMet { id } => state.deadline_mut(*id).status = DeadlineStatus::Met(at),
        EventKind::DeadlineFired { id } => state.deadline_mut(*id).status = DeadlineStatus::Fired,
        EventKind::DeadlineCancelled { id, reason } => state.deadline_mut(*id).status = DeadlineStatus::Cancelled(reason.clone()),
        EventKind::ActionBlocked { rule: Some(rule), owed: true, .. } => {
            state.owed.insert(rule.clone(), at);
        }
        EventKind::OwedActionRan { rule } => {
            assert!(state.owed.remove(rule).is_some(), "only an owed action runs as owed");
        }
        EventKind::CounterpartsVoided { instrument, .. } => {
            state.counterparts.remove(instrument);
        }
        EventKind::ActionBlocked { .. } | EventKind::Notified { .. } | EventKind::ArbitrationReferred { .. } => {}
        EventKind::CourtOrderObeyed { .. } => {}
        EventKind::Closed { account, clause } => {
            state.closed.insert(account.clone(), Arc::new((clause.clone(), at)));
        }
        EventKind::Disputed { id, by, reason } => {
            state.bump_id(*id);
            let dispute = DisputeState { by: by.clone(), reason: reason.clone(), raised: at, resolved: None };
            state.disputes.insert(*id, dispute);
        }
        EventKind::HoldPlaced { id, account, clause } => {
            state.bump_id(*id);
            let hold = Hold { id: *id, account: account.clone(), placed_at: at, clause: clause.clone(), status: HoldStatus::Pending };
            state.ledger.place_hold(hold);
        }
        EventKind::HoldSettled { id, status } => state.ledger.settle_hold(*id, *status),
        EventKind::DisputeResolved { id, how } => {
            let dispute = state.disputes.get_mut(id).expect("known dispute");
            assert!(dispute.resolved.is_none(), "a dispute is resolved once");
            dispute.resolved = Some((at, how.clone()));
        }
        EventKind::Resigned { .. } => state.resigned = Some(at),
        EventKind::SuccessorAppointed { role, legal_name, public_key, .. } => {
            let role = state.name(role);
            let identity = Identity { role: role.clone(), legal_name: Name::from(legal_name), public_key: Some(*public_key) };
            state.ledger.register(role, identity);
            state.resigned = None;
        }
        EventKind::Amended { version, source_sha256, agreement } => {
            assert_eq!(*version, state.version + 1, "amendments are numbered in order");
            state.version = *version;
            state.source_sha256 = *source_sha256;
            state.agreement = Arc::clone(agreement);
            // Consents gathered under the old version no longer apply to anything.
            state.counterparts = SmallMap::new();
            state.track_declarations();
        }
        EventKind::Assigned { assignor, assignee_legal_name, public_key } => {
            let identity = state.ledger.about_mut(assignor.as_str()).expect("assignor is a party");
            identity.legal_name = Name::from(assignee_legal_name);
            identity.public_key = Some(*public_key);
        }
        EventKind::Occurred { event } => {
            state.occurred.insert(event.clone(), at);
        }
        EventKind::ObligationPaid { name, amount } => {
            let slot = state.obligations.get_mut(name).expect("known obligation");
            slot.paid = slot.paid.checked_add(*amount).expect("decide checked the sum");
        }
        EventKind::ObligationChanged { name, status } => {
            let slot = state.obligations.get_mut(name).expect("known obligation");
            slot.status = *status;
            if matches!(status, ObligationStatus::Met | ObligationStatus::MetLate) {
                slot.paid_in_full_at = Some(at);
            }
        }
        EventKind::AccrualStarted { rule, owed_by, owed_to, amount, every, cap } => {
            let accrual = AccrualState {
                started: at,
                owed_by: owed_by.clone(),
                owed_to: owed_to.clone(),
                amount: *amount,
                every: *every,
                cap: *cap,
                periods: 0,
                total: Money::ZERO,
                stopped: None,
            };
            state.accruals.insert(rule.clone(), accrual);
        }
        EventKind::Accrued { rule, period, total } => {
            let accrual = state.accruals.get_mut(rule).expect("known accrual");
            assert_eq!(*period, accrual.periods + 1, "periods accrue in order");
            accrual.periods = *period;
            accrual.total = *total;
        }
        EventKind::AccrualStopped { rule, reason } => {
            let accrual = state.accruals.get_mut(rule).expect("known accrual");
            accrual.stopped = Some((at, reason.clone()));
        }
        EventKind::Terminated { clause, reason } => state.terminated = Some((at, clause.clone(), reason.clone())),
        EventKind::WaiverEnded { name, reason } => {
            state.waivers.get_mut(name).expect("known waiver").ended = Some((at, reason.clone()));
        }
        EventKind::WarrantIssued { name, allocation, expires } => {
            let warrant = state.warrants.get_mut(name).expect("known warrant");
            warrant.issued = Some(at);
            warrant.expires = Some(*expires);
            warrant.remaining = allocation.iter().cloned().collect();
        }
        EventKind::WarrantExercised { name, holder, shares, .. } => {
            let warrant = state.warrants.get_mut(name).expect("known warrant");
            let left = warrant.remaining.get_mut(holder).expect("holder has an allocation");
            *left = left.checked_sub(*shares).expect("decide checked the shares");
        }
        EventKind::NoteIssued { name } => state.notes.get_mut(name).expect("known note").issued = Some(at),
        EventKind::NoticeSent { id, from, to, method, subject, given } => {
            state.bump_id(*id);
            let notice = NoticeState { from: from.clone(), to: to.clone(), method: method.clone(), subject: subject.clone(), sent: at, given: *given };
            state.notices.insert(*id, notice);
        }
        EventKind::NoticeGiven { id } => state.notices.get_mut(id).expect("known notice").given = Some(at),
    }
}
