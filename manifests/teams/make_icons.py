"""Draw the two Teams app icons, ``color.png`` and ``outline.png``, beside this script.

Teams wants a 192×192 full-colour icon and a 32×32 outline icon that is white on a fully transparent
background. Both show the same picture: two overlapping speech bubbles, the front one with three dots
(a conversation, 1:1 sparring). Only the standard library is used (``zlib`` and ``struct``), so the icons can
be redrawn on any machine:

    python manifests/teams/make_icons.py

The colour icon is drawn from shapes and anti-aliased; the outline icon is drawn by hand, pixel by pixel
(:data:`OUTLINE`). The output is deterministic: running the script again writes the same bytes. Commit the
PNG files; the package builder (``bot/teams/manifest.py``) only copies them.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

Pixel = tuple[int, int, int, int]  # red, green, blue, alpha (0-255)
Painter = Callable[[float, float], Pixel]

HERE = Path(__file__).resolve().parent

BRAND_BLUE: Pixel = (0x1F, 0x4E, 0x79, 255)  # also the manifest's accentColor
LIGHT_BLUE: Pixel = (0x9D, 0xC3, 0xE6, 255)
WHITE: Pixel = (255, 255, 255, 255)
CLEAR: Pixel = (0, 0, 0, 0)

SUPERSAMPLING = 4  # samples per pixel along each axis

# The colour icon's picture in unit coordinates (0..1, y pointing down). A gap in the background colour
# around the front bubble keeps the two bubbles apart.
BACK_BUBBLE = (0.14, 0.18, 0.66, 0.55, 0.10)  # left, top, right, bottom, corner radius
BACK_TAIL = ((0.22, 0.53), (0.38, 0.53), (0.18, 0.70))
FRONT_BUBBLE = (0.36, 0.43, 0.88, 0.78, 0.10)
FRONT_TAIL = ((0.64, 0.76), (0.80, 0.76), (0.84, 0.92))
GAP = 0.05
DOTS = ((0.50, 0.605), (0.62, 0.605), (0.74, 0.605))
DOT_RADIUS = 0.042

# The outline icon is drawn by hand: at 32×32 a rasterised curve comes out ragged, and the outline icon may
# only hold opaque white and fully transparent pixels, so it cannot be anti-aliased. Same picture, 1 px gap.
OUTLINE = """\
................................
................................
................................
................................
.....#############..............
....###############.............
...#################............
...#################............
...#################............
...#################............
...#################............
...########.....................
...########...############......
...########..##############.....
....#######.################....
.....######.################....
.....###....################....
.....##.....###..##..##..###....
.....#......###..##..##..###....
............################....
............################....
............################....
.............##############.....
..............############......
.....................####.......
......................###.......
.......................##.......
........................#.......
................................
................................
................................
................................
"""


def _in_rounded_rect(x: float, y: float, rect: tuple[float, float, float, float, float], grow: float) -> bool:
    left, top, right, bottom, radius = rect
    left, top, right, bottom, radius = left - grow, top - grow, right + grow, bottom + grow, radius + grow
    if not (left <= x <= right and top <= y <= bottom):
        return False
    nearest_x = min(max(x, left + radius), right - radius)
    nearest_y = min(max(y, top + radius), bottom - radius)
    return (x - nearest_x) ** 2 + (y - nearest_y) ** 2 <= radius**2


def _in_triangle(x: float, y: float, corners: Sequence[tuple[float, float]]) -> bool:
    (ax, ay), (bx, by), (cx, cy) = corners
    first = (bx - ax) * (y - ay) - (by - ay) * (x - ax)
    second = (cx - bx) * (y - by) - (cy - by) * (x - bx)
    third = (ax - cx) * (y - cy) - (ay - cy) * (x - cx)
    return (first >= 0 and second >= 0 and third >= 0) or (first <= 0 and second <= 0 and third <= 0)


def _distance_to_triangle_at_most(
    x: float, y: float, corners: Sequence[tuple[float, float]], limit: float
) -> bool:
    if _in_triangle(x, y, corners):
        return True
    for index in range(3):
        (ax, ay), (bx, by) = corners[index], corners[(index + 1) % 3]
        length = (bx - ax) ** 2 + (by - ay) ** 2
        share = max(0.0, min(1.0, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / length))
        if (x - ax - share * (bx - ax)) ** 2 + (y - ay - share * (by - ay)) ** 2 <= limit**2:
            return True
    return False


def _in_front_bubble(x: float, y: float, grow: float = 0.0) -> bool:
    return _in_rounded_rect(x, y, FRONT_BUBBLE, grow) or _distance_to_triangle_at_most(x, y, FRONT_TAIL, grow)


def _in_back_bubble(x: float, y: float) -> bool:
    return _in_rounded_rect(x, y, BACK_BUBBLE, 0.0) or _in_triangle(x, y, BACK_TAIL)


def _in_dot(x: float, y: float) -> bool:
    return any((x - dx) ** 2 + (y - dy) ** 2 <= DOT_RADIUS**2 for dx, dy in DOTS)


def paint_color(x: float, y: float) -> Pixel:
    """The full-colour icon: light and white bubbles on the brand blue, drawn a little inside the edges."""
    # Teams shows the colour icon with rounded corners and wants the symbol inside the middle 120×120 px.
    x, y = 0.5 + (x - 0.5) / 0.85, 0.5 + (y - 0.5) / 0.85
    if _in_front_bubble(x, y):
        return BRAND_BLUE if _in_dot(x, y) else WHITE
    if _in_front_bubble(x, y, GAP) or not _in_back_bubble(x, y):
        return BRAND_BLUE
    return LIGHT_BLUE


def render(size: int, paint: Painter) -> list[list[Pixel]]:
    """Rasterise ``paint`` at ``size``×``size``, averaging a grid of samples in every pixel (anti-aliasing)."""
    step = 1.0 / (size * SUPERSAMPLING)
    rows: list[list[Pixel]] = []
    for row in range(size):
        pixels: list[Pixel] = []
        for column in range(size):
            samples = [
                paint((column * SUPERSAMPLING + i + 0.5) * step, (row * SUPERSAMPLING + j + 0.5) * step)
                for j in range(SUPERSAMPLING)
                for i in range(SUPERSAMPLING)
            ]
            red, green, blue, alpha = (
                round(sum(channel) / len(samples)) for channel in zip(*samples, strict=True)
            )
            pixels.append((red, green, blue, alpha))
        rows.append(pixels)
    return rows


def outline_pixels() -> list[list[Pixel]]:
    """The outline icon from :data:`OUTLINE`: ``#`` is opaque white, everything else fully transparent."""
    return [[WHITE if mark == "#" else CLEAR for mark in line] for line in OUTLINE.splitlines()]


