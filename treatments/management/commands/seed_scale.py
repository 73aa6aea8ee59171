"""Seed a clinic chain's worth of synthetic data for the benchmark (issue 11).

At ``--scale 1``: 100,000 patients, 40 physiotherapists with working hours, 1,000,000 appointments
(about 330 a working day over some twelve years, up to four weeks ahead; cancellations and
no-shows among them), 300,000 visits (assessment, completed screening, treatment session; all
signed but about 1% open drafts), 1,000,000 IASTR applications, home programs for about a third of
the patients with visits, and portal logins for one patient in twenty. ``--scale`` multiplies
every count (at least two practitioners and twenty patients).

Everything is INSERT ... SELECT over generate_series in one transaction, with every constraint
and trigger in force (exclusion constraints, the screening rules on applications, the signed-visit
locks, the audit history): rows are written in the order the triggers ask for (a visit is
inserted as a draft, its steps added, then it is signed by its own practitioner), one statement a
table, and each table is analyzed as soon as it is written, so that the next table's triggers
and foreign keys plan their per-row lookups on real statistics. The time goes to the rules
themselves, per row: the history trigger, the protection triggers, the exclusion constraints'
GiST searches and the foreign-key checks at commit. The command prints the time of each step.

It refuses a database whose name does not end in ``_bench`` unless ``--force`` is given, and a
database holding patients it did not make unless ``--force`` is given: nobody seeds a clinic's
live records by mistake. A second run finds its data and does nothing.

Every name is made up from the short lists below.
"""

import datetime
import json
import math
import time
import zoneinfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from revere import roles

BENCH_MANAGER = "bench.manager"
BENCH_FRONT_DESK = "bench.frontdesk"
BENCH_PHYSIO = "bench.physio.{:02d}"
BENCH_PATIENT = "bench.patient.{}"
# Synthetic only: the bench signs in with prepared sessions; this lets a person look around.
BENCH_PASSWORD = "bench-only-password-2026"

FIRST_NAMES = [
    "Alex",
    "Amara",
    "Anders",
    "Beatriz",
    "Bilal",
    "Camille",
    "Chen",
    "Dana",
    "Dmitri",
    "Elena",
    "Emeka",
    "Farah",
    "Felix",
    "Gabriel",
    "Hana",
    "Ines",
    "Isaac",
    "Jada",
    "Jonas",
    "Kai",
    "Keiko",
    "Lars",
    "Leila",
    "Luca",
    "Maya",
    "Mateo",
    "Nadia",
    "Noor",
    "Omar",
    "Olivia",
    "Pablo",
    "Priya",
    "Quinn",
    "Rafael",
    "Rosa",
    "Sami",
    "Sofia",
    "Tariq",
    "Tess",
    "Uma",
    "Viktor",
    "Wen",
    "Yara",
    "Yusuf",
    "Zoe",
]
LAST_NAMES = [
    "Johnson",
    "Smith",
    "Tremblay",
    "Nguyen",
    "Wilson",
    "Brown",
    "Martin",
    "Roy",
    "Lee",
    "Gagnon",
    "Singh",
    "Wong",
    "Campbell",
    "Anderson",
    "Taylor",
    "Chen",
    "Kim",
    "Patel",
    "Murphy",
    "Bouchard",
    "MacDonald",
    "Li",
    "Thompson",
    "White",
    "Cote",
    "Kaur",
    "Young",
    "Scott",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Allen",
    "Wright",
    "Lopez",
    "Hill",
    "Green",
    "Adams",
    "Baker",
    "Nelson",
    "Carter",
    "Mitchell",
    "Perez",
    "Roberts",
    "Turner",
    "Phillips",
    "Evans",
    "Edwards",
    "Collins",
    "Stewart",
    "Morris",
    "Rogers",
    "Reed",
    "Cook",
    "Morgan",
    "Bell",
    "Bailey",
    "Cooper",
    "Richardson",
    "Cox",
    "Howard",
    "Ward",
    "Torres",
    "Peterson",
    "Gray",
    "Ramirez",
    "James",
    "Watson",
    "Brooks",
    "Kelly",
    "Sanders",
    "Price",
    "Bennett",
    "Wood",
    "Barnes",
    "Ross",
]

