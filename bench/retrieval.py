"""Reading the right chunks first: local jobs, time to answer and needle recall, best-first vs all.

Three documents (300, 1,000 and 5,000 pages, about one chunk a page) hold planted facts
with distractors (``bench/needles.py``). Each single-fact question is asked through a real
``Run`` against the Ollama and OpenAI fakes (in a child process, the Ollama one with a fixed
latency per request and four slots), twice: once as today, reading every chunk ("all"),
and once reading the best-ranked chunks first ("best"). The fake worker answers only from
the chunk text it receives, so recall is real: a question counts as found when the
answer holds the planted code and cites the planted page.

Printed per size: local jobs and time to answer (median of paired, alternating runs with
latency), the ratio all/best, and recall of both strategies over every question (latency
0: recall does not depend on it). The index is built before timing, as the app does when a
document is added; its build time is printed too. Target: >= 10x fewer local jobs for a
single fact, with recall no lower than reading every chunk.

Run: .venv/bin/python bench/retrieval.py [--latency 0.02] [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.needles import Needle, make_corpus  # noqa: E402
from core.documents.chunking import chunk_document  # noqa: E402
from core.documents.model import Document  # noqa: E402
from core.protocols.events import Done, Failed, JobStarted  # noqa: E402
from core.protocols.run import Run, RunRequest  # noqa: E402
from core.retrieval import prepare_document  # noqa: E402
from core.services import Services  # noqa: E402
from core.storage.secrets import ApiKeys, MemoryStore  # noqa: E402
from core.storage.settings import Settings  # noqa: E402

SIZES = ((300, 16), (1000, 12), (5000, 8))  # pages, planted facts (36 questions in all)
PARALLEL = 4
STRATEGIES = ("all", "best")

# The child: one Ollama fake and one cloud fake per strategy ("all" and "best").
FAKES = """
import sys
from bench.needles import needle_supervisor, needle_worker
from tests.fakes import OllamaFake, OpenAIFake
latency, parallel = float(sys.argv[1]), int(sys.argv[2])
ollama = OllamaFake()
ollama.latency, ollama.max_parallel, ollama.responder = latency, parallel, needle_worker
ollama.start()
clouds = {}
for read in ("all", "best"):
    clouds[read] = OpenAIFake()
    clouds[read].responder = needle_supervisor(read)
    clouds[read].start()
print(ollama.url, *(f"{c.url} {c.api_key}" for c in clouds.values()), flush=True)
for line in sys.stdin:  # "latency SECONDS" changes the worker's latency; EOF ends
    ollama.latency = float(line.split()[1])
