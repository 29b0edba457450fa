"""People API: one class per operation, each a thin wrapper over a query or a service."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import actor_or_403
from people import permissions, queries, services
from people.serializers import (
    AuditEventSerializer,
    ConsentEventSerializer,
    ConsentInputSerializer,
    ConsentStateSerializer,
    ErrorSerializer,
    PersonSerializer,
)

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


class PeopleListCreate(generics.GenericAPIView):
    serializer_class = PersonSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Words of a name, email, postcode or NHS number")
        ],
        # 404: a page number past the end ("Invalid page."), as DRF's pagination answers.
        responses={200: PersonSerializer(many=True), 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request):
        actor = actor_or_403(request)
        if not permissions.can_list_people(actor):
            raise PermissionDenied
        qs = queries.search_people(actor=actor, text=request.query_params.get("search", "")[:100])
        page = self.paginate_queryset(qs.prefetch_related("profile_entries"))
        return self.get_paginated_response(PersonSerializer(page, many=True).data)

    @extend_schema(request=PersonSerializer, responses={201: PersonSerializer, **ERRORS})
    def post(self, request):
        actor = actor_or_403(request)
        serializer = PersonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, lists = serializer.split()
        person = services.create_person(actor=actor, data=data, lists=lists)
        return Response(
            PersonSerializer(queries.person_detail(person.pk)).data, status=status.HTTP_201_CREATED
        )


class PersonDetail(APIView):
    serializer_class = PersonSerializer

    @extend_schema(responses={200: PersonSerializer, **ERRORS})
    def get(self, request, person_id: int):
        person = permissions.get_person_for(actor_or_403(request), person_id)
        return Response(PersonSerializer(queries.person_detail(person.pk)).data)

    @extend_schema(request=PersonSerializer, responses={200: PersonSerializer, **ERRORS})
    def patch(self, request, person_id: int):
        actor = actor_or_403(request)
        person = permissions.get_person_for(actor, person_id, action="edit")
        serializer = PersonSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data, lists = serializer.split()
        services.update_person(actor=actor, person=person, data=data, lists=lists)
        return Response(PersonSerializer(queries.person_detail(person.pk)).data)


class PersonConsents(APIView):
    serializer_class = ConsentInputSerializer

    @extend_schema(responses={200: ConsentStateSerializer(many=True), **ERRORS})
    def get(self, request, person_id: int):
        person = permissions.get_person_for(actor_or_403(request), person_id)
        return Response(ConsentStateSerializer(queries.current_consents(person), many=True).data)

    @extend_schema(request=ConsentInputSerializer, responses={201: ConsentEventSerializer, **ERRORS})
    def post(self, request, person_id: int):
        actor = actor_or_403(request)
        person = permissions.get_person_for(actor, person_id, action="consent")
        serializer = ConsentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.record_consent(actor=actor, person=person, **serializer.validated_data)
        return Response(ConsentEventSerializer(event).data, status=status.HTTP_201_CREATED)


class PersonAudit(APIView):
    serializer_class = AuditEventSerializer

    @extend_schema(responses={200: AuditEventSerializer(many=True), **ERRORS})
    def get(self, request, person_id: int):
        person = permissions.get_person_for(actor_or_403(request), person_id, action="audit")
        return Response(AuditEventSerializer(queries.audit_for_person(person)[:200], many=True).data)


class Me(APIView):
    serializer_class = PersonSerializer

    @extend_schema(responses={200: PersonSerializer, 403: ErrorSerializer})
    def get(self, request):
        actor = actor_or_403(request)
        if actor.person is None:
            raise PermissionDenied
        person = permissions.get_person_for(actor, actor.person.pk)
        return Response(PersonSerializer(queries.person_detail(person.pk)).data)
