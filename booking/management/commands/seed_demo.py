"""Demo data for `make run`: consultation types, practitioners, hours, bookings, staff logins.

Idempotent: running it again changes nothing that is already there. Other apps extend the demo
by providing a `seed_demo()` function in their own `demo.py`, which this command calls.
"""

from __future__ import annotations

import importlib
from datetime import date, time, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from booking.backoffice.roles import CLINICIAN, EDITOR, MANAGER, RECEPTION, ROLES, roles_sync
from booking.models import ClinicClosure, ConsultationType, Practitioner, TimeOff, WorkingHours
from booking.profile import clinic_profile_get

DEMO_PASSWORD = "demo-clinic-2026"
VIDEO_ROOT = "https://video.riverside-joint.example/room/"

TYPES = [
    {
        "slug": "initial-consultation",
        "name": "Initial pain-management consultation",
        "name_es": "Primera consulta para el manejo del dolor",
        "description": "A first visit for joint pain: we listen, examine the joint, review any "
        "imaging and explain your options.",
        "description_es": "Una primera visita por dolor en las articulaciones: le escuchamos, "
        "examinamos la articulación, revisamos sus estudios de imagen y le explicamos sus "
        "opciones.",
        "duration_minutes": 60,
        "buffer_after_minutes": 15,
        "display_order": 1,
    },
    {
        "slug": "regenerative-consultation",
        "name": "Regenerative-therapy consultation",
        "name_es": "Consulta sobre terapias regenerativas",
        "description": "For patients who want to know whether a regenerative treatment such as "
        "stem cell therapy could suit them: what it involves, what is known and what is not.",
        "description_es": "Para quienes quieren saber si un tratamiento regenerativo, como la "
        "terapia con células madre, podría servirles: en qué consiste, qué se sabe y qué no.",
        "duration_minutes": 45,
        "buffer_after_minutes": 15,
        "requires_approval": True,
        "display_order": 2,
    },
    {
        "slug": "follow-up",
        "name": "Follow-up visit",
        "name_es": "Visita de seguimiento",
        "description": "A check on how you are doing after a treatment or a change of plan.",
        "description_es": "Una revisión de cómo se siente después de un tratamiento o de un "
        "cambio de plan.",
        "duration_minutes": 30,
        "display_order": 3,
    },
    {
        "slug": "video-consultation",
        "name": "Video consultation",
        "name_es": "Consulta por video",
        "description": "A conversation with a clinician from home, for questions and follow-up "
        "that need no examination.",
        "description_es": "Una conversación con un profesional de salud desde su casa, para "
        "preguntas y seguimientos que no necesitan un examen.",
        "duration_minutes": 30,
        "mode": ConsultationType.Mode.VIDEO,
        "display_order": 4,
    },
]

PRACTITIONERS = [
    {
        "username": "dr.patel",
        "display_name": "Dr. Anika Patel",
        "credentials": "MD, pain medicine",
        "bio": "Treats knee, hip and shoulder pain; special interest in osteoarthritis.",
        "bio_es": "Trata el dolor de rodilla, cadera y hombro; tiene un interés especial en la "
        "artrosis (osteoartritis).",
        "types": [
            "initial-consultation",
            "regenerative-consultation",
            "follow-up",
            "video-consultation",
        ],
        "hours": [(d, time(9), time(12, 30)) for d in range(5)]
        + [(d, time(13, 30), time(17)) for d in range(5)],
    },
    {
        "username": "dr.okafor",
        "display_name": "Dr. Daniel Okafor",
        "credentials": "DO, sports and regenerative medicine",
        "bio": "Works with injuries and overuse problems such as tendonitis and bursitis.",
        "bio_es": "Atiende lesiones y problemas por uso excesivo, como la tendinitis y la "
        "bursitis.",
        "types": ["initial-consultation", "regenerative-consultation", "follow-up"],
        "hours": [(d, time(8, 30), time(12)) for d in (0, 1, 2, 3)]
        + [(d, time(13), time(16, 30)) for d in (0, 1, 2, 3)],
    },
    {
        "username": "pa.nguyen",
        "display_name": "Laura Nguyen",
        "credentials": "PA-C",
        "bio": "Sees follow-up and video visits and helps patients plan their care.",
        "bio_es": "Atiende visitas de seguimiento y por video, y ayuda a los pacientes a "
        "planificar su atención.",
        "types": ["follow-up", "video-consultation"],
        "hours": [(d, time(10), time(18)) for d in (1, 2, 3, 4)],
    },
]

