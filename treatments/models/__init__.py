"""The clinical domain: catalogues, the visit and its steps, and the home-exercise program.

Rules that the database can hold are held there: the 1-120 s application check, the screening
rules on every application row (treatments/triggers.py), and read-only rows once a visit is signed.
The services (treatments/services.py) check the same rules first, so the user sees a clear message.
"""

from treatments.models.catalogue import (  # noqa: F401
    UNCONTROLLED_HYPERTENSION,
    BloodPressurePolicy,
    BodyRegion,
    Condition,
    Contraindication,
    Direction,
    Exercise,
    ExerciseKind,
    Instrument,
    OutcomeMeasure,
    PostCare,
    Pressure,
    Scope,
    ScreeningResult,
    Severity,
    Side,
    SkinResponse,
    StrokeTechnique,
    Tolerance,
)
from treatments.models.cleaning import CleaningMethod, InstrumentCleaning  # noqa: F401
from treatments.models.intake import (  # noqa: F401
    ConsentExplanation,
    IntakeAnswer,
    IntakeAnswerChoice,
    IntakeForm,
    IntakeSource,
)
from treatments.models.programs import (  # noqa: F401
    MAX_PROGRAM_EXERCISES,
    CheckIn,
    HomeProgram,
    ProgramExercise,
)
from treatments.models.visits import (  # noqa: F401
    MAX_APPLICATION_SECONDS,
    MAX_APPLICATION_SECONDS_MESSAGE,
    Addendum,
    AdhesionSite,
    Application,
    Assessment,
    OutcomeScore,
    Screening,
    ScreeningFinding,
    TreatmentSession,
    Visit,
    VisitQuerySet,
    VisitStatus,
    VisitStep,
)
