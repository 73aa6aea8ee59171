"""Database triggers (django-pgtrigger) that hold the clinical rules even against raw SQL.

- ``locked_when_visit_signed``: once a visit is signed, its rows cannot be inserted, updated or
  deleted. The services check first and show a clear message; this is the last line.
- ``application_screening_rules``: an IASTR application row is refused unless the same visit has a
  completed screening that allows it (no absolute systemic finding, blood pressure under the
  clinic's absolute line, no absolute local finding at that region and side, and, with any
  precaution, a written and acknowledged precaution). It reads the findings and the blood-pressure
  policy itself, so a crafted INSERT cannot rely on a stale computed result. The patient must
  have consented to IASTR (``patients_patient.consent_iastr_at``).
- ``visit_signed_by_its_practitioner``: a visit is signed only by its practitioner's own login,
  and a draft is reassigned only to an active practitioner.
- ``visit_not_for_a_phone_call``: a visit never records a phone consultation call.

The tables are named here in SQL; the migrations that create these triggers are checked by
`makemigrations --check`, so a renamed table would show up there.

Every protection trigger is ``Unignorable`` (or ``UnignorableProtect``): pgtrigger's own trigger
functions begin with a check of the ``pgtrigger.ignore`` setting, which any SQL session may set
(``SELECT set_config('pgtrigger.ignore', '{...}', true)``, or ``pgtrigger.ignore()`` in Python) to
skip them. These functions have no such check, so no session setting switches a rule off; only the
tables' owner can (ALTER TABLE ... DISABLE TRIGGER), and the app does not run as the owner (README
"Database roles").
"""

import pgtrigger
from pgtrigger import compiler


class UnignorableTriggerSql(compiler.UpsertTriggerSql):
    """pgtrigger's installation SQL (``UpsertTriggerSql`` v1) without the ignore check: the
    function runs its body, whatever ``pgtrigger.ignore`` says. Migrations reference this class by
    its path, so edit the template only together with a new migration (the hash changes)."""

    def get_template(self) -> str:
        return """
            CREATE OR REPLACE FUNCTION {pgid}()
            RETURNS TRIGGER AS $$
                {declare}
                BEGIN
                    {func}
                END;
            $$ LANGUAGE plpgsql;

            DROP TRIGGER IF EXISTS {pgid} ON {table};
            CREATE {constraint} TRIGGER {pgid}
                {when} {operation} ON {table}
                {timing}
                {referencing}
                FOR EACH {level} {condition}
                EXECUTE PROCEDURE {execute};

            COMMENT ON TRIGGER {pgid} ON {table} IS '{hash}';
        """


class _NoIgnoreCheck:
    """Compiles a pgtrigger trigger with ``UnignorableTriggerSql``: same name, table, timing,
    condition and body; no ``_pgtrigger_should_ignore`` call."""

    def compile(self, model) -> compiler.Trigger:
        compiled = super().compile(model)
        kwargs = {k: v for k, v in compiled.sql.kwargs.items() if k != "ignore_func_name"}
        return compiler.Trigger(name=compiled.name, sql=UnignorableTriggerSql(**kwargs))


class Unignorable(_NoIgnoreCheck, pgtrigger.Trigger):
    """A free-form trigger that ``pgtrigger.ignore`` cannot switch off."""


class UnignorableProtect(_NoIgnoreCheck, pgtrigger.Protect):
    """``pgtrigger.Protect`` that ``pgtrigger.ignore`` cannot switch off."""


SIGNED_MESSAGE = "This visit is signed: its record is read-only. Add an addendum instead."

VIA_ASSESSMENT = "(SELECT a.visit_id FROM treatments_assessment a WHERE a.id = {row}.assessment_id)"
VIA_SCREENING = "(SELECT s.visit_id FROM treatments_screening s WHERE s.id = {row}.screening_id)"
VIA_PROGRAM = "(SELECT hp.visit_id FROM treatments_homeprogram hp WHERE hp.id = {row}.program_id)"
VIA_SESSION = (
    "(SELECT ts.visit_id FROM treatments_treatmentsession ts WHERE ts.id = {row}.session_id)"
)


def _visit_id(via: str, row: str) -> str:
    return via.format(row=row) if "{row}" in via else f"{row}.{via}"


