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
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from network.access import space_for_organiser

from .models import EventFormat
from .recurrence import MAX_OCCURRENCES, WEEKDAYS, SeriesInvalid, rrule_build
from .services import series_create

WEEKDAY_CHOICES = list(zip(WEEKDAYS, [gettext_lazy("Monday"), gettext_lazy("Tuesday"),
                                      gettext_lazy("Wednesday"), gettext_lazy("Thursday"),
                                      gettext_lazy("Friday"), gettext_lazy("Saturday"),
                                      gettext_lazy("Sunday")], strict=True))
POSITION_CHOICES = [("", gettext_lazy("The same day of the month")),
                    ("1", gettext_lazy("The first")), ("2", gettext_lazy("The second")),
                    ("3", gettext_lazy("The third")), ("4", gettext_lazy("The fourth")),
                    ("-1", gettext_lazy("The last"))]


class SeriesForm(forms.Form):
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
    capacity = forms.IntegerField(label=gettext_lazy("Capacity of each date"), min_value=1,
                                  max_value=1_000_000, required=False,
                                  help_text=gettext_lazy("Empty = unlimited."))
    price_credits = forms.IntegerField(label=gettext_lazy("Price (credits)"), min_value=0,
                                       max_value=1_000_000, initial=0)
    room = forms.CharField(label=gettext_lazy("Room"), max_length=120, required=False)

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
            rule = rrule_build(freq=data["freq"], interval=data["interval"],
                               weekdays=data["weekdays"] or [WEEKDAYS[first.weekday()]],
                               monthly_position=data["monthly_position"],
                               count=data["count"], until=data["until"], tz=zone)
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
