"""Gradio-free logic behind the app: storing uploads, the search scope, the auth option.

Uploaded files are copied into ``<index>/uploads/`` under a sanitised version of the user's file
name (no folders, no path escape, control and reserved characters dropped, Vietnamese letters
kept); that name is also the source name recorded in the index. Files of an unsupported type or
over the size limit are refused here with a reason, the rest go on to ``Library.ingest``.
Also the URL of a scanned page's image, shown beside a source read from it by OCR; the conversation
kept in the browser (its storage key, the key that encrypts it, the answers read back); and the
files the app offers for download (one folder per content, so the same export is written once).
Left out: rendering (``ui.format``) and widgets (``ui.app``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import shutil
import socket
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from rag.loaders import SUPPORTED
from rag.ocr import IMAGE_SUFFIXES
from rag.retrieval import Filters
from rag.types import Answer, Citation

if TYPE_CHECKING:
    from rag.library import Library

ACCEPTED = SUPPORTED  # what the loader reads (images and scans through OCR): one list, in rag.loaders
# The upload box says what it takes, from that same list.
UPLOAD_LABEL = (f"Tải tài liệu lên (kéo thả hoặc bấm để chọn; {' '.join(s for s in ACCEPTED if s not in IMAGE_SUFFIXES)}; "
                f"bản quét và ảnh chụp trang {' '.join(IMAGE_SUFFIXES)} được nhận dạng chữ)")
MAX_UPLOAD_MB = 50
log = logging.getLogger(__name__)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_RESERVED = re.compile(r'[<>:"/\\|?*]')


def sanitize_filename(name: str) -> str:
    """A safe single-component file name that keeps the user's (Vietnamese) name readable."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").split("/")[-1])
    name = _RESERVED.sub("_", _CONTROL.sub("", name))
    name = re.sub(r"\s+", " ", name).strip()
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    elif len(ext) > 8 or not ext.isalnum():
        stem, ext = name, ""
    stem = stem.strip(" ._")[:150].rstrip(" .") or "tai-lieu"
    return f"{stem}.{ext}" if ext else stem


def uploads_dir(index_dir: str | Path) -> Path:
    return Path(index_dir) / "uploads"


