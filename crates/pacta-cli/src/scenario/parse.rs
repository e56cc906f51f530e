//! Reading scenario text. Errors name the line and what was expected.

use super::{Action, DirectionSpec, Expectation, Outcome, Scenario, Step, TermsSpec, When};

/// A word or a quoted string, remembering which, so `"tick"` is never the keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
}

impl Token {
    fn text(&self) -> &str {
        match self {
            Token::Word(w) | Token::Quoted(w) => w,
        }
    }
}

fn tokenize(line: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() || c == ',' {
            chars.next();
        } else if c == '#' {
            break;
        } else if c == '"' {
            chars.next();
            let mut text = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => text.push(chars.next().ok_or("unfinished escape in a quoted string")?),
                    Some(other) => text.push(other),
                    None => return Err("unterminated quoted string".into()),
                }
            }
            tokens.push(Token::Quoted(text));
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                // A comma ends a word unless it sits between digits, as in 15,000.00.
                let in_number = c == ',' && word.chars().last().is_some_and(|l| l.is_ascii_digit());
                if c.is_whitespace() || c == '"' || (c == ',' && !in_number) {
                    break;
                }
                word.push(c);
                chars.next();
            }
            tokens.push(Token::Word(word));
        }
    }
    Ok(tokens)
}

pub fn parse(text: &str) -> Result<Scenario, String> {
    let mut scenario = Scenario { id: None, steps: Vec::new(), expectations: Vec::new() };
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let tokens = tokenize(raw).map_err(|e| format!("line {line}: {e}"))?;
        let Some(first) = tokens.first() else { continue };
        let result = match first.text() {
            "id" => match tokens.as_slice() {
                [_, id] => {
                    scenario.id = Some(id.text().to_string());
                    Ok(())
                }
                _ => Err("expected `id NAME`".to_string()),
            },
            "expect" => parse_expectation(line, &tokens[1..]).map(|e| scenario.expectations.push(e)),
            _ => parse_step(line, raw.trim(), &tokens).map(|s| scenario.steps.push(s)),
        };
        result.map_err(|e| format!("line {line}: {e}"))?;
    }
    Ok(scenario)
}

fn parse_expectation(line: usize, tokens: &[Token]) -> Result<Expectation, String> {
    let words: Vec<&str> = tokens.iter().map(Token::text).collect();
    match words.as_slice() {
        ["balance", "court", court, amount] => Ok(Expectation::Balance { line, account: format!("court:{court:?}"), amount: amount.to_string() }),
        ["balance", account, amount] => Ok(Expectation::Balance { line, account: account.to_string(), amount: amount.to_string() }),
        ["obligation", name, status @ ..] if !status.is_empty() => Ok(Expectation::Obligation { line, name: name.to_string(), status: status.join(" ") }),
        ["accrued", clause, total] => Ok(Expectation::Accrued { line, clause: clause.to_string(), total: total.to_string() }),
        ["terminated"] => Ok(Expectation::Terminated { line }),
        ["notice", n, "given"] => Ok(Expectation::NoticeGiven { line, notice: n.parse().map_err(|_| format!("`{n}` is not a notice number"))? }),
        _ => Err("expected `expect balance ACCOUNT AMOUNT`, `expect balance court \"NAME\" AMOUNT`, `expect obligation NAME STATUS`, `expect accrued CLAUSE TOTAL`, `expect terminated` or `expect notice N given`".into()),
    }
}

fn parse_when(tokens: &[Token]) -> Result<(When, usize), String> {
    let first = tokens.first().map(Token::text).unwrap_or_default();
    if let Ok(exact) = first.parse::<jiff::Timestamp>() {
        return Ok((When::Exact(exact), 1));
    }
    let time = tokens.get(1).map(Token::text).unwrap_or_default();
    let civil = format!("{first}T{time}");
    civil
        .parse::<jiff::civil::DateTime>()
        .map(|dt| (When::Local(dt), 2))
        .map_err(|_| format!("expected a time like `2005-08-24 11:00` or `2005-08-24T11:00:00-04:00`, found `{first} {time}`"))
}

