#!/usr/bin/env python3
"""Turns one JMH JSON result file of the benchmarks module into Markdown: per family a table of the library's
methods against each baseline measured in the same run, and a table of the project's targets, met or missed.

Pairing rule (by method name, within one benchmark class and one parameter set): a method named library<X> is
compared with every method not named library* whose name ends with the last word of <X> (libraryMax with
contiguousMax and cMax; libraryMatrixGet with rowSegmentsGet); when <X> is empty or no such method exists, with
every method not named library*. EXPLICIT_PAIRS adds pairs for families whose methods do not follow that naming.
A baseline measured with fewer parameters than the library (it takes a JMH state without them, e.g. the contiguous
kernel has no placement: it reads no row of C's) is compared with every library row whose parameters include its
own, and marked with a dagger. Methods in no pair are listed with their time alone. The speed ratio is baseline time
/ library time (above 1: the library is faster), from the medians of the measurement iterations of each benchmark.

Usage: bench-table.py RESULT.json [--log JMH_OUTPUT] [--command CMD]
"""
import json
import os
import platform
import re
import statistics
import sys
from collections import OrderedDict

PKG = "org.indirectbuffer.benchmarks."


def median_score(entry):
    raw = [v for fork in entry["primaryMetric"].get("rawData", []) for v in fork]
    return statistics.median(raw) if raw else entry["primaryMetric"]["score"]


def us(value, unit):
    """Converts a time-per-op score to microseconds."""
    factor = {"ns/op": 1e-3, "us/op": 1.0, "ms/op": 1e3, "s/op": 1e6}.get(unit)
    if factor is None:
        raise SystemExit(f"bench-table: unsupported score unit {unit!r} (only time per operation)")
    return value * factor


def load(path):
    with open(path) as f:
        entries = json.load(f)
    groups = OrderedDict()
    for e in entries:
        full = e["benchmark"]
        cls, method = full[len(PKG):].rsplit(".", 1) if full.startswith(PKG) else full.rsplit(".", 1)
        params = tuple(sorted((e.get("params") or {}).items()))
        groups.setdefault((cls, params), {})[method] = us(median_score(e), e["primaryMetric"]["scoreUnit"])
    return entries, merge_fewer_params(groups)


def merge_fewer_params(groups):
    """Adds to every group the methods of the same class measured with a strict subset of its parameters (marked
    with DAGGER), and drops the groups so merged into some other group."""
    merged = OrderedDict()
    absorbed = set()
    for (cls, params), methods in groups.items():
        combined = dict(methods)
        for (other_cls, other_params), other_methods in groups.items():
            if other_cls == cls and set(other_params) < set(params):
                absorbed.add((other_cls, other_params))
                for m, t in other_methods.items():
                    combined.setdefault(m + DAGGER, t)
        merged[(cls, params)] = combined
    return OrderedDict((k, v) for k, v in merged.items() if k not in absorbed)


DAGGER = " †"

# Pairs for families whose methods are not named library*: (class) -> [(library method, [baselines])].
EXPLICIT_PAIRS = {
    "SharedArrayBenchmark": [("sharedSum", ["privateSum", "privateScalarSum", "privateCopy"]),
                             ("attachSumClose", ["privateSum", "privateScalarSum"])],
}


def plain(method):
    return method[:-len(DAGGER)] if method.endswith(DAGGER) else method


def method_time(methods, name):
    """The time of a method measured with the group's parameters or with fewer of them; None if not measured."""
    return methods.get(name, methods.get(name + DAGGER))


def pairs(cls, methods):
    names = list(methods)
    for lib, bases in EXPLICIT_PAIRS.get(cls, []):
        for base in bases:
            for name in (base, base + DAGGER):
                if lib in methods and name in methods:
                    yield lib, name
    for lib in [m for m in names if m.startswith("library")]:
        words = re.findall(r"[A-Z][a-z0-9]*", lib[len("library"):])
        others = [m for m in names if not m.startswith("library")]
        matching = [m for m in others if words and plain(m).endswith(words[-1])]
        for base in (matching or others):
            yield lib, base


