"""MinionS at scale: 1,000 chunk jobs against the fake Ollama with a fixed latency per request.

The fakes run in a child process, so this process's CPU time is the orchestration
alone (protocol, clients, HTTP). Printed: the job phase's wall time against the ideal
``ceil(jobs / parallel) x latency`` as a ratio, orchestration CPU per job, peak memory,
and the cloud tokens: the whole run's as the cloud server received them (messages and
JSON schema, counted from the request bodies), and the fixed tokens of each supervisor
call. The plan reads every chunk ("all"), so the job phase has 1,000 jobs. Targets:
ratio <= 1.10 and under 2 ms CPU per job; ``--strict`` exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.clients.base import ChatResult, Message, Usage, parse_structured  # noqa: E402
from core.documents.extraction import join_pages  # noqa: E402
from core.documents.model import Document  # noqa: E402
from core.protocols import prompts  # noqa: E402
from core.protocols.context import estimate_call_tokens  # noqa: E402
from core.protocols.events import Done, JobFinished, JobsPlanned  # noqa: E402
from core.protocols.minions import in_flight  # noqa: E402
from core.protocols.run import Run, RunRequest  # noqa: E402
from core.protocols.schemas import (  # noqa: E402
    FinalAnswer,
    FinalSynthesis,
    JobPlan,
    Question,
    SupervisorTurn,
    Synthesis,
)
from core.services import Services  # noqa: E402
from core.storage.secrets import ApiKeys, MemoryStore  # noqa: E402
from core.storage.settings import Settings  # noqa: E402
from tests.protocol_support import (  # noqa: E402
    FACT,
    fact_worker,
    filler_page,
    minions_supervisor,
)

PLAN = [{"task": "What is the vault access code?", "read": "all"}]  # every chunk: 1,000 jobs
CHUNKS = 1000
CHUNK_CHARS = 600
PAGE_CHARS = 500  # pages cut to this size, one chunk each: exactly CHUNKS jobs per instruction

# The child process: both fakes, the Ollama one with latency and a parallelism limit.
FAKES = """
import json, sys, time
from core.tokens import estimate_message_tokens, estimate_tokens
from tests.fakes import OllamaFake, OpenAIFake
from tests.protocol_support import fact_worker, minions_supervisor
latency, parallel = float(sys.argv[1]), int(sys.argv[2])
ollama, cloud = OllamaFake(), OpenAIFake()
ollama.latency, ollama.max_parallel, ollama.responder = latency, parallel, fact_worker
cloud.responder = minions_supervisor(PLAN)
ollama.start(); cloud.start()
print(ollama.url, cloud.url, cloud.api_key, flush=True)
sys.stdin.read()  # run until the parent closes our stdin
sent = 0
for request in cloud.requests_to("/chat/completions"):  # the cloud tokens, as sent
    body = request.json
    schema = (body.get("response_format") or {}).get("json_schema", {}).get("schema")
    sent += estimate_message_tokens(body["messages"])
    sent += estimate_tokens(json.dumps(schema)) if schema else 0
