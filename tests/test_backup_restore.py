"""`manage.py backup` and `manage.py restore` (README "Backups"): a dump restored into a new empty
database on the same server has every row, and the restored database still holds the rules.

Runs on whichever server the suite uses: the embedded one (pg_dump 18 from the wheel) or the
PostgreSQL service of DATABASE_URL (its own client tools). The rows are committed (pg_dump reads
from its own connection), so the test is transactional and the tables are emptied afterwards.
"""

import io
import re
import secrets
import subprocess

import psycopg2
import pytest
from django.core.management import CommandError, call_command
from psycopg2 import errors, sql

from revere import backups
from tests.clinical import apply, make_visit, signable
from tests.support import reload_reference_data
from treatments import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def records(physio):
    """A patient with a signed visit holding an application, and an addendum on it."""
    reload_reference_data()  # an earlier transactional test may have emptied the catalogues
    visit = signable(make_visit(physio))
    services.session_save(visit=visit, fields={"warm_up": "5 min bike"})
    apply(visit, "calf", "left", seconds=90)
    visit = services.visit_sign(visit=visit, by=physio)
    addendum = services.addendum_add(visit=visit, text="Bruising resolved.", by=physio)
    return visit, addendum


@pytest.fixture
def empty_database():
    """A new empty database on the test database's server; dropped afterwards."""
    source = backups.configured_database()
    name = f"test_restore_{secrets.token_hex(4)}"
    admin = source.connect()
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        yield source.with_name(name)
    finally:
        with admin.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()


def row_counts(database: backups.Database) -> dict[str, int]:
    conn = psycopg2.connect(**database.params)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            tables = [row[0] for row in cur.fetchall()]
            counts = {}
            for table in tables:
                cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
                counts[table] = cur.fetchone()[0]
            return counts
    finally:
        conn.close()


def run(command, *args, **options) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, **options)
    return out.getvalue()


def test_backup_then_restore_into_an_empty_database(records, empty_database, tmp_path):
    visit, addendum = records
    source = backups.configured_database()

    output = run("backup", output_dir=tmp_path)

    [dump] = list(tmp_path.iterdir())
    assert re.fullmatch(r"revere-\d{8}T\d{4}Z\.dump", dump.name)
    assert dump.stat().st_mode & 0o777 == 0o600
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    server_major = source.server_version_num() // 10000
    assert f"pg_dump {server_major} " in output

    output = run("restore", str(dump), dbname=empty_database.name)

    assert f"pg_restore {server_major} " in output
    counts = row_counts(source)
    assert counts["treatments_visit"] >= 1 and counts["treatments_addendum"] == 1
    assert counts["treatments_application"] == 1
    assert row_counts(empty_database) == counts

    # The restored database still holds the rules, with or without pgtrigger.ignore.
    conn = psycopg2.connect(**empty_database.params)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            with pytest.raises(errors.RaiseException, match="Cannot update or delete rows"):
                cur.execute("UPDATE treatments_visit SET date = date - 1 WHERE id = %s", [visit.pk])
            with pytest.raises(psycopg2.DatabaseError, match="This visit is signed") as excinfo:
                cur.execute(
                    "UPDATE treatments_treatmentsession SET warm_up = 'x' WHERE visit_id = %s",
                    [visit.pk],
                )
            assert excinfo.value.pgcode == "RV001"
            with pytest.raises(errors.RaiseException, match="Cannot update or delete rows"):
                cur.execute("DELETE FROM treatments_addendum WHERE id = %s", [addendum.pk])
            cur.execute("BEGIN")
            cur.execute(
                "SELECT set_config('pgtrigger.ignore', %s, true)",
                ["{pgtrigger_signed_visit_is_read_only_57837}"],
            )
            with pytest.raises(errors.RaiseException):
                cur.execute("DELETE FROM treatments_visit WHERE id = %s", [visit.pk])
            cur.execute("ROLLBACK")
            cur.execute("SELECT status FROM treatments_visit WHERE id = %s", [visit.pk])
            assert cur.fetchone() == ("signed",)
            cur.execute("SELECT count(*) FROM treatments_addendum")
            assert cur.fetchone() == (1,)
    finally:
        conn.close()


def test_restore_refuses_a_database_that_has_tables(records, tmp_path):
    run("backup", output_dir=tmp_path)
    [dump] = list(tmp_path.iterdir())

    with pytest.raises(CommandError, match="is not empty .* Restore only into an empty database"):
        run("restore", str(dump))

    assert row_counts(backups.configured_database())["treatments_addendum"] == 1


def test_restore_of_a_missing_file_says_so(tmp_path):
    with pytest.raises(CommandError, match="No readable backup file"):
        run("restore", str(tmp_path / "nothing.dump"))


def test_backup_to_stdout_is_a_custom_format_dump(records, capfdbinary, tmp_path):
    call_command("backup", "--stdout")

    dump = tmp_path / "piped.dump"
    dump.write_bytes(capfdbinary.readouterr().out)
    assert dump.read_bytes()[:5] == b"PGDMP"
    major = backups.configured_database().server_version_num() // 10000
    pg_restore = backups.find_tool("pg_restore", major)
    listing = subprocess.run(
        [str(pg_restore.path), "--list", str(dump)], capture_output=True, text=True, check=True
    ).stdout
    assert "TABLE DATA public treatments_addendum" in listing


def test_the_tools_fit_the_server():
    major = backups.configured_database().server_version_num() // 10000

    assert backups.find_tool("pg_dump", major).major == major
    assert backups.find_tool("pg_restore", major).major == major


def test_no_fitting_tool_is_a_clear_error(settings, tmp_path):
    settings.PG_BIN_DIR = str(tmp_path)

    with pytest.raises(
        CommandError, match=r"No pg_restore fits the PostgreSQL 15 server.*PG_BIN_DIR"
    ):
        backups.find_tool("pg_restore", 15)


def fake_tool(folder, name, major):
    """An executable that answers --version like PostgreSQL's client tool of ``major``."""
    path = folder / name
    path.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {major}.1'\n")
    path.chmod(0o755)
    return path


def test_a_pg_restore_17_or_newer_is_not_used_on_an_older_server(settings, tmp_path):
    settings.PG_BIN_DIR = str(tmp_path)
    fake_tool(tmp_path, "pg_restore", 18)
    fake_tool(tmp_path, "pg_dump", 18)

    with pytest.raises(CommandError, match="transaction_timeout"):
        backups.find_tool("pg_restore", 15)
    assert backups.find_tool("pg_restore", 17).major == 18
    # pg_dump reads older servers; its archive then needs a pg_restore as new.
    assert backups.find_tool("pg_dump", 15).major == 18


def test_a_tool_of_the_servers_version_wins(settings, tmp_path):
    settings.PG_BIN_DIR = str(tmp_path)
    fake_tool(tmp_path, "pg_dump", 14)

    assert backups.find_tool("pg_dump", 14).path == tmp_path / "pg_dump"
    with pytest.raises(CommandError, match=r"tried: pg_dump 14 \("):
        backups.find_tool("pg_dump", 16)
