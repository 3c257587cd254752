from __future__ import annotations

import pytest
from django.db import IntegrityError

from booking.backoffice.roles import CLINICIAN, MANAGER, RECEPTION
from booking.models import OutboundMessage
from care.models import Instrument
from tests.care.factories import TimePointFactory
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def test_the_five_free_instruments_are_shipped_as_data():
    slugs = set(Instrument.objects.values_list("slug", flat=True))
    assert slugs == {"pain-now", "pain-average-week", "pain-worst-week", "pgic", "sane"}
    pgic = Instrument.objects.get(slug="pgic")
    assert not pgic.compared_to_baseline
    assert pgic.items.get().allowed_values() == [1, 2, 3, 4, 5, 6, 7]
    assert Instrument.objects.get(slug="sane").items.get().allowed_values()[-1] == 100
    assert not {"koos", "hoos", "womac"} & slugs


def test_a_time_point_is_a_ledger_subject_once_per_kind_and_moment():
    point = TimePointFactory()
    OutboundMessage.objects.create(
        patient=point.plan.patient,
        time_point=point,
        kind="outcome_invite",
        scheduled_for=point.due_at,
    )
    with pytest.raises(IntegrityError):
        OutboundMessage.objects.create(
            patient=point.plan.patient,
            time_point=point,
            kind="outcome_invite",
            scheduled_for=point.due_at,
        )


def test_roles_get_care_permissions_health_data_only_for_health_roles():
    clinician = StaffUserFactory(role=CLINICIAN)
    reception = StaffUserFactory(role=RECEPTION)
    manager = StaffUserFactory(role=MANAGER)
    assert clinician.has_perm("care.view_outcomes")
    assert manager.has_perm("care.view_outcomes")
    assert manager.has_perm("care.add_plantemplate")
    assert reception.has_perm("care.view_careplan")
    assert not reception.has_perm("care.view_outcomes")
    assert not reception.has_perm("care.view_response")
    assert not reception.has_perm("care.view_consents")
