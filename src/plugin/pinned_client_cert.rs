//! Accepts exactly one client certificate: the one Terraform handed us in
//! `PLUGIN_CLIENT_CERT`.
//!
//! Terraform's certificate is a self-signed CA certificate, which webpki's
//! chain verifier rejects when presented as a client (end-entity) certificate.
//! Pinning is also the stronger check: the certificate is compared byte for
//! byte, and the TLS handshake signature proves the peer holds its key.

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, Error, SignatureScheme};

/// A [`ClientCertVerifier`] that trusts a single, pinned certificate.
#[derive(Debug)]
pub struct PinnedClientCertVerifier {
    pinned: CertificateDer<'static>,
    /// Signature algorithms of the crypto provider in use (aws-lc-rs, which
    /// unlike ring verifies the P-521 signatures Terraform makes).
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedClientCertVerifier {
    pub fn new(pinned: CertificateDer<'static>, algorithms: WebPkiSupportedAlgorithms) -> Self {
        Self { pinned, algorithms }
    }
}

impl ClientCertVerifier for PinnedClientCertVerifier {
    fn client_auth_mandatory(&self) -> bool {
        true
    }

    /// No hints: Go's TLS client withholds its certificate when the server
    /// names acceptable issuers and its own does not match them, and an empty
    /// list is always acceptable.
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        if end_entity.as_ref() == self.pinned.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn self_signed(alg: &'static rcgen::SignatureAlgorithm) -> CertificateDer<'static> {
        let key = rcgen::KeyPair::generate_for(alg).expect("key generation");
        let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
        params.self_signed(&key).expect("certificate").der().clone()
    }

    fn verifier_for(pinned: CertificateDer<'static>) -> PinnedClientCertVerifier {
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        PinnedClientCertVerifier::new(pinned, provider.signature_verification_algorithms)
    }

    #[test]
    fn only_the_pinned_certificate_is_accepted() {
        let pinned = self_signed(&rcgen::PKCS_ECDSA_P521_SHA512);
        let other = self_signed(&rcgen::PKCS_ECDSA_P521_SHA512);
        let verifier = verifier_for(pinned.clone());
        let now = UnixTime::now();
        assert!(verifier.verify_client_cert(&pinned, &[], now).is_ok());
        assert!(verifier.verify_client_cert(&other, &[], now).is_err());
    }

    #[test]
    fn advertises_p521_so_go_clients_present_terraforms_certificate() {
        let verifier = verifier_for(self_signed(&rcgen::PKCS_ECDSA_P521_SHA512));
        assert!(verifier.client_auth_mandatory());
        assert!(verifier.root_hint_subjects().is_empty());
        assert!(verifier
            .supported_verify_schemes()
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
    }
}
