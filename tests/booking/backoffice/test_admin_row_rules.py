"""Row rules on every admin URL: each page Django's URL table holds (history pages, custom views,
autocomplete, export, pages added later) refuses a patient the role must not see.

The URL list is built from admin.site.get_urls() at test time, so a new page is covered without
editing this file. Each role is sent at a patient another clinician treats: a clinician or an
editor must never get the patient's name, email or phone; no role but the manager and the
treating clinician may get the intake; reception and the manager see the patient's contact
details by design.
"""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver
from django.utils import timezone

from booking.backoffice.roles import CLINICIAN, EDITOR, MANAGER, RECEPTION
from booking.models import (
    Appointment,
    AuditEvent,
    Patient,
    WaitlistEntry,
    WaitlistHold,
    WaitlistOffer,
)
from care.models import (
    CarePlan,
    ConsentRecord,
    ConsentText,
    Instrument,
    Response,
    SafetyAlert,
    TimePoint,
)
from tests.care.factories import PlanTemplateFactory
from tests.factories import (
    AppointmentFactory,
    OutboundMessageFactory,
    PatientFactory,
    PractitionerFactory,
    StaffUserFactory,
    WaitlistEntryFactory,
    WaitlistOfferFactory,
    next_weekday_at,
)

pytestmark = pytest.mark.django_db

NAME = "Zebulon Quartermain"
EMAIL = "zebulon.q@example.org"
PHONE = "+447700900555"
NOTE = "Secret knee story 4711"
# A waitlist entry's urgency reason is health data too (docs/waitlist.md).
URGENCY = "Cannot climb stairs 0815"
SEARCH = "Quartermai"  # matches the patient, yet is not the whole name (the search box echoes it)

# role -> what it must never be shown about another clinician's patient
FORBIDDEN = {
    RECEPTION: [NOTE, URGENCY],
    CLINICIAN: [NAME, EMAIL, PHONE, NOTE, URGENCY],
    EDITOR: [NAME, EMAIL, PHONE, NOTE, URGENCY],
    MANAGER: [],
    None: [NAME, EMAIL, PHONE, NOTE, URGENCY],  # not logged in
}

# <conv:name>, (?P<name>...) and simple-history's unnamed (object id)/history/(version id) groups
PARAM = re.compile(
    r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>[^)]*\)|(?P<unnamed>\([^?][^)]*\))"
)
UNNAMED = ("object_id", "history_id")


def admin_routes(patterns=None, prefix=""):
    """(route, model label or None) for every admin URL, recursively."""
    if patterns is None:
        patterns = admin.site.get_urls()
    for entry in patterns:
        route = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            yield from admin_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def _model_of(route: str):
    parts = route.split("/")
    if len(parts) >= 2:
        try:
            return ContentType.objects.get_by_natural_key(parts[0], parts[1]).model_class()
        except ContentType.DoesNotExist:
            return None
    return None


@pytest.fixture
def world():
    owner = PractitionerFactory(display_name="Dr Owner")
    # dr.patel has a schedule of their own, and no visit with this patient.
    patel = StaffUserFactory(username="dr.patel", role=CLINICIAN)
    patel_schedule = PractitionerFactory(display_name="Dr Patel", user=patel)
    patient = PatientFactory(full_name=NAME, email=EMAIL, phone=PHONE)
    appointment = AppointmentFactory(
        patient=patient,
        practitioner=owner,
        contact_name=NAME,
        contact_email=EMAIL,
        contact_phone=PHONE,
        start=next_weekday_at(10),
        intake__note=NOTE,
    )
    message = OutboundMessageFactory(appointment=appointment, patient=patient)
    # An "anyone" entry: dr.patel offers the type, yet the patient is not theirs.
    patel_schedule.consultation_types.add(appointment.consultation_type)
    entry = WaitlistEntryFactory(
        patient=patient,
        consultation_type=appointment.consultation_type,
        urgent=True,
        urgent_reason=URGENCY,
    )
    offer = WaitlistOfferFactory(entry=entry, hold__practitioner=owner)
    audit = AuditEvent.objects.create(
        action=AuditEvent.Action.PATIENT_EXPORTED,
        actor_label="x",
        patient_id=patient.pk,
        summary=f"Exported patient {patient.pk}",
    )
    # care's rows about the patient: answers and consents are health data (the NOTE).
    plan = CarePlan.objects.create(
        patient=patient, template=PlanTemplateFactory(), clinician=owner, started_at=timezone.now()
    )
    point = TimePoint.objects.create(plan=plan, days_after_procedure=0, due_at=timezone.now())
    instrument, _ = Instrument.objects.get_or_create(
        slug="row-rules", defaults={"name": "Row rules", "short_name": "RR", "direction": "lower"}
    )
    answer = Response.objects.create(
        time_point=point,
        instrument=instrument,
        answers={"1": NOTE},
        score=3,
        submitted_at=timezone.now(),
    )
    alert = SafetyAlert.objects.create(response=answer, plan=plan, created_at=timezone.now())
    text = ConsentText.objects.create(
        consultation_type=appointment.consultation_type,
        version=1,
        title="Consent",
        body="Risks.",
        published_at=timezone.now(),
    )
    consent = ConsentRecord.objects.create(
        plan=plan,
        text=text,
        action="signed",
        signed_name=NAME,
        signer_relationship=NOTE,
        recorded_at=timezone.now(),
    )
    return {
        CarePlan: plan,
        TimePoint: point,
        Response: answer,
        SafetyAlert: alert,
        ConsentRecord: consent,
        Patient: patient,
        Appointment: appointment,
        type(message): message,
        AuditEvent: audit,
        WaitlistEntry: entry,
        WaitlistHold: offer.hold,
        WaitlistOffer: offer,
        "dr.patel": patel,
    }


