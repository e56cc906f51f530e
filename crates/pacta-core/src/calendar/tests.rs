//! The acceptance facts of design rule 4, plus edge cases of the deadline arithmetic.

use jiff::civil::{date, time, Date};
use jiff::Timestamp;

use super::*;

const FED: CalendarId = CalendarId::UsFederalReserve;
const NY: &str = "America/New_York";

fn ts(s: &str) -> Timestamp {
    s.parse().expect("test timestamp")
}

fn bd(anchor: Date, n: u32) -> Deadline {
    deadline(FED, NY, anchor, Period::business_days(n), None).expect("deadline")
}

#[test]
fn seed_escrow_refund_deadline() {
    let d = bd(date(2005, 8, 19), 10);
    assert_eq!(d.last_day, date(2005, 9, 2));
    assert_eq!(d.due, ts("2005-09-03T00:00:00-04:00"));
    assert_eq!(d.due, ts("2005-09-03T04:00:00Z"));
    assert_eq!(d.calendar, FED);
    assert_eq!(d.time_zone, NY);
    assert!(d.is_in_time(ts("2005-09-03T03:59:59.999999999Z")));
    assert!(!d.is_in_time(d.due));
}

#[test]
fn omnibus_waiver_periods() {
    let anchor = date(2005, 8, 18);
    assert_eq!(bd(anchor, 5).last_day, date(2005, 8, 25));
    assert_eq!(bd(anchor, 10).last_day, date(2005, 9, 1));
    let d = deadline(FED, NY, anchor, Period::calendar_days(75), None).expect("deadline");
    assert_eq!(d.last_day, date(2005, 11, 1));
    assert_eq!(d.due, ts("2005-11-02T00:00:00-05:00"));
}

#[test]
fn labor_day_2005_is_a_holiday() {
    assert!(!FED.is_business_day(date(2005, 9, 5)));
    assert_eq!(FED.holiday_name(date(2005, 9, 5)), Some("Labor Day"));
}

#[test]
fn saturday_holiday_is_not_moved_to_friday() {
    assert!(
        FED.is_business_day(date(2021, 7, 2)),
        "Friday before Sunday July 4, 2021"
    );
    assert!(
        FED.is_business_day(date(2020, 7, 3)),
        "Friday before Saturday July 4, 2020"
    );
    assert!(
        FED.is_business_day(date(2021, 12, 31)),
        "Friday before Saturday January 1, 2022"
    );
    assert!(
        !FED.is_business_day(date(2021, 7, 3)),
        "a Saturday is never a business day"
    );
}

#[test]
fn sunday_holiday_moves_to_monday() {
    assert!(!FED.is_business_day(date(2022, 12, 26)));
    assert!(!FED.is_business_day(date(2023, 1, 2)));
    assert!(!FED.is_business_day(date(2021, 7, 5)));
    assert_eq!(
        FED.holiday_name(date(2023, 1, 2)),
        Some("New Year's Day (observed)")
    );
}

#[test]
fn names_round_trip() {
    assert_eq!(CalendarId::from_name("us-federal-reserve"), Some(FED));
    assert_eq!(FED.name(), "us-federal-reserve");
    assert_eq!(CalendarId::from_name("US-Federal-Reserve"), None);
    assert_eq!(CalendarId::from_name("target2"), None);
}

#[test]
fn zero_business_days_is_the_anchor() {
    assert_eq!(FED.add_business_days(date(2005, 9, 3), 0), date(2005, 9, 3));
    assert_eq!(FED.add_business_days(date(2005, 9, 2), 1), date(2005, 9, 6));
}

#[test]
fn bundled_tzdb_knows_new_york() {
    let tz = jiff::tz::TimeZoneDatabase::bundled()
        .get(NY)
        .expect("bundled tzdb");
    assert_eq!(tz.iana_name(), Some(NY));
    assert_eq!(
        local_date(NY, ts("2005-09-03T03:59:59Z")),
        Ok(date(2005, 9, 2))
    );
    assert_eq!(
        local_date(NY, ts("2005-09-03T04:00:00Z")),
        Ok(date(2005, 9, 3))
    );
}

#[test]
fn time_zone_names_are_canonicalised_and_checked() {
    let d = deadline(
        FED,
        "america/new_york",
        date(2005, 8, 19),
        Period::business_days(10),
        None,
    );
    assert_eq!(d.map(|d| d.time_zone), Ok(NY.to_string()));
    for bad in ["Mars/Olympus_Mons", "", "Etc/Unknown"] {
        let err = CalendarError::UnknownTimeZone(bad.to_string());
        assert_eq!(local_date(bad, Timestamp::UNIX_EPOCH), Err(err));
    }
}