fn parse_step(line: usize, raw: &str, tokens: &[Token]) -> Result<Step, String> {
    let (at, used) = parse_when(tokens)?;
    let mut rest = &tokens[used..];
    let mut expect = None;
    if let Some(arrow) = rest.iter().position(|t| t == &Token::Word("=>".into())) {
        expect = Some(parse_outcome(&rest[arrow + 1..])?);
        rest = &rest[..arrow];
    }
    let text = raw.split("=>").next().unwrap_or(raw).trim().to_string();
    if rest.first().map(Token::text) == Some("tick") && rest.len() == 1 {
        return Ok(Step { line, text, at, actor: String::new(), action: Action::Tick, expect });
    }
    let [actor, verb @ ..] = rest else { return Err("expected `ACTOR VERB …` after the time".into()) };
    let action = parse_action(verb)?;
    Ok(Step { line, text, at, actor: actor.text().to_string(), action, expect })
}

fn parse_outcome(tokens: &[Token]) -> Result<Outcome, String> {
    let words: Vec<&str> = tokens.iter().map(Token::text).collect();
    match words.as_slice() {
        ["accepted"] => Ok(Outcome::Accepted),
        ["rejected", code] => Ok(Outcome::Rejected(code.to_string())),
        _ => Err("expected `=> accepted` or `=> rejected CODE`".into()),
    }
}

fn parse_action(tokens: &[Token]) -> Result<Action, String> {
    let words: Vec<&str> = tokens.iter().map(Token::text).collect();
    let quoted = |i: usize| match tokens.get(i) {
        Some(Token::Quoted(q)) => Ok(q.clone()),
        _ => Err(format!("expected a quoted string after `{}`", words[..i].join(" "))),
    };
    match words.as_slice() {
        ["admits", role, member, _] => Ok(Action::Admit { role: role.to_string(), member: member.to_string(), legal_name: quoted(3)? }),
        ["deposits", account, "with", "court"] => Ok(Action::DepositWithCourt { account: account.to_string() }),
        ["deposits", amount, "into", account] => Ok(Action::Deposit { account: account.to_string(), amount: amount.to_string() }),
        ["delivers", document] => Ok(Action::Deliver { document: document.to_string(), content: None }),
        ["delivers", document, _] => Ok(Action::Deliver { document: document.to_string(), content: Some(quoted(2)?) }),
        ["signs", instrument, more @ ..] => parse_sign(instrument, more, tokens),
        ["disputes", _] => Ok(Action::Dispute { reason: quoted(1)? }),
        ["obeys", "order", "of", _, "on", account, finality @ ..] => parse_order(quoted(3)?, account, finality),
        ["resigns"] => Ok(Action::Resign),
        ["reports", event] => Ok(Action::Report { event: event.to_string() }),
        ["pays", amount, "to", to, "for", obligation] => {
            Ok(Action::PayObligation { obligation: obligation.to_string(), to: to.to_string(), amount: amount.to_string() })
        }
        ["issues", warrant] => Ok(Action::IssueWarrant { warrant: warrant.to_string(), allocation: vec![] }),
        ["issues", warrant, "to", pairs @ ..] => Ok(Action::IssueWarrant { warrant: warrant.to_string(), allocation: parse_allocation(pairs)? }),
        ["exercises", shares, "shares", "of", warrant] => Ok(Action::Exercise { warrant: warrant.to_string(), shares: parse_count(shares)? }),
        ["sends", "notice", "to", to, "by", method @ .., _] if !method.is_empty() => {
            Ok(Action::SendNotice { to: to.to_string(), method: method.join(" "), subject: quoted(tokens.len() - 1)? })
        }
        ["acknowledges", "notice", n] => Ok(Action::Acknowledge { notice: n.parse().map_err(|_| format!("`{n}` is not a notice number"))? }),
        _ => Err(format!("cannot read `{}`: see docs/scenarios.md for the verbs", words.join(" "))),
    }
}

