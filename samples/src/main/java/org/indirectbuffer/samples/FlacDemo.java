package org.indirectbuffer.samples;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import org.indirectbuffer.IndirectMemory2D;
import org.indirectbuffer.PointerBorrower;
import org.indirectbuffer.RowWindow;
import org.indirectbuffer.Sharing;

/**
 * A lossless round trip through libFLAC with FFM only (no JNA: the path a module-path application takes):
 * <ol>
 *   <li>the PCM is an {@code int[channels][frames]} built in Java (two tones and some noise, 16-bit range);</li>
 *   <li>it is copied once into an {@link IndirectMemory2D} ({@code createFrom(int[][])}), and one {@link RowWindow}
 *       of {@value #BLOCK} frames is moved over it block by block, and shrunk for the short last block ({@link
 *       RowWindow#moveTo(long, long)}); each block's {@link RowWindow#pointerTable()} is the {@code const
 *       FLAC__int32 *const buffer[]} of {@code FLAC__stream_encoder_process}, so no table is built per block;</li>
 *   <li>the file is decoded by {@code FLAC__stream_decoder_process_until_end_of_stream}, whose write callback is an
 *       FFM upcall: it reads {@code frame->header.blocksize} and {@code channels} and borrows libFLAC's
 *       {@code buffer[]} per call with a static confined {@link PointerBorrower}, copying each channel into the
 *       output {@code int[][]};</li>
 *   <li>the decoded samples must equal the input bit for bit.</li>
 * </ol>
 * Needs {@value #SONAME} (Debian: {@code apt-get install libflac12}, or {@code libflac-dev}).
 */
public final class FlacDemo {
    /** The library, loaded by soname; older sonames are tried after it. */
    public static final String SONAME = "libFLAC.so.12";
    /** Every name tried, in order. */
    static final List<String> NAMES = List.of(SONAME, "libFLAC.so.8", "libFLAC.so");
    /** What to install where it is missing. */
    public static final String MISSING = SONAME + " (or libFLAC.so.8) not found: install it (Debian/Ubuntu: apt-get"
            + " install libflac12, or .ci/install-native-libs.sh) to run this demo";

    static final int CHANNELS = 2;
    static final int RATE = 44_100;
    static final int SECONDS = 3;
    static final int FRAMES = RATE * SECONDS;
    static final int BITS = 16;
    /** Frames per {@code process} call (libFLAC's own block size): 3 s are 32 whole blocks and a short one. */
    static final int BLOCK = 4_096;

    // FLAC__FrameHeader at offset 0 of FLAC__Frame (format.h, 1.4.2; checked with offsetof on x86-64):
    // uint32_t blocksize @0, sample_rate @4, channels @8, channel_assignment @12, bits_per_sample @16.
    static final long FRAME_BLOCKSIZE = 0;
    static final long FRAME_SAMPLE_RATE = 4;
    static final long FRAME_CHANNELS = 8;
    static final long FRAME_BITS_PER_SAMPLE = 16;
    static final long FRAME_HEADER_PREFIX = 20;

    static final int ENCODER_INIT_OK = 0;
    static final int DECODER_INIT_OK = 0;
    static final int WRITE_CONTINUE = 0;
    static final int WRITE_ABORT = 1;

    /** Borrows the decoder's {@code buffer[]} in each write callback: made once, confined, read-only. */
    private static final PointerBorrower CHANNEL_BORROWER = PointerBorrower.of("i", true, Sharing.CONFINED);

    /** What the demo measured, for its test. */
    public record Result(int channels, long frames, long decodedFrames, long rawBytes, long compressedBytes,
                         int blocksEncoded, int writeCallbacks, long firstMismatch, String flacVersion) {
        /** @return whether every decoded sample equals its input */
        public boolean bitExact() {
            return firstMismatch < 0 && decodedFrames == frames;
        }

        /** @return compressed size over raw 16-bit PCM size */
        public double ratio() {
            return compressedBytes / (double) rawBytes;
        }
    }

