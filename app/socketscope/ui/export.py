"""Pictures of a run for slides: PNG, SVG and PDF of the diagram, and one picture per step.

The same painter as the window draws them (an offscreen SequenceDiagram), so an export looks like
the screen. Long exports report progress through a callback that may cancel them.

Exports paint in the LIGHT palette whatever theme the window shows: a picture goes onto paper, into
notes and onto other people's (white) slides, where dark paper looks wrong and wastes toner, and a
high-contrast picture is only needed on a washed-out projector. A caller that wants the window's
look passes ``palette=theme.current()``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPoint, QRect, QSize, QSizeF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtSvg import QSvgGenerator

from socketscope.engine.trace import Trace
from socketscope.model.diagram import DiagramLayout
from socketscope.ui import theme
from socketscope.ui.diagram_view import SequenceDiagram
from socketscope.ui.i18n import translate

MAX_ROWS_PER_IMAGE = 600  # a PNG or SVG taller than this is unwieldy (and QImage caps at 32767 px)
Progress = Callable[[int, int], bool]  # (done, total) -> go on?


class ExportCancelled(Exception):
    pass


def layout_of(trace: Trace) -> DiagramLayout:
    lay = DiagramLayout(list(trace.header.get("actors", [])), translate)
    lay.extend(trace.events)
    return lay


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
    view.animate = False
    view.follow = False
    view.font_scale = scale
    view.resize(width, height)
    view.set_layout(lay)
    view.refresh(cursor_seq)
    view.stop_animations()
    return view


def _full_height(view: SequenceDiagram, rows: int) -> int:
    return int(view.header_h + 16 * view.zoom + (rows + 1.5) * view.row_h)


def render_rows(
    lay: DiagramLayout,
    target: QImage | QSvgGenerator | QPdfWriter,
    width: int,
    first: int,
    rows: int,
    cursor_seq: int,
    scale: float = 1.0,
    palette: theme.Palette | None = None,
) -> None:
    """Paint rows [first, first + rows) of the diagram onto ``target``."""
    probe = _view(lay, width, 600, cursor_seq, scale, palette)
    height = _full_height(probe, rows)
    probe.deleteLater()
    view = _view(lay, width, height, cursor_seq, scale, palette)
    view.verticalScrollBar().setMaximum(
        max(view.verticalScrollBar().maximum(), int(first * view.row_h))
    )
    view.verticalScrollBar().setValue(int(first * view.row_h))
    painter = QPainter(target)
    try:
        if isinstance(target, QPdfWriter):
            page = target.pageLayout().paintRectPixels(target.resolution())
            s = min(page.width() / width, page.height() / height)
            painter.scale(s, s)
        view.viewport().render(painter, QPoint(0, 0))
    finally:
        painter.end()
    view.deleteLater()


def export_image(
    trace: Trace,
    out: str | Path,
    width: int = 1600,
    scale: float = 1.0,
    pixel_ratio: float = 1.0,
    palette: theme.Palette | None = None,
) -> int:
    """The whole run (up to MAX_ROWS_PER_IMAGE rows) as PNG or SVG. Returns the rows drawn.

    ``pixel_ratio`` 2 paints a PNG at twice the pixels, crisp on a large projected slide."""
    lay = layout_of(trace)
    rows = min(lay.row_count, MAX_ROWS_PER_IMAGE)
    last = trace.events[-1].seq if trace.events else 0
    probe = _view(lay, width, 600, last, scale)
    height = _full_height(probe, rows)
    probe.deleteLater()
    out = Path(out)
    if out.suffix.lower() == ".svg":
        gen = QSvgGenerator()
        gen.setFileName(str(out))
        gen.setSize(QSize(width, height))
        gen.setViewBox(QRect(0, 0, width, height))
        gen.setTitle(str(trace.header.get("title", {}).get("en", "SocketScope")))
        render_rows(lay, gen, width, 0, rows, last, scale, palette)
    else:
        # QImage caps each side at 32767 pixels: a very tall run gets fewer pixels per point
        ratio = max(1.0, min(pixel_ratio, 32000 / height))
        img = QImage(round(width * ratio), round(height * ratio), QImage.Format.Format_ARGB32)
        img.setDevicePixelRatio(ratio)
        img.fill((palette or theme.LIGHT).paper)
        render_rows(lay, img, width, 0, rows, last, scale, palette)
        if not img.save(str(out)):
            raise OSError(f"{out}: could not write the image")
    return rows


def export_pdf(
    trace: Trace,
    out: str | Path,
    width: int = 1600,
    rows_per_page: int = 24,
    progress: Progress | None = None,
    scale: float = 1.0,
    palette: theme.Palette | None = None,
) -> int:
    """The whole run as a PDF, a page per ``rows_per_page`` rows. Returns the page count."""
    lay = layout_of(trace)
    last = trace.events[-1].seq if trace.events else 0
    writer = QPdfWriter(str(out))
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape,
            QMarginsF(10, 10, 10, 10),
        )
    )
    writer.setTitle(str(trace.header.get("title", {}).get("en", "SocketScope")))
    pages = max(1, -(-lay.row_count // rows_per_page))
    probe = _view(lay, width, 600, last, scale, palette)
    height = _full_height(probe, rows_per_page)
    probe.deleteLater()
    painter = QPainter(writer)
    try:
        page_rect = writer.pageLayout().paintRectPixels(writer.resolution())
        s = min(page_rect.width() / width, page_rect.height() / height)
        for page in range(pages):
            if progress is not None and not progress(page, pages):
                raise ExportCancelled
            if page:
                writer.newPage()
            view = _view(lay, width, height, last, scale, palette)
            vb = view.verticalScrollBar()
            vb.setMaximum(max(vb.maximum(), int(page * rows_per_page * view.row_h)))
            vb.setValue(int(page * rows_per_page * view.row_h))
            painter.save()
            painter.scale(s, s)
            view.viewport().render(painter, QPoint(0, 0))
            painter.restore()
            view.deleteLater()
    finally:
        painter.end()
    return pages


def export_slides(
    trace: Trace,
    out: str | Path,
    size: QSize | None = None,
    progress: Progress | None = None,
    scale: float = 1.0,
    palette: theme.Palette | None = None,
) -> int:
    """One picture per step, as the window shows it: PNGs in a folder, or one page each in a PDF."""
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
        painter = QPainter(writer)
    else:
        out.mkdir(parents=True, exist_ok=True)
    try:
        for i, cursor in enumerate(cursors):
            if progress is not None and not progress(i, len(cursors)):
                raise ExportCancelled
            view = _view(lay, size.width(), size.height(), cursor, scale, palette)
            view.follow = True
            view.scroll_to_end()
            if pdf:
                assert writer is not None and painter is not None
                if i:
                    writer.newPage()
                page = writer.pageLayout().paintRectPixels(writer.resolution())
                painter.save()
                s = min(page.width() / size.width(), page.height() / size.height())
                painter.scale(s, s)
                view.viewport().render(painter, QPoint(0, 0))
                painter.restore()
            else:
                img = QImage(view.viewport().size(), QImage.Format.Format_ARGB32)
                img.fill(view.colors().paper)
                view.viewport().render(img)
                img.save(str(out / f"step-{i + 1:03d}.png"))
            view.deleteLater()
    finally:
        if painter is not None:
            painter.end()
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
