"""The Celery application; settings come from Django's, under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

app = Celery("clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Task modules live in each app's messaging room (booking/messaging/tasks.py), not at the app's
# top level where autodiscovery would look by default.
app.autodiscover_tasks(["booking.messaging"])
