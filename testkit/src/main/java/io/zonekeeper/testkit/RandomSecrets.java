package io.zonekeeper.testkit;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Passwords for the users the test programs are given (broker, registry): random, printable, never reused. */
public final class RandomSecrets {

    private static final SecureRandom RANDOM = new SecureRandom();

    private RandomSecrets() {
    }

    /** 144 random bits as hexadecimal. */
    public static String password() {
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
