"""One IASTR application lasts 1 to 120 seconds: the service says so, and the database's
``application_duration_1_to_120_seconds`` check holds it against raw SQL."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from tests.clinical import (
    apply,
    make_visit,
    messages,
    raw_execute,
    raw_insert_application,
    screen,
    session_for,
)
from tests.factories import PractitionerFactory
from treatments.models import MAX_APPLICATION_SECONDS, Application

CHECK = "application_duration_1_to_120_seconds"


@pytest.fixture
def visit(physio):
    visit = make_visit(physio)
    screen(visit)
    return visit


def stored(visit):
    return list(
        Application.objects.filter(session__visit=visit).values_list("duration_seconds", flat=True)
    )


def constraint_of(excinfo):
    return excinfo.value.__cause__.diag.constraint_name


def test_the_limit_is_two_minutes():
    assert MAX_APPLICATION_SECONDS == 120


@pytest.mark.django_db
@pytest.mark.parametrize("seconds", [1, 120])
def test_duration_at_the_limits_is_stored(visit, seconds):
    application = apply(visit, "calf", "left", seconds=seconds)

    assert stored(visit) == [seconds]
    assert application.duration_display == {1: "0:01", 120: "2:00"}[seconds]


@pytest.mark.django_db
@pytest.mark.parametrize("seconds", [0, 121])
def test_duration_outside_the_limits_is_refused_with_the_limit(visit, seconds):
    with pytest.raises(ValidationError) as excinfo:
        apply(visit, "calf", "left", seconds=seconds)

    assert "duration_seconds" in excinfo.value.message_dict
    assert "1 to 120 seconds" in messages(excinfo.value)
    assert stored(visit) == []


@pytest.mark.django_db
@pytest.mark.parametrize("seconds", [0, 121])
def test_database_refuses_raw_insert_outside_the_limits(visit, seconds):
    session = session_for(visit)

    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        raw_insert_application(session.pk, "calf", "left", seconds=seconds)

    assert constraint_of(excinfo) == CHECK
    assert stored(visit) == []


@pytest.mark.django_db
@pytest.mark.parametrize("seconds", [0, 121])
def test_database_refuses_raw_update_outside_the_limits(visit, seconds):
    application = apply(visit, "calf", "left", seconds=60)

    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        raw_execute(
            "UPDATE treatments_application SET duration_seconds = %s WHERE id = %s",
            [seconds, application.pk],
        )

    assert constraint_of(excinfo) == CHECK
    assert stored(visit) == [60]


@pytest.mark.django_db
@pytest.mark.parametrize("seconds", [1, 120])
def test_database_accepts_raw_writes_at_the_limits(visit, seconds):
    session = session_for(visit)
    new_id = raw_insert_application(session.pk, "calf", "left", seconds=seconds)
    raw_execute(
        "UPDATE treatments_application SET duration_seconds = %s WHERE id = %s",
        [121 - seconds, new_id],
    )

    assert stored(visit) == [121 - seconds]


class TestApplicationDurationProperty(TestCase):
    """Any whole number of seconds: 1..120 is stored (by the service and by raw SQL), anything
    else is refused by both. Each example runs in its own rolled-back transaction."""

    @classmethod
    def setUpTestData(cls):
        cls.visit = make_visit(PractitionerFactory().user)
        screen(cls.visit)

    @settings(max_examples=40, deadline=None, database=None)
    @given(seconds=st.integers(min_value=-5, max_value=200))
    @example(seconds=0)
    @example(seconds=1)
    @example(seconds=120)
    @example(seconds=121)
    def test_only_1_to_120_seconds_is_accepted(self, seconds):
        session = session_for(self.visit)
        if 1 <= seconds <= MAX_APPLICATION_SECONDS:
            apply(self.visit, "calf", "left", seconds=seconds)
            raw_insert_application(session.pk, "calf", "right", seconds=seconds)
            self.assertEqual(stored(self.visit), [seconds, seconds])
            return
        with self.assertRaises(ValidationError) as caught:
            apply(self.visit, "calf", "left", seconds=seconds)
        self.assertIn("duration_seconds", caught.exception.message_dict)
        with self.assertRaises(IntegrityError), transaction.atomic():
            raw_insert_application(session.pk, "calf", "right", seconds=seconds)
        self.assertEqual(stored(self.visit), [])
