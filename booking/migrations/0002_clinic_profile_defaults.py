"""The clinic profile row every page reads; the manager edits it in the admin."""

from django.db import migrations

DEFAULTS = {
    "name": "Riverside Joint & Pain Clinic",
    "tagline": "Joint pain care and regenerative medicine, explained plainly.",
    "address": "120 Harbor Street, Suite 300\nSpringfield, MA 01103",
    "phone": "(413) 555-0142",
    "email": "frontdesk@riverside-joint.example",
    "notifications_email": "schedule@riverside-joint.example",
    "opening_hours": "Monday to Friday: 8:30 am to 5:30 pm\nSaturday and Sunday: closed",
    "what_to_bring": (
        "A photo ID and your insurance card\n"
        "A list of the medicines you take\n"
        "Any X-ray, MRI or ultrasound reports of the joint\n"
        "Comfortable clothes that let us see the joint"
    ),
    "privacy_notice": (
        "We use the details you give us only to arrange and provide your care. "
        "Health details you share before a visit are seen only by your clinician and the clinic "
        "manager. We never sell your information. You can ask for a copy of what we hold about "
        "you, or ask us to delete it where the law allows, by calling the clinic."
    ),
    "privacy_notice_version": "2026-11",
}


def create_profile(apps, schema_editor):
    ClinicProfile = apps.get_model("booking", "ClinicProfile")
    ClinicProfile.objects.get_or_create(pk=1, defaults=DEFAULTS)


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]

    operations = [migrations.RunPython(create_profile, migrations.RunPython.noop)]