def fmt_params(params):
    return ", ".join(f"{k}={v}" for k, v in params) or "-"


def fmt_time(t):
    return f"{t:.3f}" if t < 10 else f"{t:.1f}"


# The targets of issue 15 (and 17, 11, 12): (family, library method, baseline, parameter filter, minimum speed ratio, label).
# A speed ratio is baseline time / library time; "within 1.5x the time" is a minimum ratio of 1/1.5.
BIG = ("1000x1000", "16x1000000")
TARGETS = [
    ("SumBenchmark", "library", "contiguous", {"shape": BIG}, 0.85, "sum >= 0.85x the contiguous kernel"),
    ("SumBenchmark", "library", "handwrittenFfm", {"shape": BIG}, 0.95, "sum >= 0.95x hand-written FFM"),
    ("SumBenchmark", "library", "c", {"shape": BIG}, 1.0, "sum >= 1.0x gcc's loop"),
    ("SumBenchmark", "library", "jnaGetDoubleArray", {"shape": BIG}, 20.0, "sum >= 20x JNA getDoubleArray per row"),
    ("KernelBenchmark", "libraryMax", "contiguousMax", {"shape": ("16x1000000",)}, 0.9, "max >= 0.9x contiguous twin"),
    ("KernelBenchmark", "libraryFill", "contiguousFill", {"shape": ("16x1000000",)}, 0.9, "fill >= 0.9x contiguous twin"),
    ("KernelBenchmark", "libraryScale", "contiguousScale", {"shape": ("16x1000000",)}, 0.9,
     "scale >= 0.9x contiguous twin"),
    ("GatherBenchmark", "libraryGather", "segmentCopyGather", {"shape": BIG}, 0.9,
     "gather >= 0.9x MemorySegment.copy"),
    ("GatherBenchmark", "libraryScatter", "segmentCopyScatter", {"shape": BIG}, 0.9,
     "scatter >= 0.9x MemorySegment.copy"),
    ("AccessBenchmark", "libraryMatrixGet", "rowSegmentsGet", {}, 0.5, "IndirectMemory2D.getDouble >= 0.5x row loop"),
    ("AccessBenchmark", "libraryMatrixSet", "rowSegmentsSet", {}, 0.5, "IndirectMemory2D.setDouble >= 0.5x row loop"),
    ("AccessBenchmark", "libraryViewGet", "rowSegmentsGet", {}, 0.5, "BufferView.getDouble >= 0.5x row loop"),
    ("AccessBenchmark", "libraryViewSet", "rowSegmentsSet", {}, 0.5, "BufferView.setDouble >= 0.5x row loop"),
    ("AccessBenchmark", "libraryCollectionGet", "rowSegmentsGet", {}, 0.5,
     "BufferCollection2D.getDouble >= 0.5x row loop"),
    ("AccessBenchmark", "libraryCollectionSet", "rowSegmentsSet", {}, 0.5,
     "BufferCollection2D.setDouble >= 0.5x row loop"),
    ("CreateBenchmark", "libraryConfined", "copyOnly", {}, 0.95, "create confined >= 0.95x copy-only floor"),
    ("CreateBenchmark", "library", "copyOnly", {}, 0.8, "create shared >= 0.8x copy-only floor"),
    ("CreateBenchmark", "library", "jnaMemory", {"shape": ("1000x1000",)}, 2.0, "create >= 2x JNA"),
    ("CreateBenchmark", "library", "jnaMemory", {"shape": ("100000x8",)}, 50.0, "create >= 50x JNA"),
    # issue 11: an attached shared array
    ("SharedArrayBenchmark", "sharedSum", "privateSum", {}, 0.9, "attached shared sum >= 0.9x private sum (issue 11)"),
    ("SharedArrayBenchmark", "attachSumClose", "privateSum", {}, 0.9,
     "shared array attach + sum + close >= 0.9x private SIMD sum"),
    # issue 12: a stored buffer, mapped and warm, and a put with its commit
    ("BufferStoreBenchmark", "libraryGetSum", "privateSum", {}, 0.9,
     "store get + sum >= 0.9x private SIMD sum"),
    ("BufferStoreBenchmark", "libraryPut", "copyPut", {}, 0.5, "store put of 8 MB >= 0.5x copy + root"),
]
# Targets on time rather than speed: (family, library method, baseline, parameter filter, most library time ÷
# baseline time, label). A small C-returned T** wrapped and summed, per call: at most 1.5x the time of hand-written
# FFM with the same lifetime (a shared arena for the shared wraps, a confined one for the confined).
TIME_TARGETS = [
    ("WrapBenchmark", "librarySum", "ffmSharedSum", {}, 1.5, "wrap + sum <= 1.5x hand-written FFM (shared)"),
    ("WrapBenchmark", "libraryConfinedSum", "ffmConfinedSum", {}, 1.5,
     "wrap CONFINED + sum <= 1.5x hand-written FFM (confined)"),
    ("WrapBenchmark", "libraryBorrowerSum", "ffmConfinedSum", {}, 1.5,
     "PointerBorrower + sum <= 1.5x hand-written FFM (confined)"),
    ("WrapBenchmark", "libraryKernelSum", "ffmSharedSum", {}, 1.5,
     "wrap + Kernels.sum <= 1.5x hand-written FFM (shared)"),
]
# Per-row overhead of the sum, (library - contiguous) / rows, in ns: (shape, most ns per row).
ROW_OVERHEAD = [("100000x8", 2.0), ("1000000x1", 3.0)]
# The per-call cost of a wrap: (library method, baseline) of WrapBenchmark, shown in ns per call.
WRAP_CALLS = [("librarySum", "ffmSharedSum"), ("libraryConfinedSum", "ffmConfinedSum"),
              ("libraryBorrowerSum", "ffmConfinedSum"), ("libraryKernelSum", "ffmSharedSum"),
              ("libraryBorrowerSum", "ffmGlobalSum")]


