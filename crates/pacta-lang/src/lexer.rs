//! The lexer: source text to tokens and comments.
//!
//! Hand-written because the token set is tiny and because what matters here is the error
//! behaviour: a bad character or an unterminated string is reported and skipped, and lexing
//! carries on, so one typo does not hide the rest of the file's problems.
//!
//! Newlines are not tokens (the grammar is keyword-driven), but each token records whether it is
//! the first on its line. The parser uses that only to recover from errors: after a mistake it
//! skips to the next line that starts something it recognises.
//!
//! Numbers are lexed loosely (any run of digits, `,` and `.` followed by a digit, plus any letters
//! glued to it) and validated where the grammar knows what kind of number it wants, so `1,00.00`
//! gets a message about amounts rather than a confusing tokenisation.

use std::ops::Range;

use crate::diagnostic::{codes, Diagnostic};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// `[A-Za-z_][A-Za-z0-9_]*`: keywords, names and currency codes.
    Word,
    /// A word followed by dotted parts, like the clause number `A.1`.
    Label,
    /// Starts with a digit: `10`, `15,000.00`, `0.03`, `1.5`.
    Number,
    /// `dddd-…`: a date as written; validated by the parser.
    Date,
    /// `dd:dd`: a time of day as written; validated by the parser.
    Time,
    /// A string literal; the payload is its value with escapes resolved.
    Str(String),
    Colon,
    Comma,
    LParen,
    RParen,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Range<usize>,
    /// True if no other token precedes this one on its source line.
    pub line_start: bool,
}

/// A `--` comment, kept for the formatter. `text` starts with `--` and has no trailing space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub span: Range<usize>,
    pub text: String,
}

#[derive(Debug, Default)]
pub struct Lexed {
    pub tokens: Vec<Token>,
    pub comments: Vec<Comment>,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn lex(src: &str) -> Lexed {
    let mut out = Lexed::default();
    let bytes = src.as_bytes();
    let mut i = 0;
    let mut line_start = true;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\n' => {
                line_start = true;
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                let end = src[i..].find('\n').map_or(src.len(), |n| i + n);
                out.comments.push(Comment {
                    span: i..end,
                    text: src[i..end].trim_end().to_string(),
                });
                i = end;
            }
            b'"' => {
                let (end, value) = lex_string(src, i, &mut out.diagnostics);
                out.tokens.push(Token {
                    kind: TokenKind::Str(value),
                    span: i..end,
                    line_start,
                });
                line_start = false;
                i = end;
            }
            b'0'..=b'9' => {
                let (end, kind) = lex_number(bytes, i);
                out.tokens.push(Token {
                    kind,
                    span: i..end,
                    line_start,
                });
                line_start = false;
                i = end;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let mut end = word_end(bytes, i);
                let mut kind = TokenKind::Word;
                // `A.1`: a dotted label is only ever a clause number.
                while bytes.get(end) == Some(&b'.')
                    && bytes.get(end + 1).is_some_and(u8::is_ascii_alphanumeric)
                {
                    end = word_end(bytes, end + 1);
                    kind = TokenKind::Label;
                }
                out.tokens.push(Token {
                    kind,
                    span: i..end,
                    line_start,
                });
                line_start = false;
                i = end;
            }
            b':' | b',' | b'(' | b')' => {
                let kind = match c {
                    b':' => TokenKind::Colon,
                    b',' => TokenKind::Comma,
                    b'(' => TokenKind::LParen,
                    _ => TokenKind::RParen,
                };
                out.tokens.push(Token {
                    kind,
                    span: i..i + 1,
                    line_start,
                });
                line_start = false;
                i += 1;
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('\u{fffd}');
                let len = ch.len_utf8();
                out.diagnostics.push(
                    Diagnostic::error(
                        codes::UNEXPECTED_CHARACTER,
                        i..i + len,
                        format!("unexpected character {ch:?}"),
                        "not part of any word, number or string",
                    )
                    .with_help(unexpected_char_help(ch)),
                );
                i += len;
            }
        }
    }
    out
}

