//! The checker: names and meaning, from the syntax tree to `pacta_core::agreement::Agreement`.
//!
//! It runs in three passes over the tree. The first collects every declared name (parties,
//! accounts, documents, instruments, events, and the obligations, warrants, notes and waivers
//! that clauses declare) into one namespace, so a clause may refer to an obligation declared in a
//! later clause, as the omnibus waiver does. The second gathers facts rules depend on wherever
//! they are written: who may deposit into what, and whether anyone obeys court orders. The third
//! resolves every use, checks it, and builds the IR.
//!
//! The IR is built even when there are errors (with placeholder values where a piece is wrong),
//! because that keeps the code straight-line; it is handed out only when there are none.

use std::collections::{HashMap, HashSet};

use jiff::tz::TimeZoneDatabase;
use pacta_core::agreement as ir;
use pacta_core::calendar::{CalendarId, Period};
use pacta_core::money::{Currency, Money, MoneyError};

use crate::diagnostic::{codes, did_you_mean, line_col, Diagnostic};
use crate::syntax::*;

/// What a declared name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Single,
    Many,
    Group,
    Account,
    Document,
    Instrument,
    Event,
    Obligation,
    Warrant,
    Note,
    Waiver,
}

impl Kind {
    fn is_party(self) -> bool {
        matches!(self, Kind::Single | Kind::Many | Kind::Group)
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::Single => "a party",
            Kind::Many => "a `many` role",
            Kind::Group => "a group",
            Kind::Account => "an account",
            Kind::Document => "a document",
            Kind::Instrument => "an instrument",
            Kind::Event => "an event",
            Kind::Obligation => "an obligation",
            Kind::Warrant => "a warrant",
            Kind::Note => "a note",
            Kind::Waiver => "a waiver",
        }
    }
}

/// What a use of a name needs it to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Party,
    Account,
    Document,
    Instrument,
    Event,
    Obligation,
    Issuable,
}

impl Want {
    fn accepts(self, k: Kind) -> bool {
        match self {
            Want::Party => k.is_party(),
            Want::Account => k == Kind::Account,
            Want::Document => k == Kind::Document,
            Want::Instrument => k == Kind::Instrument,
            Want::Event => k == Kind::Event,
            Want::Obligation => k == Kind::Obligation,
            Want::Issuable => matches!(k, Kind::Note | Kind::Warrant),
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Want::Party => "party",
            Want::Account => "account",
            Want::Document => "document",
            Want::Instrument => "instrument",
            Want::Event => "event",
            Want::Obligation => "obligation",
            Want::Issuable => "note or warrant",
        }
    }

    fn code(self) -> &'static str {
        match self {
            Want::Party => codes::UNKNOWN_PARTY,
            Want::Account => codes::UNKNOWN_ACCOUNT,
            Want::Document => codes::UNKNOWN_DOCUMENT,
            Want::Instrument => codes::UNKNOWN_INSTRUMENT,
            Want::Event => codes::UNKNOWN_EVENT,
            Want::Obligation => codes::UNKNOWN_OBLIGATION,
            Want::Issuable => codes::UNKNOWN_ISSUABLE,
        }
    }

    fn how_to_declare(self, name: &str) -> String {
        match self {
            Want::Party => format!("declare it under `parties`: `{name} \"Legal Name\"`"),
            Want::Account => format!("declare it: `account {name} held by …`"),
            Want::Document => format!("declare it: `document {name} delivered by …`"),
            Want::Instrument => format!("declare it: `instrument {name} signed by …`"),
            Want::Event => format!("declare it: `event {name} reported by …`"),
            Want::Obligation => format!(
                "declare it in a clause: `obligation {name}: PAYER pays AMOUNT to PAYEE within …`"
            ),
            Want::Issuable => {
                format!("declare it in a clause with `note {name} …` or `warrant {name} …`")
            }
        }
    }
}

/// Where a party reference sits. A bare group name is accepted where the group receives or is
/// bound as a whole (`company pays 3,400,000.00 to holder`, `holder may not exercise …`), and
/// refused where someone must act (sign, deliver, deposit), because there it would be unclear
/// whether one member suffices or all must act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    Actor,
    Recipient,
}

struct Sym {
    kind: Kind,
    span: Span,
}

pub struct Checker<'a> {
    src: &'a str,
    syms: HashMap<String, Sym>,
    /// Declaration order, for stable suggestions.
    order: Vec<String>,
    broken: HashSet<String>,
    no_parties: bool,
    currency: Option<Currency>,
    /// `account -> party refs allowed to deposit into it`, from every `may deposit into` rule.
    depositors: HashMap<String, Vec<ir::PartyRef>>,
    obeys_court_orders: bool,
    /// `account -> its limit`, filled as accounts are checked (they precede the clauses).
    limits: HashMap<String, Option<Money>>,
    /// `group -> its members`, to tell whether an instrument is signed by every party.
    group_members: HashMap<String, Vec<String>>,
    used: HashSet<String>,
    diags: Vec<Diagnostic>,
}