def matches(params, wanted):
    p = dict(params)
    return all(p.get(k) in values for k, values in wanted.items())


def main(argv):
    if not argv or argv[0].startswith("-"):
        raise SystemExit(__doc__)
    path = argv[0]
    log = command = None
    rest = argv[1:]
    while rest:
        opt = rest.pop(0)
        if opt == "--log":
            log = rest.pop(0)
        elif opt == "--command":
            command = rest.pop(0)
        else:
            raise SystemExit(f"bench-table: unknown option {opt!r}")
    entries, groups = load(path)
    refused = set()
    if log and os.path.exists(log):
        # a family whose setup found its variants disagreeing has no result: say so instead of a table
        text = open(log, errors="replace").read()
        for m in re.finditer(r"# Benchmark: " + re.escape(PKG) + r"(\w+)\.(\w+)(.*?)(?=# Benchmark: |\Z)", text, re.S):
            if "the variants disagree" in m.group(3) or "<failure>" in m.group(3):
                refused.add(m.group(1))
    out = []
    first = entries[0] if entries else {}
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            names = [l.split(":", 1)[1].strip() for l in f if l.startswith("model name")]
        cpu = f"{names[0]}, {len(names)} logical CPUs" if names else ""
    except OSError:
        pass
    out.append(f"Machine: {platform.node()} ({cpu or platform.machine()}); JDK: {first.get('vmName', '?')} "
               f"{first.get('jdkVersion', '?')}; JMH {first.get('jmhVersion', '?')}; result file: "
               f"`{os.path.basename(path)}`.")
    if command:
        out.append(f"Command: `{command}`")
    out.append("")
    out.append("Times are medians of the measurement iterations, in µs per operation; the speed ratio is baseline "
               "time ÷ library time (above 1: the library is faster).")
    families = OrderedDict()
    for (cls, params), methods in groups.items():
        families.setdefault(cls, []).append((params, methods))
    for cls, sets in families.items():
        out.append("")
        out.append(f"### {cls}")
        out.append("")
        if cls in refused:
            out.append("**Refused**: a variant computed a different result in setup (see the JMH log); no figures "
                       "reported for this family.")
            continue
        out.append("| parameters | library | baseline | library µs | baseline µs | speed ratio |")
        out.append("|---|---|---|---:|---:|---:|")
        daggers = False
        for params, methods in sets:
            paired = set()
            for lib, base in pairs(cls, methods):
                paired.update((lib, base))
                daggers |= base.endswith(DAGGER)
                out.append(f"| {fmt_params(params)} | {lib} | {base} | {fmt_time(methods[lib])} | "
                           f"{fmt_time(methods[base])} | {methods[base] / methods[lib]:.2f}× |")
            for m in methods:
                if m not in paired and not m.endswith(DAGGER):
                    out.append(f"| {fmt_params(params)} | {m} | — | {fmt_time(methods[m])} | — | — |")
        if daggers:
            out.append("")
            out.append(f"{DAGGER.strip()} measured once per value of its own parameters (a subset of the row's: it "
                       "reads no memory the others change), and compared with every row that shares them.")
    out.append("")
    out.append("### Targets")
    out.append("")
    out.append("| target | parameters | measured | met |")
    out.append("|---|---|---:|---|")
    missed = 0
    # speed targets: baseline time / library time at least the bound; time targets: the inverse at most the bound
    for targets, speed in ((TARGETS, True), (TIME_TARGETS, False)):
        for cls, lib, base, wanted, bound, label in targets:
            if cls in refused:
                out.append(f"| {label} | - | refused | **no** |")
                missed += 1
                continue
            for params, methods in families.get(cls, []):
                if matches(params, wanted) and lib in methods and method_time(methods, base) is not None:
                    ratio = method_time(methods, base) / methods[lib]
                    ok = ratio >= bound if speed else 1 / ratio <= bound
                    missed += 0 if ok else 1
                    shown = f"{ratio:.2f}×" if speed else f"{1 / ratio:.2f}× the time"
                    out.append(f"| {label} | {fmt_params(params)} | {shown} | {'yes' if ok else '**no**'} |")
    for params, methods in families.get("SumBenchmark", []):
        p = dict(params)
        for shape, most in ROW_OVERHEAD:
            contiguous = method_time(methods, "contiguous")
            if p.get("shape") == shape and "library" in methods and contiguous is not None:
                rows = int(shape.split("x")[0])
                ns = (methods["library"] - contiguous) * 1000 / rows
                ok = ns <= most
                missed += 0 if ok else 1
                out.append(f"| sum per-row overhead <= {most:g} ns | {fmt_params(params)} | {ns:.2f} ns | "
                           f"{'yes' if ok else '**no**'} |")
    out.append("")
    out.append(f"{missed} target rows missed." if missed else "Every target row met.")
    wraps = [(params, methods) for params, methods in families.get("WrapBenchmark", [])]
    if wraps and "WrapBenchmark" not in refused:
        out.append("")
        out.append("### Per-call cost of wrapping a small C-returned table and summing it (WrapBenchmark)")
        out.append("")
        out.append("| parameters | library | baseline | library ns/call | baseline ns/call | overhead ns/call |")
        out.append("|---|---|---|---:|---:|---:|")
        for params, methods in wraps:
            for lib, base in WRAP_CALLS:
                if lib in methods and base in methods:
                    a, b = methods[lib] * 1000, methods[base] * 1000
                    out.append(f"| {fmt_params(params)} | {lib} | {base} | {a:.1f} | {b:.1f} | {a - b:.1f} |")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1:])
