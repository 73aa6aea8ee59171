"""`manage.py backup`: the whole database with pg_dump, custom format, one timestamped file.

    manage.py backup                       -> var/backups/revere-20261201T2130Z.dump
    manage.py backup --output-dir /srv/x   -> /srv/x/revere-20261201T2130Z.dump
    manage.py backup --stdout | gpg ...    -> the dump on standard output (for a pipe)

The file is readable by its owner only (it holds health records), written under a temporary name
and renamed when pg_dump has finished and pg_restore can read its table of contents, so a file
with the final name is always a whole backup. See README "Backups".
"""

import os
import subprocess
import sys
from datetime import UTC
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.utils import timezone

from revere import backups


def backup_file_name(now=None) -> str:
    now = (now or timezone.now()).astimezone(UTC)
    return f"revere-{now:%Y%m%dT%H%MZ}.dump"


class Command(BaseCommand):
    help = "Back up the database with pg_dump (custom format) to a timestamped file or stdout."

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group()
        where.add_argument(
            "--output-dir",
            type=Path,
            default=None,
            help="Folder for the backup file (default: var/backups/ beside manage.py).",
        )
        where.add_argument(
            "--stdout",
            action="store_true",
            dest="to_stdout",
            help="Write the dump to standard output (for a pipe), not to a file.",
        )

    def handle(self, *args, output_dir=None, to_stdout=False, **options):
        if not isinstance(to_stdout, bool):
            # call_command(..., stdout=stream) lands here (its keyword matches --stdout): that
            # stream is for the messages, as for any command.
            self.stdout = OutputWrapper(to_stdout)
            to_stdout = False
        database = backups.configured_database()
        server = database.server_version_num()
        pg_dump = backups.find_tool("pg_dump", server // 10000)
        dump_args = ["--format=custom", "--no-password"]

        if to_stdout:
            out = sys.stdout.buffer
            if out.isatty():
                raise CommandError("The dump is binary: send --stdout to a pipe or a file.")
            out.flush()
            backups.run_tool(pg_dump, dump_args, database, stdout=out.fileno())
            return

        folder = (output_dir or Path(settings.BASE_DIR) / "var" / "backups").resolve()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = folder / backup_file_name()
        if target.exists():
            raise CommandError(f"{target} already exists: one backup a minute at most.")
        partial = target.with_name(f".{target.name}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            try:
                backups.run_tool(pg_dump, dump_args, database, stdout=fd)
            finally:
                os.close(fd)
            pg_restore = backups.find_tool("pg_restore", pg_dump.major)
            backups.run_tool(
                pg_restore, ["--list", str(partial)], database, stdout=subprocess.DEVNULL
            )
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)

        size = target.stat().st_size
        self.stdout.write(
            f"Backup of the {database.label} (PostgreSQL {server // 10000}) written by "
            f"{pg_dump}: {target} ({size:,} bytes)."
        )
