"""Demo clinical records for the demo patients made by `seed_demo`: signed visits with IASTR
applications, a home program and a week of check-ins, so the portal and the patient pages show
something. Synthetic only; a patient who already has a visit is left alone (idempotent)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from patients.models import Patient, Practitioner
from treatments import services
from treatments.models import (
    BodyRegion,
    CheckIn,
    Condition,
    Contraindication,
    Exercise,
    HomeProgram,
    Instrument,
    StrokeTechnique,
    Visit,
)
from treatments.services import programs

# (patient uuid suffix, practitioner registration, condition, complaint, region, side,
#  relative finding or None, exercises)
DEMO_VISITS = (
    (
        1,
        "PT-DEMO-0001",
        "lateral_epicondylopathy",
        "Outer elbow pain when gripping a kettle",
        "elbow_lateral",
        "right",
        None,
        ("tyler_twist", "wrist_extensor_stretch", "grip_squeeze"),
    ),
    (
        3,
        "PT-DEMO-0002",
        "achilles_tendinopathy",
        "Morning stiffness in the left Achilles",
        "achilles",
        "left",
        "anticoagulants",
        ("heel_drop_straight", "heel_drop_bent", "wall_calf_stretch_straight"),
    ),
)


class Command(BaseCommand):
    help = "Create demo visits, programs and check-ins for the demo patients (synthetic)."

    @transaction.atomic
    def handle(self, *args, **options):
        made = 0
        today = timezone.localdate()
        for n, registration, condition, complaint, region, side, finding, codes in DEMO_VISITS:
            patient = Patient.objects.filter(uuid=f"00000000-0000-4000-8000-{n:012d}").first()
            practitioner = Practitioner.objects.filter(registration_number=registration).first()
            if patient is None or practitioner is None:
                raise CommandError("Run `manage.py seed_demo` first.")
            if Visit.objects.filter(patient=patient).exists():
                continue
            by = practitioner.user
            visit = services.visit_start(patient=patient, practitioner=practitioner)
            Visit.objects.filter(pk=visit.pk).update(date=today - datetime.timedelta(days=7))
            services.assessment_save(
                visit=visit,
                fields={
                    "condition": Condition.objects.get(code=condition),
                    "complaint": complaint,
                    "goals": "Back to daily activities without pain",
                    "plan": "IASTR weekly for 4 weeks with a home program",
                },
                sites=[],
                scores={},
            )
            # The demo patient was told about IASTR and agreed, as at a first visit.
            services.iastr_consent_record(visit=visit, by=by)
            findings = []
            if finding:
                findings.append(services.FindingInput(Contraindication.objects.get(code=finding)))
            services.screening_save(
                visit=visit,
                findings=findings,
                systolic=124,
                diastolic=80,
                precaution="Light pressure only; check the skin after each region."
                if finding
                else "",
                acknowledge=bool(finding),
                complete=True,
                by=by,
            )
            for stroke, seconds in (("sweeping", 90), ("fanning", 60)):
                services.application_add(
                    visit=visit,
                    region=BodyRegion.objects.get(code=region),
                    side=side,
                    instrument=Instrument.objects.get(name="GT5"),
                    stroke=StrokeTechnique.objects.get(code=stroke),
                    direction="parallel",
                    pressure="light",
                    angle_degrees=45,
                    duration_seconds=seconds,
                )
            services.session_save(
                visit=visit,
                fields={
                    "warm_up": "5 min cycling",
                    "lubricant": "emollient",
                    "tolerance": "good",
                    "skin_response": "erythema",
                    "cryotherapy_minutes": 15,
                },
            )
            for code in codes:
                programs.program_add_exercise(
                    visit=visit, exercise=Exercise.objects.get(code=code), by=by
                )
            program = programs.program_save(visit=visit, doses={}, by=by)
            started = timezone.now() - datetime.timedelta(days=7)
            HomeProgram.objects.filter(pk=program.pk).update(activated_at=started)
            services.visit_sign(visit=visit, by=by)
            items = list(program.items.all())
            for days_ago in range(1, 7):
                check_in = CheckIn.objects.create(
                    patient=patient,
                    day=today - datetime.timedelta(days=days_ago),
                    pain=2 + days_ago // 2,
                )
                check_in.done.set(items[: 1 + days_ago % len(items)])
            made += 1
        self.stdout.write(f"Demo visits ready ({made} new).")
