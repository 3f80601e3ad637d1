"""Keeping the API key out of everything a person or a file sees.

A server may echo the key, or part of it, in any text it sends: an error
message, a per-task error in a success answer, an HTML error page. The client
passes every such text through a :class:`Redactor` before it becomes an
exception, a reason, a report, a log line or a journal record, and does so
before any text is cut short, so a cut can never leave a piece of the key.

"Part of the key" is any run of :data:`FRAGMENT` or more consecutive characters
of it (the whole key when it is shorter), in any letter case (keys are UUIDs, which
a server may print upper-cased): those are replaced by ``***``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Redactor", "FRAGMENT", "check_header_value"]

#: The shortest run of the key's characters that counts as a recognisable part of it.
FRAGMENT = 6
_MASK = "***"


def check_header_value(key: str) -> None:
    """Refuse a key that cannot go in an HTTP header, without quoting it (it is a secret)."""
    for position, char in enumerate(key, start=1):
        if not (33 <= ord(char) <= 126):
            what = "a line break" if char in "\r\n" else "a space" if char.isspace() else "a non-ASCII character (a curly quote?)"
            raise ValueError(
                f"the API key has {what} at position {position} of {len(key)}, which cannot go in an HTTP header; "
                "copy the key again as plain text"
            )


def _fold(text: str) -> str:
    """``text`` lower-cased character by character, keeping its length (so positions still match)."""
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


class Redactor:
    """Masks every recognisable part of one secret in text, bytes and nested data."""

    def __init__(self, secret: str) -> None:
        self._secret = secret
        size = min(FRAGMENT, len(secret)) if len(secret) >= 2 * FRAGMENT else len(secret)
        folded = _fold(secret)
        self._grams = sorted({folded[i : i + size] for i in range(len(folded) - size + 1)}) if secret else []

    def text(self, value: str) -> str:
        """``value`` with every run of the secret's characters of the fragment length or more masked."""
        if not self._grams or not isinstance(value, str):
            return value
        hit = bytearray(len(value))
        found = False
        folded = _fold(value)
        for gram in self._grams:
            start = folded.find(gram)
            while start != -1:
                hit[start : start + len(gram)] = b"\x01" * len(gram)
                found = True
                start = folded.find(gram, start + 1)
        if not found:
            return value
        out, k = [], 0
        while k < len(value):
            if hit[k]:
                while k < len(value) and hit[k]:
                    k += 1
                out.append(_MASK)
            else:
                out.append(value[k])
                k += 1
        return "".join(out)

    def bytes(self, value: bytes) -> bytes:
        """Raw response bytes with the secret's fragments masked (decoded as UTF-8, re-encoded)."""
        if not self._grams:
            return value
        text = value.decode("utf-8", "surrogateescape")
        clean = self.text(text)
        return value if clean is text else clean.encode("utf-8", "surrogateescape")

    def deep(self, value: Any) -> Any:
        """Strings inside dicts and lists (keys too) masked; other values as they are."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.deep(k): self.deep(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        return value
