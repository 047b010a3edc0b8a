"""The admin API and page: operator token, upload / list / remove / re-index, and updates that never
interrupt answering (the previous state serves until the new one is swapped in)."""

from __future__ import annotations

import base64
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from corpus.settings import DOCUMENTS_DIR, RULES_DIR

FIXTURES = Path(__file__).resolve().parents[1] / "corpus" / "fixtures"
FAQ_PAGE = FIXTURES / "15_创业担保贷款常见问题_2025.html"
TOKEN = "op-secret-7f3a9c"
ADMIN_ROUTES = [
    ("GET", "/admin"),
    ("GET", "/admin/api/documents"),
    ("POST", "/admin/api/documents"),
    ("DELETE", "/admin/api/documents/xm-zjtx-2024"),
    ("POST", "/admin/api/reindex"),
]


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=True)


def _library(tmp: Path) -> tuple[Path, Path]:
    docs, rules = tmp / "documents", tmp / "rules"
    shutil.copytree(DOCUMENTS_DIR, docs)
    shutil.copytree(RULES_DIR, rules)
    return docs, rules


def _assistant(settings: Any, embeddings: Any, client: Any) -> Any:
    from assistant.chain import Assistant

    return Assistant.from_settings(settings, embeddings=embeddings, client=client, model_name="fake")


@pytest.fixture
def fake_app(tmp_path: Path, ui_settings: Any, serve_with: Any) -> Iterator[Callable[..., tuple[str, Any, Any]]]:
    """``fake_app(admin_token=…)`` → (URL, settings, assistant): a served app over a copy of the documents."""
    import chromadb
    from langchain_core.embeddings import DeterministicFakeEmbedding

    stack: list[Any] = []

    def start(**overrides: Any) -> tuple[str, Any, Any]:
        docs, rules = _library(tmp_path)
        settings = ui_settings(tmp_path, documents_dir=docs, rules_dir=rules, **overrides)
        client = chromadb.PersistentClient(path=str(tmp_path / "chroma"), settings=_chroma_settings())
        assistant = _assistant(settings, DeterministicFakeEmbedding(size=64), client)
        cm = serve_with(settings, assistant)
        stack.append(cm)
        return cm.__enter__(), settings, assistant

    yield start
    for cm in reversed(stack):
        cm.__exit__(None, None, None)


def _bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_without_a_configured_token_every_admin_route_answers_401(fake_app: Any, method: str, path: str) -> None:
    url, _, _ = fake_app()
    r = httpx.request(method, url + path, headers=_bearer("anything"), timeout=30)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "admin_disabled"


def test_with_a_token_only_the_right_one_opens_the_admin(fake_app: Any) -> None:
    url, settings, _ = fake_app(admin_token=TOKEN)
    with httpx.Client(base_url=url, timeout=30) as c:
        for method, path in ADMIN_ROUTES:
            assert c.request(method, path).status_code == 401
            assert c.request(method, path, headers=_bearer("wrong")).status_code == 401
        r = c.get("/admin")
        assert r.headers["www-authenticate"].startswith("Basic")  # the browser asks for the token
        basic = base64.b64encode(f"operator:{TOKEN}".encode()).decode()
        page = c.get("/admin", headers={"Authorization": f"Basic {basic}"})
        assert page.status_code == 200 and "知识库管理" in page.text
        listing = c.get("/admin/api/documents", headers=_bearer()).json()
        assert {d["id"] for d in listing["documents"]} == {p.stem for p in Path(settings.documents_dir).glob("*.md")}
        assert all(d["review"] == "reviewed" and d["served"] for d in listing["documents"])


def test_the_public_page_widget_and_api_never_expose_the_token(fake_app: Any) -> None:
    url, _, _ = fake_app(admin_token=TOKEN)
    with httpx.Client(base_url=url, timeout=30, follow_redirects=True) as c:
        for path in ("/", "/chat/", "/embed", "/widget.js", "/demo/embed.html", "/api/health", "/api/documents", "/openapi.json"):
            r = c.get(path)
            assert r.status_code == 200, path
            assert TOKEN not in r.text and "/admin" not in r.text, path


def test_upload_list_ask_and_remove_through_the_admin_api(fake_app: Any) -> None:
    url, settings, _ = fake_app(admin_token=TOKEN)
    with httpx.Client(base_url=url, timeout=120, headers=_bearer()) as c:
        r = c.post(
            "/admin/api/documents", files={"files": (FAQ_PAGE.name, FAQ_PAGE.read_bytes(), "text/html")}, data={"doc_id": "gz-cydb-faq"}
        )
        assert r.status_code == 200, r.text
        added = r.json()["added"][0]
        assert added["kind"] == "faq" and added["region"] == "广东省广州市" and len(added["clauses"]) == 7
        assert {"clause": "第二条", "figures": ["30万元", "50万元", "500万元"]} in added["money"]
        assert (Path(settings.documents_dir) / "gz-cydb-faq.md").exists()

        listing = {d["id"]: d for d in c.get("/admin/api/documents").json()["documents"]}
        assert listing["gz-cydb-faq"]["review"] == "pending" and listing["gz-cydb-faq"]["served"]
        answer = c.post("/api/ask", json={"question": "广州创业担保贷款最高可以申请多少额度？"}).json()
        assert answer["citations"] and answer["citations"][0]["doc_id"] == "gz-cydb-faq"

        again = c.post(
            "/admin/api/documents", files={"files": (FAQ_PAGE.name, FAQ_PAGE.read_bytes(), "text/html")}, data={"doc_id": "gz-cydb-faq"}
        )
        assert again.status_code == 400 and "already" in again.json()["error"]["detail"]

        gone = c.delete("/admin/api/documents/gz-cydb-faq")
        assert gone.status_code == 200 and gone.json()["index"]["pruned"] >= 7
        assert "gz-cydb-faq" not in {d["id"] for d in c.get("/api/documents").json()["documents"]}
        assert not (Path(settings.documents_dir) / "gz-cydb-faq.md").exists()
        assert list((Path(settings.documents_dir) / ".removed").glob("gz-cydb-faq.*.md"))
        assert c.delete("/admin/api/documents/gz-cydb-faq").status_code == 404
        assert c.post("/admin/api/reindex").status_code == 200


