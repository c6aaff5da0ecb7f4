"""A llama.cpp grammar (GBNF) from a JSON schema, such that every reply parses and fits.

llama-cpp-python ships a converter, but its strings admit raw control characters
(a newline inside a string is not JSON) and it knows nothing of ``max_tokens``: a
small model that rambles to its string caps runs out of tokens before the closing
brace. Here strings exclude control characters, and the caps of bounded strings are
scaled down so that the longest reply the grammar allows fits the token budget at
one token per character, the worst case for the text such models write.

When ``max_tokens`` is known, a string with no maxLength is given one (and scaled with
the rest), so that no string can run past the budget; arrays need their own maxItems.

Covered: objects (every property written, in schema order), strings (maxLength,
minLength, enum, const), integers, numbers, booleans, null, arrays (minItems,
maxItems), anyOf/oneOf, type lists and local ``$ref``s; other keywords are ignored.
"""

from __future__ import annotations

import json
import re
from typing import Any

# One character of a JSON string: no quote, backslash or control character; escapes
# limited to the short forms (a \\uXXXX escape costs six tokens for one character).
_CHAR = r'[^"\\\x00-\x1F\x7F] | "\\" ["\\/bfnrt]'
_BASE_RULES = {
    "space": '" "?',
    "char": _CHAR,
    "string": '"\\"" char* "\\"" space',
    "integer": '"-"? [0-9]{1,16} space',
    "number": '"-"? [0-9]{1,16} ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,3})? space',
    "boolean": '("true" | "false") space',
    "null": '"null" space',
    "value": "object | array | string | number | boolean | null",
    "object": '"{" space (string ":" space value ("," space string ":" space value)*)? "}" space',
    "array": '"[" space (value ("," space value)*)? "]" space',
}
_SKELETON_SLACK = 8  # tokens kept free for the end-of-reply token and rounding


def schema_grammar(schema: dict[str, Any], max_tokens: int | None = None) -> str:
    """GBNF for replies valid against ``schema``; with ``max_tokens``, replies that fit it."""
    scale = 1.0
    if max_tokens is not None:
        # A string with no maxLength could still run past the budget: it gets one, the whole
        # budget, and is then scaled down with the others so that the reply fits.
        schema = _bound_strings(schema, max_tokens)
        fixed, bounded = _measure(schema, schema, set())
        room = max_tokens - fixed - _SKELETON_SLACK
        if bounded > 0 and room < bounded:
            scale = max(room, 0) / bounded
    builder = _Builder(schema, scale)
    root = builder.rule(schema, "root")
    if root != "root":
        builder.rules["root"] = root
    used = _reachable(builder.rules)
    return "\n".join(
        f"{name} ::= {body}" for name, body in sorted(builder.rules.items()) if name in used
    )


class _Builder:
    def __init__(self, schema: dict[str, Any], scale: float) -> None:
        self.top = schema
        self.scale = scale
        self.rules: dict[str, str] = dict(_BASE_RULES)
        self._refs: dict[str, str] = {}

    def rule(self, node: Any, name: str) -> str:
        """The body of a rule matching ``node``; sub-rules are added under ``name``-derived names."""
        if not isinstance(node, dict) or not node:
            return "value"
        if "$ref" in node:
            return self._ref(node["$ref"])
        if "const" in node:
            return f"{_literal(node['const'])} space"
        if "enum" in node:
            return "(" + " | ".join(_literal(v) for v in node["enum"]) + ") space"
        for key in ("anyOf", "oneOf"):
            if key in node:
                parts = [self._named(f"{name}-{i}", alt) for i, alt in enumerate(node[key])]
                return " | ".join(parts)
        if "allOf" in node and len(node["allOf"]) == 1:
            return self.rule(node["allOf"][0], name)
        kind = node.get("type")
        if isinstance(kind, list):
            parts = [self._named(f"{name}-{t}", {**node, "type": t}) for t in kind]
            return " | ".join(parts)
        if kind == "object" and "properties" in node:
            pieces = []
            for i, (key, sub) in enumerate(node["properties"].items()):
                comma = "" if i == 0 else '"," space '
                value = self._named(f"{name}-{_slug(key)}", sub)
                pieces.append(f'{comma}{_literal(key)} space ":" space {value}')
            return '"{" space ' + " ".join(pieces) + ' "}" space'
        if kind == "array":
            item = self._named(f"{name}-item", node.get("items", {}))
            low, high = int(node.get("minItems", 0)), node.get("maxItems")
            return f'"[" space {_repeat(item, low, high, separator=True)} "]" space'
        if kind == "string":
            low, high = int(node.get("minLength", 0)), node.get("maxLength")
            if high is None and not low:
                return "string"
            if high is not None:
                high = max(low, 1, int(high * self.scale))
            return f'"\\"" {_repeat("char", low, high)} "\\"" space'
        if kind in ("integer", "number", "boolean", "null"):
            return str(kind)
        return "object" if kind == "object" else "value"

    def _named(self, name: str, node: Any) -> str:
        body = self.rule(node, name)
        if re.fullmatch(r"[a-z][a-z0-9-]*", body):
            return body  # already a single rule name
        self.rules[name] = body
        return name

    def _ref(self, ref: str) -> str:
        if ref not in self._refs:
            target = _resolve(self.top, ref)
            name = f"ref-{_slug(ref.rsplit('/', 1)[-1])}"
            self._refs[ref] = name  # before recursing: a schema may refer to itself
            self.rules[name] = self.rule(target, name)
        return self._refs[ref]


