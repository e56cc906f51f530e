//! Events to and from their stored form: a kind name and a canonical JSON payload.
//!
//! The domain types carry no serde derives (the core is pure), so the mapping is
//! written out here, field by field, and is the journal's stable format: a stored
//! payload must decode the same way in every later version of pacta, and the
//! hash chain covers its exact bytes. Conventions:
//!
//! - exact amounts are integers of minor units (`"minor": 1500000`), never decimals;
//! - instants are RFC 3339 strings in UTC (`"2005-08-24T15:00:00Z"`), civil dates
//!   `YYYY-MM-DD`, local times `HH:MM:SS`;
//! - hashes, keys and signatures are lowercase hex;
//! - an agreement is never stored in an event: `Opened`, `Amended` and a signed
//!   amendment (`Terms::Amendment`) keep only the SHA-256 of the `.pact` source,
//!   and decoding asks a resolver for the agreement that source compiles to;
//! - variants are tagged by `"type"`, lists keep their order, absent values are `null`.
//!
//! The journal stores a payload as TEXT (it is UTF-8 JSON), and the hash chain
//! covers exactly those bytes.
//!
//! The bytes are canonical: object keys sorted, no whitespace, strings escaped as
//! `serde_json` escapes them, integers only. So `encode(decode(p)) == p` for every
//! payload this module wrote, which `verify` checks; a payload that decodes but
//! is not canonical was not written by pacta. Decoding is strict: an unknown,
//! missing or mistyped field is an error, never a default.

use std::sync::Arc;

use jiff::civil::{Date, Time};
use jiff::Timestamp;
use pacta_core::agreement::{Agreement, PayAmount};
use pacta_core::calendar::{CalendarId, Deadline, Period, PeriodUnit};
use pacta_core::consent::{Direction, Terms};
use pacta_core::engine::{DeadlinePurpose, EventKind, ObligationStatus, RuleKey};
use pacta_core::ledger::{Cause, HoldStatus, LedgerAccount, Posting};
use pacta_core::money::Money;
use pacta_core::name::Name;
use serde_json::{Map, Value};

/// Why a stored payload could not be turned back into an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("the payload is not JSON: {0}")]
    NotJson(String),
    #[error("unknown event kind `{0}`")]
    UnknownKind(String),
    #[error("{0}")]
    Invalid(String),
    /// The resolver has no agreement for this source hash (yet).
    #[error("no agreement source with sha256 {}", hex::encode(.0))]
    UnknownSource([u8; 32]),
    /// The source exists but cannot be used (its text does not hash to its key, or it does not compile).
    #[error("agreement source {}: {message}", hex::encode(.sha256))]
    BadSource { sha256: [u8; 32], message: String },
}

fn invalid(message: impl Into<String>) -> CodecError {
    CodecError::Invalid(message.into())
}

/// An event kind in its stored form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub kind: &'static str,
    pub payload: Vec<u8>,
}

/// The stored form of an instant: RFC 3339 in UTC, with as many fractional digits as it needs.
pub fn encode_at(at: Timestamp) -> String {
    at.to_string()
}

pub fn decode_at(text: &str) -> Result<Timestamp, CodecError> {
    let at: Timestamp = text.parse().map_err(|e| invalid(format!("`{text}` is not an RFC 3339 instant: {e}")))?;
    if encode_at(at) != text {
        return Err(invalid(format!("`{text}` is not in canonical form (`{}`)", encode_at(at))));
    }
    Ok(at)
}

/// The source an event names, if it names one: the agreement it opens or amends to,
/// or the amendment a signature consents to. Such a source must be stored before
/// the event is appended, or the journal could not be decoded.
pub fn source_of(kind: &EventKind) -> Option<([u8; 32], Option<&Arc<Agreement>>)> {
    match kind {
        EventKind::Opened { source_sha256, agreement, .. } | EventKind::Amended { source_sha256, agreement, .. } => Some((*source_sha256, Some(agreement))),
        EventKind::Signed { terms: Terms::Amendment { source_sha256, agreement }, .. } => Some((*source_sha256, Some(agreement))),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/// The stored form of an event kind.
///
/// Written straight into the payload's bytes, with no `serde_json::Value` in
/// between: building that tree (a map per object, a `String` per field, then a
/// sorted copy of every map) cost about 5 µs per event, most of the journal's
/// encoding time. Each object's fields are written in sorted key order by hand;
/// `Fields` asserts that order in debug builds, and the round-trip tests check
/// that every payload equals its canonical form.
pub fn encode(kind: &EventKind) -> Encoded {
    let mut out = Vec::with_capacity(256);
    let name = write_kind(&mut out, kind);
    Encoded { kind: name, payload: out }
}

/// A JSON string, escaped exactly as `serde_json` escapes it (`"` `\` and control
/// characters; everything else, including non-ASCII, as its own UTF-8 bytes).
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        serde_json::to_writer(&mut *out, s).expect("writing to a Vec cannot fail");
    } else {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

fn write_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

pub(crate) fn write_i64(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    write_u64(out, n.unsigned_abs());
}

fn write_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2 + 2);
    out.push(b'"');
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 15)]);
    }
    out.push(b'"');
}

