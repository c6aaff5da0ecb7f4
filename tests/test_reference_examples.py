"""The reference implementation's two README examples run here with only the imports changed.

The code between the markers is the reference's example as its README gives it (the
patient note, Minion and then MinionS); the servers are the fakes, reached through the
settings the app reads (``OLLAMA_HOST``, ``OPENAI_BASE_URL``, ``OPENAI_API_KEY``).
"""

from __future__ import annotations

from typing import Any

import pytest

from core.services import default_services, forget_default_services
from tests.fakes import OllamaFake, OpenAIFake

CONTEXT_FACT = "his blood pressure was recorded at 160/100 mmHg"


@pytest.fixture
def reference_env(monkeypatch, fake_openai: OpenAIFake):
    ollama = OllamaFake(models={"llama3.2": 131072}).start()
    monkeypatch.setenv("OLLAMA_HOST", ollama.url)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{fake_openai.url}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", fake_openai.api_key)
    forget_default_services()
    yield ollama, fake_openai
    forget_default_services()
    ollama.stop()


def worker(payload: dict[str, Any]) -> Any:
    text = " ".join(str(m["content"]) for m in payload["messages"])
    found = CONTEXT_FACT in text
    if isinstance(payload.get("format"), dict):  # a MinionS job
        return {
            "explanation": "The note gives the reading." if found else "Not in this part.",
            "citation": CONTEXT_FACT if found else None,
            "answer": "160/100 mmHg with LDL 170 mg/dL" if found else None,
        }
    return f'The note says "{CONTEXT_FACT}" and LDL is 170 mg/dL.'


def supervisor(payload: dict[str, Any]) -> Any:
    name = payload["response_format"]["json_schema"]["name"]
    verdict = "Yes: 160/100 mmHg and LDL 170 mg/dL together raise cardiovascular risk."
    return {
        "Question": {"question": "What are the blood pressure and LDL readings?"},
        "SupervisorTurn": {"action": "answer", "text": verdict},
        "FinalAnswer": {"answer": verdict},
        "JobPlan": {"jobs": [{"task": "Give the blood pressure and LDL readings."}]},
        "Synthesis": {"decision": "answer", "answer": verdict, "cite": ["F1"]},
        "FinalSynthesis": {"answer": verdict, "cite": ["F1"]},
    }[name]


def test_the_reference_minion_example(reference_env):
    ollama, cloud = reference_env
    ollama.responder, cloud.responder = worker, supervisor
    # --- the reference's example, imports changed ---
    from core.api import Minion, OllamaClient, OpenAIClient

    local_client = OllamaClient(
        model_name="llama3.2",
    )

    remote_client = OpenAIClient(
        model_name="gpt-4o",
    )

    # Instantiate the Minion object with both clients
    minion = Minion(local_client, remote_client)

    context = """
Patient John Doe is a 60-year-old male with a history of hypertension. In his latest checkup, his blood pressure was recorded at 160/100 mmHg, and he reported occasional chest discomfort during physical activity.
Recent laboratory results show that his LDL cholesterol level is elevated at 170 mg/dL, while his HDL remains within the normal range at 45 mg/dL. Other metabolic indicators, including fasting glucose and renal function, are unremarkable.
"""

    task = "Based on the patient's blood pressure and LDL cholesterol readings in the context, evaluate whether these factors together suggest an increased risk for cardiovascular complications."

    # Execute the minion protocol for up to two communication rounds
    output = minion(task=task, context=[context], max_rounds=2)
    # --- end of the reference's example ---
    minion.close()  # ours, not the reference's: the clients' connections end with the test
    assert "raise cardiovascular risk" in output["final_answer"]
    sent = [r.body for r in cloud.requests]
    assert sent and [r.body for r in default_services().audit.records(kind="request")] == sent
    assert all(CONTEXT_FACT not in body.decode() for body in sent[:1])  # the plan saw no note
    assert output["egress"]["requests"] == len(sent)


def test_the_reference_minions_example(reference_env):
    ollama, cloud = reference_env
    ollama.responder, cloud.responder = worker, supervisor
    # --- the reference's example, imports changed ---
    from pydantic import BaseModel

    from core.api import Minions, OllamaClient, OpenAIClient

    class StructuredLocalOutput(BaseModel):
        explanation: str
        citation: str | None
        answer: str | None

    local_client = OllamaClient(
        model_name="llama3.2",
        temperature=0.0,
        structured_output_schema=StructuredLocalOutput,
    )

    remote_client = OpenAIClient(
        model_name="gpt-4o",
    )

    # Instantiate the Minion object with both clients
    minion = Minions(local_client, remote_client)

    context = """
Patient John Doe is a 60-year-old male with a history of hypertension. In his latest checkup, his blood pressure was recorded at 160/100 mmHg, and he reported occasional chest discomfort during physical activity.
Recent laboratory results show that his LDL cholesterol level is elevated at 170 mg/dL, while his HDL remains within the normal range at 45 mg/dL. Other metabolic indicators, including fasting glucose and renal function, are unremarkable.
"""

    task = "Based on the patient's blood pressure and LDL cholesterol readings in the context, evaluate whether these factors together suggest an increased risk for cardiovascular complications."

    # Execute the minion protocol for up to two communication rounds
    output = minion(task=task, doc_metadata="Medical Report", context=[context], max_rounds=2)

    print(output["final_answer"])
    # --- end of the reference's example ---
    minion.close()  # ours, not the reference's: the clients' connections end with the test
    assert "raise cardiovascular risk" in output["final_answer"]
    assert output["citations"] and CONTEXT_FACT in output["citations"][0]["quote"]
    jobs = [r.json for r in ollama.requests if r.path.endswith("/api/chat")]
    assert jobs and all(job["options"].get("temperature") == 0.0 for job in jobs)
    assert all(CONTEXT_FACT not in r.body.decode() for r in cloud.requests)  # findings, not text
