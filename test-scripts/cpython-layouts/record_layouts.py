#!/usr/bin/env python3
"""Records buffer layouts exported by CPython itself, for CPythonLayoutsTest.

Each case is an object exporting a buffer (a ``_testbuffer.ndarray``, PIL-style or not, sliced, Fortran-ordered,
or a memoryview). The script takes the object's ``Py_buffer`` with ``PyObject_GetBuffer(obj, &view,
PyBUF_FULL_RO)`` through ctypes, walks every index the way ``PyBuffer_GetPointer`` does (following suboffsets), and
writes down:

* the descriptor: format, itemsize, len, shape, strides, suboffsets (or ``none`` when the pointer is NULL);
* the physical memory the layout touches, as regions (absolute start address + bytes). Every block of memory
  reached from one pointer (or from ``buf``, for the first level) is recorded whole, from the lowest to the highest
  byte any index reaches in it, so the Java side can hand ``BufferView.wrap`` one segment per block;
* the absolute addresses of the cells that hold pointers, with the region each one points into, so the Java side can
  relocate them after copying the regions;
* the absolute address of every item, in C order (to check ``elementAt`` lands on the same byte);
* CPython's own answers: ``PyBuffer_IsContiguous`` for 'C', 'F', 'A' (``_testbuffer.is_contiguous``), the
  memoryview flags ``c_contiguous``/``f_contiguous``/``contiguous``, and ``PyBuffer_ToContiguous`` for 'C', 'F' and
  'A' (``_testbuffer.py_buffer_to_contiguous``).

The walk is checked against CPython before anything is written: the item bytes it finds, in C order, must equal
CPython's ``tobytes('C')``, and each item must unpack to what ``_testbuffer.get_pointer`` returns.

Usage: python3 record_layouts.py [output-file]
(default: core/src/test/resources/org/indirectbuffer/cpython/layouts.txt relative to the repository root).
Requires CPython 3.11+ built with the _testbuffer module, on a 64-bit machine.
"""

import array
import ctypes
import itertools
import os
import platform
import struct
import sys

import _testbuffer as tb
from _testbuffer import ND_FORTRAN, ND_PIL, ND_WRITABLE, PyBUF_FULL_RO, ndarray


class Py_buffer(ctypes.Structure):
    """The C struct of Include/pybuffer.h (CPython 3.11)."""
    _fields_ = [
        ("buf", ctypes.c_void_p),
        ("obj", ctypes.c_void_p),
        ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t),
        ("readonly", ctypes.c_int),
        ("ndim", ctypes.c_int),
        ("format", ctypes.c_char_p),
        ("shape", ctypes.POINTER(ctypes.c_ssize_t)),
        ("strides", ctypes.POINTER(ctypes.c_ssize_t)),
        ("suboffsets", ctypes.POINTER(ctypes.c_ssize_t)),
        ("internal", ctypes.c_void_p),
    ]


_api = ctypes.pythonapi
_api.PyObject_GetBuffer.argtypes = [ctypes.py_object, ctypes.POINTER(Py_buffer), ctypes.c_int]
_api.PyObject_GetBuffer.restype = ctypes.c_int
_api.PyBuffer_Release.argtypes = [ctypes.POINTER(Py_buffer)]
_api.PyBuffer_Release.restype = None

POINTER_SIZE = ctypes.sizeof(ctypes.c_void_p)


class Block:
    """Memory reached from one pointer (or from buf): the span of bytes any index touches in it."""

    def __init__(self):
        self.low = None
        self.high = None

    def touch(self, start, size):
        self.low = start if self.low is None else min(self.low, start)
        self.high = start + size if self.high is None else max(self.high, start + size)


