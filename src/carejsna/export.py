"""A chart as print wants it (title, subtitle, source, symbols; 16 cm at 300 dpi) and its PNG and
SVG, drawn by kaleido in one chromium kept for the whole process."""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import struct
import textwrap
import threading
import zlib
from collections.abc import Callable
from concurrent.futures import Future
from html import escape

import plotly.graph_objects as go

from carejsna import charts, disclosure
from carejsna.block import Block

WIDTH_PX = 630  # CSS pixels for 16 cm: three times that is 1,890 px, 300 dpi at 16 cm
LABEL_CHARS = 32  # a bar's name wrapped to lines of at most this many characters
SCALE = 3
DPI = 300
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
NO_BROWSER = (
    "Charts cannot be saved as PNG or SVG here: no chromium browser was found{where}. Install "
    "Debian's chromium (`apt-get install chromium`) or set BROWSER_PATH to a Chrome or Chromium "
    "binary. Tables and CSV files do not need one and still work."
)


class NoBrowser(RuntimeError):
    """No chromium for kaleido to draw with."""


def browser() -> str:
    """The chromium kaleido will use: $BROWSER_PATH if set (and there), else one on the PATH."""
    given = os.environ.get("BROWSER_PATH")
    if given:
        if os.path.isfile(given) and os.access(given, os.X_OK):
            return given
        raise NoBrowser(NO_BROWSER.format(where=f" at BROWSER_PATH={given}"))
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise NoBrowser(NO_BROWSER.format(where=" on the PATH"))


_lock = threading.Lock()
_server: list[_Server] = []  # the one kaleido of this process
TABS = 2  # pictures drawn side by side (a second tab opens once a batch is worth it)
RELOAD_EVERY = 40  # kaleido reloads a tab (plotly.js again) after every picture: here every 40th


class _Server:
    """One kaleido (one chromium) on its own event loop in a thread: any thread (a Streamlit
    session, the chapter builder) hands it pictures; several at once share its tabs."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="kaleido")
        self.thread.start()
        self.tabs = 1
        try:
            self.kaleido = self.run(self._open())
        except BaseException:
            self._end_loop()
            raise

    async def _open(self):
        import kaleido

        class Kaleido(kaleido.Kaleido):
            drawn = 0

            async def _return_kaleido_tab(self, tab) -> None:
                # Plotly.toImage draws in a fresh element and purges it, so a tab need not
                # reload its page (about 0.25 s, more than a picture) after every picture.
                self.drawn += 1
                if self.drawn % RELOAD_EVERY == 0:
                    await tab.reload()
                await self.tabs_ready.put(tab)

        # MathJax off: its default loads from the internet.
        k = Kaleido(n=1, path=self.path, mathjax=False)
        await k.open()
        return k

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def draw(self, jobs: list[tuple[go.Figure, str, int]]) -> Future[list[bytes]]:
        """The pictures (figure, format, height in CSS pixels), drawn side by side; the caller
        may go on with other work until it wants them (`.result()`)."""

        async def draw():
            if len(jobs) > 2 and self.tabs < TABS:
                # A second tab takes a few seconds to open: draw on the first meanwhile.
                self.tabs += 1
                self.opening = self.loop.create_task(self.kaleido._create_kaleido_tab())
            return await asyncio.gather(
                *(
                    self.kaleido.calc_fig(
                        figure, opts=dict(format=fmt, width=WIDTH_PX, height=height, scale=SCALE)
                    )
                    for figure, fmt, height in jobs
                )
            )

        return asyncio.run_coroutine_threadsafe(draw(), self.loop)

    def close(self) -> None:
        try:
            self.run(self.kaleido.close())
        finally:
            self._end_loop()

    def _end_loop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


def _draw(jobs: list[tuple[go.Figure, str, int]]) -> Future[list[bytes]]:
    """Pictures from the one kaleido of this process (started on first use). A missing browser
    is found first: a kaleido without one waits for ever."""
    path = browser()
    with _lock:
        if _server and _server[0].path != path:
            _server.pop().close()
        if not _server:
            _server.append(_Server(path))
            atexit.register(stop)
        server = _server[0]
    return server.draw(jobs)


def stop() -> None:
    """Close this process's kaleido browser (the command line, before it exits)."""
    with _lock:
        if _server:
            _server.pop().close()


