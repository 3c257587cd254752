"""The five instruments shipped with the project, all free to use (no licence needed), in
English and Spanish.

Used by the data migrations and by seed_demo. The Spanish is the project's own translation in
the patient's "usted", plain words for a grade-8 reader; a clinic that prefers a published
Spanish version edits the `*_es` fields in the admin (a later install never overwrites them).
KOOS, HOOS and WOMAC are licensed: a clinic adds them in the admin under its own licence.
"""

from __future__ import annotations

_NRS = {"min_value": 0, "max_value": 10, "step": 1}
_NRS_LABELS = {
    "min_label": "No pain",
    "min_label_es": "Sin dolor",
    "max_label": "Worst pain imaginable",
    "max_label_es": "El peor dolor imaginable",
}
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
        "name": "Pain now",
        "name_es": "Dolor ahora",
        "short_name": "Pain now",
        "display_order": 1,
        **_PAIN,
        "items": [
            {
                "position": 1,
                "prompt": "How bad is your pain right now?",
                "prompt_es": "¿Qué tan fuerte es su dolor en este momento?",
                **_NRS,
                **_NRS_LABELS,
            }
        ],
    },
    {
        "slug": "pain-average-week",
        "name": "Average pain over the last week",
        "name_es": "Dolor promedio en la última semana",
        "short_name": "Average pain",
        "display_order": 2,
        **_PAIN,
        "items": [
            {
                "position": 1,
                "prompt": "Over the last 7 days, how bad was your pain on average?",
                "prompt_es": "En los últimos 7 días, ¿qué tan fuerte fue su dolor en promedio?",
                **_NRS,
                **_NRS_LABELS,
            }
        ],
    },
    {
        "slug": "pain-worst-week",
        "name": "Worst pain over the last week",
        "name_es": "El peor dolor en la última semana",
        "short_name": "Worst pain",
        "display_order": 3,
        **_PAIN,
        "items": [
            {
                "position": 1,
                "prompt": "Over the last 7 days, how bad was your pain at its worst?",
                "prompt_es": (
                    "En los últimos 7 días, ¿qué tan fuerte fue su dolor en el peor momento?"
                ),
                **_NRS,
                **_NRS_LABELS,
            }
        ],
    },
    {
        # Patient Global Impression of Change: about change itself, so never at baseline;
        # "much" or "very much improved" counts as improved, "much worse" or worse alerts.
        "slug": "pgic",
        "name": "Patient Global Impression of Change",
        "name_es": "Impresión global de cambio del paciente",
        "short_name": "Impression of change",
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
                "prompt": (
                    "Since your treatment began, how would you describe the change in your "
                    "condition?"
                ),
                "prompt_es": (
                    "Desde que empezó su tratamiento, ¿cómo describiría el cambio en su estado?"
                ),
                "min_value": 1,
                "max_value": 7,
                "step": 1,
                "min_label": "",
                "max_label": "",
                "options": [
                    {"value": 1, "label": "Very much improved", "label_es": "Muchísimo mejor"},
                    {"value": 2, "label": "Much improved", "label_es": "Mucho mejor"},
                    {"value": 3, "label": "Minimally improved", "label_es": "Un poco mejor"},
                    {"value": 4, "label": "No change", "label_es": "Sin cambios"},
                    {"value": 5, "label": "Minimally worse", "label_es": "Un poco peor"},
                    {"value": 6, "label": "Much worse", "label_es": "Mucho peor"},
                    {"value": 7, "label": "Very much worse", "label_es": "Muchísimo peor"},
                ],
            }
        ],
    },
    {
        # Single Assessment Numeric Evaluation: 0-100 % of normal; about 15 points is a
        # meaningful change for the knee and shoulder in the published estimates.
        "slug": "sane",
        "name": "Single Assessment Numeric Evaluation",
        "name_es": "Evaluación numérica única (SANE)",
        "short_name": "Joint, % of normal",
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
                "prompt": (
                    "How would you rate your joint today, as a percentage of normal "
                    "(0 to 100 %, 100 % being normal)?"
                ),
                "prompt_es": (
                    "¿Cómo calificaría hoy su articulación, como porcentaje de lo normal "
                    "(de 0 a 100 %, donde 100 % es normal)?"
                ),
                "min_value": 0,
                "max_value": 100,
                "step": 10,
                "min_label": "0 %: not at all normal",
                "min_label_es": "0 %: nada normal",
                "max_label": "100 %: normal",
                "max_label_es": "100 %: normal",
            }
        ],
    },
]

_SPANISH_ITEM_FIELDS = ("prompt_es", "min_label_es", "max_label_es")


def _english(fields: dict) -> dict:
    """The English fields only: the Spanish is filled in by instruments_spanish_fill, which
    leaves a clinic's own Spanish alone (and migration 0002's models have no Spanish fields)."""
    english = {k: v for k, v in fields.items() if not k.endswith("_es")}
    if "options" in english:
        english["options"] = [
            {k: v for k, v in o.items() if k != "label_es"} for o in english["options"]
        ]
    return english


def instruments_install(*, instrument_model, item_model) -> int:
    """Create (or update) the shipped instruments, then fill in their Spanish where it is
    empty; returns how many. Takes the models so a data migration can pass its historical ones."""
    for data in SHIPPED_INSTRUMENTS:
        fields = _english({k: v for k, v in data.items() if k not in ("slug", "items")})
        instrument, _ = instrument_model.objects.update_or_create(
            slug=data["slug"], defaults=fields
        )
        for item in data["items"]:
            item_fields = _english({k: v for k, v in item.items() if k != "position"})
            current = item_model.objects.filter(
                instrument=instrument, position=item["position"]
            ).first()
            if current is not None and "options" in item_fields:
                # Keep the Spanish labels already given to the answers.
                spanish = {o["value"]: o.get("label_es") for o in current.options}
                item_fields["options"] = [
                    {**o, "label_es": spanish[o["value"]]} if spanish.get(o["value"]) else o
                    for o in item_fields["options"]
                ]
            item_model.objects.update_or_create(
                instrument=instrument, position=item["position"], defaults=item_fields
            )
    if any(f.name == "name_es" for f in instrument_model._meta.get_fields()):
        instruments_spanish_fill(instrument_model=instrument_model, item_model=item_model)
    return len(SHIPPED_INSTRUMENTS)


def instruments_spanish_fill(*, instrument_model, item_model) -> int:
    """Give installed shipped instruments their Spanish where it is still empty (a clinic's
    own words stay); returns how many rows changed."""
    changed = 0
    for data in SHIPPED_INSTRUMENTS:
        instrument = instrument_model.objects.filter(slug=data["slug"]).first()
        if instrument is None:
            continue
        if not instrument.name_es:
            instrument.name_es = data["name_es"]
            instrument.save(update_fields=["name_es"])
            changed += 1
        for shipped in data["items"]:
            item = item_model.objects.filter(
                instrument=instrument, position=shipped["position"]
            ).first()
            if item is None:
                continue
            updated = [f for f in _SPANISH_ITEM_FIELDS if shipped.get(f) and not getattr(item, f)]
            for field in updated:
                setattr(item, field, shipped[field])
            spanish = {o["value"]: o["label_es"] for o in shipped.get("options", [])}
            options = [
                {**o, "label_es": spanish[o["value"]]}
                if not o.get("label_es") and o.get("value") in spanish
                else o
                for o in item.options
            ]
            if options != item.options:
                item.options = options
                updated.append("options")
            if updated:
                item.save(update_fields=updated)
                changed += 1
    return changed
