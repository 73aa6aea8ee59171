"""The benchmark driver (`make bench`): serve the seeded bench database with gunicorn, load each
page with wrk, and print one table.

For each page: a request through urllib first (its status, and the X-Queries header the bench
middleware sets), then rounds of wrk, alternating the floor view and the page (floor, page, floor,
page...) so both see the same machine; the ratio is the floor's requests per second over the
page's (how many floor requests one page request costs). POSTs are compared with the floor POST;
each booking POST takes its own free slot from a pool (bench/wrk.lua reads it).

Run from the repository root with DJANGO_SETTINGS_MODULE=revere.settings_bench (the Makefile does).
"""

import argparse
import datetime
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revere.settings_bench")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.sessions import cookie_header  # noqa: E402
from patients.models import Appointment, AppointmentType, Patient, Practitioner  # noqa: E402
from treatments.management.commands import seed_scale  # noqa: E402
from treatments.models import HomeProgram, Visit  # noqa: E402

LUA = pathlib.Path(__file__).resolve().parent / "wrk.lua"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(base, path, cookie, method="GET", body=None, csrf=""):
    headers = {"Cookie": cookie}
    data = None
    if method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["X-CSRFToken"] = csrf
        data = body.encode()
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=120) as response:
            return response.status, response.headers.get("X-Queries"), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("X-Queries"), exc.read()


