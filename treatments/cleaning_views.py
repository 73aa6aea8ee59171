"""Issue 12: the instrument cleaning log. Physiotherapists and the manager record cleanings and
read each instrument's uses (from the treatment sessions) and cleanings; nobody else sees it."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from revere import inputs, roles
from revere.access import role_required
from revere.forms import FieldChecksOnly
from treatments.models import CleaningMethod, Instrument, InstrumentCleaning
from treatments.services import cleaning as cleaning_services

cleaning_staff_required = role_required(roles.is_physio, roles.is_manager)


class CleaningForm(FieldChecksOnly, forms.ModelForm):
    instrument = forms.ModelChoiceField(
        queryset=Instrument.objects.filter(active=True).order_by("name"),
        error_messages={
            "required": "Choose the instrument you cleaned.",
            "invalid_choice": "Choose an instrument from the list.",
        },
    )
    method = forms.ChoiceField(
        choices=CleaningMethod.choices,
        error_messages={
            "required": "Choose how it was cleaned.",
            "invalid_choice": "Choose a method from the list.",
        },
    )

    class Meta:
        model = InstrumentCleaning
        fields = ["instrument", "method", "note"]
        widgets = {"note": forms.TextInput()}


@cleaning_staff_required
def cleaning_log(request):
    if request.method == "POST":
        form = CleaningForm(request.POST)
        if form.is_valid():
            try:
                cleaning = cleaning_services.instrument_cleaning_record(
                    **form.cleaned_data, by=request.user
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Cleaning of {cleaning.instrument} recorded.")
                return redirect("instruments:cleaning")
    else:
        initial = {}
        chosen = inputs.pk(request.GET.get("instrument"))
        if chosen is not None:
            initial["instrument"] = chosen
        form = CleaningForm(initial=initial)
    instruments = list(Instrument.objects.order_by("name"))
    shown = inputs.pk(request.GET.get("show"))
    shown_instrument = next((i for i in instruments if i.pk == shown), None)
    if request.GET.get("show") and shown_instrument is None:
        messages.warning(request, "No such instrument: showing every instrument.")
    return render(
        request,
        "treatments/instrument_cleaning.html",
        {
            "form": form,
            "instruments": instruments,
            "shown_instrument": shown_instrument,
            "needs_cleaning": cleaning_services.instruments_needing_cleaning(),
            "log": cleaning_services.instrument_log(instrument=shown_instrument),
        },
    )
