"""The app runs as a database role that does not own the tables (README "Database roles").

The owner role runs `migrate`; the app role may only read and write rows. It can therefore not
DISABLE, DROP or ALTER a trigger, TRUNCATE a table (which fires no row trigger) or switch triggers
off for its session with session_replication_role, so the clinical rules hold against it whatever
SQL it sends. The test creates such a role on the test database's server, grants it exactly what
the README says, and connects as it.
"""

import secrets

import psycopg2
import pytest
from django.db import connection
from psycopg2 import errors, sql

pytestmark = pytest.mark.django_db

# The README's grants, with the owner being whoever owns the test database's tables.
GRANTS = """
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    GRANT CONNECT ON DATABASE {database} TO {app};
    GRANT USAGE ON SCHEMA public TO {app};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app};
    GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {app};
    ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
        GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app};
    ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
        GRANT USAGE ON SEQUENCES TO {app};
"""


def connection_params() -> dict:
    """psycopg2 keywords for the test database: same host (or socket folder), port and name."""
    connection.ensure_connection()
    params = connection.get_connection_params()
    return {k: params[k] for k in ("dbname", "user", "password", "host", "port") if params.get(k)}


@pytest.fixture
def app_role():
    """A new LOGIN role granted as the README says; dropped (with its grants) afterwards."""
    params = connection_params()
    name = f"revere_app_test_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(16)
    admin = psycopg2.connect(**params)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'treatments_visit'")
            owner = cur.fetchone()[0]
            try:
                cur.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(name)),
                    [password],
                )
            except errors.InsufficientPrivilege as exc:
                pytest.skip(
                    f"the database server does not let {params['user']} create roles: {exc}"
                )
            try:
                cur.execute(
                    sql.SQL(GRANTS).format(
                        database=sql.Identifier(params["dbname"]),
                        app=sql.Identifier(name),
                        owner=sql.Identifier(owner),
                    )
                )
                yield {**params, "user": name, "password": password}
            finally:
                # DROP OWNED revokes its grants here (default privileges included) and on the
                # database itself; then the role can go.
                cur.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
                cur.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
    finally:
        admin.close()


@pytest.fixture
def as_app(app_role):
    conn = psycopg2.connect(**app_role)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


def test_the_app_role_reads_and_writes_rows(as_app):
    as_app.execute("SELECT current_user, count(*) FROM treatments_visit")
    user, _ = as_app.fetchone()
    assert user.startswith("revere_app_test_")

    # A write through a sequence (USAGE) and a delete, as the app does all day.
    as_app.execute("INSERT INTO auth_group (name) VALUES ('role test') RETURNING id")
    group_id = as_app.fetchone()[0]
    as_app.execute("DELETE FROM auth_group WHERE id = %s", [group_id])
    assert as_app.rowcount == 1


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE treatments_visit DISABLE TRIGGER ALL",
        "ALTER TABLE treatments_visit DISABLE TRIGGER USER",
        "ALTER TABLE treatments_addendum DISABLE TRIGGER pgtrigger_addenda_are_append_only_0f24d",
        "DROP TRIGGER pgtrigger_signed_visit_is_read_only_57837 ON treatments_visit",
        "ALTER TABLE treatments_application DROP CONSTRAINT application_duration_1_to_120_seconds",
        "CREATE OR REPLACE FUNCTION pgtrigger_signed_visit_is_read_only_57837() RETURNS trigger "
        "AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql",
        "TRUNCATE treatments_addendum",
        "SET session_replication_role = replica",
        "CREATE TABLE public.not_here (id int)",
    ],
    ids=[
        "disable all",
        "disable user",
        "disable one",
        "drop trigger",
        "drop constraint",
        "replace function",
        "truncate",
        "replication role",
        "create table",
    ],
)
def test_the_app_role_cannot_switch_the_rules_off(as_app, statement):
    with pytest.raises(errors.InsufficientPrivilege) as excinfo:
        as_app.execute(statement)

    assert "permission denied" in str(excinfo.value) or "must be owner" in str(excinfo.value)


def test_the_triggers_named_above_exist():
    """The names used above are the installed ones (or the refusals would prove nothing)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgname = ANY(%s)",
            [
                [
                    "pgtrigger_addenda_are_append_only_0f24d",
                    "pgtrigger_signed_visit_is_read_only_57837",
                ]
            ],
        )
        assert len(cursor.fetchall()) == 2
