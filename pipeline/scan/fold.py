"""The recognition model with its elementwise tails folded away, for a faster CPU run.

PP-OCRv4's recogniser (PPLCNetV3 backbone, exported by paddle2onnx) follows most convolutions
with a learnable scale and shift (`Mul` by a scalar, `Add` of a scalar) and spells each
hard-swish out as four elementwise ops (`Add 3`, `Clip 0..6`, `Mul x`, `Div 6`); onnxruntime
fuses none of them, and on one CPU thread these passes over the feature maps cost about a third
of the model's time. Here, on the model's bytes as loaded, before the session is made:

- `Conv → Mul a → Add b` becomes one `Conv` with weights a·W and bias a·B + b (exact algebra);
- the four hard-swish ops become `x · HardSigmoid(x)` with α = 1/6, β = ½ (the same function);
- a scale and shift after an activation moves into the 1×1 convolution it feeds (exact: no
  padding); where it feeds anything else (a padded convolution, whose zeros would be shifted
  too, a pooling, a squeeze-excite) it becomes a depthwise 1×1 `Conv`: one pass instead of two,
  and no reordering of the feature map out of onnxruntime's blocked channel layout and back
  around a scalar `Mul` and `Add` (16 of them here; about a tenth of the model's CPU).

The outputs agree with the original model's to float rounding (≈1e-6). Nothing is written to
disk: the rewrite runs in memory once per process (tens of milliseconds), so there is no cache to
share or go stale between worker processes. The protobuf is edited on the wire, field by field
(ONNX's own package is not a dependency); anything not understood is kept as it was, and a
model whose layout does not match is returned unchanged.
"""

from __future__ import annotations

import struct

import numpy as np

# protobuf field numbers (onnx.proto3)
_MODEL_GRAPH = 7
_GRAPH_NODE = 1
_NODE_INPUT, _NODE_OUTPUT, _NODE_NAME, _NODE_OP, _NODE_ATTR = 1, 2, 3, 4, 5
_ATTR_NAME, _ATTR_F, _ATTR_S, _ATTR_T, _ATTR_INTS, _ATTR_TYPE = 1, 2, 4, 5, 8, 20
_ATTR_FLOAT, _ATTR_TENSOR = 1, 4
_TENSOR_DIMS, _TENSOR_TYPE, _TENSOR_RAW = 1, 2, 9
_FLOAT = 1  # TensorProto.FLOAT

Field = tuple[int, int, "int | bytes"]  # (number, wire type, value: an int for varints, else bytes)


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7


def _put_varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1  # negative int64s as ten bytes, as protobuf writes them
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def parse(buf: bytes) -> list[Field]:
    """A message's fields in order, values undecoded (varints as ints, the rest as bytes)."""
    fields: list[Field] = []
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
            fields.append((number, wire, value))
        elif wire == 2:
            size, pos = _varint(buf, pos)
            fields.append((number, wire, buf[pos : pos + size]))
            pos += size
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            fields.append((number, wire, buf[pos : pos + size]))
            pos += size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
    return fields


def encode(fields: list[Field]) -> bytes:
    """The message of these fields (parse's inverse)."""
    out = bytearray()
    for number, wire, value in fields:
        out += _put_varint(number << 3 | wire)
        if wire == 0:
            out += _put_varint(int(value))  # type: ignore[arg-type]
        elif wire == 2:
            out += _put_varint(len(value)) + value  # type: ignore[arg-type, operator]
        else:
            out += value  # type: ignore[operator]
    return bytes(out)


class _Node:
    """A graph node: its op, inputs and outputs decoded, every field kept for re-encoding."""

    def __init__(self, fields: list[Field]) -> None:
        self.fields = fields
        self.op = next((v.decode() for n, _, v in fields if n == _NODE_OP), "")  # type: ignore[union-attr]
        self.inputs = [v.decode() for n, _, v in fields if n == _NODE_INPUT]  # type: ignore[union-attr]
        self.outputs = [v.decode() for n, _, v in fields if n == _NODE_OUTPUT]  # type: ignore[union-attr]

    def encode(self) -> bytes:
        rest = [f for f in self.fields if f[0] not in (_NODE_INPUT, _NODE_OUTPUT)]
        names = [(_NODE_INPUT, 2, i.encode()) for i in self.inputs]
        names += [(_NODE_OUTPUT, 2, o.encode()) for o in self.outputs]
        return encode(names + rest)


def _node(op: str, inputs: list[str], outputs: list[str], attrs: list[bytes] = ()) -> _Node:  # type: ignore[assignment]
    fields: list[Field] = [(_NODE_INPUT, 2, i.encode()) for i in inputs]
    fields += [(_NODE_OUTPUT, 2, o.encode()) for o in outputs]
    fields += [(_NODE_NAME, 2, f"fold/{outputs[0]}".encode()), (_NODE_OP, 2, op.encode())]
    fields += [(_NODE_ATTR, 2, a) for a in attrs]
    return _Node(fields)