def walk(buf, itemsize, shape, strides, suboffsets):
    """Walks every index as PyBuffer_GetPointer does. Returns (items, blocks, pointers):
    items: the item addresses in C order; blocks: the first-level block first, then one per pointer followed;
    pointers: (cell address, index of the block it leads to)."""
    ndim = len(shape)
    blocks = [Block()]
    items = []
    pointers = []

    def rec(p, dim, block):
        if dim == ndim:
            block.touch(p, itemsize)
            items.append(p)
            return
        for i in range(shape[dim]):
            q = p + strides[dim] * i
            if suboffsets is not None and suboffsets[dim] >= 0:
                block.touch(q, POINTER_SIZE)
                target = ctypes.c_void_p.from_address(q).value
                if not target:
                    raise AssertionError("NULL pointer at %#x" % q)
                child = Block()
                blocks.append(child)
                pointers.append((q, len(blocks) - 1))
                rec(target + suboffsets[dim], dim + 1, child)
            else:
                rec(q, dim + 1, block)

    rec(buf, 0, blocks[0])
    return items, blocks, pointers


def merge(spans):
    """Merges overlapping or touching [low, high) spans; returns the merged list, sorted."""
    merged = []
    for low, high in sorted(spans):
        if merged and low <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return merged


def unpack(fmt, data):
    values = struct.unpack(fmt, data)
    return values[0] if len(values) == 1 else values


def record(name, obj, out):
    view = Py_buffer()
    if _api.PyObject_GetBuffer(obj, ctypes.byref(view), PyBUF_FULL_RO) != 0:
        raise RuntimeError("PyObject_GetBuffer failed for " + name)
    try:
        ndim = view.ndim
        fmt = view.format.decode("ascii") if view.format else "B"
        itemsize = view.itemsize
        shape = [view.shape[i] for i in range(ndim)]
        strides = [view.strides[i] for i in range(ndim)]
        suboffsets = [view.suboffsets[i] for i in range(ndim)] if view.suboffsets else None
        buf = view.buf
        length = view.len
        assert struct.calcsize(fmt) == itemsize, (name, fmt, itemsize)

        c_bytes = tb.py_buffer_to_contiguous(obj, "C", PyBUF_FULL_RO)
        f_bytes = tb.py_buffer_to_contiguous(obj, "F", PyBUF_FULL_RO)
        a_bytes = tb.py_buffer_to_contiguous(obj, "A", PyBUF_FULL_RO)
        contiguous = {o: tb.is_contiguous(obj, o) for o in "CFA"}
        with memoryview(obj) as mv:
            mv_flags = (mv.c_contiguous, mv.f_contiguous, mv.contiguous)

        if length == 0:
            items, regions, pointer_lines = [], [[buf, buf]], []
            first = 0
        else:
            items, blocks, pointers = walk(buf, itemsize, shape, strides, suboffsets)
            regions = merge([(b.low, b.high) for b in blocks])

            def region_of(address):
                for k, (low, high) in enumerate(regions):
                    if low <= address < high:
                        return k
                raise AssertionError("address %#x in no region" % address)

            first = region_of(blocks[0].low)
            assert regions[first][0] <= blocks[0].low and blocks[0].high <= regions[first][1]
            pointer_lines = [(cell, region_of(blocks[b].low)) for cell, b in pointers]

            # The walk must agree with CPython before anything is written.
            walked = b"".join(ctypes.string_at(a, itemsize) for a in items)
            assert walked == c_bytes, name + ": walked items differ from py_buffer_to_contiguous(C)"
            for index, address in zip(itertools.product(*[range(n) for n in shape]), items):
                expected = tb.get_pointer(obj, list(index))
                found = unpack(fmt, ctypes.string_at(address, itemsize))
                assert found == expected or (found != found and expected != expected), (name, index, found, expected)

        assert len(c_bytes) == length and len(f_bytes) == length

        def ints(values):
            return " ".join(str(v) for v in values)

        def region_offset(address):
            for k, (low, high) in enumerate(regions):
                if low <= address < high:
                    return "%d:%d" % (k, address - low)
            raise AssertionError("address %#x in no region" % address)

        out.append("case " + name)
        out.append("format " + fmt)
        out.append("itemsize %d" % itemsize)
        out.append("len %d" % length)
        out.append("shape " + ints(shape))
        out.append("strides " + ints(strides))
        out.append("suboffsets " + (ints(suboffsets) if suboffsets is not None else "none"))
        out.append("buf %#x" % buf)
        out.append("first_region %d" % first)
        for low, high in regions:
            out.append("region %#x %s" % (low, ctypes.string_at(low, high - low).hex() if high > low else "-"))
        for cell, target in pointer_lines:
            out.append("pointer %#x %d" % (cell, target))
        out.append("items " + (" ".join(region_offset(a) for a in items) if items else "-"))
        out.append("is_contiguous C=%d F=%d A=%d" % (contiguous["C"], contiguous["F"], contiguous["A"]))
        out.append("memoryview c_contiguous=%d f_contiguous=%d contiguous=%d" % mv_flags)
        for order, data in (("C", c_bytes), ("F", f_bytes), ("A", a_bytes)):
            out.append("tobytes_%s %s" % (order, data.hex() if data else "-"))
        out.append("end")
        out.append("")
    finally:
        _api.PyBuffer_Release(ctypes.byref(view))


