"""Deadline clocks, the inbox and the overdue board over REST.

Clocks are a sub-resource of the case (`/cases/{id}/clocks/`) rather than a field of the case detail:
time left is computed against the clock's working calendar at request time, and keeping it out of
the case detail keeps that payload (and its cost) unchanged for clients that do not need it. A case
the user may not see is 404 here too, so these endpoints never confirm that a case exists.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kefu.cases.models import Case
from kefu.core.api import LIST_ERRORS
from kefu.core.inputs import MAX_ID, TEXT_LIMITS, is_id
from kefu.org.models import User
from kefu.sla.inbox import notification_mark_read, notifications_mark_all_read
from kefu.sla.models import Clock, ClockNotice, Notification
from kefu.sla.selectors import (
    Engines,
    board_allowed,
    clock_state,
    clock_time_left,
    inbox,
    overdue_board,
)

__all__ = ("BoardView", "CaseClockExtendView", "CaseClockPromiseView", "CaseClocksView", "NotificationViewSet")

_NOT_FOUND = OpenApiResponse(OpenApiTypes.OBJECT, description="No such case or clock, or not one you may see.")


# --------------------------------------------------------------------------------------------------
# Serializers


class NoticeRecipientSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()


class ClockNoticeSerializer(serializers.ModelSerializer):
    """A warning, overdue notice (催办单) or escalation step that fired, and whom it reached
    (context `people`: the recipients by id, read in one query for the whole response)."""

    recipients = serializers.SerializerMethodField()
    meant_for = serializers.ListField(
        source="targets",
        child=serializers.CharField(),
        read_only=True,
        help_text="What the ladder step named: owner, assignee, receiver or role codes.",
    )
    fallback = serializers.BooleanField(
        read_only=True, help_text="Nobody it named could be told for this case; the fallback people were told."
    )

    class Meta:
        model = ClockNotice
        fields = ["kind", "level", "fired_at", "recipients", "meant_for", "fallback"]
        extra_kwargs = {
            "kind": {"help_text": "warning (time nearly up), overdue (催办单), escalation (a step of the ladder)."},
            "level": {"help_text": "The escalation ladder's step, from 1; 0 for warnings and overdue notices."},
            "fired_at": {"help_text": "When the sweep fired it."},
        }

    @extend_schema_field(NoticeRecipientSerializer(many=True))
    def get_recipients(self, notice: ClockNotice) -> list[dict[str, Any]]:
        people = self.context.get("people", {})
        return [
            {"id": person.pk, "username": person.username, "name": str(person)}
            for person in (people.get(pk) for pk in notice.recipients or [])
            if person is not None
        ]


class ClockSerializer(serializers.ModelSerializer):
    """A clock with `state` and `minutes_left` computed at request time (context `now`, `engines`).

    `minutes_left` is in the clock's measure (`working_measure`: working minutes, else elapsed
    minutes), negative when overdue, null without a deadline.
    """

    state = serializers.SerializerMethodField()
    minutes_left = serializers.SerializerMethodField()
    notices = ClockNoticeSerializer(many=True, read_only=True)
    # The model's verbose name "unit" is translated as an organisation unit (部门); this is a duration unit.
    unit = serializers.CharField(
        read_only=True,
        label=_("duration unit"),
        help_text="The unit of `amount`: working_days, working_hours, working_minutes, calendar_days, hours, "
        "minutes, same_working_day, nth_of_next_month (docs/calendars.md).",
    )

    class Meta:
        model = Clock
        extra_kwargs = {
            "id": {"help_text": "The clock's id: `clock_id` of the extend endpoint."},
            "key": {"help_text": "The clock's key in the rulebook (e.g. `reply`, `resolution`)."},
            "label": {"help_text": "The deadline's name in the rulebook."},
            "rule": {"help_text": "Which rule of the rulebook set the limit (a variant's condition, or default)."},
            "amount": {"help_text": "The limit, in `unit`."},
            "working_measure": {
                "help_text": "True: minutes below are working minutes of the calendar; false: elapsed minutes."
            },
            "status": {"help_text": "running, paused, met (stopped in time), missed (stopped late), cancelled."},
            "started_at": {"help_text": "When the clock started (for the first clocks: when the case was received)."},
            "deadline": {"help_text": "When time is up; null while the calendar has no schedule for that year."},
            "warn_at": {"help_text": "When the warning fires; null without a warning."},
            "stopped_at": {"help_text": "When it stopped (met, missed or cancelled); null while it runs or is paused."},
            "allowed_minutes": {"help_text": "The limit in minutes of its measure, extensions included."},
            "used_minutes": {"help_text": "Minutes used up to the last pause or stop (paused time does not count)."},
            "extended_minutes": {"help_text": "Minutes added by extensions, included in allowed_minutes."},
            "escalation_level": {"help_text": "The last escalation step that fired; 0 before any."},
        }
        fields = [
            "id",
            "key",
            "label",
            "rule",
            "amount",
            "unit",
            "working_measure",
            "status",
            "state",
            "started_at",
            "deadline",
            "warn_at",
            "stopped_at",
            "minutes_left",
            "allowed_minutes",
            "used_minutes",
            "extended_minutes",
            "escalation_level",
            "awaiting_promise",
            "promised_at",
            "notices",
        ]

    def get_state(self, clock: Clock) -> str:
        return clock_state(clock, self.context["now"])

    def get_minutes_left(self, clock: Clock) -> int | None:
        return clock_time_left(clock, self.context["now"], self.context["engines"])


class ClockExtendSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The case version you saw (409 if stale)."
    )
    amount = serializers.IntegerField(min_value=1, max_value=100_000)
    unit = serializers.CharField(max_length=20, help_text="A duration unit, e.g. working_days (docs/calendars.md).")
    reason = serializers.CharField(max_length=TEXT_LIMITS["reason"])
    customer_consent = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Whether the customer agreed; required (true) where the rulebook's extension says so.",
    )


class ClockPromiseSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The case version you saw (409 if stale).")
    deadline = serializers.DateTimeField(
        help_text="The time promised to the customer, to the minute; within the rulebook's bounds (docs/sla.md)."
    )
    reason = serializers.CharField(max_length=TEXT_LIMITS["reason"])


class NotificationCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class NotificationSerializer(serializers.ModelSerializer):
    """A notification, its text in the request's language (Accept-Language) where it has a message code."""

    case = serializers.SerializerMethodField(help_text="The case it is about; null for a notification about none.")
    title = serializers.CharField(source="display_title", read_only=True)
    body = serializers.CharField(source="display_body", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "case", "url", "due_at", "created_at", "read_at", "emailed_at"]
        extra_kwargs = {
            "kind": {
                "help_text": "warning, overdue or escalation (a deadline notice), work (something for you to do) "
                "or info (for your information)."
            },
            "url": {"help_text": "Where to act on it (a page of this site); empty for deadline notices."},
            "due_at": {"help_text": "By when the work it announces is due; null when none."},
            "created_at": {"help_text": "When it reached your inbox."},
            "read_at": {"help_text": "When you marked it read; null while unread."},
            "emailed_at": {"help_text": "When it was e-mailed to you; null until then (or without an address)."},
        }

    @extend_schema_field(NotificationCaseSerializer(allow_null=True))
    def get_case(self, n: Notification) -> dict[str, Any] | None:
        return {"id": n.case_id, "number": n.case.number} if n.case_id else None


