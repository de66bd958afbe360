"""The demo's index.html, opened in headless Chromium (Debian's `chromium` package; install it
with `make browser`). Without it the test fails: a report nobody has seen render is not tested.

How, without a browser driver: Chromium's own command line.
- `--dump-dom` prints the DOM after the page has been parsed and laid out: the charts (inline
  SVG) and the per-question table rows must be in it.
- `--screenshot` with `--window-size=1366,900` (a laptop screen) writes a PNG; it is decoded
  here with zlib and struct (no imaging library) and must show the page's own colours: the
  SIMULATED banner, the fine-tuned and base bars of the score chart, and plenty of others.
- Console errors: with `--enable-logging=stderr --v=0` Chromium writes every console message
  of a page to stderr as an `INFO:CONSOLE(...)` line (uncaught exceptions as `"Uncaught ..."`,
  whatever the level, so `ERROR:CONSOLE` is checked too). The page has no scripts, so any such
  line is a failure. A probe page with a deliberate console.error and an uncaught exception
  first proves that this Chromium build reports them that way; otherwise the check would
  pass without checking anything.
- Offline: `--host-resolver-rules` makes every host name unresolvable, and the DOM must hold
  no reference to anything outside the page (no src, href or url()).
- Japanese text is drawn (the report of `--sample ja`; `make browser` installs Debian's
  fonts-noto-cjk): a screenshot of the report differs from one of a copy whose kana and kanji
  are replaced by a character no font draws. With the Japanese fonts hidden from Chromium
  (a fontconfig file without them) the two screenshots are equal, which proves the check sees a
  missing font.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
WINDOW = (1366, 900)
FLAGS = (
    "--headless",
    "--no-sandbox",  # tests may run as root in a container
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr",
    "--v=0",
)
# The page's own colours (lambdas/report/render.py): banner, fine-tuned bars, base bars.
BANNER, FINE_TUNED, BASE = (0xFE, 0xF3, 0xC7), (0x25, 0x63, 0xEB), (0x94, 0xA3, 0xB8)


def _chromium(tmp: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium package)")
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    return subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def _console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`make demo`, written to a temporary folder: its report/ folder."""
    from localrun.__main__ import main

    out = tmp_path_factory.mktemp("demo")
    assert main(["--out", str(out)]) == 0
    yield out / "report"
    shutil.rmtree(out, ignore_errors=True)


class _Dom(HTMLParser):
    """Elements of the rendered DOM with their attributes and the chart they are inside."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str], str | None, str | None]] = []
        self._chart: list[str | None] = []
        self._table: list[str | None] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        chart = self._chart[-1] if self._chart else None
        table = self._table[-1] if self._table else None
        self.elements.append((tag, values, values.get("data-chart", chart) if tag == "svg" else chart, table))
        if tag == "svg":
            self._chart.append(values.get("data-chart"))
        if tag == "table":
            self._table.append(values.get("class"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._chart:
            self._chart.pop()
        if tag == "table" and self._table:
            self._table.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def count(self, tag: str, chart: str | None = None, table: str | None = None, **attrs: str) -> int:
        return sum(
            1
            for name, values, in_chart, in_table in self.elements
            if name == tag
            and (chart is None or in_chart == chart)
            and (table is None or in_table == table)
            and all(values.get(key) == value for key, value in attrs.items())
        )


def _png(path: Path) -> tuple[int, int, list[bytes], int]:
    """(width, height, rows of raw pixels, bytes per pixel) of an 8-bit RGB/RGBA PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, compressed, header = 8, b"", b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        chunk = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            compressed += chunk
        position += 12 + length
    width, height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and color_type in (2, 6) and interlace == 0, (depth, color_type, interlace)
    bpp = 3 if color_type == 2 else 4
    raw, stride = zlib.decompress(compressed), width * bpp
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):  # undo the PNG filters (RFC 2083, 6.3)
            left = line[x - bpp] if x >= bpp else 0
            up, up_left = previous[x], previous[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - up_left
                near = min((abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - up_left), 2, up_left))
                line[x] = (line[x] + near[2]) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows, bpp


def _near(pixel: tuple[int, ...], color: tuple[int, int, int], tolerance: int = 4) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, color, strict=False))


