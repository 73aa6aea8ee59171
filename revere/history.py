"""The audit trail's change history (django-pghistory): one decorator for every tracked table.

``track_changes()`` records inserts, updates AND deletes, so removing a row (an application, an
adhesion site, a screening finding, a program exercise) leaves its last values, the time and, via
``pghistory.middleware.HistoryMiddleware``, the user and URL of the request that removed it.
"""

import pghistory


def track_changes(**kwargs):
    """``pghistory.track`` with insert, update and delete events (pghistory's default has no
    delete). Keyword arguments (``exclude``, ``model_name``, ``app_label``, ``obj_field``) pass
    through."""
    return pghistory.track(
        pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), **kwargs
    )
