"""The site shell's header and footer, rendered once per language and clinic profile.

Every patient page carries the same header (phone, navigation) and footer (address, opening
hours, notices): about a third of the template work of a page such as the time picker, redone
identically on every request. Both depend only on the active language and the clinic profile,
so each process keeps them rendered, keyed by the language and the profile's `updated_at`
(which `clinic_profile_get` checks against the database on every request: an edit in any
process, committed, changes the key at once). Templates and URLs change only with a new
release, which starts new processes. The one part that depends on the page, the language
switch, is rendered per request into its slot in the header.

    {% load shell %}{% site_header %} ... {% site_footer %}
"""

from __future__ import annotations

import threading

from django import template
from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from clinic.templatetags.languages import language_switch

register = template.Library()

_SWITCH_SLOT = "<!--language-switch-->"
_MAX_KEPT = 32
_kept: dict[tuple, str] = {}
_lock = threading.Lock()


def _rendered(name: str, clinic) -> str:
    stamp = getattr(clinic, "updated_at", None)
    context = {"clinic": clinic, "language_switch_slot": mark_safe(_SWITCH_SLOT)}  # noqa: S308
    if stamp is None:  # no saved profile to key on (a template rendered without one)
        return get_template(f"_shell/{name}.html").render(context)
    key = (name, translation.get_language(), getattr(clinic, "pk", None), stamp)
    html = _kept.get(key)
    if html is None:
        html = get_template(f"_shell/{name}.html").render(context)
        with _lock:
            if len(_kept) >= _MAX_KEPT:  # old profile versions: nothing reads them again
                _kept.clear()
            _kept[key] = html
    return html


@register.simple_tag(takes_context=True)
def site_header(context) -> SafeString:
    switch = get_template("_language_switch.html").render(language_switch(context))
    return mark_safe(_rendered("header", context.get("clinic")).replace(_SWITCH_SLOT, switch))  # noqa: S308


@register.simple_tag(takes_context=True)
def site_footer(context) -> SafeString:
    return mark_safe(_rendered("footer", context.get("clinic")))  # noqa: S308