/// A value whose text form needs no escaping (instants, dates, times), quoted.
fn write_display(out: &mut Vec<u8>, value: impl std::fmt::Display) {
    use std::io::Write;
    out.push(b'"');
    write!(out, "{value}").expect("writing to a Vec cannot fail");
    out.push(b'"');
}

/// The members of one JSON object, written in the order given, which must be
/// sorted by key (the canonical order).
struct Fields<'a> {
    out: &'a mut Vec<u8>,
    last: Option<&'static str>,
}

fn object(out: &mut Vec<u8>, members: impl FnOnce(&mut Fields<'_>)) {
    out.push(b'{');
    members(&mut Fields { out, last: None });
    out.push(b'}');
}

fn array<T>(out: &mut Vec<u8>, items: &[T], mut item: impl FnMut(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item(out, x);
    }
    out.push(b']');
}

impl Fields<'_> {
    /// Starts the member `key` and returns where its value goes.
    fn key(&mut self, key: &'static str) -> &mut Vec<u8> {
        debug_assert!(self.last.is_none_or(|last| last < key), "`{key}` after `{}`: keys must be written sorted", self.last.unwrap_or_default());
        debug_assert!(key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'), "keys need no escaping");
        if self.last.is_some() {
            self.out.push(b',');
        }
        self.last = Some(key);
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    fn str(&mut self, key: &'static str, value: &str) -> &mut Self {
        write_str(self.key(key), value);
        self
    }

    fn strings<S: AsRef<str>>(&mut self, key: &'static str, values: &[S]) -> &mut Self {
        array(self.key(key), values, |out, s| write_str(out, s.as_ref()));
        self
    }

    fn u64(&mut self, key: &'static str, value: u64) -> &mut Self {
        write_u64(self.key(key), value);
        self
    }

    fn i64(&mut self, key: &'static str, value: i64) -> &mut Self {
        write_i64(self.key(key), value);
        self
    }

    fn bool(&mut self, key: &'static str, value: bool) -> &mut Self {
        self.key(key).extend_from_slice(if value { b"true" } else { b"false" });
        self
    }

    fn hex(&mut self, key: &'static str, bytes: &[u8]) -> &mut Self {
        write_hex(self.key(key), bytes);
        self
    }

    fn at(&mut self, key: &'static str, at: Timestamp) -> &mut Self {
        write_display(self.key(key), at);
        self
    }

    fn null(&mut self, key: &'static str) -> &mut Self {
        self.key(key).extend_from_slice(b"null");
        self
    }

    /// The member `key` whose value `value` writes.
    fn with(&mut self, key: &'static str, value: impl FnOnce(&mut Vec<u8>)) -> &mut Self {
        value(self.key(key));
        self
    }

    fn object(&mut self, key: &'static str, members: impl FnOnce(&mut Fields<'_>)) -> &mut Self {
        object(self.key(key), members);
        self
    }

    fn rule(&mut self, key: &'static str, rule: &RuleKey) -> &mut Self {
        self.object(key, |f| {
            f.str("clause", &rule.clause).u64("index", rule.index as u64);
        })
    }

    fn period(&mut self, key: &'static str, period: &Period) -> &mut Self {
        let unit = match period.unit {
            PeriodUnit::BusinessDays => "business_days",
            PeriodUnit::CalendarDays => "calendar_days",
        };
        self.object(key, |f| {
            f.u64("count", u64::from(period.count)).str("unit", unit);
        })
    }

    fn account(&mut self, key: &'static str, account: &LedgerAccount) -> &mut Self {
        self.object(key, |f| match account {
            LedgerAccount::Custody { account, depositor } => {
                f.str("account", account).with("depositor", |out| match depositor {
                    Some(d) => write_str(out, d),
                    None => out.extend_from_slice(b"null"),
                });
                f.str("type", "custody");
            }
            LedgerAccount::Outside { party } => {
                f.str("party", party).str("type", "outside");
            }
            LedgerAccount::Court { court } => {
                f.str("court", court).str("type", "court");
            }
        })
    }
}

fn write_posting(f: &mut Fields<'_>, p: &Posting) {
    f.at("at", p.at)
        .object("cause", |c| {
            c.strings("authority", &p.cause.authority)
                .str("because", &p.cause.because)
                .str("clause", &p.cause.clause)
                .str("clause_title", &p.cause.clause_title);
        })
        .account("credit", &p.credit)
        .account("debit", &p.debit)
        .u64("id", p.id)
        .i64("minor", p.amount.minor);
}

fn write_terms(f: &mut Fields<'_>, terms: &Terms) {
    match terms {
        Terms::AsWritten => f.str("type", "as_written"),
        Terms::Directions(directions) => {
            f.with("directions", |out| array(out, directions, |out, d| object(out, |f| write_direction(f, d)))).str("type", "directions")
        }
        Terms::Successor { legal_name, public_key } => f.str("legal_name", legal_name).hex("public_key", public_key).str("type", "successor"),
        Terms::Amendment { source_sha256, .. } => f.hex("source_sha256", source_sha256).str("type", "amendment"),
        Terms::Assignment { assignor, assignee_legal_name, public_key } => {
            f.str("assignee_legal_name", assignee_legal_name).str("assignor", assignor).hex("public_key", public_key).str("type", "assignment")
        }
    };
}

fn write_direction(f: &mut Fields<'_>, direction: &Direction) {
    match direction {
        Direction::Pay { amount: PayAmount::Fixed(money), to } => f.i64("minor", money.minor).str("to", to).str("type", "pay"),
        Direction::Pay { amount: PayAmount::Rest, to } => f.str("to", to).str("type", "pay_rest"),
        Direction::RefundDepositors => f.str("type", "refund_depositors"),
    };
}

fn write_purpose(f: &mut Fields<'_>, purpose: &DeadlinePurpose) {
    match purpose {
        DeadlinePurpose::Unless(key) => f.rule("rule", key).str("type", "unless"),
        DeadlinePurpose::ObligationDue(name) => f.str("name", name).str("type", "obligation_due"),
        DeadlinePurpose::WarrantIssue(name) => f.str("name", name).str("type", "warrant_issue"),
        DeadlinePurpose::WaiverEnds(name) => f.str("name", name).str("type", "waiver_ends"),
        DeadlinePurpose::AccrualPeriod { rule: key, period } => f.u64("period", u64::from(*period)).rule("rule", key).str("type", "accrual_period"),
    };
}

fn write_deadline(f: &mut Fields<'_>, d: &Deadline) {
    f.with("anchor", |out| write_display(out, d.anchor))
        .str("calendar", d.calendar.name())
        .with("cutoff", |out| match d.cutoff {
            Some(t) => write_display(out, t),
            None => out.extend_from_slice(b"null"),
        })
        .at("due", d.due)
        .with("last_day", |out| write_display(out, d.last_day))
        .period("period", &d.period)
        .str("time_zone", &d.time_zone);
}

fn hold_status(status: HoldStatus) -> &'static str {
    match status {
        HoldStatus::Pending => "pending",
        HoldStatus::Posted => "posted",
        HoldStatus::Voided => "voided",
    }
}

