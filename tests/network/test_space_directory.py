"""The spaces directory (filters, regions, SVG map) and the space page."""

from decimal import Decimal

import pytest

from network.selectors import space_map_points
from network.space_map import HEIGHT as MAP_HEIGHT
from network.space_map import PAD as MAP_PAD
from network.space_map import WIDTH as MAP_WIDTH
from network.space_map import space_map
from tests.network.factories import make_space

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(site_tree):
    return {
        "tree": site_tree,
        "rome": make_space(site_tree.spaces, "Cowo360", city="Roma", region="Lazio",
                           latitude=Decimal("41.8902"), longitude=Decimal("12.4922"),
                           tagline="Coworking near the Colosseum"),
        "turin": make_space(site_tree.spaces, "Toolbox", city="Torino", region="Piemonte",
                            kind="coworking", latitude=Decimal("45.0703"),
                            longitude=Decimal("7.6869")),
        "lab": make_space(site_tree.spaces, "FabLab Torino", city="Torino", region="Piemonte",
                          kind="fablab"),
        "paris": make_space(site_tree.spaces, "Mutinerie", city="Paris",
                            region="Île-de-France", country="France", time_zone="Europe/Paris",
                            latitude=Decimal("48.8566"), longitude=Decimal("2.3522")),
    }


def titles(client, network, query: str = "") -> list[str]:
    response = client.get(network["tree"].spaces.url + query)
    assert response.status_code == 200
    return [space.title for space in response.context["spaces"]]


def test_directory_lists_live_spaces_grouped_by_region(client, network):
    response = client.get(network["tree"].spaces.url)
    html = response.content.decode().split('role="status"', 1)[1]
    assert titles(client, network) == ["Mutinerie", "Cowo360", "FabLab Torino", "Toolbox"]
    assert html.index("Île-de-France") < html.index("Lazio") < html.index("Piemonte")
    assert html.count('<section class="section" aria-labelledby="region-') == 3


def test_unpublished_spaces_are_not_listed(client, network):
    network["paris"].unpublish()
    assert "Mutinerie" not in titles(client, network)


@pytest.mark.parametrize(("query", "expected"), [
    ("?city=Torino", ["FabLab Torino", "Toolbox"]),
    ("?region=Lazio", ["Cowo360"]),
    ("?country=France", ["Mutinerie"]),
    ("?kind=fablab", ["FabLab Torino"]),
    ("?q=colosseum", ["Cowo360"]),
    ("?q=torino&kind=coworking", ["Toolbox"]),
    ("?city=Torino&region=Lazio", []),
])
def test_filters_combine_and_are_bookmarkable(client, network, query, expected):
    assert titles(client, network, query) == expected


@pytest.mark.parametrize("query", [
    "?kind=spaceship", "?city=Atlantis", "?q=" + "x" * 10_000, "?region=%00",
    "?country[]=x", "?kind=fablab&kind=<script>", "?q=%F0%9F%98%80",
])
def test_malformed_parameters_never_fail(client, network, query):
    assert titles(client, network, query) in (
        ["Mutinerie", "Cowo360", "FabLab Torino", "Toolbox"], [], ["FabLab Torino"])


def test_unknown_kind_is_ignored(client, network):
    assert len(titles(client, network, "?kind=spaceship")) == 4


def test_map_plots_located_spaces_inside_the_frame(network):
    points = space_map_points([network["rome"], network["turin"], network["lab"],
                               network["paris"]])
    assert [p.space.title for p in points] == ["Cowo360", "Toolbox", "Mutinerie"]
    for point in points:
        assert MAP_PAD <= point.x <= MAP_WIDTH - MAP_PAD
        assert MAP_PAD <= point.y <= MAP_HEIGHT - MAP_PAD
    rome, turin, paris = points
    assert paris.y < turin.y < rome.y  # north is up
    assert paris.x < turin.x < rome.x  # west is left


def test_map_of_a_single_space_does_not_divide_by_zero(network):
    (point,) = space_map_points([network["rome"]])
    assert (point.x, point.y) == (MAP_WIDTH / 2, MAP_HEIGHT / 2)


def test_directory_renders_an_inline_svg_map(client, network):
    html = client.get(network["tree"].spaces.url).content.decode()
    assert '<svg viewBox="0 0 480 440" role="img"' in html
    assert html.count("<circle ") == 3
    assert "tile" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].lower()


def test_space_page_shows_its_data_and_the_includes(client, network):
    space = network["rome"]
    space.address = "Via dei Fori Imperiali 1"
    space.opening_hours = "Mon-Fri 9:00-19:00\nSat 10:00-13:00"
    space.website = "https://cowo360.example.org"
    space.email = "ciao@cowo360.example.org"
    space.phone = "+39 06 1234 5678"
    space.seats = 40
    space.day_pass_price = 12
    space.save_revision().publish()
    html = client.get(space.url).content.decode()
    for text in ["Cowo360", "Coworking near the Colosseum", "Via dei Fori Imperiali 1",
                 "Mon-Fri 9:00-19:00<br>Sat 10:00-13:00", "https://cowo360.example.org",
                 "mailto:ciao@cowo360.example.org", "40", "Coworking", "Upcoming events",
                 "Day pass", "12 credits per day", "openstreetmap.org/?mlat=41.890200"]:
        assert text in html, text


def test_a_far_away_space_is_listed_under_the_map_not_drawn(network, site_tree):
    far = make_space(site_tree.spaces, "Cambridge Innovation Center", city="Cambridge",
                     region="Massachusetts", country="United States",
                     time_zone="America/New_York", latitude=Decimal("42.3629"),
                     longitude=Decimal("-71.0844"))
    drawn = space_map([network["rome"], network["turin"], network["paris"], far])
    assert [p.space.title for p in drawn.points] == ["Cowo360", "Toolbox", "Mutinerie"]
    assert drawn.elsewhere == [far]


def test_map_labels_never_overlap(network, site_tree):
    close = [make_space(site_tree.spaces, f"Space {n}", city=f"Town number {n}",
                        latitude=Decimal("45.0") + Decimal(n) / 50,
                        longitude=Decimal("7.6") + Decimal(n) / 50) for n in range(8)]
    drawn = space_map(close)
    boxes = []
    for point in drawn.points:
        if point.show_label:
            width = 9.6 * len(point.label) + 4
            left = {"start": point.label_x, "end": point.label_x - width,
                    "middle": point.label_x - width / 2}[point.label_anchor]
            box = (left, point.label_y - 14, left + width, point.label_y + 4)
            assert all(box[2] <= o[0] or o[2] <= box[0] or box[3] <= o[1] or o[3] <= box[1]
                       for o in boxes)
            boxes.append(box)
    assert 1 <= len(boxes) < 8