# One appointment starts on each of these local hours (lunch 12-13); the longest type is 60 min,
# so a practitioner's appointments never overlap, and half hours stay free for bookings.
SLOT_HOURS = (8, 9, 10, 11, 13, 14, 15, 16, 17)
WORKING_BLOCKS = (("08:00", "12:00"), ("13:00", "18:00"))
BASE = {
    "patients": 100_000,
    "practitioners": 40,
    "appointments": 1_000_000,
    "visits": 300_000,
    "applications": 1_000_000,
}
BUSY_DAY = 330  # appointments a working day with 40 practitioners
FUTURE_WORKING_DAYS = 20  # the schedule is booked this far ahead (four weeks)


def counts_for(scale: float) -> dict[str, int]:
    counts = {name: round(n * scale) for name, n in BASE.items()}
    counts["practitioners"] = max(2, counts["practitioners"])
    counts["patients"] = max(20, counts["patients"])
    per_day = min(
        len(SLOT_HOURS) * counts["practitioners"],
        max(1, round(BUSY_DAY * counts["practitioners"] / BASE["practitioners"])),
        counts["patients"] - 1,  # a patient is never booked twice on one day
    )
    counts["per_day"] = per_day
    counts["visits"] = min(counts["visits"], counts["appointments"] // 2)
    counts["scale"] = scale
    return counts


def bench_database_ok(name: str) -> bool:
    return str(name).endswith("_bench")


def _coprime_step(n: int) -> int:
    for step in (7919, 7907, 7901, 7883, 7877):
        if math.gcd(step, n) == 1:
            return step
    return 1


class Command(BaseCommand):
    help = "Seed synthetic data at a clinic chain's size for `make bench` (bench databases only)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count")
        parser.add_argument(
            "--force",
            action="store_true",
            help="seed even though the database name does not end in _bench, or it holds "
            "patients this command did not make",
        )

    def handle(self, *args, scale, force, **options):
        if not 0 < scale <= 10:
            raise CommandError("--scale must be above 0 and at most 10.")
        name = connection.settings_dict["NAME"]
        if not force and not bench_database_ok(name):
            raise CommandError(
                f"Refusing to seed database {name!r}: seed_scale writes a million synthetic rows "
                "and runs only on a database whose name ends in _bench (or with --force)."
            )
        with connection.cursor() as cur:
            cur.execute("SELECT id FROM auth_user WHERE username = %s", [BENCH_MANAGER])
            row = cur.fetchone()
            if row is not None:
                self.stdout.write(
                    "Bench data already seeded; nothing to do. "
                    + ", ".join(f"{k}: {v:,}" for k, v in self._existing().items())
                )
                return
            cur.execute("SELECT count(*) FROM patients_patient")
            if cur.fetchone()[0] and not force:
                raise CommandError(
                    f"Refusing to seed database {name!r}: it already holds patients that "
                    "seed_scale did not make. Use an empty database (or --force)."
                )
        counts = counts_for(scale)
        self.stdout.write(
            f"Seeding at scale {scale:g}: "
            + ", ".join(f"{k} {v:,}" for k, v in counts.items() if k not in ("per_day", "scale"))
            + f" ({counts['per_day']} appointments a working day)"
        )
        started = time.monotonic()
        with transaction.atomic():
            with connection.cursor() as cur:
                Seeder(cur, counts, self._step).run()
            t0 = time.monotonic()
        self._step("commit (deferred foreign keys)", None, t0)
        with connection.cursor() as cur:
            t0 = time.monotonic()
            cur.execute("ANALYZE")
            self._step("analyze", None, t0)
        self.stdout.write(f"Seeded in {time.monotonic() - started:.1f} s.")

    def _step(self, table, rows, t0):
        took = time.monotonic() - t0
        rows_text = f"{rows:>10,} rows" if rows is not None else " " * 15
        rate = f"  {rows / took:>9,.0f} rows/s" if rows and took > 0 else ""
        self.stdout.write(f"  {table:<32}{rows_text}  {took:7.1f} s{rate}")

    def _existing(self) -> dict[str, int]:
        out = {}
        with connection.cursor() as cur:
            for label, table in (
                ("patients", "patients_patient"),
                ("appointments", "patients_appointment"),
                ("visits", "treatments_visit"),
                ("applications", "treatments_application"),
            ):
                cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed names)
                out[label] = cur.fetchone()[0]
        return out


