package io.zonekeeper.cert.model;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * What a cluster receives for one certificate, as the {@code kubernetes.io/tls} Secret's keys: {@code tls.crt}
 * (the certificate, then the CA that signed it), {@code tls.key} and {@code ca.crt} (every CA to trust now).
 * {@link #toString()} hides the key.
 */
public record TlsMaterial(String certificateChain, String privateKey, String caBundle) {

    public static TlsMaterial of(IssuedCertificate certificate, OrgAuthority authority) {
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(certificate.certificate());
        chain.add(authority.current().certificate());
        return new TlsMaterial(Pem.certificates(chain), Pem.privateKey(certificate.privateKey()),
                Pem.certificates(authority.trustBundle()));
    }

    /** The same certificate and key with another trust bundle (a rotation step that reissues nothing). */
    public TlsMaterial withCaBundle(String bundle) {
        return new TlsMaterial(certificateChain, privateKey, bundle);
    }

    /** The server certificate, first in the chain. */
    public X509Certificate leaf() {
        return Pem.parseCertificates(certificateChain).get(0);
    }

    @Override
    public String toString() {
        return "TlsMaterial[certificateChain=" + certificateChain.length() + " chars, privateKey=(hidden), caBundle="
                + caBundle.length() + " chars]";
    }
}