def _repeat(item: str, low: int, high: Any, *, separator: bool = False) -> str:
    """``item`` repeated ``low``..``high`` times (``high`` None: no limit), comma-separated or not."""
    if not separator:
        if high is None:
            return f"{item}*" if low == 0 else f"{item}{{{low},}}"
        return f"{item}{{{low},{high}}}"
    if high is not None and int(high) == 0:
        return ""
    rest_low = max(low - 1, 0)
    tail = f'("," space {item})'
    more = (
        f"{tail}*"
        if high is None and rest_low == 0
        else f"{tail}{{{rest_low},{'' if high is None else int(high) - 1}}}"
    )
    body = f"{item} {more}"
    return body if low > 0 else f"({body})?"


def _measure(node: Any, top: dict[str, Any], seen: set[str]) -> tuple[int, int]:
    """(fixed characters, characters of bounded strings) of the longest reply ``node`` allows.

    Unbounded parts add nothing: they cannot be fitted to a budget anyway.
    """
    if not isinstance(node, dict):
        return 0, 0
    if "$ref" in node:
        if node["$ref"] in seen:
            return 0, 0
        return _measure(_resolve(top, node["$ref"]), top, seen | {node["$ref"]})
    if "const" in node or "enum" in node:
        values = [node["const"]] if "const" in node else node["enum"]
        return max(len(json.dumps(v)) for v in values) + 1, 0
    for key in ("anyOf", "oneOf"):
        if key in node:
            options = [_measure(alt, top, seen) for alt in node[key]]
            return max(o[0] for o in options), max(o[1] for o in options)
    kind = node.get("type")
    if kind == "object":
        fixed, bounded = 3, 0
        for key, sub in node.get("properties", {}).items():
            f, b = _measure(sub, top, seen)
            fixed, bounded = fixed + len(json.dumps(key)) + 4 + f, bounded + b
        return fixed, bounded
    if kind == "array":
        count = int(node.get("maxItems", 0))
        f, b = _measure(node.get("items", {}), top, seen)
        return 3 + count * (f + 2), count * b
    if kind == "string":
        high = node.get("maxLength")
        return 3, 0 if high is None else int(high)
    return (6, 0) if kind in ("integer", "number", "boolean", "null") else (0, 0)


def _bound_strings(node: Any, cap: int) -> Any:
    """A copy of ``node`` in which every free-form string has a maxLength of at most ``cap``."""
    if isinstance(node, list):
        return [_bound_strings(item, cap) for item in node]
    if not isinstance(node, dict):
        return node
    copy = {key: _bound_strings(value, cap) for key, value in node.items()}
    free = "const" not in copy and "enum" not in copy and "maxLength" not in copy
    if copy.get("type") == "string" and free:
        copy["maxLength"] = max(cap, int(copy.get("minLength", 0)))
    return copy


def _resolve(top: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"Only local $refs are supported, not {ref}")
    node: Any = top
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _reachable(rules: dict[str, str]) -> set[str]:
    seen, todo = set(), ["root"]
    while todo:
        name = todo.pop()
        if name in seen or name not in rules:
            continue
        seen.add(name)
        body = re.sub(r'"(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]', " ", rules[name])
        todo.extend(re.findall(r"[a-z][a-z0-9-]*", body))
    return seen


def _literal(value: Any) -> str:
    """A GBNF literal that matches ``value`` written as compact JSON."""
    text = json.dumps(value, ensure_ascii=False)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"