pub fn check(file: &File, src: &str) -> (ir::Agreement, Vec<Diagnostic>) {
    let mut c = Checker {
        src,
        syms: HashMap::new(),
        order: Vec::new(),
        broken: file.broken_names.iter().cloned().collect(),
        no_parties: file.parties.is_none(),
        currency: None,
        depositors: HashMap::new(),
        obeys_court_orders: false,
        limits: HashMap::new(),
        group_members: HashMap::new(),
        used: HashSet::new(),
        diags: Vec::new(),
    };
    let agreement = c.run(file);
    (agreement, c.diags)
}

impl<'a> Checker<'a> {
    fn run(&mut self, file: &File) -> ir::Agreement {
        let mut a = self.header(file.header.as_ref());
        self.declare_all(file);
        self.gather_facts(file);
        a.parties = self.parties(file.parties.as_ref());
        let mut clause_numbers: HashMap<&str, &Raw> = HashMap::new();
        let mut seen_clause = false;
        for item in &file.items {
            match item {
                Item::Decl(d) => {
                    if seen_clause {
                        let kw = d.kind.keyword();
                        self.diags.push(
                            Diagnostic::error(codes::DECL_AFTER_CLAUSE, d.keyword.clone(), format!("`{kw}` declared after the first clause"), "move this above the clauses")
                                .with_help("declarations come before the clauses, so a reader meets every name before its use"),
                        );
                    }
                    self.decl(d, &mut a)
                }
                Item::Clause(cl) => {
                    seen_clause = true;
                    if !cl.number.text.is_empty() {
                        if let Some(first) = clause_numbers.get(cl.number.text.as_str()) {
                            let (line, _) = line_col(self.src, first.span.start);
                            self.diags.push(
                                Diagnostic::error(
                                    codes::DUPLICATE_CLAUSE,
                                    cl.number.span.clone(),
                                    format!("clause {} is numbered twice", cl.number.text),
                                    "second clause with this number",
                                )
                                .with_help(format!(
                                    "the first clause {} is at line {line}; renumber one of them",
                                    cl.number.text
                                )),
                            );
                        } else {
                            clause_numbers.insert(&cl.number.text, &cl.number);
                        }
                    }
                    let rules = cl.rules.iter().map(|r| self.rule(r)).collect();
                    a.clauses.push(ir::Clause {
                        number: cl.number.text.clone(),
                        title: cl.title.value.clone(),
                        rules,
                    });
                }
            }
        }
        self.unused(file);
        a
    }

    // ---- header ----------------------------------------------------------------------------

