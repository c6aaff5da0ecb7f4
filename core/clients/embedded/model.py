"""One GGUF file loaded by llama.cpp: its weights, vocabulary and chat template.

With the sampler and the engine, the only code that touches the llama.cpp C API
(through llama-cpp-python's ctypes bindings).
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

_backend_lock = threading.Lock()
_backend_ready = False


def llama() -> Any:
    import llama_cpp

    global _backend_ready
    with _backend_lock:
        if not _backend_ready:
            logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)
            llama_cpp.llama_backend_init()
            _backend_ready = True
    return llama_cpp


class EngineError(Exception):
    """llama.cpp refused: a model that does not load, a context or grammar it cannot make."""


class Model:
    """The weights, the vocabulary and the chat template of one GGUF file."""

    def __init__(self, path: Path) -> None:
        self.lib = lib = llama()
        params = lib.llama_model_default_params()
        self.ptr = lib.llama_model_load_from_file(str(path).encode(), params)
        if not self.ptr:
            raise EngineError(f"llama.cpp could not load {path.name}")
        self.vocab = lib.llama_model_get_vocab(self.ptr)
        self.n_vocab = lib.llama_vocab_n_tokens(self.vocab)
        self.n_ctx_train = lib.llama_model_n_ctx_train(self.ptr)
        self._format = _chat_formatter(lib, self.ptr, self.vocab)

    def prompt(self, messages: Sequence[dict[str, str]]) -> list[int]:
        text, add_special = self._format(messages)
        return self.tokenize(text, add_special=add_special)

    def tokenize(self, text: str, *, add_special: bool = False) -> list[int]:
        data = text.encode()
        size = len(data) + 8
        for _ in range(2):
            buf = (ctypes.c_int32 * size)()
            n = self.lib.llama_tokenize(self.vocab, data, len(data), buf, size, add_special, True)
            if n >= 0:
                return list(buf[:n])
            size = -n
        raise EngineError("llama.cpp could not tokenize the prompt")

    def piece(self, token: int) -> bytes:
        buf = ctypes.create_string_buffer(64)
        n = self.lib.llama_token_to_piece(self.vocab, token, buf, 64, 0, False)
        if n < 0:
            buf = ctypes.create_string_buffer(-n)
            n = self.lib.llama_token_to_piece(self.vocab, token, buf, -n, 0, False)
        return buf.raw[:n]

    def close(self) -> None:
        if self.ptr:
            self.lib.llama_model_free(self.ptr)
            self.ptr = None


def _chat_formatter(
    lib: Any, model: Any, vocab: Any
) -> Callable[[Sequence[dict[str, str]]], tuple[str, bool]]:
    """The GGUF's own chat template (Jinja, as Hugging Face writes them), or ChatML without one."""
    template = lib.llama_model_chat_template(model, None)
    if not template:

        def chatml(messages: Sequence[dict[str, str]]) -> tuple[str, bool]:
            turns = "".join(
                f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages
            )
            return turns + "<|im_start|>assistant\n", True

        return chatml
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    def token_text(token: int) -> str:
        return "" if token < 0 else (lib.llama_vocab_get_text(vocab, token) or b"").decode()

    formatter = Jinja2ChatFormatter(
        template=template.decode(),
        eos_token=token_text(lib.llama_vocab_eos(vocab)),
        bos_token=token_text(lib.llama_vocab_bos(vocab)),
    )

    def render(messages: Sequence[dict[str, str]]) -> tuple[str, bool]:
        result = formatter(messages=list(messages))  # type: ignore[arg-type]
        return result.prompt, not result.added_special

    return render
