"""The admin form that sets up a recurring event in one go (ls.joyous' "recurring event
page", made of real occurrences): what, when the first one is, how it repeats, how it ends,
which dates are left out. The page tree's "New recurring event" button on a space opens it;
each occurrence is then an ordinary event page (move, change or cancel one on its own).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from network.access import space_for_organiser
from network.ids import MAX_ID

from .models import EventFormat, EventSeries
from .recurrence import MAX_OCCURRENCES, WEEKDAYS, SeriesInvalid, rrule_build
from .services import series_create, series_rule_change

WEEKDAY_CHOICES = list(zip(WEEKDAYS, [gettext_lazy("Monday"), gettext_lazy("Tuesday"),
                                      gettext_lazy("Wednesday"), gettext_lazy("Thursday"),
                                      gettext_lazy("Friday"), gettext_lazy("Saturday"),
                                      gettext_lazy("Sunday")], strict=True))
POSITION_CHOICES = [("", gettext_lazy("The same day of the month")),
                    ("1", gettext_lazy("The first")), ("2", gettext_lazy("The second")),
                    ("3", gettext_lazy("The third")), ("4", gettext_lazy("The fourth")),
                    ("-1", gettext_lazy("The last"))]


class SeriesRuleForm(forms.Form):
    """How a series repeats and ends, and which dates are left out."""

    freq = forms.ChoiceField(label=gettext_lazy("Repeats"), choices=[
        ("WEEKLY", gettext_lazy("Weekly")), ("MONTHLY", gettext_lazy("Monthly"))])
    interval = forms.IntegerField(label=gettext_lazy("Every"), min_value=1, max_value=12,
                                  initial=1, help_text=gettext_lazy("weeks or months"))
    weekdays = forms.MultipleChoiceField(
        label=gettext_lazy("On"), choices=WEEKDAY_CHOICES, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Weekly: the days (none = the first date's). Monthly with a "
                               "place in the month: one day."))
    monthly_position = forms.TypedChoiceField(
        label=gettext_lazy("Monthly on"), choices=POSITION_CHOICES, required=False,
        coerce=int, empty_value=None)
    count = forms.IntegerField(label=gettext_lazy("Number of dates"), min_value=1,
                               max_value=MAX_OCCURRENCES, required=False)
    until = forms.DateField(label=gettext_lazy("or until"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    exceptions = forms.CharField(
        label=gettext_lazy("Leave out these dates"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One date a line, YYYY-MM-DD (holidays, closures)."))

    def clean_exceptions(self) -> list[dt.date]:
        days = []
        for line in self.cleaned_data["exceptions"].splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                days.append(dt.date.fromisoformat(line))
            except ValueError as exc:
                raise forms.ValidationError(
                    _("“%(line)s” is not a date (YYYY-MM-DD).") % {"line": line[:40]}) from exc
        return days

    def clean(self) -> dict:
        data = super().clean()
        if (data.get("count") is None) == (data.get("until") is None):
            raise forms.ValidationError(
                _("Say how the series ends: a number of dates or a last date."))
        return data

    def rule(self, first: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
        """The RRULE of the cleaned choices (weekly default: the first date's weekday).
        Raises SeriesInvalid."""
        data = self.cleaned_data
        return rrule_build(freq=data["freq"], interval=data["interval"],
                           weekdays=data["weekdays"] or [WEEKDAYS[first.weekday()]],
                           monthly_position=data["monthly_position"],
                           count=data["count"], until=data["until"], tz=zone)


class SeriesForm(SeriesRuleForm):
    field_order = ["title", "summary", "format", "first_date", "start_time", "end_time",
                   "freq", "interval", "weekdays", "monthly_position", "count", "until",
                   "exceptions", "capacity", "price_credits", "room"]

    title = forms.CharField(label=gettext_lazy("Title"), max_length=255)
    summary = forms.CharField(label=gettext_lazy("Summary"), max_length=300, required=False)
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=EventFormat.choices,
                               initial=EventFormat.MEETUP)
    first_date = forms.DateField(label=gettext_lazy("First date"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=gettext_lazy("Starts at"),
                                 widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=gettext_lazy("Ends at"),
                               widget=forms.TimeInput(attrs={"type": "time"}))
    capacity = forms.IntegerField(label=gettext_lazy("Capacity of each date"), min_value=1,
                                  max_value=1_000_000, required=False,
                                  help_text=gettext_lazy("Empty = unlimited."))
    price_credits = forms.IntegerField(label=gettext_lazy("Price (credits)"), min_value=0,
                                       max_value=1_000_000, initial=0)
    room = forms.CharField(label=gettext_lazy("Room"), max_length=120, required=False)


class SeriesCreateView(WagtailAdminTemplateMixin, FormView):
    """POST creates the series through `events.services.series_create` (all or nothing)."""

    template_name = "events/series/admin_create.html"
    header_icon = "date"
    form_class = SeriesForm

    def dispatch(self, request, *args, **kwargs):
        self.space = space_for_organiser(request, kwargs["space_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self) -> str:
        return _("New recurring event in %(space)s") % {"space": self.space.title}

    def get_breadcrumbs_items(self) -> list[dict]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def form_valid(self, form):
        data = form.cleaned_data
        zone = zoneinfo.ZoneInfo(self.space.time_zone or "UTC")
        first = dt.datetime.combine(data["first_date"], data["start_time"], zone)
        end = dt.datetime.combine(data["first_date"], data["end_time"], zone)
        if end <= first:
            end += dt.timedelta(days=1)
        try:
            rule = form.rule(first, zone)
            series = series_create(
                self.space, title=data["title"], first_start=first, duration=end - first,
                rrule=rule, exceptions=data["exceptions"], user=self.request.user,
                fields={"summary": data["summary"], "format": data["format"],
                        "capacity": data["capacity"], "price_credits": data["price_credits"],
                        "room": data["room"]})
        except SeriesInvalid as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("%(n)s dates of “%(title)s” published.") % {
            "n": series.occurrences.count(), "title": series.title})
        return HttpResponseRedirect(reverse("wagtailadmin_explore", args=[self.space.pk]))

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


def _rule_initial(series: EventSeries) -> dict:
    """The rule form's initial values from the series' RRULE and its future exceptions."""
    parts = dict(part.split("=", 1) for part in series.rrule.split(";") if "=" in part)
    zone = zoneinfo.ZoneInfo(series.time_zone)
    initial: dict = {"freq": parts.get("FREQ", "WEEKLY"),
                     "interval": int(parts.get("INTERVAL", "1") or 1)}
    days = parts.get("BYDAY", "")
    if days and days[:-2].lstrip("-").isdigit():  # "-1TH": the last Thursday
        initial["monthly_position"] = int(days[:-2])
        initial["weekdays"] = [days[-2:]]
    elif days:
        initial["weekdays"] = days.split(",")
    if "COUNT" in parts:
        initial["count"] = int(parts["COUNT"])
    elif "UNTIL" in parts:
        until = dt.datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        initial["until"] = until.astimezone(zone).date()
    now = timezone.now()
    initial["exceptions"] = "\n".join(
        sorted(dt.datetime.fromisoformat(value).astimezone(zone).date().isoformat()
               for value in series.exdates or [] if dt.datetime.fromisoformat(value) > now))
    return initial


class SeriesRuleEditView(WagtailAdminTemplateMixin, FormView):
    """Change how a series repeats: POST goes through `events.services.series_rule_change`
    (past dates untouched, future dates with registrations kept, the rest regenerated) and
    the message says which dates were kept and why."""

    template_name = "events/series/admin_rule.html"
    header_icon = "date"
    form_class = SeriesRuleForm

    def dispatch(self, request, *args, **kwargs):
        if not 0 < kwargs["series_id"] <= MAX_ID:
            raise Http404
        self.series = get_object_or_404(EventSeries, pk=kwargs["series_id"])
        if self.series.space_id is None or self.series.is_imported:  # imported: read-only
            raise Http404
        space_for_organiser(request, self.series.space_id)  # 403 for anyone else
        latest = self.series
        while latest.continued_as_id is not None:  # split: its later dates are elsewhere
            latest = EventSeries.objects.get(pk=latest.continued_as_id)
        if latest != self.series and request.method == "GET":
            messages.info(request, _(
                "“%(title)s” was split when its rule last changed: this is the series that "
                "holds its later dates.") % {"title": self.series.title})
            return HttpResponseRedirect(reverse("events_series_rule", args=[latest.pk]))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict:
        return _rule_initial(self.series)

    def get_page_title(self) -> str:
        return _("How “%(title)s” repeats") % {"title": self.series.title}

    def get_breadcrumbs_items(self) -> list[dict]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["series"] = self.series
        context["now"] = timezone.now()
        return context

    def form_valid(self, form):
        zone = zoneinfo.ZoneInfo(self.series.time_zone)
        first = self.series.first_starts_at.astimezone(zone)
        try:
            change = series_rule_change(self.series, rrule=form.rule(first, zone),
                                        exceptions=form.cleaned_data["exceptions"],
                                        user=self.request.user)
        except SeriesInvalid as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _(
            "Repeat rule changed: %(created)s dates added, %(deleted)s removed; past dates "
            "are unchanged.") % {"created": len(change.created), "deleted": len(change.deleted)})
        for page in change.kept:
            day = formats.date_format(timezone.localtime(page.starts_at, zone), "DATE_FORMAT")
            if page in change.detached:
                messages.warning(self.request, _(
                    "%(day)s is kept as a single event: people are registered for it and the "
                    "new rule no longer has it.") % {"day": day})
            else:
                messages.info(self.request, _(
                    "%(day)s is kept as it was: people are registered for it.") % {"day": day})
        return HttpResponseRedirect(reverse("wagtailadmin_explore", args=[self.series.space_id]))

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response