class BoardRowSerializer(serializers.Serializer):
    case_id = serializers.IntegerField(source="case.pk")
    case_number = serializers.CharField(source="case.number")
    title = serializers.SerializerMethodField()
    clock = serializers.SerializerMethodField()

    def get_title(self, row: dict[str, Any]) -> str:
        # An anonymous complaint's title with the complainant's name and number blanked (001 篇10 第十九条).
        from kefu.cases.selectors import IdentityRedactor

        case = row["case"]
        return IdentityRedactor.for_case(case, brief=True).text(case.title) if case.is_anonymous else case.title

    def get_clock(self, row: dict[str, Any]) -> dict[str, Any]:
        clock = row["clock"]
        return {
            "id": clock.pk,
            "key": clock.key,
            "label": clock.label,
            "deadline": serializers.DateTimeField().to_representation(clock.deadline),
            "state": row["state"],
            "minutes_left": row["left"],
            "working_measure": clock.working_measure,
            "escalation_level": clock.escalation_level,
            "went_to_fallback": bool(row["fallbacks"]),
            "fallback_notices": [
                {"kind": f["kind"], "level": f["level"], "meant_for": f["targets"]} for f in row["fallbacks"]
            ],
        }


# --------------------------------------------------------------------------------------------------
# Views


def _clock_context(request: Request, clocks: list[Clock]) -> dict[str, Any]:
    ids = {pk for clock in clocks for notice in clock.notices.all() for pk in notice.recipients or []}
    people = {person.pk: person for person in User.objects.filter(pk__in=ids)} if ids else {}
    return {"request": request, "now": timezone.now(), "engines": Engines(), "people": people}


def _visible_case(request: Request, pk: Any) -> Case:
    if not is_id(pk):
        raise Http404
    return get_object_or_404(Case.objects.visible_to(request.user), pk=pk)