"""


class Fakes:
    def __init__(self, latency: float) -> None:
        self.child = subprocess.Popen(
            [sys.executable, "-c", FAKES, str(latency), str(PARALLEL)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.child.stdout is not None
        ollama, all_url, all_key, best_url, best_key = self.child.stdout.readline().split()
        self.ollama = ollama
        self.cloud = {"all": (all_url, all_key), "best": (best_url, best_key)}

    def set_latency(self, seconds: float) -> None:
        assert self.child.stdin is not None
        self.child.stdin.write(f"latency {seconds}\n")
        self.child.stdin.flush()
        time.sleep(0.2)  # the child reads it between requests

    def close(self) -> None:
        if self.child.stdin:
            self.child.stdin.close()
        try:
            self.child.wait(timeout=10)
        except subprocess.TimeoutExpired:  # tens of thousands of recorded requests to free
            self.child.kill()
            self.child.wait()


def services_for(fakes: Fakes, read: str) -> Services:
    url, key = fakes.cloud[read]
    keys = ApiKeys(MemoryStore())
    keys.store.set("cloud-api-key", key)
    settings = Settings(
        local_runtime="ollama",
        ollama_host=fakes.ollama,
        local_model="llama3.2:3b",
        remote_base_url=f"{url}/v1",
        parallelism=PARALLEL,
        minions_rounds=1,
    )
    return Services(settings, keys=keys)


async def ask(services: Services, doc: Document, needle: Needle) -> dict[str, Any]:
    """One question through a real Run: local jobs, seconds to the answer, found or not."""
    run = Run(RunRequest(needle.question, [doc], protocol="minions"), services)
    jobs, started = 0, time.perf_counter()
    found = False
    async for event in run.events():
        if isinstance(event, JobStarted):
            jobs += 1
        elif isinstance(event, Done):
            answer = event.answer
            pages = {c.page for c in answer.citations}
            found = needle.answer in answer.text and needle.page in pages
        elif isinstance(event, Failed):
            raise SystemExit(f"run failed: {event.message}")
    return {"jobs": jobs, "seconds": time.perf_counter() - started, "found": found}


async def bench(args: argparse.Namespace, fakes: Fakes) -> None:
    corpora = []
    print("Documents (index built once, as when a document is added):")
    for pages, count in SIZES[: 2 if args.quick else 3]:
        doc, needles = make_corpus(pages, count, seed=pages)
        chunks = len(chunk_document(doc, target_chars=Settings().chunk_chars))
        started = time.perf_counter()
        await asyncio.to_thread(prepare_document, doc, Settings().chunk_chars)
        built = time.perf_counter() - started
        print(f"  {pages:>5} pages  {chunks:>5} chunks  {len(doc.text) / 1e6:5.1f} MB text  "
              f"index built in {built:.2f} s")  # fmt: skip
        corpora.append((pages, chunks, doc, needles))
    services = {read: services_for(fakes, read) for read in STRATEGIES}
    for client in services.values():
        await client.local_client()  # connected before timing, as at app start-up

    print(f"\nSingle-fact questions, latency {args.latency * 1000:.0f} ms per local job, "
          f"{PARALLEL} slots; median of {args.repeat} paired runs")  # fmt: skip
    print(f"  {'pages':>5}  {'jobs all':>8} {'jobs best':>9} {'fewer':>7}   "
          f"{'answer all':>10} {'answer best':>11} {'faster':>7}")  # fmt: skip
    fakes.set_latency(args.latency)
    ratios = []
    for pages, _chunks, doc, needles in corpora:
        runs: dict[str, list[dict[str, Any]]] = {read: [] for read in STRATEGIES}
        for r in range(args.repeat):
            order = STRATEGIES if r % 2 == 0 else STRATEGIES[::-1]  # alternate who goes first
            for read in order:
                runs[read].append(await ask(services[read], doc, needles[r % len(needles)]))
        jobs = {read: statistics.median(x["jobs"] for x in runs[read]) for read in STRATEGIES}
        secs = {read: statistics.median(x["seconds"] for x in runs[read]) for read in STRATEGIES}
        ratios.append(jobs["all"] / jobs["best"])
        print(f"  {pages:>5}  {jobs['all']:>8.0f} {jobs['best']:>9.0f} "
              f"{jobs['all'] / jobs['best']:>6.1f}x   {secs['all']:>9.2f}s {secs['best']:>10.2f}s "
              f"{secs['all'] / secs['best']:>6.1f}x")  # fmt: skip

    fakes.set_latency(0.0)
    found = {read: 0 for read in STRATEGIES}
    total_jobs = {read: 0 for read in STRATEGIES}
    questions = 0
    for _pages, _chunks, doc, needles in corpora:
        for needle in needles:
            questions += 1
            for read in STRATEGIES:
                result = await ask(services[read], doc, needle)
                found[read] += result["found"]
                total_jobs[read] += result["jobs"]
    print(f"\nNeedle recall over {questions} questions (answer holds the code and cites its page):")
    for read in STRATEGIES:
        label = "read every chunk" if read == "all" else "best-ranked first"
        print(f"  {label:<18} {found[read]:>3}/{questions} = {found[read] / questions:6.1%}   "
              f"local jobs {total_jobs[read]:,}")  # fmt: skip
    met = min(ratios) >= 10 and found["best"] >= found["all"]
    print(f"\nTarget (>= 10x fewer jobs, recall no lower): {'met' if met else 'MISSED'}")
    for client in services.values():
        await client.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per local job")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size and strategy")
    parser.add_argument("--quick", action="store_true", help="300 and 1,000 pages only")
    args = parser.parse_args()
    os.environ["MINIONS_HOME"] = tempfile.mkdtemp(prefix="minions-bench-")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OLLAMA_HOST", "MINIONS_REMOTE_MODEL"):
        os.environ.pop(name, None)
    fakes = Fakes(args.latency)
    try:
        asyncio.run(bench(args, fakes))
    finally:
        fakes.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