    private FlacDemo() {
    }

    /**
     * Runs the demo; exits with status 1 if the round trip is not bit-exact.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        Result r = run(System.out);
        if (!r.bitExact()) {
            System.err.printf("round trip NOT bit-exact: %d of %d frames decoded, first mismatch at frame %d%n",
                    r.decodedFrames(), r.frames(), r.firstMismatch());
            System.exit(1);
        }
    }

    /** @return whether libFLAC can be loaded */
    public static boolean isAvailable() {
        return Flac.LOOKUP.isPresent();
    }

    /**
     * The input: two tones with deterministic noise, within 16 bits.
     *
     * @return {@code int[CHANNELS][FRAMES]}
     */
    static int[][] signal() {
        SplittableRandom noise = new SplittableRandom(17);
        double[] hz = {440.0, 659.25};
        int[][] pcm = new int[CHANNELS][FRAMES];
        for (int c = 0; c < CHANNELS; c++) {
            for (int i = 0; i < FRAMES; i++) {
                double t = i / (double) RATE;
                double v = 12_000 * Math.sin(2 * Math.PI * hz[c] * t) + 3_000 * Math.sin(2 * Math.PI * 3 * hz[c] * t)
                        + noise.nextInt(-400, 401);
                pcm[c][i] = (int) Math.max(-32_768, Math.min(32_767, Math.round(v)));
            }
        }
        return pcm;
    }

