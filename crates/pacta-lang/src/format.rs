//! The formatter: the canonical layout of a `.pact` file, with every comment kept.
//!
//! Layout is computed from the syntax tree, so spacing and line breaks in the input do not
//! matter; the words, numbers and strings are printed exactly as the author wrote them (an amount
//! written `520,000` stays `520,000`). The layout:
//!
//! - the header fields, parties, pay legs and the parts of a note or warrant go one per line,
//!   indented by two spaces per level; rules sit at two spaces inside their clause, and actions two
//!   more inside their rule;
//! - party legal names line up in a column, and so do the titles of a run of declarations of the
//!   same kind (a run ends at a blank line or a comment);
//! - a blank line before `parties`, before the first declaration and before every clause; other
//!   blank lines between parties, declarations and rules are kept (at most one), all others go.
//!
//! Comments are placed by position. A comment after code on the same line stays at the end of
//! the line holding the token before it. A comment on its own line goes before the first line of
//! code that follows it, at its own indentation rounded down to a multiple of two and at most one
//! level deeper than the code above it; when a forced blank line falls between a comment and the
//! code it sits directly above, the blank line goes above the comment instead, so comments stay
//! with what they describe. Every rule is a fixed point, which is what makes
//! `format(format(x)) == format(x)`.

use crate::diagnostic::Diagnostic;
use crate::parser::parse;
use crate::syntax::*;

pub fn format(source: &str) -> Result<String, Vec<Diagnostic>> {
    let (file, diags) = parse(source);
    let errors: Vec<Diagnostic> = diags.into_iter().filter(Diagnostic::is_error).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut p = Printer {
        src: source,
        file: &file,
        lines: Vec::new(),
    };
    p.file();
    Ok(weave(source, &file, p.lines))
}

/// One line of code in the output.
struct Line {
    indent: usize,
    text: String,
    /// Offset of the first source token printed on the line (used to place comments).
    start: usize,
    /// True for parties, declarations, clauses and rules: a blank line before them is kept.
    item: bool,
    /// True where the layout always wants a blank line before (parties, first declaration, clauses).
    force_blank: bool,
}

struct Printer<'a> {
    src: &'a str,
    file: &'a File,
    lines: Vec<Line>,
}

