"""The shipped instruments carry Spanish for what a patient reads, and installing them again
(seed_demo, a later migration) never overwrites a clinic's own Spanish."""

from __future__ import annotations

import pytest
from django.utils import translation

from care.models import Instrument, InstrumentItem
from care.models.instruments import option_label, patient_text
from care.shipped import SHIPPED_INSTRUMENTS, instruments_install, instruments_spanish_fill

pytestmark = pytest.mark.django_db


def test_the_five_shipped_instruments_are_in_spanish():
    assert Instrument.objects.filter(slug__in=[d["slug"] for d in SHIPPED_INSTRUMENTS]).count() == 5
    for instrument in Instrument.objects.all():
        assert instrument.name_es
    for item in InstrumentItem.objects.all():
        assert item.prompt_es
        assert bool(item.min_label_es) == bool(item.min_label)
        assert bool(item.max_label_es) == bool(item.max_label)
        assert all(option.get("label_es") for option in item.options)


def test_patient_text_follows_the_active_language_and_falls_back_to_english():
    item = InstrumentItem.objects.get(instrument__slug="pain-now")
    option = {"value": 1, "label": "Very much improved", "label_es": "Muchísimo mejor"}
    with translation.override("es"):
        assert patient_text(item, "prompt") == "¿Qué tan fuerte es su dolor en este momento?"
        assert option_label(option) == "Muchísimo mejor"
        assert option_label({"value": 1, "label": "Better"}) == "Better"
        item.prompt_es = ""
        assert patient_text(item, "prompt") == "How bad is your pain right now?"
    with translation.override("en"):
        assert patient_text(item, "min_label") == "No pain"
        assert option_label(option) == "Very much improved"


def test_installing_again_keeps_a_clinics_own_spanish():
    item = InstrumentItem.objects.get(instrument__slug="pgic")
    item.prompt_es = "Desde el inicio del tratamiento, ¿cómo describe el cambio?"
    item.options = [dict(o, label_es=f"Propia {o['value']}") for o in item.options]
    item.save()
    Instrument.objects.filter(slug="pgic").update(name_es="PGIC (versión de la clínica)")

    instruments_install(instrument_model=Instrument, item_model=InstrumentItem)
    assert instruments_spanish_fill(instrument_model=Instrument, item_model=InstrumentItem) == 0

    item.refresh_from_db()
    assert item.prompt_es.startswith("Desde el inicio")
    assert [o["label_es"] for o in item.options] == [f"Propia {n}" for n in range(1, 8)]
    assert Instrument.objects.get(slug="pgic").name_es == "PGIC (versión de la clínica)"


def test_the_fill_gives_spanish_to_an_installed_instrument_without_it():
    Instrument.objects.filter(slug="sane").update(name_es="")
    item = InstrumentItem.objects.get(instrument__slug="pgic")
    item.options = [{k: v for k, v in o.items() if k != "label_es"} for o in item.options]
    item.save()
    assert instruments_spanish_fill(instrument_model=Instrument, item_model=InstrumentItem) == 2
    assert Instrument.objects.get(slug="sane").name_es == "Evaluación numérica única (SANE)"
    item.refresh_from_db()
    assert item.options[0]["label_es"] == "Muchísimo mejor"