def locked_when_visit_signed(name: str, via: str) -> Unignorable:
    """Refuse any write to a row that belongs (or would belong) to a signed visit."""
    signed = (
        "EXISTS (SELECT 1 FROM treatments_visit v WHERE v.id = {visit} AND v.status = 'signed')"
    )
    func = f"""
        IF TG_OP IN ('UPDATE', 'DELETE') AND {signed.format(visit=_visit_id(via, "OLD"))} THEN
            RAISE EXCEPTION '{SIGNED_MESSAGE}' USING ERRCODE = 'RV001';
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND {signed.format(visit=_visit_id(via, "NEW"))} THEN
            RAISE EXCEPTION '{SIGNED_MESSAGE}' USING ERRCODE = 'RV001';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    """
    return Unignorable(
        name=f"{name}_locked_when_signed",
        when=pgtrigger.Before,
        operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
        func=func,
    )


def side_fits_region(name: str) -> Unignorable:
    """A sided region (a limb) is recorded left, right or both; a midline one (neck, back) is
    recorded midline. Rows without a region (systemic findings) are not concerned."""
    func = """
        IF NEW.region_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM treatments_bodyregion r
            WHERE r.code = NEW.region_id
              AND ((r.sided AND NEW.side IN ('left', 'right', 'both'))
                   OR (NOT r.sided AND NEW.side = 'midline')))
        THEN
            RAISE EXCEPTION 'The side does not fit the region.' USING ERRCODE = 'RV006';
        END IF;
        RETURN NEW;
    """
    return Unignorable(
        name=f"{name}_side_fits_region",
        when=pgtrigger.Before,
        operation=pgtrigger.Insert | pgtrigger.Update,
        func=func,
    )


def visit_signed_by_its_practitioner() -> Unignorable:
    """Signing (status becoming 'signed') needs ``signed_by`` to be the practitioner's own user;
    a change of practitioner (the manager's reassignment) needs an active practitioner."""
    func = """
        IF NEW.status = 'signed' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'signed')
            AND NEW.signed_by_id IS DISTINCT FROM (
                SELECT p.user_id FROM patients_practitioner p WHERE p.id = NEW.practitioner_id)
        THEN
            RAISE EXCEPTION 'Only the visit''s practitioner can sign it.' USING ERRCODE = 'RV007';
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.practitioner_id IS DISTINCT FROM OLD.practitioner_id
            AND NOT EXISTS (
                SELECT 1 FROM patients_practitioner p
                WHERE p.id = NEW.practitioner_id AND p.active)
        THEN
            RAISE EXCEPTION 'A visit is assigned only to an active practitioner.'
                USING ERRCODE = 'RV009';
        END IF;
        RETURN NEW;
    """
    return Unignorable(
        name="visit_signed_by_its_practitioner",
        when=pgtrigger.Before,
        operation=pgtrigger.Insert | pgtrigger.Update,
        func=func,
    )


def visit_not_for_a_phone_call() -> Unignorable:
    """A visit records an appointment in the clinic: a phone consultation call opens no clinical
    record (the service says so first; this holds against a crafted INSERT or UPDATE)."""
    func = """
        IF NEW.appointment_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM patients_appointment a
            JOIN patients_appointmenttype t ON t.id = a.type_id
            WHERE a.id = NEW.appointment_id AND t.mode = 'phone')
        THEN
            RAISE EXCEPTION 'A phone consultation call is not a clinic visit.'
                USING ERRCODE = 'RV010';
        END IF;
        RETURN NEW;
    """
    return Unignorable(
        name="visit_not_for_a_phone_call",
        when=pgtrigger.Before,
        operation=pgtrigger.Insert | pgtrigger.Update,
        func=func,
    )


