"""No session setting switches the protection triggers off (issue 9).

pgtrigger's own trigger functions skip their body when the session's ``pgtrigger.ignore`` setting
names them, and any SQL session may set it. The project's protection triggers
(treatments/triggers.py ``Unignorable`` and ``UnignorableProtect``) have no such check: with every
trigger named in ``pgtrigger.ignore``, by SQL or by ``pgtrigger.ignore()``, a signed visit is still
read-only, a refused application is still refused and an addendum is still append-only.
"""

import pgtrigger
import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from tests.clinical import (
    finding,
    make_visit,
    pgcode,
    raw_execute,
    raw_insert_application,
    screen,
    session_for,
    signable,
)
from treatments import services
from treatments.models import Addendum, Application, BodyRegion, Instrument, StrokeTechnique, Visit
from treatments.triggers import UnignorableProtect, _NoIgnoreCheck

pytestmark = pytest.mark.django_db

# The 20 protection triggers declared by the project (the rest are pghistory's event triggers),
# the cleaning log's append-only one (issue 12) and the submitted intake form's two (issue 13)
# included.
PROJECT_TRIGGER_COUNT = 20


def project_triggers():
    """(model, trigger) for every trigger the project declares itself, not pghistory's."""
    return [
        (model, trigger)
        for model, trigger in pgtrigger.registered()
        if not type(trigger).__module__.startswith("pghistory")
    ]


def uris():
    return [trigger.get_uri(model) for model, trigger in project_triggers()]


def ignore_everything_setting() -> str:
    """``pgtrigger.ignore`` naming every registered trigger, as pgtrigger.ignore() writes it: the
    trigger id and the older ``table:id`` form."""
    names = []
    for model, trigger in pgtrigger.registered():
        pgid = trigger.get_pgid(model)
        names += [pgid, f"{model._meta.db_table}:{pgid}"]
    return "{" + ",".join(names) + "}"


def set_ignore_everything():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', %s, true)", [ignore_everything_setting()]
        )
        cursor.execute("SELECT current_setting('pgtrigger.ignore')")
        assert "signed_visit_is_read_only" in cursor.fetchone()[0]


@pytest.fixture
def signed_visit(physio):
    visit = signable(make_visit(physio))
    return services.visit_sign(visit=visit, by=physio)


@pytest.fixture
def addendum(signed_visit, physio):
    return services.addendum_add(visit=signed_visit, text="Bruising resolved.", by=physio)


@pytest.fixture
def refused_session(physio):
    """The session of a draft visit whose screening refuses IASTR (haemophilia)."""
    visit = make_visit(physio)
    screen(visit, finding("hemophilia"))
    return session_for(visit)


def assert_visit_unchanged(visit):
    stored = Visit.objects.get(pk=visit.pk)
    assert (stored.status, stored.date, stored.current_step) == ("signed", visit.date, "review")


def test_there_are_project_triggers_and_all_of_them_are_unignorable():
    triggers = project_triggers()

    assert len(triggers) == PROJECT_TRIGGER_COUNT
    plain = [
        trigger.get_uri(model)
        for model, trigger in triggers
        if not isinstance(trigger, _NoIgnoreCheck)
    ]
    assert plain == [], "use treatments.triggers.Unignorable / UnignorableProtect"


def test_no_project_trigger_function_checks_the_ignore_setting():
    pgids = {trigger.get_pgid(model) for model, trigger in project_triggers()}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname, prosrc FROM pg_proc WHERE proname LIKE 'pgtrigger\\_%%'",
        )
        functions = dict(cursor.fetchall())
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgname = ANY(%s)", [list(pgids)]
        )
        enabled = dict(cursor.fetchall())

    assert pgids <= functions.keys()
    for pgid in sorted(pgids):
        source = functions[pgid]
        assert "RAISE EXCEPTION" in source, pgid
        assert "pgtrigger.ignore" not in source, pgid
        assert "_pgtrigger_should_ignore" not in source, pgid
    # Each is installed and fires in every session ('O': origin and local, the default).
    assert enabled == dict.fromkeys(pgids, "O")