    /**
     * Encodes {@link #signal()} to a temporary FLAC file, decodes it, and compares.
     *
     * @param out where to print
     * @return what it measured
     * @throws IllegalStateException if libFLAC is not installed, or reports an error
     */
    public static Result run(PrintStream out) {
        Flac flac = Flac.INSTANCE.orElseThrow(() -> new IllegalStateException(MISSING));
        int[][] input = signal();
        Path file;
        try {
            file = Files.createTempFile("indirect-buffer-flac-demo", ".flac");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            int blocks = encode(flac, input, file);
            long compressed = Files.size(file);
            Decoded decoded = decode(flac, file, input[0].length);
            long mismatch = firstMismatch(input, decoded.pcm);
            long raw = (long) CHANNELS * FRAMES * (BITS / 8);
            Result r = new Result(CHANNELS, FRAMES, decoded.frames, raw, compressed, blocks, decoded.callbacks,
                    mismatch, flac.version);
            out.printf("%s: %d channels x %d frames at %d Hz, %d bits, encoded in %d blocks of up to %d frames"
                    + " (the last %d)%n", flac.version, CHANNELS, FRAMES, RATE, BITS, blocks, BLOCK,
                    FRAMES - (blocks - 1) * BLOCK);
            out.printf("compressed: %d bytes of %d raw (ratio %.3f)%n", compressed, raw, r.ratio());
            out.printf("decoded: %d frames in %d write callbacks; %s%n", decoded.frames, decoded.callbacks,
                    r.bitExact() ? "bit-exact" : "MISMATCH at frame " + mismatch);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temporary file left behind
            }
        }
    }

    /** The first frame where any channel differs, or where one array ends; -1 if equal. */
    static long firstMismatch(int[][] expected, int[][] actual) {
        long first = -1;
        for (int c = 0; c < expected.length; c++) {
            int at = java.util.Arrays.mismatch(expected[c], actual[c]);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    // ------------------------------------------------------------------------------------------------ encoding

    /** Encodes through one window moved over the PCM; returns the number of {@code process} calls. */
    static int encode(Flac flac, int[][] input, Path file) {
        MemorySegment encoder = flac.call(flac.encoderNew);
        if (encoder.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("FLAC__stream_encoder_new returned NULL");
        }
        try (Arena arena = Arena.ofConfined();
             IndirectMemory2D pcm = IndirectMemory2D.createFrom(input);
             RowWindow block = RowWindow.tableOver(pcm, 0, BLOCK)) {
            flac.check(flac.encoderSet(flac.setChannels, encoder, CHANNELS), "set_channels", CHANNELS);
            flac.check(flac.encoderSet(flac.setBitsPerSample, encoder, BITS), "set_bits_per_sample", BITS);
            flac.check(flac.encoderSet(flac.setSampleRate, encoder, RATE), "set_sample_rate", RATE);
            flac.check(flac.encoderSet(flac.setCompressionLevel, encoder, 5), "set_compression_level", 5);
            int init = flac.callInt(flac.encoderInitFile, encoder, arena.allocateFrom(file.toString()),
                    MemorySegment.NULL, MemorySegment.NULL);
            if (init != ENCODER_INIT_OK) {
                throw new IllegalStateException("FLAC__stream_encoder_init_file(" + file + ") returned status " + init);
            }
            MemorySegment table = block.pointerTable(); // the same table for every block, the short last one too
            int calls = 0;
            for (long at = 0; at < pcm.cols(); at += BLOCK) {
                int frames = (int) Math.min(BLOCK, pcm.cols() - at);
                block.moveTo(at, frames);
                int ok = flac.callInt(flac.encoderProcess, encoder, table, frames);
                if (ok == 0) {
                    throw new IllegalStateException("FLAC__stream_encoder_process failed at frame " + at
                            + ", encoder state " + flac.callInt(flac.encoderGetState, encoder));
                }
                calls++;
            }
            if (flac.callInt(flac.encoderFinish, encoder) == 0) {
                throw new IllegalStateException("FLAC__stream_encoder_finish failed, encoder state "
                        + flac.callInt(flac.encoderGetState, encoder));
            }
            return calls;
        } finally {
            flac.callVoid(flac.encoderDelete, encoder);
        }
    }

    // ------------------------------------------------------------------------------------------------ decoding

    record Decoded(int[][] pcm, long frames, int callbacks) {
    }

    /** The decoder's state between callbacks (one decode, one thread: the one calling process). */
    static final class Sink {
        final int[][] pcm;
        long position;
        int callbacks;
        String failure;
        /** What the write callback caught, rethrown as the cause once libFLAC has returned. */
        Throwable thrown;
        int errorStatus = -1;

        Sink(int channels, int frames) {
            pcm = new int[channels][frames];
        }

        /**
         * {@code FLAC__StreamDecoderWriteCallback}. Never throws: an exception leaving an upcall terminates the JVM
         * ({@link Linker#upcallStub}), so everything is caught and reported to libFLAC as its abort status.
         */
        int write(MemorySegment decoder, MemorySegment frame, MemorySegment buffer, MemorySegment client) {
            try {
                MemorySegment header = frame.reinterpret(FRAME_HEADER_PREFIX);
                int blocksize = header.get(JAVA_INT, FRAME_BLOCKSIZE);
                int channels = header.get(JAVA_INT, FRAME_CHANNELS);
                int bits = header.get(JAVA_INT, FRAME_BITS_PER_SAMPLE);
                int rate = header.get(JAVA_INT, FRAME_SAMPLE_RATE);
                if (channels != pcm.length || bits != BITS || rate != RATE) {
                    failure = "frame " + callbacks + " has " + channels + " channels, " + bits + " bits, " + rate
                            + " Hz; expected " + pcm.length + ", " + BITS + ", " + RATE;
                    return WRITE_ABORT;
                }
                if (position + blocksize > pcm[0].length) {
                    failure = "frame " + callbacks + " of " + blocksize + " samples at " + position
                            + " runs past the " + pcm[0].length + " frames encoded";
                    return WRITE_ABORT;
                }
                try (IndirectMemory2D block = CHANNEL_BORROWER.borrow(buffer, channels, blocksize)) {
                    for (int c = 0; c < channels; c++) {
                        MemorySegment.copy(block.row(c), JAVA_INT, 0, pcm[c], (int) position, blocksize);
                    }
                }
                position += blocksize;
                callbacks++;
                return WRITE_CONTINUE;
            } catch (Throwable t) {
                failure = "write callback " + callbacks + " threw " + t;
                thrown = t;
                return WRITE_ABORT;
            }
        }

        /** {@code FLAC__StreamDecoderErrorCallback}. */
        void error(MemorySegment decoder, int status, MemorySegment client) {
            if (errorStatus < 0) {
                errorStatus = status;
            }
        }
    }

    static Decoded decode(Flac flac, Path file, int frames) {
        Sink sink = new Sink(CHANNELS, frames);
        MemorySegment decoder = flac.call(flac.decoderNew);
        if (decoder.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("FLAC__stream_decoder_new returned NULL");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment write = Linker.nativeLinker().upcallStub(Flac.WRITE.bindTo(sink),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS), arena);
            MemorySegment error = Linker.nativeLinker().upcallStub(Flac.ERROR.bindTo(sink),
                    FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, ADDRESS), arena);
            int init = flac.callInt(flac.decoderInitFile, decoder, arena.allocateFrom(file.toString()), write,
                    MemorySegment.NULL, error, MemorySegment.NULL);
            if (init != DECODER_INIT_OK) {
                throw new IllegalStateException("FLAC__stream_decoder_init_file(" + file + ") returned status " + init);
            }
            int ok = flac.callInt(flac.decoderProcess, decoder);
            int state = flac.callInt(flac.decoderGetState, decoder);
            flac.callInt(flac.decoderFinish, decoder);
            if (sink.failure != null) {
                throw new IllegalStateException("decoding failed: " + sink.failure, sink.thrown);
            }
            if (ok == 0 || sink.errorStatus >= 0) {
                throw new IllegalStateException("FLAC__stream_decoder_process_until_end_of_stream returned " + ok
                        + ", decoder state " + state + ", first error status " + sink.errorStatus);
            }
            return new Decoded(sink.pcm, sink.position, sink.callbacks);
        } finally {
            flac.callVoid(flac.decoderDelete, decoder);
        }
    }

    // ------------------------------------------------------------------------------------------------ libFLAC

    /** The libFLAC functions the demo calls, as FFM downcall handles. */
    static final class Flac {
        static final Optional<SymbolLookup> LOOKUP = load();
        static final Optional<Flac> INSTANCE = LOOKUP.map(Flac::new);
        static final MethodHandle WRITE;
        static final MethodHandle ERROR;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                WRITE = l.findVirtual(Sink.class, "write", MethodType.methodType(int.class, MemorySegment.class,
                        MemorySegment.class, MemorySegment.class, MemorySegment.class));
                ERROR = l.findVirtual(Sink.class, "error", MethodType.methodType(void.class, MemorySegment.class,
                        int.class, MemorySegment.class));
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final MethodHandle encoderNew;
        final MethodHandle setChannels;
        final MethodHandle setBitsPerSample;
        final MethodHandle setSampleRate;
        final MethodHandle setCompressionLevel;
        final MethodHandle encoderInitFile;
        final MethodHandle encoderProcess;
        final MethodHandle encoderGetState;
        final MethodHandle encoderFinish;
        final MethodHandle encoderDelete;
        final MethodHandle decoderNew;
        final MethodHandle decoderInitFile;
        final MethodHandle decoderProcess;
        final MethodHandle decoderGetState;
        final MethodHandle decoderFinish;
        final MethodHandle decoderDelete;
        final String version;

        private static Optional<SymbolLookup> load() {
            for (String name : NAMES) {
                try {
                    return Optional.of(SymbolLookup.libraryLookup(name, Arena.global()));
                } catch (IllegalArgumentException notThere) {
                    // try the next soname
                }
            }
            return Optional.empty();
        }

        private Flac(SymbolLookup lib) {
            FunctionDescriptor pointerToBool = FunctionDescriptor.of(JAVA_INT, ADDRESS);
            FunctionDescriptor setUnsigned = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT);
            encoderNew = handle(lib, "FLAC__stream_encoder_new", FunctionDescriptor.of(ADDRESS));
            setChannels = handle(lib, "FLAC__stream_encoder_set_channels", setUnsigned);
            setBitsPerSample = handle(lib, "FLAC__stream_encoder_set_bits_per_sample", setUnsigned);
            setSampleRate = handle(lib, "FLAC__stream_encoder_set_sample_rate", setUnsigned);
            setCompressionLevel = handle(lib, "FLAC__stream_encoder_set_compression_level", setUnsigned);
            // (encoder, filename, progress_callback, client_data) -> FLAC__StreamEncoderInitStatus
            encoderInitFile = handle(lib, "FLAC__stream_encoder_init_file",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
            // (encoder, const FLAC__int32 *const buffer[], uint32_t samples) -> FLAC__bool
            encoderProcess = handle(lib, "FLAC__stream_encoder_process",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
            encoderGetState = handle(lib, "FLAC__stream_encoder_get_state", pointerToBool);
            encoderFinish = handle(lib, "FLAC__stream_encoder_finish", pointerToBool);
            encoderDelete = handle(lib, "FLAC__stream_encoder_delete", FunctionDescriptor.ofVoid(ADDRESS));
            decoderNew = handle(lib, "FLAC__stream_decoder_new", FunctionDescriptor.of(ADDRESS));
            // (decoder, filename, write_cb, metadata_cb, error_cb, client_data) -> FLAC__StreamDecoderInitStatus
            decoderInitFile = handle(lib, "FLAC__stream_decoder_init_file",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
            decoderProcess = handle(lib, "FLAC__stream_decoder_process_until_end_of_stream", pointerToBool);
            decoderGetState = handle(lib, "FLAC__stream_decoder_get_state", pointerToBool);
            decoderFinish = handle(lib, "FLAC__stream_decoder_finish", pointerToBool);
            decoderDelete = handle(lib, "FLAC__stream_decoder_delete", FunctionDescriptor.ofVoid(ADDRESS));
            // FLAC_API const char *FLAC__VERSION_STRING: a variable holding a pointer to the string.
            version = lib.find("FLAC__VERSION_STRING")
                    .map(v -> "libFLAC " + v.reinterpret(ADDRESS.byteSize()).get(ADDRESS, 0)
                            .reinterpret(64).getString(0))
                    .orElse("libFLAC");
        }

        private static MethodHandle handle(SymbolLookup lib, String name, FunctionDescriptor descriptor) {
            MemorySegment symbol = lib.find(name)
                    .orElseThrow(() -> new IllegalStateException("libFLAC has no symbol " + name));
            return Linker.nativeLinker().downcallHandle(symbol, descriptor);
        }

        void check(int ok, String setter, int value) {
            if (ok == 0) {
                throw new IllegalStateException("FLAC__stream_encoder_" + setter + "(" + value + ") returned false");
            }
        }

        // Small typed invokers, so the demo's logic reads as C calls without a try/catch each.
        MemorySegment call(MethodHandle h) {
            try {
                return (MemorySegment) h.invokeExact();
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        int encoderSet(MethodHandle h, MemorySegment encoder, int value) {
            return callInt(h, encoder, value);
        }

        int callInt(MethodHandle h, MemorySegment a) {
            try {
                return (int) h.invokeExact(a);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        int callInt(MethodHandle h, MemorySegment a, int b) {
            try {
                return (int) h.invokeExact(a, b);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        int callInt(MethodHandle h, MemorySegment a, MemorySegment b, int c) {
            try {
                return (int) h.invokeExact(a, b, c);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        int callInt(MethodHandle h, MemorySegment a, MemorySegment b, MemorySegment c, MemorySegment d) {
            try {
                return (int) h.invokeExact(a, b, c, d);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        int callInt(MethodHandle h, MemorySegment a, MemorySegment b, MemorySegment c, MemorySegment d,
                    MemorySegment e, MemorySegment f) {
            try {
                return (int) h.invokeExact(a, b, c, d, e, f);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        void callVoid(MethodHandle h, MemorySegment a) {
            try {
                h.invokeExact(a);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        private static RuntimeException rethrow(Throwable t) {
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(t);
        }
    }
}