#[test]
fn cutoff_is_local_time_on_the_last_day() {
    let d = deadline(
        FED,
        NY,
        date(2005, 8, 19),
        Period::business_days(10),
        Some(time(17, 0, 0, 0)),
    );
    assert_eq!(d.map(|d| d.due), Ok(ts("2005-09-02T17:00:00-04:00")));
}

#[test]
fn end_of_day_respects_daylight_saving_time() {
    // 2024-11-03 is 25 hours long in New York; the period ending on it ends at 05:00Z on 11-04.
    let d = deadline(FED, NY, date(2024, 11, 2), Period::calendar_days(1), None);
    assert_eq!(d.map(|d| d.due), Ok(ts("2024-11-04T00:00:00-05:00")));
    // In Havana the clocks jumped from 00:00 to 01:00 on 2024-03-10: that day starts at 01:00.
    let d = deadline(
        FED,
        "America/Havana",
        date(2024, 3, 8),
        Period::calendar_days(1),
        None,
    );
    assert_eq!(d.map(|d| d.due), Ok(ts("2024-03-10T01:00:00-04:00")));
}

#[test]
fn cutoff_in_a_dst_gap_moves_forward() {
    let d = deadline(
        FED,
        NY,
        date(2024, 3, 9),
        Period::calendar_days(1),
        Some(time(2, 30, 0, 0)),
    );
    assert_eq!(d.map(|d| d.due), Ok(ts("2024-03-10T03:30:00-04:00")));
}

#[test]
fn out_of_range_is_an_error_not_a_panic() {
    let period = Period::business_days(10);
    let anchor = date(9999, 12, 20);
    assert_eq!(
        deadline(FED, NY, anchor, period, None),
        Err(CalendarError::OutOfRange { anchor, period })
    );
    let period = Period::calendar_days(u32::MAX);
    let anchor = date(2005, 8, 19);
    assert_eq!(
        deadline(FED, NY, anchor, period, None),
        Err(CalendarError::OutOfRange { anchor, period })
    );
    let period = Period::business_days(u32::MAX);
    assert_eq!(
        deadline(FED, NY, anchor, period, None),
        Err(CalendarError::OutOfRange { anchor, period })
    );
    assert_eq!(FED.checked_add_business_days(Date::MAX, 1), None);
    // The last day exists but the instant after it does not (jiff's timestamps end 9999-12-30).
    let period = Period::calendar_days(1);
    let anchor = date(9999, 12, 29);
    assert_eq!(
        deadline(FED, NY, anchor, period, None),
        Err(CalendarError::OutOfRange { anchor, period })
    );
}

#[test]
fn far_dates_work_both_ways() {
    let early = deadline(FED, NY, Date::MIN, Period::business_days(3), None);
    assert!(early.is_ok(), "{early:?}");
    assert!(FED.is_business_day(FED.add_business_days(date(9999, 12, 1), 5)));
}

/// `next_business_day` gives up after `MAX_DAYS_TO_NEXT_BUSINESS_DAY` steps; the longest run of
/// closed days is far shorter. The rules change only in 1971, 1978, 1983 and 2022, and the
/// Gregorian calendar repeats every 400 years, so 1500..=2500 covers every case jiff can hold.
#[test]
fn no_long_runs_of_non_business_days() {
    let (mut run, mut longest) = (0u32, 0u32);
    let mut day = date(1500, 1, 1);
    while day < date(2500, 12, 31) {
        day = day.tomorrow().expect("in range");
        run = if FED.is_business_day(day) { 0 } else { run + 1 };
        longest = longest.max(run);
    }
    assert!(
        longest < MAX_DAYS_TO_NEXT_BUSINESS_DAY,
        "longest run {longest}"
    );
    assert_eq!(longest, 3);
}

#[test]
fn errors_display_sensibly() {
    let err = CalendarError::UnknownTimeZone("Mars/Olympus_Mons".into());
    assert!(err.to_string().contains("Mars/Olympus_Mons"));
    let err = CalendarError::OutOfRange {
        anchor: date(9999, 12, 20),
        period: Period::business_days(10),
    };
    assert_eq!(
        err.to_string(),
        "10 business days after 9999-12-20 is beyond the supported date range (year 9999)"
    );
}

#[test]
fn deadline_explains_itself() {
    let text = bd(date(2005, 8, 19), 10).to_string();
    assert_eq!(
        text,
        "10 business days after 2005-08-19 (us-federal-reserve): in time through 2005-09-02 \
         (end of day) in America/New_York; due 2005-09-03T00:00:00-04:00"
    );
}
