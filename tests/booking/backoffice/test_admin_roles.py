"""The role matrix: every role against every admin model page and action, as HTTP requests."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from booking.backoffice.roles import CLINICIAN, EDITOR, MANAGER, RECEPTION
from booking.models import Appointment, AuditEvent, ClinicClosure, OutboundMessage, TimeOff
from booking.profile import clinic_profile_get
from tests.factories import (
    AppointmentFactory,
    ArticleFactory,
    ClinicClosureFactory,
    ConsultationTypeFactory,
    OutboundMessageFactory,
    PractitionerFactory,
    StaffUserFactory,
    TimeOffFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

R, C, M, E = "reception", "clinician", "manager", "editor"
ROLE_GROUPS = {R: RECEPTION, C: CLINICIAN, M: MANAGER, E: EDITOR}

# model -> view -> the roles allowed (200, or the admin's redirect); everyone else gets 403.
MATRIX = {
    "booking.appointment": {
        "changelist": {R, C, M},
        "add": {R, M},
        "change": {R, C, M},
        "delete": set(),
    },
    "booking.patient": {
        "changelist": {R, C, M},
        "add": {R, M},
        "change": {R, C, M},
        "delete": set(),
    },
    "booking.timeoff": {
        "changelist": {R, C, M},
        "add": {R, M},
        "change": {R, C, M},
        "delete": {R, M},
    },
    "booking.clinicclosure": {
        "changelist": {R, C, M},
        "add": {M},
        "change": {R, C, M},
        "delete": {M},
    },
    "booking.consultationtype": {
        "changelist": {R, C, M},
        "add": {M},
        "change": {R, C, M},
        "delete": {M},
    },
    "booking.practitioner": {
        "changelist": {R, C, M},
        "add": {M},
        "change": {R, C, M},
        "delete": {M},
    },
    "booking.clinicprofile": {"changelist": {M}, "add": set(), "change": {M}, "delete": set()},
    "booking.outboundmessage": {
        "changelist": {R, M},
        "add": set(),
        "change": {R, M},
        "delete": set(),
    },
    "booking.auditevent": {"changelist": {M}, "add": set(), "change": {M}, "delete": set()},
    "education.article": {"changelist": {E, M}, "add": {E, M}, "change": {E, M}, "delete": {E, M}},
    "education.topic": {"changelist": {E, M}, "add": {E, M}, "change": {E, M}, "delete": {E, M}},
    "auth.user": {"changelist": {M}, "add": {M}, "change": {M}, "delete": set()},
    "auth.group": {"changelist": {M}, "add": set(), "change": {M}, "delete": set()},
}

APPOINTMENT_ACTIONS = {
    "confirm": {R, M},
    "mark_arrived": {R, M},
    "mark_completed": {C, M},
    "mark_no_show": {C, M},
    "cancel_and_notify": {R, M},
    "resend_confirmation": {R, M},
    "resend_private_link": {R, M},
}


@pytest.fixture
def world():
    """One object of each model; the appointment belongs to the clinician's practitioner."""
    users = {key: StaffUserFactory(username=key, role=group) for key, group in ROLE_GROUPS.items()}
    ctype = ConsultationTypeFactory()
    practitioner = PractitionerFactory(user=users[C], consultation_types=[ctype])
    # Started half an hour ago: staff may mark it arrived, completed or no-show (the services
    # refuse those for a visit that has not begun).
    start = timezone.now() - timedelta(minutes=30)
    appointment = AppointmentFactory(
        practitioner=practitioner, consultation_type=ctype, start=start
    )
    objects = {
        "booking.appointment": appointment,
        "booking.patient": appointment.patient,
        "booking.timeoff": TimeOffFactory(
            practitioner=practitioner,
            start=start + timedelta(days=30),
            end=start + timedelta(days=31),
        ),
        "booking.clinicclosure": ClinicClosureFactory(
            start_date=start.date() + timedelta(days=60), end_date=start.date() + timedelta(days=60)
        ),
        "booking.consultationtype": ctype,
        "booking.practitioner": practitioner,
        "booking.clinicprofile": clinic_profile_get(),
        "booking.outboundmessage": OutboundMessageFactory(appointment=appointment),
        "booking.auditevent": AuditEvent.objects.create(
            action=AuditEvent.Action.PATIENT_EXPORTED, actor_label="manager", summary="s"
        ),
        "education.article": ArticleFactory(),
        "education.topic": TopicFactory(),
        "auth.user": users[E],
        "auth.group": users[E].groups.first(),
    }
    return users, objects


