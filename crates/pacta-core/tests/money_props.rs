//! Properties of exact money that must hold for every amount and every input string:
//! display and parse are inverse, parsing never panics and never rounds, checked
//! arithmetic agrees with wide integer arithmetic, and separators group by three.

use pacta_core::money::{Currency, Money, MoneyError};
use proptest::prelude::*;

fn jpy() -> Currency {
    Currency::from_code("JPY").expect("JPY is known")
}

fn currencies() -> impl Strategy<Value = Currency> {
    prop::sample::select(vec![Currency::USD, jpy(), Currency::from_code("EUR").unwrap(), Currency::from_code("GBP").unwrap()])
}

/// Any i64, with the edges (0, ±1, powers of ten, i64::MIN/MAX and their neighbours) over-represented.
fn any_minor() -> impl Strategy<Value = i64> {
    let edges = prop::sample::select(vec![
        0,
        1,
        -1,
        9,
        10,
        99,
        100,
        999,
        1000,
        999_999,
        1_000_000,
        i64::MAX,
        i64::MAX - 1,
        i64::MIN,
        i64::MIN + 1,
        i64::MAX / 10,
        i64::MAX / 100,
    ]);
    prop_oneof![
        4 => any::<i64>(),
        2 => -1_000_000_000i64..1_000_000_000,
        1 => edges,
        1 => (0u32..19).prop_map(|p| 10i64.pow(p)),
        1 => (0u32..19, -2i64..=2).prop_map(|(p, d)| 10i64.pow(p).saturating_add(d)),
    ]
}

fn non_negative_minor() -> impl Strategy<Value = i64> {
    any_minor().prop_map(|m| if m < 0 { m.checked_neg().unwrap_or(i64::MAX) } else { m })
}

/// Strings built from the characters the parser cares about, so the interesting
/// paths (separators, points, signs, long digit runs) are hit often.
fn money_like_string() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => "[0-9]{1,4}",
        2 => Just(",".to_string()),
        2 => Just(".".to_string()),
        1 => Just("-".to_string()),
        1 => Just("+".to_string()),
        1 => Just(" ".to_string()),
        1 => "[0-9]{15,25}",
        1 => Just("\u{0663}".to_string()), // ARABIC-INDIC DIGIT THREE: a digit, but not ASCII
        1 => Just("é".to_string()),
        1 => any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|parts| parts.concat())
}

