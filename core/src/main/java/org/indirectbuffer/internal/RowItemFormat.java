package org.indirectbuffer.internal;

import java.util.Objects;

import org.indirectbuffer.format.Format;

/**
 * The item format of a row of a pointer table: any format whose items take at least one byte, one rule and one
 * message for every table type ({@code IndirectMemory2D}, {@code RaggedRows}). Internal: exported only to the
 * sibling modules.
 */
public final class RowItemFormat {
    private RowItemFormat() {
    }

    /**
     * Parses the format of a row's items.
     *
     * @param format a struct-module or PEP 3118 format string
     * @return the parsed format
     * @throws NullPointerException                      if {@code format} is null
     * @throws org.indirectbuffer.format.FormatException if the format does not parse
     * @throws IllegalArgumentException                  if its item size is 0 ("format 'x' has item size 0; rows
     *                                                   need items of at least one byte")
     */
    public static Format parse(String format) {
        Format f = Format.parse(Objects.requireNonNull(format, "format"));
        if (f.itemSize() <= 0) {
            throw new IllegalArgumentException("format '" + format + "' has item size " + f.itemSize()
                    + "; rows need items of at least one byte");
        }
        return f;
    }
}