def application_screening_rules() -> Unignorable:
    func = """
        IF NOT EXISTS (
            SELECT 1 FROM treatments_treatmentsession ts
            JOIN treatments_visit v ON v.id = ts.visit_id
            JOIN patients_patient pt ON pt.id = v.patient_id
            WHERE ts.id = NEW.session_id AND pt.consent_iastr_at IS NOT NULL)
        THEN
            RAISE EXCEPTION 'IASTR refused: the patient''s consent to IASTR is not recorded.'
                USING ERRCODE = 'RV008';
        END IF;
        SELECT sc.* INTO s FROM treatments_screening sc
            JOIN treatments_treatmentsession ts ON ts.visit_id = sc.visit_id
            WHERE ts.id = NEW.session_id;
        IF NOT FOUND OR s.completed_at IS NULL THEN
            RAISE EXCEPTION 'IASTR refused: no completed screening in this visit.'
                USING ERRCODE = 'RV002';
        END IF;
        SELECT p.absolute_systolic, p.absolute_diastolic, p.caution_systolic, p.caution_diastolic
            INTO abs_sys, abs_dia, cau_sys, cau_dia
            FROM treatments_bloodpressurepolicy p ORDER BY p.id LIMIT 1;
        IF NOT FOUND THEN
            abs_sys := 160; abs_dia := 100; cau_sys := 140; cau_dia := 90;
        END IF;
        IF s.result = 'refused'
            OR s.systolic >= abs_sys OR s.diastolic >= abs_dia
            OR EXISTS (
                SELECT 1 FROM treatments_screeningfinding f
                JOIN treatments_contraindication c ON c.code = f.contraindication_id
                WHERE f.screening_id = s.id AND c.severity = 'absolute' AND c.scope = 'systemic')
        THEN
            RAISE EXCEPTION 'IASTR refused: the screening found an absolute contraindication.'
                USING ERRCODE = 'RV003';
        END IF;
        IF EXISTS (
            SELECT 1 FROM treatments_screeningfinding f
            JOIN treatments_contraindication c ON c.code = f.contraindication_id
            WHERE f.screening_id = s.id AND c.severity = 'absolute' AND c.scope = 'local'
              AND f.region_id = NEW.region_id
              AND (f.side = NEW.side OR f.side = 'both' OR NEW.side = 'both'))
        THEN
            RAISE EXCEPTION 'IASTR refused at this site: absolute local contraindication.'
                USING ERRCODE = 'RV004';
        END IF;
        -- An absolute local finding refuses its own site only (above): it needs no precaution.
        -- Blood pressure not measured (or half a reading) does.
        IF s.precaution_acknowledged_at IS NULL AND (
            s.result = 'precautions'
            OR s.systolic >= cau_sys OR s.diastolic >= cau_dia
            OR s.systolic IS NULL OR s.diastolic IS NULL
            OR EXISTS (
                SELECT 1 FROM treatments_screeningfinding f
                JOIN treatments_contraindication c ON c.code = f.contraindication_id
                WHERE f.screening_id = s.id AND c.severity = 'relative'))
        THEN
            RAISE EXCEPTION 'IASTR refused: write and acknowledge the precaution first.'
                USING ERRCODE = 'RV005';
        END IF;
        RETURN NEW;
    """
    return Unignorable(
        name="application_screening_rules",
        when=pgtrigger.Before,
        operation=pgtrigger.Insert | pgtrigger.Update,
        declare=[
            ("s", "treatments_screening%ROWTYPE"),
            ("abs_sys", "integer"),
            ("abs_dia", "integer"),
            ("cau_sys", "integer"),
            ("cau_dia", "integer"),
        ],
        func=func,
    )


INTAKE_SUBMITTED_MESSAGE = (
    "This intake form was submitted: it is kept as the patient wrote it. A later change is "
    "told to the clinic."
)


def locked_when_intake_submitted() -> Unignorable:
    """Issue 13: an intake answer is written while its form is a draft (the same transaction
    that submits it); once the form is submitted no answer is added, changed or deleted."""
    submitted = (
        "EXISTS (SELECT 1 FROM treatments_intakeform f "
        "WHERE f.id = {row}.intake_id AND f.submitted_at IS NOT NULL)"
    )
    func = f"""
        IF TG_OP IN ('UPDATE', 'DELETE') AND {submitted.format(row="OLD")} THEN
            RAISE EXCEPTION '{INTAKE_SUBMITTED_MESSAGE}' USING ERRCODE = 'RV011';
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND {submitted.format(row="NEW")} THEN
            RAISE EXCEPTION '{INTAKE_SUBMITTED_MESSAGE}' USING ERRCODE = 'RV011';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    """
    return Unignorable(
        name="intake_answer_locked_when_submitted",
        when=pgtrigger.Before,
        operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
        func=func,
    )
