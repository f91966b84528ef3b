package org.indirectbuffer.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;

/**
 * Encoding Java strings as C strings in a charset, and decoding C strings up to their terminator: what the core's
 * {@code CStringTable} and the JNA module's {@code CStringArray} share. A terminator is the charset's NUL, as wide as
 * it is there (1 byte for UTF-8 and the ISO-8859 family, 2 for UTF-16, 4 for UTF-32), at a unit boundary. Internal:
 * exported only to the sibling modules. Stateless.
 */
public final class CStringCodec {
    private CStringCodec() {
    }

    /**
     * Returns the bytes of the charset's NUL character: what ends a string in it.
     *
     * @param charset the charset
     * @return 1, 2 or 4
     * @throws IllegalArgumentException if the charset cannot encode
     */
    public static int nulWidth(Charset charset) {
        if (!charset.canEncode()) {
            throw new IllegalArgumentException("charset " + charset.name() + " cannot encode");
        }
        int one = "\0".getBytes(charset).length;
        int two = "\0\0".getBytes(charset).length;
        return Math.max(1, two - one);
    }

    /**
     * Encodes a string strictly, without a terminator.
     *
     * @param s       the string
     * @param index   its index, for messages
     * @param charset the charset
     * @return the bytes
     * @throws IllegalArgumentException if the string holds a NUL character or one the charset cannot encode
     *                                  (naming the index, the character and its position)
     */
    public static ByteBuffer encode(String s, int index, Charset charset) {
        int nul = s.indexOf('\0');
        if (nul >= 0) {
            throw new IllegalArgumentException("string " + index + " holds a NUL character at index " + nul
                    + "; C would end the string there");
        }
        CharsetEncoder encoder = charset.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return encoder.encode(CharBuffer.wrap(s));
        } catch (CharacterCodingException e) {
            CharsetEncoder probe = charset.newEncoder();
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                String ch = new String(Character.toChars(cp));
                if (!probe.canEncode(ch)) {
                    throw new IllegalArgumentException("string " + index + " (\"" + abbreviate(s)
                            + "\"): character '" + ch + "' (U+" + String.format("%04X", cp) + ") at index " + i
                            + " cannot be encoded in " + charset.name(), e);
                }
                i += Character.charCount(cp);
            }
            throw new IllegalArgumentException("string " + index + " (\"" + abbreviate(s)
                    + "\") cannot be encoded in " + charset.name() + ": " + e, e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    /**
     * Returns the offset of the first terminator inside {@code s}, or -1 when there is none (never reading past it).
     *
     * @param s     the bytes
     * @param width the terminator's width
     * @return the string's length in bytes, or -1
     */
    public static long terminatorIn(MemorySegment s, int width) {
        long end = s.byteSize() - width;
        outer:
        for (long n = 0; n <= end; n += width) {
            for (int b = 0; b < width; b++) {
                if (s.get(ValueLayout.JAVA_BYTE, n + b) != 0) {
                    continue outer;
                }
            }
            return n;
        }
        return -1;
    }

    /**
     * Decodes the string at {@code address} of {@code space} up to its terminator, trusting one to come (the
     * unchecked step of reading foreign C strings); malformed input becomes U+FFFD.
     *
     * @param space   the address space, tied to the memory's scope; never handed out
     * @param address the string's address
     * @param charset its charset
     * @param width   its terminator's width
     * @return the string
     * @throws IllegalArgumentException if the string is too long for a Java string
     */
    public static String decode(MemorySegment space, long address, Charset charset, int width) {
        long n = 0;
        if (width == 1) {
            while (space.get(ValueLayout.JAVA_BYTE, address + n) != 0) {
                n++;
            }
        } else {
            outer:
            for (; ; n += width) {
                for (int b = 0; b < width; b++) {
                    if (space.get(ValueLayout.JAVA_BYTE, address + n + b) != 0) {
                        continue outer;
                    }
                }
                break;
            }
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("C string at 0x" + Long.toHexString(address) + " is " + n
                    + " bytes; too long for a Java string");
        }
        return new String(space.asSlice(address, n).toArray(ValueLayout.JAVA_BYTE), charset);
    }
}
