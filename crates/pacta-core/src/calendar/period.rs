//! Periods ("within 10 business days of …") and the deadlines they produce.
//!
//! A deadline has two halves. The *civil* half counts days on the calendar and yields the last day
//! on which the act is still in time; it knows nothing about clocks. The *instant* half turns that
//! day into the first instant that is too late, in the agreement's time zone, so the engine can
//! compare it with the timestamps of commands and ticks. Keeping both in [`Deadline`] lets an
//! explanation say "in time through 2005-09-02 in America/New_York" and mean the same instant
//! everywhere.

use std::fmt;

use jiff::civil::{Date, Time};
use jiff::tz::{TimeZone, TimeZoneDatabase};
use jiff::{Span, Timestamp};

use super::CalendarId;

/// What a period counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodUnit {
    /// Days on which the calendar's institutions are open.
    BusinessDays,
    /// Every day, weekends and holidays included.
    CalendarDays,
}

/// A length of time in days, as an agreement states it: "ten (10) business days".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub count: u32,
    pub unit: PeriodUnit,
}

impl Period {
    pub fn business_days(count: u32) -> Period {
        Period {
            count,
            unit: PeriodUnit::BusinessDays,
        }
    }

    pub fn calendar_days(count: u32) -> Period {
        Period {
            count,
            unit: PeriodUnit::CalendarDays,
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            PeriodUnit::BusinessDays => "business day",
            PeriodUnit::CalendarDays => "calendar day",
        };
        let plural = if self.count == 1 { "" } else { "s" };
        write!(f, "{} {unit}{plural}", self.count)
    }
}

/// A computed deadline and everything that produced it, so it can be explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// The day the period is counted from (itself excluded).
    pub anchor: Date,
    pub period: Period,
    /// The last day on which the act is still in time.
    pub last_day: Date,
    /// The first instant that is too late.
    pub due: Timestamp,
    pub calendar: CalendarId,
    /// The IANA name of the time zone, in its canonical spelling.
    pub time_zone: String,
    /// The local time on `last_day` at which the period ends, if the agreement names one.
    pub cutoff: Option<Time>,
}

impl Deadline {
    /// True if an act at `at` is in time, i.e. strictly before `due`.
    pub fn is_in_time(&self, at: Timestamp) -> bool {
        at < self.due
    }
}

impl fmt::Display for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} after {} ({}): in time through {}",
            self.period, self.anchor, self.calendar, self.last_day
        )?;
        match self.cutoff {
            Some(t) => write!(f, " until {t}")?,
            None => f.write_str(" (end of day)")?,
        }
        // The due instant is shown in the agreement's zone, with its offset, because
        // that is the clock the contract speaks of.
        match time_zone_named(&self.time_zone) {
            Ok(tz) => write!(f, " in {}; due {}", self.time_zone, self.due.to_zoned(tz).strftime("%Y-%m-%dT%H:%M:%S%:z")),
            Err(_) => write!(f, " in {}; due {}", self.time_zone, self.due),
        }
    }
}

/// Why a deadline or a local date could not be computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarError {
    /// The name is not in the bundled IANA time zone database.
    UnknownTimeZone(String),
    /// The deadline would fall after the last date or instant jiff can represent (9999-12-30).
    OutOfRange { anchor: Date, period: Period },
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CalendarError::UnknownTimeZone(name) => write!(
                f,
                "unknown time zone {name:?} (expected an IANA name such as \"America/New_York\")"
            ),
            CalendarError::OutOfRange { anchor, period } => write!(
                f,
                "{period} after {anchor} is beyond the supported date range (year 9999)"
            ),
        }
    }
}

impl std::error::Error for CalendarError {}

/// "Within N (business|calendar) days of ANCHOR": excludes the anchor day, counts forward, and is in
/// time through the end of the last day in `time_zone` (or until `cutoff` local time on the last
/// day, if given).
///
/// The end of a day is the start of the next one in that zone, as jiff's tzdb says it is (so a
/// day that is 23 or 25 hours long because of daylight saving time ends when it really ends). A
/// cutoff that falls in a daylight-saving gap moves forward by the length of the gap; one that
/// falls in a repeated hour means its first occurrence.
pub fn deadline(
    calendar: CalendarId,
    time_zone: &str,
    anchor: Date,
    period: Period,
    cutoff: Option<Time>,
) -> Result<Deadline, CalendarError> {
    let tz = time_zone_named(time_zone)?;
    let out_of_range = || CalendarError::OutOfRange { anchor, period };
    let last_day = last_day(calendar, anchor, period).ok_or_else(out_of_range)?;
    let due = due(&tz, last_day, cutoff).ok_or_else(out_of_range)?;
    let time_zone = tz.iana_name().unwrap_or(time_zone).to_string();
    Ok(Deadline {
        anchor,
        period,
        last_day,
        due,
        calendar,
        time_zone,
        cutoff,
    })
}

/// The local civil date of an instant in the agreement's time zone (anchors that are events are
/// timestamps).
pub fn local_date(time_zone: &str, at: Timestamp) -> Result<Date, CalendarError> {
    Ok(at.to_zoned(time_zone_named(time_zone)?).date())
}

/// Looks `name` up in the tzdb compiled into the binary, never the system's.
/// The instant a civil date and time happen in a zone (the earlier one in a fold,
/// after the gap in a spring-forward).
pub fn instant(time_zone: &str, at: jiff::civil::DateTime) -> Result<Timestamp, CalendarError> {
    let tz = time_zone_named(time_zone)?;
    at.to_zoned(tz).map(|z| z.timestamp()).map_err(|_| CalendarError::UnknownTimeZone(time_zone.to_string()))
}

/// A zone from the bundled IANA database (never the system one: the result must not depend on the machine).
pub fn time_zone_named(name: &str) -> Result<TimeZone, CalendarError> {
    match TimeZoneDatabase::bundled().get(name) {
        Ok(tz) if !tz.is_unknown() => Ok(tz),
        _ => Err(CalendarError::UnknownTimeZone(name.to_string())),
    }
}

fn last_day(calendar: CalendarId, anchor: Date, period: Period) -> Option<Date> {
    match period.unit {
        PeriodUnit::BusinessDays => calendar.checked_add_business_days(anchor, period.count),
        PeriodUnit::CalendarDays => {
            let days = Span::new().try_days(i64::from(period.count)).ok()?;
            anchor.checked_add(days).ok()
        }
    }
}

/// The first instant that is too late: the start of the day after `last_day`, or `cutoff` on it.
fn due(tz: &TimeZone, last_day: Date, cutoff: Option<Time>) -> Option<Timestamp> {
    let zoned = match cutoff {
        Some(t) => tz.to_ambiguous_zoned(last_day.to_datetime(t)).compatible(),
        None => last_day
            .tomorrow()
            .ok()?
            .to_zoned(tz.clone())
            .and_then(|z| z.start_of_day()),
    };
    zoned.ok().map(|z| z.timestamp())
}
