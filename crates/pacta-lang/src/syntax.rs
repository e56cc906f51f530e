//! The syntax tree: what the text says, with a span on everything a diagnostic may point at.
//!
//! The tree mirrors the grammar one to one and keeps things as written (amounts, numbers and
//! dates are raw text), because two consumers need the text rather than its meaning: the
//! checker, which must point at `15,000.001` when it refuses it, and the formatter, which must
//! print the file back without changing a character the author chose. Comments are not in the
//! tree; they travel beside it in [`File::comments`] and the formatter places them by position.

use std::ops::Range;

use pacta_core::agreement::{NoticeGiven, SetMode};

use crate::lexer::{Comment, Token};

pub type Span = Range<usize>;

/// A name or word as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

/// A string literal: its value (escapes resolved) and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub value: String,
    pub span: Span,
}

/// A number, date or time exactly as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raw {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Default)]
pub struct File {
    pub header: Option<Header>,
    pub parties: Option<Parties>,
    pub items: Vec<Item>,
    pub comments: Vec<Comment>,
    pub tokens: Vec<Token>,
    /// Names whose declarations failed to parse. The checker treats them as declared so that one
    /// syntax error does not also produce an "unknown name" at every use.
    pub broken_names: Vec<String>,
}

#[derive(Debug)]
pub struct Header {
    pub keyword: Span,
    pub title: Text,
    pub fields: Vec<HeaderField>,
    /// Fields that were present but failed to parse (already reported), so the checker does not
    /// also call them missing.
    pub broken_fields: Vec<&'static str>,
}

#[derive(Debug)]
pub enum HeaderField {
    Dated {
        keyword: Span,
        date: Raw,
        value: Option<jiff::civil::Date>,
    },
    GovernedBy {
        keyword: Span,
        law: Text,
    },
    Currency {
        keyword: Span,
        code: Name,
    },
    BusinessDays {
        keyword: Span,
        calendar: Text,
        time_zone: Text,
    },
    Cutoff {
        keyword: Span,
        time: Raw,
        value: Option<jiff::civil::Time>,
    },
}

impl HeaderField {
    pub fn keyword(&self) -> &Span {
        match self {
            HeaderField::Dated { keyword, .. }
            | HeaderField::GovernedBy { keyword, .. }
            | HeaderField::Currency { keyword, .. }
            | HeaderField::BusinessDays { keyword, .. }
            | HeaderField::Cutoff { keyword, .. } => keyword,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            HeaderField::Dated { .. } => "dated",
            HeaderField::GovernedBy { .. } => "governed by",
            HeaderField::Currency { .. } => "currency",
            HeaderField::BusinessDays { .. } => "business days",
            HeaderField::Cutoff { .. } => "cutoff",
        }
    }
}

#[derive(Debug)]
pub struct Parties {
    pub keyword: Span,
    pub list: Vec<PartyDecl>,
}

#[derive(Debug)]
pub struct PartyDecl {
    pub name: Name,
    pub kind: PartyDeclKind,
}

#[derive(Debug)]
pub enum PartyDeclKind {
    Single {
        legal_name: Text,
        escrow_agent: bool,
    },
    Many {
        description: Option<Text>,
    },
    Group {
        members: Vec<Name>,
    },
}

#[derive(Debug)]
pub enum Item {
    Decl(Decl),
    Clause(Clause),
}

#[derive(Debug)]
pub struct Decl {
    pub keyword: Span,
    pub name: Name,
    pub title: Option<Text>,
    pub kind: DeclKind,
}

#[derive(Debug)]
pub enum DeclKind {
    Account { held_by: Name, limit: Option<Raw> },
    Document { delivered_by: PartySet },
    Instrument { signed_by: PartySet },
    Event { reported_by: Name },
}

impl DeclKind {
    pub fn keyword(&self) -> &'static str {
        match self {
            DeclKind::Account { .. } => "account",
            DeclKind::Document { .. } => "document",
            DeclKind::Instrument { .. } => "instrument",
            DeclKind::Event { .. } => "event",
        }
    }
}