print(sent, flush=True)
""".replace("PLAN", repr(PLAN))


def thousand_page_document() -> Document:
    pages = [filler_page(n, PAGE_CHARS)[:PAGE_CHARS].strip() for n in range(1, CHUNKS + 1)]
    pages[CHUNKS // 2] = f"{pages[CHUNKS // 2][: PAGE_CHARS - len(FACT) - 2]}\n\n{FACT}"
    text, page_list = join_pages(pages)
    return Document("bench", "bench.txt", "", "text", text, page_list)


class InstantClient:
    """A chat client that answers at once, in-process: what the protocol costs without HTTP."""

    egress, endpoint = False, "instant"

    def __init__(self, model: str, respond: Any) -> None:
        self.model, self._respond = model, respond

    async def chat(self, messages: Any, *, schema: Any = None, **_: Any) -> ChatResult:
        fmt = schema.model_json_schema() if schema else None
        payload = {
            "messages": messages,
            "format": fmt,
            "response_format": {"json_schema": {"name": schema.__name__ if schema else ""}},
        }
        text = json.dumps(self._respond(payload))
        return ChatResult(
            text,
            Usage(1, 1),
            "stop",
            self.model,
            parse_structured(text, schema) if schema else None,
        )

    async def list_models(self) -> list[Any]:
        return []

    async def context_limit(self) -> int | None:
        return None

    async def aclose(self) -> None:
        pass


async def protocol_cpu_per_job() -> float:
    """CPU per job of the protocol alone (planning, jobs, events, aggregation), no HTTP."""
    services = Services(Settings(parallelism=8), keys=ApiKeys(MemoryStore()))
    worker = InstantClient("w", fact_worker)
    supervisor = InstantClient("s", minions_supervisor(PLAN))
    run = Run(RunRequest("What is the vault access code?", [thousand_page_document()]), services,
              chunk_chars=CHUNK_CHARS, worker=worker, supervisor=supervisor)  # fmt: skip
    cpu0 = time.process_time()
    jobs = 0
    async for event in run.events():
        if isinstance(event, JobsPlanned):
            jobs = event.total
    cpu = time.process_time() - cpu0
    await services.aclose()
    return 1000 * cpu / jobs


def fixed_prompt_tokens() -> dict[str, int]:
    """Tokens of each supervisor call with an empty question and no findings: pure overhead."""

    def fixed(messages: list[Message], schema: type) -> int:
        return estimate_call_tokens(messages, schema, 0)

    return {
        "minions plan": fixed(prompts.minions_plan("", "", "", 170), JobPlan),
        "minions synthesis": fixed(prompts.minions_synthesize("", "", "", False), Synthesis),
        "minions final synthesis": fixed(
            prompts.minions_synthesize("", "", "", True), FinalSynthesis
        ),
        "minion first question": fixed(prompts.minion_supervisor_start("", ""), Question),
        "minion later turn": fixed(
            [*prompts.minion_supervisor_start("", ""), prompts.minion_report("", False)],
            SupervisorTurn,
        ),
        "minion final answer": fixed(prompts.minion_supervisor_start("", ""), FinalAnswer),
    }


async def run_once(ollama_url: str, cloud_url: str, key: str, parallel: int) -> dict[str, float]:
    keys = ApiKeys(MemoryStore())
    keys.store.set("cloud-api-key", key)
    settings = Settings(
        local_runtime="ollama",
        ollama_host=ollama_url,
        local_model="llama3.2:3b",
        remote_base_url=f"{cloud_url}/v1",
        parallelism=parallel,
    )
    services = Services(settings, keys=keys)
    await services.local_client()  # connect before timing, as the app does at start-up
    doc = thousand_page_document()
    run = Run(
        RunRequest("What is the vault access code?", [doc]), services, chunk_chars=CHUNK_CHARS
    )
    jobs, planned_at, last_job_at = 0, 0.0, 0.0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    async for event in run.events():
        if isinstance(event, JobsPlanned):
            jobs, planned_at = event.total, time.perf_counter()
        elif isinstance(event, JobFinished):
            last_job_at = time.perf_counter()
        elif isinstance(event, Done):
            assert "7781-KESTREL" in event.answer.text, event.answer.text
            usage = event.answer.usage
        elif not isinstance(event, (JobFinished,)) and type(event).__name__ in (
            "Failed",
            "Cancelled",
        ):
            raise SystemExit(f"run ended with {event}")
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    await services.aclose()
    return {
        "jobs": jobs,
        "job_wall": last_job_at - planned_at,
        "run_wall": wall,
        "cpu": cpu,
        "remote_prompt_tokens": usage.remote_prompt_tokens,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--latency", type=float, default=0.05, help="seconds per fake Ollama request"
    )
    parser.add_argument(
        "--parallel", type=int, default=8, help="fake Ollama slots = parallelism setting"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="minions-bench-")
    os.environ["MINIONS_HOME"] = home
    child = subprocess.Popen(
        [sys.executable, "-c", FAKES, str(args.latency), str(args.parallel)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        ollama_url, cloud_url, key = child.stdout.readline().split()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result = asyncio.run(run_once(ollama_url, cloud_url, key, args.parallel))
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    finally:
        if child.stdin:
            child.stdin.close()
        sent_tokens = int(child.stdout.readline() or 0) if child.stdout else 0
        child.wait(timeout=10)
    jobs = int(result["jobs"])
    protocol_ms = asyncio.run(protocol_cpu_per_job())
    ideal = math.ceil(jobs / args.parallel) * args.latency
    ratio = result["job_wall"] / ideal
    cpu_ms = 1000 * result["cpu"] / jobs
    print(
        f"MinionS scale: {jobs} jobs, latency {args.latency * 1000:.0f} ms, parallel {args.parallel}"
    )
    print(
        f"  job phase wall   {result['job_wall']:.3f} s   ideal {ideal:.3f} s   ratio {ratio:.3f}  (target <= 1.10)"
    )
    print(
        f"  the fake server runs at most {args.parallel} at once; the client keeps "
        f"{in_flight(args.parallel)} open so a freed slot never waits on the client"
    )
    print(f"  whole run wall   {result['run_wall']:.3f} s  (plan + jobs + synthesis)")
    print(
        f"  orchestration CPU {cpu_ms:.3f} ms per job  (target < 2 ms; whole run, this process only)"
    )
    print(
        f"    of which the protocol alone {protocol_ms:.3f} ms (instant in-process clients);"
        " the rest is the Ollama client library and HTTP"
    )
    print(
        f"  peak RSS         {rss_peak / 1024:.1f} MB  ({(rss_peak - rss_before) / 1024:+.1f} MB during the run)"
    )
    print(
        f"  cloud prompt tokens for the whole run, as sent (messages + schemas): {sent_tokens:,}"
        f"  (the fake's usage, messages only: {result['remote_prompt_tokens']:,})"
    )
    print("  fixed prompt tokens per supervisor call (system prompt + framing + JSON schema):")
    for name, tokens in fixed_prompt_tokens().items():
        print(f"    {name:<28} {tokens:>4}")
    print(json.dumps({"ratio": round(ratio, 4), "cpu_ms_per_job": round(cpu_ms, 4)}))
    missed = ratio > 1.10 or cpu_ms >= 2.0
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
