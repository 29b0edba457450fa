from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("", include("core.urls")),
    path("", include("people.urls")),
    path("", include("directory.urls")),
    path("", include("timebank.urls")),
    path("", include("groups.urls")),
    path("support/", include("support.urls")),
    path("impact/", include("impact.urls")),
    path("practice/", include("practice.urls")),
    path("rights/", include("rights.urls")),
    path("api/", include("people.api_urls")),
    path("api/timebank/", include("timebank.api_urls")),
    path("api/support/", include("support.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
]

# API addresses answer errors as JSON; pages keep the HTML error pages (core.api).
handler404 = "core.api.not_found"
handler500 = "core.api.server_error"