def test_the_probe_page_proves_console_errors_would_be_seen(tmp_path: Path) -> None:
    probe = tmp_path / "probe.html"
    probe.write_text(
        "<!doctype html><p>probe</p><script>console.error('probe-error'); notAFunction();</script>", encoding="utf-8"
    )
    result = _chromium(tmp_path, "--dump-dom", probe.as_uri())
    lines = _console_lines(result.stderr)
    assert any("probe-error" in line for line in lines), result.stderr[-2000:]
    assert any("Uncaught ReferenceError" in line for line in lines), result.stderr[-2000:]


def test_the_demo_report_renders_its_charts_and_table_without_console_errors(demo: Path, tmp_path: Path) -> None:
    page = demo / "index.html"
    results: dict[str, Any] = json.loads((demo / "results.json").read_text(encoding="utf-8"))
    rendered = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert rendered.returncode == 0, rendered.stderr[-2000:]
    assert _console_lines(rendered.stderr) == []

    dom = _Dom()
    dom.feed(rendered.stdout)
    steps = len(results["training"]["trainingLossByStep"])
    assert steps > 0 and results["training"]["validationLossByEpoch"]
    for chart in ("training-loss", "validation-loss", "score-distribution"):
        assert dom.count("svg", chart=chart) == 1, chart
    assert dom.count("polyline", chart="training-loss") == 1
    assert dom.count("circle", chart="training-loss") == steps  # one marker per step
    assert dom.count("polyline", chart="validation-loss") == 2  # validation loss and training epoch means
    assert dom.count("rect", chart="score-distribution", **{"class": "bar"}) == 20  # scores 1..10, two models
    questions = len(results["questions"])
    assert questions == 8 + 20  # the sample's questions and the bundled general ones
    assert dom.count("tr", table="questions") == questions + 1  # the header row and one row per question
    assert sum(1 for tag, values, *_ in dom.elements if tag == "tr" and "data-question" in values) == questions
    assert dom.count("p", **{"class": "banner", "role": "status"}) == 1  # SIMULATED
    assert not {tag for tag, *_ in dom.elements} & {"script", "link", "img", "iframe", "object", "embed"}
    assert not any({"src", "href"} & values.keys() for _, values, *_ in dom.elements)
    assert "url(" not in rendered.stdout
    text = " ".join(dom.text)
    assert "SIMULATED RUN" in text and results["questions"][0]["question"] in text
    # the verdict line at the top, and the paired statistics with their intervals
    assert dom.count("p", id="verdict", role="status") == 1 and results["verdict"] in text
    assert dom.count("tr", table="statistics") == 1 + 4 + 1  # header, four metrics, the pairwise judge
    assert dom.count("td", table="statistics", **{"class": "num ci"}) == 5
    comparison = results["summary"]["comparison"]
    low, high = comparison["judgeScore"]["ci95"]
    assert f"+{low:.2f} to +{high:.2f}" in text
    assert "Position consistency" in text and "General ability" in text
    # worse first: the rows are in order of score difference
    order = [
        int(values["data-question"]) for tag, values, *_ in dom.elements if tag == "tr" and "data-question" in values
    ]
    difference = {row["index"] + 1: row["scoreDifference"] for row in results["questions"]}
    scored = [difference[q] for q in order if difference[q] is not None]
    assert scored == sorted(scored)


def test_the_demo_report_screenshot_shows_the_page(demo: Path, tmp_path: Path) -> None:
    screenshot = tmp_path / "report.png"
    taken = _chromium(
        tmp_path, f"--screenshot={screenshot}", f"--window-size={WINDOW[0]},{WINDOW[1]}", (demo / "index.html").as_uri()
    )
    assert screenshot.exists(), taken.stderr[-2000:]
    assert _console_lines(taken.stderr) == []
    assert screenshot.stat().st_size > 30_000  # a blank page compresses to a few kB

    width, height, rows, bpp = _png(screenshot)
    assert (width, height) == WINDOW
    pixels = Counter(row[x : x + 3] for row in rows[::3] for x in range(0, width * bpp, bpp * 3))
    colors = {tuple(pixel): count for pixel, count in pixels.items()}
    total = sum(colors.values())
    assert len(colors) > 200, len(colors)  # text, cards, charts: many colours
    assert max(colors.values()) / total < 0.9  # not one colour
    assert sum(count for pixel, count in colors.items() if _near(pixel, BANNER)) > 200  # the SIMULATED banner
    assert sum(count for pixel, count in colors.items() if _near(pixel, FINE_TUNED)) > 100  # fine-tuned bars
    assert sum(count for pixel, count in colors.items() if _near(pixel, BASE)) > 100  # base bars


