"""The front desk's domain: patients and practitioners (people.py), and the schedule: working
hours, time off, appointment types and appointments (appointments.py)."""

from patients.models.appointments import (  # noqa: F401
    ACTIVE_STATUSES,
    Appointment,
    AppointmentKind,
    AppointmentMode,
    AppointmentQuerySet,
    AppointmentStatus,
    AppointmentType,
    BookingSource,
    TimeOff,
    TsTzRange,
    Weekday,
    WorkingHours,
)
from patients.models.holds import OnlineBookingHold, PossibleDuplicateFlag  # noqa: F401
from patients.models.people import (  # noqa: F401
    NAME_SIMILARITY_THRESHOLD,
    Patient,
    PatientQuerySet,
    Practitioner,
    ReferralSource,
)
