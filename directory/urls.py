from django.urls import path, re_path

from directory import api, views

app_name = "directory"

# HSDS paths have no trailing slash (hsds/schema/openapi.json); one is accepted too.
hsds_urls = [
    re_path(r"^hsds/?$", api.Root.as_view(), name="hsds-root"),
    re_path(r"^hsds/services/?$", api.ServiceList.as_view(), name="hsds-services"),
    re_path(r"^hsds/services/(?P<pk>[^/]+)/?$", api.ServiceDetail.as_view(), name="hsds-service"),
    re_path(r"^hsds/organizations/?$", api.OrganizationList.as_view(), name="hsds-organizations"),
    re_path(
        r"^hsds/organizations/(?P<pk>[^/]+)/?$", api.OrganizationDetail.as_view(), name="hsds-organization"
    ),
    re_path(
        r"^hsds/service_at_locations/?$",
        api.ServiceAtLocationList.as_view(),
        name="hsds-service-at-locations",
    ),
    re_path(
        r"^hsds/service_at_locations/(?P<pk>[^/]+)/?$",
        api.ServiceAtLocationDetail.as_view(),
        name="hsds-service-at-location",
    ),
    re_path(r"^hsds/taxonomies/?$", api.TaxonomyList.as_view(), name="hsds-taxonomies"),
    re_path(r"^hsds/taxonomies/(?P<pk>[^/]+)/?$", api.TaxonomyDetail.as_view(), name="hsds-taxonomy"),
    re_path(r"^hsds/taxonomy_terms/?$", api.TaxonomyTermList.as_view(), name="hsds-taxonomy-terms"),
    re_path(
        r"^hsds/taxonomy_terms/(?P<pk>[^/]+)/?$", api.TaxonomyTermDetail.as_view(), name="hsds-taxonomy-term"
    ),
]

page_urls = [
    path("directory/", views.search, name="search"),
    path("directory/manage/", views.manage, name="manage"),
    path("directory/manage/due/", views.due, name="due"),
    path("directory/services/add/", views.service_add, name="add"),
    path("directory/services/<uuid:service_id>/", views.service_detail, name="service"),
    path("directory/services/<uuid:service_id>/edit/", views.service_edit, name="edit"),
    path("directory/services/<uuid:service_id>/verify/", views.service_verify, name="verify"),
    path("directory/services/<uuid:service_id>/retire/", views.service_retire, name="retire"),
    path("directory/services/<uuid:service_id>/share/", views.service_share, name="share"),
]

urlpatterns = hsds_urls + page_urls
