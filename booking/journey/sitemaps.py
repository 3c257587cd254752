from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from booking.models import ConsultationType


class BookingSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self) -> list[str]:
        slugs = list(ConsultationType.objects.public().values_list("slug", flat=True))
        return ["home", "booking:start", *slugs]

    def location(self, item: str) -> str:
        if item == "home":
            return reverse("home")
        if item == "booking:start":
            return reverse("booking:start")
        return reverse("booking:choose_time", args=[item])
