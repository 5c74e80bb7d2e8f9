#!/usr/bin/python3
"""An independent reader of an iCalendar feed (issue 17; docs/booking-ical.md).

Reads FILE with Python's `icalendar` (Debian's python3-icalendar, which
shares no code with libical, the writer) and prints one JSON object a line
per VEVENT: its UID, its start and end in UTC ("2026-03-29T08:30:00Z"), and
its SUMMARY, LOCATION and DESCRIPTION as decoded text. Local times with a
TZID are read in that zone (Python's zoneinfo, or the file's VTIMEZONE);
a time written in UTC is kept as is. Exits 1 with a message on stderr when
the file does not parse or an event lacks what the feed promises.

    /usr/bin/python3 tests/oracle/ical_events.py FEED.ics
"""
import datetime
import json
import sys

try:
    import icalendar
except ImportError:
    sys.stderr.write(
        "ical_events.py: Python's icalendar is missing for %s; "
        "install it with scripts/install-deps.sh test (Debian: python3-icalendar)\n"
        % sys.executable)
    sys.exit(2)


def utc(value, what, uid):
    dt = value.dt
    if not isinstance(dt, datetime.datetime):
        raise ValueError("%s of %s is a date, not a date-time" % (what, uid))
    if dt.tzinfo is None:
        raise ValueError("%s of %s is a floating time (no TZID, no Z)" % (what, uid))
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: ical_events.py FILE\n")
        return 2
    with open(argv[1], "rb") as f:
        data = f.read()
    try:
        cal = icalendar.Calendar.from_ical(data)
    except Exception as e:  # any parse failure is the test's failure
        sys.stderr.write("ical_events.py: %s does not parse: %s\n" % (argv[1], e))
        return 1
    if cal.get("PRODID") is None or str(cal.get("VERSION")) != "2.0":
        sys.stderr.write("ical_events.py: no PRODID or VERSION 2.0\n")
        return 1
    if not any(tz.get("TZID") == "Europe/Paris" for tz in cal.walk("VTIMEZONE")):
        sys.stderr.write("ical_events.py: no VTIMEZONE Europe/Paris\n")
        return 1
    for ev in cal.walk("VEVENT"):
        uid = str(ev.get("UID"))
        try:
            if ev.get("DTSTAMP") is None:
                raise ValueError("%s has no DTSTAMP" % uid)
            start = utc(ev.get("DTSTART"), "DTSTART", uid)
            end = utc(ev.get("DTEND"), "DTEND", uid)
        except (ValueError, AttributeError) as e:
            sys.stderr.write("ical_events.py: %s\n" % e)
            return 1
        print(json.dumps({
            "uid": uid,
            "start": start,
            "end": end,
            "summary": str(ev.get("SUMMARY", "")),
            "location": str(ev.get("LOCATION", "")),
            "description": str(ev.get("DESCRIPTION", "")),
        }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