def wrk(base, path, cookie, *, seconds, connections, expect, method="GET", pool=None, csrf=""):
    """One wrk run; returns requests/s, p50 and p99 (ms) and the count of unexpected statuses."""
    args = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        base + path,
        "--",
        str(expect),
        method,
        pool or "",
        cookie,
        csrf,
    ]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCHJSON "))
    result = json.loads(line.removeprefix("BENCHJSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def settle(run):
    """Let the requests wrk left in flight finish (about its p99) before the next run starts,
    so a slow page's tail is not billed to the floor run after it."""
    time.sleep(min(10.0, run["p99_us"] / 1e6))


def bench_fixtures():
    """The pages to load, found in the seeded data."""
    User = get_user_model()
    users = {
        name: User.objects.get(username=name)
        for name in (seed_scale.BENCH_MANAGER, seed_scale.BENCH_FRONT_DESK)
    }
    practitioner = (
        Practitioner.objects.filter(registration_number__startswith="PT-BENCH-")
        .select_related("user")
        .order_by("registration_number")
        .first()
    )
    today = timezone.localdate()
    busy = today
    while busy.weekday() >= 5:
        busy -= datetime.timedelta(days=1)
    visit = (
        Visit.objects.filter(status="signed", practitioner__registration_number__startswith="PT-")
        .order_by("-date", "-pk")
        .first()
    )
    program = (
        HomeProgram.objects.filter(patient__user__username__startswith="bench.patient.")
        .select_related("patient__user")
        .order_by("-activated_at")
        .first()
    )
    # A surname the seed gives to one patient in 80, typed with two letters swapped.
    typo = "Jonhson"
    phone_fragment = "".join(c for c in Patient.objects.order_by("pk")[7].phone if c.isdigit())[-4:]
    return {
        "users": {
            "physio": practitioner.user,
            "desk": users[seed_scale.BENCH_FRONT_DESK],
            "manager": users[seed_scale.BENCH_MANAGER],
            "patient": program.patient.user,
        },
        "practitioner": practitioner,
        "busy": busy,
        "visit": visit,
        "program": program,
        "typo": typo,
        "phone_fragment": phone_fragment,
    }


def booking_pool(count: int) -> list[str]:
    """POST bodies of distinct free slots: follow-ups on working days past the seeded weeks,
    every half hour of the working blocks, skipping any time taken (say by an earlier run)."""
    follow_up = AppointmentType.objects.get(minutes=30, mode="in_clinic", active=True)
    practitioners = list(
        Practitioner.objects.filter(registration_number__startswith="PT-BENCH-").order_by("pk")
    )
    patients = list(
        Patient.objects.filter(archived_at=None)
        .order_by("pk")
        .values_list("uuid", flat=True)[: max(50, len(practitioners) * 2)]
    )
    zone = timezone.get_default_timezone()
    start_day = timezone.localdate() + datetime.timedelta(days=seed_scale.FUTURE_WORKING_DAYS * 2)
    end_day = timezone.localdate() + datetime.timedelta(days=360)
    taken = set(
        Appointment.objects.active()
        .filter(starts_at__gte=datetime.datetime.combine(start_day, datetime.time(0), zone))
        .values_list("practitioner_id", "starts_at")
    )
    busy_patients = set(
        Appointment.objects.active()
        .filter(starts_at__gte=datetime.datetime.combine(start_day, datetime.time(0), zone))
        .values_list("patient__uuid", "starts_at")
    )
    halves = [datetime.time(h, m) for h in (8, 9, 10, 11, 13, 14, 15, 16, 17) for m in (0, 30)]
    bodies, k = [], 0
    day = start_day
    while len(bodies) < count and day < end_day:
        if day.weekday() < 5:
            for t in halves:
                starts = datetime.datetime.combine(day, t, zone)
                for practitioner in practitioners:
                    patient = patients[k % len(patients)]
                    k += 1
                    key = (practitioner.pk, starts.astimezone(datetime.UTC))
                    if key in taken or (patient, key[1]) in busy_patients:
                        continue
                    bodies.append(
                        urllib.parse.urlencode(
                            {
                                "patient": str(patient),
                                "type": follow_up.pk,
                                "practitioner": practitioner.pk,
                                "day": day.isoformat(),
                                "start": starts.isoformat(),
                            }
                        )
                    )
        day += datetime.timedelta(days=1)
    return bodies


def start_server(port: int, workers: int):
    gunicorn = shutil.which("gunicorn", path=str(ROOT / ".venv" / "bin")) or "gunicorn"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "revere.settings_bench"}
    log = open(ROOT / "var" / "bench-gunicorn.log", "w")  # noqa: SIM115 (closed with the server)
    server = subprocess.Popen(
        [
            gunicorn,
            "revere.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "--env",
            "DJANGO_SETTINGS_MODULE=revere.settings_bench",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/accounts/login/", timeout=10)
            return server, base
        except OSError:  # refused while booting, or a timeout on a busy machine
            if server.poll() is not None:
                raise SystemExit("gunicorn stopped: see var/bench-gunicorn.log") from None
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not answer within two minutes: see var/bench-gunicorn.log")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="floor/page pairs per page")
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument("--output", default=str(ROOT / "var" / "bench-results.md"))
    opts = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (make bench installs it with apt-get).")

    fx = bench_fixtures()
    cookies = {role: cookie_header(user) for role, user in fx["users"].items()}
    day = fx["busy"].isoformat()
    q = urllib.parse.quote
    pages = [
        # name, role, method, path, expected status
        ("Day schedule (busy day)", "desk", "GET", f"/patients/schedule/?day={day}", 200),
        (
            "Week view",
            "desk",
            "GET",
            f"/patients/schedule/week/{fx['practitioner'].pk}/?day={day}",
            200,
        ),
        ("Patient page (physio)", "physio", "GET", f"/patients/{fx['visit'].patient.uuid}/", 200),
        ("Visit review (signed)", "physio", "GET", f"/visits/{fx['visit'].uuid}/review/", 200),
        ("Portal: My plan", "patient", "GET", "/portal/", 200),
        ("Search: name fragment 'tremb'", "desk", "GET", "/patients/?q=tremb", 200),
        (f"Search: typo '{fx['typo']}'", "desk", "GET", f"/patients/?q={q(fx['typo'])}", 200),
        (
            f"Search: phone '{fx['phone_fragment']}'",
            "desk",
            "GET",
            f"/patients/?q={fx['phone_fragment']}",
            200,
        ),
        (
            f"Admin changelist: '{fx['typo']}'",
            "manager",
            "GET",
            f"/admin/patients/patient/?q={q(fx['typo'])}",
            200,
        ),
        ("Handout PDF", "physio", "GET", f"/programs/{fx['program'].uuid}/handout.pdf", 200),
        ("Booking POST", "desk", "POST", "/patients/appointments/book/", 302),
    ]
    if opts.only:
        wanted = {w.strip().lower() for w in opts.only.split(",")}
        pages = [p for p in pages if any(w in p[0].lower() for w in wanted)]

    # One slot for the query-count request, then a separate share of the pool for each round.
    pool = booking_pool(1 + 2500 * opts.rounds)
    share = (len(pool) - 1) // opts.rounds
    pool_files = []
    for n in range(opts.rounds):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as pool_file:
            pool_file.write("\n".join(pool[1 + n * share : 1 + (n + 1) * share]) + "\n")
        pool_files.append(pool_file.name)

    server, base = start_server(opts.port, opts.workers)
    rows = []
    try:
        for name, role, method, path, expect in pages:
            cookie, csrf = cookies[role]
            body = pool[0] if method == "POST" else None
            status, queries, _ = fetch(base, path, cookie, method, body, csrf)
            if status != expect:
                print(f"{name}: {method} {path} answered {status}, expected {expect}", flush=True)
            floor_path = "/bench/floor/post/" if method == "POST" else "/bench/floor/"
            _, floor_queries, _ = fetch(base, floor_path, cookie, method, "x=1", csrf)
            page_runs, floor_runs = [], []
            for n in range(opts.rounds):
                floor_runs.append(
                    wrk(
                        base,
                        floor_path,
                        cookie,
                        seconds=opts.seconds,
                        connections=opts.connections,
                        expect=200,
                        method=method,
                        pool="",
                        csrf=csrf,
                    )
                )
                settle(floor_runs[-1])
                page_runs.append(
                    wrk(
                        base,
                        path,
                        cookie,
                        seconds=opts.seconds,
                        connections=opts.connections,
                        expect=expect,
                        method=method,
                        pool=pool_files[n] if method == "POST" else "",
                        csrf=csrf,
                    )
                )
                settle(page_runs[-1])
            row = summarise(name, page_runs, floor_runs, queries, floor_queries)
            rows.append(row)
            print(format_row(row), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        for name in pool_files:
            os.unlink(name)
    table = render(rows, opts)
    print()
    print(table)
    pathlib.Path(opts.output).write_text(table + "\n")


def summarise(name, page_runs, floor_runs, queries, floor_queries):
    def total(runs):
        requests = sum(r["requests"] for r in runs)
        seconds = sum(r["duration_us"] for r in runs) / 1e6
        return requests / seconds if seconds else 0.0

    page_rps, floor_rps = total(page_runs), total(floor_runs)
    return {
        "name": name,
        "rps": page_rps,
        "p50": max(r["p50_us"] for r in page_runs) / 1000,
        "p99": max(r["p99_us"] for r in page_runs) / 1000,
        "floor_rps": floor_rps,
        "floor_p50": max(r["p50_us"] for r in floor_runs) / 1000,
        "ratio": floor_rps / page_rps if page_rps else float("inf"),
        "queries": queries or "?",
        "floor_queries": floor_queries or "?",
        "bad": sum(r["unexpected"] + r["errors"] for r in page_runs + floor_runs),
    }


HEADER = (
    "| page | req/s | p50 ms | p99 ms | floor req/s | floor p50 ms | x floor | queries "
    "(floor) | bad |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def format_row(r):
    return (
        f"| {r['name']} | {r['rps']:.1f} | {r['p50']:.0f} | {r['p99']:.0f} | "
        f"{r['floor_rps']:.1f} | {r['floor_p50']:.0f} | {r['ratio']:.1f} | "
        f"{r['queries']} ({r['floor_queries']}) | {r['bad']} |"
    )


def render(rows, opts):
    with django.db.connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM patients_patient")
        patients = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM patients_appointment")
        appointments = cur.fetchone()[0]
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    head = (
        f"{patients:,} patients, {appointments:,} appointments; {os.cpu_count()} cores ({cpu}); "
        f"gunicorn {opts.workers} workers, wrk {opts.connections} connections, "
        f"{opts.rounds} x {opts.seconds} s per page and floor, interleaved; "
        f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; "
        f"{timezone.now():%Y-%m-%d %H:%M} UTC"
    )
    return "\n".join([head, "", HEADER, *map(format_row, rows)])


if __name__ == "__main__":
    main()