#[derive(Debug)]
pub struct Clause {
    pub keyword: Span,
    pub number: Raw,
    pub title: Text,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
pub struct PartySet {
    pub mode: SetMode,
    pub members: Vec<PartyRef>,
}

impl PartySet {
    pub fn span(&self) -> Span {
        match (self.members.first(), self.members.last()) {
            (Some(a), Some(b)) => a.span().start..b.span().end,
            _ => 0..0,
        }
    }
}

#[derive(Debug, Clone)]
pub enum PartyRef {
    One(Name),
    Each { keyword: Span, role: Name },
    Any(Span),
}

impl PartyRef {
    pub fn span(&self) -> Span {
        match self {
            PartyRef::One(n) => n.span.clone(),
            PartyRef::Each { keyword, role } => keyword.start..role.span.end,
            PartyRef::Any(s) => s.clone(),
        }
    }
}

/// `10 business days`: the count as written and the unit words as written (`days`, `day`,
/// `business days`, `calendar day`…), so the formatter keeps the author's choice.
#[derive(Debug, Clone)]
pub struct Period {
    pub count: Raw,
    pub value: u32,
    pub unit: pacta_core::calendar::PeriodUnit,
    pub unit_words: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum Anchor {
    Dated,
    When(Cond),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtomKind {
    Received,
    Signed,
    Paid,
    Occurred,
}

impl AtomKind {
    pub fn word(self) -> &'static str {
        match self {
            AtomKind::Received => "received",
            AtomKind::Signed => "signed",
            AtomKind::Paid => "paid",
            AtomKind::Occurred => "occurred",
        }
    }
}

#[derive(Debug, Clone)]
pub enum Cond {
    Atom {
        kind: AtomKind,
        keyword: Span,
        name: Name,
    },
    /// `( … )`: kept so the formatter prints the parentheses the author wrote.
    Paren {
        span: Span,
        inner: Box<Cond>,
    },
    All(Vec<Cond>),
    Any(Vec<Cond>),
}

impl Cond {
    pub fn span(&self) -> Span {
        match self {
            Cond::Atom { keyword, name, .. } => keyword.start..name.span.end,
            Cond::Paren { span, .. } => span.clone(),
            Cond::All(v) | Cond::Any(v) => match (v.first(), v.last()) {
                (Some(a), Some(b)) => a.span().start..b.span().end,
                _ => 0..0,
            },
        }
    }
}

#[derive(Debug)]
pub struct Rule {
    pub span: Span,
    pub kind: RuleKind,
}

#[derive(Debug)]
pub enum RuleKind {
    MayDeposit {
        who: PartySet,
        account: Name,
    },
    MayNotExercise {
        who: PartySet,
        before: Cond,
    },
    When {
        cond: Cond,
        actions: Vec<Action>,
    },
    Unless {
        cond: Cond,
        period: Period,
        anchor: Anchor,
        actions: Vec<Action>,
    },
    OnDispute {
        by: PartySet,
        actions: Vec<Action>,
    },
    Amendments {
        signed_by: PartySet,
    },
    Assignment {
        signed_by: PartySet,
    },
    CourtOrders {
        who: Name,
    },
    Resignation {
        agent: Name,
        notify: PartySet,
        appointed_by: PartySet,
        accounts: Vec<Name>,
    },
    CourtDeposit {
        by: Name,
        account: Name,
        court: Text,
    },
    Obligation {
        name: Name,
        payer: Name,
        amount: Raw,
        payee: PartyRef,
        period: Period,
        anchor: Anchor,
    },
    Warrant(Box<WarrantRule>),
    Note(Box<NoteRule>),
    Notice {
        words: Vec<Name>,
        given: NoticeGiven,
    },
    Waiver {
        name: Name,
        until: Cond,
        period: Period,
        anchor: Anchor,
    },
}

#[derive(Debug)]
pub struct WarrantRule {
    pub name: Name,
    pub title: Option<Text>,
    pub issuer: Name,
    pub holder: PartyRef,
    pub shares: Raw,
    pub shares_value: u64,
    pub price: Raw,
    pub price_value: rust_decimal::Decimal,
    pub years: Raw,
    pub years_value: u32,
    pub period: Period,
    pub anchor: Anchor,
}

#[derive(Debug)]
pub struct NoteRule {
    pub name: Name,
    pub title: Option<Text>,
    pub issuer: Name,
    pub holder: Name,
    pub principal: Raw,
    pub purchase_price: Raw,
    pub secured_by: Option<Text>,
    pub interest: Option<(Raw, rust_decimal::Decimal, Text)>,
}

#[derive(Debug)]
pub struct Action {
    pub span: Span,
    pub kind: ActionKind,
}

// `Accrue` is the largest variant by far; the tree lives only while one file is compiled, so the
// padding costs nothing worth an extra indirection.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum ActionKind {
    Pay {
        from: Name,
        legs: Vec<Leg>,
    },
    Refund {
        account: Name,
        each: Span,
        role: Name,
    },
    Notify {
        to: PartySet,
        subject: Text,
    },
    Hold {
        account: Name,
        releases: Vec<Release>,
    },
    Terminate {
        reason: Text,
    },
    Accrue {
        amount: Raw,
        every: Period,
        owed_by: Name,
        to: PartyRef,
        until: Cond,
        cap: Option<Raw>,
    },
    Issue {
        name: Name,
    },
    Arbitrate {
        forum: Text,
    },
}

#[derive(Debug)]
pub struct Leg {
    pub span: Span,
    pub amount: LegAmount,
    pub to: PartyRef,
}

#[derive(Debug)]
pub enum LegAmount {
    Fixed(Raw),
    Rest(Span),
}

#[derive(Debug)]
pub enum Release {
    Signed { name: Name },
    CourtOrder(Span),
}
