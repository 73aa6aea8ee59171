"""The database the app runs on: extensions, and the embedded server shared between processes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def test_migrations_create_the_extensions():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension")
        extensions = {row[0] for row in cursor.fetchall()}
    assert {"btree_gist", "pg_trgm"} <= extensions


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="runs only on the embedded server (no DATABASE_URL)",
)
def test_a_second_process_reuses_the_running_embedded_server():
    assert connection.vendor == "postgresql"
    host = connection.settings_dict["HOST"]
    assert host.endswith(os.path.join("var", "pgdata")) or "pgdata" in host
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.db import connection; connection.ensure_connection(); "
            "print(connection.settings_dict['HOST'])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == host
    # The other process has exited; this one still holds the server.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