def url_with(model: str, view: str, obj) -> str:
    app, name = model.split(".")
    if view in ("changelist", "add"):
        return reverse(f"admin:{app}_{name}_{view}")
    return reverse(f"admin:{app}_{name}_{view}", args=[obj.pk])


@pytest.mark.parametrize("role", [R, C, M, E])
def test_admin_pages_follow_the_role_matrix(client, world, role):
    users, objects = world
    client.force_login(users[role])
    wrong = []
    for model, views in MATRIX.items():
        for view, allowed in views.items():
            status = client.get(url_with(model, view, objects[model])).status_code
            expected_ok = role in allowed
            ok = status in (200, 302) if expected_ok else status == 403
            if not ok:
                wrong.append(f"{model} {view}: {status}")
    assert wrong == []


@pytest.mark.parametrize("role", [R, C, M])
def test_appointment_actions_offered_follow_the_role_matrix(client, world, role):
    users, _ = world
    client.force_login(users[role])
    actions = (
        client.get(reverse("admin:booking_appointment_changelist"))
        .context["action_form"]
        .fields["action"]
        .choices
    )
    offered = {name for name, _ in actions if name}
    expected = {name for name, allowed in APPOINTMENT_ACTIONS.items() if role in allowed}
    assert offered == expected


@pytest.mark.parametrize(
    ("role", "model", "action", "allowed"),
    [
        (R, "patient", "merge_patients", True),
        (M, "patient", "merge_patients", True),
        (C, "patient", "merge_patients", False),
        (R, "outboundmessage", "resend", True),
        (M, "outboundmessage", "resend", True),
    ],
)
def test_other_actions_follow_the_role_matrix(client, world, role, model, action, allowed):
    users, _ = world
    client.force_login(users[role])
    form = client.get(reverse(f"admin:booking_{model}_changelist")).context["action_form"]
    offered = {name for name, _ in form.fields["action"].choices} if form else set()
    assert (action in offered) is allowed


# Patient data rights: the Clinic manager only (a GET of the export is refused as 405 first).
DATA_RIGHTS = {"export": {M}, "anonymise": {M}}


@pytest.mark.parametrize("role", [R, C, M, E])
def test_patient_data_rights_follow_the_role_matrix(client, world, role):
    users, objects = world
    client.force_login(users[role])
    wrong = []
    for name, allowed in DATA_RIGHTS.items():
        url = reverse(f"admin:booking_patient_{name}", args=[objects["booking.patient"].pk])
        # The anonymise GET is the confirmation page; the export POST downloads (and audits).
        status = (client.get(url) if name == "anonymise" else client.post(url)).status_code
        ok = status == 200 if role in allowed else status == 403
        if not ok:
            wrong.append(f"{name}: {status}")
    assert wrong == []


def test_only_the_manager_role_holds_the_data_rights_permissions(world):
    users, _ = world
    holders = {
        role
        for role, user in users.items()
        if user.has_perm("booking.export_patient_data")
        or user.has_perm("booking.anonymise_patient")
    }
    assert holders == {M}


def test_clinician_cannot_run_an_action_they_are_not_offered(client, world):
    users, objects = world
    appointment = objects["booking.appointment"]
    client.force_login(users[C])
    client.post(
        reverse("admin:booking_appointment_changelist"),
        {"action": "mark_arrived", "_selected_action": [appointment.pk], "index": 0},
    )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED


def test_reception_marks_arrived_through_the_action(client, world):
    users, objects = world
    appointment = objects["booking.appointment"]
    client.force_login(users[R])
    client.post(
        reverse("admin:booking_appointment_changelist"),
        {"action": "mark_arrived", "_selected_action": [appointment.pk], "index": 0},
    )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.ARRIVED
    last = appointment.history.order_by("-history_id").first()
    assert last.history_user == users[R]


