"""The consent page the plan's private link opens: read the current text, confirm the date of
birth, type the full name (and the relationship when signing for the patient); or withdraw.
Every signature and withdrawal is a new record; a copy email carries only the link. The language
switch re-posts what was typed and the page shows it again, signing nothing. The consent text
itself is the clinic's, edited in the admin (shown as written)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from booking.interface import localized
from care.consent import (
    ConsentInvalid,
    consent_latest,
    consent_sign,
    consent_text_current,
    consent_withdraw,
    procedure_type_id,
)
from care.journey.common import plan_opened
from clinic.language import language_switch_requested, redisplay


class ConsentForm(forms.Form):
    text = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    date_of_birth = forms.DateField(
        label=gettext_lazy("Patient's date of birth"),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
    )
    full_name = forms.CharField(label=gettext_lazy("Your full name"), max_length=200)
    for_someone = forms.BooleanField(
        label=gettext_lazy("I am signing for the patient"), required=False
    )
    relationship = forms.CharField(
        label=gettext_lazy("Your relationship to the patient"), max_length=100, required=False
    )
    agree = forms.BooleanField(
        label=gettext_lazy("I have read this form and I agree to the treatment"), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("for_someone") and not data.get("relationship", "").strip():
            self.add_error("relationship", _("Say how you are related to the patient."))
        return data


@never_cache
@require_http_methods(["GET", "POST"])
def consent_page(request: HttpRequest, token: str) -> HttpResponse:
    plan, problem = plan_opened(request, token)
    if problem:
        return problem
    now = timezone.now()
    type_id = procedure_type_id(plan)
    text = consent_text_current(consultation_type_id=type_id, now=now)
    latest = consent_latest(plan=plan, consultation_type_id=type_id) if type_id else None
    form = ConsentForm(request.POST or None, initial={"text": text.pk if text else None})
    status = 400 if request.method == "POST" else 200
    if language_switch_requested(request):
        # Not a submission: what was typed, shown again in the other language, nothing signed.
        redisplay(form)
    elif request.method == "POST" and form.is_valid() and text is not None:
        data = form.cleaned_data
        withdraw = request.POST.get("action") == "withdraw"
        if not withdraw and not data["agree"]:
            form.add_error("agree", _("Tick the box to agree, or call the clinic."))
        else:
            try:
                if withdraw:
                    consent_withdraw(
                        plan=plan,
                        typed_name=data["full_name"],
                        date_of_birth=data["date_of_birth"],
                        reader_language=get_language(),
                    )
                    messages.success(
                        request, _("Your consent is withdrawn. The clinic will call you.")
                    )
                else:
                    consent_sign(
                        plan=plan,
                        text_id=data["text"] or 0,
                        typed_name=data["full_name"],
                        date_of_birth=data["date_of_birth"],
                        relationship=data["relationship"] if data["for_someone"] else "",
                        reader_language=get_language(),
                    )
                    messages.success(request, _("Thank you. Your signed consent is recorded."))
                return redirect("care:consent", token=token)
            except ConsentInvalid as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, exc.message)
    return render(
        request,
        "care/consent.html",
        {
            "plan": plan,
            "token": token,
            "text": text,
            "paragraphs": (
                [p for p in localized(text, "body").split("\n\n") if p.strip()] if text else []
            ),
            "latest": latest,
            "signed_current": latest is not None
            and latest.action == "signed"
            and text is not None
            and latest.text_id == text.pk,
            "form": form,
            "language_switch_form": "consent-form",
        },
        status=status if form.errors else 200,
    )
