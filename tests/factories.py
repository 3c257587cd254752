"""factory_boy factories for the booking and education models."""

from __future__ import annotations

from datetime import date, time, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from booking.models import (
    Appointment,
    ClinicClosure,
    ConsultationType,
    Intake,
    OutboundMessage,
    Patient,
    Practitioner,
    TimeOff,
    WaitlistEntry,
    WaitlistHold,
    WaitlistOffer,
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
        skip_postgeneration_save = True

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
        skip_postgeneration_save = True

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


# --- Education -------------------------------------------------------------------------------
# Imports stay local to this section so parallel edits to the header do not collide.


def _now():
    from django.utils import timezone

    return timezone.now()


def _today():
    from django.utils import timezone

    return timezone.localdate()


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "education.Topic"
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")
    description = "Articles about one part of joint health."


class ArticleFactory(factory.django.DjangoModelFactory):
    """A live article by default; `draft=True` or a future `published_at` for the other states."""

    class Meta:
        model = "education.Article"
        skip_postgeneration_save = True

    class Params:
        draft = factory.Trait(
            status="draft", published_at=None, medical_reviewer="", last_reviewed_on=None
        )

    title = factory.Sequence(lambda n: f"Living with sore joints, part {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    topic = factory.SubFactory(TopicFactory)
    summary = "A short, plain summary of the article."
    body = "## What it is\n\nA joint is where two bones meet. Pain can make it hard to move."
    author = "Clinic education team"
    medical_reviewer = "Dr. Test Reviewer, MD"
    last_reviewed_on = factory.LazyFunction(lambda: _today() - timedelta(days=30))
    status = "published"
    published_at = factory.LazyFunction(lambda: _now() - timedelta(days=1))

    @factory.post_generation
    def joints(self, create, extracted, **kwargs):
        if create and extracted:
            for joint in extracted:
                self.joint_tags.create(joint=joint)

    @factory.post_generation
    def related(self, create, extracted, **kwargs):
        if create and extracted:
            self.related.set(extracted)


class StaffUserFactory(UserFactory):
    """A staff login in one of the roles of booking/backoffice/roles.py."""

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        from django.contrib.auth.models import Group

        from booking.backoffice.roles import roles_sync

        if not Group.objects.filter(name=extracted).exists():
            roles_sync()
        self.groups.add(Group.objects.get(name=extracted))


class ClinicClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClinicClosure

    name = "Holiday"
    start_date = factory.LazyFunction(lambda: date(2026, 12, 25))
    end_date = factory.LazyAttribute(lambda o: o.start_date)


def next_weekday_at(hour: int, minute: int = 0, *, weekday: int = 1, weeks_ahead: int = 1):
    """An aware datetime in the clinic's zone on a coming weekday (Tuesday by default)."""
    from datetime import datetime

    from django.utils import timezone

    from booking.scheduling.clock import clinic_zone

    today = timezone.localdate()
    days = (weekday - today.weekday()) % 7 + 7 * weeks_ahead
    day = today + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=clinic_zone())


class OutboundMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboundMessage

    appointment = factory.SubFactory(AppointmentFactory)
    patient = factory.SelfAttribute("appointment.patient")
    kind = OutboundMessage.Kind.CONFIRMATION
    scheduled_for = factory.LazyFunction(timezone.now)


def next_weekday(weekday: int = 1):
    """The next date (after today, in the clinic's zone) falling on `weekday` (Monday = 0)."""
    from django.utils import timezone

    day = timezone.localdate() + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


class WaitlistEntryFactory(factory.django.DjangoModelFactory):
    """An active entry for the next thirty days, any day, any practitioner."""

    class Meta:
        model = WaitlistEntry

    patient = factory.SubFactory(PatientFactory)
    consultation_type = factory.SubFactory(ConsultationTypeFactory)
    practitioner = None
    earliest_date = factory.LazyFunction(lambda: timezone.localdate())
    latest_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    status = WaitlistEntry.Status.ACTIVE
    confirmed_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=20))


class WaitlistHoldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WaitlistHold

    consultation_type = factory.SubFactory(ConsultationTypeFactory)
    practitioner = factory.SubFactory(PractitionerFactory)
    start = factory.LazyFunction(lambda: next_weekday_at(10))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(minutes=30))
    occupied_start = factory.SelfAttribute("start")
    occupied_end = factory.SelfAttribute("end")
    held_until = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=30))
    freed_at = factory.LazyFunction(timezone.now)


class WaitlistOfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WaitlistOffer

    entry = factory.SubFactory(WaitlistEntryFactory)
    hold = factory.SubFactory(
        WaitlistHoldFactory, consultation_type=factory.SelfAttribute("..entry.consultation_type")
    )
    batch = 1
    created_at = factory.LazyFunction(timezone.now)
