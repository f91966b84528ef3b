package org.indirectbuffer.contract;

import java.lang.foreign.ValueLayout;

import org.indirectbuffer.RaggedRows;
import org.indirectbuffer.Sharing;
import org.indirectbuffer.Terminator;
import org.junit.jupiter.api.Nested;

/** The exporter contract run against {@link RaggedRows#rowExporter}, the owned-resource one against the rows. */
class RaggedRowsContractTest {

    private static RaggedRows filled(RaggedRows rows) {
        for (long r = 0; r < rows.rows(); r++) {
            for (long c = 0; c < rows.length(r); c++) {
                rows.item(r, c).set(ValueLayout.JAVA_DOUBLE, 0, 1 + 10 * r + c);
            }
        }
        return rows;
    }

    @Nested
    class Counted extends RaggedRowExporterContract {
        @Override
        protected RaggedRows newRows() {
            return filled(RaggedRows.create(new long[] {2, 5, 1}, "d"));
        }
    }

    @Nested
    class Terminated extends RaggedRowExporterContract {
        @Override
        protected RaggedRows newRows() {
            return filled(RaggedRows.createTerminated(new long[] {1, 3}, "d", Terminator.zeroItem()));
        }
    }

    @Nested
    class Confined extends RaggedRowExporterContract {
        @Override
        protected RaggedRows newRows() {
            return filled(RaggedRows.create(new long[] {2, 4}, "d", Sharing.CONFINED));
        }

        @Override
        protected Sharing sharing() {
            return Sharing.CONFINED;
        }
    }

    @Nested
    class Owned extends OwnedResourceContract<RaggedRows> {
        @Override
        protected RaggedRows newOwner() {
            return RaggedRows.create(new long[] {3, 1, 4, 1, 5}, "q");
        }

        @Override
        protected String listedAs() {
            return "RaggedRows: 5 rows";
        }
    }
}