def _float_attr(name: str, value: float) -> bytes:
    return encode(
        [(_ATTR_NAME, 2, name.encode()), (_ATTR_F, 5, struct.pack("<f", value)), (_ATTR_TYPE, 0, _ATTR_FLOAT)]
    )


def _constant(name: str, array: np.ndarray) -> _Node:
    array = np.ascontiguousarray(array, dtype="<f4")
    tensor = [(_TENSOR_DIMS, 0, d) for d in array.shape]
    tensor += [(_TENSOR_TYPE, 0, _FLOAT), (_TENSOR_RAW, 2, array.tobytes())]
    attr = encode([(_ATTR_NAME, 2, b"value"), (_ATTR_T, 2, encode(tensor)), (_ATTR_TYPE, 0, _ATTR_TENSOR)])
    return _node("Constant", [], [name], [attr])


def _constant_value(node: _Node) -> np.ndarray | None:
    """A Constant node's float tensor (raw data only: what paddle2onnx writes), else None."""
    for number, _, attr in node.fields:
        if number != _NODE_ATTR:
            continue
        parts = parse(attr)  # type: ignore[arg-type]
        tensor = next((v for n, _, v in parts if n == _ATTR_T), None)
        if tensor is None:
            continue
        t = parse(tensor)  # type: ignore[arg-type]
        dims = [int(v) for n, w, v in t if n == _TENSOR_DIMS and w == 0]  # type: ignore[arg-type]
        kind = next((v for n, _, v in t if n == _TENSOR_TYPE), None)
        raw = next((v for n, _, v in t if n == _TENSOR_RAW), None)
        if kind != _FLOAT or raw is None:
            return None
        return np.frombuffer(raw, dtype="<f4").reshape(dims)  # type: ignore[arg-type]
    return None


def fold(model: bytes) -> bytes:
    """The model with conv → scale → shift and spelt-out hard-swishes folded (see the module)."""
    top = parse(model)
    graph_at = [k for k, f in enumerate(top) if f[0] == _MODEL_GRAPH]
    if len(graph_at) != 1:
        return model
    graph = parse(top[graph_at[0]][2])  # type: ignore[arg-type]
    nodes = [_Node(parse(v)) for n, _, v in graph if n == _GRAPH_NODE]  # type: ignore[arg-type]
    nodes = _fold_nodes(nodes)
    rebuilt: list[Field] = [(_GRAPH_NODE, 2, n.encode()) for n in nodes]
    rebuilt += [f for f in graph if f[0] != _GRAPH_NODE]
    top[graph_at[0]] = (_MODEL_GRAPH, 2, encode(rebuilt))
    return encode(top)


def _fold_nodes(nodes: list[_Node]) -> list[_Node]:
    consts = {n.outputs[0]: v for n in nodes if n.op == "Constant" and (v := _constant_value(n)) is not None}
    for step in (_conv_then_affine, _hard_swish, _affine_then_pointwise, _affine_as_depthwise):
        nodes = step(nodes, consts, _users(nodes))
    used = {name for n in nodes for name in n.inputs}
    return [n for n in nodes if n.op != "Constant" or n.outputs[0] in used]


def _users(nodes: list[_Node]) -> dict[str, list[_Node]]:
    users: dict[str, list[_Node]] = {}
    for n in nodes:
        for name in n.inputs:
            users.setdefault(name, []).append(n)
    return users


def _sole(users: dict[str, list[_Node]], name: str, op: str) -> _Node | None:
    """The one node reading `name`, when there is only one and it is an `op`."""
    found = users.get(name, [])
    return found[0] if len(found) == 1 and found[0].op == op else None


def _operand(consts: dict[str, np.ndarray], node: _Node | None, other_than: str) -> float | None:
    """A binary node's scalar constant operand (the input that is not `other_than`), else None."""
    if node is None or len(node.inputs) != 2 or other_than not in node.inputs:
        return None
    return _scalar_of(consts, node.inputs[1] if node.inputs[0] == other_than else node.inputs[0])


def _affine(
    consts: dict[str, np.ndarray], users: dict[str, list[_Node]], name: str
) -> tuple[_Node, _Node, float, float] | None:
    """`name` → Mul by a scalar a → Add of a scalar b, each the only reader: (mul, add, a, b)."""
    mul = _sole(users, name, "Mul")
    a = _operand(consts, mul, name)
    add = _sole(users, mul.outputs[0], "Add") if mul is not None and a is not None else None
    b = _operand(consts, add, mul.outputs[0]) if mul is not None else None
    if mul is None or add is None or a is None or b is None:
        return None
    return mul, add, a, b


