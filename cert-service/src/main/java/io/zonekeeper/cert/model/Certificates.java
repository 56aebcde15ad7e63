package io.zonekeeper.cert.model;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Reading facts back from certificates: serials and names, as the state topic and audit events show them. */
public final class Certificates {

    private static final int DNS_NAME = 2;

    private Certificates() {
    }

    public static String serialHex(X509Certificate certificate) {
        return certificate.getSerialNumber().toString(16);
    }

    /** The DNS subject alternative names, in certificate order. */
    public static List<String> dnsNames(X509Certificate certificate) {
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            List<String> dns = new ArrayList<>();
            if (names != null) {
                for (List<?> name : names) {
                    if (name.size() == 2 && Integer.valueOf(DNS_NAME).equals(name.get(0))) {
                        dns.add((String) name.get(1));
                    }
                }
            }
            return dns;
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("unreadable subject alternative names", e);
        }
    }
}
