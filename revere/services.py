"""Helpers the apps' services share."""


def assign_fields(instance, fields: dict, allowed) -> None:
    """Set ``fields`` on ``instance``; a name outside ``allowed`` is a programming error (a form
    or a caller passing what the service does not own), not bad input."""
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise TypeError(f"{type(instance).__name__} fields not settable here: {unknown}")
    for name, value in fields.items():
        setattr(instance, name, value)


def related_fields(model) -> list[str]:
    """The names of ``model``'s foreign keys and one-to-one fields."""
    return [f.name for f in model._meta.concrete_fields if f.is_relation]


def full_clean_fields(instance) -> None:
    """``full_clean()`` of the fields only (issue 11's budgets): each field's own validators,
    choices and blank checks, but no query per foreign key, unique field or check constraint
    (each a query of its own, three with its savepoint). For the rows whose foreign keys the
    caller holds (locked, or checked by the form against what it read), whose check constraints
    say what the fields' validators say, and whose unique values are generated or locked:
    PostgreSQL checks it all again on save."""
    instance.full_clean(
        exclude=related_fields(type(instance)), validate_unique=False, validate_constraints=False
    )
