"""Views of the front desk's domain: patient records, the schedule and booking."""

from patients.views.booking import appointment_book  # noqa: F401
from patients.views.records import (  # noqa: F401
    archived_list,
    duplicates_checked,
    patient_archive,
    patient_create,
    patient_detail,
    patient_edit,
    patient_list,
    patient_merge,
    patient_restore,
)
from patients.views.schedule import (  # noqa: F401
    appointment_detail,
    appointment_reschedule,
    appointment_status,
    schedule_day,
    schedule_week,
    schedule_week_pick,
)
from patients.views.time_off import (  # noqa: F401
    time_off_create,
    time_off_edit,
    time_off_list,
)