def _conv_weights(consts: dict[str, np.ndarray], conv: _Node) -> tuple[np.ndarray, np.ndarray] | None:
    if len(conv.inputs) not in (2, 3) or conv.inputs[1] not in consts:
        return None
    weight = consts[conv.inputs[1]]
    bias = consts.get(conv.inputs[2]) if len(conv.inputs) == 3 else np.zeros(weight.shape[0], np.float32)
    return None if bias is None else (weight, bias)


def _set_weights(
    consts: dict[str, np.ndarray], conv: _Node, weight: np.ndarray, bias: np.ndarray
) -> list[_Node]:
    """New Constant nodes holding the conv's new weights and bias, the conv pointed at them."""
    w_name, b_name = f"fold/{conv.outputs[0]}/W", f"fold/{conv.outputs[0]}/B"
    while w_name in consts:
        w_name, b_name = w_name + "'", b_name + "'"
    consts[w_name], consts[b_name] = weight, bias
    conv.inputs = [conv.inputs[0], w_name, b_name]
    return [_constant(w_name, weight), _constant(b_name, bias)]


def _conv_then_affine(
    nodes: list[_Node], consts: dict[str, np.ndarray], users: dict[str, list[_Node]]
) -> list[_Node]:
    """Conv → Mul a → Add b: one Conv with weights a·W, bias a·B + b."""
    out: list[_Node] = []
    dropped: set[int] = set()
    for n in nodes:
        found = _affine(consts, users, n.outputs[0]) if n.op == "Conv" else None
        params = _conv_weights(consts, n) if found else None
        if found and params:
            mul, add, a, b = found
            weight, bias = params
            out += _set_weights(consts, n, weight * np.float32(a), bias * np.float32(a) + np.float32(b))
            n.outputs = [add.outputs[0]]
            dropped.update((id(mul), id(add)))
        if id(n) not in dropped:
            out.append(n)
    return out


def _hard_swish(
    nodes: list[_Node], consts: dict[str, np.ndarray], users: dict[str, list[_Node]]
) -> list[_Node]:
    """Add 3 → Clip 0..6 → Mul x → Div 6 (hard-swish spelt out): x · HardSigmoid(x; 1/6, ½)."""
    replaced: dict[int, list[_Node]] = {}
    dropped: set[int] = set()
    for n in nodes:
        if n.op != "Add" or not n.inputs or _operand(consts, n, n.inputs[0]) != 3.0:
            continue
        x = n.inputs[0]
        clip = _sole(users, n.outputs[0], "Clip")
        if (
            clip is None
            or len(clip.inputs) != 3
            or [_scalar_of(consts, i) for i in clip.inputs[1:]] != [0.0, 6.0]
        ):
            continue
        mul = _sole(users, clip.outputs[0], "Mul")
        if mul is None or sorted(mul.inputs) != sorted([x, clip.outputs[0]]):
            continue
        div = _sole(users, mul.outputs[0], "Div")
        if div is None or div.inputs[0] != mul.outputs[0] or _scalar_of(consts, div.inputs[1]) != 6.0:
            continue
        gate = f"fold/{div.outputs[0]}/gate"
        replaced[id(div)] = [
            _node("HardSigmoid", [x], [gate], [_float_attr("alpha", 1.0 / 6.0), _float_attr("beta", 0.5)]),
            _node("Mul", [x, gate], [div.outputs[0]]),
        ]
        dropped.update((id(n), id(clip), id(mul), id(div)))
    return _rebuilt(nodes, replaced, dropped)


def _affine_then_pointwise(
    nodes: list[_Node], consts: dict[str, np.ndarray], users: dict[str, list[_Node]]
) -> list[_Node]:
    """Mul c → Add d → a 1×1 Conv without padding: the Conv with weights c·W, bias B + d·ΣW.

    Only a 1×1 unpadded convolution: a wider one pads the shifted input with zeros, not with d."""
    before: dict[int, list[_Node]] = {}
    dropped: set[int] = set()
    for n in nodes:
        if n.op != "Mul" or len(n.inputs) != 2 or id(n) in dropped:
            continue
        x = next((i for i in n.inputs if i not in consts), None)
        c = _operand(consts, n, x) if x is not None else None
        add = _sole(users, n.outputs[0], "Add")
        d = _operand(consts, add, n.outputs[0])
        conv = _sole(users, add.outputs[0], "Conv") if add is not None else None
        params = _conv_weights(consts, conv) if conv is not None and add is not None else None
        if x is None or c is None or d is None or conv is None or params is None or add is None:
            continue
        weight, bias = params
        if (
            weight.ndim != 4
            or weight.shape[2:] != (1, 1)
            or conv.inputs[0] != add.outputs[0]
            or not _unpadded(conv)
        ):
            continue
        new_bias = bias + np.float32(d) * weight.sum(axis=(1, 2, 3), dtype=np.float64).astype(np.float32)
        before[id(conv)] = _set_weights(consts, conv, weight * np.float32(c), new_bias)
        conv.inputs[0] = x
        dropped.update((id(n), id(add)))
    return _rebuilt(nodes, before, dropped)