/// The decimal digits of |minor| split into whole and fraction for `currency`, computed
/// independently of `Money` with i128 so it cannot share a bug with `display`.
fn reference_parts(minor: i64, currency: Currency) -> (bool, String, String) {
    let abs = i128::from(minor).abs();
    let scale = 10i128.pow(currency.minor_digits);
    let whole = (abs / scale).to_string();
    let fraction = format!("{:0width$}", abs % scale, width = currency.minor_digits as usize);
    (minor < 0, whole, if currency.minor_digits == 0 { String::new() } else { fraction })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    /// `parse(display(m)) == m` for every non-negative amount, with or without separators.
    #[test]
    fn display_then_parse_is_identity(minor in non_negative_minor(), currency in currencies()) {
        let money = Money::from_minor(minor);
        prop_assert_eq!(Money::parse(&money.display(currency), currency), Ok(money));
        prop_assert_eq!(Money::parse(&money.to_plain(currency), currency), Ok(money));
    }

    /// USD and JPY explicitly, on the full non-negative range.
    #[test]
    fn display_then_parse_is_identity_usd_and_jpy(minor in 0i64..=i64::MAX) {
        let money = Money::from_minor(minor);
        prop_assert_eq!(Money::parse(&money.display(Currency::USD), Currency::USD), Ok(money));
        prop_assert_eq!(Money::parse(&money.display(jpy()), jpy()), Ok(money));
    }

    /// Parsing any string whatsoever returns a value or an error; it never panics,
    /// never yields a negative amount, and what it yields displays back to itself.
    #[test]
    fn parse_never_panics_on_any_string(text in any::<String>(), currency in currencies()) {
        if let Ok(money) = Money::parse(&text, currency) {
            prop_assert!(money.minor >= 0, "{text:?} parsed to a negative amount");
            prop_assert_eq!(Money::parse(&money.display(currency), currency), Ok(money));
        }
    }

    #[test]
    fn parse_never_panics_on_money_like_strings(text in money_like_string(), currency in currencies()) {
        if let Ok(money) = Money::parse(&text, currency) {
            prop_assert!(money.minor >= 0, "{text:?} parsed to a negative amount");
            // Only ASCII digits, one optional point and well-placed commas can have parsed.
            prop_assert!(text.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ','), "{text:?} parsed");
            prop_assert!(text.matches('.').count() <= 1, "{text:?} parsed");
            // The value is exactly what the digits say: no rounding, no truncation.
            let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
            prop_assert!(fraction.len() <= currency.minor_digits as usize, "{text:?} parsed with too many decimals");
            let digits = format!("{}{:0<width$}", whole.replace(',', ""), fraction, width = currency.minor_digits as usize);
            prop_assert_eq!(digits.parse::<i128>().ok(), Some(i128::from(money.minor)), "{:?}", text);
        }
    }

    /// More decimal places than the currency allows is always `TooManyDecimals`, never a
    /// rounding, even when the extra digits are zeros (`1.000` is not `1.00`).
    #[test]
    fn too_many_decimals_is_always_an_error(
        whole in non_negative_minor(),
        grouped in any::<bool>(),
        currency in currencies(),
        extra in 1usize..20,
        digits in "[0-9]{40}",
    ) {
        let whole_text = if grouped { Money::from_minor(whole).display(jpy()) } else { whole.to_string() };
        let places = currency.minor_digits as usize + extra;
        let text = format!("{whole_text}.{}", &digits[..places]);
        let expected = MoneyError::TooManyDecimals { digits: places, allowed: currency.minor_digits };
        prop_assert_eq!(Money::parse(&text, currency), Err(expected), "{:?}", text);
        let zeros = format!("{whole_text}.{}", "0".repeat(places));
        prop_assert!(matches!(Money::parse(&zeros, currency), Err(MoneyError::TooManyDecimals { .. })), "{:?}", zeros);
    }

    /// Checked addition and subtraction agree with i128 arithmetic, and return `None`
    /// exactly when the true result does not fit in i64.
    #[test]
    fn checked_add_and_sub_agree_with_i128(a in any_minor(), b in any_minor()) {
        let (x, y) = (Money::from_minor(a), Money::from_minor(b));
        let sum = i128::from(a) + i128::from(b);
        let difference = i128::from(a) - i128::from(b);
        prop_assert_eq!(x.checked_add(y), i64::try_from(sum).ok().map(Money::from_minor));
        prop_assert_eq!(x.checked_sub(y), i64::try_from(difference).ok().map(Money::from_minor));
        // And they are inverse wherever both are defined.
        if let Some(s) = x.checked_add(y) {
            prop_assert_eq!(s.checked_sub(y), Some(x));
        }
    }

    #[test]
    fn checked_mul_and_neg_agree_with_i128(a in any_minor(), times in any_minor()) {
        let x = Money::from_minor(a);
        prop_assert_eq!(x.checked_mul(times), i64::try_from(i128::from(a) * i128::from(times)).ok().map(Money::from_minor));
        prop_assert_eq!(x.checked_neg(), i64::try_from(-i128::from(a)).ok().map(Money::from_minor));
    }

    /// Display always groups the whole part by three from the right, never with a
    /// leading zero in a group of its own, and always shows exactly the currency's
    /// decimals; removing the separators gives the exact decimal value. Negative
    /// amounts (outside balances) included, down to i64::MIN.
    #[test]
    fn display_groups_by_three(minor in any_minor(), currency in currencies()) {
        let shown = Money::from_minor(minor).display(currency);
        let (negative, whole, fraction) = reference_parts(minor, currency);
        let unsigned = match shown.strip_prefix('-') {
            Some(rest) => { prop_assert!(negative, "{shown} has a sign"); rest }
            None => { prop_assert!(!negative, "{shown} lost its sign"); shown.as_str() }
        };
        let (shown_whole, shown_fraction) = match unsigned.split_once('.') {
            Some((w, f)) => (w, f),
            None => (unsigned, ""),
        };
        prop_assert_eq!(shown_fraction, fraction.as_str(), "{}", shown);
        let groups: Vec<&str> = shown_whole.split(',').collect();
        prop_assert!((1..=3).contains(&groups[0].len()), "{shown}: first group {:?}", groups[0]);
        prop_assert!(groups[0] == "0" || !groups[0].starts_with('0'), "{shown}: leading zero");
        for group in &groups[1..] {
            prop_assert_eq!(group.len(), 3, "{}", shown);
        }
        prop_assert!(shown_whole.chars().all(|c| c.is_ascii_digit() || c == ','), "{shown}");
        prop_assert_eq!(shown_whole.replace(',', ""), whole, "{}", shown);
        // The plain form is the same without separators.
        prop_assert_eq!(Money::from_minor(minor).to_plain(currency), shown.replace(',', ""));
    }

    /// Grouped and ungrouped forms of the same digits parse to the same amount, and a
    /// separator anywhere but between groups of three is refused.
    #[test]
    fn separators_must_group_by_three(minor in non_negative_minor(), at in 0usize..30) {
        let plain = Money::from_minor(minor).to_plain(Currency::USD);
        let grouped = Money::from_minor(minor).display(Currency::USD);
        prop_assert_eq!(Money::parse(&plain, Currency::USD), Money::parse(&grouped, Currency::USD));
        let whole = plain.split_once('.').map(|(w, _)| w).unwrap_or(&plain);
        if whole.len() >= 2 {
            // Put one comma inside the whole part of the ungrouped form.
            let cut = 1 + at % (whole.len() - 1);
            let text = format!("{},{}{}", &whole[..cut], &whole[cut..], &plain[whole.len()..]);
            let parsed = Money::parse(&text, Currency::USD);
            if whole.len() - cut == 3 && cut <= 3 {
                prop_assert_eq!(parsed, Ok(Money::from_minor(minor)), "{:?}", text);
            } else {
                prop_assert!(matches!(parsed, Err(MoneyError::MisplacedSeparator { .. })), "{text:?} gave {parsed:?}");
            }
        }
    }
}
