"""The staff groups: created by the migration, re-applied by roles_sync, least privilege."""

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from booking.backoffice.roles import (
    CLINICIAN,
    EDITOR,
    MANAGER,
    RECEPTION,
    ROLE_PERMISSIONS,
    ROLES,
    roles_sync,
)
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def _codenames(group_name: str) -> set[str]:
    return {
        f"{app}.{code}"
        for app, code in Group.objects.get(name=group_name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_roles_sync_creates_the_four_groups_and_is_idempotent():
    first = roles_sync()
    second = roles_sync()
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)
    assert first == second


def test_roles_sync_restores_a_permission_removed_by_hand():
    roles_sync()
    group = Group.objects.get(name=RECEPTION)
    group.permissions.remove(Permission.objects.get(codename="mark_arrived"))
    roles_sync()
    assert "booking.mark_arrived" in _codenames(RECEPTION)


def test_every_booking_permission_a_role_lists_exists():
    roles_sync()
    for role, perms in ROLE_PERMISSIONS.items():
        granted = _codenames(role)
        for perm in perms:
            if perm.startswith("booking."):
                assert perm in granted, (role, perm)


def test_reception_has_no_access_to_health_details():
    roles_sync()
    perms = _codenames(RECEPTION)
    assert "booking.view_health_details" not in perms
    assert not {p for p in perms if p.endswith("_intake")}


def test_clinician_sees_health_details_but_cannot_book_or_cancel():
    roles_sync()
    perms = _codenames(CLINICIAN)
    assert "booking.view_health_details" in perms
    assert "booking.mark_outcome" in perms
    assert "booking.add_appointment" not in perms
    assert "booking.change_appointment" not in perms
    assert "booking.view_all_schedules" not in perms


def test_manager_has_every_booking_permission_and_staff_logins():
    roles_sync()
    perms = _codenames(MANAGER)
    every_booking = {
        f"booking.{code}"
        for code in Permission.objects.filter(content_type__app_label="booking").values_list(
            "codename", flat=True
        )
    }
    assert every_booking <= perms
    assert {"auth.add_user", "auth.change_user"} <= perms
    assert "auth.change_group" not in perms  # a manager cannot widen the roles themselves


def test_content_editor_has_nothing_in_booking():
    roles_sync()
    assert not {p for p in _codenames(EDITOR) if p.startswith("booking.")}
    assert all(p.startswith("education.") for p in _codenames(EDITOR))


def test_group_membership_gives_the_user_the_role(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = StaffUserFactory(role=RECEPTION)
    assert user.has_perm("booking.mark_arrived")
    assert not user.has_perm("booking.view_health_details")


def test_seed_demo_puts_each_demo_login_in_its_group(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())
    members = {
        user.username: {g.name for g in user.groups.all()}
        for user in Group.objects.get(name=CLINICIAN).user_set.all()
    }
    assert set(members) == {"dr.patel", "dr.okafor", "pa.nguyen"}
    assert Group.objects.get(name=RECEPTION).user_set.filter(username="reception").exists()
    assert Group.objects.get(name=MANAGER).user_set.filter(username="manager").exists()
    assert Group.objects.get(name=EDITOR).user_set.filter(username="editor").exists()


def test_roles_sync_command_reports_each_group():
    out = io.StringIO()
    call_command("roles_sync", stdout=out)
    for role in ROLES:
        assert f"{role}:" in out.getvalue()
