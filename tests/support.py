"""Helpers shared by the test modules and the conftest files."""

import importlib

from django.apps import apps


def reload_reference_data():
    """Run the data migrations' loaders again (they are idempotent).

    The role groups and the clinical catalogues come from data migrations. A browser test runs in
    real transactions and the database is flushed after it, so the rows are gone for whatever runs
    next: the next browser test, or the next run with --reuse-db.
    """
    for module, function in (
        ("patients.migrations.0002_create_role_groups", "create_groups"),
        ("patients.migrations.0004_load_appointment_types", "load_appointment_types"),
        ("treatments.migrations.0002_load_clinical_reference_data", "load"),
        ("treatments.migrations.0004_load_exercise_library_and_post_care", "load"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)


def password_login(client, username, password) -> bool:
    """Sign in through the login page, as a person does (django-axes refuses Client.login(),
    which authenticates without a request). True when the client is signed in afterwards."""
    client.post("/accounts/login/", {"username": username, "password": password})
    return "_auth_user_id" in client.session
