#!/usr/bin/env python3
"""Generate the reference table that FormatTableTest checks org.indirectbuffer.format.Format against.

Output: core/src/test/resources/org/indirectbuffer/format/format-table.tsv (relative to the repository root),
one row per format string, tab-separated:

    format     the string, escaped (see escape() below)
    source     'struct' or 'numpy': which reference produced the row
    outcome    'ok' or 'error'
    itemsize   item size in bytes (empty for errors)
    alignment  alignment in bytes (empty for errors)

Which reference judges a string:
  * 'struct' -- strings without any PEP 3118 extension (the characters T { } ( ) : Z g u w O & ^, or a byte order
    after the first character; see is_pep3118()): CPython's
    struct module. outcome is whether struct.calcsize accepts the string (struct.error, UnicodeEncodeError etc. are
    'error'), itemsize is struct.calcsize. alignment is derived from struct as well: the alignment of one code X is
    calcsize('@c' + X) - calcsize('@' + X) (how far X moves when it follows one char), the alignment of a
    native-mode string ('@' or no prefix) is the largest alignment over its codes, and of a standard-mode string
    ('=', '<', '>', '!') it is 1.
  * 'numpy' -- strings using PEP 3118 extensions: NumPy's reader numpy._core._internal._dtype_from_pep3118.
    Every such string is checked to be one the struct module rejects, so the two dialects never disagree about a
    string: what struct accepts keeps struct's meaning.
    outcome is whether it accepts the string, itemsize its dtype's itemsize, alignment the common alignment that
    the reader computes alongside (the second value of __dtype_from_pep3118; 1 in the standard modes).

NumPy strings must avoid the places where indirect-buffer deliberately differs from NumPy: whitespace, '^' with
nothing after it, '&', 'u', n/N/P/p, an unclosed 'T{', a stray '}', empty names '::',
signs in shapes, a prefix before a top-level shape ('<(2)d': NumPy wants '(2)<d'), counts or sizes beyond a C int,
sub-arrays of zero-sized items ('(2)0d'), and byte orders inside T{...} that would leak out of the struct (ours are
scoped to it). check_numpy_comparable() and numpy_reference() refuse such rows; they belong in FormatTest (Java).

The table is platform-specific: it must be generated with CPython 3.11 on x86-64 (LP64) Linux, the platform the
Java test expects, with NumPy 1.24 or newer. Run:  python3 test-scripts/format-table/generate_format_table.py
(on Debian 12: apt-get install python3-numpy, then /usr/bin/python3 test-scripts/format-table/...).
"""

import os
import platform
import struct
import sys

import numpy
try:
    from numpy._core import _internal as np_internal  # NumPy 2.x
except ImportError:
    from numpy.core import _internal as np_internal  # NumPy 1.x (Debian 12's python3-numpy)

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(REPO, 'core', 'src', 'test', 'resources', 'org', 'indirectbuffer', 'format', 'format-table.tsv')

STRUCT_CODES = 'xcbB?hHiIlLqQnNefdspP'
PREFIXES = ['', '@', '=', '<', '>', '!']
EXTENSION_CHARS = set('T{}():ZguwO&')
BYTE_ORDERS = '@=<>!^'
INT_MAX = 2 ** 31 - 1
LONG_MAX = 2 ** 63 - 1


def escape(s):
    """Python's unicode_escape (\\\\, \\t, \\n, \\r, \\xNN, \\uNNNN, \\UNNNNNNNN), and spaces as \\x20 so that no
    cell has leading or trailing blanks for an editor to strip."""
    return s.encode('unicode_escape').decode('ascii').replace(' ', '\\x20')


# ---------------------------------------------------------------------------------------------------- references

def code_alignment(code):
    return struct.calcsize('@c' + code) - struct.calcsize('@' + code)


def struct_reference(s):
    try:
        size = struct.calcsize(s)
    except Exception:  # struct.error, UnicodeEncodeError, ...
        return 'error', '', ''
    if s[:1] in ('=', '<', '>', '!'):
        return 'ok', size, 1
    codes = [c for c in s if c in STRUCT_CODES]
    return 'ok', size, max([code_alignment(c) for c in codes], default=1)


