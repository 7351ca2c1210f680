"""ONNX models to `nn` dialect modules.

The graph becomes one `func.func @main` whose arguments are the graph inputs that
are not initializers and whose results are the graph outputs, each tagged with
`{nn.name = "<onnx name>"}`. Nodes are converted in graph order by the converters
in `npu_frontend.onnx_ops`. A tensor is either an SSA value or a numpy array known
at import time (initializers, `Constant` nodes, shapes, and whatever is computed
from them only); known arrays are folded through shape computations with numpy and
become `nn.constant` ops only where an `nn` op consumes them. That is how the
`Shape -> Gather -> Concat -> Reshape` chains exporters emit end up as static shapes.

Every problem with the model raises `UserError` with one line naming the model and,
where there is one, the node ("model.onnx: node 'Conv_3' (LSTM): unsupported ONNX
operator LSTM").
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np
import onnx
from google.protobuf.message import DecodeError
from onnx import numpy_helper
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DictionaryAttr,
    ModuleOp,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.utils.exceptions import VerifyException

from npu_dialect.errors import UserError
from npu_dialect.nn import ConstantOp, element_type_of
from npu_dialect import resources
from npu_dialect.resources import numpy_dtype
from npu_frontend.onnx_node import Converter, Node, Tensor, numpy_dtype_of
from npu_frontend.onnx_ops import CONVERTERS
from npu_frontend.onnx_qdq_fusion import fuse_quantized_ops
from npu_frontend.onnx_quant import QuantizedConstant, offset_rescale
from npu_frontend.onnx_quant_ops import (
    INT8_READERS,
    INT8_TRANSPARENT,
    MICROSOFT_CONVERTERS,
    QUANT_CONVERTERS,
)

MIN_OPSET = 13
"""Oldest default-domain opset accepted: from 13 on, Softmax has single-axis
semantics and the axes of Squeeze/Unsqueeze/ReduceSum/Split may be inputs, which
the converters read in both forms."""

SPLAT_THRESHOLD = 16
"""Uniform constants larger than this are stored as one element."""

DEFAULT_DOMAIN: dict[str, Converter] = {**CONVERTERS, **QUANT_CONVERTERS}
DOMAINS: dict[str, dict[str, Converter]] = {
    "": DEFAULT_DOMAIN,
    "ai.onnx": DEFAULT_DOMAIN,
    "com.microsoft": MICROSOFT_CONVERTERS,
}
"""Converters by operator domain."""


class GraphImporter:
    """Converts one ONNX graph into the body of `func.func @main`."""

    def __init__(
        self, model: onnx.ModelProto, source: str, input_shapes: Mapping[str, Sequence[int]]
    ):
        self.graph = model.graph
        self.source = source
        self.input_shapes = {
            name: tuple(int(d) for d in shape) for name, shape in input_shapes.items()
        }
        self.values: dict[str, SSAValue] = {}
        self.constants: dict[str, np.ndarray] = {}
        self.initializers = {init.name: init for init in self.graph.initializer}
        self.consumed = {name for node in self.graph.node for name in node.input if name}
        """Tensor names that some node or the graph's outputs read."""
        self.consumed.update(output.name for output in self.graph.output)
        self.block = Block()
        self.quantized = False
        """Whether a quantised op was converted (the QDQ fusion then runs)."""
        self.dequantized: dict[str, QuantizedConstant] = {}
        """Constants that DequantizeLinear made, with their integers."""
        self.shifted: set[str] = set()
        """uint8 tensors whose value is held in int8 form (npu_frontend.onnx_quant)."""
        self.int8_forms: dict[str, SSAValue] = {}
        """The int8 form of uint8 tensors whose value is held as uint8."""

    def constant(self, name: str) -> np.ndarray | None:
        array = self.constants.get(name)
        if array is None and name in self.initializers:
            array = self._load_initializer(self.initializers.pop(name))
            self.constants[name] = array
        return array

    def _load_initializer(self, tensor: onnx.TensorProto) -> np.ndarray:
        if tensor.data_type == onnx.TensorProto.STRING:
            raise UserError(f"{self.source}: initializer '{tensor.name}' holds strings")
        try:
            return numpy_helper.to_array(tensor)
        except (ValueError, OSError) as error:
            raise UserError(
                f"{self.source}: initializer '{tensor.name}' cannot be read: {error}"
            ) from None

    def ssa_value(self, name: str) -> SSAValue:
        value = self.values.get(name)
        if value is not None:
            return value
        array = self.constant(name)
        if array is None:
            raise UserError("not defined by any earlier node, initializer or graph input")
        value = self.ssa_array(array, name)
        self.values[name] = value
        return value

    def ssa_array(self, array: np.ndarray, name: str) -> SSAValue:
        """A new `nn.constant` holding `array`."""
        try:
            element_type_of(array.dtype)
        except ValueError:
            raise UserError(f"element type {array.dtype} is not supported by nn") from None
        if array.size > SPLAT_THRESHOLD and not any(array.strides):
            # A broadcast scalar (ConstantOfShape, Expand): a one-element blob, which
            # `npu_dialect.resources` broadcasts. (xDSL's dense splats hold every element.)
            tensor_type = TensorType(element_type_of(array.dtype), array.shape)
            single = np.asarray([array.flat[0]], dtype=array.dtype)
            op = ConstantOp(resources.resource_attr(single, tensor_type))
        else:
            op = ConstantOp.from_array(array)
        self.block.add_op(op)
        value = op.results[0]
        value.name_hint = _value_name(name)
        return value

    @staticmethod
    def dtype_of(value: SSAValue) -> np.dtype:
        assert isinstance(value.type, TensorType)
        return numpy_dtype(value.type.element_type)

    def tensor_type(self, name: str, node: Node) -> TensorType:
        if name in self.values:
            value_type = self.values[name].type
            assert isinstance(value_type, TensorType)
            return value_type
        array = self.constant(name)
        if array is None:
            raise node.error(
                f"input '{name}' is not defined by any earlier node, initializer or graph input"
            )
        try:
            return TensorType(element_type_of(array.dtype), array.shape)
        except ValueError:
            raise node.error(
                f"input '{name}' has element type {array.dtype}, which nn does not support"
            ) from None

    def int8_value(self, name: str) -> tuple[SSAValue, np.dtype]:
        """The int8 form of run-time int8/uint8 tensor `name` and its ONNX type;
        ValueError for another type."""
        if name in self.shifted:
            return self.ssa_value(name), np.dtype(np.uint8)
        if name in self.int8_forms:
            return self.int8_forms[name], np.dtype(np.uint8)
        value = self.ssa_value(name)
        dtype = self.dtype_of(value)
        if dtype == np.uint8:
            self.int8_forms[name] = self._add(offset_rescale(value, to_unsigned=False))
        elif dtype != np.int8:
            raise ValueError(f"'{name}' has element type {dtype}, expected int8 or uint8")
        return self.int8_forms.get(name, value), dtype

    def _unshift(self, name: str) -> None:
        """Hold uint8 tensor `name` as uint8 from now on, for ops that need its values."""
        self.int8_forms[name] = self.values[name]
        self.values[name] = self._add(offset_rescale(self.values[name], to_unsigned=True))
        self.values[name].name_hint = _value_name(f"{name}_uint8")
        self.shifted.discard(name)

    def _add(self, op: Operation) -> SSAValue:
        self.block.add_op(op)
        return op.results[0]

    def run(self) -> ModuleOp:
        arg_types, arg_names = self._arguments()
        for index, proto in enumerate(self.graph.node):
            self._convert(Node(self, proto, index))
        results: list[SSAValue] = []
        for output in self.graph.output:
            if output.name in self.shifted:
                self._unshift(output.name)
            try:
                results.append(self.ssa_value(output.name))
            except UserError as error:
                raise UserError(f"{self.source}: graph output '{output.name}': {error}") from None
        self.block.add_op(func.ReturnOp(*results))
        function = func.FuncOp(
            "main",
            (arg_types, [r.type for r in results]),
            Region(self.block),
            arg_attrs=_name_attrs(arg_names),
            res_attrs=_name_attrs([o.name for o in self.graph.output]),
        )
        if self.quantized:
            constants = {
                self.values[name]: constant
                for name, constant in self.dequantized.items()
                if name in self.values
            }
            fuse_quantized_ops(function, constants)
        return ModuleOp([function])

    def _arguments(self) -> tuple[list[Attribute], list[str]]:
        """Block arguments for the graph inputs that are not initializers."""
        inputs = [i for i in self.graph.input if i.name not in self.initializers]
        names = [i.name for i in inputs]
        for name in self.input_shapes:
            if name not in names:
                known = ", ".join(names) or "none"
                raise UserError(
                    f"{self.source}: --input-shape names '{name}', which is not a graph input "
                    f"(inputs: {known})"
                )
        types: list[Attribute] = []
        for graph_input in inputs:
            tensor_type = self._input_type(graph_input)
            argument = self.block.insert_arg(tensor_type, len(self.block.args))
            argument.name_hint = _value_name(graph_input.name)
            self.values[graph_input.name] = argument
            types.append(tensor_type)
        return types, names

    def _input_type(self, graph_input: onnx.ValueInfoProto) -> TensorType:
        what = f"{self.source}: graph input '{graph_input.name}'"
        if not graph_input.type.HasField("tensor_type"):
            raise UserError(f"{what} is not a tensor ({graph_input.type.WhichOneof('value')})")
        tensor_type = graph_input.type.tensor_type
        dtype = numpy_dtype_of(tensor_type.elem_type, what)
        dims = [
            d.dim_value if d.HasField("dim_value") else (d.dim_param or "?")
            for d in tensor_type.shape.dim
        ]
        override = self.input_shapes.get(graph_input.name)
        shown = "[" + ", ".join(str(d) for d in dims) + "]"
        if override is not None:
            given = "x".join(map(str, override)) or "a scalar"
            if tensor_type.HasField("shape") and len(dims) != len(override):
                raise UserError(
                    f"{what} has rank {len(dims)} (shape {shown}), --input-shape gives {given}"
                )
            for declared, size in zip(dims, override):
                if isinstance(declared, int) and declared != size:
                    raise UserError(f"{what} has shape {shown}, --input-shape gives {given}")
            shape = list(override)
        elif not tensor_type.HasField("shape"):
            raise UserError(
                f"{what} has no declared shape; give one with --input-shape {graph_input.name}=DIMS"
            )
        elif any(not isinstance(d, int) for d in dims):
            example = "x".join(str(d) if isinstance(d, int) else "1" for d in dims)
            raise UserError(
                f"{what} has dynamic shape {shown}; fix it with --input-shape, "
                f"e.g. --input-shape {graph_input.name}={example}"
            )
        else:
            shape = [int(d) for d in dims]
        return TensorType(element_type_of(dtype), shape)

    def _convert(self, node: Node) -> None:
        proto = node.proto
        converter = DOMAINS.get(proto.domain, {}).get(proto.op_type)
        if converter is None:
            default = proto.domain in ("", "ai.onnx")
            qualified = proto.op_type if default else f"{proto.domain}.{proto.op_type}"
            raise node.error(f"unsupported ONNX operator {qualified}")
        int8_reader = proto.domain == "com.microsoft" or proto.op_type in INT8_READERS
        for name in proto.input:
            if name in self.shifted and not int8_reader:
                self._unshift(name)
        try:
            # Folded float arithmetic follows IEEE (x / 0 is inf) without warnings.
            with np.errstate(all="ignore"):
                outputs = converter(node)
        except VerifyException as error:
            raise node.error(_first_line(error)) from None
        except (ValueError, IndexError, ZeroDivisionError, OverflowError) as error:
            # numpy's complaints about inconsistent values folded at import time
            raise node.error(f"cannot evaluate at import time: {_first_line(error)}") from None
        for index, name in enumerate(proto.output):
            if not name:
                continue
            if index >= len(outputs):
                if name in self.consumed:
                    raise node.error(f"output {index} ('{name}') is not supported")
                continue
            self._define(name, outputs[index])
        transparent = proto.op_type in INT8_TRANSPARENT and proto.domain in ("", "ai.onnx")
        if transparent and proto.input and proto.input[0] in self.shifted:
            self.shifted.update(
                name
                for name in proto.output
                if name in self.values and self.dtype_of(self.values[name]) == np.int8
            )

    def _define(self, name: str, tensor: Tensor) -> None:
        # numpy folds of 0-d values may give numpy scalars; they are arrays too.
        if isinstance(tensor, (np.ndarray, np.generic)):
            self.constants[name] = np.asarray(tensor)
            self.values.pop(name, None)
            return
        if tensor.name_hint is None:
            tensor.name_hint = _value_name(name)
        self.values[name] = tensor
        self.constants.pop(name, None)


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _value_name(name: str) -> str | None:
    """An SSA name hint close to the ONNX tensor name (for readable IR)."""
    cleaned = "".join(c if c.isalnum() or c in "_.$-" else "_" for c in name).strip("_")
    if not cleaned or not cleaned.isascii():
        return None
    return cleaned if not cleaned[0].isdigit() else f"v{cleaned}"


