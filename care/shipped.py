"""The five instruments shipped with the project, all free to use (no licence needed).

Used by the data migration and by seed_demo. Prompts and labels are marked with gettext_noop so
they reach the translation catalogue; the answer page translates them when it shows them.
KOOS, HOOS and WOMAC are licensed: a clinic adds them in the admin under its own licence.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as N_

_NRS = {"min_value": 0, "max_value": 10, "step": 1}
_NRS_LABELS = {"min_label": N_("No pain"), "max_label": N_("Worst pain imaginable")}
# 2 points and 30 %: the usual minimal important change on a 0-10 pain scale
# (Farrar et al., Pain 2001); 2 points worse is the alert threshold.
_PAIN = {
    "scoring": "single",
    "direction": "lower",
    "compared_to_baseline": True,
    "improvement_points": 2,
    "improvement_percent": 30,
    "worse_points": 2,
}

SHIPPED_INSTRUMENTS = [
    {
        "slug": "pain-now",
        "name": N_("Pain now"),
        "short_name": N_("Pain now"),
        "display_order": 1,
        **_PAIN,
        "items": [
            {"position": 1, "prompt": N_("How bad is your pain right now?"), **_NRS, **_NRS_LABELS}
        ],
    },
    {
        "slug": "pain-average-week",
        "name": N_("Average pain over the last week"),
        "short_name": N_("Average pain"),
        "display_order": 2,
        **_PAIN,
        "items": [
            {
                "position": 1,
                "prompt": N_("Over the last 7 days, how bad was your pain on average?"),
                **_NRS,
                **_NRS_LABELS,
            }
        ],
    },
    {
        "slug": "pain-worst-week",
        "name": N_("Worst pain over the last week"),
        "short_name": N_("Worst pain"),
        "display_order": 3,
        **_PAIN,
        "items": [
            {
                "position": 1,
                "prompt": N_("Over the last 7 days, how bad was your pain at its worst?"),
                **_NRS,
                **_NRS_LABELS,
            }
        ],
    },
    {
        # Patient Global Impression of Change: about change itself, so never at baseline;
        # "much" or "very much improved" counts as improved, "much worse" or worse alerts.
        "slug": "pgic",
        "name": N_("Patient Global Impression of Change"),
        "short_name": N_("Impression of change"),
        "display_order": 4,
        "scoring": "single",
        "direction": "lower",
        "compared_to_baseline": False,
        "improvement_points": 0,
        "improvement_percent": None,
        "worse_points": 0,
        "improved_if_score": 2,
        "worse_if_score": 6,
        "items": [
            {
                "position": 1,
                "prompt": N_(
                    "Since your treatment began, how would you describe the change in your "
                    "condition?"
                ),
                "min_value": 1,
                "max_value": 7,
                "step": 1,
                "min_label": "",
                "max_label": "",
                "options": [
                    {"value": 1, "label": N_("Very much improved")},
                    {"value": 2, "label": N_("Much improved")},
                    {"value": 3, "label": N_("Minimally improved")},
                    {"value": 4, "label": N_("No change")},
                    {"value": 5, "label": N_("Minimally worse")},
                    {"value": 6, "label": N_("Much worse")},
                    {"value": 7, "label": N_("Very much worse")},
                ],
            }
        ],
    },
    {
        # Single Assessment Numeric Evaluation: 0-100 % of normal; about 15 points is a
        # meaningful change for the knee and shoulder in the published estimates.
        "slug": "sane",
        "name": N_("Single Assessment Numeric Evaluation"),
        "short_name": N_("Joint, % of normal"),
        "display_order": 5,
        "scoring": "single",
        "direction": "higher",
        "compared_to_baseline": True,
        "improvement_points": 15,
        "improvement_percent": None,
        "worse_points": 15,
        "items": [
            {
                "position": 1,
                "prompt": N_(
                    "How would you rate your joint today, as a percentage of normal "
                    "(0 to 100 %, 100 % being normal)?"
                ),
                "min_value": 0,
                "max_value": 100,
                "step": 10,
                "min_label": N_("0 %: not at all normal"),
                "max_label": N_("100 %: normal"),
            }
        ],
    },
]


def instruments_install(*, instrument_model, item_model) -> int:
    """Create (or update) the shipped instruments; returns how many. Takes the models so the
    data migration can pass its historical ones."""
    for data in SHIPPED_INSTRUMENTS:
        fields = {k: v for k, v in data.items() if k not in ("slug", "items")}
        instrument, _ = instrument_model.objects.update_or_create(
            slug=data["slug"], defaults=fields
        )
        for item in data["items"]:
            item_fields = {k: v for k, v in item.items() if k != "position"}
            item_model.objects.update_or_create(
                instrument=instrument, position=item["position"], defaults=item_fields
            )
    return len(SHIPPED_INSTRUMENTS)