def values(fmt, n):
    """n distinct items of format fmt."""
    code = fmt.lstrip("<>=!@")
    if code == "d":
        return [i * 1.5 - 7.25 for i in range(n)]
    if code == "f":
        return [i * 0.75 + 1.0 for i in range(n)]
    if code == "B":
        return [(i * 7 + 3) % 256 for i in range(n)]
    if code == "h":
        return [i * 37 - 500 for i in range(n)]
    if code == "i":
        return [i * 100003 - 2000000 for i in range(n)]
    if code == "q":
        return [i * 1000000007 - 123456789012 for i in range(n)]
    if code == "id":
        return [(i * 11 - 40, i + 0.125) for i in range(n)]
    if code == "hb":
        return [(i * 300 - 7000, i - 60) for i in range(n)]
    raise ValueError(fmt)


def nd(fmt, shape, flags=0):
    n = 1
    for s in shape:
        n *= s
    return ndarray(values(fmt, n), shape=list(shape), format=fmt, flags=flags | ND_WRITABLE)


# ------------------------------------------------------------------------------------------------ patched layouts
#
# _testbuffer only makes dimension 0 indirect. To have CPython's own copy routines (PyBuffer_ToContiguous,
# PyBuffer_IsContiguous, ptr_from_index) answer for layouts with several indirect dimensions, or with suboffsets
# that are present but all negative, a PIL ndarray is patched in place: its Py_buffer shares the suboffsets and
# strides arrays with the ndarray, so writing them (and writing pointers into its data) changes what every later
# PyObject_GetBuffer returns. The ndarray's shape, len and format are never changed. Memory the patched pointers
# lead to is allocated with ctypes and kept alive in _KEEP until the script ends.

_KEEP = []


def _alloc(size):
    block = ctypes.create_string_buffer(size)
    _KEEP.append(block)
    return ctypes.addressof(block)


def _patch(obj, strides=None, suboffsets=None):
    view = Py_buffer()
    if _api.PyObject_GetBuffer(obj, ctypes.byref(view), PyBUF_FULL_RO) != 0:
        raise RuntimeError("PyObject_GetBuffer failed")
    try:
        for i, v in (strides or {}).items():
            view.strides[i] = v
        for i, v in (suboffsets or {}).items():
            view.suboffsets[i] = v
        return view.buf, [view.strides[i] for i in range(view.ndim)], [view.suboffsets[i] for i in range(view.ndim)]
    finally:
        _api.PyBuffer_Release(ctypes.byref(view))


def _put_pointer(address, target):
    ctypes.c_void_p.from_address(address).value = target


