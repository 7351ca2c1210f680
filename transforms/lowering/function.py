"""Lowering one `func.func` of `nn` ops to one `npu.program`.

The walk:

0. put the ops of `nn.fused` groups back into the function (`unfuse`);
1. group the ops: every conv, matmul or elementwise op heads a group, and takes along
   the chain of elementwise ops that follow it while each value has a single user
   (`epilogue`), but no op of another `nn.fused` group; those chain values never
   reach DRAM;
2. order the groups: the original order, except that a group waits until the other
   operands of its fused ops are computed (a residual add fused into a convolution
   needs the shortcut first);
3. give every value a home (`layout.DramView`): inputs and outputs are the program's
   `input`/`output` tensors (keyed by the function's `nn.name` attributes), constants
   become `weight` tensors, views (reshape, transpose, ...) share their operand's
   bytes, and every other value gets a `scratch` tensor of its own;
4. lower each group with `conv`, `matmul`, `vector`, `movement` or, for ops the NPU
   cannot compute as `nn` defines them, `host`.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, DenseResourceAttr, TensorType
from xdsl.dialects.func import CallOp, FuncOp, ReturnOp
from xdsl.ir import Attribute, Operation, SSAValue

from interpreter.executor import argument_names, result_names
from npu_dialect import nn
from npu_dialect.errors import UserError
from npu_dialect.hardware import HardwareConfig
from npu_dialect.nn.quant import QConv2DOp, QMatmulOp
from npu_dialect.npu import INTEGER_TYPE_NAMES, DramKind, NpuInstruction, ProgramOp, type_name
from npu_dialect.resources import elements_attr
from transforms.canonicalization.constants import SPLAT_SCAN_LIMIT, constant_array
from transforms.lowering import conv, host, matmul, movement, vector
from transforms.lowering.fusion import Chain, make_step
from transforms.lowering.layout import DramView, element_type, shape
from transforms.lowering.program import ProgramBuilder, dense_type, lowering_error
from transforms.lowering.unfuse import inline_fused

MATRIX_HEADS = (nn.Conv2DOp, QConv2DOp, nn.MatmulOp, nn.GemmOp, QMatmulOp)
_CONV_HEADS = (nn.Conv2DOp, QConv2DOp)


class _DryLowering:
    """Answers `make_step`'s questions without declaring anything: used to decide
    which ops join a chain before their operands have homes."""

    def __init__(self, config: HardwareConfig):
        self.config = config

    def view(self, value: SSAValue) -> DramView:
        value_shape = shape(value)
        return DramView.dense("", value_shape, element_type(value))

    def weight(self, hint: str, array: np.ndarray, element_type: Attribute) -> DramView:
        return DramView.dense("", array.shape, element_type)

    def emit(self, op: NpuInstruction, origin: Operation | None = None) -> NpuInstruction:
        raise AssertionError("a dry lowering emits nothing")


class FunctionLowering:
    """The state of lowering one function: homes of values and the program builder."""

    def __init__(self, func: FuncOp, config_name: str, config: HardwareConfig):
        self.func = func
        self.config = config
        self._groups = inline_fused(func.body.block)
        self.builder = ProgramBuilder(func.sym_name.data, config_name, config)
        self.homes: dict[SSAValue, DramView] = {}
        self._output_homes: dict[SSAValue, DramView] = {}
        self._origins: dict[Operation, str] = {}
        self._name_origins()

    # What the op lowerings use.

    def origin(self, op: Operation) -> str:
        return self._origins.get(op, op.name)

    def emit(self, op: NpuInstruction, origin: Operation | None = None) -> NpuInstruction:
        self.builder.origin = self.origin(origin) if origin is not None else None
        return self.builder.emit(op)

    def view(self, value: SSAValue) -> DramView:
        """The home of an operand (a constant becomes a weight tensor on first use,
        stored in the order its `nn.layout` gives)."""
        home = self.homes.get(value)
        if home is not None:
            return home
        array = constant_array(value)
        if array is None:
            raise AssertionError(f"value {value.name_hint} used before it was lowered")
        array = np.asarray(array)
        order = _layout(value)
        if order is None:
            home = self.weight(value.name_hint or "const", array, element_type(value))
        else:
            relaid = np.transpose(array, order)
            if not all(stride == 0 for stride in relaid.strides):
                relaid = np.ascontiguousarray(relaid)  # a splat stays one stored element
            hint = (value.name_hint or "weight") + _layout_suffix(order)
            stored = self.weight(hint, relaid, element_type(value))
            home = DramView.physical(stored.symbol, array.shape, order, stored.element_type)
        self.homes[value] = home
        return home

    def constant(self, value: SSAValue) -> np.ndarray | None:
        return constant_array(value)

    def weight(self, hint: str, array: np.ndarray, element_type: Attribute) -> DramView:
        """A weight tensor holding `array` (row-major)."""
        self._check_storable(element_type, hint)
        tensor_type = dense_type(array.shape, element_type)
        value = _weight_value(array, tensor_type)
        op = self.builder.dram(hint, DramKind.WEIGHT, tensor_type, value=value)
        return DramView.dense(op.sym_name.data, array.shape, element_type)

    def result_home(self, value: SSAValue, row_major: bool = False) -> DramView:
        """A fresh home for an op's result: the output tensor it is returned as, else a
        scratch tensor stored in the order of its op's `nn.layout` (row-major without
        one, or when the op's lowering asks for `row_major`)."""
        output = self._output_homes.pop(value, None)
        if output is not None:
            self.homes[value] = output
            return output
        value_shape = shape(value)
        value_type = element_type(value)
        self._check_storable(value_type, value.name_hint or "value")
        hint = value.name_hint or "t"
        order = None if row_major else _layout(value)
        if order is not None:
            physical = [value_shape[d] for d in order]
            op = self.builder.dram(hint, DramKind.SCRATCH, dense_type(physical, value_type))
            home = DramView.physical(op.sym_name.data, value_shape, order, value_type)
        else:
            op = self.builder.dram(hint, DramKind.SCRATCH, dense_type(value_shape, value_type))
            home = DramView.dense(op.sym_name.data, value_shape, value_type)
        self.homes[value] = home
        return home

    def scratch(self, hint: str, shape_: Sequence[int], element_type_: Attribute) -> DramView:
        op = self.builder.dram(hint, DramKind.SCRATCH, dense_type(shape_, element_type_))
        return DramView.dense(op.sym_name.data, shape_, element_type_)

    def set_view(self, value: SSAValue, view: DramView) -> None:
        self.homes[value] = view

    # The walk.

    def run(self) -> ProgramOp:
        block = self.func.body.block
        returned = block.last_op
        assert isinstance(returned, ReturnOp)
        self._declare_inputs()
        self._declare_outputs(returned)
        for chain in self._ordered(self._chains(block.ops)):
            self._lower(chain)
        self._copy_outputs(returned)
        return self.builder.build()

    def _name_origins(self) -> None:
        # An unnamed op is numbered by its position among the ops other than
        # constants: passes insert and move constants freely (nn-fuse-epilogue moves
        # a group's constants before it), and that must not rename the ops.
        seen: dict[str, int] = {}
        index = 0
        for op in self.func.body.block.ops:
            hint = op.results[0].name_hint if op.results else None
            name = hint or f"{op.name.removeprefix('nn.')}#{index}"
            if not isinstance(op, nn.ConstantOp):
                index += 1
            count = seen.get(name, 0)
            seen[name] = count + 1
            self._origins[op] = name if count == 0 else f"{name}#{count}"

    def _check_storable(self, element: Attribute, what: str) -> None:
        if not type_name(element):
            raise UserError(
                f"@{self.func.sym_name.data}: {what} has element type {element}, which NPU "
                "DRAM tensors cannot hold (i8, ui8, i16, i32, f8E4M3FN, f16, bf16, f32)"
            )

    def _declare_inputs(self) -> None:
        names = argument_names(self.func)
        for arg, name in zip(self.func.body.block.args, names, strict=True):
            arg_type = arg.type
            assert isinstance(arg_type, TensorType)
            self._check_storable(arg_type.element_type, f"input '{name}'")
            op = self.builder.dram(arg.name_hint or name, DramKind.INPUT, arg_type, key=name)
            self.homes[arg] = DramView.dense(op.sym_name.data, shape(arg), arg_type.element_type)

    def _declare_outputs(self, returned: ReturnOp) -> None:
        names = result_names(self.func)
        self._outputs: list[DramView] = []
        # Values computed into a home of their own can be computed into the output
        # tensor; inputs, constants, views and repeated outputs are copied at the end.
        computed = {
            result
            for op in self.func.body.block.ops
            if not isinstance(op, (nn.ConstantOp, *movement.VIEW_OPS))
            for result in op.results
        }
        for value, name in zip(returned.arguments, names, strict=True):
            value_type = value.type
            assert isinstance(value_type, TensorType)
            self._check_storable(value_type.element_type, f"output '{name}'")
            op = self.builder.dram(name, DramKind.OUTPUT, value_type, key=name)
            view = DramView.dense(op.sym_name.data, shape(value), value_type.element_type)
            self._outputs.append(view)
            if value in computed and value not in self._output_homes:
                self._output_homes[value] = view

    def _copy_outputs(self, returned: ReturnOp) -> None:
        """Outputs not written in place (inputs, constants, views, repeats) are copied."""
        for value, view in zip(returned.arguments, self._outputs, strict=True):
            if self.view(value) != view:
                owner = value.owner if isinstance(value.owner, Operation) else None
                movement.copy(self, self.view(value), view, owner)

    def _chains(self, ops: Sequence[Operation]) -> list[Chain]:
        dry = _DryLowering(self.config)
        absorbed: set[Operation] = set()
        chains: list[Chain] = []
        for op in ops:
            if op in absorbed or isinstance(op, (nn.ConstantOp, ReturnOp)):
                continue
            if isinstance(op, CallOp):
                raise lowering_error(op, "calls are not supported (inline them first)")
            chain = Chain(op)
            group = self._groups.get(op)
            if _heads_chain(dry, op):
                axis = _channel_axis(op)
                value = op.results[0]
                while value.uses.get_length() == 1:
                    user = next(iter(value.uses)).operation
                    if user in absorbed or self._groups.get(user, group) != group:
                        break
                    if make_step(dry, user, value, axis) is None:
                        break
                    chain.ops.append(user)
                    absorbed.add(user)
                    value = user.results[0]
            chains.append(chain)
        return chains

    def _ordered(self, chains: list[Chain]) -> list[Chain]:
        """Topological order of the chains, as close to the original as possible."""
        producer: dict[SSAValue, int] = {}
        for index, chain in enumerate(chains):
            for op in (chain.head, *chain.ops):
                for result in op.results:
                    producer[result] = index
        deps: list[set[int]] = []
        for index, chain in enumerate(chains):
            needed = {
                producer[operand]
                for op in (chain.head, *chain.ops)
                for operand in op.operands
                if operand in producer and producer[operand] != index
            }
            deps.append(needed)
        users: list[list[int]] = [[] for _ in chains]
        for index, needed in enumerate(deps):
            for dep in needed:
                users[dep].append(index)
        waiting = [len(d) for d in deps]
        ready = [i for i, w in enumerate(waiting) if w == 0]
        heapq.heapify(ready)
        order: list[Chain] = []
        while ready:
            index = heapq.heappop(ready)
            order.append(chains[index])
            for user in users[index]:
                waiting[user] -= 1
                if waiting[user] == 0:
                    heapq.heappush(ready, user)
        assert len(order) == len(chains), "fused chains depend on each other"
        return order

    def _lower(self, chain: Chain) -> None:
        head = chain.head
        chain.steps = []
        axis = _channel_axis(head)
        value = head.results[0]
        for op in chain.ops:
            steps = make_step(self, op, value, axis)
            assert steps is not None
            chain.steps.extend(steps)
            value = op.results[0]
        if isinstance(head, MATRIX_HEADS) and _product_on_host(head):
            host.lower_host(self, head)
        elif isinstance(head, _CONV_HEADS):
            conv.lower_conv(self, chain)
        elif isinstance(head, MATRIX_HEADS):
            matmul.lower_matmul(self, chain)
        elif movement.lower_movement(self, head) or vector.lower_vector(self, chain):
            pass
        else:
            host.lower_host(self, head)


