"""Every page of the back office, listed from Django's URL table, and a day of data to show.

`admin_pages(user, data)` walks `admin.site`'s own URLs and every registered ModelAdmin's URLs,
so a page added later is listed (and checked) without anyone adding it here. A URL parameter
this module does not know how to fill fails loudly instead of leaving the page out.
Pages that need an object get one the user may see (the ModelAdmin's own queryset for that
user), preferring the richest object of `data` (a visit with intake, failed emails, history).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.contrib import admin
from django.db.models import Model
from django.test import RequestFactory
from django.urls import URLPattern, reverse

from booking.backoffice import roles
from booking.models import (
    Appointment,
    AuditEvent,
    ClinicClosure,
    ClinicProfile,
    Intake,
    OutboundMessage,
    Patient,
    TimeOff,
)
from booking.scheduling.clock import clinic_zone
from care.models import CarePlan, SafetyAlert
from tests.back_office_rows import care_rows, text_rows, waitlist_rows
from tests.factories import (
    AppointmentFactory,
    ArticleFactory,
    ConsultationTypeFactory,
    PatientFactory,
    PractitionerFactory,
    StaffUserFactory,
    TopicFactory,
    next_weekday,
)

ROLE_USERS = {
    roles.RECEPTION: "sweep-reception",
    roles.CLINICIAN: "sweep-clinician",
    roles.MANAGER: "sweep-manager",
    roles.EDITOR: "sweep-editor",
}
PASSWORD = "test-password-123"  # tests.factories.UserFactory's

# Named admin URLs that are not pages to look at. Everything else is visited; a GET that
# answers with something other than an HTML page (a download, 405 for a POST-only action) is
# reported by the sweep as "not a page", never silently dropped.
NOT_PAGES = {
    "logout": "POST only; it would end the sweep's session",
    "view_on_site": "a redirect out of the back office, to the object's public page",
}

# Extra states of some pages, as query strings (formatted with BackOfficeData's fields).
VARIANTS = {
    "booking_schedule_day": ["?date={day}", "?date={day}&practitioner={ada}"],
    "booking_schedule_week": ["?date={day}"],
    "booking_schedule_print": ["?date={day}"],
    "booking_appointment_book": ["?consultation_type={ctype}&practitioner={ada}&day={day}"],
    "booking_appointment_move": ["?practitioner={ada}&day={day}"],
    "booking_appointment_disruption": ["?time_off={time_off}", "?closure={closure}"],
    "booking_appointment_changelist": ["?q=Gomez"],
    # Without ?duplicate= there is nothing to compare (a 404); with it, the confirmation.
    "booking_patient_merge_into": ["?duplicate={duplicate}"],
}


@dataclass
class BackOfficeData:
    day: date
    users: dict[str, Model]
    preferred: dict[type, Model] = field(default_factory=dict)
    ids: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class AdminPage:
    name: str
    url: str
    model: type | None = None


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=clinic_zone())


def back_office_data() -> BackOfficeData:
    """A clinic day with every kind of schedule block, and one login per role."""
    ClinicProfile.objects.update_or_create(
        pk=1,
        defaults={
            "name": "Riverside Joint & Pain Clinic",
            "address": "12 River Street\nSpringfield, MA 01103",
            "phone": "(413) 555-0100",
            "email": "hello@clinic.example",
            "opening_hours": "Monday to Friday, 8 am to 6 pm",
        },
    )
    users = {
        role: StaffUserFactory(username=username, role=role)
        for role, username in ROLE_USERS.items()
    }
    ctype = ConsultationTypeFactory(slug="initial", name="Initial consultation")
    ada = PractitionerFactory(
        display_name="Dr. Ada Reyes",
        user=users[roles.CLINICIAN],
        consultation_types=[ctype],
        weekly_hours=[(d, time(9), time(12)) for d in range(5)]
        + [(d, time(13), time(17)) for d in range(5)],
    )
    ben = PractitionerFactory(display_name="Dr. Ben Okafor", consultation_types=[ctype])
    day = next_weekday(1)
    status = Appointment.Status
    maria = PatientFactory(
        full_name="Maria Gomez", email="maria@example.com", date_of_birth=date(1958, 3, 2)
    )
    main = AppointmentFactory(
        practitioner=ada, consultation_type=ctype, patient=maria, start=_at(day, 9)
    )
    Intake.objects.filter(appointment=main).update(
        note="Worse on stairs", pain_score=6, current_medications="Ibuprofen 400 mg"
    )
    for hour, state in [
        (10, status.REQUESTED),
        (11, status.ARRIVED),
        (13, status.COMPLETED),
        (14, status.NO_SHOW),
    ]:
        AppointmentFactory(
            practitioner=ada, consultation_type=ctype, start=_at(day, hour), status=state
        )
    # Ben's afternoon off falls on a booked visit: a conflict block and a disruption list.
    AppointmentFactory(practitioner=ben, consultation_type=ctype, start=_at(day, 9, 30))
    AppointmentFactory(practitioner=ben, consultation_type=ctype, start=_at(day, 15))
    time_off = TimeOff.objects.create(
        practitioner=ben, start=_at(day, 13), end=_at(day, 17), reason="Training"
    )
    closure = ClinicClosure.objects.create(
        name="Staff training day",
        start_date=day + timedelta(days=1),
        end_date=day + timedelta(days=1),
    )
    AppointmentFactory(
        practitioner=ada, consultation_type=ctype, start=_at(day + timedelta(days=1), 9)
    )
    # A duplicate record to merge, an email that failed, an audit entry.
    duplicate = PatientFactory(full_name="Maria Gomez", email="m.gomez@example.com")
    OutboundMessage.objects.create(
        appointment=main,
        patient=main.patient,
        kind=OutboundMessage.Kind.CONFIRMATION,
        scheduled_for=_at(day - timedelta(days=7), 9),
        status=OutboundMessage.Status.FAILED,
        attempts=3,
        last_error="550 mailbox unavailable",
    )
    AuditEvent.objects.create(
        actor=users[roles.MANAGER],
        actor_label="sweep-manager",
        action=AuditEvent.Action.PATIENT_EXPORTED,
        patient_id=maria.pk,
        summary="Exported on request",
    )
    _axes_rows()
    topic = TopicFactory(slug="joint-pain", name="Joint pain")
    article = ArticleFactory(topic=topic, slug="knee-pain", title="Knee pain explained")
    ArticleFactory(topic=topic, slug="draft-article", title="Hip pain (draft)", draft=True)
    # Maria is in Ada's knee course (answers, an alert, a consent), on the waitlist, and
    # replied to a text: every model of care, the waitlist and texts has an object to show.
    features = {
        **care_rows(consult=main, clinician_user=users[roles.CLINICIAN]),
        **waitlist_rows(patient=maria, practitioner=ada, consultation_type=ctype, day=day),
        **text_rows(appointment=main),
    }
    return BackOfficeData(
        day=day,
        users=users,
        preferred={Appointment: main, Patient: maria, type(article): article, **features},
        ids={
            "day": day.isoformat(),
            "ada": ada.pk,
            "ctype": ctype.pk,
            "time_off": time_off.pk,
            "closure": closure.pk,
            "duplicate": duplicate.pk,
        },
    )


def _axes_rows() -> None:
    """One row per django-axes model, so their change pages have an object to show."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    common = {
        "user_agent": "Mozilla/5.0",
        "ip_address": "192.0.2.10",
        "username": "someone",
        "http_accept": "text/html",
        "path_info": "/admin/login/",
    }
    AccessAttempt.objects.create(**common, get_data="", post_data="", failures_since_start=1)
    AccessFailureLog.objects.create(**common)
    AccessLog.objects.create(**common)


