"""Plain error messages on the clinic's forms (issue 10).

Django's defaults ("Ensure this value is greater than or equal to 1.", "Ensure this value has at
most 200 characters (it has 250).") name neither the field nor the whole allowed range. Forms
that mix in ``PlainMessagesMixin`` say instead, for example, "Sets must be between 1 and 20.":
the range is the tightest of the form field's limits and the model field's validators, and the
form field checks it, so the model's own checks never add a second, default-worded message.
A message the form already sets for the field (Meta.error_messages, a validator of its own) is
kept; the model's own wording (used by the services) is not needed on the form.
"""

from django import forms
from django.core import validators

LIMITS = (validators.MinValueValidator, validators.MaxValueValidator)


def _number(value) -> str:
    text = f"{value:f}" if hasattr(value, "as_tuple") else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def range_message(name: str, low, high) -> str:
    if low is not None and high is not None:
        return f"{name} must be between {_number(low)} and {_number(high)}."
    if low is not None:
        return f"{name} must be {_number(low)} or more."
    return f"{name} must be {_number(high)} or less."


def _model_validators(form, name) -> list:
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is None:
        return []
    try:
        return list(model._meta.get_field(name).validators)
    except Exception:  # a form-only field
        return []


def plain_messages(form) -> None:
    names = getattr(form, "plain_names", {})
    for name, field in form.fields.items():
        label = names.get(name) or str(field.label or name.replace("_", " ").capitalize())
        if isinstance(field, (forms.IntegerField, forms.DecimalField, forms.FloatField)):
            _plain_range(form, name, field, label)
        if isinstance(field, forms.CharField):
            field.error_messages = {
                **field.error_messages,
                "max_length": f"{label} can be at most %(limit_value)d characters "
                "(it has %(show_value)d).",
                "min_length": f"{label} needs at least %(limit_value)d characters "
                "(it has %(show_value)d).",
            }


def _plain_range(form, name, field, label) -> None:
    model_limits = [v for v in _model_validators(form, name) if isinstance(v, LIMITS)]
    limits = [v for v in field.validators if isinstance(v, LIMITS)] + model_limits
    lows = [v.limit_value for v in limits if isinstance(v, validators.MinValueValidator)]
    highs = [v.limit_value for v in limits if isinstance(v, validators.MaxValueValidator)]
    low = max(lows) if lows else None
    high = min(highs) if highs else None
    # A message the form itself gives (Meta.error_messages, a validator's own) is kept.
    own = [field.error_messages[c] for c in ("min_value", "max_value") if c in field.error_messages]
    own += [
        v.message
        for v in field.validators
        if isinstance(v, LIMITS) and v.message != type(v).message
    ]
    message = own[0] if own else range_message(label, low, high)
    field.validators = [v for v in field.validators if not isinstance(v, LIMITS)]
    if low is not None:
        field.validators.append(validators.MinValueValidator(low, message=message))
    if high is not None:
        field.validators.append(validators.MaxValueValidator(high, message=message))
    digits = (
        message if low is not None and high is not None else f"{label}: at most %(max)s digits."
    )
    field.error_messages = {
        **field.error_messages,
        "min_value": message,
        "max_value": message,
        "max_digits": digits,
        "max_whole_digits": digits,
        "max_decimal_places": f"{label}: at most %(max)s decimal place(s).",
    }


class PlainMessagesMixin:
    """Plain messages for every field, including those a form adds in its ``__init__``."""

    plain_names: dict[str, str] = {}

    def full_clean(self):
        plain_messages(self)
        super().full_clean()