def _affine_as_depthwise(
    nodes: list[_Node], consts: dict[str, np.ndarray], users: dict[str, list[_Node]]
) -> list[_Node]:
    """Mul c → Add d left over (feeding a padded convolution, a pooling) on a convolution's C channels: one
    depthwise 1×1 Conv with weights c and bias d (the same function, one pass instead of two,
    and a Conv keeps onnxruntime's blocked channel layout where a scalar Mul or Add makes it
    reorder the feature map out of that layout and back around them)."""
    replaced: dict[int, list[_Node]] = {}
    dropped: set[int] = set()
    for n in nodes:
        if n.op != "Mul" or len(n.inputs) != 2:
            continue
        x = next((i for i in n.inputs if i not in consts), None)
        found = _affine(consts, users, x) if x is not None else None
        channels = _channels(nodes, consts, x) if found and found[0] is n else None
        if found is None or channels is None:
            continue
        mul, add, c, d = found
        name = f"fold/{add.outputs[0]}/affine"
        weight = np.full((channels, 1, 1, 1), c, np.float32)
        bias = np.full(channels, d, np.float32)
        consts[name + "/W"], consts[name + "/B"] = weight, bias
        replaced[id(add)] = [
            _constant(name + "/W", weight),
            _constant(name + "/B", bias),
            _node("Conv", [x, name + "/W", name + "/B"], [add.outputs[0]], [_int_attr("group", channels)]),
        ]
        dropped.update((id(mul), id(add)))
    return _rebuilt(nodes, replaced, dropped)


def _channels(nodes: list[_Node], consts: dict[str, np.ndarray], name: str) -> int | None:
    """The channel count of a Conv's output, followed through the elementwise ops after it
    (x · HardSigmoid(x), a Relu) to `name`; None where `name` does not come from a Conv."""
    made = {o: n for n in nodes for o in n.outputs}
    seen = 0
    while (node := made.get(name)) is not None and seen < 8:
        seen += 1
        if node.op == "Conv":
            params = _conv_weights(consts, node)
            return None if params is None or params[0].ndim != 4 else int(params[0].shape[0])
        if node.op not in ("Mul", "HardSigmoid", "Relu") or not node.inputs:
            return None
        name = next((i for i in node.inputs if i not in consts), "")
    return None


def _int_attr(name: str, value: int) -> bytes:
    return encode([(_ATTR_NAME, 2, name.encode()), (3, 0, value), (_ATTR_TYPE, 0, 2)])  # i = 3, INT = 2


def _rebuilt(nodes: list[_Node], inserted: dict[int, list[_Node]], dropped: set[int]) -> list[_Node]:
    """The graph's nodes in order, with the new nodes put before the one they stand for and the
    folded ones left out."""
    out: list[_Node] = []
    for n in nodes:
        out.extend(inserted.get(id(n), []))
        if id(n) not in dropped:
            out.append(n)
    return out


def _unpadded(conv: _Node) -> bool:
    """No `pads` but zeros, no `auto_pad` but NOTSET/VALID (AttributeProto: ints = 8, s = 4)."""
    for number, _, attr in conv.fields:
        if number != _NODE_ATTR:
            continue
        parts = parse(attr)  # type: ignore[arg-type]
        name = next((v for n, _, v in parts if n == _ATTR_NAME), b"")
        if name == b"pads":
            values = [v for n, _, v in parts if n == _ATTR_INTS]
            ints: list[int] = []
            for v in values:
                ints += [v] if isinstance(v, int) else _packed(v)
            if any(ints):
                return False
        if name == b"auto_pad" and next((v for n, _, v in parts if n == _ATTR_S), b"NOTSET") not in (
            b"NOTSET",
            b"VALID",
        ):
            return False
    return True


def _packed(buf: bytes) -> list[int]:
    out, pos = [], 0
    while pos < len(buf):
        value, pos = _varint(buf, pos)
        out.append(value)
    return out


def _scalar_of(consts: dict[str, np.ndarray], name: str) -> float | None:
    value = consts.get(name)
    return float(value.reshape(-1)[0]) if value is not None and value.size == 1 else None
