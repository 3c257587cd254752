from django.urls import path

from booking import api, views

app_name = "booking"

# Fixed paths come before "book/<slug>/", which would otherwise swallow them.
urlpatterns = [
    path("book/", views.start, name="start"),
    path("book/lost-link/", views.lost_link, name="lost_link"),
    # Manage without an account: the token is the only key (see booking/tokens.py).
    path("book/manage/<str:token>/", views.manage, name="manage"),
    path("book/manage/<str:token>/booked/", views.confirmation, name="confirmation"),
    path("book/manage/<str:token>/cancel/", views.manage_cancel, name="manage_cancel"),
    path("book/manage/<str:token>/reschedule/", views.manage_reschedule, name="manage_reschedule"),
    path(
        "book/manage/<str:token>/reschedule/confirm/",
        views.manage_reschedule_confirm,
        name="manage_reschedule_confirm",
    ),
    path("book/manage/<str:token>/questionnaire/", views.questionnaire, name="questionnaire"),
    path("book/manage/<str:token>/calendar.ics", views.calendar_download, name="calendar"),
    path("book/<slug:type_slug>/", views.choose_time, name="choose_time"),
    path("book/<slug:type_slug>/details/", views.details, name="details"),
    path("book/<slug:type_slug>/confirm/", views.confirm, name="confirm"),
    path("api/availability", api.availability, name="api_availability"),
]