    fn header(&mut self, header: Option<&Header>) -> ir::Agreement {
        let mut a = ir::Agreement {
            title: String::new(),
            dated: jiff::civil::Date::constant(2000, 1, 1),
            governed_by: None,
            currency: Currency::USD,
            calendar: CalendarId::UsFederalReserve,
            time_zone: String::new(),
            cutoff: None,
            parties: Vec::new(),
            accounts: Vec::new(),
            documents: Vec::new(),
            instruments: Vec::new(),
            events: Vec::new(),
            clauses: Vec::new(),
            memo: Default::default(),
        };
        // A missing header was reported by the parser; nothing more to say about it.
        let Some(h) = header else { return a };
        a.title = h.title.value.clone();
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        for f in &h.fields {
            if let Some(first) = seen.get(f.label()) {
                let (line, _) = line_col(self.src, first.start);
                self.diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE_HEADER_FIELD,
                        f.keyword().clone(),
                        format!("`{}` is given twice", f.label()),
                        "second occurrence",
                    )
                    .with_help(format!("the first is at line {line}; keep one")),
                );
                continue;
            }
            seen.insert(f.label(), f.keyword().clone());
            match f {
                HeaderField::Dated { value, .. } => {
                    if let Some(d) = value {
                        a.dated = *d;
                    }
                }
                HeaderField::GovernedBy { law, .. } => a.governed_by = Some(law.value.clone()),
                HeaderField::Currency { code, .. } => match Currency::from_code(&code.text) {
                    Some(cur) => {
                        a.currency = cur;
                        self.currency = Some(cur);
                    }
                    None => {
                        let known: Vec<&str> = KNOWN_CURRENCIES
                            .iter()
                            .copied()
                            .filter(|c| Currency::from_code(c).is_some())
                            .collect();
                        let upper = code.text.to_ascii_uppercase();
                        let help = match known
                            .iter()
                            .find(|k| **k == upper)
                            .copied()
                            .or_else(|| did_you_mean(&upper, known.iter().copied()))
                        {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("known currencies: {}", known.join(", ")),
                        };
                        self.diags.push(
                            Diagnostic::error(
                                codes::UNKNOWN_CURRENCY,
                                code.span.clone(),
                                format!("unknown currency `{}`", code.text),
                                "not a currency pacta knows",
                            )
                            .with_help(help),
                        );
                    }
                },
                HeaderField::BusinessDays {
                    calendar,
                    time_zone,
                    ..
                } => {
                    match CalendarId::from_name(&calendar.value) {
                        Some(cal) => a.calendar = cal,
                        None => {
                            let names = CalendarId::ALL.map(CalendarId::name);
                            let help = match did_you_mean(&calendar.value, names) {
                                Some(s) => format!("did you mean \"{s}\"?"),
                                None => format!(
                                    "known calendars: {}",
                                    names.map(|n| format!("\"{n}\"")).join(", ")
                                ),
                            };
                            self.diags.push(
                                Diagnostic::error(
                                    codes::UNKNOWN_CALENDAR,
                                    calendar.span.clone(),
                                    format!("unknown business-day calendar \"{}\"", calendar.value),
                                    "not a calendar pacta knows",
                                )
                                .with_help(help),
                            );
                        }
                    }
                    self.time_zone(time_zone);
                    a.time_zone = time_zone.value.clone();
                }
                HeaderField::Cutoff { value, .. } => a.cutoff = *value,
            }
        }
        let required = [
            ("dated", "add `dated 2005-08-19` (the agreement's date) under `agreement`"),
            ("currency", "add `currency USD` under `agreement`"),
            ("business days", "add `business days \"us-federal-reserve\" in \"America/New_York\"` under `agreement`"),
        ];
        for (field, help) in required {
            if !seen.contains_key(field) && !h.broken_fields.contains(&field) {
                self.diags.push(
                    Diagnostic::error(
                        codes::MISSING_HEADER_FIELD,
                        h.keyword.clone(),
                        format!("the agreement does not say `{field}`"),
                        format!("`{field}` is missing here"),
                    )
                    .with_help(help),
                );
            }
        }
        a
    }

    /// Time zones are looked up in the IANA database compiled into the binary, the same one the
    /// engine computes deadlines with, so a name accepted here always works there.
    fn time_zone(&mut self, tz: &Text) {
        let db = TimeZoneDatabase::bundled();
        if matches!(db.get(&tz.value), Ok(zone) if !zone.is_unknown()) {
            return;
        }
        let names: Vec<String> = db.available().map(|n| n.as_str().to_string()).collect();
        let help = match did_you_mean(&tz.value, names.iter().map(String::as_str)) {
            Some(s) => format!("did you mean \"{s}\"?"),
            None => "use an IANA time zone name, like \"America/New_York\"".to_string(),
        };
        self.diags.push(
            Diagnostic::error(
                codes::UNKNOWN_TIME_ZONE,
                tz.span.clone(),
                format!("unknown time zone \"{}\"", tz.value),
                "not an IANA time zone",
            )
            .with_help(help),
        );
    }

    // ---- names -----------------------------------------------------------------------------

    fn declare(&mut self, name: &Name, kind: Kind) {
        if let Some(first) = self.syms.get(&name.text) {
            let (line, _) = line_col(self.src, first.span.start);
            let what = first.kind.describe();
            self.diags.push(
                Diagnostic::error(codes::DUPLICATE_NAME, name.span.clone(), format!("`{}` is declared twice", name.text), "declared again here")
                    .with_help(format!("`{}` is already {what}, declared at line {line}; every name in an agreement must be different", name.text)),
            );
            return;
        }
        self.order.push(name.text.clone());
        self.syms.insert(
            name.text.clone(),
            Sym {
                kind,
                span: name.span.clone(),
            },
        );
    }

    fn declare_all(&mut self, file: &File) {
        if let Some(parties) = &file.parties {
            for p in &parties.list {
                let kind = match p.kind {
                    PartyDeclKind::Single { .. } => Kind::Single,
                    PartyDeclKind::Many { .. } => Kind::Many,
                    PartyDeclKind::Group { .. } => Kind::Group,
                };
                self.declare(&p.name, kind);
            }
        }
        for item in &file.items {
            match item {
                Item::Decl(d) => {
                    let kind = match d.kind {
                        DeclKind::Account { .. } => Kind::Account,
                        DeclKind::Document { .. } => Kind::Document,
                        DeclKind::Instrument { .. } => Kind::Instrument,
                        DeclKind::Event { .. } => Kind::Event,
                    };
                    self.declare(&d.name, kind);
                }
                Item::Clause(c) => {
                    for r in &c.rules {
                        match &r.kind {
                            RuleKind::Obligation { name, .. } => {
                                self.declare(name, Kind::Obligation)
                            }
                            RuleKind::Warrant(w) => self.declare(&w.name, Kind::Warrant),
                            RuleKind::Note(n) => self.declare(&n.name, Kind::Note),
                            RuleKind::Waiver { name, .. } => self.declare(name, Kind::Waiver),
                            _ => {}
                        }
                    }
                }
            }
        }
    }

    fn gather_facts(&mut self, file: &File) {
        for item in &file.items {
            let Item::Clause(c) = item else { continue };
            for r in &c.rules {
                match &r.kind {
                    RuleKind::MayDeposit { who, account } => {
                        let refs = who.members.iter().map(lower_ref);
                        self.depositors
                            .entry(account.text.clone())
                            .or_default()
                            .extend(refs);
                    }
                    RuleKind::CourtOrders { .. } => self.obeys_court_orders = true,
                    _ => {}
                }
            }
        }
    }

    /// Checks that `name` is declared as what `want` needs; reports it otherwise. Returns the
    /// declared kind when it fits.
    fn resolve(&mut self, name: &Name, want: Want) -> Option<Kind> {
        if let Some(sym) = self.syms.get(&name.text) {
            if want.accepts(sym.kind) {
                return Some(sym.kind);
            }
            let is = sym.kind.describe();
            let mut d = Diagnostic::error(
                codes::WRONG_KIND,
                name.span.clone(),
                format!(
                    "`{}` is {is}, not {} {}",
                    name.text,
                    article(want.noun()),
                    want.noun()
                ),
                format!("expected {} {}", article(want.noun()), want.noun()),
            );
            if let Some(verb) = condition_verb(sym.kind) {
                if matches!(
                    want,
                    Want::Document | Want::Instrument | Want::Obligation | Want::Event
                ) {
                    d = d.with_help(format!("write `{verb} {}`", name.text));
                }
            }
            self.diags.push(d);
            return None;
        }
        if self.broken.contains(&name.text) || (want == Want::Party && self.no_parties) {
            return None;
        }
        let candidates: Vec<&str> = self
            .order
            .iter()
            .filter(|n| self.syms.get(*n).is_some_and(|s| want.accepts(s.kind)))
            .map(String::as_str)
            .collect();
        let help = match did_you_mean(&name.text, candidates) {
            Some(s) => format!("did you mean `{s}`?"),
            None => want.how_to_declare(&name.text),
        };
        self.diags.push(
            Diagnostic::error(
                want.code(),
                name.span.clone(),
                format!("unknown {} `{}`", want.noun(), name.text),
                format!("not a declared {}", want.noun()),
            )
            .with_help(help),
        );
        None
    }

    /// A name that must be one single party (`held by agent`, `owed by company`).
    fn single(&mut self, name: &Name, role: &str) -> String {
        if let Some(kind @ (Kind::Many | Kind::Group)) = self.resolve(name, Want::Party) {
            self.diags.push(
                Diagnostic::error(
                    codes::NOT_SINGLE,
                    name.span.clone(),
                    format!(
                        "{role} must be a single party, but `{}` is {}",
                        name.text,
                        kind.describe()
                    ),
                    "not a single party",
                )
                .with_help("name one declared party here"),
            );
        }
        name.text.clone()
    }

    fn party_ref(&mut self, r: &PartyRef, pos: Position) -> ir::PartyRef {
        match r {
            PartyRef::Any(_) => ir::PartyRef::Any,
            PartyRef::One(n) => {
                match self.resolve(n, Want::Party) {
                    Some(Kind::Many) => self.bare_role(n, "a `many` role"),
                    Some(Kind::Group) if pos == Position::Actor => self.bare_role(n, "a group"),
                    _ => {}
                }
                ir::PartyRef::One(n.text.clone())
            }
            PartyRef::Each { keyword, role } => {
                if let Some(Kind::Single) = self.resolve(role, Want::Party) {
                    self.diags.push(
                        Diagnostic::error(
                            codes::EACH_OF_SINGLE,
                            keyword.start..role.span.end,
                            format!(
                                "`each {}`, but `{}` is a single party",
                                role.text, role.text
                            ),
                            "`each` needs a `many` role or a group",
                        )
                        .with_help(format!("write `{}`", role.text)),
                    );
                }
                ir::PartyRef::Each(role.text.clone())
            }
        }
    }

    fn bare_role(&mut self, n: &Name, what: &str) {
        self.diags.push(
            Diagnostic::error(
                codes::BARE_ROLE,
                n.span.clone(),
                format!("`{}` is {what}: say `each {}`", n.text, n.text),
                "stands for several parties",
            )
            .with_help(format!("write `each {}`", n.text)),
        );
    }

    fn party_set(&mut self, s: &PartySet, pos: Position) -> ir::PartySet {
        let members = s.members.iter().map(|m| self.party_ref(m, pos)).collect();
        ir::PartySet {
            mode: s.mode,
            members,
        }
    }

    // ---- values ----------------------------------------------------------------------------

    fn money(&mut self, raw: &Raw) -> Money {
        // Without a known currency there is no exactness to check against; the header error
        // already explains why.
        let Some(currency) = self.currency else {
            return Money::ZERO;
        };
        match Money::parse(&raw.text, currency) {
            Ok(m) => m,
            Err(e) => {
                let code = currency.code;
                let (message, help) = match e {
                    MoneyError::TooManyDecimals { digits, allowed } => (
                        format!(
                            "amount `{}` has {digits} decimal places, but {code} has {allowed}",
                            raw.text
                        ),
                        "pacta never rounds a stated amount; write it exactly".to_string(),
                    ),
                    MoneyError::Overflow => (
                        format!("amount `{}` is too large to represent exactly", raw.text),
                        format!(
                            "the largest amount is {} {code}",
                            Money::from_minor(i64::MAX).display(currency)
                        ),
                    ),
                    MoneyError::MisplacedSeparator { .. } => (
                        format!("amount `{}` has a misplaced thousands separator", raw.text),
                        "group digits by three: `1,000,000.00`".to_string(),
                    ),
                    other => (
                        format!("`{}` is not an amount: {other}", raw.text),
                        "write an amount like `15,000.00`".to_string(),
                    ),
                };
                self.diags.push(
                    Diagnostic::error(
                        codes::BAD_AMOUNT,
                        raw.span.clone(),
                        message,
                        format!("not an exact {code} amount"),
                    )
                    .with_help(help),
                );
                Money::ZERO
            }
        }
    }

    fn period(&self, p: &crate::syntax::Period) -> Period {
        Period {
            count: p.value,
            unit: p.unit,
        }
    }

    fn condition(&mut self, c: &Cond) -> ir::Condition {
        match c {
            Cond::Atom { kind, name, .. } => {
                let want = match kind {
                    AtomKind::Received => Want::Document,
                    AtomKind::Signed => Want::Instrument,
                    AtomKind::Paid => Want::Obligation,
                    AtomKind::Occurred => Want::Event,
                };
                self.resolve(name, want);
                self.used.insert(name.text.clone());
                let n = name.text.clone();
                match kind {
                    AtomKind::Received => ir::Condition::Received(n),
                    AtomKind::Signed => ir::Condition::Signed(n),
                    AtomKind::Paid => ir::Condition::Paid(n),
                    AtomKind::Occurred => ir::Condition::Occurred(n),
                }
            }
            Cond::Paren { inner, .. } => self.condition(inner),
            Cond::All(v) => ir::Condition::All(v.iter().map(|x| self.condition(x)).collect()),
            Cond::Any(v) => ir::Condition::Any(v.iter().map(|x| self.condition(x)).collect()),
        }
    }

    fn anchor(&mut self, a: &Anchor) -> ir::Anchor {
        match a {
            Anchor::Dated => ir::Anchor::Dated,
            Anchor::When(c) => ir::Anchor::When(self.condition(c)),
        }
    }

    // ---- parties and declarations ----------------------------------------------------------

    fn parties(&mut self, parties: Option<&Parties>) -> Vec<ir::Party> {
        let Some(parties) = parties else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut agent: Option<&Name> = None;
        for p in &parties.list {
            let kind = match &p.kind {
                PartyDeclKind::Single { escrow_agent, .. } => {
                    if *escrow_agent {
                        if let Some(first) = agent {
                            self.diags.push(
                                Diagnostic::error(
                                    codes::TWO_AGENTS,
                                    p.name.span.clone(),
                                    format!(
                                        "`{}` and `{}` are both the escrow agent",
                                        first.text, p.name.text
                                    ),
                                    "second escrow agent",
                                )
                                .with_help("an agreement has at most one escrow agent"),
                            );
                        } else {
                            agent = Some(&p.name);
                        }
                    }
                    ir::PartyKind::Single {
                        escrow_agent: *escrow_agent,
                    }
                }
                PartyDeclKind::Many { .. } => ir::PartyKind::Many,
                PartyDeclKind::Group { members } => {
                    for m in members {
                        if let Some(kind @ (Kind::Many | Kind::Group)) =
                            self.resolve(m, Want::Party)
                        {
                            self.diags.push(
                                Diagnostic::error(
                                    codes::GROUP_MEMBER,
                                    m.span.clone(),
                                    format!(
                                        "group member `{}` is {}, not a single party",
                                        m.text,
                                        kind.describe()
                                    ),
                                    "not a single party",
                                )
                                .with_help("a group lists declared single parties"),
                            );
                        }
                    }
                    let members: Vec<String> = members.iter().map(|m| m.text.clone()).collect();
                    self.group_members
                        .insert(p.name.text.clone(), members.clone());
                    ir::PartyKind::Group(members)
                }
            };
            let legal_name = match &p.kind {
                PartyDeclKind::Single { legal_name, .. } => legal_name.value.clone(),
                PartyDeclKind::Many {
                    description: Some(d),
                } => d.value.clone(),
                _ => p.name.text.clone(),
            };
            out.push(ir::Party {
                name: p.name.text.clone(),
                legal_name,
                kind,
            });
        }
        out
    }

    fn decl(&mut self, d: &Decl, a: &mut ir::Agreement) {
        let name = d.name.text.clone();
        let title = d.title.as_ref().map(|t| t.value.clone());
        match &d.kind {
            DeclKind::Account { held_by, limit } => {
                let held_by = self.single(held_by, "the party holding an account");
                let limit = limit.as_ref().map(|l| self.money(l));
                self.limits.insert(name.clone(), limit);
                a.accounts.push(ir::Account {
                    name,
                    title,
                    held_by,
                    limit,
                });
            }
            DeclKind::Document { delivered_by } => {
                let delivered_by = self.party_set(delivered_by, Position::Actor);
                a.documents.push(ir::Document {
                    name,
                    title,
                    delivered_by,
                });
            }
            DeclKind::Instrument { signed_by } => {
                let signed_by = self.party_set(signed_by, Position::Actor);
                a.instruments.push(ir::Instrument {
                    name,
                    title,
                    signed_by,
                });
            }
            DeclKind::Event { reported_by } => {
                let reported_by = self.single(reported_by, "the party reporting an event");
                a.events.push(ir::EventDecl {
                    name,
                    title,
                    reported_by,
                });
            }
        }
    }

    // ---- rules -----------------------------------------------------------------------------

    fn rule(&mut self, r: &Rule) -> ir::Rule {
        match &r.kind {
            RuleKind::MayDeposit { who, account } => {
                let who = self.party_set(who, Position::Actor);
                self.resolve(account, Want::Account);
                ir::Rule::May {
                    who,
                    act: ir::Permission::Deposit {
                        account: account.text.clone(),
                    },
                }
            }
            RuleKind::MayNotExercise { who, before } => {
                let who = self.party_set(who, Position::Recipient);
                let before = self.condition(before);
                ir::Rule::MayNot {
                    who,
                    act: ir::Restriction::ExerciseWarrants,
                    before,
                }
            }
            RuleKind::When { cond, actions } => {
                let condition = self.condition(cond);
                let actions = actions.iter().map(|x| self.action(x)).collect();
                ir::Rule::When { condition, actions }
            }
            RuleKind::Unless {
                cond,
                period,
                anchor,
                actions,
            } => {
                let condition = self.condition(cond);
                let anchor = self.anchor(anchor);
                let actions = actions.iter().map(|x| self.action(x)).collect();
                ir::Rule::Unless {
                    condition,
                    period: self.period(period),
                    anchor,
                    actions,
                }
            }
            RuleKind::OnDispute { by, actions } => {
                let by = self.party_set(by, Position::Actor);
                let actions = actions.iter().map(|x| self.action(x)).collect();
                ir::Rule::On {
                    trigger: ir::Trigger::Dispute { by },
                    actions,
                }
            }
            RuleKind::Amendments { signed_by } => ir::Rule::Amendments {
                signed_by: self.party_set(signed_by, Position::Actor),
            },
            RuleKind::Assignment { signed_by } => ir::Rule::Assignment {
                signed_by: self.party_set(signed_by, Position::Actor),
            },
            RuleKind::CourtOrders { who } => ir::Rule::CourtOrders {
                obeyed_by: self.single(who, "the party obeying court orders"),
            },
            RuleKind::Resignation {
                agent,
                notify,
                appointed_by,
                accounts,
            } => {
                let agent = self.single(agent, "the party who may resign");
                let notify = self.party_set(notify, Position::Actor);
                let successor_appointed_by = self.party_set(appointed_by, Position::Actor);
                for acc in accounts {
                    self.resolve(acc, Want::Account);
                }
                ir::Rule::Resignation(ir::Resignation {
                    agent,
                    notify,
                    successor_appointed_by,
                    accounts: accounts.iter().map(|a| a.text.clone()).collect(),
                })
            }
            RuleKind::CourtDeposit { by, account, court } => {
                let by = self.single(by, "the party depositing with a court");
                self.resolve(account, Want::Account);
                ir::Rule::CourtDeposit {
                    by,
                    account: account.text.clone(),
                    court: court.value.clone(),
                }
            }
            RuleKind::Obligation {
                name,
                payer,
                amount,
                payee,
                period,
                anchor,
            } => {
                let payer = self.single(payer, "the party paying an obligation");
                let amount = self.money(amount);
                let payee = self.party_ref(payee, Position::Recipient);
                let anchor = self.anchor(anchor);
                ir::Rule::Obligation(ir::Obligation {
                    name: name.text.clone(),
                    payer,
                    payee,
                    amount,
                    period: self.period(period),
                    anchor,
                })
            }
            RuleKind::Warrant(w) => {
                let issuer = self.single(&w.issuer, "the issuer of a warrant");
                let holder = self.party_ref(&w.holder, Position::Recipient);
                let issue_anchor = self.anchor(&w.anchor);
                ir::Rule::Warrant(ir::Warrant {
                    name: w.name.text.clone(),
                    title: w.title.as_ref().map(|t| t.value.clone()),
                    issuer,
                    holder,
                    shares: w.shares_value,
                    exercise_price: w.price_value,
                    term_years: w.years_value,
                    issue_period: self.period(&w.period),
                    issue_anchor,
                })
            }
            RuleKind::Note(n) => {
                let issuer = self.single(&n.issuer, "the issuer of a note");
                let holder = self.single(&n.holder, "the holder of a note");
                let principal = self.money(&n.principal);
                let purchase_price = self.money(&n.purchase_price);
                ir::Rule::Note(ir::Note {
                    name: n.name.text.clone(),
                    title: n.title.as_ref().map(|t| t.value.clone()),
                    issuer,
                    holder,
                    principal,
                    purchase_price,
                    security: n.secured_by.as_ref().map(|s| s.value.clone()),
                    interest: n.interest.as_ref().map(|(_, rate, dc)| ir::NoteInterest {
                        rate_percent: *rate,
                        day_count: dc.value.clone(),
                    }),
                })
            }
            RuleKind::Notice { words, given } => {
                let method = words
                    .iter()
                    .map(|w| w.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                ir::Rule::Notice {
                    method,
                    given: *given,
                }
            }
            RuleKind::Waiver {
                name,
                until,
                period,
                anchor,
            } => {
                let ends_on = self.condition(until);
                let anchor = self.anchor(anchor);
                ir::Rule::Waiver {
                    name: name.text.clone(),
                    ends_on,
                    period: self.period(period),
                    anchor,
                }
            }
        }
    }

    // ---- actions ---------------------------------------------------------------------------

    fn action(&mut self, x: &Action) -> ir::Action {
        match &x.kind {
            ActionKind::Pay { from, legs } => self.pay(x.span.start, from, legs),
            ActionKind::Refund {
                account,
                each,
                role,
            } => {
                self.resolve(account, Want::Account);
                let kind = self.resolve(role, Want::Party);
                if kind == Some(Kind::Single) {
                    self.diags.push(
                        Diagnostic::error(
                            codes::EACH_OF_SINGLE,
                            each.start..role.span.end,
                            format!(
                                "`each {}`, but `{}` is a single party",
                                role.text, role.text
                            ),
                            "`each` needs a `many` role or a group",
                        )
                        .with_help("a refund goes to each member of the role that deposited"),
                    );
                } else if kind.is_some()
                    && self
                        .syms
                        .get(&account.text)
                        .is_some_and(|s| s.kind == Kind::Account)
                {
                    let allowed = self.depositors.get(&account.text).is_some_and(|refs| {
                        // A bare `purchaser may deposit` is already an error of its own; counting it
                        // here keeps that one mistake from being reported twice.
                        refs.iter().any(|r| match r {
                            ir::PartyRef::Any => true,
                            ir::PartyRef::Each(n) | ir::PartyRef::One(n) => *n == role.text,
                        })
                    });
                    if !allowed {
                        self.diags.push(
                            Diagnostic::error(
                                codes::REFUND_NON_DEPOSITOR,
                                each.start..role.span.end,
                                format!("refund of `{}` to each `{}`, but no `{}` may deposit into it", account.text, role.text, role.text),
                                "these parties never deposit here",
                            )
                            .with_help(format!("a refund returns each depositor's deposits: add `each {} may deposit into {}`, or refund the role that deposits", role.text, account.text)),
                        );
                    }
                }
                ir::Action::Refund {
                    account: account.text.clone(),
                }
            }
            ActionKind::Notify { to, subject } => ir::Action::Notify {
                to: self.party_set(to, Position::Actor),
                subject: subject.value.clone(),
            },
            ActionKind::Hold { account, releases } => {
                self.resolve(account, Want::Account);
                let mut until = Vec::new();
                for r in releases {
                    match r {
                        Release::Signed { name, .. } => {
                            self.resolve(name, Want::Instrument);
                            self.used.insert(name.text.clone());
                            until.push(ir::HoldRelease::Signed(name.text.clone()));
                        }
                        Release::CourtOrder(span) => {
                            if !self.obeys_court_orders {
                                self.diags.push(
                                    Diagnostic::warning(codes::COURT_ORDER_NOT_OBEYED, span.clone(), "released by a court order, but no party obeys court orders", "no `obeys court orders` rule")
                                        .with_help("add a rule such as `agent obeys court orders`, or this release can never happen"),
                                );
                            }
                            until.push(ir::HoldRelease::CourtOrder);
                        }
                    }
                }
                ir::Action::Hold {
                    account: account.text.clone(),
                    until,
                }
            }
            ActionKind::Terminate { reason } => ir::Action::Terminate {
                reason: reason.value.clone(),
            },
            ActionKind::Accrue {
                amount,
                every,
                owed_by,
                to,
                until,
                cap,
            } => {
                let amount = self.money(amount);
                if every.value == 0 {
                    self.diags.push(
                        Diagnostic::error(codes::ZERO_ACCRUAL, every.span.clone(), "an accrual needs a period of at least one day", "would accrue without end")
                            .with_help("write the period of delay each amount is owed for, like `every 7 days`"),
                    );
                }
                let owed_by = self.single(owed_by, "the party owing an accrual");
                let owed_to = self.party_ref(to, Position::Recipient);
                let until = self.condition(until);
                let cap = cap.as_ref().map(|c| self.money(c));
                ir::Action::Accrue {
                    amount,
                    every: self.period(every),
                    owed_by,
                    owed_to,
                    until,
                    cap,
                }
            }
            ActionKind::Issue { name } => {
                self.resolve(name, Want::Issuable);
                ir::Action::Issue {
                    instrument: name.text.clone(),
                }
            }
            ActionKind::Arbitrate { forum } => ir::Action::Arbitrate {
                forum: forum.value.clone(),
            },
        }
    }

    fn pay(&mut self, start: usize, from: &Name, legs: &[Leg]) -> ir::Action {
        let head = start..from.span.end;
        let account_kind = self.resolve(from, Want::Account);
        let mut out = Vec::new();
        let mut total = Some(Money::ZERO);
        let mut rest_seen: Option<&Span> = None;
        // With two `the rest` legs the first is necessarily not last; one error says it all.
        let rests = legs
            .iter()
            .filter(|l| matches!(l.amount, LegAmount::Rest(_)))
            .count();
        for (i, leg) in legs.iter().enumerate() {
            let amount = match &leg.amount {
                LegAmount::Fixed(raw) => {
                    let m = self.money(raw);
                    let before = total;
                    total = total.and_then(|t| t.checked_add(m));
                    if before.is_some() && total.is_none() {
                        self.diags.push(
                            Diagnostic::error(
                                codes::LEGS_OVERFLOW,
                                raw.span.clone(),
                                "the fixed payments add up to more than can be represented",
                                "the sum overflows here",
                            )
                            .with_help("no account can hold that much; check the amounts"),
                        );
                    }
                    ir::PayAmount::Fixed(m)
                }
                LegAmount::Rest(span) => {
                    if let Some(first) = rest_seen {
                        let (line, _) = line_col(self.src, first.start);
                        self.diags.push(
                            Diagnostic::error(codes::TWO_RESTS, span.clone(), "a payment can have only one `the rest` leg", "second `the rest`")
                                .with_help(format!("the first `the rest` is at line {line}; only one payee can take what remains")),
                        );
                    } else if i + 1 < legs.len() && rests == 1 {
                        self.diags.push(
                            Diagnostic::error(codes::REST_NOT_LAST, span.clone(), "`the rest` must be the last leg of a payment", "legs follow it")
                                .with_help("move the fixed amounts above `the rest`: what remains is known only after them"),
                        );
                    }
                    rest_seen.get_or_insert(span);
                    ir::PayAmount::Rest
                }
            };
            let to = self.party_ref(&leg.to, Position::Recipient);
            out.push(ir::PayLeg { amount, to });
        }
        if account_kind.is_some() {
            let limit = self.limits.get(&from.text).copied().flatten();
            if let (Some(limit), Some(total), Some(currency)) = (limit, total, self.currency) {
                if total > limit {
                    self.diags.push(
                        Diagnostic::error(
                            codes::OVER_LIMIT,
                            head.clone(),
                            format!(
                                "payment from an account that cannot hold that much: the fixed legs total {} {} but `{}` can hold at most {} {}",
                                total.display(currency),
                                currency.code,
                                from.text,
                                limit.display(currency),
                                currency.code
                            ),
                            format!("pays {} {} in fixed amounts", total.display(currency), currency.code),
                        )
                        .with_help(format!("lower the payments or raise the account's `limit` ({} {})", limit.display(currency), currency.code)),
                    );
                }
            }
            if !self.depositors.contains_key(&from.text) {
                self.diags.push(
                    Diagnostic::warning(
                        codes::NOTHING_TO_PAY,
                        head,
                        format!(
                            "nothing can ever be paid from `{}`: no party may deposit into it",
                            from.text
                        ),
                        "this account stays empty",
                    )
                    .with_help(format!(
                        "add a rule saying who funds it: `PARTY may deposit into {}`",
                        from.text
                    )),
                );
            }
        }
        ir::Action::Pay {
            from: from.text.clone(),
            legs: out,
        }
    }

    // ---- warnings --------------------------------------------------------------------------

    fn unused(&mut self, file: &File) {
        let everyone = self.every_party(file);
        for item in &file.items {
            let Item::Decl(d) = item else { continue };
            if self.used.contains(&d.name.text)
                || self
                    .syms
                    .get(&d.name.text)
                    .is_some_and(|s| s.span != d.name.span)
            {
                continue;
            }
            let (what, verb) = match &d.kind {
                DeclKind::Document { .. } => ("document", "received"),
                DeclKind::Instrument { signed_by } => {
                    // An instrument every party signs is the agreement's own execution (its
                    // counterparts): it matters without any rule referring to it.
                    if self.covers_everyone(signed_by, &everyone) {
                        continue;
                    }
                    ("instrument", "signed")
                }
                DeclKind::Event { .. } => ("event", "occurred"),
                DeclKind::Account { .. } => continue,
            };
            self.diags.push(
                Diagnostic::warning(
                    codes::UNUSED,
                    d.name.span.clone(),
                    format!("{what} `{}` is never used", d.name.text),
                    "declared here, used nowhere",
                )
                .with_help(format!(
                    "refer to it in a condition (`{verb} {}`), or remove it",
                    d.name.text
                )),
            );
        }
    }

    /// Every single party and every `many` role, with groups expanded to their members.
    fn every_party(&self, file: &File) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(parties) = &file.parties {
            for p in &parties.list {
                if !matches!(p.kind, PartyDeclKind::Group { .. }) {
                    out.push(p.name.text.clone());
                }
            }
        }
        out
    }

    fn covers_everyone(&self, set: &PartySet, everyone: &[String]) -> bool {
        if set.mode != ir::SetMode::AllOf {
            return false;
        }
        let mut covered: HashSet<&str> = HashSet::new();
        for m in &set.members {
            match m {
                PartyRef::Any(_) => return true,
                PartyRef::One(n) | PartyRef::Each { role: n, .. } => {
                    covered.insert(&n.text);
                    if let Some(members) = self.group_members.get(&n.text) {
                        covered.extend(members.iter().map(String::as_str));
                    }
                }
            }
        }
        everyone.iter().all(|p| covered.contains(p.as_str()))
    }
}

const KNOWN_CURRENCIES: &[&str] = &["USD", "EUR", "GBP", "JPY", "CHF", "CAD"];

fn article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn condition_verb(k: Kind) -> Option<&'static str> {
    match k {
        Kind::Document => Some("received"),
        Kind::Instrument => Some("signed"),
        Kind::Obligation => Some("paid"),
        Kind::Event => Some("occurred"),
        _ => None,
    }
}

fn lower_ref(r: &PartyRef) -> ir::PartyRef {
    match r {
        PartyRef::One(n) => ir::PartyRef::One(n.text.clone()),
        PartyRef::Each { role, .. } => ir::PartyRef::Each(role.text.clone()),
        PartyRef::Any(_) => ir::PartyRef::Any,
    }
}
