//! The parser: tokens to the syntax tree, with error recovery.
//!
//! A hand-written recursive-descent parser. The grammar is keyword-driven and almost LL(1), so
//! each construct is a short function that reads like its grammar line, and recovery is explicit:
//! a construct that fails records one diagnostic and returns [`Fail`]; the loop that called it
//! then skips to the next token that starts a line and can start something at that level (a rule
//! keyword inside a clause, a declaration keyword at the top) and carries on. That is how one file
//! gets all its syntax errors reported in one run.
//!
//! Keywords are contextual with a reserved core. The words that start constructs or join their
//! parts (`when`, `and`, `each`, `to`, `of`…, see [`RESERVED`]) can never be names, which is what
//! lets lists like `company and each purchaser` end without lookahead. Words that only appear
//! inside a fixed phrase (`escrow`, `agent`, `note`, `business`…) may also be names: the seed
//! escrow has an account called `escrow` and a party called `agent`, and the note purchase a note
//! called `note`.

use pacta_core::agreement::{NoticeGiven, SetMode};
use pacta_core::calendar::PeriodUnit;

use crate::diagnostic::{codes, did_you_mean, Diagnostic};
use crate::lexer::{lex, Token, TokenKind};
use crate::syntax::*;

/// Words that can never be names.
pub const RESERVED: &[&str] = &[
    "agreement",
    "dated",
    "governed",
    "currency",
    "cutoff",
    "parties",
    "account",
    "document",
    "instrument",
    "event",
    "clause",
    "when",
    "unless",
    "on",
    "amendments",
    "assignment",
    "obligation",
    "warrant",
    "waiver",
    "pay",
    "refund",
    "notify",
    "hold",
    "terminate",
    "accrue",
    "issue",
    "arbitrate",
    "and",
    "or",
    "each",
    "any",
    "the",
    "not",
    "may",
    "within",
    "of",
    "until",
    "but",
    "to",
    "by",
    "from",
    "with",
    "is",
    "cap",
    "every",
    "received",
    "signed",
    "paid",
    "occurred",
];

const TOP_KEYWORDS: &[&str] = &[
    "agreement",
    "parties",
    "account",
    "document",
    "instrument",
    "event",
    "clause",
];
const HEADER_KEYWORDS: &[&str] = &["dated", "governed", "currency", "business", "cutoff"];
const RULE_KEYWORDS: &[&str] = &[
    "when",
    "unless",
    "on",
    "amendments",
    "assignment",
    "obligation",
    "warrant",
    "note",
    "notice",
    "waiver",
];
const ACTION_KEYWORDS: &[&str] = &[
    "pay",
    "refund",
    "notify",
    "hold",
    "terminate",
    "accrue",
    "issue",
    "arbitrate",
];
/// What may follow the party list that starts a rule (`agent may …`, `agent obeys …`).
const PARTY_RULE_FOLLOWERS: &[&str] = &["may", "obeys", "and", "or"];

/// The construct was malformed; its diagnostic has been recorded.
pub struct Fail;
type PResult<T> = Result<T, Fail>;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Top,
    Header,
    Party,
    Rule,
    Action,
}

pub fn parse(src: &str) -> (File, Vec<Diagnostic>) {
    let lexed = lex(src);
    let mut p = Parser {
        src,
        toks: lexed.tokens,
        pos: 0,
        diags: lexed.diagnostics,
        broken: Vec::new(),
    };
    let mut file = p.file();
    file.comments = lexed.comments;
    file.broken_names = std::mem::take(&mut p.broken);
    file.tokens = p.toks;
    // Lexer diagnostics come first in the list but parser ones may point earlier; readers expect
    // file order.
    p.diags.sort_by_key(|d| d.span.start);
    (file, p.diags)
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    diags: Vec<Diagnostic>,
    broken: Vec<String>,
}

impl<'a> Parser<'a> {
    /// Passes a declaration's parse result through. When it failed, the declared
    /// name is remembered as broken: it still counts as declared, so the one syntax
    /// error does not also produce "unknown name" at every use.
    fn unless_broken<T>(&mut self, name: &str, body: PResult<T>) -> PResult<T> {
        if body.is_err() {
            self.broken.push(name.to_string());
        }
        body
    }

    // ---- token access ----------------------------------------------------------------------

    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn peek_n(&self, n: usize) -> Option<&Token> {
        self.toks.get(self.pos + n)
    }

