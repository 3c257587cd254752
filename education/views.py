from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def article_list(request: HttpRequest) -> HttpResponse:
    return render(request, "education/article_list.html", {})
