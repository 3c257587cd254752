"""The clinic profile's per-process copy (booking/profile.py): one small query instead of the
row, and never older than the committed row. Across real processes:
tests/integration/test_web_processes.py."""

from __future__ import annotations

from datetime import time

import pytest
from django.db import transaction

from booking.models import ClinicProfile
from booking.profile import clinic_profile_get

pytestmark = pytest.mark.django_db


def test_profile_copy_costs_one_small_query(django_assert_num_queries):
    clinic_profile_get()

    with django_assert_num_queries(1) as captured:
        clinic_profile_get()

    assert "updated_at" in captured.captured_queries[0]["sql"]


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda p: p.save(), id="save"),
        pytest.param(lambda p: p.save(update_fields=["name"]), id="save-some-fields"),
        pytest.param(
            lambda p: ClinicProfile.objects.filter(pk=p.pk).update(name=p.name), id="update"
        ),
        pytest.param(lambda p: ClinicProfile.objects.bulk_update([p], ["name"]), id="bulk-update"),
    ],
)
def test_profile_edit_is_read_at_once_however_it_is_written(edit):
    clinic_profile_get()
    profile = ClinicProfile.objects.get(pk=1)
    profile.name = "Renamed Pain Clinic"

    edit(profile)

    assert clinic_profile_get().name == "Renamed Pain Clinic"


def test_profile_each_caller_gets_its_own_instance():
    first = clinic_profile_get()
    first.name = "Changed in memory, never saved"
    first.text_quiet_start = time(1)

    again = clinic_profile_get()

    assert again.name != first.name
    assert again.text_quiet_start != time(1)


def test_profile_edit_rolled_back_is_not_kept():
    original = clinic_profile_get().name
    seen_inside = []

    def edit_then_fail():
        with transaction.atomic():
            ClinicProfile.objects.filter(pk=1).update(name="Never committed")
            seen_inside.append(clinic_profile_get().name)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        edit_then_fail()

    assert seen_inside == ["Never committed"]  # the transaction reads its own edit
    assert clinic_profile_get().name == original


def test_profile_missing_row_is_created_with_defaults():
    ClinicProfile.objects.all().delete()

    assert clinic_profile_get().pk == 1
    assert clinic_profile_get().name == "Clinic"
