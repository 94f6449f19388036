"""Working calendars: weekly business windows, dated holidays and make-up working days (调休), and
the record of which years have an official schedule. Calendars are configuration that clocks
point at, so foreign keys protect them; `updated_at` is the version stamp the engine cache keys on.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.calendars.engine import check_windows
from kefu.core.models import TimeStampedModel

__all__ = ("WorkCalendar", "WeeklyWindow", "SpecialDay", "SpecialDayWindow", "CalendarYear", "Weekday", "DayKind")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("holiday")
    WORKDAY = "workday", _("make-up working day")


class YearSource(models.TextChoices):
    PACKAGE = "chinesecalendar", _("chinesecalendar package")
    YAML = "yaml", _("YAML year file")
    MANUAL = "manual", _("entered by hand")


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value})


class WorkCalendar(TimeStampedModel):
    key = models.SlugField(_("key"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    is_24x7 = models.BooleanField(
        _("24×7"), default=False, help_text=_("Every minute counts; windows and special days are ignored.")
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        ordering = ("key",)

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class WeeklyWindow(models.Model):
    calendar = models.ForeignKey(WorkCalendar, on_delete=models.PROTECT, related_name="weekly_windows")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        verbose_name = _("weekly window")
        verbose_name_plural = _("weekly windows")
        ordering = ("calendar", "weekday", "start")
        constraints = [
            models.CheckConstraint(condition=models.Q(start__lt=models.F("end")), name="calendars_weekly_start_lt_end")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self) -> None:
        siblings = WeeklyWindow.objects.filter(calendar_id=self.calendar_id, weekday=self.weekday).exclude(pk=self.pk)
        try:
            check_windows([(self.start, self.end), *((w.start, w.end) for w in siblings)])
        except (ValueError, TypeError) as exc:
            raise ValidationError(str(exc))


class SpecialDay(models.Model):
    calendar = models.ForeignKey(WorkCalendar, on_delete=models.PROTECT, related_name="special_days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True, help_text=_("e.g. 春节"))

    class Meta:
        verbose_name = _("special day")
        verbose_name_plural = _("special days")
        ordering = ("calendar", "date")
        constraints = [models.UniqueConstraint(fields=("calendar", "date"), name="calendars_special_day_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class SpecialDayWindow(models.Model):
    """Windows of a make-up working day; none means the calendar's Monday windows."""

    # A window is part of its day: replacing a year's special days replaces their windows too.
    special_day = models.ForeignKey(SpecialDay, on_delete=models.CASCADE, related_name="windows")
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        verbose_name = _("special day window")
        verbose_name_plural = _("special day windows")
        ordering = ("special_day", "start")
        constraints = [
            models.CheckConstraint(condition=models.Q(start__lt=models.F("end")), name="calendars_special_start_lt_end")
        ]

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


class CalendarYear(models.Model):
    """A year whose official schedule is loaded. Clocks refuse to run into years without one."""

    calendar = models.ForeignKey(WorkCalendar, on_delete=models.PROTECT, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"))
    source = models.CharField(_("source"), max_length=20, choices=YearSource.choices, default=YearSource.MANUAL)
    source_name = models.CharField(_("file or package"), max_length=200, blank=True)
    notice = models.CharField(_("notice"), max_length=300, blank=True, help_text=_("The State Council notice."))
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ("calendar", "year")
        constraints = [models.UniqueConstraint(fields=("calendar", "year"), name="calendars_year_unique")]

    def __str__(self) -> str:
        return f"{self.calendar.key} {self.year}"
