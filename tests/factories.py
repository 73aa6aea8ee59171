"""factory_boy factories. Every person they make is invented."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from patients.models import Patient, Practitioner
from revere import roles

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        """``UserFactory(role="physiotherapist")`` puts the user in that role's group."""
        if extracted:
            group, _ = Group.objects.get_or_create(name=extracted)
            self.groups.add(group)
        self.save()


class PractitionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practitioner

    user = factory.SubFactory(UserFactory, role=roles.PHYSIOTHERAPIST)
    display_name = factory.LazyAttribute(lambda p: f"{p.user.first_name} {p.user.last_name}, PT")
    registration_number = factory.Sequence(lambda n: f"PT-TEST-{n:05d}")


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = factory.Faker(
        "date_between", start_date=datetime.date(1940, 1, 1), end_date=datetime.date(2008, 12, 31)
    )
    phone = factory.Sequence(lambda n: f"604-555-{n % 10000:04d}")
    email = factory.LazyAttributeSequence(
        lambda p, n: f"{p.first_name.lower()}.{p.last_name.lower()}{n}@example.com"
    )


# --- Schedule and booking (patients app) ------------------------------------------------------


class AppointmentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "patients.AppointmentType"
        django_get_or_create = ("name",)

    name = "Follow-up IASTR"
    minutes = 30
    mode = "in_clinic"


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "patients.WorkingHours"

    practitioner = factory.SubFactory(PractitionerFactory)
    weekday = 0
    starts = datetime.time(8, 0)
    ends = datetime.time(12, 0)


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "patients.TimeOff"

    practitioner = factory.SubFactory(PractitionerFactory)
    starts_at = factory.LazyFunction(lambda: datetime.datetime(2030, 1, 7, 16, tzinfo=datetime.UTC))
    ends_at = factory.LazyAttribute(lambda t: t.starts_at + datetime.timedelta(hours=4))
    reason = "Conference"


class AppointmentFactory(factory.django.DjangoModelFactory):
    """Saved straight to the table, past the booking service's checks (the database's
    constraints still apply): for arranging a schedule in a test."""

    class Meta:
        model = "patients.Appointment"

    patient = factory.SubFactory(PatientFactory)
    practitioner = factory.SubFactory(PractitionerFactory)
    type = factory.SubFactory(AppointmentTypeFactory)
    starts_at = factory.LazyFunction(lambda: datetime.datetime(2030, 1, 7, 17, tzinfo=datetime.UTC))
    ends_at = factory.LazyAttribute(
        lambda a: a.starts_at + datetime.timedelta(minutes=a.type.minutes)
    )
    status = "booked"