def numpy_reference(s):
    try:
        itemsize = np_internal._dtype_from_pep3118(s).itemsize
        dtype, align = getattr(np_internal, '__dtype_from_pep3118')(np_internal._Stream(s), is_subdtype=False)
    except Exception as e:  # ValueError, KeyError, TypeError, NotImplementedError, RuntimeError, IndexError, ...
        if 'C int' in str(e) or 'not understood' in str(e) or 'invalid itemsize in generic type tuple' in str(e):
            raise SystemExit('numpy row %r hits a NumPy size limit (%s); pin it in FormatTest instead' % (s, e))
        return 'error', '', ''
    assert dtype.itemsize == itemsize, s
    return 'ok', itemsize, align


def check_numpy_comparable(s, numpy_accepts):
    """Raise if s hits a documented difference between indirect-buffer and NumPy.

    Some differences matter whatever NumPy says (we accept what it rejects: whitespace, n N P p u &, numbers beyond
    a C int); the others only when NumPy accepts the string (we reject them, or size them differently)."""
    always, if_accepted = [], []
    if any(c.isspace() for c in s):
        always.append('whitespace (NumPy rejects it, we accept it between items)')
    if s == '^':
        always.append("'^' alone (NumPy fails with an IndexError, we read an empty format as for '@')")
    if s[:1] in tuple(BYTE_ORDERS) and s[1:2] == '(':
        always.append('prefix before a shape (NumPy wants (2)<d, we want <(2)d at the top level)')
    mode0 = s[0] if s[:1] in tuple(BYTE_ORDERS) else '@'
    stack = [{'start': mode0, 'mode': mode0, 'native': False}]
    i = 1 if s[:1] in tuple(BYTE_ORDERS) else 0
    in_name = False
    while i < len(s):
        c = s[i]
        if in_name:
            if c == ':':
                in_name = False
            i += 1
            continue
        if c == ':':
            if s[i + 1:i + 2] == ':':
                if_accepted.append('empty name')
            in_name = True
        elif c in '@=<>!^':
            stack[-1]['mode'] = '>' if c == '!' else c
        elif c == '{' and s[i - 1:i] == 'T':
            stack.append({'start': stack[-1]['mode'], 'mode': stack[-1]['mode'], 'native': False})
        elif c == '}':
            if len(stack) == 1:
                if_accepted.append("stray '}' (NumPy ignores the rest)")
            else:
                st = stack.pop()
                if st['mode'] != st['start'] or (st['mode'] != '@' and st['native']):
                    if_accepted.append('byte order inside T{} that NumPy lets leak out of the struct')
        elif c in 'nNPpu&':
            always.append("'%s' (NumPy rejects it, we accept it)" % c)
        elif c in '+-_':
            if_accepted.append('sign or underscore (NumPy accepts them in shapes)')
        elif c.isdigit():
            j = i
            while j < len(s) and s[j].isdigit():
                j += 1
            if int(s[i:j]) > INT_MAX:
                always.append('number beyond a C int (NumPy limit)')
            i = j
            continue
        elif c.isalpha() or c == '?':
            if stack[-1]['mode'] == '@':
                stack[-1]['native'] = True
        i += 1
    if len(stack) > 1:
        if_accepted.append("unclosed 'T{' (NumPy accepts it)")
    problems = always + (if_accepted if numpy_accepts else [])
    if problems:
        raise SystemExit('numpy row %r is not comparable: %s; pin it in FormatTest instead'
                         % (s, '; '.join(problems)))


def is_pep3118(s):
    """Whether s is in the PEP 3118 dialect: an extension character, '^' anywhere, or a byte order after the first
    character (PEP 3118 allows one "inside the string so that it can change if needed"; struct only first)."""
    return any(c in EXTENSION_CHARS for c in s) or '^' in s or any(c in '@=<>!' for c in s[1:])


# ---------------------------------------------------------------------------------------------------- the strings

