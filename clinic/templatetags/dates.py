"""Patient-facing date filters, built into every template (settings.TEMPLATES "builtins"):
`{{ start|day }}`, `{{ start|clock }}`, `{{ start|moment }}`... See clinic/dates.py."""

from django import template

from clinic import dates

register = template.Library()

for _name in dates.FORMATS["en"]:
    register.filter(_name, lambda value, _n=_name: dates.formatted(value, _n))
register.filter("clock", dates.clock)
register.filter("moment", dates.moment)
register.filter("moment_year", dates.moment_year)
