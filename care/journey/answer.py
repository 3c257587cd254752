"""Answering the outcome questions through the plan's private link: large radio buttons (keys
move between answers), every answer required, and a safety note on every page. The questions
show in the patient's language (an instrument's Spanish fields, else its English); the language
switch re-posts the answers chosen so far and the page shows them again, saving nothing."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from care.journey.common import plan_opened
from care.models import TimePoint
from care.models.instruments import option_label, patient_text
from care.outcomes import (
    AnswerInvalid,
    questionnaires_open,
    time_point_answer,
    time_point_instruments,
)
from clinic.language import language_switch_requested


def _questions(instruments, chosen: dict[str, int], missing: set[str]) -> list[dict]:
    """Each instrument's items as the template shows them, in the active language."""
    shown = []
    for instrument in instruments:
        items = []
        for item in instrument.items.all():
            name = f"{instrument.pk}-{item.position}"
            if item.options:
                choices = [(o["value"], option_label(o)) for o in item.options]
            else:
                values = range(item.min_value, item.max_value + 1, item.step)
                choices = [(v, str(v)) for v in values]
            items.append(
                {
                    "name": name,
                    "prompt": patient_text(item, "prompt"),
                    "min_label": patient_text(item, "min_label"),
                    "max_label": patient_text(item, "max_label"),
                    "choices": choices,
                    "chosen": chosen.get(name),
                    "missing": name in missing,
                }
            )
        shown.append(
            {
                "name": patient_text(instrument, "name"),
                "instructions": patient_text(instrument, "instructions"),
                "items": items,
            }
        )
    return shown


def _int(raw: str) -> int | None:
    raw = raw.strip()
    if raw.lstrip("-").isdigit() and len(raw) < 6:
        return int(raw)
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str, point_id: int) -> HttpResponse:
    plan, problem = plan_opened(request, token)
    if problem:
        return problem
    open_ids = {p.pk for p in questionnaires_open(plan=plan, now=timezone.now())}
    if point_id not in open_ids:
        return render(request, "care/answer_closed.html", {"token": token}, status=404)
    point = get_object_or_404(TimePoint.objects.select_related("plan__template"), pk=point_id)
    instruments = time_point_instruments(point)
    chosen: dict[str, int] = {}
    missing: set[str] = set()
    if request.method == "POST":
        for instrument in instruments:
            for item in instrument.items.all():
                name = f"{instrument.pk}-{item.position}"
                value = _int(request.POST.get(name, ""))
                if value is None or value not in item.allowed_values():
                    missing.add(name)
                else:
                    chosen[name] = value
        if language_switch_requested(request):
            missing = set()  # not a submission: the answers chosen so far, shown again
        elif not missing:
            try:
                time_point_answer(point=point, answers=chosen, now=timezone.now())
            except AnswerInvalid:
                return render(request, "care/answer_closed.html", {"token": token}, status=409)
            return redirect("care:answered", token=token)
    return render(
        request,
        "care/answer.html",
        {
            "token": token,
            "point": point,
            "questions": _questions(instruments, chosen, missing),
            "has_errors": bool(missing),
            "language_switch_form": "answer-form",
        },
        status=400 if missing else 200,
    )


@never_cache
def answered(request: HttpRequest, token: str) -> HttpResponse:
    plan, problem = plan_opened(request, token)
    if problem:
        return problem
    return render(request, "care/answered.html", {"token": token})
