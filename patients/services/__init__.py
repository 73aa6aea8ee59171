"""Writes to patient records and appointments. Views call these; nothing else saves a Patient
or an Appointment."""

from patients.services.booking import (  # noqa: F401
    BOOKING_HORIZON,
    SlotTaken,
    appointment_book,
    appointment_book_any,
    appointment_book_new_caller,
    appointment_cancel_by_patient,
    appointment_reschedule,
    appointment_set_status,
)
from patients.services.records import (  # noqa: F401
    EDITABLE_FIELDS,
    MergeRefused,
    patient_archive,
    patient_create,
    patient_merge,
    patient_merge_plan,
    patient_restore,
    patient_update,
)
from patients.services.reminders import (  # noqa: F401
    appointment_ics,
    appointment_reminders_send,
)
from patients.services.time_off import (  # noqa: F401
    TimeOffClashes,
    appointment_cancel_for_time_off,
    time_off_clashes,
    time_off_save,
    time_off_upcoming,
)
