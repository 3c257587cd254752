from django.urls import path

from booking import api, views

app_name = "booking"

urlpatterns = [
    path("book/", views.start, name="start"),
    path("book/<slug:type_slug>/", views.choose_time, name="choose_time"),
    # Manage without an account: the token is the only key (see booking/tokens.py).
    path("book/manage/<str:token>/", views.manage, name="manage"),
    path("book/manage/<str:token>/questionnaire/", views.questionnaire, name="questionnaire"),
    path("book/manage/<str:token>/calendar.ics", views.calendar_download, name="calendar"),
    path("book/lost-link/", views.lost_link, name="lost_link"),
    path("api/availability", api.availability, name="api_availability"),
]