fn obligation_status(status: ObligationStatus) -> &'static str {
    match status {
        ObligationStatus::Open => "open",
        ObligationStatus::Met => "met",
        ObligationStatus::Late => "late",
        ObligationStatus::MetLate => "met_late",
    }
}

/// Writes the payload of `kind` (fields in sorted key order) and returns its kind name.
fn write_kind(out: &mut Vec<u8>, kind: &EventKind) -> &'static str {
    let mut name = "";
    object(out, |f| {
        name = match kind {
            EventKind::Opened { id, agreement: _, source_sha256, keys } => {
                f.str("id", id)
                    .with("keys", |out| {
                        array(out, keys, |out, (party, key)| {
                            object(out, |k| {
                                k.hex("key", key).str("party", party);
                            })
                        })
                    })
                    .hex("source_sha256", source_sha256);
                "opened"
            }
            EventKind::Joined { role, member, legal_name, public_key } => {
                f.str("legal_name", legal_name).str("member", member).hex("public_key", public_key).str("role", role);
                "joined"
            }
            EventKind::Posted(p) => {
                write_posting(f, p);
                "posted"
            }
            EventKind::Delivered { document, by, sha256 } => {
                f.str("by", by).str("document", document).hex("sha256", sha256);
                "delivered"
            }
            EventKind::Signed { instrument, signer, terms, signature } => {
                f.str("instrument", instrument).hex("signature", signature).str("signer", signer).object("terms", |t| write_terms(t, terms));
                "signed"
            }
            EventKind::Executed { instrument, signers } => {
                f.str("instrument", instrument).strings("signers", signers);
                "executed"
            }
            EventKind::RuleFired { rule } => {
                f.rule("rule", rule);
                "rule_fired"
            }
            EventKind::DeadlineSet { id, purpose, deadline } => {
                f.object("deadline", |d| write_deadline(d, deadline)).u64("id", *id).object("purpose", |p| write_purpose(p, purpose));
                "deadline_set"
            }
            EventKind::DeadlineMet { id } => {
                f.u64("id", *id);
                "deadline_met"
            }
            EventKind::DeadlineFired { id } => {
                f.u64("id", *id);
                "deadline_fired"
            }
            EventKind::DeadlineCancelled { id, reason } => {
                f.u64("id", *id).str("reason", reason);
                "deadline_cancelled"
            }
            EventKind::ActionBlocked { clause, rule, owed, reason } => {
                f.str("clause", clause).bool("owed", *owed).str("reason", reason);
                match rule {
                    Some(key) => f.rule("rule", key),
                    None => f.null("rule"),
                };
                "action_blocked"
            }
            EventKind::OwedActionRan { rule } => {
                f.rule("rule", rule);
                "owed_action_ran"
            }
            EventKind::CounterpartsVoided { instrument, reason } => {
                f.str("instrument", instrument).str("reason", reason);
                "counterparts_voided"
            }
            EventKind::Notified { clause, to, subject } => {
                f.str("clause", clause).str("subject", subject).strings("to", to);
                "notified"
            }
            EventKind::Closed { account, clause } => {
                f.str("account", account).str("clause", clause);
                "closed"
            }
            EventKind::Disputed { id, by, reason } => {
                f.str("by", by).u64("id", *id).str("reason", reason);
                "disputed"
            }
            EventKind::HoldPlaced { id, account, clause } => {
                f.str("account", account).str("clause", clause).u64("id", *id);
                "hold_placed"
            }
            EventKind::HoldSettled { id, status } => {
                f.u64("id", *id).str("status", hold_status(*status));
                "hold_settled"
            }
            EventKind::DisputeResolved { id, how } => {
                f.str("how", how).u64("id", *id);
                "dispute_resolved"
            }
            EventKind::ArbitrationReferred { dispute, clause, forum } => {
                f.str("clause", clause).u64("dispute", *dispute).str("forum", forum);
                "arbitration_referred"
            }
            EventKind::CourtOrderObeyed { court, order_sha256 } => {
                f.str("court", court).hex("order_sha256", order_sha256);
                "court_order_obeyed"
            }
            EventKind::Resigned { agent } => {
                f.str("agent", agent);
                "resigned"
            }
            EventKind::SuccessorAppointed { role, legal_name, public_key, accounts } => {
                f.strings("accounts", accounts).str("legal_name", legal_name).hex("public_key", public_key).str("role", role);
                "successor_appointed"
            }
            EventKind::Amended { version, source_sha256, agreement: _ } => {
                f.hex("source_sha256", source_sha256).u64("version", u64::from(*version));
                "amended"
            }
            EventKind::Assigned { assignor, assignee_legal_name, public_key } => {
                f.str("assignee_legal_name", assignee_legal_name).str("assignor", assignor).hex("public_key", public_key);
                "assigned"
            }
            EventKind::Occurred { event } => {
                f.str("event", event);
                "occurred"
            }
            EventKind::ObligationPaid { name, amount } => {
                f.i64("minor", amount.minor).str("name", name);
                "obligation_paid"
            }
            EventKind::ObligationChanged { name, status } => {
                f.str("name", name).str("status", obligation_status(*status));
                "obligation_changed"
            }
            EventKind::AccrualStarted { rule, owed_by, owed_to, amount, every, cap } => {
                match cap {
                    Some(cap) => f.i64("cap_minor", cap.minor),
                    None => f.null("cap_minor"),
                };
                f.period("every", every).i64("minor", amount.minor).str("owed_by", owed_by).strings("owed_to", owed_to).rule("rule", rule);
                "accrual_started"
            }
            EventKind::Accrued { rule, period, total } => {
                f.u64("period", u64::from(*period)).rule("rule", rule).i64("total_minor", total.minor);
                "accrued"
            }
            EventKind::AccrualStopped { rule, reason } => {
                f.str("reason", reason).rule("rule", rule);
                "accrual_stopped"
            }
            EventKind::Terminated { clause, reason } => {
                f.str("clause", clause).str("reason", reason);
                "terminated"
            }
            EventKind::WaiverEnded { name, reason } => {
                f.str("name", name).str("reason", reason);
                "waiver_ended"
            }
            EventKind::WarrantIssued { name, allocation, expires } => {
                f.with("allocation", |out| {
                    array(out, allocation, |out, (holder, shares)| {
                        object(out, |a| {
                            a.str("holder", holder).u64("shares", *shares);
                        })
                    })
                })
                .at("expires", *expires)
                .str("name", name);
                "warrant_issued"
            }
            EventKind::WarrantExercised { name, holder, shares, cost } => {
                f.i64("cost_minor", cost.minor).str("holder", holder).str("name", name).u64("shares", *shares);
                "warrant_exercised"
            }
            EventKind::NoteIssued { name } => {
                f.str("name", name);
                "note_issued"
            }
            EventKind::NoticeSent { id, from, to, method, subject, given } => {
                f.str("from", from);
                match given {
                    Some(at) => f.at("given", *at),
                    None => f.null("given"),
                };
                f.u64("id", *id).str("method", method).str("subject", subject).str("to", to);
                "notice_sent"
            }
            EventKind::NoticeGiven { id } => {
                f.u64("id", *id);
                "notice_given"
            }
        };
    });
    name
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