def _name_attrs(names: Sequence[str]) -> ArrayAttr[DictionaryAttr]:
    return ArrayAttr(DictionaryAttr({"nn.name": StringAttr(name)}) for name in names)


def load_model(path: str | os.PathLike[str]) -> onnx.ModelProto:
    """Read an ONNX file (with its external data), failing with one line."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise UserError(f"{path}: is a directory")
    if not os.path.exists(path):
        raise UserError(f"{path}: no such file")
    try:
        model = onnx.load(path)
    except DecodeError:
        raise UserError(
            f"{path}: not an ONNX model (the file is truncated or not ONNX protobuf)"
        ) from None
    except (OSError, ValueError, RuntimeError, onnx.checker.ValidationError) as error:
        # External data that is missing or unreadable, mostly.
        raise UserError(f"{path}: cannot load the model: {_first_line(error)}") from None
    return model


def check_model(model: onnx.ModelProto, source: str) -> None:
    if model.ir_version <= 0 or not model.HasField("graph"):
        raise UserError(f"{source}: not an ONNX model (no IR version or no graph)")
    versions = {o.domain: o.version for o in model.opset_import}
    opset = versions.get("", versions.get("ai.onnx"))
    if opset is None:
        raise UserError(f"{source}: the model imports no version of the default ONNX opset")
    newest = onnx.defs.onnx_opset_version()
    if not MIN_OPSET <= opset <= newest:
        raise UserError(
            f"{source}: opset {opset} is not supported (opsets {MIN_OPSET} to {newest} are; "
            "onnx.version_converter can upgrade older models)"
        )


def import_onnx(
    model_or_path: onnx.ModelProto | str | os.PathLike[str],
    input_shapes: Mapping[str, Sequence[int]] | None = None,
) -> ModuleOp:
    """Import an ONNX model (or the file at a path) as an `nn` dialect module.

    `input_shapes` fixes the shapes of graph inputs by name; it is required for
    inputs with dynamic dimensions. Raises `UserError` for anything the importer
    cannot represent.
    """
    if isinstance(model_or_path, onnx.ModelProto):
        model = model_or_path
        source = model.graph.name or "model"
    else:
        source = os.fspath(model_or_path)
        model = load_model(source)
    check_model(model, source)
    return GraphImporter(model, source, input_shapes or {}).run()
