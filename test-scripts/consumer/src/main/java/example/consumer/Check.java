package example.consumer;

/** The consumer test's assertions: a failure is an exception, so the JVM exits with status 1. */
public final class Check {
    private Check() {
    }

    public static void equal(String what, Object expected, Object actual) {
        if (!expected.equals(actual)) {
            throw new AssertionError(what + ": expected " + expected + ", got " + actual);
        }
    }

    public static void that(String what, boolean condition) {
        if (!condition) {
            throw new AssertionError(what + ": false");
        }
    }
}