/// Finds the agreement a source hash names. `Store` compiles the stored source
/// with `pacta_lang::compile` and caches it; tests may hand out fixtures.
pub type Resolver<'a> = dyn FnMut(&[u8; 32]) -> Result<Arc<Agreement>, CodecError> + 'a;

/// The event kind a stored `(kind, payload)` pair holds.
pub fn decode(kind: &str, payload: &[u8], resolve: &mut Resolver<'_>) -> Result<EventKind, CodecError> {
    let value: Value = serde_json::from_slice(payload).map_err(|e| CodecError::NotJson(e.to_string()))?;
    from_json(kind, &value, resolve)
}

/// An object with exactly the named fields, read with typed accessors.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    what: &'static str,
}

fn obj<'a>(value: &'a Value, what: &'static str, fields: &[&str]) -> Result<Obj<'a>, CodecError> {
    let map = value.as_object().ok_or_else(|| invalid(format!("{what}: expected an object")))?;
    if map.len() != fields.len() || fields.iter().any(|f| !map.contains_key(*f)) {
        let mut have: Vec<&str> = map.keys().map(String::as_str).collect();
        have.sort_unstable();
        let mut want = fields.to_vec();
        want.sort_unstable();
        return Err(invalid(format!("{what}: expected fields {want:?}, found {have:?}")));
    }
    Ok(Obj { map, what })
}

/// An object tagged by `"type"`: its tag, then the whole object for `obj`.
fn tag<'a>(value: &'a Value, what: &'static str) -> Result<&'a str, CodecError> {
    value.get("type").and_then(Value::as_str).ok_or_else(|| invalid(format!("{what}: expected an object with a string \"type\"")))
}

