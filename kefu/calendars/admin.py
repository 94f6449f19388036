import calendar as pycalendar

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from kefu.calendars.engine import check_windows, format_window
from kefu.calendars.models import CalendarYear, DayKind, SpecialDay, SpecialDayWindow, WeeklyWindow, WorkCalendar
from kefu.calendars.official import official_years_known
from kefu.calendars.selectors import calendar_year_days
from kefu.calendars.services import calendar_load_official_year, calendar_touch
from kefu.core.exceptions import ApplicationError

# The years the admin's year view can show (datetime knows 1…9999; the grid needs the weeks around).
YEAR_VIEW_MIN, YEAR_VIEW_MAX = 2, 9998


class WindowFormSet(BaseInlineFormSet):
    """Overlaps are checked across the whole inline, since unsaved siblings are not in the database."""

    def clean(self) -> None:
        super().clean()
        groups: dict[int, list] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("start") or not data.get("end"):
                continue
            groups.setdefault(data.get("weekday", 0), []).append((data["start"], data["end"]))
        for windows in groups.values():
            try:
                check_windows(windows)
            except ValueError as exc:
                raise ValidationError(str(exc))


class WeeklyWindowInline(admin.TabularInline):
    model = WeeklyWindow
    formset = WindowFormSet
    extra = 0


class CalendarYearInline(admin.TabularInline):
    model = CalendarYear
    fields = ("year", "source", "source_name", "notice", "loaded_at", "year_view")
    readonly_fields = ("source_name", "loaded_at", "year_view")
    extra = 0
    can_delete = False

    @admin.display(description=_("year view"))
    def year_view(self, obj: CalendarYear) -> str:
        if not obj.pk:
            return "-"
        url = reverse("admin:calendars_workcalendar_year", args=[obj.calendar_id, obj.year])
        return format_html('<a href="{}">{}</a>', url, _("year view"))


