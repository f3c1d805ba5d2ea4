"""The door on a phone (issue 9), in headless Chromium at 390x844 against the demo: an
organiser types a code and searches a name, and the answer appears in place; the vendored
camera scanner decodes the QR printed on a ticket page to the ticket's code.

Screenshots land in var/screenshots/checkin/."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from events import services
from events.models import EventPage, Registration, RegistrationState
from tests.browser.test_journeys import MILAN_ORGANISER_EMAIL, log_in
from tests.network.factories import UserFactory

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "checkin"
PHONE = {"width": 390, "height": 844}


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def event_starting_soon(organiser) -> EventPage:
    """One of the organiser's demo events, moved to start in an hour (check-in open)."""
    event = (EventPage.objects.filter(space__organiser_group__user=organiser,
                                      status="scheduled").order_by("pk").first())
    start = timezone.now() + dt.timedelta(hours=1)
    EventPage.objects.filter(pk=event.pk).update(starts_at=start,
                                                 ends_at=start + dt.timedelta(hours=2),
                                                 capacity=None, price_credits=0)
    return EventPage.objects.get(pk=event.pk)


def test_an_organiser_checks_people_in_from_a_phone(page: Page, demo_server):
    organiser = get_user_model().objects.get(email=MILAN_ORGANISER_EMAIL)
    event = event_starting_soon(organiser)
    guest = services.registration_create(event, guest_name="نور Zoë 😀",
                                         guest_email="nour@example.org", actor=organiser)
    member = services.registration_create(event, user=UserFactory(first_name="Grace",
                                                                  last_name="Hopper"))
    log_in(page.context, demo_server, MILAN_ORGANISER_EMAIL)
    page.set_viewport_size(PHONE)

    page.goto(f"{demo_server.url}/events/{event.pk}/checkin/")
    counter = page.locator('[data-count="checked_in"]')
    before = int(counter.inner_text())
    assert before == Registration.objects.filter(event=event,
                                                 state=RegistrationState.ATTENDED).count()
    # Phone first: no sideways scrolling, the code field in the first screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("#door-code").bounding_box()["y"] < PHONE["height"]
    shot(page, "door")

    page.get_by_label("Ticket code").fill(guest.ticket_code)
    page.get_by_role("button", name="Check in", exact=True).click()
    answer = page.locator(".door-answer")
    expect(answer).to_have_class(re.compile("door-answer-ok"))
    expect(answer).to_contain_text("Checked in")
    expect(answer).to_contain_text("نور Zoë 😀")
    expect(counter).to_have_text(str(before + 1))
    expect(page.locator("#door-recent .door-person").first).to_contain_text("نور Zoë 😀")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "door-checked-in")

    page.get_by_label("Ticket code").fill(guest.ticket_code)
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(answer).to_have_class(re.compile("door-answer-warn"))
    expect(answer).to_contain_text("Already checked in")
    shot(page, "door-already")

    page.get_by_label("Search by name or e-mail").fill("grace")
    result = page.locator("#door-search-results .door-person")
    expect(result).to_have_count(1)
    expect(result).to_contain_text("Grace Hopper")
    result.get_by_role("button", name="Check in").click()
    expect(answer).to_have_class(re.compile("door-answer-ok"))
    expect(answer).to_contain_text("Grace Hopper")
    expect(counter).to_have_text(str(before + 2))
    shot(page, "door-search-checked-in")

    answer.get_by_role("button", name=re.compile("Undo check-in")).click()
    expect(answer).to_contain_text("Check-in undone")
    expect(counter).to_have_text(str(before + 1))
    assert Registration.objects.get(pk=member.pk).state == RegistrationState.CONFIRMED
    assert Registration.objects.get(pk=guest.pk).state == RegistrationState.ATTENDED