def _paeth(left: int, up: int, up_left: int) -> int:
    estimate = left + up - up_left
    to_left, to_up, to_up_left = abs(estimate - left), abs(estimate - up), abs(estimate - up_left)
    if to_left <= to_up and to_left <= to_up_left:
        return left
    return up if to_up <= to_up_left else up_left


def _filtered(kind: int, row: bytes, previous: bytes, width: int) -> bytes:
    out = bytearray()
    for index, value in enumerate(row):
        left = row[index - width] if index >= width else 0
        up = previous[index]
        up_left = previous[index - width] if index >= width else 0
        predictor = (0, left, up, (left + up) // 2, _paeth(left, up, up_left))[kind]
        out.append((value - predictor) & 0xFF)
    return bytes(out)


def encode_png(rows: list[list[Pixel]], *, alpha: bool) -> bytes:
    """An 8-bit truecolour PNG (RGBA when ``alpha``, else RGB), each row with the filter that packs best."""
    height, width = len(rows), len(rows[0])
    channels = 4 if alpha else 3
    raw = bytearray()
    previous = bytes(width * channels)
    for pixels in rows:
        row = bytes(value for pixel in pixels for value in pixel[:channels])
        # The usual heuristic: the filter whose output, read as signed bytes, sums to the least.
        candidates = [bytes([kind]) + _filtered(kind, row, previous, channels) for kind in range(5)]
        raw += min(candidates, key=lambda line: sum(min(byte, 256 - byte) for byte in line[1:]))
        previous = row
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def main() -> None:
    """Write ``color.png`` (192×192, opaque RGB) and ``outline.png`` (32×32, white on transparent)."""
    color = render(192, paint_color)
    if any(pixel[3] != 255 for row in color for pixel in row):
        raise RuntimeError("the colour icon must be opaque: paint_color returned a transparent pixel")
    (HERE / "color.png").write_bytes(encode_png(color, alpha=False))
    outline = outline_pixels()
    if len(outline) != 32 or any(len(row) != 32 for row in outline):
        raise RuntimeError("the outline icon must be 32×32: fix the OUTLINE drawing")
    (HERE / "outline.png").write_bytes(encode_png(outline, alpha=True))
    print(f"Wrote {HERE / 'color.png'} and {HERE / 'outline.png'}.")


if __name__ == "__main__":
    main()