def test_a_refused_upload_changes_nothing(fake_app: Any) -> None:
    url, settings, assistant = fake_app(admin_token=TOKEN)
    before = sorted(p.name for p in Path(settings.documents_dir).iterdir())
    served_before = assistant.index
    with httpx.Client(base_url=url, timeout=60, headers=_bearer()) as c:
        r = c.post("/admin/api/documents", files={"files": ("scan.pdf", (FIXTURES / "scanned.pdf").read_bytes(), "application/pdf")})
        assert r.status_code == 400
        assert "扫描件" in r.json()["error"]["message"] and "no text layer" in r.json()["error"]["detail"]
    assert sorted(p.name for p in Path(settings.documents_dir).iterdir()) == before
    assert assistant.index is served_before


def test_an_update_that_fails_while_embedding_leaves_the_served_state_untouched(tmp_path: Path, ui_settings: Any) -> None:
    import chromadb
    from langchain_core.embeddings import DeterministicFakeEmbedding

    from assistant.knowledge import KnowledgeBase

    class Failing(DeterministicFakeEmbedding):
        fail: bool = False

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            if self.fail:
                raise RuntimeError("killed while embedding")
            return super().embed_documents(texts)

    docs, rules = _library(tmp_path)
    settings = ui_settings(tmp_path, documents_dir=docs, rules_dir=rules)
    embeddings = Failing(size=64)
    client = chromadb.PersistentClient(path=str(tmp_path / "chroma"), settings=_chroma_settings())
    assistant = _assistant(settings, embeddings, client)
    before_files, before_index = sorted(p.name for p in docs.iterdir()), assistant.index
    kb = KnowledgeBase(settings, serving=assistant)

    embeddings.fail = True
    with pytest.raises(RuntimeError, match="killed"):
        kb.add([FAQ_PAGE], doc_id="gz-cydb-faq")
    assert sorted(p.name for p in docs.iterdir()) == before_files
    assert assistant.index is before_index and "gz-cydb-faq" not in {d.id for d in assistant.documents}
    assert assistant.answer("厦门科技服务高新技术企业奖励多少？").citations  # answered by the old index

    embeddings.fail = False  # the next update succeeds, and the stray pieces of the failed one are gone
    report = kb.add([FAQ_PAGE], doc_id="gz-cydb-faq")
    assert "gz-cydb-faq" in {d.id for d in assistant.documents} and report.summary.clauses == len(assistant.index.corpus.clauses)
    assert assistant.index.is_current()


@pytest.mark.slow
def test_questions_keep_being_answered_while_a_document_is_added(
    tmp_path: Path, real_model_dir: Path, ui_settings: Any, serve_with: Any
) -> None:
    """The real model and app, served by uvicorn: a client asks without pause while the operator
    uploads a page through the admin API; not one request fails, and the new page is then served."""
    import chromadb

    from index import load_embeddings

    docs, rules = _library(tmp_path)
    settings = ui_settings(tmp_path, documents_dir=docs, rules_dir=rules, model_dir=real_model_dir, admin_token=TOKEN)
    client = chromadb.PersistentClient(path=str(tmp_path / "chroma"), settings=_chroma_settings())
    from assistant.chain import Assistant

    assistant = Assistant.from_settings(settings, embeddings=load_embeddings(settings), client=client)
    questions = ["厦门专精特新企业在国内举办产品推介会有什么补贴？", "科技服务业高新技术企业奖励多少？", "山东科技金融服务有哪些支持？"]
    results: list[tuple[int, float]] = []
    stop = threading.Event()

    with serve_with(settings, assistant) as url:

        def ask_without_pause() -> None:
            with httpx.Client(base_url=url, timeout=120) as c:
                i = 0
                while not stop.is_set():
                    t = time.perf_counter()
                    try:
                        status = c.post("/api/ask", json={"question": questions[i % len(questions)]}).status_code
                    except httpx.HTTPError:
                        status = 0
                    results.append((status, time.perf_counter() - t))
                    i += 1

        asker = threading.Thread(target=ask_without_pause)
        asker.start()
        time.sleep(2)
        during_start = len(results)
        with httpx.Client(base_url=url, timeout=600, headers=_bearer()) as admin:
            r = admin.post(
                "/admin/api/documents", files={"files": (FAQ_PAGE.name, FAQ_PAGE.read_bytes(), "text/html")}, data={"doc_id": "gz-cydb-faq"}
            )
        during = len(results) - during_start
        time.sleep(1)
        stop.set()
        asker.join(timeout=180)
        with httpx.Client(base_url=url, timeout=120) as c:
            after = c.post("/api/ask", json={"question": "广州创业担保贷款最高可以申请多少额度？"}).json()

    assert r.status_code == 200, r.text
    failed = [s for s, _ in results if s != 200]
    print(f"\n{len(results)} questions, {during} answered during the upload ({r.json()['seconds']} s), {len(failed)} failed")
    assert failed == []
    assert during >= 1  # answering went on while the document was embedded
    assert after["citations"][0]["doc_id"] == "gz-cydb-faq"
