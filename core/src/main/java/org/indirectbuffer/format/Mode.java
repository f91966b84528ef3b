package org.indirectbuffer.format;

import java.nio.ByteOrder;

/**
 * A byte-order/size/alignment mode, as selected by {@code @ = < > !} (the struct module) and {@code ^} (PEP 3118
 * only: the struct module rejects it).
 */
enum Mode {
    /** {@code '@'} or no prefix: native sizes, native alignment, native byte order. */
    NATIVE('@', true, true, ByteOrder.nativeOrder()),
    /** {@code '^'} (PEP 3118 only): native sizes, no alignment, native byte order. */
    NATIVE_UNALIGNED('^', true, false, ByteOrder.nativeOrder()),
    /** {@code '='}: standard sizes, no alignment, native byte order. */
    STANDARD_NATIVE_ORDER('=', false, false, ByteOrder.nativeOrder()),
    /** {@code '<'}: standard sizes, no alignment, little-endian. */
    LITTLE('<', false, false, ByteOrder.LITTLE_ENDIAN),
    /** {@code '>'} and {@code '!'}: standard sizes, no alignment, big-endian. */
    BIG('>', false, false, ByteOrder.BIG_ENDIAN);

    /** The character written in canonical form. */
    final char symbol;
    /** Whether codes have their C sizes ({@code @ ^}) rather than the standard ones ({@code = < > !}). */
    final boolean nativeSize;
    /** Whether items are aligned to their C alignment ({@code @} only). */
    final boolean aligned;
    final ByteOrder order;

    Mode(char symbol, boolean nativeSize, boolean aligned, ByteOrder order) {
        this.symbol = symbol;
        this.nativeSize = nativeSize;
        this.aligned = aligned;
        this.order = order;
    }

    /** The mode a byte-order character selects, or {@code null} if {@code c} is none. */
    static Mode of(char c) {
        return switch (c) {
            case '@' -> NATIVE;
            case '^' -> NATIVE_UNALIGNED;
            case '=' -> STANDARD_NATIVE_ORDER;
            case '<' -> LITTLE;
            case '>', '!' -> BIG;
            default -> null;
        };
    }

    /** The prefix written in canonical form: none for native. */
    String prefix() {
        return this == NATIVE ? "" : String.valueOf(symbol);
    }
}