def store_uploads(
    files: Iterable[str | Path], dest: Path, max_mb: int = MAX_UPLOAD_MB
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Copy uploaded files into ``dest``: ({stored path: source name}, [(name, reason refused)]).

    A file with the same name as an earlier upload replaces it (the index then updates it).
    """
    dest.mkdir(parents=True, exist_ok=True)
    stored: dict[str, str] = {}
    rejected: list[tuple[str, str]] = []
    for f in files:
        src = Path(f)
        name = sanitize_filename(src.name)
        if src.suffix.lower() not in ACCEPTED:
            rejected.append((name, f"loại tệp không được hỗ trợ (chỉ nhận {', '.join(ACCEPTED)})"))
            continue
        try:
            size = src.stat().st_size
        except OSError as e:
            rejected.append((name, f"không đọc được tệp: {e.strerror or e}"))
            continue
        if size > max_mb * 1024 * 1024:
            rejected.append((name, f"tệp quá lớn (tối đa {max_mb} MB)"))
            continue
        target = dest / name
        if target.resolve().parent != dest.resolve():  # pragma: no cover - sanitize_filename prevents it
            rejected.append((name, "tên tệp không hợp lệ"))
            continue
        shutil.copyfile(src, target)
        stored[str(target)] = name
    return stored, rejected


def stored_uploads(dest: Path) -> dict[str, str]:
    """Uploads kept from earlier sessions: {path: source name}."""
    if not dest.is_dir():
        return {}
    return {str(p): p.name for p in sorted(dest.iterdir()) if p.is_file() and p.suffix.lower() in ACCEPTED}


def forget_upload(dest: Path, source: str) -> bool:
    """Delete the stored copy of an uploaded document (so re-indexing does not bring it back)."""
    p = dest / sanitize_filename(source)
    if source == p.name and p.is_file():
        p.unlink()
        return True
    return False


def pages_dir(index_dir: str | Path) -> Path:
    """Where the library keeps the page images it draws (``Library.page_image``): served by the app."""
    return (Path(index_dir) / "pages").resolve()


def page_image_url(lib: Library, c: Citation) -> str | None:
    """The URL (relative to the app) of the scanned page ``c`` was read from by OCR; None for a
    passage not read by OCR, or when the original file is no longer there."""
    if c.ocr_confidence is None:
        return None
    path = lib.page_image(c.source, c.page)
    return "gradio_api/file=" + quote(str(path.resolve())) if path else None


def parse_day(text: str | None, label: str) -> str | None:
    """'' → None; 'YYYY-MM-DD' → itself; anything else → ValueError with a Vietnamese message."""
    t = (text or "").strip()
    if not t:
        return None
    try:
        return date.fromisoformat(t).isoformat()
    except ValueError:
        raise ValueError(f"{label} không hợp lệ: '{t}'. Dùng dạng NĂM-THÁNG-NGÀY, ví dụ 2024-10-15.") from None


def build_filters(sources: Sequence[str] | None, date_from: str | None, date_to: str | None) -> Filters:
    """The search scope chosen in the UI (no sources chosen = all documents)."""
    lo = parse_day(date_from, "Từ ngày")
    hi = parse_day(date_to, "Đến ngày")
    if lo and hi and lo > hi:
        raise ValueError(f"Khoảng ngày trống: 'Từ ngày' ({lo}) sau 'Đến ngày' ({hi}).")
    return Filters(tuple(sources) if sources else None, lo, hi)


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """'USER:PASS' → (user, pass); ValueError when malformed."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ValueError("--auth cần dạng TÊN:MẬT_KHẨU")
    return user, password


def port_free(host: str, port: int) -> bool:
    """Whether a server could listen on host:port now (same socket options as uvicorn)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def stored_answers(stored: list[dict[str, Any]] | None) -> list[Answer]:
    """The answers kept in the browser; one that does not parse (an older format) is left out."""
    out = []
    for d in stored or []:
        try:
            out.append(Answer.from_dict(d))
        except (KeyError, TypeError, ValueError, AttributeError):
            log.warning("a stored conversation turn could not be read; it is left out")
    return out


def storage_key(index_dir: Path) -> str:
    """One conversation per index folder in a browser's localStorage."""
    return "rag-hoi-dap-" + hashlib.sha256(str(index_dir.resolve()).encode()).hexdigest()[:12]


def browser_secret(index_dir: Path) -> str:
    """The key that encrypts the conversation kept in the browser, kept beside the index so a
    conversation survives a server restart; a new random one when it cannot be stored."""
    path = index_dir / "ui-secret"
    try:
        return path.read_text(encoding="ascii").strip()
    except OSError:
        pass
    secret = secrets.token_urlsafe(32)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secret)
    except OSError:
        log.warning("could not keep the conversation key in %s; conversations will not survive a restart", path)
    return secret


def export_file(data: bytes, name: str, root: Path | None = None) -> Path:
    """``data`` saved as ``name`` for download, in a folder named by its content (under the system's
    temporary folder unless ``root``): filtering back and forth writes each export once."""
    base = root or Path(tempfile.gettempdir()) / "rag-exports"
    folder = base / hashlib.sha256(data).hexdigest()[:20]
    path = folder / name
    if not path.is_file():
        base.mkdir(mode=0o700, parents=True, exist_ok=True)  # exports quote the reports: the user's alone
        folder.mkdir(exist_ok=True)
        tmp = folder / f".{name}.{os.getpid()}"
        tmp.write_bytes(data)
        os.replace(tmp, path)  # whole or absent: two exports of the same content may race
    return path
