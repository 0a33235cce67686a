"""Document records: ``DocRecord`` reads and writes the JSON of ``docs.json`` key for key."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from rag.library import Library
from rag.records import DocRecord, OcrPages
from rag.types import Article

from .conftest import SAMPLES

SCAN = {
    "sha256": "ab" * 32, "size": 52311, "kind": "pdf", "title": "Sơ kết 6 tháng", "date": "2024-07-05", "chunks": 3,
    "articles": [{"index": 0, "title": "Sơ kết 6 tháng", "date": "2024-07-05", "period": "6 tháng đầu năm 2024",
                  "start": 0, "end": 1800}],
    "pages": 3, "indexed": "2024-07-06T10:00:00", "ocr_pages": [1, 3], "ocr_confidence": 87.5,
    "ocr_page_confidence": [91.0, 84.0], "path": "/data/scan.pdf", "segment": "seg-000004",
}


def test_a_record_reads_and_writes_the_same_json() -> None:
    rec = DocRecord.from_json("bao-cao/scan.pdf", SCAN)
    assert rec.articles == (Article("bao-cao/scan.pdf", 0, "Sơ kết 6 tháng", "2024-07-05", "6 tháng đầu năm 2024", 0, 1800),)
    assert rec.ocr == OcrPages((1, 3), 87.5, (91.0, 84.0), "/data/scan.pdf") and rec.segment == "seg-000004"
    assert json.dumps(rec.to_json(), ensure_ascii=False) == json.dumps(SCAN, ensure_ascii=False)  # order too
    assert rec.ocr_confidence(3) == 84.0 and rec.ocr_confidence(2) is None
    assert rec.info().articles == 1 and rec.info().sha256 == SCAN["sha256"]
    typed = {k: v for k, v in SCAN.items() if not k.startswith("ocr_") and k not in ("path", "segment")}
    plain = DocRecord.from_json("a.md", typed)
    assert plain.ocr is None and plain.segment is None and plain.to_json() == typed
    assert plain.ocr_confidence(1) is None


def test_keys_of_a_newer_version_are_kept() -> None:
    newer = {**SCAN, "language": "vi"}
    newer["segment"] = newer.pop("segment")  # the store adds "segment" last
    assert DocRecord.from_json("s.pdf", newer).to_json() == newer


def test_records_of_an_index_pass_through_a_rewrite_unchanged(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for f in sorted(SAMPLES.glob("*.txt"))[:2]:
        shutil.copy(f, docs / f.name)
    lib = Library(tmp_path / "idx")
    lib.ingest([docs])
    gen = tmp_path / "idx" / json.loads((tmp_path / "idx" / "manifest.json").read_text())["generation"]
    before = json.loads((gen / "docs.json").read_text(encoding="utf-8"))
    assert {s: DocRecord.from_json(s, d).to_json() for s, d in before.items()} == before
    assert lib.compact() is False  # one segment already: nothing rewritten
    gone = sorted(before)[0]
    lib.remove(gone)
    gen = tmp_path / "idx" / json.loads((tmp_path / "idx" / "manifest.json").read_text())["generation"]
    after = json.loads((gen / "docs.json").read_text(encoding="utf-8"))

    def unplaced(d: dict[str, object]) -> dict[str, object]:  # a merge may move passages to a new segment
        return {k: v for k, v in d.items() if k != "segment"}

    assert list(after) == [s for s in before if s != gone]
    assert {s: unplaced(d) for s, d in after.items()} == {s: unplaced(before[s]) for s in after}
    assert all(list(after[s]) == list(before[s]) for s in after)  # same keys in the same order
