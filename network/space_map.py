"""The spaces directory's small map: spaces placed by latitude/longitude on an inline SVG.

No tiles and no network requests: an equirectangular projection (longitude scaled by the
cosine of the mean latitude, so shapes are not stretched) fitted to the spaces' bounding box,
a faint graticule, and labels placed greedily so they never overlap. A space far from the
rest (Cambridge, Massachusetts, for a mostly Italian network) would squash everyone else into
a corner, so it is listed under the map instead of drawn on it.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

WIDTH, HEIGHT, PAD = 480, 440, 30
MAX_SPREAD_LAT, MAX_SPREAD_LON = 20.0, 30.0  # degrees from the median space
MIN_WINDOW = 1.0  # degrees: a lone space (or one city) is centred, not in a corner
CHAR_WIDTH, LABEL_HEIGHT, RADIUS = 9.6, 18.0, 8.0  # for a 17px label font


@dataclass
class MapPoint:
    space: object
    x: float
    y: float
    label: str = ""
    label_x: float = 0.0
    label_y: float = 0.0
    label_anchor: str = "start"
    show_label: bool = False


@dataclass
class SpaceMap:
    points: list[MapPoint] = field(default_factory=list)
    elsewhere: list = field(default_factory=list)  # located spaces too far away to draw
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT


def _window(low: float, high: float, minimum: float = MIN_WINDOW) -> tuple[float, float]:
    if high - low >= minimum:
        return low, high - low
    middle = (low + high) / 2
    return middle - minimum / 2, minimum


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place_labels(points: list[MapPoint]) -> None:
    taken = [(p.x - RADIUS, p.y - RADIUS, p.x + RADIUS, p.y + RADIUS) for p in points]
    for point in sorted(points, key=lambda p: (p.y, p.x)):
        width = CHAR_WIDTH * len(point.label) + 4
        gap, half = RADIUS + 4, LABEL_HEIGHT / 2
        left, right = point.x - width / 2, point.x + width / 2
        candidates = [  # (box, text x, text baseline y, anchor): right, left, above, below
            ((point.x + gap, point.y - half, point.x + gap + width, point.y + half),
             point.x + gap, point.y + half - 4, "start"),
            ((point.x - gap - width, point.y - half, point.x - gap, point.y + half),
             point.x - gap, point.y + half - 4, "end"),
            ((left, point.y - gap - LABEL_HEIGHT, right, point.y - gap),
             point.x, point.y - gap - 4, "middle"),
            ((left, point.y + gap, right, point.y + gap + LABEL_HEIGHT),
             point.x, point.y + gap + LABEL_HEIGHT - 4, "middle"),
        ]
        for box, text_x, text_y, anchor in candidates:
            inside = box[0] >= 2 and box[1] >= 2 and box[2] <= WIDTH - 2 and box[3] <= HEIGHT - 2
            if inside and not any(_overlaps(box, other) for other in taken):
                taken.append(box)
                point.label_x, point.label_y = round(text_x, 1), round(text_y, 1)
                point.label_anchor, point.show_label = anchor, True
                break


def space_map(spaces, label=lambda space: space.city) -> SpaceMap:
    """Project the located spaces onto a WIDTH x HEIGHT SVG canvas."""
    located = [s for s in spaces if s.latitude is not None and s.longitude is not None]
    if not located:
        return SpaceMap()
    median_lat = statistics.median(float(s.latitude) for s in located)
    median_lon = statistics.median(float(s.longitude) for s in located)
    near = [s for s in located if abs(float(s.latitude) - median_lat) <= MAX_SPREAD_LAT
            and abs(float(s.longitude) - median_lon) <= MAX_SPREAD_LON]
    elsewhere = [s for s in located if s not in near]

    lats = [float(s.latitude) for s in near]
    scale_x = math.cos(math.radians(sum(lats) / len(lats)))
    xs = [float(s.longitude) * scale_x for s in near]
    min_x, span_x = _window(min(xs), max(xs))
    min_y, span_y = _window(min(lats), max(lats))
    max_y = min_y + span_y
    usable_w, usable_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    factor = min(usable_w / span_x, usable_h / span_y)
    offset_x = PAD + (usable_w - span_x * factor) / 2
    offset_y = PAD + (usable_h - span_y * factor) / 2

    points = [MapPoint(space=s, x=round(offset_x + (x - min_x) * factor, 1),
                       y=round(offset_y + (max_y - lat) * factor, 1), label=label(s))
              for s, x, lat in zip(near, xs, lats, strict=True)]
    _place_labels(points)

    # Graticule: a line every 1, 2, 5 or 10 degrees, whichever gives a handful of lines.
    lon_left = (min_x - offset_x / factor) / scale_x
    lon_right = (min_x + (WIDTH - offset_x) / factor) / scale_x
    lat_top = max_y + offset_y / factor
    lat_bottom = max_y - (HEIGHT - offset_y) / factor
    step = next(s for s in (1, 2, 5, 10, 20, 30) if (lon_right - lon_left) / s <= 10)
    lines = []
    for lon in range(math.ceil(lon_left / step) * step, math.floor(lon_right) + 1, step):
        x = round(offset_x + (lon * scale_x - min_x) * factor, 1)
        lines.append((x, 0.0, x, float(HEIGHT)))
    for lat in range(math.ceil(lat_bottom / step) * step, math.floor(lat_top) + 1, step):
        y = round(offset_y + (max_y - lat) * factor, 1)
        lines.append((0.0, y, float(WIDTH), y))
    return SpaceMap(points=points, elsewhere=elsewhere, lines=lines)
