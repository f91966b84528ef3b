package org.indirectbuffer.format;

import java.nio.ByteOrder;

/** A byte-order/size/alignment mode, as selected by {@code @ = < > !}. */
enum Mode {
    /** {@code '@'} or no prefix: native sizes, native alignment, native byte order. */
    NATIVE('@', true, ByteOrder.nativeOrder()),
    /** {@code '='}: standard sizes, no alignment, native byte order. */
    STANDARD_NATIVE_ORDER('=', false, ByteOrder.nativeOrder()),
    /** {@code '<'}: standard sizes, no alignment, little-endian. */
    LITTLE('<', false, ByteOrder.LITTLE_ENDIAN),
    /** {@code '>'} and {@code '!'}: standard sizes, no alignment, big-endian. */
    BIG('>', false, ByteOrder.BIG_ENDIAN);

    /** The character written in canonical form. */
    final char symbol;
    final boolean nativeSize;
    final ByteOrder order;

    Mode(char symbol, boolean nativeSize, ByteOrder order) {
        this.symbol = symbol;
        this.nativeSize = nativeSize;
        this.order = order;
    }

    /** The mode a byte-order character selects, or {@code null} if {@code c} is none. */
    static Mode of(char c) {
        return switch (c) {
            case '@' -> NATIVE;
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
