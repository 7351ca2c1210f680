"""Moving boxes of `DramView`s in and out of region slots, and padded windows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.dialects.builtin import FloatAttr, IntegerAttr
from xdsl.ir import Operation

from npu_dialect.npu import DmaLoadOp, DmaStoreOp, TileAttr
from transforms.lowering.epilogue import Lowering
from transforms.lowering.layout import DramView
from transforms.lowering.sram import Region


def load(
    lowering: Lowering,
    region: Region,
    view: DramView,
    starts: Sequence[int],
    dims: Sequence[int],
    sizes: Sequence[int],
    origin: Operation | None,
    pad: Sequence[int] | None = None,
    pad_value: IntegerAttr | FloatAttr | None = None,
) -> TileAttr:
    """The box of `view` at logical `starts` whose tile dims are the logical `dims`
    with `sizes`, in a slot of `region`; not loaded again while a slot still holds
    the same descriptor. With `pad` ([lo..., hi...] per tile dim), `starts` is where
    the unpadded part begins."""
    element, strides = view.descriptor(starts, dims)
    key = (view.symbol, element, tuple(sizes), strides, tuple(pad or ()))
    address, loaded = region.take(key)
    tile = region.tile(address, sizes, view.element_type)
    if not loaded:
        padded = pad is not None and any(pad)
        lowering.emit(
            DmaLoadOp(
                view.symbol,
                element,
                strides,
                tile,
                pad=list(pad) if padded and pad is not None else None,
                pad_value=pad_value if padded else None,
            ),
            origin,
        )
    return tile


def store(
    lowering: Lowering,
    tile: TileAttr,
    view: DramView,
    starts: Sequence[int],
    dims: Sequence[int],
    origin: Operation | None,
) -> None:
    """`tile` to the box of `view` at `starts` whose tile dims are the logical `dims`."""
    element, strides = view.descriptor(starts, dims)
    lowering.emit(DmaStoreOp(tile, view.symbol, element, strides), origin)


@dataclass(frozen=True)
class WindowDim:
    """The input rows (or columns) a tile of outputs reads along one spatial dim."""

    start: int
    """First row read from the tensor."""
    size: int
    """Rows of the window tile, padding included."""
    low: int
    high: int
    """Rows of padding at each end."""


def window_dim(
    out_start: int, out_size: int, stride: int, extent: int, pad_begin: int, size: int
) -> WindowDim:
    """The window of outputs `out_start .. out_start + out_size` along a dim of `size`
    with `pad_begin` padding, for a kernel covering `extent` rows (dilation included)."""
    rows = (out_size - 1) * stride + extent
    first = out_start * stride - pad_begin
    low = min(max(0, -first), rows)
    high = min(max(0, first + rows - size), rows - low)
    return WindowDim(max(first, 0), rows, low, high)


def load_window(
    lowering: Lowering,
    tile: TileAttr,
    view: DramView,
    n: int,
    c0: int,
    rows: WindowDim,
    cols: WindowDim,
    pad_value: IntegerAttr | FloatAttr,
    origin: Operation | None,
) -> None:
    """Load the HWC window `tile` ([rows, cols, channels from c0]) from NCHW `view`,
    its border filled with `pad_value` by the DMA."""
    element, strides = view.descriptor((n, c0, rows.start, cols.start), (2, 3, 1))
    pad = [rows.low, cols.low, 0, rows.high, cols.high, 0]
    padded = any(pad)
    lowering.emit(
        DmaLoadOp(
            view.symbol,
            element,
            strides,
            tile,
            pad=pad if padded else None,
            pad_value=pad_value if padded else None,
        ),
        origin,
    )
