"""Token choice for the engine, with a grammar that costs little when the model obeys it."""

from __future__ import annotations

import ctypes
import math
from typing import Any

import numpy as np

from core.clients.embedded.model import EngineError, Model

_TOKEN_DATA = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)])


class Sampler:
    """Picks tokens; a grammar is checked against the chosen token first, the full vocabulary
    only when it refuses that one (llama.cpp's own tools do the same: the grammar costs
    ~0.1 s a token over a 49k vocabulary, and the model mostly picks an allowed token)."""

    def __init__(self, model: Model) -> None:
        self.lib, self.model = model.lib, model
        n = model.n_vocab
        self.data = np.zeros(n, dtype=_TOKEN_DATA)
        self.ids = np.arange(n, dtype=np.intc)
        self.all = self._array(self.data, n)
        self.one = np.zeros(1, dtype=_TOKEN_DATA)
        self.single = self._array(self.one, 1)

    def _array(self, data: np.ndarray, size: int) -> Any:
        lib = self.lib
        return lib.llama_token_data_array(
            data=data.ctypes.data_as(lib.llama_token_data_p), size=size, selected=-1, sorted=False
        )

    def chain(self, temperature: float) -> Any:
        lib = self.lib
        chain = lib.llama_sampler_chain_init(lib.llama_sampler_chain_default_params())
        if temperature <= 0:
            lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_greedy())
        else:  # llama-cpp-python's chat defaults
            lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_top_k(40))
            lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_top_p(0.95, 1))
            lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_min_p(0.05, 1))
            lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_temp(temperature))
            lib.llama_sampler_chain_add(chain, lib.llama_sampler_init_dist(lib.LLAMA_DEFAULT_SEED))
        return chain

    def grammar(self, grammar: str | None) -> Any:
        if grammar is None:
            return None
        sampler = self.lib.llama_sampler_init_grammar(self.model.vocab, grammar.encode(), b"root")
        if not sampler:
            raise EngineError("llama.cpp refused the grammar made from the schema")
        return sampler

    def sample(self, ctx: Any, index: int, chain: Any, grammar: Any) -> int:
        lib = self.lib
        logits = np.ctypeslib.as_array(lib.llama_get_logits_ith(ctx, index), shape=(len(self.ids),))
        token = self._pick(chain, logits, grammar=None)
        if grammar is not None and not self._allowed(grammar, token):
            token = self._pick(chain, logits, grammar=grammar)
        if grammar is not None:
            lib.llama_sampler_accept(grammar, token)
        lib.llama_sampler_accept(chain, token)
        return token

    def _pick(self, chain: Any, logits: np.ndarray, grammar: Any) -> int:
        lib, data, arr = self.lib, self.data, self.all
        data["id"], data["logit"], data["p"] = self.ids, logits, 0.0
        arr.size, arr.selected, arr.sorted = len(self.ids), -1, False
        if grammar is not None:
            lib.llama_sampler_apply(grammar, ctypes.byref(arr))
        lib.llama_sampler_apply(chain, ctypes.byref(arr))
        return int(arr.data[arr.selected].id)

    def _allowed(self, grammar: Any, token: int) -> bool:
        self.one[0] = (token, 1.0, 0.0)
        self.single.size, self.single.selected, self.single.sorted = 1, -1, False
        self.lib.llama_sampler_apply(grammar, ctypes.byref(self.single))
        return not math.isinf(float(self.one[0]["logit"]))