class CaseClocksView(APIView):
    @extend_schema(
        summary="The case's deadline clocks with time left",
        responses={200: ClockSerializer(many=True), 404: _NOT_FOUND},
    )
    def get(self, request: Request, pk: str) -> Response:
        case = _visible_case(request, pk)
        clocks = list(
            Clock.objects.filter(case=case)
            .select_related("calendar")
            .prefetch_related("notices")
            .order_by("started_at", "id")
        )
        return Response(ClockSerializer(clocks, many=True, context=_clock_context(request, clocks)).data)


class CaseClockExtendView(APIView):
    @extend_schema(
        summary="Extend a deadline (the rulebook names who may, and by how much at most)",
        request=ClockExtendSerializer,
        responses={
            200: ClockSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input or over the rulebook's limit."),
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="Your role may not extend this deadline."),
            404: _NOT_FOUND,
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="Stale version: reload the case and try again."),
        },
    )
    def post(self, request: Request, pk: str, clock_id: int) -> Response:
        from kefu.sla.extensions import clock_extend

        case = _visible_case(request, pk)
        clock = get_object_or_404(Clock.objects.select_related("calendar"), pk=clock_id, case=case)
        data = ClockExtendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        clock = clock_extend(
            clock=clock,
            actor=request.user,
            amount=data.validated_data["amount"],
            unit=data.validated_data["unit"],
            reason=data.validated_data["reason"],
            expected_version=data.validated_data["version"],
            customer_consent=data.validated_data["customer_consent"],
        )
        fresh = Clock.objects.select_related("calendar").prefetch_related("notices").get(pk=clock.pk)
        return Response(ClockSerializer(fresh, context=_clock_context(request, [fresh])).data)


class CaseClockPromiseView(APIView):
    @extend_schema(
        summary="Set or change the time promised to the customer (a `promise:` clock)",
        request=ClockPromiseSerializer,
        responses={
            200: ClockSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Not a promised clock, or outside its bounds."),
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="Your role may not promise this time."),
            404: _NOT_FOUND,
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="Stale version: reload the case and try again."),
        },
    )
    def post(self, request: Request, pk: str, clock_id: int) -> Response:
        from kefu.sla.extensions import clock_promise

        case = _visible_case(request, pk)
        clock = get_object_or_404(Clock.objects.select_related("calendar"), pk=clock_id, case=case)
        data = ClockPromiseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        clock = clock_promise(
            clock=clock,
            actor=request.user,
            deadline=data.validated_data["deadline"],
            reason=data.validated_data["reason"],
            expected_version=data.validated_data["version"],
        )
        fresh = Clock.objects.select_related("calendar").prefetch_related("notices").get(pk=clock.pk)
        return Response(ClockSerializer(fresh, context=_clock_context(request, [fresh])).data)


@extend_schema_view(
    list=extend_schema(
        summary="Your own notifications, newest first (?unread=1 for unread only)",
        parameters=[OpenApiParameter("unread", OpenApiTypes.STR, enum=["1"], description="1: only the unread ones.")],
        responses={200: NotificationSerializer(many=True), 404: LIST_ERRORS[404]},
    )
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    # The schema reads the id type from here; get_queryset() is what restricts rows to the user.
    queryset = Notification.objects.none()
    serializer_class = NotificationSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Notification]:
        return inbox(self.request.user, unread_only=self.request.query_params.get("unread") == "1")

    @extend_schema(summary="Mark one of your notifications read", request=None, responses={204: None, 404: _NOT_FOUND})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        if not is_id(pk) or not notification_mark_read(user=request.user, notification_id=int(pk)):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Mark all your notifications read",
        request=None,
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description='{"marked": n}')},
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": notifications_mark_all_read(user=request.user)})


class BoardView(APIView):
    @extend_schema(
        summary="Overdue and due-soon deadlines by responsible unit (supervisors, managers, all-seeing roles)",
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='{"truncated": bool, "groups": [{"unit": {id, code, name} | null, "overdue", '
                '"warning", "max_level", "fallback", "rows": [{case_id, case_number, title, clock: {..., '
                '"went_to_fallback": bool, "fallback_notices": [{kind, level, meant_for: [role or person]}]}}]}]} '
                "— see docs/api.md",
            ),
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="Your role has no board."),
        },
    )
    def get(self, request: Request) -> Response:
        if not board_allowed(request.user):
            raise PermissionDenied()
        groups, truncated = overdue_board(request.user, timezone.now())
        return Response(
            {
                "truncated": truncated,
                "groups": [
                    {
                        "unit": {"id": g.unit.pk, "code": g.unit.code, "name": g.unit.name} if g.unit else None,
                        "overdue": g.overdue,
                        "warning": g.warning,
                        "max_level": g.max_level,
                        "fallback": g.fallback,
                        "rows": BoardRowSerializer(g.rows, many=True).data,
                    }
                    for g in groups
                ],
            }
        )