fn unexpected_char_help(ch: char) -> &'static str {
    match ch {
        '-' => "amounts are never negative, and comments start with `--`",
        '$' => "write amounts without a currency sign; the agreement's `currency` applies",
        '\u{201c}' | '\u{201d}' => "strings use straight double quotes: \"…\"",
        _ => "only words, numbers, dates, \"strings\", `:`, `,`, `(` and `)` may appear outside comments",
    }
}

fn word_end(bytes: &[u8], mut i: usize) -> usize {
    while bytes
        .get(i)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        i += 1;
    }
    i
}

fn lex_number(bytes: &[u8], start: usize) -> (usize, TokenKind) {
    let mut i = start;
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let digit_after = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_digit);
    if bytes.get(i) == Some(&b'-') && digit_after(i + 1) {
        while bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_digit() || *b == b'-')
        {
            i += 1;
        }
        return (word_end(bytes, i), TokenKind::Date);
    }
    if bytes.get(i) == Some(&b':') && digit_after(i + 1) {
        i += 1;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        return (word_end(bytes, i), TokenKind::Time);
    }
    loop {
        match bytes.get(i) {
            Some(b) if b.is_ascii_digit() => i += 1,
            Some(b',' | b'.') if digit_after(i + 1) => i += 1,
            _ => break,
        }
    }
    // Letters glued to a number (`10days`) stay in the token so the error names all of it.
    (word_end(bytes, i), TokenKind::Number)
}

/// Lexes a string starting at the opening quote. Strings may not span lines: a missing closing
/// quote is reported and the string ends at the end of its line, so the next line still parses.
fn lex_string(src: &str, start: usize, diags: &mut Vec<Diagnostic>) -> (usize, String) {
    let mut value = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((off, c)) = chars.next() {
        let at = start + 1 + off;
        match c {
            '"' => return (at + 1, value),
            '\n' => break,
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\\'))) => value.push(e),
                Some((_, '\n')) => break,
                Some((eoff, e)) => {
                    let end = start + 1 + eoff + e.len_utf8();
                    diags.push(
                        Diagnostic::error(codes::BAD_ESCAPE, at..end, format!("unknown escape `\\{e}` in a string"), "not a valid escape")
                            .with_help("only `\\\"` and `\\\\` are escapes; write other characters as they are"),
                    );
                    value.push(e);
                }
                None => break,
            },
            _ => value.push(c),
        }
    }
    let end = src[start..].find('\n').map_or(src.len(), |n| start + n);
    let end = src[start..end].trim_end().len() + start;
    diags.push(
        Diagnostic::error(
            codes::UNTERMINATED_STRING,
            start..end.max(start + 1),
            "unterminated string",
            "this string is never closed",
        )
        .with_help("add the closing `\"` before the end of the line; strings cannot span lines"),
    );
    (end.max(start + 1), value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        lex(src).tokens.into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn lexes_the_token_shapes() {
        use TokenKind::*;
        assert_eq!(
            kinds("clause A.1 \"x\\\"y\" 15,000.00 2005-08-19 17:00 ( ) : ,"),
            vec![
                Word,
                Label,
                Str("x\"y".into()),
                Number,
                Date,
                Time,
                LParen,
                RParen,
                Colon,
                Comma
            ]
        );
    }

    #[test]
    fn keeps_comments_and_line_starts() {
        let l = lex("a b -- note\n  c");
        assert_eq!(l.comments.len(), 1);
        assert_eq!(l.comments[0].text, "-- note");
        assert_eq!(
            l.tokens.iter().map(|t| t.line_start).collect::<Vec<_>>(),
            vec![true, false, true]
        );
    }

    #[test]
    fn unterminated_string_stops_at_end_of_line() {
        let l = lex("\"abc\nnext");
        assert_eq!(l.diagnostics[0].code, codes::UNTERMINATED_STRING);
        assert_eq!(l.tokens.len(), 2);
    }

    #[test]
    fn bad_characters_are_reported_and_skipped() {
        let l = lex("a $ b \u{e9}");
        assert_eq!(l.diagnostics.len(), 2);
        assert_eq!(l.tokens.len(), 2);
    }
}
