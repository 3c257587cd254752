from django import forms
from django.utils.translation import gettext_lazy as _

SEARCH_MAX_LENGTH = 200


class SearchForm(forms.Form):
    # CharField also refuses NUL bytes (ProhibitNullCharactersValidator) with a clear message.
    q = forms.CharField(
        label=_("Search the articles"),
        max_length=SEARCH_MAX_LENGTH,
        required=False,
        error_messages={
            "max_length": _("Please use a shorter search (at most %(limit_value)d characters).")
        },
    )
