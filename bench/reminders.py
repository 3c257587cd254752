"""Reminder pipeline benchmark, emails and texts: a catch-up burst, and steady-state lateness.

    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/reminders.py
    REDIS_URL=... .venv/bin/python bench/reminders.py --count 10000 --texts 4000 --steady 120
    REDIS_URL=... .venv/bin/python bench/reminders.py --texts 0          # emails only
    REDIS_URL=... .venv/bin/python bench/reminders.py --sms file         # texts as files

Runs against a fresh SQLite database in a temporary VAR_DIR (or, with BENCH_DATABASE_URL, an
existing migrated PostgreSQL database whose booking data it wipes: never point it at real
data), a Celery worker subprocess, Redis, and in this process a local aiosmtpd server and
(`--sms twilio`, the default) a local HTTP server answering like Twilio's Messages endpoint,
reached by the worker through the real `twilio` library (TwilioBackend); `--sms file` writes
the texts with the FileBackend instead. Quiet hours for texts are switched off, so the run
means the same at any hour.

1. Burst: `--count` reminders, `--texts` of them texts: `count - texts` confirmed visits whose
   2 h reminder fell due 10-55 minutes ago (as after an outage, within the clinic's 60-minute
   lateness), `texts` of them opted in to texts (each its own phone number), so each has an
   email reminder and those also a text. One `scan_due_messages` run by the worker; we time
   until the SMTP server has every email and the fake Twilio (or the outbox) every text, and
   check 0 duplicates and 0 missing: emails by the ledger id each carries (X-Clinic-Message),
   texts by their number (one text per number). Then the ledger: every text row sent, with the
   MessageSid Twilio gave it, and every request asked for the StatusCallback.
2. Steady state (scaled down): `celery beat` ticking every `--interval` seconds, `--steady`
   visits whose reminders fall due at random moments over the next minute, the same share of
   them opted in to texts; each reminder's lateness is its arrival minus its due time. The
   bound is interval + 2 minutes.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    SmtpCounter,
    TwilioCounter,
    bench_environment,
    cpu_seconds,
    django_migrate,
    pool_label,
    smtp_start,
    start_celery,
    start_worker,
    stop_all,
    twilio_start,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="reminders in the burst")
    parser.add_argument("--texts", type=int, default=4_000, help="how many of them are texts")
    parser.add_argument("--sms", default="twilio", choices=["twilio", "file"])
    parser.add_argument("--steady", type=int, default=120, help="visits in the steady run")
    parser.add_argument("--interval", type=int, default=10, help="scan interval (s), steady run")
    parser.add_argument("--pool", default="threads", choices=["prefork", "threads", "solo"])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    if not 0 <= args.texts <= args.count // 2:
        parser.error("--texts: between 0 and half of --count (each text has its visit's email)")
    return args


class TextOutbox:
    """The texts that arrived, as (number, time), at the fake Twilio or in the file outbox."""

    def __init__(self, *, twilio: TwilioCounter | None, directory: Path) -> None:
        self.twilio = twilio
        self.directory = directory

    def count(self) -> int:
        if self.twilio is not None:
            return self.twilio.count()
        if not self.directory.exists():
            return 0
        return sum(1 for _ in os.scandir(self.directory))

    def arrivals(self) -> list[tuple[str, float]]:
        if self.twilio is not None:
            return [(to, at) for to, at, _ in self.twilio.since(0)]
        found = []
        for entry in os.scandir(self.directory):
            first_line = Path(entry.path).read_text(encoding="utf-8").split("\n", 1)[0]
            found.append((first_line.removeprefix("To: "), entry.stat().st_mtime))
        return found

    def reset(self) -> None:
        if self.twilio is not None:
            with self.twilio.lock:
                self.twilio.arrivals.clear()
        elif self.directory.exists():
            for entry in os.scandir(self.directory):
                os.unlink(entry.path)


@dataclass
class Sinks:
    emails: SmtpCounter
    texts: TextOutbox
    twilio_counter: TwilioCounter | None


def main() -> int:
    args = parse_args()
    var_dir = bench_environment(prefix="clinic-bench-")
    emails = SmtpCounter()
    smtp = smtp_start(emails)
    twilio_counter, twilio = None, None
    if args.sms == "twilio":
        twilio_counter = TwilioCounter()
        twilio = twilio_start(twilio_counter)
    else:
        os.environ["SMS_BACKEND"] = "booking.messaging.sms.backends.FileBackend"
        os.environ["SMS_OUTBOX_DIR"] = str(var_dir / "sms-outbox")
    sinks = Sinks(
        emails=emails,
        texts=TextOutbox(twilio=twilio_counter, directory=var_dir / "sms-outbox"),
        twilio_counter=twilio_counter,
    )
    django_migrate()
    _no_quiet_hours()

    processes: list[subprocess.Popen] = []
    try:
        burst = run_burst(args, sinks, var_dir, processes)
        steady = run_steady(args, sinks, var_dir, processes)
    finally:
        stop_all(processes)
        smtp.stop()
        if twilio is not None:
            twilio.shutdown()
    print()
    print("\n".join(burst))
    print(steady)
    return 0


def _no_quiet_hours() -> None:
    from booking.profile import clinic_profile_get

    profile = clinic_profile_get()
    profile.text_quiet_start = profile.text_quiet_end = clock_time(0)
    profile.save(update_fields=["text_quiet_start", "text_quiet_end"])


def _wipe() -> None:
    from booking.models import (
        Appointment,
        ConsultationType,
        OutboundMessage,
        Patient,
        Practitioner,
        TaskHeartbeat,
    )

    OutboundMessage.objects.all().delete()
    Appointment.objects.all().delete()
    Patient.objects.filter(email__endswith="@bench.example").delete()
    Practitioner.objects.filter(display_name__startswith="Dr. Bench").delete()
    ConsultationType.objects.filter(slug__startswith="bench-").delete()
    TaskHeartbeat.objects.all().delete()


def phone_for(tag: str, i: int) -> str:
    """A distinct E.164 number per opted-in visit (tag b: 201-555-xxxx..., tag s: 301-...)."""
    area = (201 if tag == "b" else 301) + i // 10_000
    return f"+1{area}555{i % 10_000:04d}"


def _visits(
    starts: list, *, booked_ago: timedelta, tag: str, texts: int = 0, per: int = 10
) -> None:
    """Confirmed 5-minute visits at `starts`, `per` per practitioner in order (the caller keeps
    each practitioner's apart); the first `texts` of them opted in to text reminders."""
    from django.utils import timezone

    from booking.messaging.sms.consent import SMS_CONSENT_VERSION
    from booking.models import Appointment, ConsultationType, Patient, Practitioner

    ctype, _ = ConsultationType.objects.get_or_create(
        slug=f"bench-{tag}",
        defaults={"name": "Joint check", "description": "Bench", "duration_minutes": 5},
    )
    practitioners = Practitioner.objects.bulk_create(
        [Practitioner(display_name=f"Dr. Bench {tag}{i}") for i in range(len(starts) // per + 1)]
    )
    patients = Patient.objects.bulk_create(
        [
            Patient(full_name=f"Bench Patient {i}", email=f"{tag}{i}@bench.example")
            for i in range(len(starts))
        ],
        batch_size=1000,
    )
    now = timezone.now()
    rows = []
    for i, start in enumerate(starts):
        end = start + timedelta(minutes=5)
        texting = i < texts
        rows.append(
            Appointment(
                consultation_type=ctype,
                practitioner=practitioners[i // per],
                patient=patients[i],
                start=start,
                end=end,
                occupied_start=start,
                occupied_end=end,
                contact_name=patients[i].full_name,
                contact_email=patients[i].email,
                contact_phone=phone_for(tag, i) if texting else "",
                sms_opt_in_at=now - booked_ago if texting else None,
                sms_consent_version=SMS_CONSENT_VERSION if texting else "",
            )
        )
    created = Appointment.objects.bulk_create(rows, batch_size=1000)
    Appointment.objects.filter(pk__in=[a.pk for a in created]).update(created_at=now - booked_ago)


def _wait(sinks: Sinks, *, emails: int, texts: int, email_mark: int, deadline: float) -> None:
    while time.time() < deadline:
        if sinks.emails.count() - email_mark >= emails and sinks.texts.count() >= texts:
            return
        time.sleep(0.05)


def _text_figures(sinks: Sinks, expected_numbers: set[str]) -> tuple[int, int, list[str]]:
    """Duplicates and missing among the texts (one per number), and the ledger's side."""
    from django.db.models import Count

    from booking.models import OutboundMessage

    numbers = [to for to, _ in sinks.texts.arrivals()]
    duplicates = len(numbers) - len(set(numbers))
    missing = len(expected_numbers - set(numbers))
    rows = OutboundMessage.objects.filter(channel="sms", kind="reminder")
    by_status = dict(
        rows.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    # "skipped": the 24 h text reminders, long past the clinic's allowed lateness.
    notes = [f"text rows by status {by_status}"]
    if sinks.twilio_counter is not None:
        sent = rows.filter(status="sent")
        stored = set(sent.exclude(provider_id="").values_list("provider_id", flat=True))
        forms = [form for _, _, form in sinks.twilio_counter.since(0)]
        issued = {form["_sid"] for form in forms}
        callbacks = {form.get("StatusCallback") for form in forms}
        notes.append(
            f"MessageSid stored on {len(stored)}/{sent.count()} sent rows, "
            f"{'all' if stored == issued else 'NOT all'} of the {len(issued)} Twilio issued; "
            f"StatusCallback asked on {sum(1 for f in forms if f.get('StatusCallback'))}/"
            f"{len(forms)} requests ({', '.join(sorted(c or '-' for c in callbacks))})"
        )
    return duplicates, missing, notes


def run_burst(args, sinks: Sinks, var_dir: Path, processes: list) -> list[str]:
    from django.utils import timezone

    from booking.messaging.tasks import scan_due_messages
    from booking.models import OutboundMessage

    _wipe()
    sinks.texts.reset()
    visits = args.count - args.texts
    now = timezone.now()
    # Ten visits per practitioner, 5 minutes apart: due 10-55 minutes ago for the 2 h reminder.
    starts = [now + timedelta(hours=1, minutes=5 + 5 * (i % 10)) for i in range(visits)]
    _visits(starts, booked_ago=timedelta(days=1), tag="b", texts=args.texts)
    start_worker(var_dir, processes, pool=args.pool, concurrency=args.concurrency)
    worker = processes[-1].pid
    cpu_before, own_before = cpu_seconds(worker), cpu_seconds(os.getpid(), children=False)
    email_mark = sinks.emails.count()
    started = time.time()
    scan_due_messages.delay()
    _wait(
        sinks,
        emails=visits,
        texts=args.texts,
        email_mark=email_mark,
        deadline=started + args.timeout,
    )
    elapsed = time.time() - started
    cpu = cpu_seconds(worker) - cpu_before
    # This process: the SMTP server, the fake Twilio and the polling, sharing the two cores.
    own = cpu_seconds(os.getpid(), children=False) - own_before
    time.sleep(2)  # anything sent twice would arrive now
    email_ids = [i for i, _ in sinks.emails.since(email_mark)]
    expected = set(
        OutboundMessage.objects.filter(
            kind="reminder", channel="email", status__in=["sent", "pending", "sending"]
        ).values_list("pk", flat=True)
    )
    email_duplicates = len(email_ids) - len(set(email_ids))
    email_missing = visits - len(set(email_ids) & expected)
    numbers = {phone_for("b", i) for i in range(args.texts)}
    text_duplicates, text_missing, notes = _text_figures(sinks, numbers)
    if not args.texts:
        notes = []
    received = len(email_ids) + sinks.texts.count()
    email_times = [at for _, at in sinks.emails.since(email_mark)]
    text_times = [at for _, at in sinks.texts.arrivals()]
    last_email = max(email_times, default=started) - started
    last_text = max(text_times, default=started) - started
    notes.insert(
        0,
        f"worker CPU {cpu:.1f} s ({cpu * 1000 / max(1, received):.1f} ms a reminder), "
        f"bench process (SMTP, fake Twilio) {own:.1f} s; "
        f"last email at {last_email:.1f} s, last text at {last_text:.1f} s",
    )
    duplicates = email_duplicates + text_duplicates
    missing = email_missing + text_missing
    rate = received / elapsed if elapsed else 0
    ok = duplicates == 0 and missing == 0 and elapsed < 60
    via = "the twilio library -> a local fake Twilio" if args.sms == "twilio" else "file outbox"
    return [
        f"BURST  {args.count} reminders due at once ({visits} emails + {args.texts} texts via "
        f"{via}), one worker ({pool_label(args.pool, args.concurrency)}), Redis, local SMTP: "
        f"{received} received in {elapsed:.1f} s ({rate:.0f}/s), duplicates {duplicates} "
        f"(emails {email_duplicates}, texts {text_duplicates}), missing {missing} (emails "
        f"{email_missing}, texts {text_missing}) -> {'PASS' if ok else 'FAIL'} "
        f"(< 60 s, 0 duplicates, 0 missing)",
        *(f"       {note}" for note in notes),
    ]


def run_steady(args, sinks: Sinks, var_dir: Path, processes: list) -> str:
    from django.utils import timezone

    from booking.models import OutboundMessage

    if args.steady <= 0:
        return "STEADY skipped"
    stop_all(processes, timeout=30)
    processes.clear()
    _wipe()
    sinks.texts.reset()
    env = {"REMINDER_SCAN_INTERVAL_SECONDS": str(args.interval)}
    start_worker(var_dir, processes, pool=args.pool, concurrency=args.concurrency, env=env)
    start_celery(
        ["beat", "-l", "WARNING", "-s", str(var_dir / "beat-schedule"), "--max-interval", "1"],
        var_dir / "beat.log",
        processes,
        env,
    )
    now = timezone.now()
    # Reminders falling due at random moments over the next 60 seconds, booked just now.
    window = 60
    starts = [
        now + timedelta(hours=2, seconds=5 + random.uniform(0, window))  # noqa: S311
        for _ in range(args.steady)
    ]
    texts = round(args.steady * args.texts / max(1, args.count - args.texts))
    # One practitioner each: random times within a minute would overlap.
    _visits(starts, booked_ago=timedelta(0), tag="s", texts=texts, per=1)
    email_mark = sinks.emails.count()
    deadline = time.time() + window + 2 * args.interval + 120
    _wait(sinks, emails=args.steady, texts=texts, email_mark=email_mark, deadline=deadline)
    arrivals = dict(sinks.emails.since(email_mark))
    due = dict(
        OutboundMessage.objects.filter(pk__in=arrivals, kind="reminder").values_list(
            "pk", "scheduled_for"
        )
    )
    email_lateness = [arrivals[pk] - due[pk].timestamp() for pk in due]
    text_due = {
        phone.as_e164: moment
        for phone, moment in OutboundMessage.objects.filter(
            # "sending" too: the last text may be at Twilio a moment before the worker records it.
            channel="sms",
            kind="reminder",
            status__in=["sent", "sending"],
        ).values_list("appointment__contact_phone", "scheduled_for")
    }
    text_lateness = [
        at - text_due[to].timestamp() for to, at in sinks.texts.arrivals() if to in text_due
    ]
    lateness = sorted(email_lateness + text_lateness)
    bound = args.interval + 120
    worst = lateness[-1] if lateness else float("inf")
    expected = args.steady + texts
    ok = len(lateness) == expected and worst <= bound
    median = statistics.median(lateness) if lateness else float("nan")
    return (
        f"STEADY {len(lateness)}/{expected} reminders ({args.steady} emails, {texts} texts) due "
        f"over {window} s, beat every {args.interval} s: lateness median {median:.1f} s, max "
        f"{worst:.1f} s (bound: interval + 120 s = {bound} s) -> {'PASS' if ok else 'FAIL'}"
    )


if __name__ == "__main__":
    sys.exit(main())
