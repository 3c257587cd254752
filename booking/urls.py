from django.urls import LocalePrefixPattern, URLResolver, path
from django.urls.resolvers import RoutePattern

from booking.backoffice.calendar_feed import calendar_feed_serve
from booking.journey import waitlist
from booking.journey.api import availability
from booking.journey.book import confirm, details
from booking.journey.manage import (
    calendar_download,
    confirmation,
    lost_link,
    manage,
    manage_cancel,
    manage_reschedule,
    manage_reschedule_confirm,
    questionnaire,
)
from booking.journey.picker import choose_time, start
from booking.journey.short_links import short_link
from booking.journey.sms_webhook import sms_inbound, sms_status

app_name = "booking"

# Private links, the API and webhooks: one URL each, no language prefix. A private page renders
# in the patient's stored language (clinic/language.py).
private_urlpatterns = [
    # The short form of a private link, for texts (see journey/short_links.py).
    path("m/<str:code>", short_link, name="short_link"),
    # Manage without an account: the token is the only key (see booking/links/tokens.py).
    path("book/manage/<str:token>/", manage, name="manage"),
    path("book/manage/<str:token>/booked/", confirmation, name="confirmation"),
    path("book/manage/<str:token>/cancel/", manage_cancel, name="manage_cancel"),
    path("book/manage/<str:token>/reschedule/", manage_reschedule, name="manage_reschedule"),
    path(
        "book/manage/<str:token>/reschedule/confirm/",
        manage_reschedule_confirm,
        name="manage_reschedule_confirm",
    ),
    path("book/manage/<str:token>/questionnaire/", questionnaire, name="questionnaire"),
    path("book/manage/<str:token>/calendar.ics", calendar_download, name="calendar"),
    path("book/manage/<str:token>/waitlist/", waitlist.join_booked, name="waitlist_join_booked"),
    # The waitlist entry's private link (booking/waitlist/links.py).
    path("waitlist/<str:token>/", waitlist.manage, name="waitlist_manage"),
    path("waitlist/<str:token>/confirm/", waitlist.confirm, name="waitlist_confirm"),
    path("waitlist/<str:token>/leave/", waitlist.leave, name="waitlist_leave"),
    path("waitlist/<str:token>/offers/<int:offer_id>/", waitlist.offer, name="waitlist_offer"),
    path("api/availability", availability, name="api_availability"),
    # Twilio's webhook for texts to the clinic's number (signed; see journey/sms_webhook.py).
    path("sms/inbound/", sms_inbound, name="sms_inbound"),
    # Twilio's delivery reports of the texts we send (StatusCallback; signed the same way).
    path("sms/status/", sms_status, name="sms_status"),
    # A clinician's private calendar subscription (the token is the key; revocable).
    path("calendar/<str:token>.ics", calendar_feed_serve, name="calendar_feed"),
]

# Public pages: English at /book/..., Spanish at /es/book/... Fixed paths come before
# "book/<slug>/", which would otherwise swallow them.
public_urlpatterns = [
    path("book/", start, name="start"),
    path("book/lost-link/", lost_link, name="lost_link"),
    path("book/<slug:type_slug>/", choose_time, name="choose_time"),
    path("book/<slug:type_slug>/waitlist/", waitlist.join, name="waitlist_join"),
    path("book/<slug:type_slug>/details/", details, name="details"),
    path("book/<slug:type_slug>/confirm/", confirm, name="confirm"),
]

# i18n_patterns() would do this, but only in the root URLconf, and one namespace ("booking")
# must hold both groups. The language prefix resolves and reverses per active language (Django
# builds a URL resolver's reverse table per language); the outer "" keeps include() from
# refusing a prefix pattern at the top of an included URLconf.
urlpatterns = [
    *private_urlpatterns,
    URLResolver(
        RoutePattern(""),
        [URLResolver(LocalePrefixPattern(prefix_default_language=False), public_urlpatterns)],
    ),
]