    fn text(&self, t: &Token) -> &'a str {
        &self.src[t.span.clone()]
    }

    fn word_at(&self, n: usize) -> Option<&'a str> {
        match self.peek_n(n) {
            Some(t) if t.kind == TokenKind::Word => Some(self.text(t)),
            _ => None,
        }
    }

    fn at_word(&self, w: &str) -> bool {
        self.word_at(0) == Some(w)
    }

    fn at_any(&self, words: &[&str]) -> bool {
        self.word_at(0).is_some_and(|w| words.contains(&w))
    }

    fn bump(&mut self) -> Span {
        let span = self
            .peek()
            .map_or(self.src.len()..self.src.len(), |t| t.span.clone());
        self.pos = (self.pos + 1).min(self.toks.len());
        span
    }

    fn eat_word(&mut self, w: &str) -> Option<Span> {
        if self.at_word(w) {
            Some(self.bump())
        } else {
            None
        }
    }

    /// Where an error about the current token goes: the token itself, or just after the last
    /// token at the end of the file.
    fn here(&self) -> Span {
        match self.peek() {
            Some(t) => t.span.clone(),
            None => {
                let end = self.toks.last().map_or(0, |t| t.span.end);
                end..end
            }
        }
    }

    fn prev_span(&self) -> Span {
        match self.pos.checked_sub(1).and_then(|i| self.toks.get(i)) {
            Some(t) => t.span.clone(),
            None => 0..0,
        }
    }

    /// How the current token reads in a message: "`foo`", "the string \"…\"", "end of file".
    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the file".to_string(),
            Some(t) => match &t.kind {
                TokenKind::Str(v) => {
                    let short: String = v.chars().take(24).collect();
                    let dots = if v.chars().count() > 24 { "…" } else { "" };
                    format!("the string \"{short}{dots}\"")
                }
                TokenKind::Word if RESERVED.contains(&self.text(t)) => {
                    format!("keyword `{}`", self.text(t))
                }
                _ => format!("`{}`", self.text(t)),
            },
        }
    }

    fn error(&mut self, d: Diagnostic) -> Fail {
        self.diags.push(d);
        Fail
    }

    fn expected(&mut self, what: &str) -> Fail {
        let found = self.found();
        let d = Diagnostic::error(
            codes::EXPECTED,
            self.here(),
            format!("expected {what}, found {found}"),
            format!("expected {what}"),
        );
        self.error(d)
    }

    fn expect_word(&mut self, w: &str) -> PResult<Span> {
        match self.eat_word(w) {
            Some(s) => Ok(s),
            None => Err(self.expected(&format!("`{w}`"))),
        }
    }

    fn expect_words(&mut self, words: &[&str]) -> PResult<Span> {
        let start = self.here().start;
        let mut end = start;
        for w in words {
            end = self.expect_word(w)?.end;
        }
        Ok(start..end)
    }

    // ---- recovery --------------------------------------------------------------------------

    fn is_sync_point(&self, level: Level) -> bool {
        let Some(t) = self.peek() else { return true };
        if !t.line_start {
            return false;
        }
        let Some(w) = self.word_at(0) else {
            return false;
        };
        if TOP_KEYWORDS.contains(&w) {
            return true;
        }
        match level {
            Level::Top => false,
            Level::Header => HEADER_KEYWORDS.contains(&w),
            Level::Party => !RESERVED.contains(&w),
            Level::Rule | Level::Action => {
                RULE_KEYWORDS.contains(&w)
                    || (level == Level::Action && ACTION_KEYWORDS.contains(&w))
                    || (matches!(w, "each" | "any"))
                    || (!RESERVED.contains(&w)
                        && self
                            .word_at(1)
                            .is_some_and(|n| PARTY_RULE_FOLLOWERS.contains(&n)))
            }
        }
    }

    /// Skips to the next place where parsing at `level` can resume, always moving past at least
    /// one token if the failed construct consumed none (so loops cannot spin).
    fn recover(&mut self, start: usize, level: Level) {
        if self.pos == start {
            self.bump();
        }
        while !self.is_sync_point(level) {
            self.bump();
        }
    }

    // ---- leaves ----------------------------------------------------------------------------

    /// A name: `[a-z_][a-z0-9_]*` and not reserved.
    fn name(&mut self, what: &str) -> PResult<Name> {
        let Some(t) = self.peek() else {
            return Err(self.expected(what));
        };
        if t.kind != TokenKind::Word || RESERVED.contains(&self.text(t)) {
            return Err(self.expected(what));
        }
        let text = self.text(t).to_string();
        let span = self.bump();
        if text.chars().any(|c| c.is_ascii_uppercase()) {
            let lower = text.to_ascii_lowercase();
            self.diags.push(
                Diagnostic::error(
                    codes::BAD_NAME,
                    span.clone(),
                    format!("names are written in lowercase: `{text}`"),
                    "not a lowercase name",
                )
                .with_help(format!("write `{lower}`")),
            );
        }
        Ok(Name { text, span })
    }

    fn string(&mut self, what: &str) -> PResult<Text> {
        match self.peek() {
            Some(Token {
                kind: TokenKind::Str(v),
                span,
                ..
            }) => {
                let t = Text {
                    value: v.clone(),
                    span: span.clone(),
                };
                self.bump();
                Ok(t)
            }
            _ => Err(self.expected(what)),
        }
    }

    fn opt_string(&mut self) -> Option<Text> {
        match self.peek() {
            Some(Token {
                kind: TokenKind::Str(_),
                ..
            }) => self.string("").ok(),
            _ => None,
        }
    }

    fn number(&mut self, what: &str) -> PResult<Raw> {
        match self.peek() {
            Some(t) if t.kind == TokenKind::Number => {
                let raw = Raw {
                    text: self.text(t).to_string(),
                    span: t.span.clone(),
                };
                self.bump();
                Ok(raw)
            }
            _ => Err(self.expected(what)),
        }
    }

    /// A whole number, optionally grouped by thousands (`3,000,000`) when `commas` allows.
    fn whole(&mut self, what: &str, commas: bool) -> PResult<(Raw, u64)> {
        let raw = self.number(what)?;
        let digits: String = raw.text.chars().filter(|c| *c != ',').collect();
        let grouped_ok = !raw.text.contains(',') || (commas && grouping_ok(&raw.text));
        match digits.parse::<u64>() {
            Ok(v) if grouped_ok && digits.chars().all(|c| c.is_ascii_digit()) => Ok((raw, v)),
            Ok(_) | Err(_) => {
                let too_big = grouped_ok && digits.chars().all(|c| c.is_ascii_digit());
                let message = if too_big {
                    format!("`{}` is too large", raw.text)
                } else {
                    format!("expected {what}, found `{}`", raw.text)
                };
                let help = if commas {
                    "write digits, grouped by three with `,` if you like: `3,000,000`"
                } else {
                    "write plain digits, like `10`"
                };
                let d = Diagnostic::error(
                    codes::BAD_NUMBER,
                    raw.span.clone(),
                    message,
                    format!("not {what}"),
                )
                .with_help(help);
                Err(self.error(d))
            }
        }
    }

    fn small_whole(&mut self, what: &str) -> PResult<(Raw, u32)> {
        let (raw, v) = self.whole(what, false)?;
        match u32::try_from(v) {
            Ok(v) => Ok((raw, v)),
            Err(_) => {
                let d = Diagnostic::error(
                    codes::BAD_NUMBER,
                    raw.span.clone(),
                    format!("`{}` is too large", raw.text),
                    "too large",
                )
                .with_help(format!("the largest count pacta accepts is {}", u32::MAX));
                Err(self.error(d))
            }
        }
    }

    fn decimal(&mut self, what: &str) -> PResult<(Raw, rust_decimal::Decimal)> {
        let raw = self.number(what)?;
        match raw.text.parse::<rust_decimal::Decimal>() {
            Ok(v) if !raw.text.contains(',') => Ok((raw, v)),
            _ => {
                let d = Diagnostic::error(
                    codes::BAD_NUMBER,
                    raw.span.clone(),
                    format!("expected {what}, found `{}`", raw.text),
                    "not a decimal number",
                )
                .with_help("write a plain decimal like `0.03`, without thousands separators");
                Err(self.error(d))
            }
        }
    }

    fn date(&mut self) -> PResult<(Raw, Option<jiff::civil::Date>)> {
        let Some(t) = self
            .peek()
            .filter(|t| matches!(t.kind, TokenKind::Date | TokenKind::Number))
        else {
            return Err(self.expected("a date like `2005-08-19`"));
        };
        let raw = Raw {
            text: self.text(t).to_string(),
            span: t.span.clone(),
        };
        self.bump();
        match check_date(&raw.text) {
            Ok(d) => Ok((raw, Some(d))),
            Err((message, help)) => {
                self.diags.push(
                    Diagnostic::error(
                        codes::BAD_DATE,
                        raw.span.clone(),
                        message,
                        "not a calendar date",
                    )
                    .with_help(help),
                );
                Ok((raw, None))
            }
        }
    }

    fn time(&mut self) -> PResult<(Raw, Option<jiff::civil::Time>)> {
        let Some(t) = self
            .peek()
            .filter(|t| matches!(t.kind, TokenKind::Time | TokenKind::Number))
        else {
            return Err(self.expected("a time of day like `17:00`"));
        };
        let raw = Raw {
            text: self.text(t).to_string(),
            span: t.span.clone(),
        };
        self.bump();
        let parsed = raw.text.split_once(':').and_then(|(h, m)| {
            let ok = h.len() == 2 && m.len() == 2;
            let h: i8 = h.parse().ok()?;
            let m: i8 = m.parse().ok()?;
            if ok {
                jiff::civil::Time::new(h, m, 0, 0).ok()
            } else {
                None
            }
        });
        if parsed.is_none() {
            self.diags.push(
                Diagnostic::error(
                    codes::BAD_TIME,
                    raw.span.clone(),
                    format!("`{}` is not a time of day", raw.text),
                    "not HH:MM",
                )
                .with_help("write a 24-hour time as `HH:MM`, from `00:00` to `23:59`"),
            );
        }
        Ok((raw, parsed))
    }

    // ---- file structure --------------------------------------------------------------------

    fn file(&mut self) -> File {
        let mut file = File::default();
        if self.toks.is_empty() {
            self.diags.push(
                Diagnostic::error(codes::EMPTY_FILE, 0..0, "empty agreement", "expected `agreement \"…\"` here").with_help(
                    "an agreement starts with `agreement \"Title\"` and its `dated`, `currency` and `business days`, then `parties`",
                ),
            );
            return file;
        }
        if self.at_word("agreement") {
            file.header = Some(self.header());
        } else {
            self.expected("`agreement \"Title\"` at the start of the file");
            // Keep a `parties` (or any section) that is right here; skip anything else.
            if !self.at_any(TOP_KEYWORDS) {
                self.recover(self.pos, Level::Top);
            }
        }
        if self.at_word("parties") {
            let keyword = self.bump();
            file.parties = Some(self.parties(keyword));
        } else if self.peek().is_some() && !self.at_word("agreement") {
            let here = self.here();
            let found = self.found();
            self.diags.push(
                Diagnostic::error(
                    codes::EXPECTED,
                    here.clone(),
                    format!("expected `parties` after the agreement's header, found {found}"),
                    "expected `parties` before this",
                )
                .with_help("the parties follow the header under the word `parties`"),
            );
            // If the party lines are there without their heading, read them anyway, so the one
            // missing word does not make every party unknown.
            if self.looks_like_party() {
                file.parties = Some(self.parties(here.start..here.start));
            }
        }
        while let Some(t) = self.peek() {
            let start = self.pos;
            let Some(w) = self.word_at(0) else {
                let found = self.found();
                self.diags.push(
                    Diagnostic::error(codes::EXPECTED, t.span.clone(), format!("expected a declaration or a clause, found {found}"), "unexpected here")
                        .with_help("a declaration starts with `account`, `document`, `instrument` or `event`; a clause with `clause`"),
                );
                self.recover(start, Level::Top);
                continue;
            };
            let result = match w {
                "account" | "document" | "instrument" | "event" => {
                    self.decl().map(|d| file.items.push(Item::Decl(d)))
                }
                "clause" => self.clause().map(|c| file.items.push(Item::Clause(c))),
                "parties" | "agreement" => {
                    let span = t.span.clone();
                    let what = if w == "parties" {
                        "the parties"
                    } else {
                        "the agreement's header"
                    };
                    self.diags.push(
                        Diagnostic::error(
                            codes::DUPLICATE_SECTION,
                            span,
                            format!("{what} can only be given once"),
                            "second occurrence",
                        )
                        .with_help("merge it into the first one at the top of the file"),
                    );
                    Err(Fail)
                }
                _ => Err(self.unknown_keyword(&[
                    "account",
                    "document",
                    "instrument",
                    "event",
                    "clause",
                ])),
            };
            if result.is_err() {
                self.recover(start, Level::Top);
            }
        }
        file
    }

    fn unknown_keyword(&mut self, options: &[&str]) -> Fail {
        let here = self.here();
        let w = self.word_at(0).unwrap_or_default();
        let help = match did_you_mean(w, options.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("expected one of {}", list(options)),
        };
        let d = Diagnostic::error(
            codes::UNKNOWN_KEYWORD,
            here,
            format!("unknown keyword `{w}`"),
            "not a keyword here",
        )
        .with_help(help);
        self.error(d)
    }

    fn header(&mut self) -> Header {
        let keyword = self.bump();
        let title = self
            .string("the agreement's title in quotes")
            .unwrap_or(Text {
                value: String::new(),
                span: keyword.clone(),
            });
        let mut header = Header {
            keyword,
            title,
            fields: Vec::new(),
            broken_fields: Vec::new(),
        };
        while let Some(w) = self.word_at(0) {
            let start = self.pos;
            if !HEADER_KEYWORDS.contains(&w) {
                // A misspelt field (`curency USD`) gets a suggestion, and counts as present so the
                // checker does not also call it missing. Anything else ends the header.
                let Some(meant) = did_you_mean(w, HEADER_KEYWORDS.iter().copied()) else {
                    break;
                };
                if TOP_KEYWORDS.contains(&w) {
                    break;
                }
                header.broken_fields.push(header_label(meant));
                self.unknown_keyword(HEADER_KEYWORDS);
                self.recover(start, Level::Header);
                continue;
            }
            match self.header_field(w) {
                Ok(f) => header.fields.push(f),
                Err(Fail) => {
                    header.broken_fields.push(header_label(w));
                    self.recover(start, Level::Header);
                }
            }
        }
        header
    }

    fn header_field(&mut self, w: &str) -> PResult<HeaderField> {
        let keyword = self.bump();
        Ok(match w {
            "dated" => {
                let (date, value) = self.date()?;
                HeaderField::Dated {
                    keyword,
                    date,
                    value,
                }
            }
            "governed" => {
                self.expect_word("by")?;
                HeaderField::GovernedBy {
                    keyword,
                    law: self.string("the governing law in quotes, like \"New York\"")?,
                }
            }
            "currency" => match self.peek() {
                Some(t) if t.kind == TokenKind::Word => {
                    let code = Name {
                        text: self.text(t).to_string(),
                        span: t.span.clone(),
                    };
                    self.bump();
                    HeaderField::Currency { keyword, code }
                }
                _ => return Err(self.expected("a currency code like `USD`")),
            },
            "business" => {
                self.expect_word("days")?;
                let calendar =
                    self.string("a calendar name in quotes, like \"us-federal-reserve\"")?;
                self.expect_word("in")?;
                let time_zone = self.string("a time zone in quotes, like \"America/New_York\"")?;
                HeaderField::BusinessDays {
                    keyword,
                    calendar,
                    time_zone,
                }
            }
            _ => {
                let (time, value) = self.time()?;
                HeaderField::Cutoff {
                    keyword,
                    time,
                    value,
                }
            }
        })
    }

    /// A name followed by a legal name in quotes, `many` or `group`.
    fn looks_like_party(&self) -> bool {
        self.word_at(0).is_some_and(|w| !RESERVED.contains(&w))
            && (matches!(self.peek_n(1).map(|t| &t.kind), Some(TokenKind::Str(_)))
                || matches!(self.word_at(1), Some("many" | "group")))
    }

    fn parties(&mut self, keyword: Span) -> Parties {
        let mut list = Vec::new();
        while let Some(w) = self.word_at(0) {
            if RESERVED.contains(&w) {
                break;
            }
            // A top-level keyword with a typo (`acount`) at the start of a line right after the
            // parties would otherwise read as a party with a broken legal name.
            if !self.looks_like_party() && did_you_mean(w, TOP_KEYWORDS.iter().copied()).is_some() {
                break;
            }
            let start = self.pos;
            if let Ok(p) = self.party() {
                list.push(p);
            } else {
                self.recover(start, Level::Party);
            }
        }
        if list.is_empty() {
            self.expected("at least one party, like `company \"ROO Group, Inc.\"`");
        }
        Parties { keyword, list }
    }

    fn party(&mut self) -> PResult<PartyDecl> {
        let name = self.name("a party name")?;
        let kind = if let Some(Token {
            kind: TokenKind::Str(_),
            ..
        }) = self.peek()
        {
            let legal_name = self.string("")?;
            let escrow_agent = self.eat_word("is").is_some();
            if escrow_agent {
                self.expect_words(&["escrow", "agent"])
                    .inspect_err(|_| self.broken.push(name.text.clone()))?;
            }
            PartyDeclKind::Single {
                legal_name,
                escrow_agent,
            }
        } else if self.eat_word("many").is_some() {
            PartyDeclKind::Many {
                description: self.opt_string(),
            }
        } else if self.eat_word("group").is_some() {
            let mut members = vec![self
                .name("a member party")
                .inspect_err(|_| self.broken.push(name.text.clone()))?];
            while matches!(self.peek().map(|t| &t.kind), Some(TokenKind::Comma)) {
                self.bump();
                members.push(
                    self.name("a member party")
                        .inspect_err(|_| self.broken.push(name.text.clone()))?,
                );
            }
            PartyDeclKind::Group { members }
        } else {
            self.broken.push(name.text.clone());
            return Err(self.expected(&format!(
                "the legal name of `{}` in quotes, `many` or `group`",
                name.text
            )));
        };
        Ok(PartyDecl { name, kind })
    }

    fn decl(&mut self) -> PResult<Decl> {
        let keyword = self.bump();
        let kw = &self.src[keyword.clone()];
        let name = self.name(&format!("the {kw}'s name"))?;
        // The name is known even if the rest fails: remember it, so uses of it are not also
        // reported as unknown.
        let body = self.decl_body(kw);
        self.unless_broken(&name.text, body)
            .map(|(title, kind)| Decl {
                keyword,
                name,
                title,
                kind,
            })
    }

    fn decl_body(&mut self, kw: &str) -> PResult<(Option<Text>, DeclKind)> {
        let title = self.opt_string();
        let kind = match kw {
            "account" => {
                self.expect_words(&["held", "by"])?;
                let held_by = self.name("the party holding the account")?;
                let limit = match self.eat_word("limit") {
                    Some(_) => Some(self.number("an amount like `7,999,999.98`")?),
                    None => None,
                };
                DeclKind::Account { held_by, limit }
            }
            "document" => {
                self.expect_words(&["delivered", "by"])?;
                DeclKind::Document {
                    delivered_by: self.party_set("the party who delivers it")?,
                }
            }
            "instrument" => {
                self.expect_words(&["signed", "by"])?;
                DeclKind::Instrument {
                    signed_by: self.party_set("the parties who sign it")?,
                }
            }
            _ => {
                self.expect_words(&["reported", "by"])?;
                DeclKind::Event {
                    reported_by: self.name("the party who reports it")?,
                }
            }
        };
        Ok((title, kind))
    }

    fn clause(&mut self) -> PResult<Clause> {
        let keyword = self.bump();
        let number = match self.peek() {
            Some(t)
                if matches!(
                    t.kind,
                    TokenKind::Number | TokenKind::Label | TokenKind::Word
                ) && self.word_at(0).is_none_or(|w| !RESERVED.contains(&w)) =>
            {
                let raw = Raw {
                    text: self.text(t).to_string(),
                    span: t.span.clone(),
                };
                self.bump();
                if !clause_number_ok(&raw.text) {
                    self.diags.push(
                        Diagnostic::error(
                            codes::BAD_CLAUSE_NUMBER,
                            raw.span.clone(),
                            format!("`{}` is not a clause number", raw.text),
                            "not a clause number",
                        )
                        .with_help(
                            "number clauses as the contract does: `1`, `1.5`, `2.14`, `A.1`",
                        ),
                    );
                }
                raw
            }
            _ => {
                self.expected("a clause number like `1.5`");
                Raw {
                    text: String::new(),
                    span: keyword.clone(),
                }
            }
        };
        let title = self.string("the clause's title in quotes").unwrap_or(Text {
            value: String::new(),
            span: number.span.clone(),
        });
        let mut rules = Vec::new();
        while self.peek().is_some() {
            if self.at_any(TOP_KEYWORDS) {
                break;
            }
            let start = self.pos;
            match self.rule() {
                Ok(r) => rules.push(r),
                Err(Fail) => self.recover(start, Level::Rule),
            }
        }
        Ok(Clause {
            keyword,
            number,
            title,
            rules,
        })
    }

    // ---- rules -----------------------------------------------------------------------------

    fn rule(&mut self) -> PResult<Rule> {
        let start = self.here().start;
        let party_rule = self
            .word_at(1)
            .is_some_and(|w| PARTY_RULE_FOLLOWERS.contains(&w));
        let kind = match self.word_at(0) {
            Some("when") => self.when_rule()?,
            Some("unless") => self.unless_rule()?,
            Some("on") => self.on_rule()?,
            Some("amendments") => {
                self.bump();
                self.expect_words(&["signed", "by"])?;
                RuleKind::Amendments {
                    signed_by: self.party_set("the parties who must sign amendments")?,
                }
            }
            Some("assignment") => {
                self.bump();
                self.expect_words(&["signed", "by"])?;
                RuleKind::Assignment {
                    signed_by: self.party_set("the parties who must consent to an assignment")?,
                }
            }
            Some("obligation") => self.obligation_rule()?,
            Some("warrant") => self.warrant_rule()?,
            Some("note") if !party_rule => self.note_rule()?,
            Some("notice") if !party_rule => self.notice_rule()?,
            Some("waiver") => self.waiver_rule()?,
            Some(w) if ACTION_KEYWORDS.contains(&w) => {
                let d = Diagnostic::error(
                    codes::EXPECTED,
                    self.here(),
                    format!("`{w}` is an action, but no rule introduces it"),
                    "action outside a rule",
                )
                .with_help(
                    "actions follow `when …:`, `unless … within … of …:` or `on dispute by …:`",
                );
                return Err(self.error(d));
            }
            Some(w)
                if !party_rule
                    && !matches!(w, "each" | "any")
                    && did_you_mean(w, RULE_KEYWORDS.iter().chain(ACTION_KEYWORDS).copied())
                        .is_some() =>
            {
                let mut options: Vec<&str> = RULE_KEYWORDS.to_vec();
                options.extend_from_slice(ACTION_KEYWORDS);
                return Err(self.unknown_keyword(&options));
            }
            Some(_) => self.party_rule()?,
            None => {
                let found = self.found();
                let d = Diagnostic::error(codes::EXPECTED, self.here(), format!("expected a rule, found {found}"), "unexpected here")
                    .with_help("a rule starts with `when`, `unless`, `on dispute`, a party (`agent may …`) or another rule keyword");
                return Err(self.error(d));
            }
        };
        let end = self.prev_span().end.max(start);
        Ok(Rule {
            span: start..end,
            kind,
        })
    }

    fn colon(&mut self, after: &str) -> PResult<()> {
        if matches!(self.peek().map(|t| &t.kind), Some(TokenKind::Colon)) {
            self.bump();
            return Ok(());
        }
        let prev = self.prev_span();
        let d = Diagnostic::error(
            codes::MISSING_COLON,
            prev,
            format!("missing `:` after {after}"),
            "expected `:` after this",
        )
        .with_help("the actions of a rule follow a colon: `when received nir_waiver:`");
        self.diags.push(d);
        // Carry on if the actions are there anyway: the colon is the only thing missing.
        if self.at_any(ACTION_KEYWORDS) {
            Ok(())
        } else {
            Err(Fail)
        }
    }

    fn when_rule(&mut self) -> PResult<RuleKind> {
        self.bump();
        let cond = self.condition()?;
        self.colon("the condition of `when`")?;
        let actions = self.actions();
        Ok(RuleKind::When { cond, actions })
    }

    fn unless_rule(&mut self) -> PResult<RuleKind> {
        self.bump();
        let cond = self.condition()?;
        self.expect_word("within")?;
        let (period, anchor) = self.anchored_period("within")?;
        self.colon("the deadline of `unless`")?;
        let actions = self.actions();
        Ok(RuleKind::Unless {
            cond,
            period,
            anchor,
            actions,
        })
    }

    fn on_rule(&mut self) -> PResult<RuleKind> {
        self.bump();
        self.expect_words(&["dispute", "by"])?;
        let by = self.party_set("the parties who may raise a dispute")?;
        self.colon("`on dispute by …`")?;
        let actions = self.actions();
        Ok(RuleKind::OnDispute { by, actions })
    }

    fn obligation_rule(&mut self) -> PResult<RuleKind> {
        self.bump();
        let name = self.name("the obligation's name")?;
        let body = (|| {
            if !matches!(self.peek().map(|t| &t.kind), Some(TokenKind::Colon)) {
                return Err(self.expected("`:` after the obligation's name"));
            }
            self.bump();
            let payer = self.name("the paying party")?;
            self.expect_word("pays")?;
            let amount = self.number("an amount like `3,400,000.00`")?;
            self.expect_word("to")?;
            let payee = self.party_ref("the party paid")?;
            self.expect_word("within")?;
            let (period, anchor) = self.anchored_period("within")?;
            Ok((payer, amount, payee, period, anchor))
        })();
        self.unless_broken(&name.text, body)
            .map(
                |(payer, amount, payee, period, anchor)| RuleKind::Obligation {
                    name,
                    payer,
                    amount,
                    payee,
                    period,
                    anchor,
                },
            )
    }

    fn warrant_rule(&mut self) -> PResult<RuleKind> {
        self.bump();
        let name = self.name("the warrant's name")?;
        let body = (|| {
            let title = self.opt_string();
            self.expect_words(&["issued", "by"])?;
            let issuer = self.name("the issuing party")?;
            self.expect_word("to")?;
            let holder = self.party_ref("the holder")?;
            let (shares, shares_value) = self.whole("a number of shares", true)?;
            self.expect_words(&["shares", "at"])?;
            let (price, price_value) = self.decimal("an exercise price per share like `0.03`")?;
            self.expect_words(&["per", "share", "exercisable", "for"])?;
            let (years, years_value) = self.small_whole("a number of years")?;
            self.expect_words(&["years", "from", "issue", "issue", "within"])?;
            let (period, anchor) = self.anchored_period("issue within")?;
            Ok(WarrantRule {
                name: name.clone(),
                title,
                issuer,
                holder,
                shares,
                shares_value,
                price,
                price_value,
                years,
                years_value,
                period,
                anchor,
            })
        })();
        self.unless_broken(&name.text, body)
            .map(|w| RuleKind::Warrant(Box::new(w)))
    }

    fn note_rule(&mut self) -> PResult<RuleKind> {
        self.bump();
        let name = self.name("the note's name")?;
        let body = (|| {
            let title = self.opt_string();
            self.expect_words(&["issued", "by"])?;
            let issuer = self.name("the issuing party")?;
            self.expect_word("to")?;
            let holder = self.name("the holder")?;
            self.expect_word("principal")?;
            let principal = self.number("the principal amount")?;
            self.expect_words(&["purchase", "price"])?;
            let purchase_price = self.number("the purchase price")?;
            let secured_by = match self.eat_word("secured") {
                Some(_) => {
                    self.expect_word("by")?;
                    Some(self.string("the security in quotes")?)
                }
                None => None,
            };
            let interest = match self.eat_word("interest") {
                Some(_) => {
                    let (raw, rate) = self.decimal("an interest rate like `8.5`")?;
                    self.expect_word("percent")?;
                    let day_count = self.string("a day count in quotes, like \"30/360\"")?;
                    Some((raw, rate, day_count))
                }
                None => None,
            };
            Ok(NoteRule {
                name: name.clone(),
                title,
                issuer,
                holder,
                principal,
                purchase_price,
                secured_by,
                interest,
            })
        })();
        self.unless_broken(&name.text, body)
            .map(|n| RuleKind::Note(Box::new(n)))
    }

    fn notice_rule(&mut self) -> PResult<RuleKind> {
        self.bump();
        self.expect_word("by")?;
        let mut words = Vec::new();
        while let Some(t) = self.peek().filter(|t| t.kind == TokenKind::Word) {
            if self.text(t) == "is" {
                break;
            }
            words.push(Name {
                text: self.text(t).to_string(),
                span: t.span.clone(),
            });
            self.bump();
        }
        if words.is_empty() {
            return Err(self.expected("a delivery method, like `certified mail`"));
        }
        self.expect_words(&["is", "given"])?;
        let given = if self.eat_word("when").is_some() {
            if self.eat_word("delivered").is_some() {
                NoticeGiven::WhenDelivered
            } else if self.eat_word("transmitted").is_some() {
                NoticeGiven::WhenTransmitted
            } else {
                return Err(self.expected("`delivered` or `transmitted`"));
            }
        } else if self.eat_word("on").is_some() {
            self.expect_word("receipt")?;
            NoticeGiven::OnReceipt
        } else {
            return Err(self.expected("`when delivered`, `when transmitted` or `on receipt`"));
        };
        Ok(RuleKind::Notice { words, given })
    }

    fn waiver_rule(&mut self) -> PResult<RuleKind> {
        self.bump();
        let name = self.name("the waiver's name")?;
        let body = (|| {
            self.expect_word("until")?;
            let until = self.condition()?;
            self.expect_words(&["but", "no", "longer", "than"])?;
            let (period, anchor) = self.anchored_period("but no longer than")?;
            Ok((until, period, anchor))
        })();
        self.unless_broken(&name.text, body)
            .map(|(until, period, anchor)| RuleKind::Waiver {
                name,
                until,
                period,
                anchor,
            })
    }

    fn party_rule(&mut self) -> PResult<RuleKind> {
        let who = self.party_set("a rule")?;
        if self.eat_word("may").is_some() {
            if self.eat_word("deposit").is_some() {
                if self.eat_word("into").is_some() {
                    let account = self.name("an account")?;
                    return Ok(RuleKind::MayDeposit { who, account });
                }
                let by = self.single(&who, "the party depositing with a court")?;
                let account = self.name("`into ACCOUNT` or an account to deposit with a court")?;
                self.expect_words(&["with", "court"])?;
                let court = self.string("the court in quotes")?;
                return Ok(RuleKind::CourtDeposit { by, account, court });
            }
            if self.eat_word("not").is_some() {
                self.expect_words(&["exercise", "warrants", "before"])?;
                let before = self.condition()?;
                return Ok(RuleKind::MayNotExercise { who, before });
            }
            if self.eat_word("resign").is_some() {
                let agent = self.single(&who, "the party who may resign")?;
                self.expect_words(&["by", "notice", "to"])?;
                let notify = self.party_set("the parties given notice")?;
                self.expect_words(&["successor", "appointed", "by"])?;
                let appointed_by = self.party_set("the parties who appoint the successor")?;
                let mut accounts = Vec::new();
                while self.word_at(1) == Some("passes") {
                    accounts.push(self.name("an account")?);
                    self.bump();
                    self.expect_words(&["to", "the", "successor"])?;
                }
                return Ok(RuleKind::Resignation {
                    agent,
                    notify,
                    appointed_by,
                    accounts,
                });
            }
            return Err(self.expected("`deposit`, `not` or `resign` after `may`"));
        }
        if self.eat_word("obeys").is_some() {
            let who = self.single(&who, "the party who obeys court orders")?;
            self.expect_words(&["court", "orders"])?;
            return Ok(RuleKind::CourtOrders { who });
        }
        let text = &self.src[who.span()];
        Err(self.expected(&format!("`may` or `obeys` after `{text}`")))
    }

    /// The one single party a rule like `agent may resign` is about.
    fn single(&mut self, who: &PartySet, what: &str) -> PResult<Name> {
        match who.members.as_slice() {
            [PartyRef::One(n)] => Ok(n.clone()),
            _ => {
                let text = self.src[who.span()].to_string();
                let d = Diagnostic::error(
                    codes::NOT_SINGLE,
                    who.span(),
                    format!("{what} must be one party, not `{text}`"),
                    "not a single party",
                )
                .with_help("name one declared party here");
                Err(self.error(d))
            }
        }
    }

    // ---- actions ---------------------------------------------------------------------------

    fn actions(&mut self) -> Vec<Action> {
        let mut actions = Vec::new();
        while self.at_any(ACTION_KEYWORDS) {
            let start = self.pos;
            match self.action() {
                Ok(a) => actions.push(a),
                Err(Fail) => self.recover(start, Level::Action),
            }
        }
        if actions.is_empty()
            && self
                .diags
                .last()
                .is_none_or(|d| d.code != codes::MISSING_COLON)
        {
            let found = self.found();
            self.diags.push(
                Diagnostic::error(
                    codes::EXPECTED,
                    self.here(),
                    format!("expected an action, found {found}"),
                    "expected an action",
                )
                .with_help(format!("an action is one of {}", list(ACTION_KEYWORDS))),
            );
        }
        actions
    }

    fn action(&mut self) -> PResult<Action> {
        let start = self.here().start;
        let w = self.word_at(0).unwrap_or_default();
        self.bump();
        let kind = match w {
            "pay" => {
                self.expect_word("from")?;
                let from = self.name("the account paid from")?;
                let mut legs = Vec::new();
                while matches!(self.peek().map(|t| &t.kind), Some(TokenKind::Number))
                    || self.at_word("the")
                {
                    legs.push(self.leg()?);
                }
                if legs.is_empty() {
                    return Err(self.expected(
                        "a payment like `15,000.00 to kramer` or `the rest to company`",
                    ));
                }
                ActionKind::Pay { from, legs }
            }
            "refund" => {
                let account = self.name("the account refunded")?;
                self.expect_word("to")?;
                let Some(each) = self.eat_word("each") else {
                    let d = Diagnostic::error(codes::EXPECTED, self.here(), format!("expected `each`, found {}", self.found()), "expected `each`")
                        .with_help(format!("a refund returns each depositor's deposits: write `refund {} to each purchaser`", account.text));
                    return Err(self.error(d));
                };
                let role = self.name("the depositors' role")?;
                ActionKind::Refund {
                    account,
                    each,
                    role,
                }
            }
            "notify" => {
                let to = self.party_set("the parties notified")?;
                let subject = self.string("what the notice says, in quotes")?;
                ActionKind::Notify { to, subject }
            }
            "hold" => {
                let account = self.name("the account held")?;
                self.expect_word("until")?;
                let mut releases = vec![self.release()?];
                while self.eat_word("or").is_some() {
                    releases.push(self.release()?);
                }
                ActionKind::Hold { account, releases }
            }
            "terminate" => ActionKind::Terminate {
                reason: self.string("the reason in quotes")?,
            },
            "accrue" => {
                let amount = self.number("an amount like `2,000.00`")?;
                self.expect_word("every")?;
                let every = self.period()?;
                self.expect_words(&["owed", "by"])?;
                let owed_by = self.name("the party who owes it")?;
                self.expect_word("to")?;
                let to = self.party_ref("the party owed")?;
                self.expect_word("until")?;
                let until = self.condition()?;
                let cap = match self.eat_word("cap") {
                    Some(_) => Some(self.number("a cap amount")?),
                    None => None,
                };
                ActionKind::Accrue {
                    amount,
                    every,
                    owed_by,
                    to,
                    until,
                    cap,
                }
            }
            "issue" => ActionKind::Issue {
                name: self.name("a note or warrant to issue")?,
            },
            _ => ActionKind::Arbitrate {
                forum: self.string("the arbitration forum in quotes")?,
            },
        };
        let end = self.prev_span().end.max(start);
        Ok(Action {
            span: start..end,
            kind,
        })
    }

    fn leg(&mut self) -> PResult<Leg> {
        let start = self.here().start;
        let amount = if let Some(s) = self.eat_word("the") {
            let rest = self.expect_word("rest")?;
            LegAmount::Rest(s.start..rest.end)
        } else {
            LegAmount::Fixed(self.number("an amount")?)
        };
        self.expect_word("to")?;
        let to = self.party_ref("the party paid")?;
        Ok(Leg {
            span: start..self.prev_span().end,
            amount,
            to,
        })
    }

    fn release(&mut self) -> PResult<Release> {
        if self.eat_word("signed").is_some() {
            let name = self.name("the instrument that releases the hold")?;
            return Ok(Release::Signed { name });
        }
        if self.at_word("court") && self.word_at(1) == Some("order") {
            let a = self.bump();
            let b = self.bump();
            return Ok(Release::CourtOrder(a.start..b.end));
        }
        Err(self.expected("`signed INSTRUMENT` or `court order`"))
    }

    // ---- parties, conditions and periods ---------------------------------------------------

    fn party_set(&mut self, what: &str) -> PResult<PartySet> {
        let mut members = vec![self.party_ref(what)?];
        let mut mode: Option<(SetMode, Span)> = None;
        let mut mixed = false;
        while let Some(op) = self.word_at(0).filter(|w| matches!(*w, "and" | "or")) {
            let this = if op == "and" {
                SetMode::AllOf
            } else {
                SetMode::AnyOf
            };
            let span = self.bump();
            match &mode {
                None => mode = Some((this, span)),
                Some((m, _)) if *m != this && !mixed => {
                    mixed = true;
                    self.diags.push(
                        Diagnostic::error(codes::MIXED_AND_OR, span, "a list of parties cannot mix `and` and `or`", "mixed with an earlier connective")
                            .with_help("use `and` throughout (all of them must act) or `or` throughout (any one of them may)"),
                    );
                }
                Some(_) => {}
            }
            members.push(self.party_ref(what)?);
        }
        Ok(PartySet {
            mode: mode.map_or(SetMode::AllOf, |(m, _)| m),
            members,
        })
    }

    fn party_ref(&mut self, what: &str) -> PResult<PartyRef> {
        if let Some(keyword) = self.eat_word("each") {
            let role = self.name("a `many` role or a group after `each`")?;
            return Ok(PartyRef::Each { keyword, role });
        }
        if let Some(any) = self.eat_word("any") {
            let party = self.expect_word("party")?;
            return Ok(PartyRef::Any(any.start..party.end));
        }
        Ok(PartyRef::One(self.name(what)?))
    }

    fn condition(&mut self) -> PResult<Cond> {
        let mut items = vec![self.atom()?];
        let mut ops: Vec<(&'a str, Span)> = Vec::new();
        while let Some(op) = self.word_at(0).filter(|w| matches!(*w, "and" | "or")) {
            let span = self.bump();
            ops.push((op, span));
            items.push(self.atom()?);
        }
        let Some((first, _)) = ops.first() else {
            return Ok(items.remove(0));
        };
        if let Some((op, span)) = ops.iter().find(|(o, _)| o != first) {
            let suggestion = self.parenthesize(&items, &ops);
            self.diags.push(
                Diagnostic::error(
                    codes::MIXED_AND_OR,
                    span.clone(),
                    format!("`and` and `or` mixed without parentheses at `{op}`"),
                    "ambiguous without parentheses",
                )
                .with_help(format!(
                    "add parentheses to say which comes first, e.g. `{suggestion}`"
                )),
            );
        }
        Ok(if *first == "and" {
            Cond::All(items)
        } else {
            Cond::Any(items)
        })
    }

    /// The fix-it for a mixed condition: each run joined by `and` in parentheses, the runs joined
    /// by `or` (the usual reading of such a sentence).
    fn parenthesize(&self, items: &[Cond], ops: &[(&str, Span)]) -> String {
        let mut groups: Vec<Vec<&str>> = vec![vec![&self.src[items[0].span()]]];
        for ((op, _), item) in ops.iter().zip(&items[1..]) {
            let text = &self.src[item.span()];
            match (*op, groups.last_mut()) {
                ("and", Some(g)) => g.push(text),
                _ => groups.push(vec![text]),
            }
        }
        groups
            .iter()
            .map(|g| {
                if g.len() > 1 {
                    format!("({})", g.join(" and "))
                } else {
                    g.join("")
                }
            })
            .collect::<Vec<_>>()
            .join(" or ")
    }

    fn atom(&mut self) -> PResult<Cond> {
        if matches!(self.peek().map(|t| &t.kind), Some(TokenKind::LParen)) {
            let open = self.bump();
            let inner = self.condition()?;
            if !matches!(self.peek().map(|t| &t.kind), Some(TokenKind::RParen)) {
                return Err(self.expected("`)` to close the parenthesis"));
            }
            let close = self.bump();
            return Ok(Cond::Paren {
                span: open.start..close.end,
                inner: Box::new(inner),
            });
        }
        let kind = match self.word_at(0) {
            Some("received") => AtomKind::Received,
            Some("signed") => AtomKind::Signed,
            Some("paid") => AtomKind::Paid,
            Some("occurred") => AtomKind::Occurred,
            _ => {
                let found = self.found();
                let mut d = Diagnostic::error(codes::EXPECTED, self.here(), format!("expected a condition, found {found}"), "expected a condition")
                    .with_help("a condition is `received DOCUMENT`, `signed INSTRUMENT`, `paid OBLIGATION` or `occurred EVENT`");
                if matches!(self.peek().map(|t| &t.kind), Some(TokenKind::Number)) {
                    d = d.with_help("a period is not a condition; to bound a waiver in time write `… but no longer than 10 business days of dated`");
                }
                return Err(self.error(d));
            }
        };
        let keyword = self.bump();
        let what = match kind {
            AtomKind::Received => "a document",
            AtomKind::Signed => "an instrument",
            AtomKind::Paid => "an obligation",
            AtomKind::Occurred => "an event",
        };
        let name = self.name(&format!("{what} after `{}`", kind.word()))?;
        Ok(Cond::Atom {
            kind,
            keyword,
            name,
        })
    }

    fn period(&mut self) -> PResult<Period> {
        let (count, value) = self.small_whole("a number of days")?;
        let unit_start = self.here().start;
        // `days` alone counts calendar days, as `calendar days` does.
        let unit = if self.eat_word("business").is_some() {
            PeriodUnit::BusinessDays
        } else {
            self.eat_word("calendar");
            PeriodUnit::CalendarDays
        };
        if self.eat_word("days").is_none() && self.eat_word("day").is_none() {
            return Err(self.expected("`days`, `business days` or `calendar days`"));
        }
        let end = self.prev_span().end;
        let unit_words = self.src[unit_start..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Period {
            span: count.span.start..end,
            count,
            value,
            unit,
            unit_words,
        })
    }

    /// `PERIOD of ANCHOR`. A missing `of ANCHOR` is reported but not fatal: the rest of the rule
    /// is still read, so its other mistakes are found too.
    fn anchored_period(&mut self, lead: &str) -> PResult<(Period, Anchor)> {
        let period = self.period()?;
        if self.eat_word("of").is_none() {
            let text = format!("{} {}", period.count.text, period.unit_words);
            self.diags.push(
                Diagnostic::error(
                    codes::PERIOD_WITHOUT_ANCHOR,
                    period.span.clone(),
                    "period needs an anchor",
                    "counted from when?",
                )
                .with_help(format!(
                    "write `{lead} {text} of dated` or `{lead} {text} of received DOCUMENT`"
                )),
            );
            return Ok((period, Anchor::Dated));
        }
        let anchor = match self.eat_word("dated") {
            Some(_) => Anchor::Dated,
            None => Anchor::When(self.condition()?),
        };
        Ok((period, anchor))
    }
}

