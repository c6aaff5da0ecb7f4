"""Redaction benchmark: recall and false positives on the labelled set, and speed.

1. The hand-labelled set (tests/data/redaction_set.txt): recall per kind and overall for
   the structured identifiers (EMAIL, PHONE, CARD, IBAN, ID, IP), then for names and
   addresses apart; every false positive (text replaced outside a labelled identifier),
   the look-alike it touched and whether it changed a number.
2. A generated set (tests/redaction_generated.py, seeded): random digits in each format
   and random look-alikes, recall per format family.
3. Speed: redacting 1 MB of ordinary text (prose with dates, amounts, years, page and
   order numbers, a few names and identifiers), today's redactor against the one before
   this rewrite (read from git at BASELINE_COMMIT), paired and repeated, medians.

Targets: structured recall >= 98%, no false positive that changes a number, redaction
within 2x of the baseline's time. ``--strict`` exits 1 when one is missed.
Run: .venv/bin/python bench/redaction.py [--strict] [--runs N]
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.privacy.redaction import STRUCTURED_KINDS, Redactor  # noqa: E402
from tests.redaction_generated import AMBIGUOUS_DATE_SERIAL, generated_set  # noqa: E402
from tests.redaction_set import PEOPLE_KINDS, Score, Sentence, load_set, score  # noqa: E402

BASELINE_COMMIT = "c599268"  # the last commit with the single-module redactor
RECALL_TARGET = 0.98
SPEED_TARGET = 2.0
PROSE = (
    "the committee reviewed quarterly figures and noted that revenue in the northern region "
    "grew while costs for logistics staff travel and software licences rose slightly over "
    "plan we expect the new contract to be signed after the audit of the supplier accounts"
)
VOCABULARY = PROSE.split()


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} = {100 * part / whole:.1f}%" if whole else "-"


def report_set(title: str, result: Score) -> None:
    print(f"\n== {title}")
    for group, kinds in (("structured", STRUCTURED_KINDS), ("names and addresses", PEOPLE_KINDS)):
        if not sum(result.total[k] for k in kinds):
            continue
        print(f"-- {group}")
        for kind in kinds:
            if result.total[kind]:
                wrong = result.caught[kind] - result.right_kind[kind]
                note = f"   ({wrong} caught under another kind)" if wrong else ""
                print(f"   {kind:8} recall {_pct(result.caught[kind], result.total[kind])}{note}")
        caught = sum(result.caught[k] for k in kinds)
        total = sum(result.total[k] for k in kinds)
        print(f"   overall  recall {_pct(caught, total)}")
        lookalike_group = "structured" if kinds == STRUCTURED_KINDS else "people"
        labelled = result.lookalikes.get(lookalike_group, 0)
        changed = result.lookalikes_changed.get(lookalike_group, 0)
        fps = result.false_positives_in(kinds)
        print(f"   look-alikes changed: {changed} of {labelled}")
        print(
            f"   false positives: {len(fps)}, changing a number: {sum(f.changes_number for f in fps)}"
        )
        for fp in fps:
            touched = f" (look-alike {fp.lookalike!r})" if fp.lookalike else ""
            number = "CHANGES A NUMBER" if fp.changes_number else "no digits"
            known = " [known ambiguity]" if fp.category == f"keep/{AMBIGUOUS_DATE_SERIAL}" else ""
            print(f"     {fp.category}: {fp.kind} took {fp.text!r}{touched}: {number}{known}")
    if result.missed:
        print("-- missed")
        for kind, category, value in result.missed:
            print(f"   {kind:8} {category}: {value!r}")
    if result.not_restored:
        print(f"-- NOT RESTORED EXACTLY: {result.not_restored}")


def report_generated_families(result: Score, sentences: list[Sentence]) -> None:
    families: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for s in sentences:
        for _ in s.identifiers:
            families[s.category][0] += 1
    for _kind, category, _value in result.missed:
        families[category][1] += 1
    print("-- recall per format family")
    for category, (total, missed) in sorted(families.items()):
        print(f"   {category:45} {_pct(total - missed, total)}")
    lookalikes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for s in sentences:
        if s.lookalikes:
            lookalikes[s.category][0] += len(s.lookalikes)
    for fp in result.false_positives:
        lookalikes[fp.category][1] += 1
    print("-- look-alikes changed, per family")
    for category, (total, changed) in sorted(lookalikes.items()):
        note = "  (known ambiguity, see tests/redaction_generated.py)" if changed else ""
        print(f"   {category:45} {changed}/{total}{note}")


def ordinary_text(size: int = 1_000_000, seed: int = 11) -> str:
    """Prose with the numbers documents hold, a few names and an identifier now and then."""
    rng = random.Random(seed)
    numbers: list[Callable[[], str]] = [
        lambda: f"{rng.randint(2015, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        lambda: f"{rng.randint(1, 28)}.{rng.randint(1, 12):02d}.{rng.randint(2015, 2025)}",
        lambda: f"${rng.randint(1000, 999999):,}.{rng.randint(0, 99):02d}",
        lambda: f"{rng.randint(1, 99)}.{rng.randint(0, 9)}%",
        lambda: f"page {rng.randint(1, 400)}",
        lambda: f"order {rng.randint(100000, 99999999)}",
        lambda: str(rng.randint(1990, 2030)),
        lambda: f"{rng.randint(1, 23):02d}:{rng.randint(0, 59):02d}",
        lambda: f"section {rng.randint(1, 9)}.{rng.randint(1, 9)}",
        lambda: f"{rng.randint(1, 999)} units",
    ]
    names = ["Mr Smith", "Dr. Anna Berg", "Ms Okafor", "Sweden", "London", "Monday", "Acme Ltd"]
    identifiers = [
        "jane.doe@example.org",
        "+44 20 7946 0958",
        "4111 1111 1111 1111",
        "DE89 3704 0044 0532 0130 00",
        "192.168.1.10",
        "(415) 555-2671",
    ]
    parts: list[str] = []
    total = 0
    while total < size:
        words = []
        for _ in range(rng.randint(8, 24)):
            roll = rng.random()
            if roll < 0.06:
                words.append(numbers[rng.randrange(len(numbers))]())
            elif roll < 0.08:
                words.append(rng.choice(names))
            elif roll < 0.082:
                words.append(rng.choice(identifiers))
            else:
                words.append(rng.choice(VOCABULARY))
        sentence = " ".join(words).capitalize() + (". " if rng.random() < 0.9 else ".\n\n")
        parts.append(sentence)
        total += len(sentence)
    return "".join(parts)


def load_baseline() -> ModuleType | None:
    """The redactor as it was before this rewrite, read from git; None without git history."""
    try:
        source = subprocess.run(
            ["git", "show", f"{BASELINE_COMMIT}:core/privacy/redaction.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp(prefix="redaction-baseline-")) / "baseline_redaction.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("baseline_redaction", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_redaction"] = module
    spec.loader.exec_module(module)
    return module


def timed(redact: Callable[[str], str], text: str) -> float:
    began = time.perf_counter()
    redact(text)
    return time.perf_counter() - began


def report_speed(runs: int, baseline: ModuleType | None) -> float | None:
    text = ordinary_text()
    print(f"\n== Speed: redacting {len(text) / 1e6:.2f} MB of ordinary text, {runs} paired runs")
    contenders: dict[str, Callable[[str], str]] = {
        "now, all kinds": lambda t: Redactor().redact(t),
        "now, structured kinds only": lambda t: Redactor(STRUCTURED_KINDS).redact(t),
    }
    if baseline is not None:
        contenders = {
            f"before ({BASELINE_COMMIT})": lambda t: baseline.Redactor().redact(t)
        } | contenders
    else:
        print(f"   (no git history for {BASELINE_COMMIT}: no baseline in this run)")
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for i in range(runs):
        order = list(contenders.items())
        if i % 2:
            order.reverse()  # alternate the order so neither side always runs warm
        for name, redact in order:
            times[name].append(timed(redact, text))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, value in medians.items():
        print(f"   {name:32} median {value * 1000:7.1f} ms")
    if baseline is None:
        return None
    ratios = [
        now / before
        for now, before in zip(
            times["now, all kinds"], times[f"before ({BASELINE_COMMIT})"], strict=True
        )
    ]
    ratio = statistics.median(ratios)
    print(f"   ratio now/before (median of paired runs): {ratio:.2f}x  (target <= {SPEED_TARGET}x)")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--runs", type=int, default=7, help="paired speed runs (default 7)")
    args = parser.parse_args()

    labelled = score(load_set())
    report_set("Hand-labelled set (tests/data/redaction_set.txt)", labelled)
    sentences = generated_set()
    generated = score(sentences)
    report_set("Generated set (tests/redaction_generated.py, seed 14)", generated)
    report_generated_families(generated, sentences)
    baseline = load_baseline()
    if baseline is not None:
        before = score(load_set(), baseline.Redactor)
        print(f"\n== The redactor before this rewrite ({BASELINE_COMMIT}) on the hand-labelled set")
        for kind in (*STRUCTURED_KINDS, *PEOPLE_KINDS):
            print(f"   {kind:8} recall {_pct(before.caught[kind], before.total[kind])}")
        number_fps = [fp for fp in before.false_positives if fp.changes_number]
        print(f"   false positives changing a number: {len(number_fps)}")
    ratio = report_speed(args.runs, baseline)

    recall = labelled.recall(STRUCTURED_KINDS)
    number_fps = [fp for fp in labelled.false_positives if fp.changes_number]
    missed = []
    if recall < RECALL_TARGET:
        missed.append(f"structured recall {recall:.1%} < {RECALL_TARGET:.0%}")
    if number_fps:
        missed.append(f"{len(number_fps)} false positive(s) change a number")
    if ratio is not None and ratio > SPEED_TARGET:
        missed.append(f"speed {ratio:.2f}x > {SPEED_TARGET}x")
    print("\nTargets:", "; ".join(missed) if missed else "all met")
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
