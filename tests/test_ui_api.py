"""The app's API on a real server on loopback (``build_app`` + launch with ``--auth``-style login):
``/ask`` returns the JSON of ``rag ask --json`` with citations pointing into the indexed text,
the login protects the API, other events are not callable, and ``rag serve`` refuses a busy port."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, require

require("gradio")
from gradio_client import Client  # noqa: E402

from rag.cli import main  # noqa: E402
from rag.library import Library  # noqa: E402
from ui.app import build_app, launch_kwargs  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
DOCS = ["giao-ban-so-xay-dung-quy-3-2024.md", "hop-ban-chi-dao-phong-chong-thien-tai-2024.txt",
        "hoi-nghi-so-ket-chuyen-doi-so-6-thang-2024.txt"]
AUTH = ("kiemthu", "mật-khẩu-1")
QUESTION = "Trong quý III toàn tỉnh đã cấp bao nhiêu giấy phép xây dựng?"



@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    index = tmp_path_factory.mktemp("api") / "index"
    lib = Library(index)
    rep = lib.ingest([SAMPLES / d for d in DOCS], names={str(SAMPLES / d): d for d in DOCS})
    assert not rep.failed
    app = build_app(lib)
    port = free_port()
    _, url, _ = app.launch(server_name="127.0.0.1", server_port=port, auth=AUTH, prevent_thread_lock=True,
                           quiet=True, **launch_kwargs())
    try:
        yield url, index
    finally:
        app.close()


def test_ask_returns_cli_json_with_exact_offsets(server: tuple[str, Path]) -> None:
    url, index = server
    client = Client(url, auth=AUTH, verbose=False)
    got = client.predict(QUESTION, api_name="/ask")
    assert isinstance(got, dict)
    assert got["found"] and got["citations"] and "[1]" in got["answer"]
    lib = Library(index)
    for c in got["citations"]:
        assert lib.source_text(c["source"])[c["start"]:c["end"]] == c["text"]
        for s, e in c["highlights"]:
            assert 0 <= s < e <= len(c["text"])
    out, err = io.StringIO(), io.StringIO()
    assert main(["ask", "--index", str(index), "--json", QUESTION], out, err) == 0
    assert json.loads(out.getvalue()) == got
    # k is an optional second parameter
    assert client.predict(QUESTION, 1, api_name="/ask")["citations"][0]["n"] == 1


def test_chat_holds_a_conversation(server: tuple[str, Path]) -> None:
    """Four turns through /chat, each sending back the answers so far: follow-ups are resolved."""
    url, index = server
    client = Client(url, auth=AUTH, verbose=False)
    lib = Library(index)
    history: list[dict[str, object]] = []

    def say(q: str) -> dict[str, object]:
        got = client.predict(q, history, api_name="/chat")
        assert isinstance(got, dict) and got["found"] and got["citations"], (q, got)
        for c in got["citations"]:
            assert lib.source_text(c["source"])[c["start"]:c["end"]] == c["text"]
        history.append(got)
        return got

    got = say("Ai chủ trì hội nghị sơ kết chuyển đổi số?")
    assert "Tạ Quang Huy" in got["answer"] and "Phạm Thị Thu Hà" in got["answer"]
    assert got["standalone"] == got["question"]
    got = say("Chủ tịch UBND tỉnh Tạ Quang Huy yêu cầu những gì?")
    assert "80%" in got["answer"] and any("80%" in c["text"] for c in got["citations"])
    got = say("còn ông Lê Văn Hùng thì sao?")
    assert got["standalone"] == "Lê Văn Hùng yêu cầu những gì?"
    assert "Lê Văn Hùng" in got["answer"] and "Cơ sở dữ liệu quốc gia về dân cư" in got["answer"]
    assert all("Lê Văn Hùng" in c["text"] or "Ông đề xuất" in c["text"] for c in got["citations"])
    got = say("Tóm tắt hội nghị đó")
    assert got["standalone"].startswith("Tóm tắt Hội nghị sơ kết") and got["kind"] == "summary"
    assert "Chủ trì:" in got["answer"] and "Nghi Sơn" in got["answer"]
    # a bare {"question", "answer"} history works too; a malformed one is a clear error, not a crash
    got = client.predict("người đó đề xuất gì?", [{"question": "Ông Lê Văn Hùng nói gì?", "answer": "…"}],
                         api_name="/chat")
    assert got["standalone"] == "Lê Văn Hùng đề xuất gì?" and "quý III" in got["answer"]
    with pytest.raises(Exception, match="question"):  # noqa: B017 - gradio_client re-raises the app's gr.Error
        client.predict("người đó đề xuất gì?", [{"answer": "…"}], api_name="/chat")


def test_api_lists_ask_and_chat(server: tuple[str, Path]) -> None:
    url, _ = server
    info = Client(url, auth=AUTH, verbose=False).view_api(return_format="dict", print_info=False)
    assert sorted(info["named_endpoints"]) == ["/ask", "/chat"]
    assert not info["unnamed_endpoints"]


def test_login_required(server: tuple[str, Path]) -> None:
    url, _ = server
    with pytest.raises(Exception):  # noqa: B017 - gradio_client raises a plain ValueError/HTTP error
        Client(url, verbose=False).predict(QUESTION, api_name="/ask")
    with pytest.raises(Exception):  # noqa: B017
        Client(url, auth=(AUTH[0], "sai"), verbose=False)
    r = httpx.post(url.rstrip("/") + "/gradio_api/call/ask", json={"data": [QUESTION]}, timeout=10)
    assert r.status_code in (401, 403)
    r = httpx.get(url.rstrip("/") + "/config", timeout=10)
    assert r.status_code in (401, 403)


def test_serve_refuses_busy_port(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        out, err = io.StringIO(), io.StringIO()
        rc = main(["serve", "--index", str(tmp_path / "i"), "--port", str(port), "--no-browser"], out, err)
    assert rc == 1
    assert f"cổng {port}" in err.getvalue() and "đang được dùng" in err.getvalue()
    assert not (tmp_path / "i").exists()


def test_serve_rejects_bad_auth(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    rc = main(["serve", "--index", str(tmp_path / "i"), "--port", str(free_port()), "--auth", "không-có-mật-khẩu",
               "--no-browser"], out, err)
    assert rc == 2 and "TÊN:MẬT_KHẨU" in err.getvalue()
