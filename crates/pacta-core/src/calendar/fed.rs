//! The holiday rules of the Federal Reserve System (Fedwire / FedACH).
//!
//! The Federal Reserve Banks are closed on the eleven federal holidays. When a holiday falls on a
//! Sunday the Banks close the following Monday; when it falls on a Saturday they stay open on the
//! Friday before, so a Saturday holiday costs no business day at all. This differs from most US
//! market calendars (and from the federal government's own schedule), which move a Saturday
//! holiday to Friday.
//!
//! The rules below mirror QuantLib's `UnitedStates(FederalReserve)` calendar rule for rule,
//! including its historical ones (the pre-1971 fixed dates of Washington's Birthday and Memorial
//! Day, Veterans Day on the fourth Monday of October from 1971 to 1977, Martin Luther King Jr. Day
//! from 1983), so that the two calendars agree on every date QuantLib can represent. The golden
//! test (`tests/calendar_golden.rs`) holds us to that for 1990–2060.

use jiff::civil::{Date, Weekday};

/// A date broken into the parts the rules look at.
#[derive(Clone, Copy)]
struct Day {
    year: i16,
    month: i8,
    day: i8,
    weekday: Weekday,
}

/// One holiday: its name, and a test saying whether a weekday is the holiday (`Some(false)`), its
/// observed Monday (`Some(true)`), or neither (`None`).
struct Holiday {
    name: &'static str,
    observed_name: &'static str,
    falls_on: fn(Day) -> Option<bool>,
}

const HOLIDAYS: [Holiday; 11] = [
    Holiday {
        name: "New Year's Day",
        observed_name: "New Year's Day (observed)",
        falls_on: |d| fixed(d, 1, 1),
    },
    Holiday {
        name: "Martin Luther King Jr. Day",
        observed_name: "Martin Luther King Jr. Day",
        falls_on: |d| actual(d.year >= 1983 && nth_weekday(d, 1, Weekday::Monday, 3)),
    },
    Holiday {
        name: "Washington's Birthday",
        observed_name: "Washington's Birthday (observed)",
        falls_on: washingtons_birthday,
    },
    Holiday {
        name: "Memorial Day",
        observed_name: "Memorial Day (observed)",
        falls_on: memorial_day,
    },
    Holiday {
        name: "Juneteenth National Independence Day",
        observed_name: "Juneteenth National Independence Day (observed)",
        falls_on: |d| fixed(d, 6, 19).filter(|_| d.year >= 2022),
    },
    Holiday {
        name: "Independence Day",
        observed_name: "Independence Day (observed)",
        falls_on: |d| fixed(d, 7, 4),
    },
    Holiday {
        name: "Labor Day",
        observed_name: "Labor Day",
        falls_on: |d| actual(nth_weekday(d, 9, Weekday::Monday, 1)),
    },
    Holiday {
        name: "Columbus Day",
        observed_name: "Columbus Day",
        falls_on: |d| actual(d.year >= 1971 && nth_weekday(d, 10, Weekday::Monday, 2)),
    },
    Holiday {
        name: "Veterans Day",
        observed_name: "Veterans Day (observed)",
        falls_on: veterans_day,
    },
    Holiday {
        name: "Thanksgiving Day",
        observed_name: "Thanksgiving Day",
        falls_on: |d| actual(nth_weekday(d, 11, Weekday::Thursday, 4)),
    },
    Holiday {
        name: "Christmas Day",
        observed_name: "Christmas Day (observed)",
        falls_on: |d| fixed(d, 12, 25),
    },
];

/// The name of the Federal Reserve holiday that closes the Banks on `date`, if any. Weekends are
/// not reported: a Saturday or Sunday is never a business day, holiday or not.
pub(crate) fn holiday(date: Date) -> Option<&'static str> {
    if is_weekend(date.weekday()) {
        return None;
    }
    let day = Day {
        year: date.year(),
        month: date.month(),
        day: date.day(),
        weekday: date.weekday(),
    };
    HOLIDAYS.iter().find_map(|h| {
        (h.falls_on)(day).map(|observed| if observed { h.observed_name } else { h.name })
    })
}