impl<'a> Obj<'a> {
    fn get(&self, field: &str) -> &'a Value {
        &self.map[field]
    }

    fn err(&self, field: &str, expected: &str) -> CodecError {
        invalid(format!("{}.{field}: expected {expected}", self.what))
    }

    fn str(&self, field: &str) -> Result<String, CodecError> {
        self.get(field).as_str().map(str::to_string).ok_or_else(|| self.err(field, "a string"))
    }

    fn opt_str(&self, field: &str) -> Result<Option<String>, CodecError> {
        match self.get(field) {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            _ => Err(self.err(field, "a string or null")),
        }
    }

    fn strings(&self, field: &str) -> Result<Vec<String>, CodecError> {
        let items = self.get(field).as_array().ok_or_else(|| self.err(field, "an array of strings"))?;
        items.iter().map(|v| v.as_str().map(str::to_string).ok_or_else(|| self.err(field, "an array of strings"))).collect()
    }

    fn u64(&self, field: &str) -> Result<u64, CodecError> {
        self.get(field).as_u64().ok_or_else(|| self.err(field, "an unsigned integer"))
    }

    fn u32(&self, field: &str) -> Result<u32, CodecError> {
        self.u64(field)?.try_into().map_err(|_| self.err(field, "an integer below 2^32"))
    }

    fn usize(&self, field: &str) -> Result<usize, CodecError> {
        self.u64(field)?.try_into().map_err(|_| self.err(field, "an index that fits this machine"))
    }

    fn i64(&self, field: &str) -> Result<i64, CodecError> {
        self.get(field).as_i64().ok_or_else(|| self.err(field, "an integer"))
    }

    fn money(&self, field: &str) -> Result<Money, CodecError> {
        self.i64(field).map(Money::from_minor)
    }

    fn opt_money(&self, field: &str) -> Result<Option<Money>, CodecError> {
        match self.get(field) {
            Value::Null => Ok(None),
            v => v.as_i64().map(|m| Some(Money::from_minor(m))).ok_or_else(|| self.err(field, "an integer or null")),
        }
    }

    fn bool(&self, field: &str) -> Result<bool, CodecError> {
        self.get(field).as_bool().ok_or_else(|| self.err(field, "true or false"))
    }

    fn bytes<const N: usize>(&self, field: &str) -> Result<[u8; N], CodecError> {
        let text = self.get(field).as_str().ok_or_else(|| self.err(field, "a hex string"))?;
        let mut out = [0u8; N];
        hex::decode_to_slice(text, &mut out).map_err(|_| self.err(field, &format!("{} bytes in hex", N)))?;
        Ok(out)
    }

    fn at(&self, field: &str) -> Result<Timestamp, CodecError> {
        decode_at(&self.str(field)?).map_err(|e| invalid(format!("{}.{field}: {e}", self.what)))
    }

    fn opt_at(&self, field: &str) -> Result<Option<Timestamp>, CodecError> {
        self.opt_str(field)?.map(|t| decode_at(&t).map_err(|e| invalid(format!("{}.{field}: {e}", self.what)))).transpose()
    }

    fn date(&self, field: &str) -> Result<Date, CodecError> {
        let text = self.str(field)?;
        text.parse().map_err(|_| self.err(field, "a date YYYY-MM-DD"))
    }

    fn rule(&self, field: &str) -> Result<RuleKey, CodecError> {
        rule_from(self.get(field))
    }

    fn period(&self, field: &str) -> Result<Period, CodecError> {
        let o = obj(self.get(field), "period", &["count", "unit"])?;
        let unit = match o.str("unit")?.as_str() {
            "business_days" => PeriodUnit::BusinessDays,
            "calendar_days" => PeriodUnit::CalendarDays,
            other => return Err(invalid(format!("period.unit: unknown unit `{other}`"))),
        };
        Ok(Period { count: o.u32("count")?, unit })
    }
}

fn rule_from(value: &Value) -> Result<RuleKey, CodecError> {
    let o = obj(value, "rule", &["clause", "index"])?;
    Ok(RuleKey { clause: o.str("clause")?, index: o.usize("index")? })
}

fn account_from(value: &Value) -> Result<LedgerAccount, CodecError> {
    Ok(match tag(value, "account")? {
        "custody" => {
            let o = obj(value, "account", &["type", "account", "depositor"])?;
            LedgerAccount::Custody { account: o.str("account")?.into(), depositor: o.opt_str("depositor")?.map(Name::from) }
        }
        "outside" => LedgerAccount::Outside { party: obj(value, "account", &["type", "party"])?.str("party")?.into() },
        "court" => LedgerAccount::Court { court: obj(value, "account", &["type", "court"])?.str("court")?.into() },
        other => return Err(invalid(format!("account: unknown type `{other}`"))),
    })
}

fn posting_from(value: &Value) -> Result<Posting, CodecError> {
    let o = obj(value, "posting", &["id", "at", "debit", "credit", "minor", "cause"])?;
    let c = obj(o.get("cause"), "cause", &["clause", "clause_title", "because", "authority"])?;
    Ok(Posting {
        id: o.u64("id")?,
        at: o.at("at")?,
        debit: account_from(o.get("debit"))?,
        credit: account_from(o.get("credit"))?,
        amount: o.money("minor")?,
        cause: Cause {
            clause: c.str("clause")?.into(),
            clause_title: c.str("clause_title")?.into(),
            because: c.str("because")?.into(),
            authority: c.strings("authority")?.into_iter().map(Into::into).collect(),
        },
    })
}