def test_clinician_marks_own_visit_completed(client, world):
    users, objects = world
    appointment = objects["booking.appointment"]
    client.force_login(users[C])
    client.post(
        reverse("admin:booking_appointment_changelist"),
        {"action": "mark_completed", "_selected_action": [appointment.pk], "index": 0},
    )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED


def test_intake_fields_are_absent_for_reception_and_shown_to_clinician_and_manager(client, world):
    users, objects = world
    appointment = objects["booking.appointment"]
    appointment.intake.note = "Sharp pain climbing stairs"
    appointment.intake.current_medications = "Ibuprofen 400"
    appointment.intake.save()
    url = reverse("admin:booking_appointment_change", args=[appointment.pk])

    client.force_login(users[R])
    body = client.get(url).content.decode()
    assert "Sharp pain climbing stairs" not in body
    assert "Ibuprofen" not in body
    assert "Current medications" not in body

    for role in (C, M):
        client.force_login(users[role])
        body = client.get(url).content.decode()
        assert "Sharp pain climbing stairs" in body
        assert "Ibuprofen 400" in body


def test_clinician_sees_only_their_own_appointments_and_patients(client, world):
    users, objects = world
    others = AppointmentFactory(
        start=timezone.now() + timedelta(days=2), patient__full_name="Other Clinic Patient"
    )
    client.force_login(users[C])
    listing = client.get(reverse("admin:booking_appointment_changelist")).content.decode()
    patients = client.get(reverse("admin:booking_patient_changelist")).content.decode()
    change = client.get(reverse("admin:booking_appointment_change", args=[others.pk]))
    assert "Other Clinic Patient" not in listing
    assert "Other Clinic Patient" not in patients
    assert objects["booking.patient"].full_name in listing
    assert change.status_code == 302  # the admin's "does not exist" redirect, not the record


def test_reception_sees_every_appointment(client, world):
    users, _ = world
    AppointmentFactory(
        start=timezone.now() + timedelta(days=2), patient__full_name="Other Clinic Patient"
    )
    client.force_login(users[R])
    listing = client.get(reverse("admin:booking_appointment_changelist")).content.decode()
    assert "Other Clinic Patient" in listing


def test_appointment_change_page_has_no_editable_scheduling_fields(client, world):
    users, objects = world
    client.force_login(users[M])
    response = client.get(
        reverse("admin:booking_appointment_change", args=[objects["booking.appointment"].pk])
    )
    body = response.content.decode()
    assert 'name="start"' not in body
    assert 'name="status"' not in body
    assert 'name="_save"' not in body
    assert "Messages sent" in body or "messages sent" in body


def test_admin_model_delete_and_post_are_refused_for_editor(client, world):
    users, objects = world
    client.force_login(users[E])
    response = client.post(
        reverse("admin:booking_timeoff_delete", args=[objects["booking.timeoff"].pk]),
        {"post": "yes"},
    )
    assert response.status_code == 403
    assert TimeOff.objects.filter(pk=objects["booking.timeoff"].pk).exists()
    assert ClinicClosure.objects.exists()
    assert OutboundMessage.objects.exists()


def test_manager_manages_staff_logins_but_cannot_grant_superuser(client, world):
    users, _ = world
    client.force_login(users[M])
    body = client.get(reverse("admin:auth_user_change", args=[users[E].pk])).content.decode()
    assert 'name="groups"' in body
    assert 'name="is_superuser"' not in body
    assert 'name="user_permissions"' not in body


def test_manager_cannot_touch_a_superuser_account(client, world):
    from tests.factories import UserFactory

    users, _ = world
    root = UserFactory(username="root", is_superuser=True)
    client.force_login(users[M])
    change = client.get(reverse("admin:auth_user_change", args=[root.pk]))
    password = client.get(reverse("admin:auth_user_password_change", args=[root.pk]))
    assert change.status_code == 302  # "does not exist" for them
    assert password.status_code == 404
