//! Conditions: whether they hold, since when, and the facts that make them hold.

use jiff::Timestamp;

use super::event::ObligationStatus;
use super::parties::join_names;
use super::state::State;
use crate::agreement::Condition;

impl State {
    /// The instant a condition became true, or `None` if it does not hold.
    pub fn since(&self, condition: &Condition) -> Option<Timestamp> {
        match condition {
            Condition::Received(document) => self.received_since(document),
            Condition::Signed(instrument) => self.executed.get(instrument).map(|e| e.at),
            Condition::Paid(obligation) => self.obligations.get(obligation).and_then(|o| match o.status {
                ObligationStatus::Met | ObligationStatus::MetLate => o.paid_in_full_at,
                ObligationStatus::Open | ObligationStatus::Late => None,
            }),
            Condition::Occurred(event) => self.occurred.get(event).copied(),
            // The latest of the parts' instants, if every part holds (none for no parts).
            Condition::All(parts) => parts.iter().try_fold(None, |latest: Option<Timestamp>, c| self.since(c).map(|t| Some(latest.map_or(t, |l| l.max(t)))))?,
            Condition::Any(parts) => parts.iter().filter_map(|c| self.since(c)).min(),
        }
    }

    pub fn holds(&self, condition: &Condition) -> bool {
        self.since(condition).is_some()
    }

    /// Whether `actor`'s delivery of `document` would complete it. Deliveries only
    /// add, so one that leaves the document incomplete leaves every condition as it
    /// was: it cannot start a rule, and `engine::execute` runs it on the live state.
    pub(super) fn delivery_completes(&self, document: &str, actor: &str) -> bool {
        let Some(declared) = self.agreement.document(document) else { return false };
        let deliveries = self.deliveries.get(document);
        let done = |who: &str| deliveries.is_some_and(|d| d.by.contains_key(who));
        let done_in_role = |role: &str| deliveries.and_then(|d| d.by_role.get(role).copied()).unwrap_or(0);
        self.satisfies_with(&declared.delivered_by, actor, done, done_in_role)
    }

    pub(super) fn received_since(&self, document: &str) -> Option<Timestamp> {
        let declared = self.agreement.document(document)?;
        let deliveries = self.deliveries.get(document)?;
        let done = |who: &str| deliveries.by.contains_key(who);
        let done_in_role = |role: &str| deliveries.by_role.get(role).copied().unwrap_or(0);
        if !self.satisfies(&declared.delivered_by, done, done_in_role) {
            return None;
        }
        // Only required parties may deliver, so for `and` the document is in when the
        // last copy arrived, and for `or` when the first did.
        match declared.delivered_by.mode {
            crate::agreement::SetMode::AllOf => deliveries.last_at,
            crate::agreement::SetMode::AnyOf => deliveries.first_at,
        }
    }

    /// Each atom of a condition as a sentence of fact, in the order they became true.
    pub fn facts(&self, condition: &Condition) -> Vec<(Timestamp, String)> {
        let mut facts = Vec::new();
        self.collect_facts(condition, &mut facts);
        facts.sort();
        facts
    }

    fn collect_facts(&self, condition: &Condition, out: &mut Vec<(Timestamp, String)>) {
        match condition {
            Condition::All(parts) | Condition::Any(parts) => parts.iter().for_each(|c| self.collect_facts(c, out)),
            atom => {
                if let Some(at) = self.since(atom) {
                    out.push((at, self.describe_atom(atom, at)));
                }
            }
        }
    }

    fn describe_atom(&self, atom: &Condition, at: Timestamp) -> String {
        let day = self.local_day(at);
        match atom {
            Condition::Received(document) => {
                let title = self.agreement.document(document).and_then(|d| d.title.clone()).unwrap_or_else(|| document.clone());
                let copies = self.deliveries.get(document).map(|d| d.by.len()).unwrap_or(0);
                let digest =
                    self.deliveries.get(document).and_then(|d| d.by.values().max_by_key(|x| x.at)).map(|d| hex::encode(&d.sha256[..6])).unwrap_or_default();
                if copies == 1 {
                    format!("{title} received {day} (sha256 {digest}…)")
                } else {
                    format!("{title} received from all {copies} required parties by {day}")
                }
            }
            Condition::Signed(instrument) => {
                let title = self.agreement.instrument(instrument).and_then(|i| i.title.clone()).unwrap_or_else(|| instrument.clone());
                let signers = self.executed.get(instrument).map(|e| e.signers.clone()).unwrap_or_default();
                format!("{title} executed by {} on {day}", self.describe_signers(&signers))
            }
            Condition::Paid(obligation) => format!("obligation `{obligation}` paid in full on {day}"),
            Condition::Occurred(event) => {
                let title = self.agreement.event(event).and_then(|e| e.title.clone()).unwrap_or_else(|| event.clone());
                format!("{title} occurred on {day}")
            }
            Condition::All(_) | Condition::Any(_) => unreachable!("only atoms are described"),
        }
    }

    /// `company and all 3 purchasers (alpha, beta, gamma)`: single parties by name,
    /// members of a role counted, so the sentence says whether everyone signed.
    pub fn describe_signers(&self, signers: &[String]) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut roles: Vec<(&str, Vec<&str>)> = Vec::new();
        for signer in signers {
            let role = self.identity(signer.as_str()).map_or("", |i| i.role.as_str());
            if role == signer {
                parts.push(signer.clone());
                continue;
            }
            match roles.iter_mut().find(|(r, _)| *r == role) {
                Some((_, members)) => members.push(signer),
                None => roles.push((role, vec![signer])),
            }
        }
        for (role, members) in roles {
            let total = self.members.get(role).map_or(0, |m| m.len());
            let count = if members.len() == total { format!("all {total}") } else { format!("{} of {total}", members.len()) };
            let plural = if total == 1 { role.to_string() } else { format!("{role}s") };
            parts.push(format!("{count} {plural} ({})", members.join(", ")));
        }
        join_names(&parts)
    }

    /// The local calendar day of an instant in the agreement's time zone.
    pub fn local_day(&self, at: Timestamp) -> String {
        crate::calendar::local_date(&self.agreement.time_zone, at).map(|d| d.to_string()).unwrap_or_else(|_| at.to_string())
    }
}

/// `received nir_waiver and signed release_notice`, for messages.
pub fn describe_condition(condition: &Condition) -> String {
    match condition {
        Condition::Received(x) => format!("received {x}"),
        Condition::Signed(x) => format!("signed {x}"),
        Condition::Paid(x) => format!("paid {x}"),
        Condition::Occurred(x) => format!("occurred {x}"),
        Condition::All(parts) => parts.iter().map(describe_condition).collect::<Vec<_>>().join(" and "),
        Condition::Any(parts) => parts.iter().map(describe_condition).collect::<Vec<_>>().join(" or "),
    }
}