fn terms_from(value: &Value, resolve: &mut Resolver<'_>) -> Result<Terms, CodecError> {
    Ok(match tag(value, "terms")? {
        "as_written" => {
            obj(value, "terms", &["type"])?;
            Terms::AsWritten
        }
        "directions" => {
            let o = obj(value, "terms", &["type", "directions"])?;
            let items = o.get("directions").as_array().ok_or_else(|| o.err("directions", "an array"))?;
            Terms::Directions(items.iter().map(direction_from).collect::<Result<_, _>>()?)
        }
        "successor" => {
            let o = obj(value, "terms", &["type", "legal_name", "public_key"])?;
            Terms::Successor { legal_name: o.str("legal_name")?, public_key: o.bytes("public_key")? }
        }
        "amendment" => {
            let o = obj(value, "terms", &["type", "source_sha256"])?;
            let source_sha256 = o.bytes("source_sha256")?;
            Terms::Amendment { source_sha256, agreement: resolve(&source_sha256)? }
        }
        "assignment" => {
            let o = obj(value, "terms", &["type", "assignor", "assignee_legal_name", "public_key"])?;
            Terms::Assignment { assignor: o.str("assignor")?, assignee_legal_name: o.str("assignee_legal_name")?, public_key: o.bytes("public_key")? }
        }
        other => return Err(invalid(format!("terms: unknown type `{other}`"))),
    })
}

fn direction_from(value: &Value) -> Result<Direction, CodecError> {
    Ok(match tag(value, "direction")? {
        "pay" => {
            let o = obj(value, "direction", &["type", "minor", "to"])?;
            Direction::Pay { amount: PayAmount::Fixed(o.money("minor")?), to: o.str("to")? }
        }
        "pay_rest" => Direction::Pay { amount: PayAmount::Rest, to: obj(value, "direction", &["type", "to"])?.str("to")? },
        "refund_depositors" => {
            obj(value, "direction", &["type"])?;
            Direction::RefundDepositors
        }
        other => return Err(invalid(format!("direction: unknown type `{other}`"))),
    })
}

fn purpose_from(value: &Value) -> Result<DeadlinePurpose, CodecError> {
    Ok(match tag(value, "purpose")? {
        "unless" => DeadlinePurpose::Unless(obj(value, "purpose", &["type", "rule"])?.rule("rule")?),
        "obligation_due" => DeadlinePurpose::ObligationDue(obj(value, "purpose", &["type", "name"])?.str("name")?),
        "warrant_issue" => DeadlinePurpose::WarrantIssue(obj(value, "purpose", &["type", "name"])?.str("name")?),
        "waiver_ends" => DeadlinePurpose::WaiverEnds(obj(value, "purpose", &["type", "name"])?.str("name")?),
        "accrual_period" => {
            let o = obj(value, "purpose", &["type", "rule", "period"])?;
            DeadlinePurpose::AccrualPeriod { rule: o.rule("rule")?, period: o.u32("period")? }
        }
        other => return Err(invalid(format!("purpose: unknown type `{other}`"))),
    })
}

fn deadline_from(value: &Value) -> Result<Deadline, CodecError> {
    let o = obj(value, "deadline", &["anchor", "period", "last_day", "due", "calendar", "time_zone", "cutoff"])?;
    let calendar = o.str("calendar")?;
    let cutoff = match o.opt_str("cutoff")? {
        None => None,
        Some(text) => Some(text.parse::<Time>().map_err(|_| o.err("cutoff", "a time HH:MM:SS or null"))?),
    };
    Ok(Deadline {
        anchor: o.date("anchor")?,
        period: o.period("period")?,
        last_day: o.date("last_day")?,
        due: o.at("due")?,
        calendar: CalendarId::from_name(&calendar).ok_or_else(|| invalid(format!("deadline.calendar: unknown calendar `{calendar}`")))?,
        time_zone: o.str("time_zone")?,
        cutoff,
    })
}

fn hold_status_from(text: &str) -> Result<HoldStatus, CodecError> {
    Ok(match text {
        "pending" => HoldStatus::Pending,
        "posted" => HoldStatus::Posted,
        "voided" => HoldStatus::Voided,
        other => return Err(invalid(format!("unknown hold status `{other}`"))),
    })
}

fn obligation_status_from(text: &str) -> Result<ObligationStatus, CodecError> {
    Ok(match text {
        "open" => ObligationStatus::Open,
        "met" => ObligationStatus::Met,
        "late" => ObligationStatus::Late,
        "met_late" => ObligationStatus::MetLate,
        other => return Err(invalid(format!("unknown obligation status `{other}`"))),
    })
}

