"""The report pages and downloads: the permission wall (network.permissions), the same
numbers on the page as in the exports, nasty names escaped, bad periods refused."""

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.events.registration_factories import make_coordinator, make_organiser, space_in
from tests.network.factories import UserFactory
from tests.reports.conftest import NAMES

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_organiser(site_tree):
    return make_organiser(space_in(site_tree, title="Elsewhere"))


def test_the_events_organiser_sees_the_report_with_escaped_names(client, small_event):
    client.force_login(small_event.organiser)
    response = client.get(reverse("reports:event", args=[small_event.event.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html and "<b>Bold</b>" not in html
    assert "Report night: نور &amp; &lt;i&gt;friends&lt;/i&gt;" in html
    assert "<svg" in html and "<script" not in html.split("<svg", 1)[1].split("</svg>")[0]
    assert response.context["report"].credits_collected == 30
    for identifier in ("pdf", "csv", "xlsx"):
        assert reverse("reports:event_export", args=[small_event.event.pk, identifier]) in html


@pytest.mark.parametrize("name", ["reports:event", "reports:event_export"])
def test_an_organiser_of_another_space_gets_403(client, small_event, other_organiser, name):
    client.force_login(other_organiser)
    args = [small_event.event.pk] + (["csv"] if name.endswith("export") else [])
    assert client.get(reverse(name, args=args)).status_code == 403


def test_a_member_gets_403_and_an_anonymous_visitor_is_sent_to_sign_in(client, small_event):
    url = reverse("reports:event", args=[small_event.event.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403


def test_unknown_event_and_unknown_export_are_404(client, small_event):
    client.force_login(small_event.organiser)
    assert client.get("/reports/events/999999999/").status_code == 404
    assert client.get(f"/reports/events/{2**70}/").status_code == 404
    url = reverse("reports:event_export", args=[small_event.event.pk, "docx"])
    assert client.get(url).status_code == 404


def test_downloads_carry_the_right_type_and_open(client, small_event, tmp_path):
    client.force_login(small_event.organiser)
    pk = small_event.event.pk
    pdf = client.get(reverse("reports:event_export", args=[pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    event = small_event.event
    assert pdf["Content-Disposition"] == (
        f'attachment; filename="report-{event.slug}-{event.local_starts_at:%Y-%m-%d}.pdf"')
    csv = client.get(reverse("reports:event_export", args=[pk, "csv"]))
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert NAMES[0] in csv.content.decode("utf-8-sig")
    xlsx = client.get(reverse("reports:event_export", args=[pk, "xlsx"]))
    (tmp_path / "r.xlsx").write_bytes(xlsx.content)
    assert "Registrations" in load_workbook(tmp_path / "r.xlsx").sheetnames


def test_space_report_for_its_organisers_and_coordinators_only(client, small_event,
                                                               other_organiser):
    url = reverse("reports:space", args=[small_event.space.pk])
    client.force_login(other_organiser)
    assert client.get(url).status_code == 403
    assert client.get(reverse("reports:space_export", args=[small_event.space.pk, "csv"])
                      ).status_code == 403
    client.force_login(small_event.organiser)
    year = small_event.event.local_starts_at.year
    response = client.get(url, {"period": str(year)})
    assert response.status_code == 200
    assert response.context["report"].figures.seats >= 4
    client.force_login(make_coordinator())
    assert client.get(url, {"period": str(year)}).status_code == 200


def test_the_network_report_is_for_coordinators_only(client, small_event):
    url = reverse("reports:network")
    client.force_login(small_event.organiser)
    assert client.get(url).status_code == 403
    assert client.get(reverse("reports:network_export", args=["csv"])).status_code == 403
    client.force_login(make_coordinator())
    response = client.get(url, {"period": str(small_event.event.local_starts_at.year)})
    assert response.status_code == 200
    assert "Cowo &lt;Rapporti&gt; ☕" in response.content.decode()


@pytest.mark.parametrize("period", ["2026-13", "=1+1", "<script>", "x" * 500])
def test_a_bad_period_is_a_400_with_a_message(client, db, period):
    client.force_login(make_coordinator())
    response = client.get(reverse("reports:network"), {"period": period})
    assert response.status_code == 400
    assert "is not a period" in response.content.decode()
    assert "<script>" not in response.content.decode().split("<main", 1)[-1]
    export = client.get(reverse("reports:network_export", args=["csv"]), {"period": period})
    assert export.status_code == 400 and b"is not a period" in export.content


def test_the_dashboard_links_to_the_report(client, small_event):
    client.force_login(small_event.organiser)
    response = client.get(reverse("events:event_dashboard", args=[small_event.event.pk]))
    assert reverse("reports:event", args=[small_event.event.pk]) in response.content.decode()
