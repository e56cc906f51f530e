#!/usr/bin/env python3
"""Write the golden list of Federal Reserve business days, 1990-01-01..2060-12-31.

The oracle is QuantLib's ``UnitedStates(UnitedStates.FederalReserve)`` calendar.
pacta's own calendar (crates/pacta-core/src/calendar) is tested against this
file on every date in the range by crates/pacta-core/tests/calendar_golden.rs.

Usage (from the workspace root):

    python3 tools/golden/fed_calendar.py > crates/pacta-core/tests/data/fed_business_days_1990_2060.txt
"""

import datetime
import sys

import QuantLib as ql

FIRST = datetime.date(1990, 1, 1)
LAST = datetime.date(2060, 12, 31)


def business_days(calendar):
    day = FIRST
    while day <= LAST:
        if calendar.isBusinessDay(ql.Date(day.day, day.month, day.year)):
            yield day
        day += datetime.timedelta(days=1)


def main(out):
    calendar = ql.UnitedStates(ql.UnitedStates.FederalReserve)
    out.write(
        f"# QuantLib {ql.__version__} UnitedStates(FederalReserve) "
        f"'{calendar.name()}': business days {FIRST}..{LAST}\n"
    )
    for day in business_days(calendar):
        out.write(day.isoformat() + "\n")


if __name__ == "__main__":
    main(sys.stdout)
