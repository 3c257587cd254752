"""Query counts pinned for 1 and 500 visits on the grid, the patient record and the reports."""

from datetime import timedelta

import pytest
from django.urls import reverse

from booking.models import Appointment, Intake, Patient
from tests.booking.backoffice.conftest import at
from tests.factories import PatientFactory, next_weekday

pytestmark = pytest.mark.django_db

# The same ceiling for 1 and 500 visits: a page whose count grew with the visits fails.
GRID_QUERIES = 12
RECORD_QUERIES = 12
REPORT_QUERIES = 14  # 13 by week or type; the practitioner names are one more


def _bulk(frontdesk, count, *, patient=None, day=None):
    """`count` 5-minute visits over the two clinicians (bypassing services), with intakes."""
    day = day or next_weekday(1)
    patients = (
        [patient] * count
        if patient
        else Patient.objects.bulk_create(
            PatientFactory.build(email=f"q{i}@example.com") for i in range(count)
        )
    )
    rows = []
    for i, p in enumerate(patients):
        practitioner = (frontdesk["patel"], frontdesk["okafor"])[i % 2]
        start = at(day, 0) + timedelta(minutes=5 * (i // 2))
        if patient:  # one patient: spread their visits over days
            start = at(day, 9) - timedelta(days=i)
        rows.append(
            Appointment(
                consultation_type=frontdesk["short"],
                practitioner=practitioner,
                patient=p,
                start=start,
                end=start + timedelta(minutes=5),
                occupied_start=start,
                occupied_end=start + timedelta(minutes=5),
                contact_name=p.full_name,
                contact_email=p.email,
                reference=f"q{i:031d}",
                short_reference=f"Q{i:07d}".replace("0", "A").replace("1", "B").replace("5", "C"),
            )
        )
    made = Appointment.objects.bulk_create(rows)
    Intake.objects.bulk_create(Intake(appointment=a, joints=["knee"], pain_score=5) for a in made)
    return day


@pytest.mark.parametrize("count", [1, 500])
@pytest.mark.parametrize("user", ["reception", "patel_user", "manager"])
def test_grid_queries(client, frontdesk, django_assert_max_num_queries, count, user):
    day = _bulk(frontdesk, count)
    client.force_login(frontdesk[user])
    url = reverse("admin:booking_schedule_day")
    client.get(url, {"date": day.isoformat()})
    with django_assert_max_num_queries(GRID_QUERIES):
        response = client.get(url, {"date": day.isoformat()})
    assert response.status_code == 200
    with django_assert_max_num_queries(GRID_QUERIES):
        client.get(
            reverse("admin:booking_schedule_week"),
            {"date": day.isoformat(), "practitioner": frontdesk["patel"].pk},
        )


@pytest.mark.parametrize("count", [1, 500])
@pytest.mark.parametrize("user", ["reception", "patel_user", "manager"])
def test_record_queries(client, frontdesk, django_assert_max_num_queries, count, user):
    patient = PatientFactory(full_name="Maria Gomez")
    _bulk(frontdesk, count, patient=patient)
    client.force_login(frontdesk[user])
    url = reverse("admin:booking_patient_record", args=[patient.pk])
    client.get(url)
    with django_assert_max_num_queries(RECORD_QUERIES):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 500])
@pytest.mark.parametrize("group", ["week", "practitioner", "type"])
def test_report_queries(client, frontdesk, django_assert_max_num_queries, count, group):
    day = _bulk(frontdesk, count, day=next_weekday(1) - timedelta(days=14))
    client.force_login(frontdesk["manager"])
    url = reverse("admin:booking_reports")
    query = {"group": group, "from": (day - timedelta(days=7)).isoformat()}
    client.get(url, query)
    with django_assert_max_num_queries(REPORT_QUERIES):
        response = client.get(url, query)
    assert len(response.context["report"].rows) >= 1