# The clinic profile's own texts (booking/models/clinic.py) as the demo clinic writes them in
# Spanish.
CLINIC_TEXTS_ES = {
    "tagline_es": "Atención del dolor en las articulaciones y medicina regenerativa, explicadas "
    "con claridad.",
    "opening_hours_es": "De lunes a viernes: de 8:30 a. m. a 5:30 p. m.\nSábado y domingo: cerrado",
    "what_to_bring_es": "Una identificación con foto y su tarjeta del seguro\nUna lista de los "
    "medicamentos que toma\nLos informes de radiografías, resonancias magnéticas o ultrasonidos "
    "de la articulación\nRopa cómoda que nos permita ver la articulación",
    "privacy_notice_es": "Usamos los datos que nos da solo para organizar y brindarle su "
    "atención. Los datos de salud que comparte antes de una visita solo los ven su profesional "
    "de salud y la gerente de la clínica. Nunca vendemos su información. Puede pedir una copia de "
    "lo que tenemos sobre usted, o pedirnos que lo borremos cuando la ley lo permita, llamando a "
    "la clínica.",
}

STAFF = [
    ("reception", RECEPTION, "Rosa", "Front desk"),
    ("manager", MANAGER, "Morgan", "Manager"),
    ("editor", EDITOR, "Evan", "Editor"),
]


class Command(BaseCommand):
    help = "Load demo content and staff logins (safe to run again)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        User = get_user_model()
        roles_sync()
        groups = {group.name: group for group in Group.objects.filter(name__in=ROLES)}
        types = {}
        for spec in TYPES:
            spec = dict(spec)
            slug = spec.pop("slug")
            types[slug], _ = ConsultationType.objects.get_or_create(slug=slug, defaults=spec)

        logins = []
        for spec in PRACTITIONERS:
            user, created = User.objects.get_or_create(
                username=spec["username"],
                defaults={"is_staff": True, "first_name": spec["display_name"]},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.add(groups[CLINICIAN])
            logins.append((spec["username"], CLINICIAN))
            practitioner, created = Practitioner.objects.get_or_create(
                user=user,
                defaults={
                    "display_name": spec["display_name"],
                    "credentials": spec["credentials"],
                    "bio": spec["bio"],
                    "bio_es": spec["bio_es"],
                    "video_room_url": VIDEO_ROOT + spec["username"].replace(".", "-"),
                },
            )
            if created:
                practitioner.consultation_types.set([types[s] for s in spec["types"]])
                for weekday, start, end in spec["hours"]:
                    WorkingHours.objects.create(
                        practitioner=practitioner, weekday=weekday, start_time=start, end_time=end
                    )

        for username, role, first, last in STAFF:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"is_staff": True, "first_name": first, "last_name": last},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.add(groups[role])
            logins.append((username, role))

        self._seed_clinic_texts_in_spanish()
        self._seed_schedule(types)
        for config in apps.get_app_configs():
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError:
                continue
            module.seed_demo(stdout=self.stdout)

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready. Staff logins (password for all: {DEMO_PASSWORD}):"
            )
        )
        for username, role in logins:
            self.stdout.write(f"  {username:<12} {role}")
        self.stdout.write(f"Admin: /{settings.ADMIN_URL}")

    def _seed_clinic_texts_in_spanish(self) -> None:
        """The demo clinic's own texts in Spanish too (a real clinic's manager types theirs in
        the admin); only where still empty, so a rerun never overwrites an edit."""
        profile = clinic_profile_get()
        changed = []
        for field, text in CLINIC_TEXTS_ES.items():
            if not getattr(profile, field):
                setattr(profile, field, text)
                changed.append(field)
        if changed:
            profile.save(update_fields=changed)

    def _seed_schedule(self, types) -> None:
        from django.utils import timezone

        today = timezone.localdate()
        okafor = Practitioner.objects.get(user__username="dr.okafor")
        if not TimeOff.objects.filter(practitioner=okafor).exists():
            day = today + timedelta(days=10)
            TimeOff.objects.create(
                practitioner=okafor,
                start=timezone.make_aware(timezone.datetime.combine(day, time(0))),
                end=timezone.make_aware(
                    timezone.datetime.combine(day + timedelta(days=2), time(0))
                ),
                reason="Conference",
            )
        year = today.year if today < today.replace(month=12, day=25) else today.year + 1
        thanksgiving = _thanksgiving(today.year)
        if thanksgiving < today:
            thanksgiving = _thanksgiving(today.year + 1)
        ClinicClosure.objects.get_or_create(
            name="Thanksgiving Day",
            start_date=thanksgiving,
            defaults={"end_date": thanksgiving},
        )
        ClinicClosure.objects.get_or_create(
            name="Christmas Day",
            defaults={
                "start_date": today.replace(year=year, month=12, day=25),
                "end_date": today.replace(year=year, month=12, day=25),
            },
        )
        from booking.demo_bookings import seed_bookings

        seed_bookings(types)


def _thanksgiving(year: int) -> date:
    """US clinics close on Thanksgiving: the fourth Thursday of November."""
    november_first = date(year, 11, 1)
    return november_first + timedelta(days=(3 - november_first.weekday()) % 7 + 21)
