"""Support API: one class per operation, each a thin wrapper over a query or a service."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import actor_or_403
from core.middleware import client_ip
from core.models import Hub
from people.models import Person
from people.serializers import ErrorSerializer
from support import importer, permissions, queries, services
from support.serializers import (
    CaseloadRowSerializer,
    CaseloadSerializer,
    DecisionInputSerializer,
    ReferralInputSerializer,
    ReferralSerializer,
    ReferrerViewSerializer,
    RuleResultSerializer,
    SelfReferralInputSerializer,
    SessionInputSerializer,
    SessionViewSerializer,
    UploadInputSerializer,
)

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


def _service(actor, service_id):
    service = queries.get_support_service(service_id, hub=actor.hub)
    if service is None:
        raise Http404("No such support service in this hub")
    return service


def _data(validated: dict) -> dict:
    data = dict(validated)
    data.pop("service", None)
    data.pop("hub", None)
    return data


class ReferralListCreate(generics.GenericAPIView):
    serializer_class = ReferralInputSerializer

    # 404: a page number past the end ("Invalid page."), as DRF's pagination answers.
    @extend_schema(responses={200: ReferralSerializer(many=True), 403: ErrorSerializer, 404: ErrorSerializer})
    def get(self, request):
        actor = actor_or_403(request)
        if not permissions.can_list_referrals(actor):
            raise PermissionDenied
        qs = queries.referrals_in_hub(actor.hub, status=request.query_params.get("status", "")[:20])
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ReferralSerializer(page, many=True).data)

    @extend_schema(request=ReferralInputSerializer, responses={201: ReferralSerializer, **ERRORS})
    def post(self, request):
        actor = actor_or_403(request)
        serializer = ReferralInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service = _service(actor, serializer.validated_data["service"])
        referral = services.create_referral(
            actor=actor, service=service, data=_data(serializer.validated_data), channel="api"
        )
        return Response(ReferralSerializer(referral).data, status=status.HTTP_201_CREATED)


class ReferralDetail(APIView):
    serializer_class = ReferralSerializer

    @extend_schema(responses={200: ReferralSerializer, **ERRORS})
    def get(self, request, referral_id: int):
        referral = permissions.get_referral_for(actor_or_403(request), referral_id)
        return Response(ReferralSerializer(referral).data)


class ReferralEligibility(APIView):
    serializer_class = RuleResultSerializer

    @extend_schema(responses={200: RuleResultSerializer(many=True), **ERRORS})
    def get(self, request, referral_id: int):
        referral = permissions.get_referral_for(actor_or_403(request), referral_id, action="triage")
        return Response(RuleResultSerializer(queries.check_eligibility(referral), many=True).data)


class ReferralDecision(APIView):
    serializer_class = DecisionInputSerializer

    @extend_schema(request=DecisionInputSerializer, responses={200: ReferralSerializer, **ERRORS})
    def post(self, request, referral_id: int):
        actor = actor_or_403(request)
        referral = permissions.get_referral_for(actor, referral_id, action="triage")
        serializer = DecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        worker_id = data.pop("worker", None)
        worker = Person.objects.filter(hub=actor.hub, pk=worker_id).first() if worker_id else None
        referral = services.decide_referral(actor=actor, referral=referral, worker=worker, **data)
        return Response(ReferralSerializer(referral).data)


class ReferralSessions(APIView):
    serializer_class = SessionInputSerializer

    @extend_schema(responses={200: SessionViewSerializer(many=True), **ERRORS})
    def get(self, request, referral_id: int):
        actor = actor_or_403(request)
        referral = permissions.get_referral_for(actor, referral_id)
        return Response(SessionViewSerializer(queries.sessions_for(actor, referral), many=True).data)

    @extend_schema(request=SessionInputSerializer, responses={201: SessionViewSerializer, **ERRORS})
    def post(self, request, referral_id: int):
        actor = actor_or_403(request)
        referral = permissions.get_referral_for(actor, referral_id, action="work")
        serializer = SessionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = services.record_session(actor=actor, referral=referral, **serializer.validated_data)
        view = queries.SessionView(session=session, notes=session.notes, notes_hidden=False)
        return Response(SessionViewSerializer(view).data, status=status.HTTP_201_CREATED)


class MyReferrals(APIView):
    """A referrer's own referrals: status, and the outcome when the person consents."""

    serializer_class = ReferrerViewSerializer

    @extend_schema(responses={200: ReferrerViewSerializer(many=True), 403: ErrorSerializer})
    def get(self, request):
        actor = actor_or_403(request)
        return Response(ReferrerViewSerializer(queries.referrals_for_referrer(actor), many=True).data)


class Caseload(APIView):
    serializer_class = CaseloadRowSerializer

    @extend_schema(responses={200: CaseloadSerializer, 403: ErrorSerializer})
    def get(self, request):
        actor = actor_or_403(request)
        if actor.person is None or not permissions.can_view_caseload(actor, actor.person):
            raise PermissionDenied
        load = queries.caseload(actor.person)
        return Response(
            {
                "size": load.size,
                "limit": load.limit,
                "warning": load.warning,
                "rows": CaseloadRowSerializer(load.rows, many=True).data,
            }
        )


class ReferralUpload(APIView):
    serializer_class = UploadInputSerializer
    parser_classes = [MultiPartParser]

    @extend_schema(request=UploadInputSerializer, responses={201: ReferralSerializer(many=True), **ERRORS})
    def post(self, request):
        actor = actor_or_403(request)
        serializer = UploadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service = _service(actor, serializer.validated_data["service"])
        upload = serializer.validated_data["file"]
        content = upload.read(importer.MAX_BYTES + 1)
        referrals = importer.import_referrals(actor=actor, service=service, content=content)
        return Response(ReferralSerializer(referrals, many=True).data, status=status.HTTP_201_CREATED)


class SelfReferral(APIView):
    """The public self-referral: no login, rate-limited per address (429 when exceeded)."""

    serializer_class = SelfReferralInputSerializer
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=SelfReferralInputSerializer, responses={201: None, **ERRORS, 429: ErrorSerializer})
    def post(self, request):
        serializer = SelfReferralInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hub = Hub.objects.filter(slug=serializer.validated_data["hub"]).first()
        service = queries.get_support_service(serializer.validated_data["service"], hub=hub) if hub else None
        if hub is None or service is None:
            raise Http404("No such service")
        services.submit_self_referral(
            hub=hub,
            service=service,
            data=_data(serializer.validated_data),
            ip_address=client_ip(request),
        )
        # Nothing about the referral goes back to an anonymous sender.
        return Response({"detail": "Thank you. We have your referral and will be in touch."}, status=201)
