"""Every patient page in Spanish, with the real catalogue: nothing a patient reads is left in
English (issue 17). Each page is rendered in English and in Spanish, public pages through their
two URLs, private pages with the patient's stored language switched; a text of the Spanish page
that is word for word one of the English page's is English left behind (tests/spanish.py), unless
it is the data's own names. A final check fails when a named patient URL was neither crawled nor
listed as not a page, so a page added later is not missed."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone, translation

from booking.links.tokens import manage_token
from booking.management.commands.seed_demo import CLINIC_TEXTS_ES
from booking.models import ClinicProfile, WaitlistEntry, WaitlistOffer
from booking.profile import clinic_profile_get
from booking.scheduling.selectors import available_slots
from booking.waitlist.links import entry_token
from care.links import plan_token
from care.models import ConsentText
from care.plans import plan_start
from tests.booking.waitlist.conftest import make_entry
from tests.care.factories import knee_prp_template
from tests.factories import (
    AppointmentFactory,
    ArticleFactory,
    ConsultationTypeFactory,
    PatientFactory,
    PractitionerFactory,
    TopicFactory,
    next_weekday_at,
)
from tests.spanish import english_left, page_texts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limit")]

# Named URLs that are no page a patient reads, or not a patient's.
NOT_PATIENT_PAGES = {
    "healthz", "robots_txt", "sitemap", "education:feed", "booking:calendar",
    "booking:calendar_feed", "booking:api_availability", "booking:short_link",
    "booking:sms_inbound", "booking:sms_status", "booking:confirm",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _english_around():
    translation.activate("en")
    yield
    translation.deactivate()


def _types():
    consult = ConsultationTypeFactory(
        slug="consult",
        name="Initial consultation",
        name_es="Primera consulta",
        description="A first visit for joint pain.",
        description_es="Una primera visita por dolor en las articulaciones.",
        min_notice_minutes=0,
    )
    procedure = ConsultationTypeFactory(
        slug="prp", name="PRP injection", name_es="Inyección de PRP", plan_only=True
    )
    follow_up = ConsultationTypeFactory(
        slug="follow", name="Follow-up", name_es="Seguimiento", plan_only=True
    )
    return consult, procedure, follow_up


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    ClinicProfile.objects.filter(pk=clinic_profile_get().pk).update(**CLINIC_TEXTS_ES)
    consult, procedure, follow_up = _types()
    doctor = PractitionerFactory(
        display_name="Dr. Ada Reyes",
        bio="Treats knee and hip pain.",
        bio_es="Trata el dolor de rodilla y de cadera.",
        consultation_types=[consult, procedure, follow_up],
    )
    patient = PatientFactory(full_name="Lucía Fernández", email="lucia@example.com")
    visit = AppointmentFactory(
        consultation_type=consult, practitioner=doctor, patient=patient, start=next_weekday_at(10)
    )
    # The waitlist: an entry, and an offer of a cancelled visit's time.
    entry = make_entry(consult, patient=patient)
    pending = make_entry(consult, patient=patient, status="pending")
    freed = AppointmentFactory(
        consultation_type=consult, practitioner=doctor, start=next_weekday_at(15)
    )
    from booking.scheduling.changes import appointment_cancel

    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=freed, apply_patient_rules=False)
    offer = WaitlistOffer.objects.filter(entry=entry).first()
    # A care plan with its consent text and an open questionnaire.
    template = knee_prp_template(consult=consult, procedure=procedure, follow_up=follow_up)
    plan = plan_start(appointment=visit, template=template)
    ConsentText.objects.create(
        consultation_type=procedure,
        version=1,
        title="Consent to a PRP injection",
        title_es="Consentimiento para una inyección de PRP",
        body="What happens.\n\nThe risks.",
        body_es="Qué pasa.\n\nLos riesgos.",
        published_at=timezone.now() - timedelta(days=1),
    )
    topic = TopicFactory(
        slug="knees",
        name="Knees",
        name_es="Rodillas",
        description_es="Artículos sobre la salud de las rodillas.",
    )
    english = ArticleFactory(topic=topic, slug="knee-pain", title="Knee pain")
    spanish = ArticleFactory(
        topic=topic,
        slug="dolor-de-rodilla",
        title="Dolor de rodilla",
        summary="Un resumen breve y claro.",
        body="## Qué es\n\nUn texto en español.",
        language="es",
        translation_of=english,
    )
    return {
        "consult": consult,
        "doctor": doctor,
        "patient": patient,
        "visit": visit,
        "entry": entry,
        "pending": pending,
        "offer": offer,
        "plan": plan,
        "articles": (english, spanish),
        "topic": topic,
    }


def _data_names(world) -> set[str]:
    """What pages show as data, the same in both languages: names, the address, the phone."""
    profile = clinic_profile_get()
    names = {
        profile.name,
        profile.phone,
        profile.email,
        str(world["doctor"]),
        world["patient"].full_name,
        world["patient"].email,
        world["plan"].template.name,
        *profile.address.splitlines(),
        "Lucía",
        world["visit"].short_reference if hasattr(world["visit"], "short_reference") else "",
    }
    return {name for name in names if name}


def _public_pages(world) -> list[tuple[str, str, dict]]:
    consult = world["consult"]
    slot = _first_free(consult)
    english, _spanish = world["articles"]
    return [
        ("home", reverse("home"), {}),
        ("privacy", reverse("privacy"), {}),
        ("education:article_list", reverse("education:article_list"), {}),
        ("education:article_detail", reverse("education:article_detail", args=[english.slug]), {}),
        ("education:topic_detail", reverse("education:topic_detail", args=["knees"]), {}),
        ("education:search", reverse("education:search"), {"q": "knee"}),
        ("booking:start", reverse("booking:start"), {}),
        ("booking:lost_link", reverse("booking:lost_link"), {}),
        ("booking:choose_time", reverse("booking:choose_time", args=[consult.slug]), {}),
        ("booking:waitlist_join", reverse("booking:waitlist_join", args=[consult.slug]), {}),
        (
            "booking:details",
            reverse("booking:details", args=[consult.slug]),
            {"start": slot.start.isoformat(), "practitioner": "any"},
        ),
    ]


def _first_free(consult):
    today = timezone.localdate()
    free = available_slots(
        consultation_type=consult, first_day=today, last_day=today + timedelta(days=14)
    )
    return next(s for day in free.values() for s in day)


def _private_pages(world) -> list[tuple[str, str]]:
    token = manage_token(world["visit"])
    plan = plan_token(world["plan"])
    entry = entry_token(world["entry"])
    point = world["plan"].time_points.order_by("due_at").first()
    pages = [
        ("booking:manage", reverse("booking:manage", args=[token])),
        ("booking:confirmation", reverse("booking:confirmation", args=[token])),
        ("booking:manage_cancel", reverse("booking:manage_cancel", args=[token])),
        ("booking:manage_reschedule", reverse("booking:manage_reschedule", args=[token])),
        ("booking:questionnaire", reverse("booking:questionnaire", args=[token])),
        (
            "booking:manage_reschedule_confirm",
            reverse("booking:manage_reschedule_confirm", args=[token])
            + f"?start={quote(_first_free(world['consult']).start.isoformat())}&practitioner=any",
        ),
        ("booking:waitlist_join_booked", reverse("booking:waitlist_join_booked", args=[token])),
        ("booking:waitlist_manage", reverse("booking:waitlist_manage", args=[entry])),
        (
            "booking:waitlist_confirm",
            reverse("booking:waitlist_confirm", args=[entry_token(world["pending"])]),
        ),
        ("booking:waitlist_leave", reverse("booking:waitlist_leave", args=[entry])),
        ("care:plan", reverse("care:plan", args=[plan])),
        ("care:consent", reverse("care:consent", args=[plan])),
        ("care:questions_preference", reverse("care:questions_preference", args=[plan])),
        ("care:answered", reverse("care:answered", args=[plan])),
    ]
    if point is not None:
        pages.append(("care:answer", reverse("care:answer", args=[plan, point.pk])))
    if world["offer"] is not None:
        pages.append(
            (
                "booking:waitlist_offer",
                reverse("booking:waitlist_offer", args=[entry, world["offer"].pk]),
            )
        )
    return pages


def _texts(response, language: str) -> list[str]:
    assert response.status_code == 200, response.status_code
    return page_texts(response.content.decode(), language)


def test_no_english_is_left_on_any_patient_page(client, world):
    allowed = _data_names(world)
    crawled, problems = set(), {}
    for name, url, query in _public_pages(world):
        with translation.override("es"):
            spanish_url = reverse("home") if name == "home" else None
        english = _texts(client.get(url, query), "en")
        spanish_url = spanish_url or ("/es" + url)
        spanish = _texts(client.get(spanish_url, query, follow=True), "es")
        crawled.add(name)
        left = english_left(english, spanish, allowed=allowed)
        if left:
            problems[name] = left
    patient = world["patient"]
    for name, url in _private_pages(world):
        patient.__class__.objects.filter(pk=patient.pk).update(language="en")
        WaitlistEntry.objects.filter(patient=patient).update(language="en")
        english = _texts(client.get(url, follow=True), "en")
        patient.__class__.objects.filter(pk=patient.pk).update(language="es")
        WaitlistEntry.objects.filter(patient=patient).update(language="es")
        spanish = _texts(client.get(url, follow=True), "es")
        crawled.add(name)
        left = english_left(english, spanish, allowed=allowed)
        if left:
            problems[name] = left
    assert problems == {}, "\n".join(f"{name}: {left}" for name, left in problems.items())
    named = {
        f"{namespace + ':' if namespace else ''}{name}"
        for namespace, name in _url_names()
        if namespace in ("", "booking", "care", "education")
    }
    missing = named - crawled - NOT_PATIENT_PAGES
    assert sorted(missing) == []


def _url_names():
    resolver = get_resolver()
    for key in resolver.reverse_dict:
        if isinstance(key, str):
            yield "", key
    for namespace, (_prefix, sub) in resolver.namespace_dict.items():
        if namespace == "admin":
            continue
        for key in sub.reverse_dict:
            if isinstance(key, str):
                yield namespace, key


@pytest.mark.parametrize(
    ("english_path", "spanish_path"),
    [("/no-such-page/", "/es/no-such-page/"), ("/learn/no-such-article/", "/es/learn/nada/")],
)
def test_the_not_found_page_is_spanish_too(client, world, english_path, spanish_path):
    english = client.get(english_path)
    spanish = client.get(spanish_path)
    assert english.status_code == spanish.status_code == 404
    left = english_left(
        page_texts(english.content.decode(), "en"),
        page_texts(spanish.content.decode(), "es"),
        allowed=_data_names(world),
    )
    assert left == []