@admin.register(WorkCalendar)
class WorkCalendarAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "time_zone", "is_24x7", "loaded_years")
    search_fields = ("key", "name")
    readonly_fields = ("created_at", "updated_at")
    inlines = [WeeklyWindowInline, CalendarYearInline]
    # The change page gets a "load next year's official calendar" button (object tools).
    change_form_template = "admin/calendars/workcalendar_change_form.html"

    def has_delete_permission(self, request, obj=None) -> bool:
        # Clocks and rules point at calendars; retire one by pointing the rules elsewhere.
        return False

    @admin.display(description=_("loaded years"))
    def loaded_years(self, obj: WorkCalendar) -> str:
        links = [
            (reverse("admin:calendars_workcalendar_year", args=[obj.pk, y]), y)
            for y in obj.years.values_list("year", flat=True)
        ]
        return format_html_join(" ", '<a href="{}">{}</a>', links) or "-"

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # save_model bumped the stamp before the windows changed; bump again so no engine built in
        # between is reused.
        calendar_touch(calendar=form.instance)

    def get_urls(self):
        view = self.admin_site.admin_view(self.year_view)
        load = self.admin_site.admin_view(self.load_official_view)
        return [
            path("<int:pk>/year/<int:year>/", view, name="calendars_workcalendar_year"),
            path("<int:pk>/load-official/", load, name="calendars_workcalendar_load_official"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        next_year = timezone.localdate().year + 1
        extra = {"next_year": next_year, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def load_official_view(self, request, pk: int):
        """POST `year`: load that year's State Council schedule from chinesecalendar into the calendar
        (the button instead of `kefu calendar load-year`). A year the package does not know yet changes
        nothing and says how to enter it by hand."""
        calendar = get_object_or_404(WorkCalendar, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, calendar):
            raise PermissionDenied
        raw = request.POST.get("year", "")
        year = int(raw) if raw.isdigit() and len(raw) == 4 else 0
        if not YEAR_VIEW_MIN <= year <= YEAR_VIEW_MAX:
            raise Http404(_("There is no year %(year)s in a calendar.") % {"year": raw[:10]})
        back = reverse("admin:calendars_workcalendar_year", args=[calendar.pk, year])
        if year not in official_years_known(first=year, last=year):
            messages.error(
                request,
                _(
                    "The official calendar for %(year)s is not known to Kefu yet (the chinesecalendar package "
                    "has no data for it). Enter the State Council's notice by hand: export last year as a "
                    "YAML year file (kefu calendar export %(key)s %(last)s), edit it to the notice and import "
                    "it (kefu calendar import %(key)s FILE), or add the holidays and make-up working days "
                    "as special days here. Nothing was changed."
                )
                % {"year": year, "key": calendar.key, "last": year - 1},
            )
            return HttpResponseRedirect(back)
        try:
            calendar_load_official_year(calendar=calendar, year=year)
        except ApplicationError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(back)
        holidays = calendar.special_days.filter(date__year=year, kind=DayKind.HOLIDAY).count()
        workdays = calendar.special_days.filter(date__year=year, kind=DayKind.WORKDAY).count()
        messages.success(
            request,
            _(
                "The official calendar for %(year)s is loaded: %(holidays)s holidays and %(workdays)s make-up "
                "working days. Clocks waiting for this year now have their deadlines."
            )
            % {"year": year, "holidays": holidays, "workdays": workdays},
        )
        return HttpResponseRedirect(back)

    def year_view(self, request, pk: int, year: int):
        calendar = get_object_or_404(WorkCalendar, pk=pk)
        if not self.has_view_permission(request, calendar):
            raise PermissionDenied
        if not YEAR_VIEW_MIN <= year <= YEAR_VIEW_MAX:
            # Year 0 or 99999 is no year a calendar can hold (datetime's years are 1…9999, and the
            # grid reads the weeks around it): a clear 404, not a ValueError and a 500.
            raise Http404(_("There is no year %(year)s in a calendar.") % {"year": year})
        days = calendar_year_days(calendar=calendar, year=year)
        weeks_by_month = pycalendar.Calendar(firstweekday=0)
        months = []
        for month in range(1, 13):
            weeks = [
                [days[d] if d.month == month else None for d in week]
                for week in weeks_by_month.monthdatescalendar(year, month)
            ]
            months.append({"number": month, "weeks": weeks})
        counts = {
            "working": sum(1 for d in days.values() if d["windows"]),
            "holidays": sum(1 for d in days.values() if d["kind"] == DayKind.HOLIDAY),
            "workdays": sum(1 for d in days.values() if d["kind"] == DayKind.WORKDAY),
        }
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": calendar,
            "calendar": calendar,
            "year": year,
            "loaded": calendar.years.filter(year=year).first(),
            "can_load": self.has_change_permission(request, calendar),
            "months": months,
            "counts": counts,
            "weekday_names": ["一", "二", "三", "四", "五", "六", "日"],
            "title": f"{calendar.name} · {year}",
            "prev_year": year - 1,
            "next_year": year + 1,
        }
        return TemplateResponse(request, "admin/calendars/year_view.html", context)


class SpecialDayWindowInline(admin.TabularInline):
    model = SpecialDayWindow
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type("SpecialDayWindowFormSet", (WindowFormSet, formset), {})


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = SpecialDay.objects.dates("date", "year")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request, queryset):
        return queryset.filter(date__year=int(self.value())) if self.value() else queryset


@admin.register(SpecialDay)
class SpecialDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name", "calendar", "windows_text")
    list_filter = (YearFilter, "kind", "calendar")
    search_fields = ("name",)
    date_hierarchy = "date"
    inlines = [SpecialDayWindowInline]

    @admin.display(description=_("weekday"))
    def weekday(self, obj: SpecialDay) -> str:
        return "一二三四五六日"[obj.date.weekday()]

    @admin.display(description=_("windows"))
    def windows_text(self, obj: SpecialDay) -> str:
        if obj.kind == DayKind.HOLIDAY:
            return "-"
        return ", ".join(format_window((w.start, w.end)) for w in obj.windows.all()) or _("Monday windows")

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        calendar_touch(calendar=form.instance.calendar)

    def delete_model(self, request, obj: SpecialDay) -> None:
        super().delete_model(request, obj)
        calendar_touch(calendar=obj.calendar)

    def delete_queryset(self, request, queryset) -> None:
        calendars = list(WorkCalendar.objects.filter(special_days__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for calendar in calendars:
            calendar_touch(calendar=calendar)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Adding a year by hand (source 'manual') declares its special days complete."""

    list_display = ("calendar", "year", "source", "source_name", "loaded_at")
    list_filter = ("calendar", "source")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        calendar_touch(calendar=obj.calendar)
