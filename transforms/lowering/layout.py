"""Where `nn` values live in DRAM: views of DRAM tensors, in their assigned layouts.

A value is a `DramView`: a DRAM tensor, an element offset and one element stride per
logical dim. DMA descriptors are built from views, so a transpose, a reshape of a
row-major value, a squeeze or a positive-step slice is a new view of the same bytes and
moves no data; only a consumer that needs another arrangement copies.

Layouts are chosen before lowering, by `nn-assign-layout` (transforms/
nn_assign_layout.py): the `nn.layout` of the op computing a value is the order its
DRAM tensor stores the logical dims in (NHWC activations, HWIO convolution weights,
[K, N] gemm weights), and `FunctionLowering` builds the value's view with
`DramView.physical`. Values without one are row-major; so are the model's inputs and
outputs, as the user gives and expects them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import prod

from xdsl.dialects.builtin import TensorType
from xdsl.ir import Attribute, SSAValue

from npu_dialect.npu import VECTOR_TYPE_NAMES, dense_strides, type_name

HWC = (2, 3, 1)
"""The logical NCHW dims of an HWC tile."""


def element_type(value: SSAValue) -> Attribute:
    """The element type of an `nn` value (a tensor)."""
    value_type = value.type
    assert isinstance(value_type, TensorType)
    return value_type.element_type


def shape(value: SSAValue) -> tuple[int, ...]:
    value_type = value.type
    assert isinstance(value_type, TensorType)
    return tuple(value_type.get_shape())


def is_vector_type(element: Attribute) -> bool:
    """Whether the vector unit computes on this element type (fp8 is storage only)."""
    return type_name(element) in VECTOR_TYPE_NAMES


@dataclass(frozen=True)
class DramView:
    """A logical tensor in DRAM: element [i_0, ...] at `offset + sum(i_k * strides_k)`
    of DRAM tensor `symbol`."""

    symbol: str
    offset: int
    shape: tuple[int, ...]
    strides: tuple[int, ...]
    element_type: Attribute

    @staticmethod
    def dense(symbol: str, shape: Sequence[int], element_type: Attribute) -> DramView:
        return DramView(symbol, 0, tuple(shape), dense_strides(shape), element_type)

    @staticmethod
    def physical(
        symbol: str, shape: Sequence[int], order: Sequence[int], element_type: Attribute
    ) -> DramView:
        """A view of a dense tensor holding the logical dims in physical `order`."""
        physical_strides = dense_strides([shape[d] for d in order])
        strides = [0] * len(shape)
        for position, dim in enumerate(order):
            strides[dim] = physical_strides[position]
        return DramView(symbol, 0, tuple(shape), tuple(strides), element_type)

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def num_elements(self) -> int:
        return prod(self.shape)

    def is_row_major(self) -> bool:
        """Dense row-major in the logical shape (dims of size 1 may have any stride)."""
        dense = dense_strides(self.shape)
        return all(n == 1 or s == d for n, s, d in zip(self.shape, self.strides, dense))

    def element(self, index: Sequence[int]) -> int:
        return self.offset + sum(i * s for i, s in zip(index, self.strides))

    def descriptor(
        self, starts: Sequence[int], dims: Sequence[int]
    ) -> tuple[int, tuple[int, ...]]:
        """(element offset, strides) of a DMA box at logical `starts` whose tile dims
        are the logical dims `dims`, in tile order."""
        return self.element(starts), tuple(self.strides[d] for d in dims)

    def permuted(self, perm: Sequence[int]) -> DramView:
        return DramView(
            self.symbol,
            self.offset,
            tuple(self.shape[p] for p in perm),
            tuple(self.strides[p] for p in perm),
            self.element_type,
        )

    def reshaped(self, shape: Sequence[int]) -> DramView | None:
        """The same elements in row-major order with another shape, if no copy is
        needed: the view is row-major, or only dims of size 1 come and go."""
        kept = [(n, s) for n, s in zip(self.shape, self.strides) if n != 1]
        if self.is_row_major():
            strides = dense_strides(shape)
        elif [n for n, _ in kept] == [n for n in shape if n != 1]:
            source = iter(kept)
            strides = tuple(next(source)[1] if n != 1 else 1 for n in shape)
        else:
            return None
        return DramView(self.symbol, self.offset, tuple(shape), strides, self.element_type)

    def sliced(
        self, starts: Sequence[int], steps: Sequence[int], shape: Sequence[int]
    ) -> DramView:
        """Elements `starts + i * steps` (steps >= 1)."""
        return DramView(
            self.symbol,
            self.element(starts),
            tuple(shape),
            tuple(s * t for s, t in zip(self.strides, steps)),
            self.element_type,
        )

    def physical_order(self) -> tuple[int, ...]:
        """Logical dims from the largest stride to the smallest (ties: logical order)."""
        return tuple(sorted(range(self.rank), key=lambda d: (-self.strides[d], d)))
