"""File names as they may be shown: characters that could hide or fake a name made visible.

A name can hold a newline (splitting one line of output into two), or a right-to-left
override (U+202E) that makes ``invoice‮fdp.exe`` read as ``invoiceexe.pdf``. Everything the
app and the CLI print about a file uses ``display_name``, so such a name shows what it is.
"""

from __future__ import annotations

import unicodedata

# Invisible characters that change how the text around them reads, besides the C0/C1
# controls and the bidirectional formatting characters (all in category Cc or Cf).
_ALSO_HIDDEN = {"\u2028", "\u2029", "\u3164", "\u115f", "\u1160", "\uffa0"}


def display_name(name: str) -> str:
    """``name`` with control, direction and invisible format characters escaped (``\\u202e``).

    Ordinary names, accents and non-Latin scripts included, come back unchanged; a
    backslash is doubled only when something else in the name was escaped, so an escaped
    name cannot be mistaken for a plain one.
    """
    if all(_plain(char) for char in name):
        return name
    out: list[str] = []
    for char in name:
        if char == "\\":
            out.append("\\\\")
        elif _plain(char):
            out.append(char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return "".join(out)


def visible_json(text: str) -> str:
    r"""JSON text with those characters written as ``\uXXXX`` escapes: it decodes to the
    real value, but a terminal shows it as it is (``json.dumps`` leaves U+202E raw)."""
    if all(char == "\n" or _plain(char) for char in text):
        return text
    out: list[str] = []
    for char in text:
        if char == "\n" or _plain(char):
            out.append(char)
        else:
            units = char.encode("utf-16-be")
            out += [f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2)]
    return "".join(out)


def _plain(char: str) -> bool:
    if char.isprintable() and char not in _ALSO_HIDDEN:
        return unicodedata.category(char) not in ("Cf", "Co", "Cs")
    return char == " "
