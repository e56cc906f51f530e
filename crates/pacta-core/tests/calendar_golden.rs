//! Our Federal Reserve calendar agrees with QuantLib's `UnitedStates(FederalReserve)` on every date
//! from 1990-01-01 to 2060-12-31. The golden file lists the business days QuantLib reports; it is
//! written by `tools/golden/fed_calendar.py`. Every listed date must be a business day for us and
//! every date not listed must not be.

use jiff::civil::{date, Date};
use pacta_core::calendar::CalendarId;

const GOLDEN: &str = include_str!("data/fed_business_days_1990_2060.txt");
const FIRST: Date = date(1990, 1, 1);
const LAST: Date = date(2060, 12, 31);

/// The business days in the golden file, checked to be strictly increasing and inside the range.
fn golden_business_days() -> Vec<Date> {
    let mut days: Vec<Date> = Vec::new();
    for (i, line) in GOLDEN
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#'))
    {
        let day: Date = line
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("golden line {}: {line:?}: {e}", i + 1));
        assert!(
            (FIRST..=LAST).contains(&day),
            "golden line {}: {day} outside {FIRST}..={LAST}",
            i + 1
        );
        if let Some(&prev) = days.last() {
            assert!(prev < day, "golden line {}: {day} not after {prev}", i + 1);
        }
        days.push(day);
    }
    days
}

#[test]
fn golden_file_names_its_oracle() {
    let header = GOLDEN.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("# QuantLib ") && header.contains("FederalReserve"),
        "header: {header:?}"
    );
}

#[test]
fn federal_reserve_calendar_matches_quantlib_on_every_date() {
    let fed = CalendarId::UsFederalReserve;
    let mut listed = golden_business_days().into_iter().peekable();
    let (mut day, mut checked) = (FIRST, 0u32);
    loop {
        let quantlib = listed.next_if_eq(&day).is_some();
        let ours = fed.is_business_day(day);
        assert_eq!(
            ours,
            quantlib,
            "first differing date: {day} ({weekday:?}): QuantLib says business day = {quantlib}, \
             we say {ours} (holiday: {holiday:?})",
            weekday = day.weekday(),
            holiday = fed.holiday_name(day),
        );
        checked += 1;
        if day == LAST {
            break;
        }
        day = day.tomorrow().expect("2060 is in range");
    }
    assert_eq!(listed.next(), None, "golden file has dates left over");
    assert_eq!(checked, 25_933, "every day of 1990..=2060 checked");
}

#[test]
fn add_business_days_walks_the_golden_list() {
    let fed = CalendarId::UsFederalReserve;
    let days = golden_business_days();
    for pair in days.windows(2) {
        assert_eq!(
            fed.add_business_days(pair[0], 1),
            pair[1],
            "next business day after {}",
            pair[0]
        );
    }
    for (i, n) in [(0usize, 10u32), (100, 250), (5000, 7)] {
        assert_eq!(
            fed.add_business_days(days[i], n),
            days[i + n as usize],
            "{n} business days after {}",
            days[i]
        );
    }
}