pub(crate) fn is_weekend(weekday: Weekday) -> bool {
    matches!(weekday, Weekday::Saturday | Weekday::Sunday)
}

fn actual(is_holiday: bool) -> Option<bool> {
    is_holiday.then_some(false)
}

/// A fixed-date holiday: the date itself, or the Monday after it when it falls on a Sunday.
/// Never the Friday before a Saturday.
fn fixed(d: Day, month: i8, day: i8) -> Option<bool> {
    if d.month != month {
        None
    } else if d.day == day {
        Some(false)
    } else {
        (d.day == day + 1 && d.weekday == Weekday::Monday).then_some(true)
    }
}

/// A fixed-date holiday as the federal government observed it before 1971: moved to Monday from
/// a Sunday and to Friday from a Saturday. QuantLib applies this to the Fed calendar too.
fn fixed_both_ways(d: Day, month: i8, day: i8) -> Option<bool> {
    let friday_before = d.month == month && d.day == day - 1 && d.weekday == Weekday::Friday;
    fixed(d, month, day).or(friday_before.then_some(true))
}

/// True if `d` is the `n`-th `weekday` of `month`.
fn nth_weekday(d: Day, month: i8, weekday: Weekday, n: i8) -> bool {
    d.month == month && d.weekday == weekday && (d.day - 1) / 7 == n - 1
}

fn washingtons_birthday(d: Day) -> Option<bool> {
    if d.year >= 1971 {
        actual(nth_weekday(d, 2, Weekday::Monday, 3))
    } else {
        fixed_both_ways(d, 2, 22)
    }
}

fn memorial_day(d: Day) -> Option<bool> {
    if d.year >= 1971 {
        actual(d.month == 5 && d.weekday == Weekday::Monday && d.day >= 25)
    } else {
        fixed_both_ways(d, 5, 30)
    }
}

fn veterans_day(d: Day) -> Option<bool> {
    if (1971..=1977).contains(&d.year) {
        actual(nth_weekday(d, 10, Weekday::Monday, 4))
    } else {
        fixed(d, 11, 11)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn names_the_holiday_and_its_observed_day() {
        assert_eq!(holiday(date(2005, 9, 5)), Some("Labor Day"));
        assert_eq!(
            holiday(date(2022, 12, 26)),
            Some("Christmas Day (observed)")
        );
        assert_eq!(holiday(date(2023, 1, 2)), Some("New Year's Day (observed)"));
        assert_eq!(
            holiday(date(2022, 6, 20)),
            Some("Juneteenth National Independence Day (observed)")
        );
        assert_eq!(
            holiday(date(2021, 6, 18)),
            None,
            "Juneteenth starts in 2022"
        );
    }

    #[test]
    fn saturday_holidays_are_not_moved_to_friday() {
        assert_eq!(
            holiday(date(2021, 7, 3)),
            None,
            "Saturday; July 4 is Sunday"
        );
        assert_eq!(
            holiday(date(2021, 7, 5)),
            Some("Independence Day (observed)")
        );
        assert_eq!(
            holiday(date(2020, 7, 3)),
            None,
            "Friday before Saturday July 4"
        );
        assert_eq!(
            holiday(date(2021, 12, 31)),
            None,
            "Friday before Saturday January 1"
        );
        assert_eq!(
            holiday(date(2021, 12, 24)),
            None,
            "Friday before Saturday Christmas"
        );
        assert_eq!(
            holiday(date(2027, 6, 18)),
            None,
            "Friday before Saturday Juneteenth"
        );
    }

    #[test]
    fn weekends_are_not_named() {
        assert_eq!(holiday(date(2020, 7, 4)), None);
        assert_eq!(holiday(date(2022, 12, 25)), None);
    }
}
