//! Business-day calendars, periods and deadlines.
//!
//! Design rule 4 says time is explicit: the engine never reads a clock, and every deadline is
//! computed from the agreement's business-day calendar and time zone and records the calendar that
//! produced it. This module is where that computation lives. It is pure: it takes dates,
//! instants and names as arguments and returns values, so the same agreement gives the same
//! deadlines on every machine and on every replay of its journal.
//!
//! We write the Federal Reserve calendar ourselves rather than take it from a crate because a
//! deadline that moves a day moves money: a refund fires or does not. The rules are short (eleven
//! holidays, one observance rule), we can state them in code a lawyer can read, and we test them on
//! every date from 1990 to 2060 against QuantLib's `UnitedStates(FederalReserve)` calendar, an
//! independent implementation used across the industry. The Fed's rule differs from most US
//! calendars in one way that matters: a holiday on a Sunday is observed on the Monday, but a
//! holiday on a Saturday is *not* moved to the Friday, which stays a business day.
//!
//! Time zones come from the IANA database bundled into the binary by jiff, never from the host's
//! `/usr/share/zoneinfo`: reading the system database would be IO, and its contents differ from
//! machine to machine and from one update to the next.
//!
//! "Within ten (10) business days of the date of this Agreement" excludes that date, counts ten
//! business days forward, and stays in time until the end of the tenth in the agreement's time
//! zone (or until a cut-off time on it, if the agreement names one). [`deadline`] computes exactly
//! that and returns a [`Deadline`] that carries everything needed to explain it.

mod fed;
mod period;

use std::fmt;

use jiff::civil::Date;

pub use period::{deadline, instant, local_date, time_zone_named, CalendarError, Deadline, Period, PeriodUnit};

/// A named business-day calendar an agreement can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CalendarId {
    /// The Federal Reserve System's holiday schedule (Fedwire, FedACH).
    UsFederalReserve,
}

/// A business day is never more than this many days after another; steps beyond it mean a bug.
const MAX_DAYS_TO_NEXT_BUSINESS_DAY: u32 = 10;

impl CalendarId {
    /// Every calendar, for listings and diagnostics.
    pub const ALL: [CalendarId; 1] = [CalendarId::UsFederalReserve];

    /// The calendar with the name agreements use (`"us-federal-reserve"`).
    pub fn from_name(name: &str) -> Option<CalendarId> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The name agreements use for this calendar.
    pub fn name(self) -> &'static str {
        match self {
            CalendarId::UsFederalReserve => "us-federal-reserve",
        }
    }

    /// True if `d` is a business day: not a Saturday, not a Sunday, not a holiday.
    pub fn is_business_day(self, d: Date) -> bool {
        !fed::is_weekend(d.weekday()) && self.holiday_name(d).is_none()
    }

    /// The holiday that makes the weekday `d` a non-business day, e.g. `"Labor Day"` or
    /// `"Christmas Day (observed)"`. `None` for business days and for weekends (a holiday falling
    /// on a weekend closes nothing beyond the weekend itself, unless it is observed on Monday, in
    /// which case the Monday is named).
    pub fn holiday_name(self, d: Date) -> Option<&'static str> {
        match self {
            CalendarId::UsFederalReserve => fed::holiday(d),
        }
    }

    /// The `n`-th business day after `from`, not counting `from` itself; `from` when `n == 0`.
    ///
    /// # Panics
    ///
    /// Only if the result would lie after jiff's last date, 9999-12-31. Use
    /// [`CalendarId::checked_add_business_days`] for counts that come from users.
    pub fn add_business_days(self, from: Date, n: u32) -> Date {
        match self.checked_add_business_days(from, n) {
            Some(d) => d,
            None => panic!("{n} business days after {from} is after 9999-12-31"),
        }
    }

    /// Like [`CalendarId::add_business_days`], but `None` if the result is after 9999-12-31.
    pub fn checked_add_business_days(self, from: Date, n: u32) -> Option<Date> {
        // Each business day takes at least one calendar day: reject hopeless counts up front so
        // the loop below is bounded by the size of the date range, not by `n`.
        let days_left = from.until(Date::MAX).ok()?.get_days();
        if i64::from(n) > i64::from(days_left) {
            return None;
        }
        (0..n).try_fold(from, |day, _| self.next_business_day(day))
    }

    /// The first business day strictly after `d`, or `None` past 9999-12-31.
    pub fn next_business_day(self, d: Date) -> Option<Date> {
        let mut day = d;
        for _ in 0..MAX_DAYS_TO_NEXT_BUSINESS_DAY {
            day = day.tomorrow().ok()?;
            if self.is_business_day(day) {
                return Some(day);
            }
        }
        debug_assert!(false, "no business day within 10 days after {d}");
        None
    }

    /// The number of business days in `(from, to]`: after `from`, up to and including `to`.
    /// Zero when `to <= from`.
    pub fn business_days_between(self, from: Date, to: Date) -> u32 {
        let mut count = 0;
        let mut day = from;
        while day < to {
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
            count += u32::from(self.is_business_day(day));
        }
        count
    }
}

impl fmt::Display for CalendarId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests;
