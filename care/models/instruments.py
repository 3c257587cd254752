"""Outcome instruments as data: items, answers, scoring and the minimal important change.

A clinic adds KOOS, HOOS or WOMAC under its own licence in the admin, without code; the shipped
ones (care/shipped.py) are free to use. What the patient reads (name, instructions, prompts,
end labels, answer labels) has a Spanish twin (`*_es`, `label_es` in an option) shown to a
Spanish reader, the English when it is empty: an instrument is data, not a catalogue string,
and a clinic that licenses a validated Spanish version types its exact words.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation


def _reader_language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


def patient_text(obj: models.Model, field: str) -> str:
    """`field` of `obj` in the active language: its `<field>_<language>` twin when filled in,
    else the English."""
    language = _reader_language()
    if language != settings.LANGUAGE_CODE:
        translated = getattr(obj, f"{field}_{language}", "")
        if translated:
            return translated
    return getattr(obj, field)


def option_label(option: dict) -> str:
    """An answer's label in the active language ("label_es"), else its English "label"."""
    language = _reader_language()
    if language != settings.LANGUAGE_CODE:
        translated = option.get(f"label_{language}")
        if translated:
            return translated
    return option["label"]


class Instrument(models.Model):
    class Scoring(models.TextChoices):
        SINGLE = "single", "The one item's answer"
        SUM = "sum", "Sum of the items"
        MEAN = "mean", "Mean of the items"

    class Direction(models.TextChoices):
        LOWER_BETTER = "lower", "Lower is better (pain)"
        HIGHER_BETTER = "higher", "Higher is better (function)"

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    name_es = models.CharField("name (Spanish)", max_length=120, blank=True)
    short_name = models.CharField(max_length=30)
    instructions = models.TextField(blank=True)
    instructions_es = models.TextField("instructions (Spanish)", blank=True)
    scoring = models.CharField(max_length=10, choices=Scoring.choices, default=Scoring.SINGLE)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    # False for a transition question (the PGIC asks about change itself): never at baseline,
    # and judged on its own score rather than on a change from baseline.
    compared_to_baseline = models.BooleanField(default=True)
    # Meaningful improvement, compared to baseline: at least these points, and (if set) this
    # share of the baseline score (e.g. 2 points and 30 % on a pain scale).
    improvement_points = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal(2))
    improvement_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    # Clearly worse (alerts the treating clinician): this many points worse than baseline.
    worse_points = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal(2))
    # For an instrument not compared to baseline: the score at or beyond which it counts as
    # improved, and as clearly worse (in the instrument's direction).
    improved_if_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    worse_if_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    licence_note = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    display_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.compared_to_baseline and (
            self.improved_if_score is None or self.worse_if_score is None
        ):
            raise ValidationError(
                "An instrument not compared to baseline needs its improved and worse scores."
            )


class InstrumentItem(models.Model):
    """One question: a numeric scale (min..max with end labels) or a list of labelled answers."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    prompt = models.CharField(max_length=300)
    prompt_es = models.CharField("prompt (Spanish)", max_length=300, blank=True)
    min_value = models.SmallIntegerField(default=0)
    max_value = models.SmallIntegerField(default=10)
    min_label = models.CharField(max_length=100, blank=True)
    min_label_es = models.CharField("min label (Spanish)", max_length=100, blank=True)
    max_label = models.CharField(max_length=100, blank=True)
    max_label_es = models.CharField("max label (Spanish)", max_length=100, blank=True)
    # [{"value": 1, "label": "Very much improved", "label_es": "Muchísimo mejor"}, ...]
    # ("label_es" optional); empty for a numeric scale.
    options = models.JSONField(default=list, blank=True)
    # Step of a numeric scale's buttons (10 on a 0-100 percentage, 1 on 0-10).
    step = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["instrument", "position"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "position"], name="item_once_per_place"),
            models.CheckConstraint(
                condition=models.Q(max_value__gt=models.F("min_value")), name="item_range_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.prompt

    def clean(self) -> None:
        if not isinstance(self.options, list) or any(
            not isinstance(o, dict)
            or not isinstance(o.get("value"), int)
            or not o.get("label")
            or not isinstance(o.get("label_es", ""), str)
            for o in self.options
        ):
            raise ValidationError(
                {"options": 'A list of {"value": n, "label": text, "label_es": text (optional)}.'}
            )

    def allowed_values(self) -> list[int]:
        if self.options:
            return [o["value"] for o in self.options]
        return list(range(self.min_value, self.max_value + 1))