def _fill(route: str, world) -> str:
    model = _model_of(route)
    target = world.get(model)

    unnamed = iter(UNNAMED)

    def value(match: re.Match) -> str:
        name = match.group("name") or match.group("rname")
        if match.group("unnamed"):
            name = next(unnamed)
        if name == "object_id":
            return str(target.pk if target is not None else 1)
        if name == "history_id" or name == "version_id":
            if target is None or not hasattr(target, "history"):
                return "1"
            return str(target.history.order_by("-history_id").first().history_id)
        if name == "app_label":
            return "booking"
        if name == "content_type_id":
            return str(ContentType.objects.get_for_model(Patient).pk)
        return "x"

    return "/admin/" + PARAM.sub(value, route)


def test_the_url_table_holds_the_pages_the_review_found():
    routes = list(admin_routes())
    assert any("/history/([^/]+)/" in r for r in routes)
    assert any("autocomplete" in r for r in routes)
    assert any(r.endswith("export.csv") for r in routes)
    assert any(r.startswith("care/response/") for r in routes)
    assert any(r.startswith("care/consentrecord/") for r in routes)
    assert {"booking/waitlistentry/", "booking/waitlisthold/", "booking/waitlistoffer/"} <= {
        r.split("<")[0].split("(")[0] for r in routes
    }


@pytest.mark.parametrize("role", [RECEPTION, CLINICIAN, MANAGER, EDITOR, None])
def test_no_admin_url_shows_a_patient_the_role_must_not_see(client, world, role):
    if role is not None:
        client.force_login(world["dr.patel"] if role == CLINICIAN else StaffUserFactory(role=role))
    patient, appointment = world[Patient], world[Appointment]
    status_before = appointment.status
    query = {
        "q": SEARCH,
        "term": SEARCH,
        "app_label": "booking",
        "model_name": "appointment",
        "field_name": "patient",
    }
    leaks = []
    for route in admin_routes():
        url = _fill(route, world)
        if url.endswith("logout/"):
            continue
        for response in (
            client.get(url),
            client.get(url, query),
            client.post(url, {"status": "completed", "post": "yes"}),
        ):
            assert response.status_code < 500, url
            body = response.content.decode(errors="replace")
            shown = [secret for secret in FORBIDDEN[role] if secret in body]
            if shown:
                leaks.append((route, response.status_code, shown))
            if role is None and response.status_code == 302:
                assert "/login/" in response["Location"] or url.endswith("/logout/")
    assert leaks == []
    patient.refresh_from_db()
    appointment.refresh_from_db()
    assert patient.full_name == NAME
    if role in (CLINICIAN, EDITOR, None):
        assert appointment.status == status_before


@pytest.mark.parametrize(
    ("who", "sees"),
    [("owner", True), ("named", True), ("patel", False), (MANAGER, True), (RECEPTION, False)],
)
def test_the_urgency_reason_is_read_by_the_own_clinician_and_the_manager(client, who, sees):
    """Own: the entry names the clinician, or the patient has a visit with them."""
    owner_user = StaffUserFactory(username="dr.owner", role=CLINICIAN)
    owner = PractitionerFactory(user=owner_user)
    named_user = StaffUserFactory(username="dr.named", role=CLINICIAN)
    named = PractitionerFactory(user=named_user)
    patel = StaffUserFactory(username="dr.patel", role=CLINICIAN)
    PractitionerFactory(user=patel)
    appointment = AppointmentFactory(practitioner=owner, start=next_weekday_at(10))
    anyone = WaitlistEntryFactory(
        patient=appointment.patient, urgent=True, urgent_reason=URGENCY + " a"
    )
    naming = WaitlistEntryFactory(practitioner=named, urgent=True, urgent_reason=URGENCY + " b")
    users = {"owner": owner_user, "named": named_user, "patel": patel}
    client.force_login(users.get(who) or StaffUserFactory(role=who))
    entry = naming if who == "named" else anyone
    body = client.get(f"/admin/booking/waitlistentry/{entry.pk}/change/").content.decode()
    assert (entry.urgent_reason in body) is sees
    listing = client.get("/admin/booking/waitlistentry/").content.decode()
    assert URGENCY not in listing  # never in the list, whoever reads it