def struct_strings():
    out = []
    # every code in every byte-order mode (n N P are rejected outside native mode)
    out += [p + c for p in PREFIXES for c in STRUCT_CODES]
    # counts, including 0 and big ones
    out += ['0d', '1d', '2d', '10s', '0s', '1s', '0x', '3x', '255p', '0p', '1p', '2P', '0P', '3?', '1000000q',
            '007d', '0000000000000000000000000000001d', '<0d', '=3h', '>5e', '!4I', '@7c', '0n', '<0i',
            '9223372036854775807x', '9223372036854775807s', '<9223372036854775807p', '9223372036854775807c',
            '9223372036854775808x', '1152921504606846975q', '1152921504606846976q', '<1152921504606846975d',
            '4611686018427387903h', '4611686018427387904h', '2305843009213693951f', '99999999999999999999d',
            '99999999999999999999', '18446744073709551616x', 'b9223372036854775807x', '9223372036854775807xb',
            '@9223372036854775807xd', '<9223372036854775807x0d', '9223372036854775807x0d', '9223372036854775800x0d',
            '9223372036854775806x0h', '9223372036854775807x0b', 'd1152921504606846975q', 'd1152921504606846974q']
    # pairs of codes in native mode, to exercise padding
    out += [a + b for a in STRUCT_CODES for b in STRUCT_CODES]
    # longer native strings, counts between, zero counts still aligning
    out += ['bhd', 'cid', '?q', 'bd2i', 'b0d', 'd0b', 'b0i', 'h0q', 'bb0dh', 'c3d', '3c3d', 'x7d', '7xd', 'e3?d',
            'sP', '3sP', 'pq', 'bhilqnNP', 'PbPb', 'i2qb', '@ihq', '@hhh', '10si', 'i10s', 'bhiq', 'qihb',
            '=bhiq', '<bhilq', '>dfeh', '!qQ', '=lL', '<?d', '>c3d', '=0d2b', '<x7d', '!bd2i']
    # whitespace placements
    out += [' d', 'd ', 'd d', '\td', 'd\n', '\nd\n', '3 d', '< d', '<\t d', 'd\x0bd', 'd\x0c', '\rd', '  ',
            ' ', '\t', '2d 3i', '2 d', 'd 2', '@ d', '! d', 'b d', 'b\t\n\r\x0b\x0cd', '3\td', '3\nd', '1 2d',
            ' 3d', '= 3h ', '<  i  i  ', 'd\xa0']
    # bad characters
    out += ['y', 'a', 'D', 'F', 'j', '#', '$', '%', '*', ',', '.', '/', ';', 'E', 'K', 'r', 't', 'v', 'z', 'dy', 'U', 'X', 'Y', 'S', 'V', 'W', 'k', 'm', 'o', 'A', 'G', 'R', '\\', '"', "'", '~', '`',
            '|', '-3d', '+3d', '3.0d', '3e2d', '0x10d', '\x00', 'd\x00', '\x00d', '3\x00d', '\xe9', 'd\xe9',
            '\u20ac', '\U0001f600', '\x7f', '\x01', 'd\x1b', '\x1f', '\u0663d', 'd-', '[d]']
    # counts without a code
    out += ['3', '<3', '12', 'd3', 'd 3', '0', '@0', '3d4', ' 3']
    # empty and prefix-only
    out += ['', '@', '=', '<', '>', '!']
    return out


