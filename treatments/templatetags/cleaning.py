"""Issue 12: ``{% cleaning_warning visit editable %}`` on the treatment step: the instruments not
recorded as cleaned since their last use in another visit (a warning, not a refusal)."""

from django import template

from treatments.services.cleaning import instruments_needing_cleaning

register = template.Library()


@register.inclusion_tag("treatments/_cleaning_warning.html")
def cleaning_warning(visit, editable):
    if not editable:
        return {"needs_cleaning": []}
    return {"needs_cleaning": instruments_needing_cleaning(visit=visit)}
