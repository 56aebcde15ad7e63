package io.zonekeeper.common.ops;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a service opened, closed in reverse order of opening (a producer after everything that writes with it),
 * each one even if another fails: shutdown must not stop half-way.
 */
public final class Resources implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Resources.class);

    private final List<AutoCloseable> opened = new ArrayList<>();

    public synchronized <T extends AutoCloseable> T add(T resource) {
        opened.add(resource);
        return resource;
    }

    @Override
    public synchronized void close() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                LOG.warn("could not close {} cleanly", opened.get(i).getClass().getSimpleName(), e);
            }
        }
        opened.clear();
    }
}
