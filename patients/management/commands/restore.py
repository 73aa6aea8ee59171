"""`manage.py restore FILE`: a `manage.py backup` file into an EMPTY database.

    manage.py restore var/backups/revere-20261201T2130Z.dump
    manage.py restore revere-20261201T2130Z.dump --dbname revere_restore_test

The target is the configured database (DATABASE_URL, or the embedded one), or another database on
the same server with --dbname. It must exist and be empty: a restore never writes over records (no
--force; create a new database, restore, then point DATABASE_URL at it). It runs in one
transaction, so a failed restore leaves the database empty. Objects belong to the connecting role
and the dump's grants are not restored: grant the app role again afterwards (README "Database
roles").
"""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from revere import backups


class Command(BaseCommand):
    help = "Restore a `manage.py backup` file into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The .dump file written by `manage.py backup`.")
        parser.add_argument(
            "--dbname",
            default=None,
            help="Restore into this database on the same server (default: the configured one).",
        )

    def handle(self, *args, file, dbname=None, **options):
        path = file.expanduser().resolve()
        if not path.is_file() or not os.access(path, os.R_OK):
            raise CommandError(f"No readable backup file at {path}.")
        database = backups.configured_database()
        if dbname:
            database = database.with_name(dbname)

        tables = database.tables()
        if tables:
            shown = ", ".join(tables[:3]) + (", ..." if len(tables) > 3 else "")
            raise CommandError(
                f"The {database.label} is not empty ({len(tables)} tables, views or sequences: "
                f"{shown}). Restore only into an empty database: create a new one "
                f"(CREATE DATABASE ...) and restore into it with --dbname."
            )

        server = database.server_version_num()
        pg_restore = backups.find_tool("pg_restore", server // 10000)
        backups.run_tool(
            pg_restore,
            [
                "--no-password",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={database.name}",
                str(path),
            ],
            database,
        )
        count = len(database.tables())
        self.stdout.write(
            f"Restored {path.name} into the {database.label} (PostgreSQL {server // 10000}) "
            f"with {pg_restore}: {count} tables, views and sequences. Grant the app role its "
            "privileges again (README 'Database roles') before the app uses it."
        )
