#!/usr/bin/env python3
"""A peer of org.indirectbuffer.space.SharedArrays in Python: reads and writes shared arrays in the format of
docs/shared-array-format.md with mmap and struct only (NumPy, when installed, sums dense arrays).

  shm_peer.py read NAME               print the header and the sum of the items (format 'd' only)
  shm_peer.py set NAME ROW COL VALUE  write one double (dense 2-D or indirect)
  shm_peer.py create NAME ROWS COLS [dense|indirect]
                                      create a 'd' array whose item (r, c) is r * COLS + c, published atomically
Exit codes: 0 done, 1 the array is missing or invalid (the message names the field), 2 bad usage.
"""
import fcntl
import mmap
import os
import secrets
import struct
import sys
import time

try:
    import numpy
except ImportError:  # NumPy is optional
    numpy = None

MAGIC = b"IBSHMARR"
PAGE = 4096
DIRECTORY = os.environ.get("INDIRECTBUFFER_SHM_DIR", "/dev/shm")


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


class Invalid(Exception):
    pass


def parse_header(m, size):
    if size < 96:
        raise Invalid("field 'length': the file holds %d bytes" % size)
    if m[0:8] != MAGIC:
        raise Invalid("field 'magic': %r is not IBSHMARR" % bytes(m[0:8]))
    version, _, ready, checksum, header_length, kind = struct.unpack_from("<IIIIII", m, 8)
    if version != 1:
        raise Invalid("field 'version': %d" % version)
    if not 96 <= header_length <= PAGE:
        raise Invalid("field 'header length': %d" % header_length)
    if ready and crc32c(m[24:header_length]) != checksum:
        raise Invalid("field 'checksum': CRC32C mismatch")
    (pid, created, data_offset, data_length, table_offset, file_length, item_size, ndim,
     format_length) = struct.unpack_from("<qqqqqqqII", m, 32)
    shape = list(struct.unpack_from("<%dq" % ndim, m, 96))
    fmt = bytes(m[96 + 8 * ndim:96 + 8 * ndim + format_length]).decode("ascii")
    if size < file_length:
        raise Invalid("field 'file length': the file holds %d bytes, the header says %d" % (size, file_length))
    return dict(ready=ready, kind=kind, pid=pid, created=created, data_offset=data_offset,
                data_length=data_length, table_offset=table_offset, file_length=file_length,
                item_size=item_size, shape=shape, format=fmt)


def attach(name, write):
    fd = os.open(os.path.join(DIRECTORY, name), os.O_RDWR if write else os.O_RDONLY)
    fcntl.lockf(fd, fcntl.LOCK_SH)  # a shared fcntl lock of the whole file while attached
    size = os.fstat(fd).st_size
    m = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | (mmap.PROT_WRITE if write else 0))
    deadline = time.monotonic() + 2
    while True:
        h = parse_header(m, size)
        if h["ready"]:
            return fd, m, h
        if time.monotonic() > deadline:
            raise Invalid("field 'ready': still 0 after 2 s")
        time.sleep(0.005)


def row_offsets(m, h):
    rows, cols = h["shape"]
    if h["kind"] == 1:
        return [h["data_offset"] + r * cols * h["item_size"] for r in range(rows)]
    offsets = list(struct.unpack_from("<%dq" % rows, m, h["table_offset"]))
    low, high = h["data_offset"], h["data_offset"] + h["data_length"] - cols * h["item_size"]
    for r, o in enumerate(offsets):
        if not low <= o <= high:
            raise Invalid("field 'row table': row %d at offset %d" % (r, o))
    return offsets


def read(name):
    fd, m, h = attach(name, False)
    print("kind", "indirect" if h["kind"] == 2 else "dense")
    print("format", h["format"])
    print("shape", " ".join(str(s) for s in h["shape"]))
    print("creator", h["pid"])
    if h["format"] in ("d", "<d", "=d", "@d"):
        if h["kind"] == 1:
            n = h["data_length"] // 8
            if numpy is not None:
                total = float(numpy.frombuffer(m, dtype="<f8", count=n, offset=h["data_offset"]).sum())
            else:
                total = sum(struct.unpack_from("<%dd" % n, m, h["data_offset"]))
        else:
            cols = h["shape"][1]
            # the suboffset rule, in offsets: row r is at table[r] from the start of the mapping
            total = sum(sum(struct.unpack_from("<%dd" % cols, m, o)) for o in row_offsets(m, h))
        print("sum", repr(float(total)))
    print("numpy", "yes" if numpy is not None else "no")
    m.close()
    os.close(fd)


def set_item(name, row, col, value):
    fd, m, h = attach(name, True)
    struct.pack_into("<d", m, row_offsets(m, h)[row] + col * 8, value)
    m.close()
    os.close(fd)
    print("wrote")


def create(name, rows, cols, kind):
    indirect = kind == "indirect"
    data_length = rows * cols * 8
    table_offset = PAGE if indirect else 0
    data_offset = ((PAGE + 8 * rows + 63) // 64) * 64 if indirect else PAGE
    file_length = data_offset + max(data_length, 1)
    tmp = os.path.join(DIRECTORY, ".ib-tmp-%d-%s" % (os.getpid(), secrets.token_hex(8)))
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.posix_fallocate(fd, 0, file_length)
        m = mmap.mmap(fd, file_length)
        fmt = b"d"
        shape = [rows, cols]
        header_length = 96 + 8 * len(shape) + len(fmt)
        m[0:8] = MAGIC
        struct.pack_into("<II", m, 8, 1, 0)
        struct.pack_into("<II", m, 24, header_length, 2 if indirect else 1)
        struct.pack_into("<qqqqqqqII", m, 32, os.getpid(), int(time.time() * 1000), data_offset, data_length,
                         table_offset, file_length, 8, len(shape), len(fmt))
        struct.pack_into("<%dq" % len(shape), m, 96, *shape)
        m[96 + 8 * len(shape):header_length] = fmt
        for r in range(rows):
            if indirect:
                struct.pack_into("<q", m, table_offset + 8 * r, data_offset + r * cols * 8)
            struct.pack_into("<%dd" % cols, m, data_offset + r * cols * 8, *[float(r * cols + c) for c in range(cols)])
        struct.pack_into("<I", m, 20, crc32c(m[24:header_length]))
        struct.pack_into("<I", m, 16, 1)  # ready, last
        m.close()
        os.link(tmp, os.path.join(DIRECTORY, name))  # fails if the name exists
    finally:
        os.close(fd)
        os.unlink(tmp)
    print("created")


def main(argv):
    try:
        if len(argv) == 3 and argv[1] == "read":
            read(argv[2])
        elif len(argv) == 6 and argv[1] == "set":
            set_item(argv[2], int(argv[3]), int(argv[4]), float(argv[5]))
        elif len(argv) in (5, 6) and argv[1] == "create":
            create(argv[2], int(argv[3]), int(argv[4]), argv[5] if len(argv) == 6 else "dense")
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (Invalid, OSError) as e:
        print("error:", e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
