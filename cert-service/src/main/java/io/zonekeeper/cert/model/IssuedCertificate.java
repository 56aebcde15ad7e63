package io.zonekeeper.cert.model;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * A certificate and its private key. {@link #toString()} names the certificate only: some JDK key classes print
 * their private parts, and a record would otherwise print them into any log line that mentions it.
 */
public record IssuedCertificate(X509Certificate certificate, PrivateKey privateKey) {

    public String serialHex() {
        return Certificates.serialHex(certificate);
    }

    public Instant notBefore() {
        return certificate.getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return certificate.getNotAfter().toInstant();
    }

    @Override
    public String toString() {
        return "IssuedCertificate[subject=" + certificate.getSubjectX500Principal().getName() + ", serial="
                + serialHex() + ", privateKey=(hidden)]";
    }
}
