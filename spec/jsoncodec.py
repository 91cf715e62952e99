"""JSON text for the wire: strict, compact, and as fast as the install allows.

:func:`encode` writes compact JSON text (UTF-8 characters as they are, no NaN/Infinity);
:func:`decode` parses strictly. Both keep one meaning whichever codec runs:

* the standard library's C encoder and scanner are called directly (no per-call encoder
  object, no whitespace regex on a frame that has none);
* with ``orjson`` installed (``pip install 'envbridge[fast]'``) :func:`encode` writes with
  it, about ten times faster. Where orjson would write something else than the standard
  encoder means (non-finite floats become ``null``, subclasses, datetimes and dataclasses
  are written natively, integers past 64 bits refused) the document goes to the standard
  encoder instead, so a value encodes to the same JSON value, or fails the same way,
  with or without orjson. Enum members are written as their value and UUIDs as their
  string by both. Parsing stays on the standard library: orjson reads integers past 64
  bits as floats.

``ENVBRIDGE_JSON=stdlib`` turns orjson off (``orjson`` insists on it; the default,
``auto``, uses it when it is importable). :data:`ENCODER` names the encoder in use.
"""

from __future__ import annotations

import enum
import json
import os
import uuid
from collections.abc import Callable
from typing import Any

CODEC_VARIABLE = "ENVBRIDGE_JSON"
CODEC_CHOICES = ("auto", "stdlib", "orjson")


def _value_of(value: Any) -> Any:
    """The JSON form of the two extra types both encoders write, else TypeError."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _stdlib_encoder() -> Callable[[Any], str]:
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # an interpreter without the C accelerator
        slow = json.JSONEncoder(
            separators=(",", ":"), allow_nan=False, ensure_ascii=False, default=_value_of
        )
        return slow.encode
    # markers=None: no circular-reference bookkeeping; a cycle is a RecursionError below
    chunks_of = make(
        None, _value_of, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )
    join = "".join

    def encode(value: Any) -> str:
        return join(chunks_of(value, 0))

    return encode


_encode_stdlib = _stdlib_encoder()


def _orjson_encoder() -> Callable[[Any], str] | None:
    try:
        import orjson
    except ImportError:
        return None
    dumps = orjson.dumps
    options = (
        orjson.OPT_PASSTHROUGH_SUBCLASS
        | orjson.OPT_PASSTHROUGH_DATETIME
        | orjson.OPT_PASSTHROUGH_DATACLASS
    )
    refused = orjson.JSONEncodeError

    def encode(value: Any) -> str:
        try:
            text = dumps(value, default=_value_of, option=options)
        except refused:
            return _encode_stdlib(value)  # it decides: the same text, or the same error
        if b"null" in text:  # maybe a NaN or infinity orjson wrote as null
            return _encode_stdlib(value)
        return text.decode()

    return encode


def _chosen() -> tuple[str, Callable[[Any], str]]:
    choice = os.environ.get(CODEC_VARIABLE, "auto").strip().lower() or "auto"
    if choice not in CODEC_CHOICES:
        raise ValueError(f"{CODEC_VARIABLE}={choice!r}: choose one of {', '.join(CODEC_CHOICES)}")
    fast = None if choice == "stdlib" else _orjson_encoder()
    if fast is not None:
        return "orjson", fast
    if choice == "orjson":
        raise ImportError(
            f"{CODEC_VARIABLE}=orjson but orjson is not installed: "
            "pip install 'envbridge[fast]' (or unset the variable)"
        )
    return "stdlib", _encode_stdlib


def available_encoders() -> dict[str, Callable[[Any], str]]:
    """Every encoder this install has, by name (the standard library's always)."""
    found = {"stdlib": _encode_stdlib}
    fast = _orjson_encoder()
    if fast is not None:
        found["orjson"] = fast
    return found


ENCODER, _encode = _chosen()
"""``"orjson"`` or ``"stdlib"``: the encoder :func:`encode` uses in this process."""


def encode(value: Any) -> str:
    """Compact JSON text; ValueError on NaN/Infinity or nesting past the interpreter's
    limit (a cycle included), TypeError on a value JSON has no form for."""
    try:
        return _encode(value)
    except RecursionError:
        raise ValueError("the value nests too deeply (or contains itself) for JSON") from None


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON (NaN and Infinity cannot cross the wire)")


_decoder = json.JSONDecoder(parse_constant=_refuse_constant)
_scan = _decoder.scan_once  # type: ignore[attr-defined]  # the C scanner, when built


def decode(text: str | bytes) -> Any:
    """Parse JSON strictly: NaN/Infinity are refused, and nesting too deep for the
    parser is a ValueError like any other bad JSON (not a RecursionError)."""
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")
    try:
        try:
            value, end = _scan(text, 0)
        except StopIteration:  # not a value at 0 (bad JSON, or leading whitespace)
            return _decoder.decode(text)  # the full parser says which
        if end != len(text):  # trailing whitespace, or extra data
            return _decoder.decode(text)
        return value
    except RecursionError:
        raise ValueError("JSON nests too deeply") from None
