"""Load the clinic's reference catalogues from treatments/reference/*.json (copied from the
clinical reference data, sources inside each file): body regions, conditions, outcome measures,
contraindications with the blood-pressure policy, instruments and stroke techniques.

The manager edits them afterwards in the admin. Loading is idempotent (update_or_create on the
codes), and the reverse leaves the rows alone: by then visits may refer to them.
"""

import json
from decimal import Decimal
from pathlib import Path

from django.db import migrations

REFERENCE = Path(__file__).resolve().parent.parent / "reference"


def _read(name):
    return json.loads((REFERENCE / name).read_text(encoding="utf-8"))


def load(apps, schema_editor):
    BodyRegion = apps.get_model("treatments", "BodyRegion")
    OutcomeMeasure = apps.get_model("treatments", "OutcomeMeasure")
    Condition = apps.get_model("treatments", "Condition")
    Contraindication = apps.get_model("treatments", "Contraindication")
    BloodPressurePolicy = apps.get_model("treatments", "BloodPressurePolicy")
    Instrument = apps.get_model("treatments", "Instrument")
    StrokeTechnique = apps.get_model("treatments", "StrokeTechnique")

    for position, region in enumerate(_read("body_regions.json")["regions"]):
        BodyRegion.objects.update_or_create(
            code=region["code"],
            defaults={"label": region["label"], "sided": region["sided"], "position": position},
        )

    for measure in _read("outcome_measures.json")["measures"]:
        OutcomeMeasure.objects.update_or_create(
            code=measure["code"],
            defaults={
                "label": measure["label"],
                "min_value": Decimal(str(measure["min"])),
                "max_value": Decimal(str(measure["max"])),
                "better": measure["better"],
                "mcid": None if measure.get("mcid") is None else Decimal(str(measure["mcid"])),
                "source": measure.get("source") or "",
            },
        )

    for entry in _read("conditions.json")["conditions"]:
        condition, _ = Condition.objects.update_or_create(
            code=entry["code"],
            # The suggested exercises are linked by 0004, once the exercise library exists.
            defaults={"label": entry["label"]},
        )
        condition.regions.set(entry.get("regions", []))
        condition.measures.set(entry.get("measures", []))

    catalogue = _read("contraindications.json")
    for position, item in enumerate(catalogue["items"]):
        Contraindication.objects.update_or_create(
            code=item["code"],
            defaults={
                "label": item["label"],
                "severity": item["severity"],
                "scope": item["scope"],
                "position": position,
            },
        )
    policy = catalogue["blood_pressure_policy"]
    if not BloodPressurePolicy.objects.exists():
        BloodPressurePolicy.objects.create(
            absolute_systolic=policy["absolute_systolic"],
            absolute_diastolic=policy["absolute_diastolic"],
            caution_systolic=policy["caution_systolic"],
            caution_diastolic=policy["caution_diastolic"],
        )

    for item in _read("instruments.json")["items"]:
        instrument, _ = Instrument.objects.update_or_create(
            name=item["name"],
            defaults={
                "maker": item.get("maker") or "",
                "material": item.get("material") or "",
                "edge": item.get("edge") or "",
                "bevel": item.get("bevel") or "",
                "note": item.get("note") or "",
            },
        )
        instrument.regions.set(item.get("regions", []))

    for position, stroke in enumerate(_read("strokes.json")["strokes"]):
        StrokeTechnique.objects.update_or_create(
            code=stroke["code"],
            defaults={
                "label": stroke["label"],
                "definition": stroke.get("definition") or "",
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("treatments", "0001_visits_screening_and_iastr_sessions")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
