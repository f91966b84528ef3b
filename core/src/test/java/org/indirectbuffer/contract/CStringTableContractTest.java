package org.indirectbuffer.contract;

import java.nio.charset.StandardCharsets;

import org.indirectbuffer.CStringTable;

/** The owned-resource contract run against {@link CStringTable}. */
class CStringTableContractTest extends OwnedResourceContract<CStringTable> {
    @Override
    protected CStringTable newOwner() {
        return CStringTable.create(StandardCharsets.UTF_8, "contract", "of", "a", "string", "table");
    }

    @Override
    protected String listedAs() {
        return "CStringTable: 5 strings";
    }
}
