"""JSON from outside: every way a body can fail to parse is a ValueError, so each caller's
400 covers them all. Bad syntax and bad UTF-8 already are; nesting deeper than the parser's
recursion limit ("[[[[…" a few thousand deep, well under 64 KB) is a RecursionError."""

import json


def loads(raw: bytes | str):
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None
