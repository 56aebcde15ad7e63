package io.zonekeeper.common.kafka;

import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Byte arrays kept deflated in memory: the state mirrors hold one encoded state per key, and a state is mostly ids,
 * hexadecimal serials and paths that repeat those ids, which deflate to about half (measured in BENCHMARKS.md).
 * Raw deflate (no zlib header or checksum: the bytes never leave the process) behind the original length as a
 * varint, so a read allocates exactly what it returns. The JDK's zlib, not a codec of Kafka's: LZ4 and Snappy have no
 * entropy coding, and hexadecimal text, half of a state, only shrinks with it.
 */
final class DeflatedBytes {

    private final Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
    private final Inflater inflater = new Inflater(true);
    private final byte[] chunk = new byte[8192];

    byte[] pack(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 2 + 16);
        for (int length = raw.length; ; length >>>= 7) {
            if ((length & ~0x7F) == 0) {
                out.write(length);
                break;
            }
            out.write((length & 0x7F) | 0x80);
        }
        synchronized (deflater) {
            deflater.reset();
            deflater.setInput(raw);
            deflater.finish();
            while (!deflater.finished()) {
                out.write(chunk, 0, deflater.deflate(chunk));
            }
        }
        return out.toByteArray();
    }

    byte[] unpack(byte[] packed) {
        int length = 0;
        int offset = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = packed[offset++];
            length |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        byte[] raw = new byte[length];
        synchronized (inflater) {
            inflater.reset();
            inflater.setInput(packed, offset, packed.length - offset);
            try {
                if (inflater.inflate(raw) != length || !inflater.finished()) {
                    throw new IllegalStateException("a deflated state did not inflate to its " + length + " bytes");
                }
            } catch (DataFormatException e) {
                throw new IllegalStateException("a deflated state does not inflate", e);
            }
        }
        return raw;
    }
}