def test_the_vendored_scanner_reads_the_qr_of_a_ticket(page: Page, demo_server):
    organiser = get_user_model().objects.get(email=MILAN_ORGANISER_EMAIL)
    event = event_starting_soon(organiser)
    registration = services.registration_create(event, user=UserFactory())
    page.set_viewport_size(PHONE)
    page.goto(f"{demo_server.url}/tickets/{registration.ticket_code}/")
    shot(page, "ticket")
    scanner = f"{demo_server.url}{settings.STATIC_URL}vendor/qr-scanner/qr-scanner.min.js"

    decoded = page.evaluate("""async (scanner) => {
        const { default: QrScanner } = await import(scanner);
        const svg = document.querySelector(".ticket-qr svg");
        const xml = new XMLSerializer().serializeToString(svg);
        const img = new Image();
        img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(xml);
        await img.decode();
        const canvas = document.createElement("canvas");
        canvas.width = canvas.height = 400;
        const context = canvas.getContext("2d");
        context.fillStyle = "#fff";
        context.fillRect(0, 0, 400, 400);
        context.drawImage(img, 0, 0, 400, 400);
        const result = await QrScanner.scanImage(canvas, { returnDetailedScanResult: true });
        return result.data;
    }""", scanner)

    assert decoded == registration.ticket_code


def qr_video(code: str, path: Path, size: tuple[int, int] = (640, 480)) -> Path:
    """A few frames of YUV4MPEG2 video showing the QR of `code` (Chromium's fake camera
    plays it in a loop): dark modules at luma 16, the rest at 235, no colour."""
    import segno

    width, height = size
    matrix = segno.make(code, error="m", micro=False).matrix
    modules = len(matrix) + 8  # with the quiet zone
    # A ticket held at the door: the QR with its quiet zone fills 70 % of the shorter side.
    scale = min(width, height) * 7 // 10 // modules
    left, top = (width - modules * scale) // 2, (height - modules * scale) // 2
    luma = bytearray([235]) * (width * height)
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            if not dark:
                continue
            y0, x0 = top + (row + 4) * scale, left + (col + 4) * scale
            for y in range(y0, y0 + scale):
                luma[y * width + x0:y * width + x0 + scale] = bytes([16]) * scale
    chroma = bytes([128]) * (width * height // 4)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
                     + frame * 10)
    return path


def test_the_camera_scans_a_ticket_and_checks_the_person_in(browser_type, demo_server,
                                                            tmp_path):
    organiser = get_user_model().objects.get(email=MILAN_ORGANISER_EMAIL)
    event = event_starting_soon(organiser)
    registration = services.registration_create(event, guest_name="Camera Person",
                                                guest_email="camera@example.org",
                                                actor=organiser)
    video = qr_video(registration.ticket_code, tmp_path / "ticket.y4m")
    # A phone's camera, played from a file: Chromium's fake capture device.
    browser = browser_type.launch(executable_path="/usr/bin/chromium", args=[
        "--headless", "--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"])
    try:
        context = browser.new_context(viewport=PHONE, permissions=["camera"])
        log_in(context, demo_server, MILAN_ORGANISER_EMAIL)
        page = context.new_page()
        page.goto(f"{demo_server.url}/events/{event.pk}/checkin/")

        page.get_by_role("button", name="Scan tickets with the camera").click()

        answer = page.locator(".door-answer")
        expect(answer).to_have_class(re.compile("door-answer-ok"), timeout=30_000)
        expect(answer).to_contain_text("Camera Person")
        expect(page.get_by_role("button", name="Stop the camera")).to_be_visible()
        shot(page, "door-camera")
        # The QR stays in front of the camera: it is answered once, not again and again
        # (a second answer would turn the screen amber: "already checked in").
        page.wait_for_timeout(5000)
        expect(answer).to_have_class(re.compile("door-answer-ok"))
        context.close()
    finally:
        browser.close()
    fresh = Registration.objects.get(pk=registration.pk)
    assert (fresh.state, fresh.attended_by) == (RegistrationState.ATTENDED, organiser)
