"""Staying lean on huge documents: peak memory and the wait before the first local call.

Each case runs in a fresh process (so its peak RSS is its own): load the document, then
one single-fact MinionS question through a real ``Run`` against the Ollama and OpenAI
fakes (in another process, no latency), to its answer. Printed per case: RSS once the
document is loaded, peak RSS of the whole run, and the seconds from the run's start to
its first local call (JobStarted; both model clients made before, as the app makes them at
start-up), with the caches cold (nothing prepared) and warm (the
document prepared when it was added, as the app does). ``--before DIR`` runs the same
cases on another checkout (e.g. ``git archive main | tar -x -C DIR``) in the same run.

Cases: "5,000 pages" (a paged document of ~13 MB) and "60 MB text" (a .txt file read
through the loader). Targets: 5,000 pages under 250 MB peak, the 60 MB file under 1 GB,
and at most 0.5 s before the first local call on 5,000 pages.
Run: .venv/bin/python bench/memory.py [--before DIR] [--cases 5000,60mb]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXT_MB = 60

FAKES = """
import sys
from bench.needles import needle_supervisor, needle_worker
from tests.fakes import OllamaFake, OpenAIFake
ollama, cloud = OllamaFake(), OpenAIFake()
ollama.responder, cloud.responder = needle_worker, needle_supervisor("best")
ollama.start(); cloud.start()
print(ollama.url, cloud.url, cloud.api_key, flush=True)
sys.stdin.read()
"""

# One case in a fresh process. argv: root, mine, case, text file, ollama, cloud, key, prepare
CHILD = """
import asyncio, json, resource, sys, time
root, mine, case, text_file, ollama, cloud, key, prepare = sys.argv[1:9]
sys.path.insert(0, root)
sys.path.append(mine)  # bench.needles comes from this checkout when the other has none
from bench.needles import make_corpus
from core.protocols.events import Done, Failed, JobStarted
from core.protocols.run import Run, RunRequest
from core.services import Services
from core.storage.secrets import ApiKeys, MemoryStore
from core.storage.settings import Settings

def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

if case == "5000":
    doc, needles = make_corpus(5000, 4, seed=5000)
    needle = needles[0]
    question, code = needle.question, needle.answer
else:
    from core.documents.loading import load_document_sync
    doc = load_document_sync(text_file, max_bytes=1 << 30)
    question, code = "Which code opens the vault of the Harwick archive?", "7781-KESTREL"
loaded = rss_mb()
settings = Settings(local_runtime="ollama", ollama_host=ollama, local_model="llama3.2:3b",
                    remote_base_url=cloud + "/v1", minions_rounds=1)
if prepare == "1":
    from core.retrieval import prepare_document
    prepare_document(doc, settings.chunk_chars)

async def main():
    keys = ApiKeys(MemoryStore())
    keys.store.set("cloud-api-key", key)
    services = Services(settings, keys=keys)
    # Both clients made first, as the app does at start-up (its set-up check builds them
    # while the window is idle): importing openai alone takes ~0.5 s and is not the run's.
    await services.local_client()
    services.remote_client()
    run = Run(RunRequest(question, [doc], protocol="minions"), services)
    started = time.perf_counter()
    first = None
    jobs = 0
    async for event in run.events():
        if isinstance(event, JobStarted):
            jobs += 1
            first = first or time.perf_counter() - started
        elif isinstance(event, Done):
            answer = event.answer.text
        elif isinstance(event, Failed):
            raise SystemExit(event.message)
    await services.aclose()
    return first, jobs, time.perf_counter() - started, answer

first, jobs, wall, answer = asyncio.run(main())
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"loaded_mb": loaded, "peak_mb": peak, "first_call_s": first, "jobs": jobs,
                  "run_s": wall, "found": code in answer, "chars": len(doc.text)}))
"""


def write_text_file(path: Path) -> None:
    """~60 MB of paragraphs with one planted fact in the middle (written once per run)."""
    sys.path.insert(0, str(ROOT))
    from bench.needles import _plant
    from tests.protocol_support import filler_page

    pages = [filler_page(n, 2400, seed=60) for n in range(1, 801)]  # a pool, reused
    target = TEXT_MB * 1024 * 1024
    with path.open("w", encoding="utf-8") as handle:
        written, n = 0, 0
        while written < target:
            page = pages[n % len(pages)]
            if n == 12_000:
                page = _plant(page, "The Harwick archive vault opens with code 7781-KESTREL.")
            handle.write(page + "\n\n")
            written += len(page) + 2
            n += 1


def run_case(root: Path, case: str, text_file: Path, fakes: list[str], prepare: bool) -> dict:
    home = tempfile.mkdtemp(prefix="minions-memory-")
    env = {**os.environ, "MINIONS_HOME": home}
    argv = [sys.executable, "-c", CHILD, str(root), str(ROOT), case, str(text_file), *fakes]
    done = subprocess.run(
        [*argv, "1" if prepare else "0"], cwd=root, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"{case} on {root} failed: {done.stderr.strip()[-600:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="another checkout, measured in the same run")
    parser.add_argument("--cases", default="5000,60mb", help="comma-separated: 5000, 60mb")
    args = parser.parse_args()
    cases = args.cases.split(",")
    work = Path(tempfile.mkdtemp(prefix="minions-memory-"))
    text_file = work / "big.txt"
    if "60mb" in cases:
        write_text_file(text_file)
    child = subprocess.Popen(
        [sys.executable, "-c", FAKES], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert child.stdout is not None
    fakes = child.stdout.readline().split()
    rows = []
    try:
        for case in cases:
            for label, root, prepare in (
                ("cold", ROOT, False),
                ("warm", ROOT, True),
                *((("before", args.before.resolve(), False),) if args.before else ()),
            ):
                result = run_case(root, case, text_file, fakes, prepare)
                rows.append((case, label, result))
                print(f"  done: {case} {label}", file=sys.stderr)
    finally:
        if child.stdin:
            child.stdin.close()
        child.wait(timeout=10)
    print("Memory and first local call, one single-fact MinionS question per fresh process")
    print(f"  {'case':<11}{'caches':<8}{'text MB':>8}{'loaded MB':>10}{'peak MB':>9}"
          f"{'first call s':>13}{'jobs':>7}{'run s':>8}  found")  # fmt: skip
    for case, label, r in rows:
        print(f"  {case:<11}{label:<8}{r['chars'] / 1e6:>8.1f}{r['loaded_mb']:>10.0f}"
              f"{r['peak_mb']:>9.0f}{r['first_call_s']:>13.2f}{r['jobs']:>7}{r['run_s']:>8.2f}"
              f"  {r['found']}")  # fmt: skip
    print("  targets: 5000 peak < 250 MB and first call <= 0.5 s; 60mb peak < 1024 MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