/// `YYYY-MM-DD` with a real month and day.
fn check_date(text: &str) -> Result<jiff::civil::Date, (String, String)> {
    let help = "write dates as `YYYY-MM-DD`, like `2005-08-19`".to_string();
    let parts: Vec<&str> = text.split('-').collect();
    let shaped = parts.len() == 3
        && parts[0].len() == 4
        && parts[1].len() == 2
        && parts[2].len() == 2
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()));
    if !shaped {
        return Err((format!("`{text}` is not a date"), help));
    }
    let (Ok(y), Ok(m), Ok(d)) = (
        parts[0].parse::<i16>(),
        parts[1].parse::<i8>(),
        parts[2].parse::<i8>(),
    ) else {
        return Err((format!("`{text}` is not a date"), help));
    };
    if !(1..=12).contains(&m) {
        return Err((
            format!("`{text}` is not a date: there is no month {m}"),
            help,
        ));
    }
    match jiff::civil::Date::new(y, m, d) {
        Ok(date) => Ok(date),
        Err(_) => {
            let days = jiff::civil::Date::new(y, m, 1)
                .map(|f| f.days_in_month())
                .unwrap_or(31);
            let month = MONTHS[(m - 1) as usize];
            Err((
                format!("`{text}` is not a date: {month} {y} has {days} days"),
                help,
            ))
        }
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The name a header field goes by in messages, from its first keyword.
fn header_label(keyword: &str) -> &'static str {
    match keyword {
        "dated" => "dated",
        "governed" => "governed by",
        "currency" => "currency",
        "business" => "business days",
        _ => "cutoff",
    }
}

fn grouping_ok(text: &str) -> bool {
    let groups: Vec<&str> = text.split(',').collect();
    groups.iter().enumerate().all(|(i, g)| {
        if i == 0 {
            (1..=3).contains(&g.len())
        } else {
            g.len() == 3
        }
    })
}

fn clause_number_ok(text: &str) -> bool {
    !text.is_empty()
        && text
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn list(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}
