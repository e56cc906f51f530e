//! Properties of business-day arithmetic and deadlines that must hold for every date and count.

use jiff::civil::{date, Date};
use jiff::{Span, Timestamp, ToSpan};
use pacta_core::calendar::{deadline, CalendarId, Period};
use proptest::prelude::*;

const FED: CalendarId = CalendarId::UsFederalReserve;

/// Any date from 1800 to 2400 (the rules change in 1971, 1978, 1983 and 2022).
fn any_date() -> impl Strategy<Value = Date> {
    (0i32..219_000).prop_map(|offset| date(1800, 1, 1) + Span::new().days(offset))
}

fn any_zone() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "America/New_York",
        "America/Los_Angeles",
        "America/Havana",
        "Europe/London",
        "Australia/Lord_Howe",
        "Asia/Kolkata",
        "UTC",
    ])
}

fn any_period() -> impl Strategy<Value = Period> {
    prop_oneof![
        (0u32..400).prop_map(Period::business_days),
        (0u32..600).prop_map(Period::calendar_days)
    ]
}

/// The last instant before midnight at the end of `day` is `due - 1ns` and the first is the day's
/// start: both must be before `due`.
fn instants_of(day: Date, zone: &str) -> (Timestamp, Timestamp) {
    let tz = jiff::tz::TimeZoneDatabase::bundled()
        .get(zone)
        .expect("zone");
    let start = day
        .to_zoned(tz.clone())
        .and_then(|z| z.start_of_day())
        .expect("start");
    let end = day
        .tomorrow()
        .expect("tomorrow")
        .to_zoned(tz)
        .and_then(|z| z.start_of_day())
        .expect("end");
    (start.timestamp(), end.timestamp() - 1.nanosecond())
}

proptest! {
    #[test]
    fn add_business_days_lands_on_the_nth_business_day(d in any_date(), n in 1u32..300) {
        let r = FED.add_business_days(d, n);
        prop_assert!(FED.is_business_day(r), "{r} is not a business day");
        prop_assert!(r > d);
        prop_assert_eq!(FED.business_days_between(d, r), n);
        // ... and it is the first such day: one day earlier holds only n - 1.
        prop_assert_eq!(FED.business_days_between(d, r.yesterday().expect("in range")), n - 1);
    }

    #[test]
    fn add_business_days_is_monotonic(d in any_date(), n in 0u32..300, k in 1u32..30) {
        prop_assert!(FED.add_business_days(d, n) < FED.add_business_days(d, n + k));
        let d2 = d.tomorrow().expect("in range");
        prop_assert!(FED.add_business_days(d, n) <= FED.add_business_days(d2, n));
    }

    #[test]
    fn add_business_days_composes(d in any_date(), a in 0u32..150, b in 0u32..150) {
        prop_assert_eq!(FED.add_business_days(FED.add_business_days(d, a), b), FED.add_business_days(d, a + b));
    }

    #[test]
    fn due_is_after_every_instant_of_the_last_day(d in any_date(), p in any_period(), zone in any_zone()) {
        let dl = deadline(FED, zone, d, p, None).expect("deadline");
        let (first, last) = instants_of(dl.last_day, zone);
        prop_assert!(first < dl.due && last < dl.due, "{dl}");
        prop_assert_eq!(last + 1.nanosecond(), dl.due, "due is exactly the end of the last day");
        prop_assert!(dl.last_day >= d);
    }

    #[test]
    fn deadlines_are_monotonic_in_the_count(d in any_date(), n in 0u32..300, zone in any_zone(), business in any::<bool>()) {
        let period = |count| if business { Period::business_days(count) } else { Period::calendar_days(count) };
        let a = deadline(FED, zone, d, period(n), None).expect("deadline");
        let b = deadline(FED, zone, d, period(n + 1), None).expect("deadline");
        prop_assert!(a.last_day < b.last_day);
        prop_assert!(a.due < b.due);
    }

    #[test]
    fn cutoff_due_is_within_the_last_day(d in any_date(), n in 0u32..100, h in 0i8..24, m in 0i8..60) {
        let cutoff = jiff::civil::time(h, m, 0, 0);
        let dl = deadline(FED, "America/New_York", d, Period::business_days(n), Some(cutoff)).expect("deadline");
        let end = deadline(FED, "America/New_York", d, Period::business_days(n), None).expect("deadline");
        prop_assert_eq!(dl.last_day, end.last_day);
        prop_assert!(dl.due < end.due);
    }
}