def numpy_strings():
    out = []
    ext_codes = ['g', 'Zf', 'Zd', 'Zg', 'w', 'O', '3w', '2g', '0Zd', '2Zf', '0w', 'T{}', 'T{d}', 'T{bd}', 'd:a:', 'b:n:', 'O:o:']
    out += [p + c for p in PREFIXES for c in ext_codes]
    # alignment and padding with the extension codes
    out += ['bg', 'bZf', 'bZd', 'bZg', 'bw', 'b3w', 'bO', 'gb', 'Zfb', 'Zdb', 'Zgb', 'wb', 'Ob', 'hZf', 'iZd',
            'eg', 'bgb', '<bO', '=bw', '>b3w', '!bZd', '<bZf', 'ObO', 'w3s', '3sw', 'cZd', '?Zf', 'e2Zf']
    # nested structs
    out += ['T{}', 'T{d}', 'T{i}', 'dT{i}', 'T{i}d', 'T{b}d', '@dT{i}', '@bT{id}', 'T{b}(2)i', '=T{di}', '<T{di}',
            '>T{di}', '!T{hb}', 'T{T{}}', 'T{T{b}d}', 'T{bT{bd}}', 'T{d}T{b}', '2T{di}', '3T{bi}', '0T{d}',
            '0T{d}i', 'T{}d', 'bT{}', 'T{T{T{d}}}', 'T{bT{bT{bd}}}', 'T{iT{b}}b', 'bT{d}', 'bT{bd}b', 'T{di}b',
            'T{id}', 'T{bid}', 'T{dib}', 'T{qT{hT{b}}}', 'hT{b}', 'T{b}h', 'T{b}T{h}', 'T{h}T{b}T{i}',
            'T{2b}i', 'T{3b}3i', '3T{b}', '3T{bi}d', 'T{}T{}', 'T{T{}T{}}', 'bT{}d', '<T{T{dib}}', '=bT{hT{b}}',
            'T{0d}', 'T{0d}b', 'bT{0d}', 'T{0i}T{b}', '2T{}', 'T{?}d', 'T{c}d', 'T{e}d', 'T{s}d', 'T{10s}i',
            'T{x}d', 'T{dx}', 'T{xd}', 'T{7x}d', 'T{bx}d', 'T{Zf}b', 'T{g}b', 'bT{g}', 'T{O}b', 'T{w}b']
    # sub-arrays
    out += ['(2)d', '(2,3)d', '(0)d', '(1)d', '(2)3d', '(3)2s', 'b(2)d', '(2)T{bd}', '(2,2)T{b}',
            '(2,3,4)b', '(1,1,1,1)i', '(0,5)d', '(5,0)T{d}', 'd(2)b', '(2)b(3)d', '(3)5s', '(10)x',
            '(10)xd', '(2)xd', '<T{(2)i}', '>T{(2,2)h}', '(007)d', '(2)(3)d', '2(3)d', '(2)', '()d', '(,)d', '(2,)d',
            '(,2)d', '(2,,3)d', '(a)d', '(2', '(2d', '(2)T', '(2)Z', '(2):a:', 'd(', 'dd(', '(2))d', ')', 'd)',
            '(2,3', '(2)T{i}', 'T{(2)i}', 'T{(2,2)b}d', '(2147483647)b', '(46340,46340)b', '(2,3)Zd', '(2)g', '(2)Zd']
    # names
    out += ['d:a:', 'd:a:i:b:', 'T{d:x:i:y:}', 'T{d:x:}:s:', 'x:pad:d', 'd:a:d:a:', 'T{d:a:}T{d:a:}',
            'T{d:a:}:a:', 'd:a', ':a:d', 'd:a:b', ':', 'd:', 'd:a:b:', 'T{d:a:d:a:}', 'T{d:a:}d:a:',
            '(2)d:arr:', '3s:str:', 'T{i}:t:d', 'd:f0:d', 'd:a:T{i:a:}', 'T{d:a}', 'd:x}:', 'd:<:', 'd:{:',
            'd:a:b:c:d:', 'd:longer_name_123:', 'd:a::b:']
    # inner byte orders that stay inside their struct
    out += ['<T{<i}', 'T{@d}', 'T{<i@d}', 'T{>h@b}', '<T{i>d<q}', '=T{<i=d}', 'T{<i>i@d}', 'T{(2)<i@d}',
            'T{<2i@d}', 'bT{>i@}', 'T{<}', 'T{<>d}', 'T{<(2)d}', 'T{!h@d}', '>T{<i>}', 'T{=d@d}', 'T{=q@}']
    # '^' (native sizes, no alignment) and byte orders in the middle of the string: PEP 3118 allows both, struct
    # rejects both, so these rows are judged by NumPy
    out += ['^' + c for c in STRUCT_CODES if c not in 'nNPp'] + ['^' + c for c in ext_codes]
    out += ['^id', '^di', '^bd', '^T{bd}', '^T{d}b', '^T{b}d', '^T{bT{d}}', '^?d', '^2i', '^3s', '^hq', '^bg',
            '^bZd', '^bO', '(2)^d:a:', 'b^d', 'd^i', 'h^q', 'T{bd}^b', 'T{b}^d', '^d:x:i:y:', '2T{bi}^b']
    out += ['<d>i', 'd<i', '@d<i', '<i@d', '=d@i', 'd<d', '<d<d', 'b@d', '=i=i', 'd<b', 'bd<i', 'b<q@b',
            '<d@i', '>i=d', '!h<h', '@b>q', 'i!h', 'b=d', '<b@d', '>b@i@b', '@b<i', 'T{d}<d', 'dT{i}<d', '(2)<d',
            '<d(2)>i', 'b(2)@d', 'd:a:<i:b:', '<T{i}>T{i}', '<d>T{b}', 'b=T{d}', 'i@T{d}', 'q>(2,2)h', '=d^b',
            '^b@d', '@b^d@h', '<d>i@b']
    out += ['d^', '<d>', 'd!', 'd=', 'i!', 'd@', '<<d', '<>d', '@@', '=<', '2<d', 'b!', '@d@', '3<', '<3>',
            '^^d', '<^d', 'd^^i', 'd^(2)i', 'd<3', 'd<:a:', 'd<T', 'd<Z', 'T{^}']
    # errors
    out += ['T', 'T(', 'Tx', 'Z', 'Zx', 'Zi', 'ZZ', 'Zd2', '{d}', '{', 'd{', 'T}', 'Tg', 'Zgg', 'g2',
            'T{d}:', 'T{)}', 'T{d)}', 'T{3}', 'T{(2)}', '3T', '3Z', 'T{:a:}', '2(2)T{d}',
            'T{d}(2)', '<g', '<Zg', '=Zg', '>2g', 'T{<g}', 'T{=Zg}']
    return out


