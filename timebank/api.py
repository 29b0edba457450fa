"""Time-bank API: one class per operation, each a thin wrapper over a permission check and one
query or service. Every movement of time goes through timebank.services, as pages do."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import F, Sum, Window
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import actor_or_403
from core.errors import Conflict, DomainError
from core.roles import Actor
from timebank import permissions, queries, services
from timebank.models import Account, Entry, Exchange, Listing, Transfer
from timebank.serializers import (
    AccountSerializer,
    DonationSerializer,
    EntrySerializer,
    ErrorSerializer,
    ExchangeSerializer,
    ListingInputSerializer,
    ListingSerializer,
    RecordExchangeSerializer,
    TransferSerializer,
)

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 80  # the stored key adds the user's id and must fit Transfer.idempotency_key (100)


def _serializer(cls, request, actor: Actor):
    serializer = cls(data=request.data, context={"actor": actor, "request": request})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _transfer(pk) -> Transfer:
    return Transfer.objects.prefetch_related("entries__account").get(pk=pk)


def _exchange(pk: int) -> Exchange:
    return Exchange.objects.select_related("giver", "receiver").get(pk=pk)


class AccountList(generics.GenericAPIView):
    serializer_class = AccountSerializer

    # 404: a page number past the end ("Invalid page."), as DRF's pagination answers.
    @extend_schema(responses={200: AccountSerializer(many=True), 403: ErrorSerializer, 404: ErrorSerializer})
    def get(self, request):
        """Your own account; a broker sees every account in the hub. Commissioners see none."""
        actor = actor_or_403(request)
        accounts = Account.objects.filter(hub=actor.hub)
        if not permissions.is_broker(actor):
            accounts = accounts.filter(person=actor.person) if actor.person else accounts.none()
        page = self.paginate_queryset(accounts.order_by("kind", "name", "id"))
        return self.get_paginated_response(AccountSerializer(page, many=True).data)


class AccountDetail(APIView):
    serializer_class = AccountSerializer

    @extend_schema(responses={200: AccountSerializer, **ERRORS})
    def get(self, request, account_id: int):
        account = permissions.get_account_for(actor_or_403(request), account_id)
        return Response(AccountSerializer(account).data)


class AccountEntries(generics.GenericAPIView):
    serializer_class = EntrySerializer

    @extend_schema(responses={200: EntrySerializer(many=True), **ERRORS})
    def get(self, request, account_id: int):
        """Statement lines, newest first, each with the balance after it."""
        account = permissions.get_account_for(actor_or_403(request), account_id)
        # The running balance is a window over the account's entries in posting order, so the newest
        # line's balance_after equals the cached balance and each page costs one query, not a scan
        # per line.
        lines = (
            Entry.objects.filter(account=account)
            .select_related("transfer")
            .annotate(balance_after=Window(Sum("minutes"), order_by=F("id").asc()))
            .order_by("-id")
        )
        page = self.paginate_queryset(lines)
        return self.get_paginated_response(EntrySerializer(page, many=True).data)


class TransferCreate(APIView):
    serializer_class = DonationSerializer

    @extend_schema(
        request=DonationSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                description="Send the same key again (a retry after a timeout) and get the first "
                "transfer back with 200 instead of posting twice. At most 80 characters.",
            )
        ],
        responses={201: TransferSerializer, 200: TransferSerializer, **ERRORS},
    )
    def post(self, request):
        """Give time to another member or to the community pot."""
        actor = actor_or_403(request)
        data = _serializer(DonationSerializer, request, actor)
        if "from_account" in data:
            source = permissions.get_account_for(actor, data["from_account"], spend=True)
        else:
            source = queries.account_of(actor.person) if actor.person else None
            if source is None:
                raise DomainError("You have no time-bank account in this hub.")
        target = data.get("to_account") or services.system_account(actor.hub, Account.Kind.POT)
        key = _scoped_key(request, actor)
        replay = key is not None and Transfer.objects.filter(hub=actor.hub, idempotency_key=key).exists()
        started = timezone.now()
        transfer = services.donate(
            actor=actor,
            from_account=source,
            to_account=target,
            minutes=data["minutes"],
            note=data["note"],
            idempotency_key=key,
        )
        transfer = _transfer(transfer.pk)
        if key is not None:
            _same_request_or_409(transfer, {source.pk: -data["minutes"], target.pk: data["minutes"]})
        created = not replay and transfer.posted_at >= started
        return Response(
            TransferSerializer(transfer).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def _scoped_key(request, actor: Actor) -> str | None:
    """The client's key, kept apart per user: two people who pick the same key never share a transfer."""
    key = (request.headers.get(IDEMPOTENCY_HEADER) or "").strip()
    if not key:
        return None
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise DomainError(
            f"The {IDEMPOTENCY_HEADER} header must be 1 to {MAX_KEY_LENGTH} printable characters."
        )
    owner = actor.user.pk if actor.user is not None else "-"
    return f"api:{owner}:{key}"


