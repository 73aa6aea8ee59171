"""The access log refuses UPDATE and DELETE, in plain SQL.

Not a pgtrigger trigger on purpose: pgtrigger renders every trigger function with a check of the
``pgtrigger.ignore`` setting, so any session could switch a pgtrigger protection off with
``set_config('pgtrigger.ignore', ...)``. This function has no such check. The name has no
``pgtrigger_`` prefix, so ``pgtrigger prune`` leaves it alone.

Also an index on the user recorded in pghistory's context, for the manager's per-user page.
"""

from django.db import migrations

APPEND_ONLY = """
CREATE FUNCTION revere_access_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'The access log is append-only: its rows are never changed or deleted.'
        USING ERRCODE = 'RV021';
END;
$$;
CREATE TRIGGER revere_access_log_append_only
    BEFORE UPDATE OR DELETE ON audit_accesslog
    FOR EACH ROW EXECUTE FUNCTION revere_access_log_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS revere_access_log_append_only ON audit_accesslog;
DROP FUNCTION IF EXISTS revere_access_log_append_only();
"""

CONTEXT_USER_INDEX = """
CREATE INDEX IF NOT EXISTS revere_pghistory_context_user_idx
    ON pghistory_context (((metadata ->> 'user')));
"""

DROP_CONTEXT_USER_INDEX = "DROP INDEX IF EXISTS revere_pghistory_context_user_idx;"


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_access_log_and_user_history"),
        ("pghistory", "0007_auto_20250421_0444"),
    ]

    operations = [
        migrations.RunSQL(APPEND_ONLY, DROP_APPEND_ONLY),
        migrations.RunSQL(CONTEXT_USER_INDEX, DROP_CONTEXT_USER_INDEX),
    ]
