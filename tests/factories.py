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
