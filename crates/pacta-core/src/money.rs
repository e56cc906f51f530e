//! Exact money: integer minor units with checked arithmetic.
//!
//! An amount is an `i64` count of the currency's minor unit (cents for USD).
//! Nothing on a money path uses floating point. Parsing is exact: `15,000.00`
//! is 1,500,000 cents, and `15,000.001` is an error rather than a rounding,
//! because a contract that names a sub-cent amount is wrong, not approximate.

use std::fmt;

/// A currency the engine knows: its ISO code and how many decimal places its minor unit has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    pub code: &'static str,
    pub minor_digits: u32,
}

impl Currency {
    pub const USD: Currency = Currency { code: "USD", minor_digits: 2 };

    /// The currencies an agreement may name. Kept short on purpose: adding one is a
    /// deliberate act, because its minor unit decides what "exact" means.
    pub fn from_code(code: &str) -> Option<Currency> {
        match code {
            "USD" => Some(Currency::USD),
            "EUR" => Some(Currency { code: "EUR", minor_digits: 2 }),
            "GBP" => Some(Currency { code: "GBP", minor_digits: 2 }),
            "JPY" => Some(Currency { code: "JPY", minor_digits: 0 }),
            _ => None,
        }
    }

    fn scale(self) -> i64 {
        10i64.pow(self.minor_digits)
    }
}

/// An amount in minor units of the agreement's currency. It may be negative only
/// as a ledger balance of an outside party; amounts written in contracts are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money {
    pub minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    Empty,
    BadCharacter { found: char, at: usize },
    TooManyDecimals { digits: usize, allowed: u32 },
    MisplacedSeparator { at: usize },
    Overflow,
    Negative,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoneyError::Empty => write!(f, "an amount needs at least one digit"),
            MoneyError::BadCharacter { found, at } => {
                write!(f, "unexpected character {found:?} at position {at} in an amount")
            }
            MoneyError::TooManyDecimals { digits, allowed } => write!(
                f,
                "amount has {digits} decimal places but the currency allows {allowed}; pacta never rounds a stated amount"
            ),
            MoneyError::MisplacedSeparator { at } => {
                write!(f, "thousands separator at position {at} is not between groups of three digits")
            }
            MoneyError::Overflow => write!(f, "amount is too large to represent exactly"),
            MoneyError::Negative => write!(f, "amount must not be negative"),
        }
    }
}

impl std::error::Error for MoneyError {}

impl Money {
    pub const ZERO: Money = Money { minor: 0 };

    pub fn from_minor(minor: i64) -> Money {
        Money { minor }
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.minor.checked_add(other.minor).map(Money::from_minor)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.minor.checked_sub(other.minor).map(Money::from_minor)
    }

    pub fn checked_mul(self, times: i64) -> Option<Money> {
        self.minor.checked_mul(times).map(Money::from_minor)
    }

    pub fn checked_neg(self) -> Option<Money> {
        self.minor.checked_neg().map(Money::from_minor)
    }

    pub fn is_zero(self) -> bool {
        self.minor == 0
    }

    /// Parses `1234`, `1,234.5`, `1,234.50` exactly. Separators must group by three.
    pub fn parse(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let (whole, fraction) = match text.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (text, None),
        };
        if whole.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        let units = parse_whole(whole)?;
        let minor_part = match fraction {
            Some(f) => parse_fraction(f, whole.len() + 1, currency)?,
            None => 0,
        };
        units
            .checked_mul(currency.scale())
            .and_then(|m| m.checked_add(minor_part))
            .map(Money::from_minor)
            .ok_or(MoneyError::Overflow)
    }

    /// Formats with thousands separators and exactly the currency's decimal places.
    pub fn display(self, currency: Currency) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let scale = currency.scale() as u64;
        let whole = group_thousands(abs / scale);
        if currency.minor_digits == 0 {
            return format!("{sign}{whole}");
        }
        let frac = abs % scale;
        format!("{sign}{whole}.{frac:0width$}", width = currency.minor_digits as usize)
    }

    /// The exact decimal string without separators, for machine output (`-1234.50`).
    pub fn to_plain(self, currency: Currency) -> String {
        self.display(currency).replace(',', "")
    }
}