def print_figure(shown: Block, context) -> tuple[go.Figure, int]:
    """The chart on screen with what a printed page needs: its title and a subtitle (areas, ages,
    period, confidence level, comparator) above; below, its notes, the disclosure symbols it
    uses, the data's years and source (saying when the data is synthetic). Returns the figure
    and its height in CSS pixels."""
    notes = shown.notes[:1] + ([shown.cited] if shown.cited else [])  # verdict, England's source
    return decorated(shown.figure, shown.item.title, shown.subtitle, notes, shown.symbols, context)


def decorated(
    figure: go.Figure, title: str, subtitle: str, notes: list[str], symbols: list[str], context
) -> tuple[go.Figure, int]:
    """Any chart dressed for print as print_figure says."""
    spec = figure.to_plotly_json()
    layout = dict(spec["layout"])
    annotations = list(layout.get("annotations", []))
    footer = annotations.pop(0) if annotations else {}
    src = context.source_note.replace("`", "")
    # The footer's lines were wrapped for the screen: join them back, then wrap for 16 cm.
    text = charts.one_line(str(footer.get("text", ""))).replace(src, "").strip()
    text = " ".join([text, *notes]).strip()
    symbols = [disclosure.FOOTNOTES[s] for s in symbols if s in disclosure.FOOTNOTES]
    years = context.years
    lines = textwrap.wrap(text, 100) if text else []
    for note in symbols:
        if note not in text:  # a sentence, not run into the source's line after it
            lines += textwrap.wrap(f"{note}.", 100)
    # the returns' years, not the chart's ("Years ending 31 March 2015 to 2024" under a
    # chart of 2024 alone had read as its own): its subtitle gives those
    held = f"The returns held: years ending 31 March {years[0]} to {years[-1]}."
    lines += textwrap.wrap(f"{src} {held}", 100)
    footer = {**footer, "text": "<br>".join(escape(line, quote=False) for line in lines)}
    footer["font"] = dict(size=10, color="#505A5F")
    # The key's names were wrapped for a phone's stacked key: each on one line again in print
    data = [
        {**t, "name": charts.one_line(t["name"])} if isinstance(t.get("name"), str) else t
        for t in spec["data"]
    ]
    bars = any(trace.get("type") == "bar" for trace in data)
    axis = dict(layout.get("yaxis", {}), automargin=False)
    across = dict(layout.get("xaxis", {}))  # its title on one line: the picture is wide enough
    if (across.get("title") or {}).get("text"):
        across["title"] = {**across["title"], "text": charts.one_line(across["title"]["text"])}
    label_lines = []
    if bars:  # a long name on lines of its own, its bar's full width left (16 cm is narrow)
        names = {str(y) for trace in data for y in (trace.get("y") or [])}
        wrapped = {  # (the screen's lines joined again first)
            name: textwrap.wrap(charts.one_line(name), LABEL_CHARS) or [name] for name in names
        }
        label_lines = [line for parts in wrapped.values() for line in parts]
        as_drawn = {name: "<br>".join(parts) for name, parts in wrapped.items()}
        data = [
            {**t, "y": [as_drawn[str(y)] for y in t["y"]]} if t.get("y") is not None else t
            for t in data
        ]
        if "categoryarray" in axis:
            axis["categoryarray"] = [as_drawn.get(str(y), y) for y in axis["categoryarray"]]
    # Fixed margins (not automargin), so the footer can start at the picture's left edge.
    left = charts.label_width(label_lines) + 10 if bars else 70
    right = 60
    width = WIDTH_PX - left - right
    footer.update(x=-left / width + 0.01, xshift=0, yshift=-62)  # (not the screen's shift)
    sub = textwrap.wrap(subtitle, 95)
    entries = [t for t in data if t.get("showlegend", True) and t.get("name")]
    shows = layout.get("showlegend", True) is not False and len(entries) > 1
    rows = -(-sum(len(t["name"]) * 7 + 50 for t in entries) // width) if shows else 0
    top = 40 + 17 * len(sub) + 26 * rows + 10
    bottom = 74 + 13 * len(lines)
    plot = max(int(layout.get("height") or 450) - 140, 300)
    height = plot + top + bottom
    layout.update(
        title=dict(
            text=f"<b>{escape(title)}</b><br><span style='font-size:12px'>"
            + "<br>".join(escape(x) for x in sub)
            + "</span>",
            x=0.01, xref="container", xanchor="left",
            y=1, yref="container", yanchor="top", pad=dict(t=12),
            font=dict(size=16),
        ),
        annotations=[footer, *annotations],
        margin=dict(l=left, r=right, t=top, b=bottom),
        legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0, font=dict(size=11)),
        width=WIDTH_PX, height=height, xaxis=across, yaxis=axis,
        font=dict(layout.get("font", {}), size=12),
    )  # fmt: skip
    figure = go.Figure({"data": data, "layout": layout}, _validate=False)
    return figure, height


