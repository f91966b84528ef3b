/**
 * Format strings: the {@code format} of a buffer, as CPython's {@code struct} module and PEP 3118 write it.
 * {@link org.indirectbuffer.format.Format#parse(String)} turns a string into an immutable, thread-safe
 * {@link org.indirectbuffer.format.Format}: item size, alignment, byte order, {@link org.indirectbuffer.format.Field
 * fields}, a {@code java.lang.foreign} layout. Bad strings are rejected with a
 * {@link org.indirectbuffer.format.FormatException} naming the string, the position and what was expected there;
 * never a silent wrong size.
 *
 * <h2>Syntax</h2>
 * <pre>
 * format := [order] item*                     the prefix: no order on the first item after it
 * item   := ws* [shape] [order] [count] type [':' name ':']     an order here makes the string PEP 3118
 * type   := x c b B ? h H i I l L q Q n N e f d s p P          (struct module)
 *         | g u w O | Zf | Zd | Zg | '&amp;' type | 'T{' item* ws* '}'   (PEP 3118)
 * order  := @ = &lt; &gt; ! ^       shape := '(' ws* n ws* (',' ws* n ws*)* ')'     count, n := [0-9]+
 * ws     := space \t \n \v \f \r                               name := printable ASCII, no ':' nor space
 * </pre>
 * <ul>
 *   <li><b>Struct-module strings</b> (no PEP 3118 extension) are read exactly as CPython 3.11's {@code _struct.c}:
 *   a byte order only as the first character ({@code " <d"} and {@code "d<d"} are rejected); whitespace between
 *   items is ignored, but not between a count and its code ({@code "3 d"} is rejected); a count without a code, an
 *   embedded NUL, a non-ASCII character, a count or size beyond {@link java.lang.Long#MAX_VALUE} are rejected;
 *   {@code n N P} exist only in native mode. {@code s} and {@code p} with count {@code N} are one field of {@code N}
 *   bytes. The item size is {@code struct.calcsize}: in native mode ({@code '@'} or no prefix) every code is
 *   aligned to its C alignment ({@code x c b B ? s p} are not aligned) and there is <em>no</em> padding at the end
 *   ({@code "@di"} is 12); in the standard modes ({@code = < > !}) sizes are fixed ({@code l L} 4, {@code q Q} 8)
 *   and nothing is aligned.</li>
 *   <li><b>PEP 3118 strings</b> (any of {@code T{} ( ) : Zf Zd Zg g u w O & ^}, or a byte order after the first
 *   character: all things the struct module rejects, so no string it accepts is read differently) follow NumPy's
 *   reader ({@code numpy._core._internal._dtype_from_pep3118}): the item is laid out as above, and in addition
 *   every struct in native mode is padded at its end to a multiple of its alignment (the largest alignment of its
 *   members laid out in native mode): {@code "@dT{i}"} is 16, {@code "@bT{id}"} 24, {@code "T{b}(2)i"} 12, while
 *   {@code "=T{di}"} is 12. The top level is padded so when the byte order in effect at its end is {@code '@'}, as
 *   NumPy does: {@code "d<i"} is 12, {@code "<i@d"} 16. {@code '^'} is native sizes and byte order without
 *   alignment ({@code "^id"} is 12, {@code "^T{bd}"} 9). As PEP 3118 writes ("Endian-specification ... is also
 *   allowed inside the string so that it can change if needed"), any item may start with its own byte order (after
 *   the shape, before the count, as NumPy reads it: {@code "<d>i"} is 12, {@code "(2)<d"} 16); it holds for the
 *   rest of the string, or inside {@code T{...}} for the rest of that struct only. One byte order per item:
 *   {@code "<>d"} is rejected. A {@code T{...}} may be empty. A field name may not repeat within one struct. {@code g} (long double, 16 bytes
 *   aligned to 16 on x86-64) and {@code Zg} exist only in native mode, as in NumPy; {@code O} is pointer-sized
 *   in every mode.</li>
 *   <li>A top-level string that is a single {@code T{...}} (no count, shape or name) is that struct: its fields are
 *   the struct's fields. The {@link org.indirectbuffer.format.Field#struct()} of a nested struct reads back as such
 *   a string.</li>
 * </ul>
 *
 * <h2>Where we follow whom, and why</h2>
 * <ul>
 *   <li>Struct-module strings keep {@code struct.calcsize} even where NumPy differs ({@code "@di"}: 12 here and in
 *   {@code struct}, 16 in NumPy): a buffer exported by CPython code uses {@code struct} sizes, and every string
 *   {@code struct} accepts must mean the same here.</li>
 *   <li>Where NumPy is lax or has no answer we choose, and the tests pin it: NumPy accepts an unclosed <code>T{d</code>,
 *   ignores anything after a stray <code>}</code>, accepts an empty name {@code ::}, spaces in names, signs in
 *   shapes ({@code (+2)d}); we reject all of these. NumPy rejects whitespace anywhere;
 *   we accept it between items as {@code struct} does, and inside a shape (so also {@code "d <i"}).
 *   NumPy fails on {@code "^"} alone; we read it as an empty format, as {@code "@"}. NumPy rejects a prefix before a
 *   top-level shape ({@code "<(2)d"}, it wants {@code "(2)<d"}) and sub-arrays of zero-sized items
 *   ({@code "(2)0d"}); we accept both. NumPy's byte order set inside {@code T{...}} leaks out of the struct; here it is
 *   scoped to the struct. NumPy limits counts and sizes to a C {@code int}; we allow up to
 *   {@link java.lang.Long#MAX_VALUE}, as {@code struct} does.</li>
 *   <li>NumPy rejects {@code &} and {@code u}, and {@code n N P p} inside PEP 3118 strings; we accept them with the
 *   obvious sizes: {@code &X} is a pointer (native only, size and alignment of {@code void *}; the target is
 *   {@link org.indirectbuffer.format.Field#struct()}), {@code u} a 2-byte UCS-2 unit, {@code n N P p} as in
 *   {@code struct}.</li>
 *   <li>Native sizes come from this platform: pointers from {@code ValueLayout.ADDRESS}, C {@code long} 4 on Windows
 *   and pointer-sized elsewhere, {@code long double} 16/16 except on Windows and macOS/aarch64 (8/8). The tests'
 *   reference table was generated on x86-64 Linux.</li>
 *   <li>{@code T{...}} and {@code &} nest at most {@value org.indirectbuffer.format.Format#MAX_NESTING} levels
 *   deep, a limit of ours (a deeper string is a {@link org.indirectbuffer.format.FormatException} at the first
 *   level too deep); repeat counts cost nothing: every operation takes time proportional to the string's length,
 *   so {@code "(1000000000000000000)T{if}"} is as quick as {@code "(2)T{if}"}.</li>
 * </ul>
 */
package org.indirectbuffer.format;