def _put_item(address, fmt, value):
    data = struct.pack(fmt, value)
    ctypes.memmove(address, data, len(data))


def patched_two_level(fmt, shape, suboffset1, reverse_cols):
    """Dimensions 0 and 1 indirect: each cell of a row is a pointer to its own small block holding the item at
    suboffset1 (garbage around it). With reverse_cols, dimension 1 runs backwards from the row's last cell."""
    obj = nd(fmt, shape, ND_PIL)
    itemsize = struct.calcsize(fmt)
    assert itemsize == POINTER_SIZE and len(shape) == 2
    buf, strides, suboffsets = _patch(obj)
    rows, cols = shape
    row_stride = strides[1]  # 8: the row's cells are where its items were
    n = 0
    for i in range(rows):
        row = ctypes.c_void_p.from_address(buf + strides[0] * i).value + suboffsets[0]
        for j in range(cols):
            block = _alloc(suboffset1 + itemsize + 5)
            ctypes.memset(block, 0xA5, suboffset1 + itemsize + 5)
            _put_item(block + suboffset1, fmt, values(fmt, rows * cols)[n])
            n += 1
            _put_pointer(row + row_stride * j, block)
    if reverse_cols:
        # item (i, j) is now at cell cols-1-j: the row pointer plus a suboffset reaches the last cell.
        _patch(obj, strides={1: -row_stride}, suboffsets={0: suboffsets[0] + row_stride * (cols - 1), 1: suboffset1})
    else:
        _patch(obj, suboffsets={1: suboffset1})
    return obj


def patched_three_level(fmt, shape):
    """Dimensions 0, 1 and 2 of a 3-d 'q' or 'd' array indirect; dimension 2's blocks are separate tables of
    pointers, each reached with a suboffset of 8 and leading to items at suboffset 4."""
    obj = nd(fmt, shape, ND_PIL)
    itemsize = struct.calcsize(fmt)
    assert itemsize == POINTER_SIZE and len(shape) == 3
    buf, strides, suboffsets = _patch(obj)
    d0, d1, d2 = shape
    vals = iter(values(fmt, d0 * d1 * d2))
    for i in range(d0):
        row = ctypes.c_void_p.from_address(buf + strides[0] * i).value + suboffsets[0]
        for j in range(d1):
            table = _alloc(8 + POINTER_SIZE * d2)
            for k in range(d2):
                item_block = _alloc(4 + itemsize)
                _put_item(item_block + 4, fmt, next(vals))
                _put_pointer(table + 8 + POINTER_SIZE * k, item_block)
            _put_pointer(row + strides[1] * j, table)
    _patch(obj, strides={2: POINTER_SIZE}, suboffsets={1: 8, 2: 4})
    return obj


def patched_all_negative(fmt, shape, so):
    """A PIL ndarray whose suboffsets are all set negative: the pointer table itself is read as items (they are
    ASLR-dependent bytes, recorded as they are). CPython still calls the buffer non-contiguous because suboffsets
    is not NULL; indirect-buffer counts it as contiguous when the strides are."""
    obj = nd(fmt, shape, ND_PIL)
    _patch(obj, suboffsets={0: so})
    return obj


