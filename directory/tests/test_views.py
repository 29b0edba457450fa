"""Directory pages: a public search and service pages, staff pages to add, change, check and retire."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from directory.models import Service

from .conftest import service_data


@pytest.fixture
def walk(make_service, terms):
    return make_service(term_ids=[str(terms["activity"].pk)])


@pytest.fixture
def paid(make_service):
    return make_service(
        name="Chair Yoga Walking Warm-up",
        organization_name="Riverside Yoga",
        description="Yoga, then a short walking group round the park.",
        cost_amount="3.50",
        help_with_cost="Free places for anyone on benefits.",
        postcode="RV7 8NP",
        accessibility="Wheelchair access",
    )


def test_anyone_can_search_without_signing_in(walk, paid):
    response = Client().get("/directory/", {"q": "walking group", "postcode": "RV1 2AB"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "2 results" in body
    assert body.index("Riverside Walking Group") < body.index("Chair Yoga Walking Warm-up")  # nearest first
    assert "miles" in body


def test_filters_narrow_the_results(walk, paid, terms):
    def names(**params):
        response = Client().get("/directory/", params)
        assert response.status_code == 200
        return [s.name for s in response.context["results"].items]

    assert names(q="walking", cost="free") == ["Riverside Walking Group"]
    assert names(category=str(terms["wellbeing"].pk)) == ["Riverside Walking Group"]  # child terms count
    assert names(accessibility="wheelchair") == ["Chair Yoga Walking Warm-up"]
    assert names(age="12") == []
    assert names(day="WE", after="09:00") == ["Chair Yoga Walking Warm-up", "Riverside Walking Group"]
    assert names(day="MO") == []
    assert names(postcode="RV1 1AA", distance="1") == ["Riverside Walking Group"]


def test_an_unknown_postcode_is_shown_on_the_form(walk):
    response = Client().get("/directory/", {"postcode": "ZZ9 9ZZ"})
    assert response.status_code == 200
    assert "We do not know the postcode ZZ9 9ZZ" in response.content.decode() or "Check the postcode" in (
        response.content.decode()
    )


def test_the_service_page_answers_the_five_questions(paid):
    response = Client().get(f"/directory/services/{paid.pk}/")
    body = response.content.decode()
    for question in (
        "What is it?",
        "Who can use it?",
        "How much does it cost?",
        "Can I get help with the cost?",
        "How do I get in touch?",
        "When",
        "Where",
    ):
        assert f">{question}</h2>" in body
    assert "£3.50" in body and "Free places for anyone on benefits." in body
    assert "Wednesday, 10am to 11:30am" in body
    assert "5 of 20 left" in body
    assert "Contact the service yourself: it does not take referrals." in body
    assert "Change details" not in body


def test_staff_see_the_buttons_only_for_their_own_hub(cast, walk):
    assert (
        "Change details" in cast.client("link_worker").get(f"/directory/services/{walk.pk}/").content.decode()
    )
    assert (
        "Change details"
        not in cast.client("outsider").get(f"/directory/services/{walk.pk}/").content.decode()
    )
    assert cast.client("outsider").get(f"/directory/services/{walk.pk}/edit/").status_code == 403


@pytest.mark.parametrize("who,status", [("coordinator", 200), ("link_worker", 200), ("member", 403)])
def test_who_may_add_a_service(cast, who, status):
    assert cast.client(who).get("/directory/services/add/").status_code == status


def test_staff_add_a_service_through_the_form(cast, postcodes, terms):
    data = {k: v for k, v in service_data().items() if v is not None}
    data["term_ids"] = [str(terms["money"].pk)]
    response = cast.client("link_worker").post("/directory/services/add/", data)
    service = Service.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/directory/services/{service.pk}/"
    assert service.spaces_left == 5


def test_the_form_shows_every_problem(cast, postcodes):
    response = cast.client("coordinator").post(
        "/directory/services/add/", {"name": "", "referral_mode": "signpost"}
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not Service.objects.exists()


def test_edit_and_spaces_left(cast, walk):
    client = cast.client("coordinator")
    form = client.get(f"/directory/services/{walk.pk}/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, "")}
    data.update(spaces_left=0, opens_at="10:00", closes_at="11:30")
    response = client.post(f"/directory/services/{walk.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    walk.refresh_from_db()
    assert walk.spaces_left == 0


def test_not_checked_list_and_checking(cast, walk, make_service):
    fresh = make_service(name="Fresh")
    Service.objects.filter(pk=fresh.pk).update(assured_date=timezone.localdate())
    Service.objects.filter(pk=walk.pk).update(assured_date=timezone.localdate() - dt.timedelta(days=200))
    client = cast.client("link_worker")
    body = client.get("/directory/manage/due/").content.decode()
    assert "Riverside Walking Group" in body and "Fresh" not in body
    response = client.post(f"/directory/services/{walk.pk}/verify/", {"next": "due"})
    assert response.status_code == 302 and response["Location"] == "/directory/manage/due/"
    due = client.get("/directory/manage/due/").context["page"].object_list
    assert [s.name for s in due] == []
    assert cast.client("member").get("/directory/manage/due/").status_code == 403


def test_retire_needs_a_coordinator_and_a_reason(cast, walk):
    assert cast.client("link_worker").get(f"/directory/services/{walk.pk}/retire/").status_code == 403
    client = cast.client("coordinator")
    assert client.post(f"/directory/services/{walk.pk}/retire/", {"reason": ""}).status_code == 200
    response = client.post(f"/directory/services/{walk.pk}/retire/", {"reason": "Stopped meeting"})
    assert response.status_code == 302
    assert Client().get("/directory/", {"q": "walking"}).context["results"].total == 0
    assert "This service has been retired" in Client().get(f"/directory/services/{walk.pk}/").content.decode()


def test_search_takes_the_same_number_of_queries_however_many_results(
    cast, make_service, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            Client().get("/directory/", {"q": "walking", "postcode": "RV1 1AA"})
        return len(ctx.captured_queries)

    make_service()
    few = count()
    for i in range(6):
        make_service(name=f"Walking group {i}")
    assert count() == few


def test_the_project_api_schema_still_builds(cast):
    response = cast.client("administrator").get("/api/schema/")
    assert response.status_code == 200
    assert b"/hsds/" not in response.content


def test_people_choose_nearest_or_best_match_first(make_service):
    near = make_service(
        name="Gentle Stretch",
        organization_name="Riverside Movers",
        description="Chair yoga moves for beginners.",
        postcode="RV1 1AA",
    )
    far = make_service(
        name="Chair Yoga",
        organization_name="Riverside Yoga",
        description="Chair yoga for everyone, whatever your fitness.",
        postcode="RV7 8NP",
    )

    def names(**params):
        response = Client().get("/directory/", {"q": "chair yoga", "postcode": "RV1 2AB", **params})
        assert response.status_code == 200
        return [s.name for s in response.context["results"].items]

    assert names() == [near.name, far.name]
    assert names(sort="relevance") == [far.name, near.name]
    # Without a postcode the best match comes first whatever is chosen.
    response = Client().get("/directory/", {"q": "chair yoga"})
    assert [s.name for s in response.context["results"].items] == [far.name, near.name]
    # Distances are still shown when sorted by relevance.
    response = Client().get("/directory/", {"q": "chair yoga", "postcode": "RV1 2AB", "sort": "relevance"})
    assert set(response.context["results"].distances) == {near.pk, far.pk}


def test_coordinators_share_a_service_and_the_other_hub_lists_it(cast, walk):
    assert cast.client("link_worker").get(f"/directory/services/{walk.pk}/share/").status_code == 403
    assert cast.client("outsider").post(f"/directory/services/{walk.pk}/share/", {}).status_code == 403
    client = cast.client("coordinator")
    page = client.get(f"/directory/services/{walk.pk}/")
    assert "Share with other hubs" in page.content.decode()
    form = client.get(f"/directory/services/{walk.pk}/share/").context["form"]
    assert form.fields["hubs"].choices == [(str(cast.other_hub.pk), cast.other_hub.name)]
    response = client.post(f"/directory/services/{walk.pk}/share/", {"hubs": [str(cast.other_hub.pk)]})
    assert response.status_code == 302
    assert list(walk.shared_with.all()) == [cast.other_hub]
    assert "Shared with Northgate Time Bank" in client.get(f"/directory/services/{walk.pk}/").content.decode()
    # The other hub's people find it in their directory; its staff cannot change it.
    other = cast.client("other_member")
    assert [s.name for s in other.get("/directory/", {"q": "walking"}).context["results"].items] == [
        walk.name
    ]
    # Unsharing takes it away again.
    client.post(f"/directory/services/{walk.pk}/share/", {})
    assert not walk.shared_with.exists()
    assert other.get("/directory/", {"q": "walking"}).context["results"].total == 0


def test_results_say_whether_a_service_takes_referrals_and_has_spaces(make_service):
    make_service(name="Walk Referral", referral_mode="referral", capacity=10, spaces_left=0)
    make_service(name="Walk Signpost", capacity=None, spaces_left=None)
    body = Client().get("/directory/", {"q": "walk"}).content.decode()
    referral, signpost = body.index("Walk Referral"), body.index("Walk Signpost")
    assert "Takes referrals" in body[referral:signpost] and "Full at the moment" in body[referral:signpost]
    assert "Contact them yourself" in body[signpost:] and "left" not in body[signpost:].split("</li>")[0]


def test_staff_lists_take_the_same_number_of_queries_however_many_rows(cast, make_service):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = cast.client("coordinator")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/directory/manage/").status_code == 200
            assert client.get("/directory/manage/due/").status_code == 200
        return len(ctx.captured_queries)

    make_service(name="Group 0")
    few = count()
    for i in range(1, 6):
        make_service(name=f"Group {i}")
    assert count() == few
