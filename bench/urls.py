"""The project's URLs plus the floor views: the root URLconf of revere.settings_bench only, so
the normal settings (and the fuzz test that walks their URL patterns) never serve them."""

from django.urls import path

from bench import views
from revere.urls import handler500  # noqa: F401 (the same error page)
from revere.urls import urlpatterns as revere_urlpatterns

urlpatterns = [
    path("bench/floor/", views.floor, name="bench_floor"),
    path("bench/floor/post/", views.floor_post, name="bench_floor_post"),
    *revere_urlpatterns,
]
