"""The grammar the built-in model writes JSON under: valid strings, and replies that fit."""

from __future__ import annotations

import importlib.util
import re

import pytest

from core.clients.embedded.grammar import schema_grammar
from core.protocols import schemas
from core.protocols.schemas import JobOutput

SCHEMAS = [
    schemas.Question,
    schemas.SupervisorTurn,
    schemas.FinalAnswer,
    schemas.JobPlan,
    schemas.JobOutput,
    schemas.Synthesis,
    schemas.FinalSynthesis,
    schemas.QuotedAnswer,
]


def rules(grammar: str) -> dict[str, str]:
    return dict(line.split(" ::= ", 1) for line in grammar.splitlines())


def caps(grammar: str) -> list[int]:
    return [int(n) for n in re.findall(r"char\{0,(\d+)\}", grammar)]


def test_strings_admit_no_raw_control_characters():
    char = rules(schema_grammar(JobOutput.model_json_schema()))["char"]
    assert r"\x00-\x1F" in char.split("|")[0] and char.startswith('[^"\\\\')
    assert '"u"' not in char  # no \\uXXXX escapes: six tokens for one character


def test_string_caps_follow_the_schema_when_the_budget_allows():
    grammar = schema_grammar(JobOutput.model_json_schema(), max_tokens=4000)
    assert sorted(caps(grammar)) == [200, 300, 300]


def test_string_caps_shrink_so_the_longest_reply_fits_max_tokens():
    schema = JobOutput.model_json_schema()
    for budget in (100, 200, 400):
        grammar = schema_grammar(schema, max_tokens=budget)
        keys = sum(len(k) + 2 for k in schema["properties"])
        longest = sum(caps(grammar)) + keys + 3 * 6  # quotes, colons, commas and spaces
        assert longest <= budget, (budget, caps(grammar))
        assert min(caps(grammar)) > 0


def test_a_string_with_no_cap_gets_one_so_the_answer_cannot_ramble_past_max_tokens():
    # SmolLM2 once wrote a Local only answer that ran on until max_tokens cut the JSON off.
    schema = schemas.QuotedAnswer.model_json_schema()
    assert "maxLength" not in schema["properties"]["answer"]
    grammar = schema_grammar(schema, max_tokens=1000)
    answer_cap = int(re.search(r"char\{0,(\d+)\}", rules(grammar)["root-answer"])[1])
    quote_cap = int(re.search(r"char\{0,(\d+)\}", rules(grammar)["root-quotes-item"])[1])
    longest = answer_cap + 6 * (quote_cap + 4) + 40  # keys, quotes, brackets and commas
    assert answer_cap > 0 and longest <= 1000, (answer_cap, quote_cap)
    free = rules(schema_grammar(schema))
    assert "root-answer" not in free and ':" space string' in free["root"]  # no budget: no cap


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.__name__)
def test_every_rule_used_is_defined(schema):
    defined = rules(schema_grammar(schema.model_json_schema(), max_tokens=500))
    for body in defined.values():
        bare = re.sub(r'"(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]|\{\d*,?\d*\}', " ", body)
        for name in re.findall(r"[a-z][a-z0-9-]*", bare):
            assert name in defined, (name, body)


@pytest.mark.realmodel
@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="needs llama-cpp-python")
@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.__name__)
def test_llama_cpp_accepts_the_grammar_of_every_protocol_schema(schema):
    from core.clients.embedded.model import Model
    from tests.realmodel import smollm_path

    model = Model(smollm_path())
    grammar = schema_grammar(schema.model_json_schema(), max_tokens=400)
    sampler = model.lib.llama_sampler_init_grammar(model.vocab, grammar.encode(), b"root")
    assert sampler, grammar
    model.lib.llama_sampler_free(sampler)
    model.close()


@pytest.mark.realmodel
@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="needs llama-cpp-python")
def test_llama_cpp_refuses_a_raw_newline_and_a_string_past_its_cap():
    from core.clients.embedded.model import Model
    from tests.realmodel import smollm_path

    model = Model(smollm_path())
    lib = model.lib
    grammar = schema_grammar(JobOutput.model_json_schema(), max_tokens=400)
    cap = rules(grammar)["root-explanation"].split("{0,")[1].split("}")[0]
    one = (lib.llama_token_data * 1)()
    candidates = lib.llama_token_data_array(data=one, size=1, selected=-1, sorted=False)

    def allowed(sampler, text: str) -> bool:
        (token,) = model.tokenize(text)
        one[0].id, one[0].logit, candidates.size = token, 1.0, 1
        lib.llama_sampler_apply(sampler, candidates)
        return one[0].logit != float("-inf")

    def fed(prefix: str):
        sampler = lib.llama_sampler_init_grammar(model.vocab, grammar.encode(), b"root")
        for token in model.tokenize(prefix):
            lib.llama_sampler_accept(sampler, token)
        return sampler

    inside = fed('{"explanation":"The rent is')
    assert allowed(inside, " due") and allowed(inside, '"')
    assert not allowed(inside, "\n") and not allowed(inside, "\t")
    full = fed('{"explanation":"' + "x" * int(cap))
    assert allowed(full, '"') and not allowed(full, "x")
    for sampler in (inside, full):
        lib.llama_sampler_free(sampler)
    model.close()
