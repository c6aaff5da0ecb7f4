"""An answer to and from its stored record (``core.storage.answers``): one mapping each way,
written out field by field so a renamed field is a type error here, not a lost answer."""

from __future__ import annotations

from core.protocols.events import Answer, Citation, RunUsage
from core.storage.answers import AnswerRecord, CitationRecord, UsageRecord


def answer_record(answer: Answer) -> AnswerRecord:
    u = answer.usage
    return AnswerRecord(
        text=answer.text,
        protocol=answer.protocol,
        citations=[
            CitationRecord(
                document_id=c.document_id,
                document_name=c.document_name,
                page=c.page,
                quote=c.quote,
                chunk_id=c.chunk_id,
                char_start=c.char_start,
                char_end=c.char_end,
                place=c.place,
            )
            for c in answer.citations
        ],
        usage=UsageRecord(
            local_prompt_tokens=u.local_prompt_tokens,
            local_completion_tokens=u.local_completion_tokens,
            remote_prompt_tokens=u.remote_prompt_tokens,
            remote_completion_tokens=u.remote_completion_tokens,
            remote_cost_usd=u.remote_cost_usd,
            cloud_only_cost_usd=u.cloud_only_cost_usd,
        ),
        egress_record_ids=list(answer.egress_record_ids),
        egress_bytes=answer.egress_bytes,
        egress_requests=answer.egress_requests,
        rounds=answer.rounds,
        notes=list(answer.notes),
        route=answer.route,
        supervisor_text=answer.supervisor_text,
    )


def answer_from_record(record: AnswerRecord) -> Answer:
    u = record.usage
    return Answer(
        text=record.text,
        protocol=record.protocol,
        citations=[
            Citation(
                document_id=c.document_id,
                document_name=c.document_name,
                page=c.page,
                quote=c.quote,
                chunk_id=c.chunk_id,
                char_start=c.char_start,
                char_end=c.char_end,
                place=c.place,
            )
            for c in record.citations
        ],
        usage=RunUsage(
            local_prompt_tokens=u.local_prompt_tokens,
            local_completion_tokens=u.local_completion_tokens,
            remote_prompt_tokens=u.remote_prompt_tokens,
            remote_completion_tokens=u.remote_completion_tokens,
            remote_cost_usd=u.remote_cost_usd,
            cloud_only_cost_usd=u.cloud_only_cost_usd,
        ),
        egress_record_ids=list(record.egress_record_ids),
        egress_bytes=record.egress_bytes,
        egress_requests=record.egress_requests,
        rounds=record.rounds,
        notes=list(record.notes),
        route=record.route,
        supervisor_text=record.supervisor_text,
    )