fn parse_whole(whole: &str) -> Result<i64, MoneyError> {
    if whole.is_empty() {
        return Err(MoneyError::Empty);
    }
    check_grouping(whole)?;
    let mut value: i64 = 0;
    for (at, c) in whole.char_indices() {
        match c {
            ',' => {}
            '0'..='9' => {
                let digit = i64::from(c as u8 - b'0');
                value = value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(digit))
                    .ok_or(MoneyError::Overflow)?;
            }
            other => return Err(MoneyError::BadCharacter { found: other, at }),
        }
    }
    Ok(value)
}

/// Separators are optional, but where present they must split the digits into threes.
fn check_grouping(whole: &str) -> Result<(), MoneyError> {
    if !whole.contains(',') {
        return Ok(());
    }
    let groups: Vec<&str> = whole.split(',').collect();
    let mut at = 0;
    for (i, group) in groups.iter().enumerate() {
        let ok = if i == 0 { (1..=3).contains(&group.len()) } else { group.len() == 3 };
        if !ok {
            return Err(MoneyError::MisplacedSeparator { at: at.max(1) - 1 + usize::from(i == 0) });
        }
        at += group.len() + 1;
    }
    Ok(())
}

fn parse_fraction(fraction: &str, offset: usize, currency: Currency) -> Result<i64, MoneyError> {
    if fraction.is_empty() {
        return Err(MoneyError::Empty);
    }
    if let Some((i, c)) = fraction.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        return Err(MoneyError::BadCharacter { found: c, at: offset + i });
    }
    let allowed = currency.minor_digits;
    if fraction.len() > allowed as usize {
        return Err(MoneyError::TooManyDecimals { digits: fraction.len(), allowed });
    }
    let padded = format!("{fraction:0<width$}", width = allowed as usize);
    padded.parse::<i64>().map_err(|_| MoneyError::Overflow)
}

fn group_thousands(mut n: u64) -> String {
    let mut groups = Vec::new();
    loop {
        if n < 1000 {
            groups.push(n.to_string());
            break;
        }
        groups.push(format!("{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(s: &str) -> Result<Money, MoneyError> {
        Money::parse(s, Currency::USD)
    }

    #[test]
    fn parses_contract_amounts_exactly() {
        assert_eq!(usd("15,000.00"), Ok(Money::from_minor(1_500_000)));
        assert_eq!(usd("520,000"), Ok(Money::from_minor(52_000_000)));
        assert_eq!(usd("0.03"), Ok(Money::from_minor(3)));
        assert_eq!(usd("7,999,999.98"), Ok(Money::from_minor(799_999_998)));
        assert_eq!(usd("1.5"), Ok(Money::from_minor(150)));
    }

    #[test]
    fn refuses_to_round() {
        assert_eq!(usd("15,000.001"), Err(MoneyError::TooManyDecimals { digits: 3, allowed: 2 }));
        assert!(matches!(Money::parse("1.5", Currency::from_code("JPY").unwrap()), Err(MoneyError::TooManyDecimals { .. })));
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(usd(""), Err(MoneyError::Empty));
        assert_eq!(usd("1."), Err(MoneyError::Empty));
        assert!(matches!(usd("1,00.00"), Err(MoneyError::MisplacedSeparator { .. })));
        assert!(matches!(usd("12a"), Err(MoneyError::BadCharacter { found: 'a', .. })));
        assert_eq!(usd("-5"), Err(MoneyError::Negative));
        assert_eq!(usd("99,999,999,999,999,999,999"), Err(MoneyError::Overflow));
    }

    #[test]
    fn displays_with_separators() {
        assert_eq!(Money::from_minor(1_500_000).display(Currency::USD), "15,000.00");
        assert_eq!(Money::from_minor(-5).display(Currency::USD), "-0.05");
        assert_eq!(Money::from_minor(-123_456_789).to_plain(Currency::USD), "-1234567.89");
    }

    #[test]
    fn checked_arithmetic_reports_overflow() {
        assert_eq!(Money::from_minor(i64::MAX).checked_add(Money::from_minor(1)), None);
        assert_eq!(Money::from_minor(i64::MIN).checked_neg(), None);
    }
}