# ---------------------------------------------------------------------------------------------------- main

def main():
    if sys.version_info[:2] != (3, 11) and '--any-python' not in sys.argv:
        raise SystemExit('the table follows CPython 3.11 _struct.c; run with python3.11 (or pass --any-python)')
    if platform.machine() not in ('x86_64', 'AMD64') or sys.platform != 'linux' or struct.calcsize('P') != 8:
        raise SystemExit('generate the table on x86-64 Linux: the Java test expects its native sizes')
    rows = []
    seen = set()
    for s in struct_strings():
        if s in seen:
            continue
        seen.add(s)
        assert not is_pep3118(s), s
        rows.append((s, 'struct') + struct_reference(s))
    for s in numpy_strings():
        if s in seen:
            continue
        seen.add(s)
        assert is_pep3118(s), s
        if struct_reference(s)[0] != 'error':
            raise SystemExit('PEP 3118 row %r is accepted by struct: the dialects would overlap' % s)
        ref = numpy_reference(s)
        check_numpy_comparable(s, ref[0] == 'ok')
        rows.append((s, 'numpy') + ref)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w', encoding='ascii', newline='\n') as f:
        f.write('# Generated by test-scripts/format-table/generate_format_table.py -- do not edit; regenerate.\n')
        f.write('# CPython %s, numpy %s, %s %s\n' % (platform.python_version(), numpy.__version__, sys.platform,
                                                      platform.machine()))
        f.write('# format is escaped as Python unicode_escape, with spaces as \\x20\n')
        f.write('format\tsource\toutcome\titemsize\talignment\n')
        for s, source, outcome, size, align in rows:
            f.write('%s\t%s\t%s\t%s\t%s\n' % (escape(s), source, outcome, size, align))
    ok = sum(1 for r in rows if r[2] == 'ok')
    print('wrote %d rows (%d ok, %d error; %d struct, %d numpy) to %s'
          % (len(rows), ok, len(rows) - ok, sum(1 for r in rows if r[1] == 'struct'),
             sum(1 for r in rows if r[1] == 'numpy'), os.path.relpath(OUT, REPO)))


if __name__ == '__main__':
    main()