class Seeder:
    def __init__(self, cur, counts, report):
        self.cur = cur
        self.n = counts
        self.report = report
        self.now = timezone.now()
        self.zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)

    def sql(self, label, statement, params=None, *, analyze=True):
        """Run a statement and report its time under ``label`` (if any). A label names the table
        written, which is then analyzed (unless ``analyze`` is false)."""
        t0 = time.monotonic()
        self.cur.execute(statement, params or {})
        rows = self.cur.rowcount if self.cur.rowcount >= 0 else None
        if label and analyze:
            # The trigram (GIN) indexes took the new rows into their pending lists (see the
            # session settings): merged now in one pass, so searches do not scan the lists. Then
            # fresh statistics before the next table's triggers look rows up in this one: without
            # them the planner guesses, and a per-row lookup may scan the whole table.
            table = label.split()[0]
            self.cur.execute(
                """
                SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i
                JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
                WHERE i.indrelid = %s::regclass AND am.amname = 'gin'
                """,
                [table],
            )
            self.cur.execute(f"ANALYZE {table}")
        if label:
            self.report(label, rows if analyze else None, t0)
        return rows

    def run(self):
        self.session()
        self.catalogues()
        self.users()
        self.patients()
        self.practitioners()
        self.days()
        self.appointments()
        self.visits()
        self.steps()
        self.applications()
        self.programs()
        self.sign()

    def session(self):
        """The settings the history and protection triggers read, set for this transaction.

        pghistory's triggers attach each event to the context in ``pghistory.context_id``: the
        seed's rows are then marked as written by seed_scale in the audit trail (not by nobody).
        Every pgtrigger function first reads ``pgtrigger.ignore``; set to the empty list it
        ignores no trigger at all (each still runs), and the read no longer raises and catches
        an error per row, which made each insert several times slower."""
        # Memory for the sorts, hashes and index builds of these big statements; the trigram
        # indexes queue new entries in their pending lists and merge them once per table (not
        # every 4 MB); no wait for the WAL flush at commit. Every trigger and constraint stays
        # in force.
        self.sql(
            None,
            """
            SET LOCAL work_mem = '256MB';
            SET LOCAL maintenance_work_mem = '512MB';
            SET LOCAL synchronous_commit = off;
            SET LOCAL gin_pending_list_limit = '512MB';
            """,
        )
        self.sql(
            None,
            """
            SELECT set_config('pgtrigger.ignore', '{}', true),
                   set_config('pghistory.context_id', gen_random_uuid()::text, true),
                   set_config('pghistory.context_metadata', %(meta)s, true)
            """,
            {"meta": json.dumps({"command": "seed_scale", "scale": self.n["scale"]})},
        )

    # --- reference rows the data points at ---------------------------------------------------

    def catalogues(self):
        c = self.cur
        c.execute("SELECT id, minutes, mode FROM patients_appointmenttype WHERE active")
        types = {(m, mode): pk for pk, m, mode in c.fetchall()}
        try:
            self.initial = types[(60, "in_clinic")]
            self.follow_up = types[(30, "in_clinic")]
            self.call = types[(10, "phone")]
        except KeyError:
            raise CommandError(
                "The appointment types of the installation (60 and 30 minutes in clinic, a 10-"
                "minute phone call) are missing: run migrate first."
            ) from None
        c.execute("SELECT count(*) FROM treatments_exercise WHERE active")
        if c.fetchone()[0] < 4:
            raise CommandError("The exercise library is missing: run migrate first.")

    def users(self):
        password = make_password(BENCH_PASSWORD)
        self.sql(
            "auth_user (staff)",
            """
            INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                                   is_staff, is_active, date_joined)
            SELECT %(pw)s, u.staff, u.username, u.first, u.last, u.username || '@example.com',
                   u.staff, true, now()
            FROM (VALUES (%(manager)s, 'Morgan', 'Bench', true),
                         (%(desk)s, 'Robin', 'Bench', false)) AS u(username, first, last, staff)
            UNION ALL
            SELECT %(pw)s, false, 'bench.physio.' || lpad(r::text, 2, '0'),
                   (%(firsts)s::text[])[1 + r %% %(nf)s], 'Physio' || r,
                   'bench.physio.' || lpad(r::text, 2, '0') || '@example.com', false, true, now()
            FROM generate_series(1, %(nr)s) AS r
            """,
            {
                "pw": password,
                "manager": BENCH_MANAGER,
                "desk": BENCH_FRONT_DESK,
                "firsts": list(FIRST_NAMES),
                "nf": len(FIRST_NAMES),
                "nr": self.n["practitioners"],
            },
        )
        self.cur.execute(
            "SELECT username, id FROM auth_user WHERE username IN (%s, %s)",
            [BENCH_MANAGER, BENCH_FRONT_DESK],
        )
        ids = dict(self.cur.fetchall())
        self.manager_id, self.desk_id = ids[BENCH_MANAGER], ids[BENCH_FRONT_DESK]
        # Portal logins: one patient in twenty (p = 0, 20, 40, ...), who all get a program.
        self.sql(
            "auth_user (portal)",
            """
            INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                                   is_staff, is_active, date_joined)
            SELECT %(pw)s, false, 'bench.patient.' || p, '', '', 'bench.patient.' || p
                   || '@example.com', false, true, now()
            FROM generate_series(0, %(np)s - 1, 20) AS p
            """,
            {"pw": password, "np": self.n["patients"]},
        )
        self.sql(
            "auth_user_groups",
            """
            INSERT INTO auth_user_groups (user_id, group_id)
            SELECT u.id, g.id FROM auth_user u JOIN auth_group g ON g.name = CASE
                WHEN u.username LIKE 'bench.physio.%%' THEN %(physio)s
                WHEN u.username LIKE 'bench.patient.%%' THEN %(patient)s
                WHEN u.username = %(desk)s THEN %(front)s END
            WHERE u.username LIKE 'bench.%%'
            """,
            {
                "physio": roles.PHYSIOTHERAPIST,
                "patient": roles.PATIENT,
                "front": roles.FRONT_DESK,
                "desk": BENCH_FRONT_DESK,
            },
        )

    def patients(self):
        # p % 10 = 9: no consent to IASTR recorded (and so no visits); the rest consented.
        self.sql(
            "patients_patient",
            """
            INSERT INTO patients_patient (
                uuid, first_name, last_name, preferred_name, date_of_birth, phone, email, address,
                emergency_contact_name, emergency_contact_phone, emergency_contact_relationship,
                referral_source, referral_note, consent_iastr_at, consent_iastr_recorded_by_id,
                created_at, created_by_id, updated_at, user_id)
            SELECT gen_random_uuid(), f, l, '', DATE '1940-01-01' + (p * 37) %% 25000,
                   format('%%s-%%s-%%s', (ARRAY['604','778','236','250'])[1 + p %% 4],
                          200 + (p / 10000) %% 800, lpad((p %% 10000)::text, 4, '0')),
                   CASE WHEN p %% 5 < 3 THEN lower(f || '.' || l || '.' || p) || '@example.com'
                        ELSE '' END,
                   (100 + p %% 9000) || ' Bench Street', '', '', '',
                   (ARRAY['self','physician','web','patient'])[1 + p %% 4], '',
                   CASE WHEN p %% 10 <> 9 THEN now() - interval '13 years' END,
                   CASE WHEN p %% 10 <> 9 THEN %(manager)s END,
                   now() - interval '13 years', %(manager)s, now(), u.id
            FROM generate_series(0, %(np)s - 1) AS p
            CROSS JOIN LATERAL (
                SELECT (%(firsts)s::text[])[1 + p %% %(nf)s] AS f,
                       (%(lasts)s::text[])[1 + (p / %(nf)s) %% %(nl)s] AS l) AS names
            LEFT JOIN auth_user u ON u.username = 'bench.patient.' || p
            ORDER BY p
            """,
            {
                "np": self.n["patients"],
                "manager": self.manager_id,
                "firsts": list(FIRST_NAMES),
                "lasts": list(LAST_NAMES),
                "nf": len(FIRST_NAMES),
                "nl": len(LAST_NAMES),
            },
        )
        # p -> id, in insertion order (ids are assigned in that order within one statement).
        self.sql(
            "(plan of the patients)",
            """
            CREATE TEMP TABLE bench_p ON COMMIT DROP AS
            SELECT (row_number() OVER (ORDER BY id)) - 1 AS p, id,
                   consent_iastr_at IS NOT NULL AS consent
            FROM patients_patient WHERE created_by_id = %(manager)s;
            CREATE UNIQUE INDEX ON bench_p (p);
            ANALYZE bench_p;
            """,
            {"manager": self.manager_id},
            analyze=False,
        )

    def practitioners(self):
        self.sql(
            "patients_practitioner",
            """
            INSERT INTO patients_practitioner (
                user_id, display_name, registration_number, active, online_booking)
            SELECT id, first_name || ' ' || last_name || ', PT',
                   'PT-BENCH-' || lpad(substr(username, 14), 4, '0'), true, true
            FROM auth_user WHERE username LIKE 'bench.physio.%%' ORDER BY username
            """,
        )
        self.sql(
            None,
            """
            CREATE TEMP TABLE bench_r ON COMMIT DROP AS
            SELECT (row_number() OVER (ORDER BY p.registration_number)) - 1 AS r, p.id, p.user_id
            FROM patients_practitioner p WHERE p.registration_number LIKE 'PT-BENCH-%%';
            ANALYZE bench_r;
            """,
        )
        self.sql(
            "patients_workinghours",
            """
            INSERT INTO patients_workinghours (practitioner_id, weekday, starts, ends)
            SELECT r.id, wd, b.starts::time, b.ends::time
            FROM bench_r r CROSS JOIN generate_series(0, 4) AS wd
            CROSS JOIN unnest(%(starts)s::time[], %(ends)s::time[]) AS b(starts, ends)
            """,
            {"starts": [s for s, _ in WORKING_BLOCKS], "ends": [e for _, e in WORKING_BLOCKS]},
        )

    def days(self):
        """The working days (Monday to Friday) the appointments fill, newest ending four weeks
        ahead, with each day's UTC offset worked out here in Python (the app's zone rules come
        from the tzdata package, not from the database server's)."""
        n_days = math.ceil(self.n["appointments"] / self.n["per_day"])
        # Up to four weeks booked ahead, fewer at tiny scales so most days are past.
        ahead, last = min(FUTURE_WORKING_DAYS, n_days // 10), timezone.localdate()
        while ahead:
            last += datetime.timedelta(days=1)
            ahead -= last.weekday() < 5
        days, day = [], last
        while len(days) < n_days:
            if day.weekday() < 5:
                days.append(day)
            day -= datetime.timedelta(days=1)
        days.reverse()
        offsets = [
            int(
                datetime.datetime.combine(d, datetime.time(12), self.zone)
                .utcoffset()
                .total_seconds()
            )
            for d in days
        ]
        self.sql(
            None,
            """
            CREATE TEMP TABLE bench_day ON COMMIT DROP AS
            SELECT (ord - 1)::int AS d, day, make_interval(secs => off) AS utc_offset
            FROM unnest(%(days)s::date[], %(offsets)s::int[]) WITH ORDINALITY AS x(day, off, ord);
            CREATE UNIQUE INDEX ON bench_day (d);
            ANALYZE bench_day;
            """,
            {"days": days, "offsets": offsets},
        )
        self.first_day, self.last_day = days[0], days[-1]

    def appointments(self):
        n = self.n
        # Appointment i: working day i / per_day; within the day, practitioner k %% NR at slot
        # k / NR. Patient (i * step) %% NP: the same patient comes back NP appointments later,
        # never twice on a day. Types: 4 in 20 initial (60 min), 1 a phone call, the rest
        # follow-ups (30 min). Past: 7%% cancelled, 3%% no-show, the rest completed; future: 5%%
        # cancelled, the rest booked.
        # The newest completed in-clinic appointments of consenting patients get the visits;
        # one in a hundred is still a draft (its appointment "arrived", the chart open). One
        # statement makes the whole plan (no UPDATE passes over a million temporary rows).
        self.sql(
            "(plan of the appointments)",
            """
            CREATE TEMP TABLE bench_a ON COMMIT DROP AS
            WITH slots AS (
                SELECT i, bd.day, pt.id AS patient_id, pt.consent,
                       r.id AS practitioner_id, r.user_id AS practitioner_user_id,
                       ((bd.day + make_time((%(hours)s::int[])[1 + (i %% %(per_day)s) / %(nr)s],
                                            0, 0)) - bd.utc_offset) AT TIME ZONE 'UTC'
                           AS starts_at,
                       CASE WHEN (i * 31) %% 20 < 4 THEN 60 WHEN (i * 31) %% 20 = 4 THEN 10
                            ELSE 30 END AS minutes,
                       (i * 17) %% 100 AS luck
                FROM generate_series(0, %(na)s - 1) AS i
                JOIN bench_day bd ON bd.d = i / %(per_day)s
                JOIN bench_r r ON r.r = (i %% %(per_day)s) %% %(nr)s
                JOIN bench_p pt ON pt.p = (i::bigint * %(step)s) %% %(np)s),
            statused AS (
                SELECT *, CASE
                    WHEN starts_at < now() THEN CASE
                        WHEN luck < 7 THEN 'cancelled' WHEN luck < 10 THEN 'no_show'
                        ELSE 'completed' END
                    ELSE CASE WHEN luck < 5 THEN 'cancelled' ELSE 'booked' END END AS status0
                FROM slots),
            ranked AS (
                SELECT *, CASE WHEN status0 = 'completed' AND minutes <> 10 AND consent
                               THEN row_number() OVER (
                                   PARTITION BY status0 = 'completed' AND minutes <> 10
                                                AND consent
                                   ORDER BY starts_at DESC, i) END AS rank
                FROM statused)
            SELECT i, gen_random_uuid() AS uuid, day, patient_id, consent, practitioner_id,
                   practitioner_user_id, starts_at, minutes,
                   CASE WHEN rank <= %(nv)s AND rank %% 100 = 1 THEN 'arrived'
                        ELSE status0 END AS status,
                   CASE WHEN rank <= %(nv)s THEN rank END AS visit_rank
            FROM ranked;
            CREATE INDEX ON bench_a (uuid);
            ANALYZE bench_a;
            """,
            {
                "hours": list(SLOT_HOURS),
                "per_day": n["per_day"],
                "nr": n["practitioners"],
                "na": n["appointments"],
                "np": n["patients"],
                "step": _coprime_step(n["patients"]),
                "nv": n["visits"],
            },
            analyze=False,
        )
        self.sql(
            "patients_appointment",
            """
            INSERT INTO patients_appointment (
                uuid, starts_at, ends_at, status, notes, outside_hours_reason, booked_at,
                booked_by_id, status_changed_at, status_changed_by_id, cancelled_at,
                cancelled_by_id, cancellation_reason, cancelled_by_patient, reminded_at,
                patient_id, practitioner_id, type_id, calendar_sequence, source)
            SELECT uuid, starts_at, starts_at + make_interval(mins => minutes), status, '', '',
                   starts_at - interval '14 days', %(desk)s,
                   CASE WHEN status <> 'booked' THEN starts_at - interval '1 hour' END,
                   CASE WHEN status <> 'booked' THEN %(desk)s END,
                   CASE WHEN status = 'cancelled' THEN starts_at - interval '1 day' END,
                   CASE WHEN status = 'cancelled' THEN %(desk)s END,
                   CASE WHEN status = 'cancelled' THEN 'Patient asked to move it' ELSE '' END,
                   false, NULL, patient_id, practitioner_id,
                   CASE minutes WHEN 60 THEN %(initial)s WHEN 10 THEN %(call)s
                        ELSE %(follow_up)s END,
                   CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END, 'clinic'
            FROM bench_a ORDER BY i
            """,
            {
                "desk": self.desk_id,
                "initial": self.initial,
                "follow_up": self.follow_up,
                "call": self.call,
            },
        )

    def visits(self):
        self.sql(
            "treatments_visit (as drafts)",
            """
            INSERT INTO treatments_visit (uuid, date, current_step, status, created_at,
                                          patient_id, practitioner_id, appointment_id)
            SELECT gen_random_uuid(), a.day, 'review', 'draft', a.starts_at, a.patient_id,
                   a.practitioner_id, ap.id
            FROM bench_a a JOIN patients_appointment ap ON ap.uuid = a.uuid
            WHERE a.visit_rank IS NOT NULL ORDER BY a.visit_rank DESC
            """,
        )
        self.sql(
            "(plan of the visits)",
            """
            CREATE TEMP TABLE bench_v ON COMMIT DROP AS
            SELECT (row_number() OVER (ORDER BY v.id)) - 1 AS v, v.id, v.patient_id,
                   v.created_at, a.practitioner_user_id, a.visit_rank
            FROM treatments_visit v JOIN patients_appointment ap ON ap.id = v.appointment_id
            JOIN bench_a a ON a.uuid = ap.uuid;
            CREATE UNIQUE INDEX ON bench_v (v);
            ANALYZE bench_v;
            """,
            analyze=False,
        )

    def steps(self):
        self.sql(
            "treatments_assessment",
            """
            INSERT INTO treatments_assessment (
                complaint, onset, mechanism, duration, aggravating_factors, easing_factors,
                previous_treatment, surgery_history, findings, goals, plan, updated_at,
                condition_id, visit_id, changes_since_last, pain_now)
            SELECT 'Pain and stiffness, worse in the morning', 'Gradual', 'Overuse',
                   (2 + bv.v %% 20) || ' weeks', 'Running, stairs', 'Rest, heat', 'None',
                   'None', 'Tender, restricted range', 'Back to running', 'IASTR weekly',
                   bv.created_at, c.code, bv.id, '', 2 + bv.v %% 6
            FROM bench_v bv
            JOIN (SELECT code, (row_number() OVER (ORDER BY code)) - 1 AS k
                  FROM treatments_condition) AS c
              ON c.k = bv.v %% (SELECT count(*) FROM treatments_condition)
            """,
        )
        self.sql(
            "treatments_screening",
            """
            INSERT INTO treatments_screening (
                systolic, diastolic, result, result_reasons, completed_at, precaution,
                updated_at, visit_id, bp_not_measured_reason)
            SELECT 112 + v %% 20, 70 + v %% 15, 'clear', '[]'::jsonb, created_at, '',
                   created_at, id, ''
            FROM bench_v
            """,
        )
        self.sql(
            "treatments_treatmentsession",
            """
            INSERT INTO treatments_treatmentsession (
                warm_up, lubricant, tolerance, skin_response, cryotherapy_minutes,
                adverse_event_note, updated_at, visit_id)
            SELECT 'Stationary bike 5 min', 'Emollient', 'good',
                   (ARRAY['none','erythema','petechiae'])[1 + v %% 3], 10, '', created_at, id
            FROM bench_v
            """,
        )

    def applications(self):
        # Application m belongs to visit m %% NV (three or four per visit), written visit by visit
        # so that the triggers' lookups and the index insertions stay on the same pages.
        self.sql(
            "treatments_application",
            """
            WITH regions AS (
                SELECT code, sided, (row_number() OVER (ORDER BY position, code)) - 1 AS k
                FROM treatments_bodyregion),
            instruments AS (
                SELECT id, (row_number() OVER (ORDER BY id)) - 1 AS k
                FROM treatments_instrument WHERE active),
            strokes AS (
                SELECT code, (row_number() OVER (ORDER BY position, code)) - 1 AS k
                FROM treatments_stroketechnique),
            sessions AS (
                SELECT bv.v, ts.id, bv.created_at FROM bench_v bv
                JOIN treatments_treatmentsession ts ON ts.visit_id = bv.id)
            INSERT INTO treatments_application (
                side, direction, pressure, angle_degrees, duration_seconds, created_at,
                region_id, instrument_id, stroke_id, session_id)
            SELECT CASE WHEN rg.sided THEN (ARRAY['left','right'])[1 + m %% 2] ELSE 'midline' END,
                   (ARRAY['transverse','parallel','oblique','multi'])[1 + m %% 4],
                   (ARRAY['light','moderate','deep'])[1 + m %% 3], 45, 30 + m %% 91,
                   s.created_at + make_interval(mins => m %% 7), rg.code, ins.id, st.code, s.id
            FROM generate_series(0, %(napp)s - 1) AS m
            JOIN sessions s ON s.v = m %% %(nv)s
            JOIN regions rg ON rg.k = (m * 7) %% (SELECT count(*) FROM regions)
            JOIN instruments ins ON ins.k = m %% (SELECT count(*) FROM instruments)
            JOIN strokes st ON st.k = m %% (SELECT count(*) FROM strokes)
            ORDER BY s.v, m
            """,
            {"napp": self.n["applications"], "nv": self.n["visits"]},
        )

    def programs(self):
        # Patients with p %% 10 in (0, 1, 2) get a program at their latest visit: four exercises.
        self.sql(
            "treatments_homeprogram",
            """
            INSERT INTO treatments_homeprogram (uuid, created_at, activated_at, created_by_id,
                                                patient_id, visit_id)
            SELECT gen_random_uuid(), latest.created_at, latest.created_at,
                   latest.practitioner_user_id, latest.patient_id, latest.id
            FROM (SELECT DISTINCT ON (bv.patient_id) bv.* FROM bench_v bv
                  JOIN bench_p bp ON bp.id = bv.patient_id AND bp.p %% 10 < 3
                  ORDER BY bv.patient_id, bv.created_at DESC) AS latest
            """,
        )
        self.sql(
            "treatments_programexercise",
            """
            WITH ex AS (SELECT id, (row_number() OVER (ORDER BY id)) - 1 AS k
                        FROM treatments_exercise WHERE active)
            INSERT INTO treatments_programexercise (position, sets, reps, hold_seconds,
                times_per_day, days_per_week, notes, exercise_id, program_id)
            SELECT q, 3, 10 + 5 * q, CASE WHEN q = 3 THEN 30 END, 1 + q %% 2, 7, '', ex.id, hp.id
            FROM treatments_homeprogram hp
            JOIN bench_v bv ON bv.id = hp.visit_id
            CROSS JOIN generate_series(0, 3) AS q
            JOIN ex ON ex.k = (hp.id + q) %% (SELECT count(*) FROM ex)
            """,
        )

    def sign(self):
        self.sql(
            "treatments_visit (signed)",
            """
            UPDATE treatments_visit v SET status = 'signed', signed_by_id = bv.practitioner_user_id,
                   signed_at = bv.created_at + interval '2 hours'
            FROM bench_v bv WHERE bv.id = v.id AND bv.visit_rank %% 100 <> 1
            """,
        )
