"""factory_boy factories for the booking and education models."""

from __future__ import annotations

from datetime import time, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from booking.models import (
    Appointment,
    ConsultationType,
    Intake,
    OutboundMessage,
    Patient,
    Practitioner,
    TimeOff,
    WorkingHours,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@clinic.example")
    is_staff = True
    password = factory.django.Password("test-password-123")


class ConsultationTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsultationType
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Consultation {n}")
    slug = factory.Sequence(lambda n: f"consultation-{n}")
    description = "A consultation about joint pain."
    duration_minutes = 30
    # Tests choose their own notice and granularity; defaults keep slots easy to reason about.
    min_notice_minutes = 0
    slot_granularity_minutes = 30


class PractitionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practitioner

    display_name = factory.Sequence(lambda n: f"Dr. Test {n}")
    credentials = "MD"
    video_room_url = "https://video.example/room"

    @factory.post_generation
    def consultation_types(self, create, extracted, **kwargs):
        if create and extracted:
            self.consultation_types.set(extracted)

    @factory.post_generation
    def weekly_hours(self, create, extracted, **kwargs):
        """weekly_hours=[(weekday, start, end), ...]; default Monday-Friday 09:00-17:00."""
        if not create:
            return
        rows = extracted if extracted is not None else [(d, time(9), time(17)) for d in range(5)]
        for weekday, start, end in rows:
            WorkingHours.objects.create(
                practitioner=self, weekday=weekday, start_time=start, end_time=end
            )


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    full_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"patient{n}@example.com")
    phone = "+14135550199"


class AppointmentFactory(factory.django.DjangoModelFactory):
    """Writes an appointment row directly (bypassing the services), for reads and admin tests."""

    class Meta:
        model = Appointment

    consultation_type = factory.SubFactory(ConsultationTypeFactory)
    practitioner = factory.SubFactory(PractitionerFactory)
    patient = factory.SubFactory(PatientFactory)
    end = factory.LazyAttribute(
        lambda o: o.start + timedelta(minutes=o.consultation_type.duration_minutes)
    )
    occupied_start = factory.LazyAttribute(
        lambda o: o.start - timedelta(minutes=o.consultation_type.buffer_before_minutes)
    )
    occupied_end = factory.LazyAttribute(
        lambda o: o.end + timedelta(minutes=o.consultation_type.buffer_after_minutes)
    )
    contact_name = factory.LazyAttribute(lambda o: o.patient.full_name)
    contact_email = factory.LazyAttribute(lambda o: o.patient.email)
    status = Appointment.Status.CONFIRMED
    intake = factory.RelatedFactory(
        "tests.factories.IntakeFactory", factory_related_name="appointment"
    )


class IntakeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intake

    joints = factory.LazyFunction(lambda: ["knee"])


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    practitioner = factory.SubFactory(PractitionerFactory)


class OutboundMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboundMessage

    appointment = factory.SubFactory(AppointmentFactory)
    kind = OutboundMessage.Kind.CONFIRMATION
    scheduled_for = factory.LazyFunction(timezone.now)
