"""Pictures of a run for slides: PNG, SVG and PDF of the diagram, and one picture per step.

The same painter as the window draws them (an offscreen SequenceDiagram), so an export looks like
the screen. Every whole-run export draws the whole run, however long: the diagram is painted a
band of rows at a time (a view a band tall, scrolled down the run), so the cost of one band does
not grow with the trace and a caller's progress callback runs between bands -- the window's keeps
its event loop turning and offers Cancel. A PNG is encoded on a worker thread (QImage is safe to
use off the GUI thread; widgets are not), which is where most of a whole-run PNG's time goes.

Exports paint in the LIGHT palette whatever theme the window shows: a picture goes onto paper, into
notes and onto other people's (white) slides, where dark paper looks wrong and wastes toner, and a
high-contrast picture is only needed on a washed-out projector. A caller that wants the window's
look passes ``palette=theme.current()``.
"""

from __future__ import annotations

import datetime
import math
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QMarginsF,
    QPoint,
    QRect,
    QRectF,
    QSize,
    QSizeF,
    Qt,
)
from PySide6.QtGui import (
    QFont,
    QImage,
    QImageWriter,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QResizeEvent,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QWidget

from socketscope.engine.trace import Trace
from socketscope.model import filenames
from socketscope.model.diagram import DiagramLayout
from socketscope.ui import i18n, theme
from socketscope.ui.diagram_view import SequenceDiagram
from socketscope.ui.i18n import QT_TRANSLATE_NOOP, translate

BAND_ROWS = 40  # rows painted per band: ~10-30 ms each, well inside a frame budget of 100 ms
BAND_PIXELS = 1_000_000  # and at most this many device pixels in a PNG's band
# QImage caps each side at 32767 px; a PNG part also stays under ~160 MB of pixels
MAX_PART_PX = 32000
MAX_PART_PIXELS = 30_000_000  # 120 MB a part; two are alive while one is encoded
PNG_QUALITY = 80
Progress = Callable[[int, int], bool]  # (done, total) -> go on?


class ExportCancelled(Exception):
    pass


def layout_of(trace: Trace) -> DiagramLayout:
    lay = DiagramLayout(list(trace.header.get("actors", [])), translate)
    lay.set_network(trace.header)
    lay.extend(trace.events)
    return lay


def title_of(trace: Trace) -> str:
    """The lesson's title in the interface language (English when it has none in that one)."""
    title = trace.header.get("title", {})
    if not isinstance(title, dict):
        return "SocketScope"
    return str(title.get(i18n.current()) or title.get("en") or "SocketScope")


def safe_file_name(name: object, fallback: str = "run") -> str:
    """A file name's stem (no folder, no extension) made from a trace header's scenario id,
    which a hostile trace may set to ``/etc/cron.daily/x`` or ``../../..``: see
    :func:`socketscope.model.filenames.safe_file_name`, the one rule for every dialog."""
    return filenames.safe_file_name(name, "x", fallback)[:-2]


def _view(
    lay: DiagramLayout,
    width: int,
    height: int,
    cursor_seq: int,
    scale: float,
    palette: theme.Palette | None = None,
) -> SequenceDiagram:
    view = SequenceDiagram()
    view.fixed_palette = palette or theme.LIGHT
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setFrameShape(SequenceDiagram.Shape.NoFrame)
    view.animate = False
    view.follow = False
    view.font_scale = scale
    view.resize(width, height)
    # A widget that is never shown gets its resize event only when shown: without it the viewport
    # keeps its default 638x478 and a slide is a crop of the top-left corner.
    QCoreApplication.sendEvent(view, QResizeEvent(QSize(width, height), QSize()))
    view.set_layout(lay)
    view.refresh(cursor_seq)
    view.stop_animations()
    return view


def _full_height(view: SequenceDiagram, rows: int) -> int:
    return int(view.header_h + 16 * view.zoom + (rows + 1.5) * view.row_h)


class _Bands:
    """The run's rows [0, rows) as one tall picture, painted a band of rows at a time.

    Band k is the view scrolled to ``v_k`` = k bands of rows; in the picture it covers
    [v_k + top, v_{k+1} + top), where ``top`` is the header's height (the first band also draws the
    header above it). An item that crosses a band's edge is drawn by both bands, each clipped to
    its own part, so the picture is seamless."""

    def __init__(
        self,
        lay: DiagramLayout,
        width: int,
        cursor_seq: int,
        scale: float,
        palette: theme.Palette | None,
        band_rows: int = BAND_ROWS,
    ) -> None:
        probe = _view(lay, width, 600, cursor_seq, scale, palette)
        self.rows = lay.rows_at(cursor_seq)
        # the rows as drawn: a folded streak's share one, the bands of real packets under a row
        # add theirs (counted as layout rows, a run with packets lost its last rows)
        drawn = math.ceil(probe._disp(self.rows))
        self.height = _full_height(probe, drawn)
        self.row_h = probe.row_h
        self.top = int(probe.header_h) + 2  # below the header's rule
        band_rows = max(1, band_rows)
        view_h = int(self.top + (band_rows + 4) * probe.row_h + 16 * probe.zoom)
        probe.deleteLater()
        self.view = _view(lay, width, view_h, cursor_seq, scale, palette)
        self.width = width
        self.count = max(1, -(-drawn // band_rows))
        self.scrolls = [int(k * band_rows * self.row_h) for k in range(self.count)]

    def band(self, k: int) -> tuple[float, float]:
        """Band k's part of the picture: (y0, y1) in picture coordinates."""
        y0 = 0 if k == 0 else self.scrolls[k] + self.top
        y1 = self.height if k == self.count - 1 else self.scrolls[k + 1] + self.top
        return float(y0), float(y1)

    def paint(self, painter: QPainter, k: int, dy: float = 0.0) -> None:
        """Paint band k, with the picture's origin at (0, -dy) of the painter."""
        v = self.scrolls[k]
        vb = self.view.verticalScrollBar()
        vb.setRange(0, max(vb.maximum(), v))
        vb.setValue(v)
        y0, y1 = self.band(k)
        painter.save()
        painter.translate(0, v - dy)
        painter.setClipRect(QRectF(0, y0 - v, self.width, y1 - y0))
        _paint(self.view, painter)
        painter.restore()

    def close(self) -> None:
        self.view.deleteLater()


def _paint(view: SequenceDiagram, painter: QPainter) -> None:
    # the view's own painting, onto any painter: the export's clip and origin are kept
    view._paint(painter)


def _bands_for(
    bands: _Bands, progress: Progress | None, done: int = 0, total: int | None = None
) -> Iterator[int]:
    total = total if total is not None else bands.count
    for k in range(bands.count):
        if progress is not None and not progress(done + k, total):
            raise ExportCancelled
        yield k


def _write_png(img: QImage, out: Path) -> bool:
    writer = QImageWriter(str(out), QByteArray(b"png"))
    # zlib's fastest levels: twice as fast as the default for a few per cent more bytes
    writer.setQuality(PNG_QUALITY)
    return writer.write(img)


class _Saver:
    """Encodes one PNG on a worker thread: most of a big PNG's time, and QImage (unlike a widget)
    may be used off the GUI thread. The next part is painted meanwhile, on the other core."""

    def __init__(self, img: QImage, out: Path) -> None:
        self.out = out
        self._ok: list[bool] = []
        self._thread = threading.Thread(
            target=lambda: self._ok.append(_write_png(img, out)), name="socketscope-png"
        )
        self._thread.start()

    def wait(self, progress: Progress | None, done: int, total: int) -> None:
        while self._thread.is_alive():
            if progress is not None and not progress(done, total):
                self._thread.join()  # the file is half-written by now: finish, then remove it
                self.out.unlink(missing_ok=True)
                raise ExportCancelled
            self._thread.join(0.03)
        if not self._ok or not self._ok[0]:
            raise OSError(f"{self.out}: could not write the image")


def export_image(
    trace: Trace,
    out: str | Path,
    width: int = 1600,
    scale: float = 1.0,
    pixel_ratio: float = 1.0,
    palette: theme.Palette | None = None,
    progress: Progress | None = None,
) -> int:
    """The whole run as PNG or SVG. Returns the rows drawn (all of them).

    ``pixel_ratio`` 2 paints a PNG at twice the pixels, crisp on a large projected slide. A PNG
    taller than a QImage can be is written in parts: ``out``, then ``NAME-2.png``, ``NAME-3.png``…
    (see ``image_parts``)."""
    lay = layout_of(trace)
    last = trace.events[-1].seq if trace.events else 0
    out = Path(out)
    svg = out.suffix.lower() == ".svg"
    band_rows = BAND_ROWS
    if not svg:
        # a band's cost is its pixels: a few million device pixels each at any scale and ratio
        row_px = width * pixel_ratio * pixel_ratio * 46 * scale
        band_rows = max(1, min(BAND_ROWS, int(BAND_PIXELS / row_px)))
    bands = _Bands(lay, width, last, scale, palette, band_rows)
    try:
        if svg:
            _export_svg(bands, out, title_of(trace), progress)
        else:
            _export_png(bands, out, pixel_ratio, palette, progress)
    finally:
        bands.close()
    return bands.rows


def image_parts(out: str | Path, parts: int) -> list[Path]:
    out = Path(out)
    return [out] + [out.with_name(f"{out.stem}-{i}{out.suffix}") for i in range(2, parts + 1)]


def written_parts(out: str | Path) -> list[Path]:
    """The files a PNG export wrote: ``out`` and its numbered parts, if any."""
    parts = [Path(out)]
    while (nxt := image_parts(out, len(parts) + 1)[-1]).exists():
        parts.append(nxt)
    return parts


def _export_png(
    bands: _Bands,
    out: Path,
    pixel_ratio: float,
    palette: theme.Palette | None,
    progress: Progress | None,
) -> None:
    width, height = bands.width, bands.height
    ratio = pixel_ratio
    part_px = min(MAX_PART_PX, MAX_PART_PIXELS / (width * ratio))
    part_h = max(int(bands.row_h * 4), min(int(part_px / ratio), height))
    n_parts = -(-height // part_h)
    paths = image_parts(out, n_parts)
    total = bands.count + n_parts
    k_next = 0
    saver: _Saver | None = None
    try:
        for part, path in enumerate(paths):
            y0, y1 = part * part_h, min(height, (part + 1) * part_h)
            size = QSize(round(width * ratio), round((y1 - y0) * ratio))
            img = QImage(size, QImage.Format.Format_RGB32)
            img.setDevicePixelRatio(ratio)
            # no fill: every band paints its own paper, and filling a big image at once is a
            # pause of its own (0.3 s for a lecture-scale udp-loss)
            painter = QPainter(img)
            try:
                for k in range(bands.count):
                    b0, b1 = bands.band(k)
                    if b1 <= y0 or b0 >= y1:
                        continue
                    if k >= k_next:
                        k_next = k + 1
                        if progress is not None and not progress(k + part, total):
                            raise ExportCancelled
                    bands.paint(painter, k, dy=y0)
            finally:
                painter.end()
            if saver is not None:
                saver.wait(progress, bands.count + part, total)
            saver = _Saver(img, path)
        assert saver is not None
        saver.wait(progress, total - 1, total)
        saver = None
    finally:
        if saver is not None:
            saver.wait(None, 0, 0)  # cancelled or failed: let the writer finish before leaving


_SVG_BODY = re.compile(rb"</defs>(.*)</svg>\s*$", re.S)


def _export_svg(bands: _Bands, out: Path, title: str, progress: Progress | None) -> None:
    """QSvgGenerator ignores clipping, so each band is drawn into its own SVG and the bands are
    put together here, each in a group clipped to its part of the picture."""
    width, height = bands.width, bands.height
    esc = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    with out.open("wb") as f:
        f.write(
            b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            + f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'version="1.2" baseProfile="tiny">\n<title>{esc}</title>\n'.encode()
        )
        for k in _bands_for(bands, progress):
            y0, y1 = bands.band(k)
            buf = QBuffer()
            buf.open(QBuffer.OpenModeFlag.WriteOnly)
            gen = QSvgGenerator()
            gen.setOutputDevice(buf)
            gen.setSize(QSize(width, height))
            gen.setViewBox(QRectF(0, 0, width, height))
            painter = QPainter(gen)
            try:
                bands.paint(painter, k)
            finally:
                painter.end()
            body = _SVG_BODY.search(bytes(buf.data().data()))
            f.write(
                f'<clipPath id="band{k}"><rect x="0" y="{y0:g}" width="{width}" '
                f'height="{y1 - y0:g}"/></clipPath>\n<g clip-path="url(#band{k})">\n'.encode()
            )
            f.write(body.group(1) if body else b"")
            f.write(b"</g>\n")
        f.write(b"</svg>\n")


def export_pdf(
    trace: Trace,
    out: str | Path,
    width: int = 1600,
    rows_per_page: int | None = None,
    progress: Progress | None = None,
    scale: float = 1.0,
    palette: theme.Palette | None = None,
    date: datetime.date | None = None,
) -> int:
    """The whole run as a PDF on A4, scaled to the page's width: landscape when the picture is
    wider than tall, one page if it fits, else as many pages as it needs, each with the lanes'
    names on top. Every page is titled with the lesson's title and the date. Returns the pages.

    ``rows_per_page`` forces that many rows on a page (scaled to fit)."""
    lay = layout_of(trace)
    last = trace.events[-1].seq if trace.events else 0
    title = title_of(trace)
    when = (date or datetime.date.today()).isoformat()
    probe = _view(lay, width, 600, last, scale, palette)
    # the rows as drawn (see _Bands); the last page's room below its rows holds a fraction
    rows = max(1, math.floor(probe._disp(lay.rows_at(last))))
    full_h = _full_height(probe, rows)
    top = int(probe.header_h) + 2
    row_h, pad = probe.row_h, 16 * probe.zoom
    probe.deleteLater()

    writer = QPdfWriter(str(out))
    writer.setResolution(300)
    landscape = width > full_h
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait,
            QMarginsF(12, 12, 12, 12),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle(title)
    writer.setCreator("SocketScope")
    page = writer.pageLayout().paintRectPixels(writer.resolution())
    title_font = QFont()
    title_font.setPixelSize(max(8, round(page.height() * 0.022)))
    title_h = title_font.pixelSize() * 2.2
    s = page.width() / width  # page pixels per picture pixel
    avail = (page.height() - title_h) / s  # picture pixels a page holds
    if rows_per_page is None and full_h <= avail / 0.8:
        # a little too tall for the page's width: shrink it to one page rather than split it
        s = min(s, (page.height() - title_h) / full_h)
        per_page = rows
    elif rows_per_page is None:
        per_page = max(1, int((avail - top - pad - row_h) / row_h))
    else:
        per_page = max(1, rows_per_page)
        s = min(s, (page.height() - title_h) / (top + pad + (per_page + 1.5) * row_h))
    pages = max(1, -(-rows // per_page))
    view_h = int(top + pad + (per_page + 3) * row_h)
    view = _view(lay, width, view_h, last, scale, palette)
    vb = view.verticalScrollBar()
    painter = QPainter(writer)
    try:
        for n in range(pages):
            if progress is not None and not progress(n, pages):
                raise ExportCancelled
            if n:
                writer.newPage()
            painter.setFont(title_font)
            painter.setPen(Qt.GlobalColor.black)
            painter.drawText(
                QRectF(0, 0, page.width(), title_h * 0.8),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                title,
            )
            right = when if pages == 1 else f"{when}   {n + 1}/{pages}"
            painter.drawText(
                QRectF(0, 0, page.width(), title_h * 0.8),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                right,
            )
            v = int(n * per_page * row_h)
            vb.setRange(0, max(vb.maximum(), v))
            vb.setValue(v)
            shown = min(per_page, rows - n * per_page)
            last_page = n == pages - 1
            h = top + pad + (shown + (1.5 if last_page else 0.0)) * row_h
            painter.save()
            painter.translate(0, title_h)
            painter.scale(s, s)
            painter.setClipRect(QRectF(0, 0, width, h))
            _paint(view, painter)
            painter.restore()
    finally:
        painter.end()
        view.deleteLater()
    return pages


def export_slides(
    trace: Trace,
    out: str | Path,
    size: QSize | None = None,
    progress: Progress | None = None,
    scale: float = 1.0,
    palette: theme.Palette | None = None,
) -> int:
    """One picture per step, as the window shows it -- every lane, the rows up to that step,
    scrolled to the newest row: PNGs in a folder, or one page each in a PDF."""
    size = size or QSize(1920, 1080)
    lay = layout_of(trace)
    starts = list(lay.row_seqs)
    last = trace.events[-1].seq if trace.events else 0
    cursors = [nxt - 1 for nxt in starts[1:]] + [last]
    out = Path(out)
    pdf = out.suffix.lower() == ".pdf"
    writer: QPdfWriter | None = None
    painter: QPainter | None = None
    if pdf:
        writer = QPdfWriter(str(out))
        writer.setPageSize(
            QPageSize(QSizeF(size.width() * 0.75, size.height() * 0.75), QPageSize.Unit.Point)
        )
        writer.setPageMargins(QMarginsF(0, 0, 0, 0))
        writer.setTitle(title_of(trace))
        painter = QPainter(writer)
    else:
        out.mkdir(parents=True, exist_ok=True)
    view = _view(lay, size.width(), size.height(), 0, scale, palette)
    try:
        for i, cursor in enumerate(cursors):
            if progress is not None and not progress(i, len(cursors)):
                raise ExportCancelled
            view.jump(cursor)
            view.scroll_to_end()
            if pdf:
                assert writer is not None and painter is not None
                if i:
                    writer.newPage()
                page = writer.pageLayout().paintRectPixels(writer.resolution())
                painter.save()
                s = min(page.width() / size.width(), page.height() / size.height())
                painter.scale(s, s)
                painter.setClipRect(QRectF(0, 0, size.width(), size.height()))
                _paint(view, painter)
                painter.restore()
            else:
                img = QImage(size, QImage.Format.Format_ARGB32)
                img.fill(view.colors().paper)
                p = QPainter(img)
                try:
                    _paint(view, p)
                finally:
                    p.end()
                if not img.save(str(out / f"step-{i + 1:03d}.png")):
                    raise OSError(f"{out}: could not write the slides")
    finally:
        if painter is not None:
            painter.end()
        view.deleteLater()
    return len(cursors)


def export_visible(
    view: SequenceDiagram,
    out: str | Path,
    pixel_ratio: float = 2.0,
    palette: theme.Palette | None = None,
) -> QSize:
    """What the diagram shows now -- its scroll position, zoom, presenter scale and cursor -- as
    PNG (at ``pixel_ratio`` times the screen's pixels), SVG or PDF. Returns the size in points.
    In the LIGHT palette unless ``palette`` says otherwise (see the module's note)."""
    kept = view.fixed_palette
    view.fixed_palette = palette or theme.LIGHT
    try:
        return _export_visible(view, Path(out), pixel_ratio)
    finally:
        view.fixed_palette = kept


def _export_visible(view: SequenceDiagram, out: Path, pixel_ratio: float) -> QSize:
    viewport = view.viewport()
    size = viewport.size()
    suffix = out.suffix.lower()
    if suffix == ".svg":
        gen = QSvgGenerator()
        gen.setFileName(str(out))
        gen.setSize(size)
        gen.setViewBox(QRect(QPoint(0, 0), size))
        painter = QPainter(gen)
        try:
            viewport.render(painter, QPoint(0, 0))
        finally:
            painter.end()
    elif suffix == ".pdf":
        writer = QPdfWriter(str(out))
        writer.setPageSize(
            QPageSize(QSizeF(size.width() * 0.75, size.height() * 0.75), QPageSize.Unit.Point)
        )
        writer.setPageMargins(QMarginsF(0, 0, 0, 0))
        painter = QPainter(writer)
        try:
            page = writer.pageLayout().paintRectPixels(writer.resolution())
            s = min(page.width() / size.width(), page.height() / size.height())
            painter.scale(s, s)
            viewport.render(painter, QPoint(0, 0))
        finally:
            painter.end()
    else:
        img = QImage(size * pixel_ratio, QImage.Format.Format_ARGB32)
        img.setDevicePixelRatio(pixel_ratio)
        img.fill(view.colors().paper)
        viewport.render(img)
        if not img.save(str(out)):
            raise OSError(f"{out}: could not write the image")
    return size


# --- file dialogs --------------------------------------------------------------------------------

# Qt 6.11's QFileDialog labels these "&Look in:" and "Files of &type:", but the qtbase_ko.qm that
# PySide6 ships still has only the older "Look in:" and "Files of type:": the two stay English in
# a Korean window unless a catalogue carries them. Ours does (it is installed after qtbase's).
_QT_STRINGS = (
    QT_TRANSLATE_NOOP("QFileDialog", "&Look in:"),
    QT_TRANSLATE_NOOP("QFileDialog", "Files of &type:"),
)

EXTENSIONS = {"mermaid": "mmd", "plantuml": "puml"}


def extension(fmt: str) -> str:
    """The file extension of an export format ("visible-png" -> "png", "mermaid" -> "mmd")."""
    return EXTENSIONS.get(fmt, fmt.removeprefix("visible-"))


def name_filter(ext: str) -> str:
    filters = {
        "png": translate("Export", "PNG image (*.png)"),
        "svg": translate("Export", "SVG picture (*.svg)"),
        "pdf": translate("Export", "PDF document (*.pdf)"),
        "mmd": translate("Export", "Mermaid text (*.mmd)"),
        "puml": translate("Export", "PlantUML text (*.puml)"),
        "jsonl": translate("Export", "SocketScope trace (*.jsonl)"),
        "pcapng": translate("Export", "Packets for Wireshark (*.pcapng)"),
    }
    return filters.get(ext, f"*.{ext}")


def start_folder(last: object) -> str:
    """The folder a save dialog opens in: the last one used, while it still exists, else home."""
    folder = Path(str(last)) if last else None
    if folder is not None and folder.is_absolute() and folder.is_dir():
        return str(folder)
    return str(Path.home())


def file_dialog(
    parent: QWidget | None, title: str, folder: str, name: str, ext: str | None
) -> QFileDialog:
    """A save dialog (or, with ``ext`` None, a folder chooser) opening in ``folder`` with ``name``
    filled in and only ``ext`` files listed. Qt's own dialog, so its labels follow the
    interface language (the platform's may not be in Korean) and tests can drive it."""
    dialog = QFileDialog(parent, title, folder)
    dialog.setObjectName("exportDialog")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    if ext is None:
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    else:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setNameFilter(name_filter(ext))
        dialog.setDefaultSuffix(ext)
        dialog.selectFile(name)
    return dialog