def registered_models() -> list[type]:
    return [m for m in apps.get_models() if admin.site.is_registered(m)]


def object_for(model: type, user, data: BackOfficeData) -> Model:
    """An object of `model` that `user` may see in the admin (any one if they see none)."""
    model_admin = admin.site.get_model_admin(model)
    request = RequestFactory().get("/")
    request.user = user
    visible = model_admin.get_queryset(request)
    preferred = data.preferred.get(model)
    if preferred is not None and visible.filter(pk=preferred.pk).exists():
        return preferred
    obj = visible.order_by("pk").first() or model._default_manager.order_by("pk").first()
    if obj is None:
        raise LookupError(f"No {model._meta.label} to show: add one to back_office_data()")
    return obj


# URL parameters named after the object they take, not the page's model.
ID_PARAMETERS = {"appointment_id": Appointment, "plan_id": CarePlan, "alert_id": SafetyAlert}


def _args_for(pattern: URLPattern, model: type | None, user, data) -> dict | list:
    named = list(pattern.pattern.regex.groupindex)
    unnamed = pattern.pattern.regex.groups - len(named)
    if model is None or not (named or unnamed):
        if named or unnamed:
            raise LookupError(f"admin:{pattern.name} needs {named or unnamed} parameters")
        return {}
    obj = object_for(model, user, data)
    if unnamed == 2 and not named:  # simple_history: <object_id>/history/<history_id>/
        version = obj.history.order_by("history_id").first()
        return [obj.pk, version.history_id]
    known = {"object_id": obj.pk, "id": obj.pk}
    known |= {  # care's own actions on a visit, a plan and an alert (POST-only, but named)
        name: object_for(other, user, data).pk
        for name, other in ID_PARAMETERS.items()
        if name in named
    }
    missing = [name for name in named if name not in known] + ["?"] * unnamed
    if missing:
        raise LookupError(
            f"admin:{pattern.name} has URL parameters {missing} that tests/back_office.py "
            "cannot fill yet: teach _args_for() how, so the page is swept too"
        )
    return {name: known[name] for name in named}


def _reverse(name: str, args: dict | list) -> str:
    if isinstance(args, list):
        return reverse(f"admin:{name}", args=args)
    return reverse(f"admin:{name}", kwargs=args)


def admin_pages(user, data: BackOfficeData) -> list[AdminPage]:
    """Every named admin page (and its VARIANTS), filled in for `user`."""
    pages: list[AdminPage] = []
    app_labels = sorted({m._meta.app_label for m in registered_models()})
    for pattern in admin.site.get_urls():
        if not isinstance(pattern, URLPattern) or not pattern.name:
            continue  # a model's URLs (below), or the catch-all 404
        if pattern.name in NOT_PAGES:
            continue
        if pattern.name == "app_list":
            pages += [
                AdminPage("app_list", reverse("admin:app_list", args=[label]))
                for label in app_labels
            ]
            continue
        pages.append(
            AdminPage(pattern.name, _reverse(pattern.name, _args_for(pattern, None, user, data)))
        )
    for model in registered_models():
        for pattern in admin.site.get_model_admin(model).get_urls():
            if not isinstance(pattern, URLPattern) or not pattern.name:
                continue  # "<object_id>/": Django's redirect to the change page
            args = _args_for(pattern, model, user, data)
            url = _reverse(pattern.name, args)
            pages.append(AdminPage(pattern.name, url, model))
            for query in VARIANTS.get(pattern.name, []):
                pages.append(AdminPage(pattern.name, url + query.format(**data.ids), model))
    return pages