def png(shown: Block, context) -> bytes:
    """The print picture as a PNG: 1,890 px wide, marked 300 dpi (16 cm)."""
    figure, height = print_figure(shown, context)
    return _png(_draw([(figure, "png", height)]).result()[0])


def svg(shown: Block, context) -> bytes:
    """The print picture as an SVG, with its title and alt text as the SVG's own title and
    description (read by screen readers)."""
    figure, height = print_figure(shown, context)
    return _svg(shown, _draw([(figure, "svg", height)]).result()[0])


def images(shown: list[Block], context) -> Callable[[], list[tuple[bytes, bytes]]]:
    """Each chart's print PNG and SVG, all drawn in one go (a chapter's pictures). They are
    drawn while the caller goes on: call what this returns to wait for them."""
    jobs = []
    for one in shown:
        figure, height = print_figure(one, context)
        jobs += [(figure, "png", height), (figure, "svg", height)]
    pending = _draw(jobs) if jobs else None

    def result() -> list[tuple[bytes, bytes]]:
        drawn = pending.result() if pending else []
        return [(_png(drawn[2 * i]), _svg(one, drawn[2 * i + 1])) for i, one in enumerate(shown)]

    return result


def pictures(figure: go.Figure, height: int, title: str, alt: str) -> Callable[[], tuple]:
    """A print figure (decorated) as PNG and SVG, described as an indicator's chart is; drawn
    while the caller goes on: call what this returns to wait for them."""
    drawn = _draw([(figure, "png", height), (figure, "svg", height)])
    return lambda: (_png(drawn.result()[0]), _described(title, alt, drawn.result()[1]))


def _png(image: bytes) -> bytes:
    return with_dpi(image, DPI)


def _svg(shown: Block, image: bytes) -> bytes:
    return _described(shown.title, shown.alt, image)


def _described(title: str, alt: str, image: bytes) -> bytes:
    text = image.decode()
    head = text.index(">", text.index("<svg")) + 1
    described = f"<title>{escape(title)}</title><desc>{escape(alt)}</desc>"
    return (text[:head] + described + text[head:]).encode()


def with_dpi(image: bytes, dpi: int) -> bytes:
    """A PNG with its resolution said (a pHYs chunk): word processors then size it in print."""
    per_metre = round(dpi / 0.0254)
    body = b"pHYs" + struct.pack(">IIB", per_metre, per_metre, 1)
    chunk = struct.pack(">I", 9) + body + struct.pack(">I", zlib.crc32(body))
    end = 8 + 8 + 13 + 4  # signature, IHDR's length and type, its data, its CRC
    rest = _without_chunk(image[end:], b"pHYs")
    return image[:end] + chunk + rest


def _without_chunk(chunks: bytes, kind: bytes) -> bytes:
    out, at = [], 0
    while at < len(chunks):
        (length,) = struct.unpack(">I", chunks[at : at + 4])
        size = 12 + length
        if chunks[at + 4 : at + 8] != kind:
            out.append(chunks[at : at + size])
        at += size
    return b"".join(out)


def png_size(image: bytes) -> tuple[int, int, float]:
    """Width and height in pixels, and dots per inch (0 where not said), of a PNG."""
    width, height = struct.unpack(">II", image[16:24])
    at, dpi = 8, 0.0
    while at < len(image):
        (length,) = struct.unpack(">I", image[at : at + 4])
        if image[at + 4 : at + 8] == b"pHYs":
            x, _, unit = struct.unpack(">IIB", image[at + 8 : at + 17])
            dpi = x * 0.0254 if unit == 1 else 0.0
            break
        at += 12 + length
    return width, height, dpi
