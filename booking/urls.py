from django.urls import path

from booking import api, views

app_name = "booking"

urlpatterns = [
    path("book/", views.start, name="start"),
    path("book/<slug:type_slug>/", views.choose_time, name="choose_time"),
    path("api/availability", api.availability, name="api_availability"),
]
