"""Staff roles: four permission groups, and the one function that (re)applies their permissions.

`roles_sync()` is idempotent. The migration 0006_staff_roles calls it (with the historical
models) and so does `seed_demo`, so a database created before the education app was migrated,
or flushed by a test, gets the full set again.

Row restriction (a clinician sees only their own schedule and patients) is not a permission
Django can express; the admin applies it to users without `booking.view_all_schedules`.
"""

from __future__ import annotations

from django.contrib.auth.management import create_permissions

RECEPTION = "Reception"
CLINICIAN = "Clinician"
MANAGER = "Clinic manager"
EDITOR = "Content editor"
ROLES = (RECEPTION, CLINICIAN, MANAGER, EDITOR)

# Permissions the models do not declare (so no model migration is needed): what a role may do
# to an appointment's lifecycle, and whose schedule it sees.
EXTRA_PERMISSIONS: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("booking", "appointment"): [
        ("view_all_schedules", "Can see every practitioner's schedule"),
        ("mark_arrived", "Can mark a patient arrived"),
        ("mark_outcome", "Can mark a visit completed or no-show"),
        # The manager's reports page (the manager has every booking permission).
        ("view_reports", "Can see the clinic's reports"),
    ],
    ("booking", "patient"): [("merge_patients", "Can merge duplicate patients")],
    # Urgency is a clinical judgement: clinicians and the manager only.
    ("booking", "waitlistentry"): [("mark_waitlist_urgent", "Can mark a waitlist entry urgent")],
}

VIEW = ("view",)
# Named by string: booking never imports care; care's permissions are granted by the next
# roles_sync() once care is migrated (as education's are).
CARE_PLAN_VIEW = [
    "care.view_careplan",
    "care.view_careplanstep",
    "care.view_timepoint",
    "care.view_plantemplate",
]
# Plans a moved visit left needing rescheduling (no health data): seen and marked handled by
# reception and the plan's clinician (the manager has every care permission).
CARE_RESCHEDULE = ["care.view_reschedulealert", "care.change_reschedulealert"]
ALL = ("add", "change", "delete", "view")

ROLE_PERMISSIONS: dict[str, list[str]] = {
    RECEPTION: [
        *[f"booking.{a}_appointment" for a in ("add", "change", "view")],
        "booking.view_all_schedules",
        "booking.mark_arrived",
        *[f"booking.{a}_patient" for a in ("add", "change", "view")],
        "booking.merge_patients",
        *[f"booking.{a}_timeoff" for a in ALL],
        "booking.view_practitioner",
        "booking.view_workinghours",
        "booking.view_consultationtype",
        "booking.view_clinicclosure",
        "booking.view_outboundmessage",
        "booking.change_outboundmessage",
        # Care plans as a schedule (steps, due dates), never their answers or consents.
        *CARE_PLAN_VIEW,
        *CARE_RESCHEDULE,
        # Replies to reminder texts: reception reads them and marks them read.
        "booking.view_inboundtext",
        "booking.change_inboundtext",
        # Reception adds callers to the waitlist and sees every entry.
        *[f"booking.{a}_waitlistentry" for a in ("add", "change", "view")],
        "booking.view_waitlisthold",
        "booking.view_waitlistoffer",
    ],
    CLINICIAN: [
        "booking.view_appointment",
        "booking.mark_outcome",
        "booking.view_patient",
        "booking.view_intake",
        "booking.view_health_details",
        "booking.view_timeoff",
        "booking.view_practitioner",
        "booking.view_workinghours",
        "booking.view_consultationtype",
        "booking.view_clinicclosure",
        # Their own patients' plans, answers, alerts and consents (rows cut in care's admin).
        *CARE_PLAN_VIEW,
        *CARE_RESCHEDULE,
        "care.add_careplan",
        "care.change_careplan",
        "care.view_response",
        "care.view_outcomes",
        "care.view_safetyalert",
        "care.view_consentrecord",
        "care.view_consents",
        "care.view_instrument",
        "care.view_consenttext",
        *[f"booking.{a}_waitlistentry" for a in ("change", "view")],
        "booking.mark_waitlist_urgent",
    ],
    EDITOR: [
        *[f"education.{a}_article" for a in ALL],
        *[f"education.{a}_topic" for a in ALL],
        "education.publish_article",
    ],
}


def _manager_permissions(permission_model) -> list:
    """Everything in booking, care and education, plus staff users (not groups' permissions)."""
    return list(
        permission_model.objects.filter(
            content_type__app_label__in=["booking", "care", "education"]
        )
    ) + list(
        permission_model.objects.filter(
            content_type__app_label="auth",
            codename__in=["add_user", "change_user", "view_user", "view_group"],
        )
    )


def _ensure_model_permissions(apps) -> None:
    """Create the default model permissions now (Django otherwise does it after migrate)."""
    for app_config in apps.get_app_configs():
        # Historical app configs have no models module; create_permissions needs one set.
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None


def roles_sync(apps=None) -> dict[str, int]:
    """Create the four groups and give each exactly its permissions; returns counts per group.

    Permissions of apps that are not installed or not migrated yet (education) are skipped and
    granted by the next run.
    """
    if apps is None:
        from django.apps import apps as global_apps
        from django.contrib.auth.models import Group, Permission
        from django.contrib.contenttypes.models import ContentType

        for app_config in global_apps.get_app_configs():
            if app_config.models_module is not None:
                create_permissions(app_config, verbosity=0)
    else:
        _ensure_model_permissions(apps)
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
        ContentType = apps.get_model("contenttypes", "ContentType")

    for (app_label, model), perms in EXTRA_PERMISSIONS.items():
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        for codename, name in perms:
            Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": name}
            )

    counts = {}
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        if role == MANAGER:
            permissions = _manager_permissions(Permission)
        else:
            permissions = []
            for perm in ROLE_PERMISSIONS[role]:
                app_label, codename = perm.split(".", 1)
                found = Permission.objects.filter(
                    content_type__app_label=app_label, codename=codename
                ).first()
                if found is not None:
                    permissions.append(found)
        group.permissions.set(permissions)
        counts[role] = len(permissions)
    return counts
