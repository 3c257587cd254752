from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        # The ledger learns booking's own message kinds and the email channel here, the way
        # other apps register theirs (booking/messaging/kinds.py). The tasks module is imported
        # so the ledger finds its delivery tasks by name in any process, not only in workers.
        from booking.messaging import compose, tasks  # noqa: F401 - tasks registers with Celery
        from booking.messaging.sms import compose as texts
        from booking.waitlist import setup
        from booking.waitlist import tasks as waitlist_tasks  # noqa: F401 - registers with Celery

        compose.register()
        texts.register()
        setup.register()
