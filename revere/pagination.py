"""A paginator that never counts a whole table: lists of patients can hold 100,000 rows, and a
count(*) of every match on every page costs more than the page itself."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class BoundedPaginator(Paginator):
    """Counts at most ``limit`` rows, in one query that stops at the ``limit + 1``-th match;
    ``truncated`` says there were more (the page asks to narrow the search). Pages go up to the
    ``limit``-th row."""

    def __init__(self, object_list, per_page, *, limit: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.limit = limit
        self.truncated = False

    @cached_property
    def count(self) -> int:
        # Only the ids, unordered: neither the ranks nor the sort are needed to count. A UNION
        # (the audit trail) is counted as it is: its parts stop at the limit too.
        rows = self.object_list.order_by()
        if not rows.query.combinator:
            rows = rows.values("pk")
        found = rows[: self.limit + 1].count()
        self.truncated = found > self.limit
        return min(found, self.limit)