# ---------------------------------------------------------------- a Japanese report

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
TOFU = "\ue000"
"""A private-use character: no font has a glyph for it, so it is drawn as the missing-glyph box."""
BREAK_ANYWHERE = "* { line-break: anywhere; word-break: break-all; }"
TALL_WINDOW = (1366, 6000)
"""Tall enough to hold the whole Japanese report, questions table included."""


@pytest.fixture(scope="module")
def demo_ja(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`make demo ARGS='--sample ja'`, written to a temporary folder: its report/ folder."""
    from localrun.__main__ import main

    out = tmp_path_factory.mktemp("demo-ja")
    assert main(["--sample", "ja", "--out", str(out)]) == 0
    yield out / "report"
    shutil.rmtree(out, ignore_errors=True)


def _scanlines(path: Path) -> list[bytes]:
    """The PNG's filtered scanlines: equal images give equal lists (Chromium encodes deterministically),
    and a line that differs in pixels differs here too. Cheaper than undoing the filters."""
    data = path.read_bytes()
    position, compressed, width, height, bpp = 8, b"", 0, 0, 0
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        chunk = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, _, color_type = struct.unpack(">IIBB", chunk[:10])
            bpp = 3 if color_type == 2 else 4
        elif kind == b"IDAT":
            compressed += chunk
        position += 12 + length
    raw, stride = zlib.decompress(compressed), width * bpp + 1
    return [raw[y * stride : (y + 1) * stride] for y in range(height)]


def _screenshot(tmp: Path, page: Path, name: str, env: dict[str, str] | None = None) -> list[bytes]:
    shot = tmp / f"{name}.png"
    taken = _chromium(
        tmp, f"--screenshot={shot}", f"--window-size={TALL_WINDOW[0]},{TALL_WINDOW[1]}", page.as_uri(), env=env
    )
    assert shot.exists(), taken.stderr[-2000:]
    assert _console_lines(taken.stderr) == []
    return _scanlines(shot)


def _without_cjk_fonts(tmp: Path) -> dict[str, str]:
    """A fontconfig setup with every installed font except those that draw kana or kanji."""
    listed = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True, text=True, check=True)
    cjk = subprocess.run(["fc-list", ":charset=3042 4e00", "file"], capture_output=True, text=True, check=True)
    cjk_files = {line.rstrip(": ") for line in cjk.stdout.splitlines() if line.strip()}
    fonts = tmp / "fonts-without-cjk"
    fonts.mkdir()
    for index, file in enumerate(sorted(set(listed.stdout.split()) - cjk_files)):
        (fonts / f"{index}-{Path(file).name}").symlink_to(file)
    config = tmp / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
        f"<fontconfig><dir>{fonts}</dir><cachedir>{tmp / 'font-cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(config)}


def test_the_japanese_report_draws_its_japanese_text(demo_ja: Path, tmp_path: Path) -> None:
    """The report against a copy whose kana and kanji are all replaced by a character no font
    has: with a Japanese font the two screenshots differ wherever Japanese is written; without
    one both draw the same missing-glyph boxes. The second half proves that on this machine: with
    the Japanese fonts hidden from Chromium, the two screenshots are the same."""
    html = (demo_ja / "index.html").read_text(encoding="utf-8")
    results: dict[str, Any] = json.loads((demo_ja / "results.json").read_text(encoding="utf-8"))
    japanese = [row["question"] for row in results["questions"] if CJK.search(row["question"])]
    assert len(japanese) == 10 and all(question in html for question in japanese)
    # Kanji may break a line anywhere, the private-use character may not: both copies break
    # lines anywhere, so that only the glyphs differ.
    html = html.replace("</head>", f"<style>{BREAK_ANYWHERE}</style></head>", 1)
    page, tofu = demo_ja / "japanese.html", demo_ja / "tofu.html"
    page.write_text(html, encoding="utf-8")
    tofu.write_text(CJK.sub(TOFU, html), encoding="utf-8")

    drawn, boxes = _screenshot(tmp_path, page, "report"), _screenshot(tmp_path, tofu, "tofu")
    assert len(drawn) == len(boxes) == TALL_WINDOW[1]
    differing = sum(a != b for a, b in zip(drawn, boxes, strict=True))
    assert differing > 200, differing  # about 20 px per line of Japanese text, dozens of lines (here ~700)

    hidden = _without_cjk_fonts(tmp_path)
    assert _screenshot(tmp_path, page, "report-no-font", hidden) == _screenshot(tmp_path, tofu, "tofu-no-font", hidden)
