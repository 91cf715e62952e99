"""Rendered ``rgb_array`` frames on the wire: lossless PNG, base64 encoded."""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np


def encode_frame(frame: Any) -> dict[str, Any]:
    """``{"format": "png", "width", "height", "data": <base64 PNG>}`` of an RGB(A) frame."""
    from PIL import Image

    array = np.asarray(frame)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(
            f"render() must return an (H, W, 3|4) uint8 array in rgb_array mode, got "
            f"dtype {array.dtype} and shape {array.shape}"
        )
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return {
        "format": "png",
        "width": int(array.shape[1]),
        "height": int(array.shape[0]),
        "data": base64.b64encode(buffer.getvalue()).decode("ascii"),
    }


def decode_frame(frame: dict[str, Any]) -> np.ndarray:
    """The ``(H, W, 3|4)`` uint8 array of an encoded frame."""
    from PIL import Image

    with Image.open(io.BytesIO(base64.b64decode(frame["data"]))) as image:
        return np.asarray(image.convert(image.mode)).copy()
