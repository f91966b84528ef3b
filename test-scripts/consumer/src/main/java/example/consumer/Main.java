package example.consumer;

import example.consumer.jna.JnaJobs;
import org.indirectbuffer.kernels.Kernels;

/**
 * Runs the jobs named on the command line and prints {@code PASS <job>} for each one whose results are right, then
 * {@code kernels <implementation>}. A wrong result or any exception ends the JVM with a non-zero status.
 *
 * <ul>
 *   <li>{@code core}: build a {@code double**} for C and wrap one C returned (needs only indirect-buffer-core);</li>
 *   <li>{@code collection}: Java arrays collected into one {@code double**} (indirect-buffer-collection);</li>
 *   <li>{@code jna}: the same through a JNA library interface (indirect-buffer-jna).</li>
 * </ul>
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Throwable {
        if (args.length == 0) {
            throw new IllegalArgumentException("name the jobs to run: core, collection, jna");
        }
        for (String job : args) {
            switch (job) {
                case "core" -> {
                    Jobs.buildForC();
                    Jobs.wrapFromC();
                }
                case "collection" -> Jobs.collectArrays();
                case "jna" -> JnaJobs.run(CLibrary.path());
                default -> throw new IllegalArgumentException("unknown job '" + job + "': core, collection, jna");
            }
            System.out.println("PASS " + job);
        }
        System.out.println("kernels " + Kernels.implementation());
    }
}
