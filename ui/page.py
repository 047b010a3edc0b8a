"""The chat page (Gradio Blocks): title, what it covers, example questions, chat with citation
and formula cards, feedback, clear. History sent to the chain is the earlier user questions.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from assistant.chain import Assistant
from corpus.errors import PolicyQAError
from corpus.settings import Settings
from ui.feedback import Feedback, FeedbackStore
from ui.render import answer_html, error_html, pending_html, question_html, validity_html
from ui.security import has_lone_surrogate

if TYPE_CHECKING:
    from ui.app import RateLimiter

__all__ = ["build_page", "page_css", "page_head", "page_js", "page_theme", "EXAMPLES", "description_html"]

# Questions the five documents answer, of every kind (lookup, amount, validity, both regions);
# tests/ui/test_page.py asks each of them through the real chain.
EXAMPLES = (
    "厦门专精特新企业在国内举办产品推介会有什么补贴？",
    "小巨人企业数字化改造投了120万，达到二级了，能补多少？",
    "首次评上国家级专精特新小巨人，市里区里加起来能拿多少？",
    "专精特新企业贷款贴息有什么规定？",
    "新获批一个全国重点实验室，厦门奖多少钱？",
    "厦门科技服务业措施的有效期到什么时候？",
    "山东的省级中试基地，服务突出的一年最多奖补多少？",
)

# System fonts only: the page loads no font file (the default theme's fonts have no CJK glyphs anyway).
_FONTS = ("system-ui", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "sans-serif")
_MONO = ("ui-monospace", "SFMono-Regular", "Consolas", "WenQuanYi Micro Hei Mono", "monospace")

Ask = Callable[[str, list[str]], dict[str, Any]]
STATIC_DIR = Path(__file__).resolve().parent / "static"


def description_html(assistant: Assistant, settings: Settings) -> str:
    """The header: title, one line on what is covered, and the document list with validity badges."""
    docs = assistant.documents
    per_region: dict[str, int] = {}
    for d in docs:
        per_region[d.region] = per_region.get(d.region, 0) + 1
    regions = "、".join(f"{escape(r)}{n}份" for r, n in per_region.items())
    today = settings.today_date()
    items = []
    for d in docs:
        doc_no = f"<span class='pq-docno'>{escape(d.doc_no)}</span>" if d.doc_no else ""
        items.append(
            f"<li><span class='pq-doc'>《{escape(d.title)}》</span>{doc_no}"
            f"<span class='pq-region'>{escape(d.region)} · {escape(d.kind.zh)}</span>"
            f"<span class='pq-valid'>{validity_html(d, today)}</span></li>"
        )
    return (
        '<header class="pq-header"><h1>政策问答</h1>'
        f'<p class="pq-desc">依据{len(docs)}份惠企政策文件原文作答（{regions}），每个回答都引用原文条款、注明出处；'
        "金额按条款公式计算并列出算式。</p>"
        f'<details class="pq-docs" open><summary>收录的政策文件（{len(docs)}份）</summary><ul>{"".join(items)}</ul></details></header>'
    )


def page_head() -> str:
    return (
        '<meta name="description" content="政策问答：依据政策文件原文、注明出处的惠企政策问答。">'
        '<link rel="icon" href="/favicon.svg" type="image/svg+xml">'
    )


def page_js() -> str:
    """Run once on load (``ui/static/page.js``): fold the document list on a phone, open each new
    answer at its lead, give focus back to the question box, and put Gradio's own English labels
    and tooltips in Chinese."""
    return (STATIC_DIR / "page.js").read_text(encoding="utf-8")


def page_theme() -> gr.themes.Base:
    return gr.themes.Default(primary_hue="blue", secondary_hue="slate", neutral_hue="slate", font=_FONTS, font_mono=_MONO)


def page_css() -> str:
    return (STATIC_DIR / "page.css").read_text(encoding="utf-8")


def build_page(assistant: Assistant, settings: Settings, store: FeedbackStore, ask: Ask, limiter: RateLimiter | None = None) -> gr.Blocks:
    """The Blocks of the chat page; ``ask(question, history)`` returns an Answer dict; ``limiter``
    is the API's per-client limit, so that the page is no way around it."""

    def respond(question: str, chat: list[dict[str, Any]], history: list[str], last: Any, request: gr.Request) -> Iterator[tuple[Any, ...]]:
        chat = list(chat or [])
        history = list(history or [])
        question = (question or "").strip()
        if not question:  # nothing typed: a hint under the box, never a message in the conversation
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), error_html("请输入您的问题。")
            return
        if has_lone_surrogate(question):  # a lone surrogate cannot be shown: the tab would hang
            chat.append({"role": "assistant", "content": error_html("问题中含有无效字符，请删除后重试。")})
            yield chat, "", history, last, ""
            return
        wait = limiter.hit(request.client.host if request and request.client else "unknown") if limiter else 0
        if wait:
            chat.append({"role": "assistant", "content": error_html(f"提问过于频繁，请{int(wait) + 1}秒后再试。")})
            yield chat, question, history, last, ""
            return
        chat.append({"role": "user", "content": question_html(question)})
        chat.append({"role": "assistant", "content": pending_html()})
        yield chat, "", history, last, ""
        # From here on the question box is left alone (gr.skip): what the user types while this
        # answer is being made is the next question, asked when this one is done (trigger_mode).
        try:
            answer = ask(question, history)
        except PolicyQAError as e:  # InputError included: its message says what to change
            chat[-1] = {"role": "assistant", "content": error_html(e.message_zh)}
            yield chat, gr.skip(), history, last, ""
            return
        chat[-1] = {"role": "assistant", "content": answer_html(answer)}
        history.append(question)
        # Only the latest questions are kept: the chain refuses a longer history.
        yield chat, gr.skip(), history[-settings.max_history :] if settings.max_history else [], answer, ""

    def give_feedback(useful: bool) -> Callable[[Any, str], tuple[str, str]]:
        def handler(last: Any, comment: str) -> tuple[str, str]:
            if not last:
                return error_html("请先提问，再评价回答。"), comment
            try:
                fb = Feedback.checked(
                    last["question"],
                    last["answer"],
                    [c["reference"] for c in last.get("citations", [])],
                    useful,
                    comment or "",
                    source="page",
                    max_question_chars=settings.max_question_chars,
                    answer_id=last.get("answer_id"),
                )
                store.add(fb)
            except PolicyQAError as e:  # invalid, or the store full or unwritable
                return error_html(e.message_zh), comment
            return '<span class="pq-thanks">已记录您的反馈，谢谢！</span>', ""

        return handler

    def clear() -> tuple[Any, ...]:
        return [], "", [], None, ""

    with gr.Blocks(title="政策问答", analytics_enabled=False) as blocks:
        gr.HTML(description_html(assistant, settings))
        chatbot = gr.Chatbot(
            label="对话记录",
            show_label=False,  # a floating label would cover the first line of the conversation
            autoscroll=False,  # ui/static/page.js opens each answer at its lead, not at its end
            elem_id="pq-chat",
            height="60vh",
            min_height=340,
            buttons=["copy"],
            latex_delimiters=[],  # "$" in a question is money or text, never a formula
            placeholder="请在下方输入问题，或点击示例问题。回答均摘自政策原文并注明条款，可继续追问。",
        )
        with gr.Row(equal_height=True):
            box = gr.Textbox(
                label="您的问题",  # read by screen readers only (Gradio's default is "Textbox")
                show_label=False,
                placeholder="请输入您的问题，例如：专精特新企业有什么补贴？",
                elem_id="pq-input",
                scale=5,
                lines=1,
                max_lines=4,
                max_length=settings.max_question_chars,
                autofocus=True,
            )
            send = gr.Button("提问", variant="primary", elem_id="pq-send", scale=1, min_width=72)
        gr.HTML('<div class="pq-section">示例问题（点击即问）</div>')
        with gr.Row(elem_classes="pq-examples"):
            example_buttons = [gr.Button(q, size="sm", elem_classes="pq-example") for q in EXAMPLES]
        # Shown only once there is an answer to judge (page.css: #pq-fb-wrap).
        with gr.Column(elem_id="pq-fb-wrap"):
            gr.HTML('<div class="pq-section">这个回答有帮助吗？（评价最近一条回答）</div>')
            # The comment box on a line of its own: beside the buttons, a phone cut its hint off.
            comment = gr.Textbox(
                label="补充意见",  # read by screen readers only
                show_label=False,
                placeholder="补充意见（可选，最多1000字）",
                max_length=1000,
                elem_id="pq-comment",
                lines=1,
                max_lines=4,
            )
            with gr.Row(elem_id="pq-feedback"):
                good = gr.Button("有用", size="sm", elem_id="pq-useful", scale=0, min_width=72)
                bad = gr.Button("没用", size="sm", elem_id="pq-useless", scale=0, min_width=72)
        with gr.Row(equal_height=True):
            status = gr.HTML("", elem_id="pq-fb-status")
            clear_btn = gr.Button("清空对话", elem_id="pq-clear", size="sm", variant="secondary", scale=0, min_width=96)
        history = gr.State([])
        last = gr.State(None)

        outputs = [chatbot, box, history, last, status]
        # Every event is private: programs ask through /api/ask, which documents its contract.
        # A question sent while an answer is being made waits for it ("always_last"), then is
        # asked with the conversation as it stands: nothing typed is dropped or answered twice.
        box.submit(respond, [box, chatbot, history, last], outputs, api_visibility="private", trigger_mode="always_last")
        send.click(respond, [box, chatbot, history, last], outputs, api_visibility="private", trigger_mode="always_last")
        for i, b in enumerate(example_buttons):
            b.click(lambda q=EXAMPLES[i]: q, None, box, api_visibility="private", queue=False).then(
                respond, [box, chatbot, history, last], outputs, api_visibility="private"
            )
        clear_btn.click(clear, None, outputs, api_visibility="private", queue=False)
        # The chat box's own clear icon must forget the conversation too, or a later
        # question would be read as a follow-up of questions no longer shown.
        chatbot.clear(clear, None, outputs, api_visibility="private", queue=False)
        good.click(give_feedback(True), [last, comment], [status, comment], api_visibility="private")
        bad.click(give_feedback(False), [last, comment], [status, comment], api_visibility="private")
    from ui.match_page import with_match_tab

    return with_match_tab(blocks, settings, assistant.index.corpus)  # the 政策体检 tab beside the chat
