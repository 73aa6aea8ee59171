"""Every write to a visit and to a home program goes through these functions: they enforce the
clinical rules (DESIGN.md, "Clinical rules") and give the message the user sees. The database
enforces the same rules again (treatments/triggers.py), so a crafted request or raw SQL meets the
same refusal.
"""

from treatments.services.followup import (  # noqa: F401
    AssessmentReads,
    ScoreProgress,
    assessment_reads,
    earlier_measure_codes,
    is_follow_up,
    score_progress,
)
from treatments.services.sessions import (  # noqa: F401
    CARRIED_FIELDS,
    application_initial,
    application_repeat_other_side,
    iastr_dose,
)
from treatments.services.visits import (  # noqa: F401
    ASSESSMENT_FIELDS,
    REASSESSMENT_FIELDS,
    SESSION_FIELDS,
    TRIGGER_MESSAGES,
    Evaluation,
    FindingInput,
    VisitSigned,
    addendum_add,
    application_add,
    application_refusal,
    application_remove,
    assessment_save,
    consent_refusal,
    iastr_consent_record,
    score_check,
    score_range_message,
    screening_evaluate,
    screening_save,
    session_save,
    sign_refusal,
    visit_reassign,
    visit_sign,
    visit_start,
)