fn parse_sign(instrument: &str, more: &[&str], tokens: &[Token]) -> Result<Action, String> {
    let instrument = instrument.to_string();
    let sign = |terms, key_of| Ok(Action::Sign { instrument: instrument.clone(), terms, key_of });
    let quoted_at = |i: usize| match tokens.get(i + 2) {
        Some(Token::Quoted(q)) => Ok(q.clone()),
        _ => Err("expected a quoted legal name".to_string()),
    };
    match more {
        [] => sign(TermsSpec::AsWritten, None),
        ["with", "key", "of", who] => sign(TermsSpec::AsWritten, Some(who.to_string())),
        ["refunding", "depositors"] => sign(TermsSpec::Directions(vec![DirectionSpec::Refund]), None),
        ["paying", directions @ ..] => sign(TermsSpec::Directions(parse_directions(directions)?), None),
        [_, "key", seed] => sign(TermsSpec::Successor { legal_name: quoted_at(0)?, key_seed: seed.to_string() }, None),
        [file] if file.ends_with(".pact") => sign(TermsSpec::Amendment { file: file.to_string() }, None),
        ["of", assignor, "to", _, "key", seed] => {
            sign(TermsSpec::Assignment { assignor: assignor.to_string(), legal_name: quoted_at(3)?, key_seed: seed.to_string() }, None)
        }
        _ => Err(format!("cannot read the terms `{}`", more.join(" "))),
    }
}

fn parse_order(court: String, account: &str, finality: &[&str]) -> Result<Action, String> {
    let (is_final, rest) = match finality {
        ["final", rest @ ..] => (true, rest),
        ["not", "final", rest @ ..] => (false, rest),
        _ => return Err("expected `final` or `not final` after the account".into()),
    };
    let directions = match rest {
        ["refunding", "depositors"] => vec![DirectionSpec::Refund],
        ["paying", directions @ ..] => parse_directions(directions)?,
        _ => return Err("expected `refunding depositors` or `paying AMOUNT to PARTY, …`".into()),
    };
    Ok(Action::CourtOrder { court, account: account.to_string(), is_final, directions })
}

/// `15,000.00 to kramer 48,500.00 to sichenzia the rest to company` (commas optional).
fn parse_directions(words: &[&str]) -> Result<Vec<DirectionSpec>, String> {
    let mut out = Vec::new();
    let mut rest = words;
    loop {
        match rest {
            [] => return Ok(out),
            ["the", "rest", "to", to, tail @ ..] => {
                out.push(DirectionSpec::Pay { amount: None, to: to.to_string() });
                rest = tail;
            }
            [amount, "to", to, tail @ ..] => {
                out.push(DirectionSpec::Pay { amount: Some(amount.to_string()), to: to.to_string() });
                rest = tail;
            }
            _ => return Err(format!("cannot read the directions at `{}`", rest.join(" "))),
        }
    }
}

fn parse_allocation(words: &[&str]) -> Result<Vec<(String, u64)>, String> {
    words.chunks(2).map(|pair| match pair {
        [holder, shares] => Ok((holder.to_string(), parse_count(shares)?)),
        _ => Err("expected pairs of `HOLDER SHARES`".to_string()),
    }).collect()
}

fn parse_count(text: &str) -> Result<u64, String> {
    text.replace(',', "").parse().map_err(|_| format!("`{text}` is not a whole number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_step_with_an_expectation() {
        let s = parse("2005-08-24 11:00 gamma signs release_notice with key of alpha => rejected bad_signature\n").unwrap();
        let step = &s.steps[0];
        assert_eq!(step.actor, "gamma");
        assert_eq!(step.expect, Some(Outcome::Rejected("bad_signature".into())));
        assert!(matches!(&step.action, Action::Sign { key_of: Some(k), .. } if k == "alpha"));
    }

    #[test]
    fn amounts_keep_their_thousands_separators() {
        let s = parse("2005-08-19 11:00 alpha deposits 300,000.00 into escrow").unwrap();
        assert!(matches!(&s.steps[0].action, Action::Deposit { amount, .. } if amount == "300,000.00"));
    }

    #[test]
    fn errors_name_the_line() {
        let error = parse("\n2005-08-19 11:00 alpha juggles").unwrap_err();
        assert!(error.starts_with("line 2:"), "{error}");
        assert!(parse("2005-13-19 11:00 alpha resigns").unwrap_err().contains("expected a time"));
    }
}
