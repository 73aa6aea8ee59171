"""A patient row is never deleted: the record is archived instead (``archived_at``).

Plain SQL rather than pgtrigger, so ``set_config('pgtrigger.ignore', ...)`` cannot switch it
off (pgtrigger renders its functions with that check). The name has no ``pgtrigger_`` prefix, so
``pgtrigger prune`` leaves it alone. TRUNCATE (the test suite's flush) is not a row delete.
"""

from django.db import migrations

NEVER_DELETED = """
CREATE FUNCTION revere_patient_never_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'Patient records are never deleted: archive the record instead.'
        USING ERRCODE = 'RV020';
END;
$$;
CREATE TRIGGER revere_patient_never_deleted
    BEFORE DELETE ON patients_patient
    FOR EACH ROW EXECUTE FUNCTION revere_patient_never_deleted();
"""

DROP_NEVER_DELETED = """
DROP TRIGGER IF EXISTS revere_patient_never_deleted ON patients_patient;
DROP FUNCTION IF EXISTS revere_patient_never_deleted();
"""


class Migration(migrations.Migration):
    dependencies = [("patients", "0006_history_with_delete_events")]

    operations = [migrations.RunSQL(NEVER_DELETED, DROP_NEVER_DELETED)]
