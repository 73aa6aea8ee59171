"""Helpers the apps' services share."""


def assign_fields(instance, fields: dict, allowed) -> None:
    """Set ``fields`` on ``instance``; a name outside ``allowed`` is a programming error (a form
    or a caller passing what the service does not own), not bad input."""
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise TypeError(f"{type(instance).__name__} fields not settable here: {unknown}")
    for name, value in fields.items():
        setattr(instance, name, value)