def _weight_value(
    array: np.ndarray, tensor_type: TensorType
) -> DenseIntOrFPElementsAttr | DenseResourceAttr:
    """A splat stays a splat (`dense<v>`); other data as `elements_attr` stores it."""
    if array.size > 1:
        first = array.reshape(-1)[0]
        stored_once = all(stride == 0 for stride in array.strides)
        if stored_once or (array.size <= SPLAT_SCAN_LIMIT and bool(np.all(array == first))):
            return DenseIntOrFPElementsAttr.from_list(tensor_type, [first.item()])
    return elements_attr(array, tensor_type)


_LAYOUT_SUFFIXES = {(2, 3, 1, 0): "_hwio", (1, 0): "_t"}


def _layout(value: SSAValue) -> tuple[int, ...] | None:
    """The `nn.layout` (set by `nn-assign-layout`) of the op computing `value`."""
    owner = value.owner
    if isinstance(owner, Operation) and len(owner.results) == 1:
        return nn.layout_of(owner)
    return None


def _layout_suffix(order: tuple[int, ...]) -> str:
    """How the name of a re-laid-out weight tensor says its layout."""
    return _LAYOUT_SUFFIXES.get(order, "_" + "".join(map(str, order)))


def _channel_axis(op: Operation) -> int | None:
    """The logical dim a head's tiles have last: channels for convolutions, the last
    dim for products; unknown for the rest."""
    if isinstance(op, _CONV_HEADS):
        return 1
    if isinstance(op, MATRIX_HEADS):
        return len(shape(op.results[0])) - 1
    return None


def _product_on_host(op: Operation) -> bool:
    """Products the matrix unit does not compute as `nn` defines them: integer
    `conv2d`/`matmul`/`gemm` (their results wrap to the operand type, where the matrix
    unit accumulates in i32; quantised models use `qconv2d`/`qmatmul`), and a bias or
    gemm C that is not a constant."""
    if isinstance(op, (nn.Conv2DOp, nn.MatmulOp, nn.GemmOp)):
        if type_name(element_type(op.results[0])) in INTEGER_TYPE_NAMES:
            return True
    added = op.c if isinstance(op, nn.GemmOp) else getattr(op, "bias", None)
    return added is not None and constant_array(added) is None


def _heads_chain(dry: _DryLowering, op: Operation) -> bool:
    if isinstance(op, MATRIX_HEADS):
        return not (matmul.has_vector_operand(op) or _product_on_host(op))
    return vector.head_steps(dry, op) is not None