def cases():
    """(name, exporter) pairs."""
    out = []
    full = slice(None)

    def add(name, obj):
        out.append((name, obj))

    # Direct (no suboffsets) layouts.
    add("direct-1d-d", nd("d", [5]))
    add("direct-1d-i-reversed", nd("i", [7])[::-1])
    add("direct-1d-B-step3", nd("B", [10])[1:9:3])
    add("direct-2d-h-C", nd("h", [3, 4]))
    add("direct-2d-q-F", nd("q", [3, 4], ND_FORTRAN))
    add("direct-2d-f-neg", nd("f", [4, 5])[::-1, ::2])
    add("direct-3d-i-mixed", nd("i", [2, 3, 4])[:, ::-1, 1::2])
    add("direct-4d-B-mixed", nd("B", [2, 3, 2, 3])[::-1, :, ::-1, ::2])
    add("direct-0d-d", ndarray(2.5, shape=[], format="d"))
    add("direct-2d-<i", nd("<i", [4, 3]))
    add("direct-2d-id-struct", nd("id", [2, 3]))
    add("direct-2d-hb-struct-neg", nd("hb", [3, 3])[::-1, ::-1])
    add("direct-2d-empty-row", nd("d", [3, 4])[1:1])
    add("direct-3d-empty-middle", nd("h", [2, 3, 2])[:, 3:])
    add("direct-3d-d-F-sliced", nd("d", [3, 4, 2], ND_FORTRAN)[::-1, 1:3, :])
    add("direct-4d-q-F", nd("q", [2, 2, 3, 2], ND_FORTRAN))
    add("direct-2d-extent1-strided", nd("i", [3, 6])[1:2, ::2])
    add("direct-3d-extent1-dims", nd("d", [1, 4, 1]))
    add("direct-2d-C-as-column", nd("h", [4, 1]))
    add("memoryview-array-d-step-3", memoryview(array.array("d", [i + 0.5 for i in range(10)]))[::-3])
    add("memoryview-bytes-cast-2d", memoryview(bytes(range(40, 64))).cast("B", shape=[4, 6]))
    add("memoryview-array-i-cast-3d", memoryview(array.array("i", range(-12, 12))).cast("B").cast("i", [2, 3, 4]))

    # PIL-style layouts: a table of pointers for dimension 0 (ND_PIL), or ND_PIL|ND_FORTRAN.
    add("pil-1d-q", nd("q", [6], ND_PIL))
    add("pil-1d-d-reversed", nd("d", [6], ND_PIL)[::-1])
    add("pil-1d-B-step2", nd("B", [9], ND_PIL)[1:8:2])
    add("pil-1d-h-empty", nd("h", [5], ND_PIL)[3:3])
    add("pil-2d-d", nd("d", [3, 4], ND_PIL))
    add("pil-2d-i-rows-reversed", nd("i", [3, 4], ND_PIL)[::-1])
    add("pil-2d-i-cols-reversed", nd("i", [3, 4], ND_PIL)[:, ::-1])
    add("pil-2d-h-both-stepped", nd("h", [5, 6], ND_PIL)[::-2, 1::2])
    add("pil-2d-f-cols-sliced", nd("f", [4, 7], ND_PIL)[1:3, 5:0:-2])
    add("pil-2d-q-empty-cols", nd("q", [3, 4], ND_PIL)[:, 2:2])
    add("pil-2d-q-empty-rows", nd("q", [3, 4], ND_PIL)[2:2])
    add("pil-2d-<i", nd("<i", [3, 5], ND_PIL))
    add("pil-2d-id-struct", nd("id", [3, 2], ND_PIL)[::-1])
    add("pil-2d-hb-struct", nd("hb", [2, 5], ND_PIL)[:, ::-2])
    add("pil-2d-extent1", nd("d", [1, 5], ND_PIL))
    add("pil-2d-one-column", nd("B", [5, 3], ND_PIL)[:, 1:2])
    add("pil-3d-h", nd("h", [2, 3, 4], ND_PIL))
    add("pil-3d-h-neg-inner", nd("h", [2, 3, 4], ND_PIL)[:, ::-1, ::-2])
    add("pil-3d-d-all-neg", nd("d", [3, 2, 3], ND_PIL)[::-1, ::-1, ::-1])
    add("pil-3d-i-middle-slice", nd("i", [3, 4, 2], ND_PIL)[1:, 1:4:2, :])
    add("pil-4d-B", nd("B", [2, 3, 2, 3], ND_PIL))
    add("pil-4d-q-sliced", nd("q", [3, 2, 3, 2], ND_PIL)[::2, ::-1, 1:, ::-1])
    add("pil-4d-f-empty-last", nd("f", [2, 2, 2, 3], ND_PIL)[:, :, :, 3:])
    add("pil-F-2d-i", nd("i", [3, 4], ND_PIL | ND_FORTRAN))
    add("pil-F-2d-d-sliced", nd("d", [4, 3], ND_PIL | ND_FORTRAN)[::-1, 1:])
    add("pil-F-3d-d", nd("d", [2, 3, 4], ND_PIL | ND_FORTRAN))
    add("pil-F-3d-h-neg", nd("h", [2, 3, 4], ND_PIL | ND_FORTRAN)[::-1, 1:, ::-2])
    add("pil-F-4d-B", nd("B", [2, 2, 3, 2], ND_PIL | ND_FORTRAN)[:, ::-1, :, :])

    # Patched: several indirect dimensions, and present-but-negative suboffsets (see patched_two_level etc.).
    add("patched-2level-d", patched_two_level("d", [3, 4], 16, False))
    add("patched-2level-q-cols-reversed", patched_two_level("q", [2, 3], 3, True))
    add("patched-2level-d-rows-sliced", patched_two_level("d", [4, 3], 0, False)[::-2])
    add("patched-3level-q", patched_three_level("q", [2, 3, 2]))
    add("patched-3level-d-all-reversed", patched_three_level("d", [2, 2, 3])[::-1, ::-1, ::-1])
    add("patched-negative-suboffsets-2d-i", patched_all_negative("i", [3, 2], -1))
    add("patched-negative-suboffsets-1d-q", patched_all_negative("q", [4], -7))
    add("patched-negative-suboffsets-2d-h-strided", patched_all_negative("h", [3, 4], -1)[:, ::2])

    # A small grid: every format x a few shapes x a few slicings, PIL and not.
    grid_slices = {
        1: [(full,), (slice(None, None, -2),)],
        2: [(slice(None, None, -1), slice(1, None)), (slice(1, None, 2), slice(None, None, -1))],
        3: [(slice(None, None, -1), full, slice(None, None, 2))],
    }
    grid_shapes = {1: [5], 2: [3, 3], 3: [2, 3, 3]}
    for fmt in ("d", "i", "B", "h", "q", "f"):
        for ndim in (1, 2, 3):
            for flags, tag in ((0, "direct"), (ND_PIL, "pil")):
                for k, sl in enumerate(grid_slices[ndim]):
                    if (ord(fmt) + ndim + k + flags) % 3 != 0:
                        continue  # a third of the grid keeps the file small
                    add("grid-%s-%dd-%s-%d" % (tag, ndim, fmt, k), nd(fmt, grid_shapes[ndim], flags)[sl])
    return out


def main():
    if sys.implementation.name != "cpython" or sys.version_info < (3, 11) or POINTER_SIZE != 8:
        sys.exit("needs 64-bit CPython 3.11+ with _testbuffer")
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    target = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        root, "core", "src", "test", "resources", "org", "indirectbuffer", "cpython", "layouts.txt")
    lines = [
        "# Buffer layouts exported by CPython, recorded by test-scripts/cpython-layouts/record_layouts.py.",
        "# Do not edit by hand; see test-scripts/cpython-layouts/README.md.",
        "# python %s on %s %s, byteorder %s, pointer size %d"
        % (platform.python_version(), platform.system(), platform.machine(), sys.byteorder, POINTER_SIZE),
        "",
    ]
    all_cases = cases()
    names = [name for name, _ in all_cases]
    assert len(names) == len(set(names)), "duplicate case names"
    for name, obj in all_cases:
        record(name, obj, lines)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w", encoding="ascii") as f:
        f.write("\n".join(lines))
    print("wrote %d cases, %d bytes, to %s" % (len(all_cases), os.path.getsize(target), target))


if __name__ == "__main__":
    main()
