"""The WeasyPrint side of badges: HTML → PDF, the URL fetcher that only serves our own
static files, and large runs rendered in chunks on every core and merged in order.

Nothing here knows Flask or the models.
"""

from __future__ import annotations

import gc
import logging
import mimetypes
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from io import BytesIO
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from pypdf import PdfReader, PdfWriter
from weasyprint import HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse, path2url

log = logging.getLogger(__name__)

# A fork server's worker is replaced after this many chunks, so whatever WeasyPrint
# caches stays bounded (a forked pool lives for one run only).
CHUNKS_PER_WORKER = 16


class RefusedURL(ValueError):
    """A badge asked for something that is not one of the project's static files."""


class StaticFilesFetcher(URLFetcher):
    """Serves files inside the static folder (given as file: URLs, which relative links
    resolve to) and the ``font_files`` named (system fonts that an @font-face's local()
    names), and refuses everything else: other files, http(s):, data:, any scheme.
    Keeps what it served and refused, for the log and for tests."""

    def __init__(self, static_dir: str | Path, font_files: Iterable[str] = ()):
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = Path(static_dir).resolve()
        self.font_files = frozenset(Path(path).resolve() for path in font_files)
        self.served: list[str] = []
        self.refused: list[str] = []

    @property
    def base_url(self) -> str:
        return path2url(str(self.root) + os.sep)

    def static_path(self, url: str) -> Path | None:
        """The file inside the static folder that ``url`` names, or None."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(unquote(parts.path)).resolve()
        if not (path.is_relative_to(self.root) or path in self.font_files) or not path.is_file():
            return None
        return path

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        path = self.static_path(url)
        if path is None:
            self.refused.append(url)
            log.warning("badge renderer refused to fetch %.200s", url)
            raise RefusedURL(f"badges may only use the project's static files, not {url[:200]}")
        self.served.append(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/"):
            content_type += "; charset=utf-8"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


_font_config: FontConfiguration | None = None


def _fonts() -> FontConfiguration:
    """One fontconfig set-up per process: loading it costs more than a badge."""
    global _font_config
    if _font_config is None:
        _font_config = FontConfiguration()
    return _font_config


def html_to_pdf(html: str, static_dir: str, fetcher: StaticFilesFetcher | None = None,
                font_files: Iterable[str] = ()) -> bytes:
    return html_to_document(html, static_dir, fetcher, font_files).write_pdf()


def html_to_document(html: str, static_dir: str, fetcher: StaticFilesFetcher | None = None,
                     font_files: Iterable[str] = ()) -> Document:
    """The laid-out document; its ``fonts`` are filled in when it is written."""
    fetcher = fetcher or StaticFilesFetcher(static_dir, font_files)
    document = HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher)
    return document.render(font_config=_fonts())


def _pool(workers: int, preload: str) -> ProcessPoolExecutor:
    if threading.active_count() == 1:
        # A command or script with no other thread: forking it is safe, and the workers
        # start at once with everything imported (a fork server costs a second or two).
        return ProcessPoolExecutor(max_workers=workers,
                                   mp_context=multiprocessing.get_context("fork"))
    # A web server's other threads may hold locks (Pango's, fontconfig's, a logger's)
    # that a forked child would inherit held. Workers then start from a fork server, a
    # small single-threaded process that imports the renderer once and stays up.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([preload])
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, max_tasks_per_child=CHUNKS_PER_WORKER
    )


def render_in_parallel(
    render: Callable[..., bytes], tasks: Iterable[tuple], target: BinaryIO, workers: int
) -> None:
    """Call ``render(*task)`` for each task on ``workers`` processes, each call making
    one PDF, and write them to ``target`` as one PDF in the order of ``tasks``. At most
    two tasks per worker are in flight and each worker handles a bounded number of
    them, so the workers' memory does not grow with the run; this process holds only
    the merged PDF."""
    writer = PdfWriter()
    in_flight: deque[Future[bytes]] = deque()

    def take_oldest() -> None:
        writer.append(PdfReader(BytesIO(in_flight.popleft().result())))

    # Objects that exist now are left out of the collector's passes from here on: a
    # forked worker's collections would otherwise touch, and so copy, all of them.
    gc.freeze()
    try:
        with _pool(workers, render.__module__) as pool:
            for task in tasks:
                in_flight.append(pool.submit(render, *task))
                if len(in_flight) >= 2 * workers:
                    take_oldest()
            while in_flight:
                take_oldest()
    finally:
        gc.unfreeze()
    writer.write(target)


def default_workers() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def chunk_size(items: int, per_page: int, most: int, workers: int) -> int:
    """Equal chunks, as many as a multiple of the workers, none larger than ``most``
    (so the cores finish together), each of whole pages."""
    chunks = workers * -(-items // (workers * most))
    size = -(-items // chunks)
    return -(-size // per_page) * per_page


def write_run(
    render: Callable[..., bytes], items: Sequence, arguments: tuple, target: BinaryIO, *,
    per_page: int, chunk_items: int, in_process: int, workers: int | None = None,
) -> None:
    """``render(chunk, *arguments)`` (one PDF of a chunk of ``items``) over all of
    ``items``, written to ``target`` as one PDF in order: a short run in this process, a
    longer one in chunks of at most ``chunk_items`` on ``workers`` processes (every core
    by default)."""
    if len(items) <= min(chunk_items, in_process):
        target.write(render(items, *arguments))
        return
    workers = workers or default_workers()
    size = chunk_size(len(items), per_page, chunk_items, workers)
    chunks = (items[start : start + size] for start in range(0, len(items), size))
    render_in_parallel(render, ((chunk, *arguments) for chunk in chunks), target, workers)


def map_run(
    render: Callable[..., list], items: Sequence, arguments: tuple, *,
    chunk_items: int, in_process: int, workers: int | None = None,
) -> list:
    """``render(chunk, *arguments)`` (a list per item of the chunk) over all of ``items``,
    in order: a short run in this process, a longer one in chunks on ``workers``
    processes."""
    if len(items) <= min(chunk_items, in_process):
        return render(items, *arguments)
    workers = workers or default_workers()
    size = chunk_size(len(items), 1, chunk_items, workers)
    gc.freeze()
    try:
        with _pool(workers, render.__module__) as pool:
            futures = [pool.submit(render, items[start : start + size], *arguments)
                       for start in range(0, len(items), size)]
            return [result for future in futures for result in future.result()]
    finally:
        gc.unfreeze()
