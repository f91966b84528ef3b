package org.indirectbuffer.kernels.spi;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The unaligned item layouts of the kernels, one per element type and byte order, made once. A loop that takes one
 * of these constants as an argument and is inlined where the order was chosen compiles each access to a plain load.
 *
 * <p>Internal: not exported.
 */
public final class OrderedLayouts {
    public static final ValueLayout.OfDouble D_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfDouble D_BE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfFloat F_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfFloat F_BE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfLong J_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong J_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfInt I_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt I_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private OrderedLayouts() {
    }

    /** @return whether {@code order} is little-endian (the choice between the {@code _LE} and {@code _BE} layouts) */
    public static boolean little(ByteOrder order) {
        return order == ByteOrder.LITTLE_ENDIAN;
    }
}
