"""The clinic's catalogues, edited by the manager. Clinical records are not edited here: they
change only through the visit steps, and a signed visit not at all."""

from django.contrib import admin

from treatments.models import (
    BloodPressurePolicy,
    BodyRegion,
    Condition,
    ConsentExplanation,
    Contraindication,
    Exercise,
    Instrument,
    OutcomeMeasure,
    PostCare,
    StrokeTechnique,
)


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["name", "maker", "material", "edge", "active"]
    list_filter = ["active", "maker"]
    search_fields = ["name", "maker"]
    filter_horizontal = ["regions"]


@admin.register(Contraindication)
class ContraindicationAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "severity", "scope", "active", "position", "patient_question"]
    list_filter = ["severity", "scope", "active"]
    search_fields = ["label", "code", "patient_question"]

    def get_readonly_fields(self, request, obj=None):
        # The code is what past screenings refer to; it stays as it was created.
        return ["code"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: past screenings refer to it


@admin.register(BloodPressurePolicy)
class BloodPressurePolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__"]

    def has_add_permission(self, request):
        return not BloodPressurePolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StrokeTechnique)
class StrokeTechniqueAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "definition", "position"]


@admin.register(BodyRegion)
class BodyRegionAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "sided", "position"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutcomeMeasure)
class OutcomeMeasureAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "min_value", "max_value", "better", "mcid"]


@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin):
    list_display = ["label", "code"]
    filter_horizontal = ["regions", "measures"]


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "sets", "reps", "hold_seconds", "added_by_clinic", "active"]
    list_filter = ["active", "kind", "added_by_clinic"]
    search_fields = ["name", "code", "instructions"]
    filter_horizontal = ["regions"]

    def get_readonly_fields(self, request, obj=None):
        # Programs refer to the exercise; its code stays as it was created.
        return ["code"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: past programs refer to it


@admin.register(PostCare)
class PostCareAdmin(admin.ModelAdmin):
    """The handout's post-care section: one row, edited, never deleted."""

    list_display = ["__str__"]

    def has_add_permission(self, request):
        return not PostCare.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsentExplanation)
class ConsentExplanationAdmin(admin.ModelAdmin):
    """Issue 13: the explanation of IASTR a patient reads on the intake form before consenting
    online: one row, edited, never deleted (each intake keeps the text it showed)."""

    list_display = ["__str__"]

    def has_add_permission(self, request):
        return not ConsentExplanation.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