fn from_json(kind: &str, v: &Value, resolve: &mut Resolver<'_>) -> Result<EventKind, CodecError> {
    let o = |fields: &[&str]| obj(v, "payload", fields);
    Ok(match kind {
        "opened" => {
            let o = o(&["id", "source_sha256", "keys"])?;
            let source_sha256 = o.bytes("source_sha256")?;
            let items = o.get("keys").as_array().ok_or_else(|| o.err("keys", "an array"))?;
            let keys = items
                .iter()
                .map(|item| {
                    let k = obj(item, "key", &["party", "key"])?;
                    Ok((k.str("party")?, k.bytes("key")?))
                })
                .collect::<Result<_, CodecError>>()?;
            EventKind::Opened { id: o.str("id")?, agreement: resolve(&source_sha256)?, source_sha256, keys }
        }
        "joined" => {
            let o = o(&["role", "member", "legal_name", "public_key"])?;
            EventKind::Joined { role: o.str("role")?, member: o.str("member")?, legal_name: o.str("legal_name")?, public_key: o.bytes("public_key")? }
        }
        "posted" => EventKind::Posted(posting_from(v)?),
        "delivered" => {
            let o = o(&["document", "by", "sha256"])?;
            EventKind::Delivered { document: o.str("document")?, by: o.str("by")?, sha256: o.bytes("sha256")? }
        }
        "signed" => {
            let o = o(&["instrument", "signer", "terms", "signature"])?;
            let terms = terms_from(o.get("terms"), resolve)?;
            EventKind::Signed { instrument: o.str("instrument")?, signer: o.str("signer")?, terms, signature: o.bytes("signature")? }
        }
        "executed" => {
            let o = o(&["instrument", "signers"])?;
            EventKind::Executed { instrument: o.str("instrument")?, signers: o.strings("signers")? }
        }
        "rule_fired" => EventKind::RuleFired { rule: o(&["rule"])?.rule("rule")? },
        "deadline_set" => {
            let o = o(&["id", "purpose", "deadline"])?;
            EventKind::DeadlineSet { id: o.u64("id")?, purpose: purpose_from(o.get("purpose"))?, deadline: deadline_from(o.get("deadline"))? }
        }
        "deadline_met" => EventKind::DeadlineMet { id: o(&["id"])?.u64("id")? },
        "deadline_fired" => EventKind::DeadlineFired { id: o(&["id"])?.u64("id")? },
        "deadline_cancelled" => {
            let o = o(&["id", "reason"])?;
            EventKind::DeadlineCancelled { id: o.u64("id")?, reason: o.str("reason")? }
        }
        "action_blocked" => {
            let o = o(&["clause", "rule", "owed", "reason"])?;
            let rule = match o.get("rule") {
                Value::Null => None,
                value => Some(rule_from(value)?),
            };
            EventKind::ActionBlocked { clause: o.str("clause")?, rule, owed: o.bool("owed")?, reason: o.str("reason")? }
        }
        "owed_action_ran" => EventKind::OwedActionRan { rule: o(&["rule"])?.rule("rule")? },
        "counterparts_voided" => {
            let o = o(&["instrument", "reason"])?;
            EventKind::CounterpartsVoided { instrument: o.str("instrument")?, reason: o.str("reason")? }
        }
        "notified" => {
            let o = o(&["clause", "to", "subject"])?;
            EventKind::Notified { clause: o.str("clause")?, to: o.strings("to")?, subject: o.str("subject")? }
        }
        "closed" => {
            let o = o(&["account", "clause"])?;
            EventKind::Closed { account: o.str("account")?, clause: o.str("clause")? }
        }
        "disputed" => {
            let o = o(&["id", "by", "reason"])?;
            EventKind::Disputed { id: o.u64("id")?, by: o.str("by")?, reason: o.str("reason")? }
        }
        "hold_placed" => {
            let o = o(&["id", "account", "clause"])?;
            EventKind::HoldPlaced { id: o.u64("id")?, account: o.str("account")?, clause: o.str("clause")? }
        }
        "hold_settled" => {
            let o = o(&["id", "status"])?;
            EventKind::HoldSettled { id: o.u64("id")?, status: hold_status_from(&o.str("status")?)? }
        }
        "dispute_resolved" => {
            let o = o(&["id", "how"])?;
            EventKind::DisputeResolved { id: o.u64("id")?, how: o.str("how")? }
        }
        "arbitration_referred" => {
            let o = o(&["dispute", "clause", "forum"])?;
            EventKind::ArbitrationReferred { dispute: o.u64("dispute")?, clause: o.str("clause")?, forum: o.str("forum")? }
        }
        "court_order_obeyed" => {
            let o = o(&["court", "order_sha256"])?;
            EventKind::CourtOrderObeyed { court: o.str("court")?, order_sha256: o.bytes("order_sha256")? }
        }
        "resigned" => EventKind::Resigned { agent: o(&["agent"])?.str("agent")? },
        "successor_appointed" => {
            let o = o(&["role", "legal_name", "public_key", "accounts"])?;
            EventKind::SuccessorAppointed {
                role: o.str("role")?,
                legal_name: o.str("legal_name")?,
                public_key: o.bytes("public_key")?,
                accounts: o.strings("accounts")?,
            }
        }
        "amended" => {
            let o = o(&["version", "source_sha256"])?;
            let source_sha256 = o.bytes("source_sha256")?;
            EventKind::Amended { version: o.u32("version")?, agreement: resolve(&source_sha256)?, source_sha256 }
        }
        "assigned" => {
            let o = o(&["assignor", "assignee_legal_name", "public_key"])?;
            EventKind::Assigned { assignor: o.str("assignor")?, assignee_legal_name: o.str("assignee_legal_name")?, public_key: o.bytes("public_key")? }
        }
        "occurred" => EventKind::Occurred { event: o(&["event"])?.str("event")? },
        "obligation_paid" => {
            let o = o(&["name", "minor"])?;
            EventKind::ObligationPaid { name: o.str("name")?, amount: o.money("minor")? }
        }
        "obligation_changed" => {
            let o = o(&["name", "status"])?;
            EventKind::ObligationChanged { name: o.str("name")?, status: obligation_status_from(&o.str("status")?)? }
        }
        "accrual_started" => {
            let o = o(&["rule", "owed_by", "owed_to", "minor", "every", "cap_minor"])?;
            EventKind::AccrualStarted {
                rule: o.rule("rule")?,
                owed_by: o.str("owed_by")?,
                owed_to: o.strings("owed_to")?,
                amount: o.money("minor")?,
                every: o.period("every")?,
                cap: o.opt_money("cap_minor")?,
            }
        }
        "accrued" => {
            let o = o(&["rule", "period", "total_minor"])?;
            EventKind::Accrued { rule: o.rule("rule")?, period: o.u32("period")?, total: o.money("total_minor")? }
        }
        "accrual_stopped" => {
            let o = o(&["rule", "reason"])?;
            EventKind::AccrualStopped { rule: o.rule("rule")?, reason: o.str("reason")? }
        }
        "terminated" => {
            let o = o(&["clause", "reason"])?;
            EventKind::Terminated { clause: o.str("clause")?, reason: o.str("reason")? }
        }
        "waiver_ended" => {
            let o = o(&["name", "reason"])?;
            EventKind::WaiverEnded { name: o.str("name")?, reason: o.str("reason")? }
        }
        "warrant_issued" => {
            let o = o(&["name", "allocation", "expires"])?;
            let items = o.get("allocation").as_array().ok_or_else(|| o.err("allocation", "an array"))?;
            let allocation = items
                .iter()
                .map(|item| {
                    let a = obj(item, "allocation", &["holder", "shares"])?;
                    Ok((a.str("holder")?, a.u64("shares")?))
                })
                .collect::<Result<_, CodecError>>()?;
            EventKind::WarrantIssued { name: o.str("name")?, allocation, expires: o.at("expires")? }
        }
        "warrant_exercised" => {
            let o = o(&["name", "holder", "shares", "cost_minor"])?;
            EventKind::WarrantExercised { name: o.str("name")?, holder: o.str("holder")?, shares: o.u64("shares")?, cost: o.money("cost_minor")? }
        }
        "note_issued" => EventKind::NoteIssued { name: o(&["name"])?.str("name")? },
        "notice_sent" => {
            let o = o(&["id", "from", "to", "method", "subject", "given"])?;
            EventKind::NoticeSent {
                id: o.u64("id")?,
                from: o.str("from")?,
                to: o.str("to")?,
                method: o.str("method")?,
                subject: o.str("subject")?,
                given: o.opt_at("given")?,
            }
        }
        "notice_given" => EventKind::NoticeGiven { id: o(&["id"])?.u64("id")? },
        other => return Err(CodecError::UnknownKind(other.to_string())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for s in ["", "plain", "é and 𝄞", "quote \" and backslash \\", "\n\r\t\u{8}\u{c}", "\u{0}\u{1f}\u{7f}", "x\u{2028}y"] {
            let mut out = Vec::new();
            write_str(&mut out, s);
            assert_eq!(out, serde_json::to_vec(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn numbers_are_plain_decimal() {
        for n in [0, 1, 9, 10, 1_500_000, u64::MAX] {
            let mut out = Vec::new();
            write_u64(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
        }
        for n in [0, -1, i64::MIN, i64::MAX] {
            let mut out = Vec::new();
            write_i64(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }

    #[test]
    fn instants_are_canonical_rfc3339_utc() {
        let at: Timestamp = "2005-08-24T11:00:00-04:00".parse().unwrap();
        assert_eq!(encode_at(at), "2005-08-24T15:00:00Z");
        assert_eq!(decode_at("2005-08-24T15:00:00Z"), Ok(at));
        assert!(decode_at("2005-08-24T11:00:00-04:00").is_err(), "an offset other than Z is not canonical");
        let precise = Timestamp::new(1_000_000_000, 123_456_789).unwrap();
        assert_eq!(decode_at(&encode_at(precise)), Ok(precise));
    }

    #[test]
    fn decoding_is_strict() {
        let mut no_sources = |sha: &[u8; 32]| Err(CodecError::UnknownSource(*sha));
        assert!(decode("occurred", br#"{"event":"split"}"#, &mut no_sources).is_ok());
        assert!(decode("occurred", br#"{"event":"split","extra":1}"#, &mut no_sources).is_err());
        assert!(decode("occurred", br#"{}"#, &mut no_sources).is_err());
        assert!(decode("occurred", br#"{"event":7}"#, &mut no_sources).is_err());
        assert!(decode("deadline_met", br#"{"id":1.5}"#, &mut no_sources).is_err());
        assert!(decode("deadline_met", br#"{"id":-1}"#, &mut no_sources).is_err());
        assert_eq!(decode("vanished", b"{}", &mut no_sources), Err(CodecError::UnknownKind("vanished".into())));
        assert!(matches!(decode("occurred", b"{\"event\"", &mut no_sources), Err(CodecError::NotJson(_))));
    }
}
