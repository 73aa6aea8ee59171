"""Issue 10 (clock): Python's zone rules come from the pinned tzdata package; PostgreSQL's may not.

British Columbia keeps daylight time all year from 2026 (tzdata 2026 releases). The system's
/usr/share/zoneinfo here is older, and so is the zone data of a PostgreSQL built against it (the
PostgreSQL 15 service); the embedded PostgreSQL 18 carries its own, newer copy. The app keeps the
database connection in UTC and converts in Python only, so an older server cannot move a booking.
"""

import warnings
import zoneinfo
from datetime import UTC, datetime, timedelta
from importlib import metadata, resources
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

DATES = ["2026-01-15", "2026-07-15", "2026-11-15", "2027-01-15", "2025-12-01"]
SYSTEM_ZONE_FILE = Path("/usr/share/zoneinfo") / settings.TIME_ZONE


def _package_zone():
    parts = settings.TIME_ZONE.split("/")
    package = resources.files("tzdata.zoneinfo").joinpath(*parts)
    with package.open("rb") as handle:
        return zoneinfo.ZoneInfo.from_file(handle, key=settings.TIME_ZONE)


def _system_zone():
    if not SYSTEM_ZONE_FILE.is_file():
        return None
    with SYSTEM_ZONE_FILE.open("rb") as handle:
        return zoneinfo.ZoneInfo.from_file(handle, key=settings.TIME_ZONE)


def _system_version():
    version_file = Path("/usr/share/zoneinfo/tzdata.zi")
    if version_file.is_file():
        first = version_file.read_text().splitlines()[0]
        return first.removeprefix("# version ").strip()
    return "unknown"


def _offset(zone, day):
    return datetime.fromisoformat(f"{day} 12:00").replace(tzinfo=zone).utcoffset()


def _postgres_offset(day):
    """The UTC offset PostgreSQL's own zone data gives for local noon on ``day``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (%s::timestamp AT TIME ZONE %s) AT TIME ZONE 'UTC'",
            [f"{day} 12:00", settings.TIME_ZONE],
        )
        (utc_naive,) = cursor.fetchone()
    return datetime.fromisoformat(f"{day} 12:00") - utc_naive


def test_zoneinfo_reads_the_tzdata_package_not_the_system():
    assert zoneinfo.TZPATH == ()
    assert metadata.version("tzdata") in (Path(settings.BASE_DIR) / "requirements.txt").read_text()
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    package = _package_zone()
    for day in DATES:
        assert _offset(zone, day) == _offset(package, day), day
    # The package knows BC's permanent daylight time: -07:00 in the winter of 2026-27.
    assert _offset(zone, "2026-11-15") == timedelta(hours=-7)
    assert _offset(zone, "2025-12-01") == timedelta(hours=-8)
    assert timezone.get_current_timezone().key == settings.TIME_ZONE


def _hours(offset):
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _older_side_message(mismatches):
    """Which side's zone data is older, in words, for the days where they disagree."""
    python_version = f"tzdata package {metadata.version('tzdata')}"
    system = _system_zone()
    lines = []
    for day, python, postgres in mismatches:
        side = "the two disagree (neither matches the system's zone data)"
        if system is not None and _offset(system, day) == postgres:
            side = (
                f"PostgreSQL's zone data is OLDER: it gives the system's {_system_version()} "
                f"rules, Python uses the {python_version}"
            )
        elif system is not None and _offset(system, day) == python:
            side = "Python's zone data is OLDER than PostgreSQL's"
        lines.append(f"{day}: Python {_hours(python)}, PostgreSQL {_hours(postgres)}: {side}")
    return "\n".join(lines)


@pytest.mark.django_db
def test_python_and_postgresql_agree_on_the_clinic_offsets():
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    mismatches = [
        (day, _offset(zone, day), _postgres_offset(day))
        for day in DATES
        if _offset(zone, day) != _postgres_offset(day)
    ]
    if not mismatches:
        return
    message = _older_side_message(mismatches)
    assert "OLDER" in message, message
    # They disagree: acceptable only because the app never asks PostgreSQL for local time. The
    # connection is in UTC, where both agree, and Python converts.
    with connection.cursor() as cursor:
        cursor.execute("SHOW TIME ZONE")
        (connection_zone,) = cursor.fetchone()
    assert connection_zone == "UTC", message
    warnings.warn(
        f"PostgreSQL and Python zone data differ (the app converts in Python):\n{message}",
        stacklevel=1,
    )


@pytest.mark.django_db
def test_the_database_round_trips_instants_in_utc_whatever_its_zone_data():
    """A local 09:00 on 2026-11-15 is 16:00 UTC (daylight kept) and comes back as 09:00 local."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local = datetime(2026, 11, 15, 9, 0, tzinfo=zone)
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", [local])
        (stored,) = cursor.fetchone()
    assert stored == datetime(2026, 11, 15, 16, 0, tzinfo=UTC)
    assert timezone.localtime(stored).strftime("%H:%M") == "09:00"
