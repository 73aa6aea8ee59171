"""Load the exercise library (treatments/reference/exercises.json), link each condition to the
exercises it suggests (conditions.json), and the handout's post-care text (conditions.json,
post_care). Idempotent; the reverse leaves the rows alone, as programs may refer to them."""

import json
from pathlib import Path

from django.db import migrations

REFERENCE = Path(__file__).resolve().parent.parent / "reference"


def _read(name):
    return json.loads((REFERENCE / name).read_text(encoding="utf-8"))


def load(apps, schema_editor):
    Exercise = apps.get_model("treatments", "Exercise")
    Condition = apps.get_model("treatments", "Condition")
    PostCare = apps.get_model("treatments", "PostCare")

    for item in _read("exercises.json")["exercises"]:
        dose = item.get("dose") or {}
        exercise, _ = Exercise.objects.update_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "kind": item.get("kind") or "other",
                "instructions": item["instructions"],
                "sets": dose.get("sets"),
                "reps": dose.get("reps"),
                "hold_seconds": dose.get("hold_seconds"),
                "times_per_day": dose.get("times_per_day"),
                "days_per_week": dose.get("days_per_week"),
                "sourced": bool(item.get("sourced")),
                "source": item.get("source") or "",
            },
        )
        exercise.regions.set(item.get("regions", []))

    conditions = _read("conditions.json")
    for entry in conditions["conditions"]:
        condition = Condition.objects.get(code=entry["code"])
        condition.exercises.set(Exercise.objects.filter(code__in=entry.get("exercises", [])))

    post_care = conditions["post_care"]
    if not PostCare.objects.exists():
        PostCare.objects.create(
            expect=post_care["expect"],
            ice=post_care["ice"],
            exercises=post_care["exercises"],
            call_us=post_care["call_us"],
        )


class Migration(migrations.Migration):
    dependencies = [("treatments", "0003_exercise_library_home_programs_and_check_ins")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