def test_the_ignore_check_is_what_pgtrigger_renders_otherwise():
    """The control: a plain pgtrigger trigger would carry the check these lack."""
    model = Visit
    plain = pgtrigger.Protect(name="plain_protect", operation=pgtrigger.Delete)
    unignorable = UnignorableProtect(name="plain_protect", operation=pgtrigger.Delete)

    assert "_pgtrigger_should_ignore" in plain.compile(model).install_sql
    assert "_pgtrigger_should_ignore" not in unignorable.compile(model).install_sql
    assert "pgtrigger.ignore" not in unignorable.compile(model).install_sql


# --- pgtrigger.ignore set in SQL -----------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE treatments_visit SET status = 'draft', signed_at = NULL, signed_by_id = NULL "
        "WHERE id = %(id)s",
        "UPDATE treatments_visit SET date = date - 1 WHERE id = %(id)s",
        "DELETE FROM treatments_visit WHERE id = %(id)s",
    ],
    ids=["unsign", "change date", "delete"],
)
def test_ignore_setting_does_not_unlock_a_signed_visit(signed_visit, sql):
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        set_ignore_everything()
        raw_execute(sql, {"id": signed_visit.pk})

    assert "Cannot update or delete rows" in str(excinfo.value)
    assert_visit_unchanged(signed_visit)


def test_ignore_setting_does_not_unlock_a_signed_visits_rows(signed_visit):
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        set_ignore_everything()
        raw_execute(
            "UPDATE treatments_assessment SET complaint = 'changed' WHERE visit_id = %s",
            [signed_visit.pk],
        )

    assert pgcode(excinfo) == "RV001"


def test_ignore_setting_does_not_let_a_refused_application_in(refused_session):
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        set_ignore_everything()
        raw_insert_application(refused_session.pk, "calf", "left")

    assert pgcode(excinfo) == "RV003"
    assert not Application.objects.filter(session=refused_session).exists()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE treatments_addendum SET text = 'rewritten' WHERE id = %(id)s",
        "DELETE FROM treatments_addendum WHERE id = %(id)s",
    ],
    ids=["update", "delete"],
)
def test_ignore_setting_does_not_make_an_addendum_editable(addendum, sql):
    with pytest.raises(DatabaseError), transaction.atomic():
        set_ignore_everything()
        raw_execute(sql, {"id": addendum.pk})

    assert Addendum.objects.get(pk=addendum.pk).text == "Bruising resolved."


# --- pgtrigger.ignore() from Python --------------------------------------------------------------


def test_ignore_context_manager_does_not_unlock_a_signed_visit(signed_visit):
    visit = Visit.objects.get(pk=signed_visit.pk)
    visit.current_step = "treatment"

    with pgtrigger.ignore(*uris()):
        with pytest.raises(DatabaseError), transaction.atomic():
            visit.save()
        with pytest.raises(DatabaseError), transaction.atomic():
            Visit.objects.filter(pk=visit.pk).delete()

    assert_visit_unchanged(signed_visit)


def test_ignore_context_manager_does_not_let_a_refused_application_in(refused_session):
    with pgtrigger.ignore(*uris()), pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        Application.objects.create(
            session=refused_session,
            region=BodyRegion.objects.get(code="calf"),
            side="left",
            instrument=Instrument.objects.get(name="GT1"),
            stroke=StrokeTechnique.objects.get(code="sweeping"),
            direction="transverse",
            pressure="light",
            duration_seconds=60,
            created_at=timezone.now(),
        )

    assert pgcode(excinfo) == "RV003"
    assert not Application.objects.filter(session=refused_session).exists()


def test_ignore_context_manager_does_not_make_an_addendum_editable(addendum):
    with pgtrigger.ignore(*uris()):
        with pytest.raises(DatabaseError), transaction.atomic():
            Addendum.objects.filter(pk=addendum.pk).update(text="rewritten")
        with pytest.raises(DatabaseError), transaction.atomic():
            Addendum.objects.filter(pk=addendum.pk).delete()

    assert Addendum.objects.get(pk=addendum.pk).text == "Bruising resolved."
