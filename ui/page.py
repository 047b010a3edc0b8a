"""The chat page (Gradio Blocks): title, what it covers, example questions, chat with citation
and formula cards, feedback, clear. History sent to the chain is the earlier user questions.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from html import escape
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from assistant.chain import Assistant
from corpus.errors import InputError, PolicyQAError
from corpus.settings import Settings
from ui.feedback import Feedback, FeedbackStore
from ui.render import answer_html, badge, error_html, pending_html, question_html

__all__ = ["build_page", "page_css", "page_head", "EXAMPLES", "description_html"]

# Questions the five documents answer; each is checked by a test against the real chain.
EXAMPLES = (
    "厦门专精特新企业在国内举办产品推介会有什么补贴？",
    "企业首次认定为国家级专精特新“小巨人”有什么奖励？",
    "厦门科技服务业措施的有效期到什么时候？",
    "山东省对科技服务业有哪些支持政策？",
    "三高企业倍增计划有哪些科技政策？",
    "厦门对新认定的高新技术企业有什么奖励？",
    "专精特新企业贷款贴息有什么规定？",
)

Ask = Callable[[str, list[str]], dict[str, Any]]


def description_html(assistant: Assistant, settings: Settings) -> str:
    """The header: title, one line on what is covered, and the document list with validity badges."""
    docs = assistant.documents
    regions = "、".join(dict.fromkeys(d.region for d in docs))
    today = settings.today_date()
    items = "".join(
        f"<li>《{escape(d.title)}》{'（' + escape(d.doc_no) + '）' if d.doc_no else ''} "
        f"<span class='pq-region'>{escape(d.region)}</span> {badge(d.validity(today).status.value, d.validity(today).status.zh)}</li>"
        for d in docs
    )
    return (
        '<header class="pq-header"><h1>政策问答</h1>'
        f'<p class="pq-desc">依据{len(docs)}份政策文件原文回答（覆盖地区：{escape(regions)}），每个回答都注明出处条款。</p>'
        f'<details class="pq-docs"><summary>查看收录的政策文件</summary><ul>{items}</ul></details></header>'
    )


def page_head() -> str:
    return '<meta name="description" content="政策问答：依据政策文件原文、注明出处的问答。">'


def page_css() -> str:
    return """
