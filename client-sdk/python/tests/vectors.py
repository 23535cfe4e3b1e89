"""Reads proto/testvectors/v2.json: proto JSON under proto field names, but bytes in lowercase hex
(not base64) and uint64 as decimal strings (proto/testvectors/README.md, "Conventions")."""
from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, TypeVar

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

REPO = Path(__file__).resolve().parents[3]
VECTORS = REPO / "proto" / "testvectors"
DOC: dict[str, Any] = json.loads((VECTORS / "v2.json").read_text(encoding="utf-8"))
M = TypeVar("M", bound=Message)


def _convert(desc: Descriptor, value: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, v in value.items():
        f = desc.fields_by_name.get(name)
        if f is None:
            out[name] = v  # ParseDict refuses a name the schema does not have
        elif f.type == FieldDescriptor.TYPE_BYTES:
            conv = lambda h: base64.b64encode(bytes.fromhex(h)).decode()
            out[name] = [conv(x) for x in v] if isinstance(v, list) else conv(v)
        elif f.type == FieldDescriptor.TYPE_MESSAGE:
            out[name] = [_convert(f.message_type, x) for x in v] if isinstance(v, list) else _convert(f.message_type, v)
        else:
            out[name] = v
    return out


def message(cls: type[M], fields: dict[str, Any]) -> M:
    """A message of the schema from a vector's fields; an unknown field name is an error."""
    return json_format.ParseDict(_convert(cls.DESCRIPTOR, fields), cls())


def raw(h: str) -> bytes:
    return bytes.fromhex(h)
