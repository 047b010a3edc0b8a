"""What each entry point loads: the serving process on the onnx backend never imports torch or
sentence-transformers, CLI commands that embed nothing never load the model nor open Chroma, and
building the command line's parser loads no command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "sentence_transformers", "transformers")

_PROBE = """
import json, sys
from assistant.cli import main
code = main(sys.argv[1:])
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"torch", "sentence_transformers", "transformers", "onnxruntime", "chromadb"})
print("\\nLOADED " + json.dumps({"code": code, "loaded": loaded}))
"""


def _run_cli(args: list[str], env: dict[str, str], cwd: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", _PROBE, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    line = next((x for x in out.stdout.splitlines() if x.startswith("LOADED ")), None)
    assert line, out.stdout[-2000:] + out.stderr[-2000:]
    return dict(json.loads(line[len("LOADED ") :]))


@pytest.fixture(scope="module")
def model_dir() -> Path:
    from corpus.settings import Settings
    from index import prepare_embeddings

    return prepare_embeddings(Settings(data_dir=REPO / "var"))


@pytest.fixture(scope="module")
def env(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("lazy")
    return {
        **os.environ,
        "POLICYQA_DATA_DIR": str(data),
        "POLICYQA_MODEL_DIR": str(model_dir),
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(REPO),
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["search", "专精特新企业数字化改造补贴", "--mode", "bm25", "--json"],
        ["calc", "no-such-rule"],
        ["feedback", "export", "--out", "{tmp}/fb.jsonl"],
    ],
    ids=["search-bm25", "calc", "feedback-export"],
)
def test_commands_that_embed_nothing_load_no_model(args: list[str], env: dict[str, str], tmp_path: Path) -> None:
    result = _run_cli([a.replace("{tmp}", str(tmp_path)) for a in args], env, tmp_path)
    assert result["loaded"] == [], result


@pytest.mark.slow
def test_asking_on_the_onnx_backend_imports_no_torch(env: dict[str, str], tmp_path: Path) -> None:
    result = _run_cli(["ask", "专精特新企业数字化改造最高补贴多少？", "--json"], env, tmp_path)
    assert result["code"] == 0
    assert result["loaded"] == ["chromadb", "onnxruntime"], result


def test_the_command_line_parser_loads_no_command() -> None:
    # `policyqa ask` used to spend 4 s importing the matcher (and with it Chroma) to build its parser.
    probe = (
        "import sys\n"
        "from assistant.cli import build_parser\n"
        "build_parser().parse_args(['ask', 'x'])\n"
        "heavy = ('chromadb', 'onnxruntime', 'jieba', 'assistant.match.answer', 'assistant.calculator', 'assistant.chain')\n"
        "print('LOADED', sorted(m for m in heavy if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert "LOADED []" in out.stdout, out.stdout[-2000:] + out.stderr[-2000:]


@pytest.mark.slow
def test_the_serving_app_imports_no_torch(env: dict[str, str], tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from corpus.settings import Settings\n"
        "from ui.app import create_app\n"
        "app = create_app(Settings())\n"
        "answer = app.state.assistant.answer('专精特新企业数字化改造最高补贴多少？')\n"
        "assert answer.citations, answer\n"
        f"print('HEAVY', sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert "HEAVY []" in out.stdout, out.stdout[-2000:] + out.stderr[-2000:]


@pytest.mark.slow
def test_a_fresh_ask_answers_as_the_assistant_does_in_process(env: dict[str, str], tmp_path: Path) -> None:
    # What ask loads lazily (the model in a thread, jieba's shared tables, cn2an at a Chinese
    # numeral) must not change an answer: the command's JSON is the in-process answer's.
    from assistant.chain import Assistant
    from corpus.settings import Settings

    questions = ["专精特新企业数字化改造最高补贴多少？", "研发投入一千二百万，能拿多少研发补助？"]
    env = {**env, "POLICYQA_TODAY": "2026-12-01"}
    printed = []
    for question in questions:
        out = subprocess.run(
            [sys.executable, "-c", _PROBE, "ask", question, "--json"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600
        )
        assert out.returncode == 0, out.stderr[-2000:]
        printed.append(json.loads(out.stdout.split("\nLOADED ")[0]))
    settings = Settings(data_dir=Path(env["POLICYQA_DATA_DIR"]), model_dir=Path(env["POLICYQA_MODEL_DIR"]), today="2026-12-01")
    bot = Assistant.from_settings(settings)
    for question, answer in zip(questions, printed, strict=True):
        expected = bot.answer(question).to_dict()
        assert _untimed(answer) == _untimed(expected), question
        assert answer["citations"], question


def _untimed(value: object) -> object:
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if "elapsed" not in k and not k.endswith("_ms")}
    if isinstance(value, list):
        return [_untimed(v) for v in value]
    return value