def _same_request_or_409(transfer: Transfer, legs: dict[int, int]) -> None:
    posted = {e.account_id: e.minutes for e in transfer.entries.all()}
    if transfer.kind != Transfer.Kind.DONATION or posted != legs:
        raise Conflict(f"This {IDEMPOTENCY_HEADER} was already used for a different transfer.")


class ExchangeCreate(APIView):
    serializer_class = RecordExchangeSerializer

    @extend_schema(request=RecordExchangeSerializer, responses={201: ExchangeSerializer, **ERRORS})
    def post(self, request):
        """Record help given; the other side (or a broker) confirms it before it is posted."""
        actor = actor_or_403(request)
        data = _serializer(RecordExchangeSerializer, request, actor)
        exchange = services.record_exchange(actor=actor, **data)
        return Response(ExchangeSerializer(_exchange(exchange.pk)).data, status=status.HTTP_201_CREATED)


class ExchangeConfirm(APIView):
    serializer_class = ExchangeSerializer

    @extend_schema(request=None, responses={200: ExchangeSerializer, **ERRORS})
    def post(self, request, exchange_id: int):
        """The other side, or a broker, says it happened; it posts unless a broker must approve it."""
        actor = actor_or_403(request)
        exchange = permissions.get_exchange_for(actor, exchange_id, confirm=True)
        exchange = services.confirm_exchange(actor=actor, exchange=exchange)
        return Response(ExchangeSerializer(_exchange(exchange.pk)).data)


BOARD_FILTERS = [
    OpenApiParameter("search", str, description="Words in the title, description or tags"),
    OpenApiParameter("category", str, description="A category code"),
    OpenApiParameter("area", str, description="A postcode district, e.g. RV3"),
]


class _Board(generics.GenericAPIView):
    serializer_class = ListingSerializer
    kind: str = ""

    def list_board(self, request):
        actor = actor_or_403(request)
        if not permissions.can_view_board(actor):
            raise PermissionDenied
        params = request.query_params
        listings = queries.board(
            actor.hub,
            kind=self.kind,
            text=params.get("search", "")[:200],
            category=params.get("category", "")[:20],
            area=params.get("area", "")[:8],
        )
        page = self.paginate_queryset(listings)
        return self.get_paginated_response(ListingSerializer(page, many=True).data)

    def create_listing(self, request):
        actor = actor_or_403(request)
        data = dict(_serializer(ListingInputSerializer, request, actor))
        person = data.pop("person", None) or actor.person
        if person is None:
            raise DomainError("Say who this is for.", {"person": ["Required."]})
        data["tags"] = ", ".join(data["tags"])
        listing = services.create_listing(actor=actor, person=person, kind=self.kind, **data)
        listing = Listing.objects.select_related("person").get(pk=listing.pk)
        return Response(ListingSerializer(listing).data, status=status.HTTP_201_CREATED)


class OfferListCreate(_Board):
    kind = Listing.Kind.OFFER

    @extend_schema(
        parameters=BOARD_FILTERS,
        responses={200: ListingSerializer(many=True), 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request):
        """Active offers of help on the hub's board, newest first."""
        return self.list_board(request)

    @extend_schema(request=ListingInputSerializer, responses={201: ListingSerializer, **ERRORS})
    def post(self, request):
        """Offer help: for yourself, or a broker on someone's behalf."""
        return self.create_listing(request)


class RequestListCreate(_Board):
    kind = Listing.Kind.REQUEST

    @extend_schema(
        parameters=BOARD_FILTERS,
        responses={200: ListingSerializer(many=True), 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request):
        """Active requests for help on the hub's board, newest first."""
        return self.list_board(request)

    @extend_schema(request=ListingInputSerializer, responses={201: ListingSerializer, **ERRORS})
    def post(self, request):
        """Ask for help: for yourself, or a broker on someone's behalf."""
        return self.create_listing(request)
