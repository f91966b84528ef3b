package org.indirectbuffer.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Exempts a test class from {@link LeakCheckExtension}: for the few classes that leave native memory or open
 * resources behind on purpose (tests of the Cleaner path, of dropped exports, hostile trials). Every use names why.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface AllowsLeaks {
    /**
     * Why the class leaves things behind.
     *
     * @return the reason, shown nowhere but in the source: it is for the reader
     */
    String value();
}