impl Printer<'_> {
    fn push(&mut self, indent: usize, start: usize, text: String) {
        self.lines.push(Line {
            indent,
            text,
            start,
            item: false,
            force_blank: false,
        });
    }

    fn push_item(&mut self, indent: usize, start: usize, text: String, force_blank: bool) {
        self.lines.push(Line {
            indent,
            text,
            start,
            item: true,
            force_blank,
        });
    }

    /// Start of the `k`-th token after the token that ends at `end`; the tree does not keep
    /// spans for fixed keywords, and a continuation line (`issued by …`) starts with one.
    fn tok_after(&self, end: usize, k: usize) -> usize {
        let toks = &self.file.tokens;
        let i = toks.partition_point(|t| t.span.end <= end);
        toks.get(i + k - 1).map_or(end, |t| t.span.start)
    }

    fn file(&mut self) {
        let f = self.file;
        if let Some(h) = &f.header {
            self.push_item(
                0,
                h.keyword.start,
                format!("agreement {}", quote(&h.title.value)),
                false,
            );
            for field in &h.fields {
                let text = match field {
                    HeaderField::Dated { date, .. } => format!("dated {}", date.text),
                    HeaderField::GovernedBy { law, .. } => {
                        format!("governed by {}", quote(&law.value))
                    }
                    HeaderField::Currency { code, .. } => format!("currency {}", code.text),
                    HeaderField::BusinessDays {
                        calendar,
                        time_zone,
                        ..
                    } => {
                        format!(
                            "business days {} in {}",
                            quote(&calendar.value),
                            quote(&time_zone.value)
                        )
                    }
                    HeaderField::Cutoff { time, .. } => format!("cutoff {}", time.text),
                };
                self.push(2, field.keyword().start, text);
            }
        }
        if let Some(parties) = &f.parties {
            self.parties(parties);
        }
        let mut prev: Option<&Item> = None;
        for item in &f.items {
            match item {
                Item::Decl(d) => {
                    let force = !matches!(prev, Some(Item::Decl(_)));
                    let width = self.run_width(item);
                    self.decl(d, width, force);
                }
                Item::Clause(c) => self.clause(c),
            }
            prev = Some(item);
        }
    }

    fn parties(&mut self, parties: &Parties) {
        self.push_item(0, parties.keyword.start, "parties".into(), true);
        let width = parties
            .list
            .iter()
            .filter(|p| matches!(p.kind, PartyDeclKind::Single { .. }))
            .map(|p| p.name.text.len())
            .max()
            .unwrap_or(0);
        for p in &parties.list {
            let text = match &p.kind {
                PartyDeclKind::Single {
                    legal_name,
                    escrow_agent,
                } => {
                    let agent = if *escrow_agent {
                        " is escrow agent"
                    } else {
                        ""
                    };
                    format!(
                        "{:<width$} {}{agent}",
                        p.name.text,
                        quote(&legal_name.value)
                    )
                }
                PartyDeclKind::Many { description } => match description {
                    Some(d) => format!("{} many {}", p.name.text, quote(&d.value)),
                    None => format!("{} many", p.name.text),
                },
                PartyDeclKind::Group { members } => {
                    let names: Vec<&str> = members.iter().map(|m| m.text.as_str()).collect();
                    format!("{} group {}", p.name.text, names.join(", "))
                }
            };
            self.push_item(2, p.name.span.start, text, false);
        }
    }

    /// The name column width for a declaration: the longest titled name in its run of
    /// same-kind declarations with no blank line or comment between them.
    fn run_width(&self, item: &Item) -> usize {
        let items = &self.file.items;
        let Some(i) = items.iter().position(|x| std::ptr::eq(x, item)) else {
            return 0;
        };
        let joined = |a: &Item, b: &Item| -> bool {
            match (a, b) {
                (Item::Decl(x), Item::Decl(y)) if x.kind.keyword() == y.kind.keyword() => {
                    !blank_before(self.src, y.keyword.start)
                        && !self.file.comments.iter().any(|c| {
                            c.span.start > x.keyword.start && c.span.start < y.keyword.start
                        })
                }
                _ => false,
            }
        };
        let mut lo = i;
        while lo > 0 && joined(&items[lo - 1], &items[lo]) {
            lo -= 1;
        }
        let mut hi = i;
        while hi + 1 < items.len() && joined(&items[hi], &items[hi + 1]) {
            hi += 1;
        }
        items[lo..=hi]
            .iter()
            .filter_map(|x| match x {
                Item::Decl(d) if d.title.is_some() => Some(d.name.text.len()),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }

    fn decl(&mut self, d: &Decl, width: usize, force: bool) {
        let kw = d.kind.keyword();
        let head = match &d.title {
            Some(t) => format!("{kw} {:<width$} {}", d.name.text, quote(&t.value)),
            None => format!("{kw} {}", d.name.text),
        };
        let tail = match &d.kind {
            DeclKind::Account { held_by, limit } => {
                let limit = limit
                    .as_ref()
                    .map(|l| format!(" limit {}", l.text))
                    .unwrap_or_default();
                format!("held by {}{limit}", held_by.text)
            }
            DeclKind::Document { delivered_by } => {
                format!("delivered by {}", party_set(delivered_by))
            }
            DeclKind::Instrument { signed_by } => format!("signed by {}", party_set(signed_by)),
            DeclKind::Event { reported_by } => format!("reported by {}", reported_by.text),
        };
        self.push_item(0, d.keyword.start, format!("{head} {tail}"), force);
    }

    fn clause(&mut self, c: &Clause) {
        self.push_item(
            0,
            c.keyword.start,
            format!("clause {} {}", c.number.text, quote(&c.title.value)),
            true,
        );
        for r in &c.rules {
            self.rule(r);
        }
    }

    fn rule(&mut self, r: &Rule) {
        let s = r.span.start;
        match &r.kind {
            RuleKind::MayDeposit { who, account } => self.push_item(
                2,
                s,
                format!("{} may deposit into {}", party_set(who), account.text),
                false,
            ),
            RuleKind::MayNotExercise { who, before } => self.push_item(
                2,
                s,
                format!(
                    "{} may not exercise warrants before {}",
                    party_set(who),
                    cond(before)
                ),
                false,
            ),
            RuleKind::When { cond: c, actions } => {
                self.push_item(2, s, format!("when {}:", cond(c)), false);
                self.actions(actions);
            }
            RuleKind::Unless {
                cond: c,
                period: p,
                anchor: a,
                actions,
            } => {
                self.push_item(
                    2,
                    s,
                    format!("unless {} within {} of {}:", cond(c), period(p), anchor(a)),
                    false,
                );
                self.actions(actions);
            }
            RuleKind::OnDispute { by, actions } => {
                self.push_item(2, s, format!("on dispute by {}:", party_set(by)), false);
                self.actions(actions);
            }
            RuleKind::Amendments { signed_by } => self.push_item(
                2,
                s,
                format!("amendments signed by {}", party_set(signed_by)),
                false,
            ),
            RuleKind::Assignment { signed_by } => self.push_item(
                2,
                s,
                format!("assignment signed by {}", party_set(signed_by)),
                false,
            ),
            RuleKind::CourtOrders { who } => {
                self.push_item(2, s, format!("{} obeys court orders", who.text), false)
            }
            RuleKind::Resignation {
                agent,
                notify,
                appointed_by,
                accounts,
            } => {
                self.push_item(
                    2,
                    s,
                    format!(
                        "{} may resign by notice to {}",
                        agent.text,
                        party_set(notify)
                    ),
                    false,
                );
                let next = self.tok_after(notify.span().end, 1);
                self.push(
                    2,
                    next,
                    format!("successor appointed by {}", party_set(appointed_by)),
                );
                for a in accounts {
                    self.push(
                        2,
                        a.span.start,
                        format!("{} passes to the successor", a.text),
                    );
                }
            }
            RuleKind::CourtDeposit { by, account, court } => self.push_item(
                2,
                s,
                format!(
                    "{} may deposit {} with court {}",
                    by.text,
                    account.text,
                    quote(&court.value)
                ),
                false,
            ),
            RuleKind::Obligation {
                name,
                payer,
                amount,
                payee,
                period: p,
                anchor: a,
            } => self.push_item(
                2,
                s,
                format!(
                    "obligation {}: {} pays {} to {} within {} of {}",
                    name.text,
                    payer.text,
                    amount.text,
                    party_ref(payee),
                    period(p),
                    anchor(a)
                ),
                false,
            ),
            RuleKind::Warrant(w) => {
                self.push_item(2, s, titled("warrant", &w.name, w.title.as_ref()), false);
                let head_end = w.title.as_ref().map_or(w.name.span.end, |t| t.span.end);
                let issued = self.tok_after(head_end, 1);
                self.push(
                    4,
                    issued,
                    format!("issued by {} to {}", w.issuer.text, party_ref(&w.holder)),
                );
                self.push(
                    4,
                    w.shares.span.start,
                    format!("{} shares at {} per share", w.shares.text, w.price.text),
                );
                let exercisable = self.tok_after(w.price.span.end, 3);
                self.push(
                    4,
                    exercisable,
                    format!("exercisable for {} years from issue", w.years.text),
                );
                let issue = self.tok_after(w.years.span.end, 4);
                self.push(
                    4,
                    issue,
                    format!(
                        "issue within {} of {}",
                        period(&w.period),
                        anchor(&w.anchor)
                    ),
                );
            }
            RuleKind::Note(n) => {
                self.push_item(2, s, titled("note", &n.name, n.title.as_ref()), false);
                let head_end = n.title.as_ref().map_or(n.name.span.end, |t| t.span.end);
                let issued = self.tok_after(head_end, 1);
                self.push(
                    4,
                    issued,
                    format!("issued by {} to {}", n.issuer.text, n.holder.text),
                );
                let principal = self.tok_after(n.holder.span.end, 1);
                self.push(4, principal, format!("principal {}", n.principal.text));
                let price = self.tok_after(n.principal.span.end, 1);
                self.push(
                    4,
                    price,
                    format!("purchase price {}", n.purchase_price.text),
                );
                let mut end = n.purchase_price.span.end;
                if let Some(sec) = &n.secured_by {
                    let at = self.tok_after(end, 1);
                    self.push(4, at, format!("secured by {}", quote(&sec.value)));
                    end = sec.span.end;
                }
                if let Some((rate, _, day_count)) = &n.interest {
                    let at = self.tok_after(end, 1);
                    self.push(
                        4,
                        at,
                        format!("interest {} percent {}", rate.text, quote(&day_count.value)),
                    );
                }
            }
            RuleKind::Notice { words, given } => {
                let method: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
                let given = match given {
                    pacta_core::agreement::NoticeGiven::WhenDelivered => "when delivered",
                    pacta_core::agreement::NoticeGiven::WhenTransmitted => "when transmitted",
                    pacta_core::agreement::NoticeGiven::OnReceipt => "on receipt",
                };
                self.push_item(
                    2,
                    s,
                    format!("notice by {} is given {given}", method.join(" ")),
                    false,
                );
            }
            RuleKind::Waiver {
                name,
                until,
                period: p,
                anchor: a,
            } => self.push_item(
                2,
                s,
                format!(
                    "waiver {} until {} but no longer than {} of {}",
                    name.text,
                    cond(until),
                    period(p),
                    anchor(a)
                ),
                false,
            ),
        }
    }

    fn actions(&mut self, actions: &[Action]) {
        for a in actions {
            let s = a.span.start;
            let text = match &a.kind {
                ActionKind::Pay { from, legs } => {
                    self.push(4, s, format!("pay from {}", from.text));
                    for leg in legs {
                        let amount = match &leg.amount {
                            LegAmount::Fixed(raw) => raw.text.clone(),
                            LegAmount::Rest(_) => "the rest".to_string(),
                        };
                        self.push(
                            6,
                            leg.span.start,
                            format!("{amount} to {}", party_ref(&leg.to)),
                        );
                    }
                    continue;
                }
                ActionKind::Refund { account, role, .. } => {
                    format!("refund {} to each {}", account.text, role.text)
                }
                ActionKind::Notify { to, subject } => {
                    format!("notify {} {}", party_set(to), quote(&subject.value))
                }
                ActionKind::Hold { account, releases } => {
                    let rel: Vec<String> = releases
                        .iter()
                        .map(|r| match r {
                            Release::Signed { name, .. } => format!("signed {}", name.text),
                            Release::CourtOrder(_) => "court order".to_string(),
                        })
                        .collect();
                    format!("hold {} until {}", account.text, rel.join(" or "))
                }
                ActionKind::Terminate { reason } => format!("terminate {}", quote(&reason.value)),
                ActionKind::Accrue {
                    amount,
                    every,
                    owed_by,
                    to,
                    until,
                    cap,
                } => {
                    let cap = cap
                        .as_ref()
                        .map(|c| format!(" cap {}", c.text))
                        .unwrap_or_default();
                    format!(
                        "accrue {} every {} owed by {} to {} until {}{cap}",
                        amount.text,
                        period(every),
                        owed_by.text,
                        party_ref(to),
                        cond(until)
                    )
                }
                ActionKind::Issue { name } => format!("issue {}", name.text),
                ActionKind::Arbitrate { forum } => format!("arbitrate {}", quote(&forum.value)),
            };
            self.push(4, s, text);
        }
    }
}

fn titled(kw: &str, name: &Name, title: Option<&Text>) -> String {
    match title {
        Some(t) => format!("{kw} {} {}", name.text, quote(&t.value)),
        None => format!("{kw} {}", name.text),
    }
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn party_ref(r: &PartyRef) -> String {
    match r {
        PartyRef::One(n) => n.text.clone(),
        PartyRef::Each { role, .. } => format!("each {}", role.text),
        PartyRef::Any(_) => "any party".to_string(),
    }
}

fn party_set(s: &PartySet) -> String {
    let sep = match s.mode {
        pacta_core::agreement::SetMode::AllOf => " and ",
        pacta_core::agreement::SetMode::AnyOf => " or ",
    };
    s.members
        .iter()
        .map(party_ref)
        .collect::<Vec<_>>()
        .join(sep)
}

fn cond(c: &Cond) -> String {
    match c {
        Cond::Atom { kind, name, .. } => format!("{} {}", kind.word(), name.text),
        Cond::Paren { inner, .. } => format!("({})", cond(inner)),
        Cond::All(v) => v.iter().map(cond).collect::<Vec<_>>().join(" and "),
        Cond::Any(v) => v.iter().map(cond).collect::<Vec<_>>().join(" or "),
    }
}

fn period(p: &Period) -> String {
    format!("{} {}", p.count.text, p.unit_words)
}

fn anchor(a: &Anchor) -> String {
    match a {
        Anchor::Dated => "dated".to_string(),
        Anchor::When(c) => cond(c),
    }
}

/// True if at least one empty line separates `pos` from whatever precedes it.
fn blank_before(src: &str, pos: usize) -> bool {
    let mut newlines = 0;
    for c in src[..pos.min(src.len())].chars().rev() {
        if c == '\n' {
            newlines += 1;
        } else if !c.is_whitespace() {
            break;
        }
    }
    newlines >= 2
}

/// The column of `pos` on its line, in characters.
fn column(src: &str, pos: usize) -> usize {
    let line_start = src[..pos].rfind('\n').map_or(0, |i| i + 1);
    src[line_start..pos].chars().count()
}

struct Out {
    indent: usize,
    text: String,
    blank: bool,
}

/// Merges the code lines with the comments, and decides the blank lines.
fn weave(src: &str, file: &File, lines: Vec<Line>) -> String {
    let comments = &file.comments;
    // A comment is trailing if code precedes it on its line; it then belongs to the output line
    // that holds the token before it.
    let mut trailing: Vec<Option<usize>> = vec![None; comments.len()];
    for (ci, c) in comments.iter().enumerate() {
        let line_start = src[..c.span.start].rfind('\n').map_or(0, |i| i + 1);
        if src[line_start..c.span.start].trim().is_empty() {
            continue;
        }
        let tok = file.tokens.partition_point(|t| t.span.start < c.span.start);
        let Some(prev) = tok.checked_sub(1).and_then(|i| file.tokens.get(i)) else {
            continue;
        };
        let li = lines.partition_point(|l| l.start <= prev.span.start);
        trailing[ci] = li.checked_sub(1);
    }

    let mut out: Vec<Out> = Vec::new();
    let mut ci = 0;
    let mut depth = 0;
    for (li, line) in lines.iter().enumerate() {
        let first_pending = out.len();
        while ci < comments.len() && comments[ci].span.start < line.start {
            if trailing[ci].is_none() {
                let c = &comments[ci];
                let indent = (column(src, c.span.start) / 2 * 2).min(depth + 2);
                out.push(Out {
                    indent,
                    text: c.text.clone(),
                    blank: blank_before(src, c.span.start),
                });
            }
            ci += 1;
        }
        let mut blank = line.item && blank_before(src, line.start);
        if line.force_blank && !blank {
            if out.len() > first_pending {
                // The comments directly above this line belong to it: the blank goes above them.
                let mut k = out.len() - 1;
                while k > first_pending && !out[k].blank {
                    k -= 1;
                }
                out[k].blank = true;
            } else {
                blank = true;
            }
        }
        // One comment fits at the end of a line; any more (possible only when the input spread
        // this line over several) follow it on lines of their own.
        let mut text = line.text.clone();
        let mut extra = Vec::new();
        for (c, _) in comments
            .iter()
            .zip(&trailing)
            .filter(|(_, t)| **t == Some(li))
        {
            if text.len() == line.text.len() {
                text = format!("{text}  {}", c.text);
            } else {
                extra.push(c.text.clone());
            }
        }
        out.push(Out {
            indent: line.indent,
            text,
            blank,
        });
        for e in extra {
            out.push(Out {
                indent: line.indent,
                text: e,
                blank: false,
            });
        }
        depth = line.indent;
    }
    while ci < comments.len() {
        if trailing[ci].is_none() {
            let c = &comments[ci];
            let indent = (column(src, c.span.start) / 2 * 2).min(depth + 2);
            out.push(Out {
                indent,
                text: c.text.clone(),
                blank: blank_before(src, c.span.start),
            });
        }
        ci += 1;
    }

    let mut s = String::new();
    for (i, o) in out.iter().enumerate() {
        if o.blank && i > 0 {
            s.push('\n');
        }
        for _ in 0..o.indent {
            s.push(' ');
        }
        s.push_str(&o.text);
        s.push('\n');
    }
    s
}