.gradio-container { max-width: 960px !important; margin: 0 auto !important; }
.pq-header h1 { font-size: 1.6rem; margin: .2rem 0 .3rem; }
.pq-desc { margin: 0 0 .3rem; opacity: .85; }
.pq-docs summary { cursor: pointer; font-size: .9rem; }
.pq-docs ul { margin: .3rem 0 0 1rem; padding: 0; font-size: .88rem; }
.pq-region { opacity: .7; font-size: .85em; }
.pq-examples { flex-wrap: wrap !important; gap: 6px !important; }
.pq-examples button { flex: 0 1 auto !important; min-width: 0 !important; white-space: normal !important; text-align: left; }
.pq-q { white-space: pre-wrap; word-break: break-word; }
.pq-answer { line-height: 1.65; word-break: break-word; }
.pq-p { margin: 0 0 .6rem; }
.pq-error { color: #b42318; font-weight: 600; }
.pq-pending { opacity: .7; font-style: italic; }
.pq-cites-h { font-weight: 600; margin: .6rem 0 .3rem; font-size: .92rem; }
.pq-cite, .pq-calc { border: 1px solid rgba(127,127,127,.35); border-radius: 8px; padding: .4rem .7rem; margin: .35rem 0; background: rgba(127,127,127,.06); }
.pq-cite summary, .pq-calc summary { cursor: pointer; font-weight: 600; }
.pq-n { color: #2563eb; }
.pq-label { margin-left: .35rem; font-weight: 400; opacity: .8; }
.pq-badge { display: inline-block; font-size: .75rem; font-weight: 600; border-radius: 999px; padding: 0 .5rem; margin-left: .3rem; border: 1px solid; }
.pq-ok { color: #067647; border-color: #067647; }
.pq-warn { color: #b54708; border-color: #b54708; }
.pq-bad { color: #b42318; border-color: #b42318; }
.pq-none { color: #667085; border-color: #667085; }
.pq-meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .6rem; margin: .4rem 0; font-size: .88rem; }
.pq-meta dt { opacity: .7; margin: 0; } .pq-meta dd { margin: 0; }
.pq-clause { margin: .3rem 0; padding: .3rem .6rem; border-left: 3px solid rgba(127,127,127,.5); font-size: .92rem; }
.pq-clause mark { background: #fde68a; color: #111; padding: 0 .1rem; }
.pq-src { font-size: .82rem; }
.pq-formula { font-family: ui-monospace, monospace; margin: .3rem 0; }
.pq-result { font-size: 1.05rem; }
.pq-calc-h { font-weight: 600; font-size: .88rem; margin-top: .3rem; }
.pq-inputs, .pq-steps { margin: .1rem 0 .2rem 1.2rem; padding: 0; }
.pq-rule, .pq-missing, .pq-reason { font-size: .88rem; opacity: .85; }
#pq-fb-status { min-height: 1.2rem; }
@media (max-width: 480px) {
  .pq-header h1 { font-size: 1.3rem; }
  .pq-desc { font-size: .9rem; }
  .pq-meta { grid-template-columns: 1fr; }
  .pq-examples button { font-size: .82rem !important; }
}
"""


def build_page(assistant: Assistant, settings: Settings, store: FeedbackStore, ask: Ask) -> gr.Blocks:
    """The Blocks of the chat page; ``ask(question, history)`` returns an Answer dict."""

    def respond(question: str, chat: list[dict[str, Any]], history: list[str], last: Any) -> Iterator[tuple[Any, ...]]:
        chat = list(chat or [])
        history = list(history or [])
        if not question or not question.strip():
            chat.append({"role": "assistant", "content": error_html("请输入您的问题。")})
            yield chat, "", history, last, ""
            return
        chat.append({"role": "user", "content": question_html(question.strip())})
        chat.append({"role": "assistant", "content": pending_html()})
        yield chat, "", history, last, ""
        try:
            answer = ask(question, history)
        except InputError as e:
            chat[-1] = {"role": "assistant", "content": error_html(e.message_zh)}
            yield chat, "", history, last, ""
            return
        except PolicyQAError as e:
            chat[-1] = {"role": "assistant", "content": error_html(e.message_zh)}
            yield chat, "", history, last, ""
            return
        chat[-1] = {"role": "assistant", "content": answer_html(answer)}
        history.append(question.strip())
        yield chat, "", history[-settings.max_history :] if settings.max_history else [], answer, ""

    def give_feedback(useful: bool) -> Callable[[Any, str], tuple[str, str]]:
        def handler(last: Any, comment: str) -> tuple[str, str]:
            if not last:
                return "<span class='pq-error'>请先提问，再评价回答。</span>", comment
            try:
                fb = Feedback.checked(
                    last["question"],
                    last["answer"],
                    [c["reference"] for c in last.get("citations", [])],
                    useful,
                    comment or "",
                    source="page",
                    max_question_chars=settings.max_question_chars,
                )
            except InputError as e:
                return error_html(e.message_zh), comment
            store.add(fb)
            return "已记录您的反馈，谢谢！", ""

        return handler

    def clear() -> tuple[Any, ...]:
        return [], "", [], None, ""

    with gr.Blocks(title="政策问答", analytics_enabled=False) as blocks:
        gr.HTML(description_html(assistant, settings))
        chatbot = gr.Chatbot(
            label="对话",
            elem_id="pq-chat",
            height="60vh",
            min_height=320,
            buttons=["copy"],
            placeholder="请在下方输入问题，或点击示例问题。回答均摘自政策原文并注明条款。",
        )
        with gr.Row(equal_height=True):
            box = gr.Textbox(
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
        gr.HTML('<div class="pq-cites-h">示例问题（点击即问）</div>')
        with gr.Row(elem_classes="pq-examples"):
            example_buttons = [gr.Button(q, size="sm", elem_classes="pq-example") for q in EXAMPLES]
        with gr.Row():
            clear_btn = gr.Button("清空对话", elem_id="pq-clear", size="sm", variant="secondary")
        with gr.Accordion("这个回答有帮助吗？", open=True, elem_id="pq-feedback"):
            comment = gr.Textbox(show_label=False, placeholder="补充意见（可选，最多1000字）", max_length=1000, elem_id="pq-comment", lines=1)
            with gr.Row():
                good = gr.Button("👍 有用", size="sm", elem_id="pq-useful")
                bad = gr.Button("👎 没用", size="sm", elem_id="pq-useless")
            status = gr.HTML("", elem_id="pq-fb-status")
        history = gr.State([])
        last = gr.State(None)

        outputs = [chatbot, box, history, last, status]
        box.submit(respond, [box, chatbot, history, last], outputs, api_name="ask_submit")
        send.click(respond, [box, chatbot, history, last], outputs, api_name="ask")
        for i, b in enumerate(example_buttons):
            b.click(lambda q=EXAMPLES[i]: q, None, box, api_name=False, queue=False).then(
                respond, [box, chatbot, history, last], outputs, api_name=False
            )
        clear_btn.click(clear, None, [chatbot, box, history, last, status], api_name=False, queue=False)
        good.click(give_feedback(True), [last, comment], [status, comment], api_name=False)
        bad.click(give_feedback(False), [last, comment], [status, comment], api_name=False)
    return blocks
