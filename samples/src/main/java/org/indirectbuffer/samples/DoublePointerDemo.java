package org.indirectbuffer.samples;

public final class DoublePointerDemo {
    public static void main(String[] args) {
        System.out.println("hello from " + Runtime.version());
    }
}
