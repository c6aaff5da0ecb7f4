"""Every prompt the protocols send. Short on purpose: each supervisor token costs money.

The supervisor prompts never hold document text; the JSON schema sent with each
structured call gives the reply's shape, so the prompts only say what fields mean.
"""

from __future__ import annotations

from core.clients.base import Message

# --- Minion -----------------------------------------------------------------

MINION_SUPERVISOR = (
    "You answer a user's question about private documents you cannot see. A small local "
    "model has read them in full; ask it one simple, specific question at a time. "
    'Reply in JSON: action "ask" with the next question in text, or "answer" with the '
    "final answer in text. Use only what the local model reported."
)
MINION_LAST_ROUND = "That was the last round: give your final answer now."

MINION_WORKER = (
    "Answer questions about the documents below using only them. Be brief. Put the exact "
    'words from the documents that support each fact in double quotes. If they do not say, answer "not found".'
)


def with_memory(memory: str, text: str) -> str:
    """A prompt's text after the earlier turns of the conversation, if there are any."""
    return f"Conversation so far:\n{memory}\n{text}" if memory else text


def minion_supervisor_start(task: str, description: str, memory: str = "") -> list[Message]:
    return [
        {"role": "system", "content": MINION_SUPERVISOR},
        {
            "role": "user",
            "content": with_memory(memory, f"Question: {task}\nDocuments: {description}"),
        },
    ]


def minion_worker_start(documents_text: str, memory: str = "") -> list[Message]:
    system = f"{MINION_WORKER}\n\n{documents_text}"
    if memory:
        system += f"\n\nThe user's conversation so far, for context:\n{memory}"
    return [{"role": "system", "content": system}]


def minion_report(answer: str, last: bool) -> Message:
    text = f"Local model: {answer}"
    return {"role": "user", "content": f"{text}\n{MINION_LAST_ROUND}" if last else text}


# --- MinionS ----------------------------------------------------------------

MINIONS_PLAN = (
    "You plan extraction jobs over private documents you cannot see. A small local model "
    "runs each task separately on chunks of ~{chunk_tokens} tokens; most hold nothing "
    'relevant. Give 1-4 short, self-contained tasks. read: "best" for a fact (most '
    'relevant chunks first, stops once found), "all" to list, count, summarise or compare. '
    "Limit a task by docs (labels) or page_from/page_to only when sure; keywords: words "
    "that appear verbatim in relevant text."
)

MINIONS_SYNTHESIZE = (
    "Answer the user's question from findings that small local models extracted from "
    "private documents you cannot see. A finding reads: id [document pages] answer. "
    'Reply in JSON: decision "answer" with answer and cite (ids of the findings it rests '
    'on), or decision "more" with notes on what you know and what to extract next '
    '(a task that read some chunks can read "all"). '
    "Use only the findings; if they do not hold the answer, say so."
)
MINIONS_FINAL = (
    "Answer the user's question from findings that small local models extracted from "
    "private documents you cannot see. A finding reads: id [document pages] answer. "
    "Give answer and cite (ids of the findings it rests on). Use only the findings; "
    "if they do not hold the answer, say so."
)

MINIONS_JOB = (
    "Do the task using only the text. Reply in JSON: explanation (one sentence), "
    "citation (the exact words from the text that support the answer), answer (short; "
    "null if the text does not hold it)."
)


def minions_plan(
    task: str, description: str, notes: str, chunk_tokens: int, extra: str = "", memory: str = ""
) -> list[Message]:
    user = f"Question: {task}\nDocuments: {description}"
    if memory:  # the local model sees no conversation: its tasks must stand alone
        user = with_memory(memory, f"{user}\nWrite tasks that stand alone.")
    if extra:
        user += f"\nAbout them: {extra}"
    if notes:
        user += f"\nYour notes from the last round: {notes}"
    return [
        {"role": "system", "content": MINIONS_PLAN.format(chunk_tokens=chunk_tokens)},
        {"role": "user", "content": user},
    ]


def minions_synthesize(
    task: str, findings: str, notes: str, last: bool, memory: str = ""
) -> list[Message]:
    user = with_memory(memory, f"Question: {task}\n")
    if notes:
        user += f"Your notes from the last round: {notes}\n"
    user += f"Findings:\n{findings or '(none)'}"
    return [
        {"role": "system", "content": MINIONS_FINAL if last else MINIONS_SYNTHESIZE},
        {"role": "user", "content": user},
    ]


def minions_job(chunk_text: str, task: str) -> list[Message]:
    return [
        {"role": "system", "content": MINIONS_JOB},
        {"role": "user", "content": f"Text:\n{chunk_text}\n\nTask: {task}"},
    ]


# --- Local only and cloud only: one reader with the whole documents -----------

SINGLE_READER = (
    "Answer the question using only the documents below. Reply in JSON: answer (brief), "
    "quotes (the exact words from the documents that support it)."
)


def single_reader(task: str, documents_text: str, memory: str = "") -> list[Message]:
    return [
        {"role": "system", "content": f"{SINGLE_READER}\n\n{documents_text}"},
        {"role": "user", "content": with_memory(memory, f"Question: {task}") if memory else task},
    ]
