//! A real SMTP server for tests (tests/smtp/server.py: aiosmtpd with STARTTLS and AUTH) on
//! 127.0.0.1, with a throwaway certificate authority made here, and its Maildir read back.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use escalation_core::mail::settings::{Security, SmtpSettings};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};

pub const USER: &str = "desk";
pub const PASSWORD: &str = "s3cret-pass";

pub struct Pki {
    pub ca_pem: String,
    pub dir: tempfile::TempDir,
}

/// A CA and a leaf for 127.0.0.1/localhost (rustls refuses a self-signed leaf used as its own CA).
pub fn pki() -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "Escalation Desk test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let mut leaf = CertificateParams::new(Vec::<String>::new()).unwrap();
    leaf.subject_alt_names = vec![
        SanType::DnsName("localhost".try_into().unwrap()),
        SanType::IpAddress(std::net::IpAddr::from([127, 0, 0, 1])),
    ];
    leaf.distinguished_name.push(DnType::CommonName, "localhost");
    let leaf_key = KeyPair::generate().unwrap();
    let issuer = Issuer::from_params(&ca, &ca_key);
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    std::fs::write(dir.path().join("cert.pem"), leaf_cert.pem()).unwrap();
    std::fs::write(dir.path().join("key.pem"), leaf_key.serialize_pem()).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        dir,
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub struct SmtpServer {
    child: Child,
    pub port: u16,
    pub maildir: PathBuf,
}

impl SmtpServer {
    pub fn start(pki: &Pki, port: u16, maildir: PathBuf) -> SmtpServer {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/smtp/server.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .args(["--port", &port.to_string(), "--user", USER, "--password", PASSWORD])
            .arg("--cert")
            .arg(pki.dir.path().join("cert.pem"))
            .arg("--key")
            .arg(pki.dir.path().join("key.pem"))
            .arg("--maildir")
            .arg(&maildir)
            .arg("--auth-log")
            .arg(maildir.with_extension("auth-log"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (apt python3-aiosmtpd) runs the test SMTP server");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("READY"), "the SMTP server did not start: {line:?}");
        SmtpServer { child, port, maildir }
    }

    /// Every message received so far, as text.
    pub fn received(&self) -> Vec<String> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) {
                for e in entries.flatten() {
                    out.push(std::fs::read_to_string(e.path()).unwrap());
                }
            }
        }
        out
    }

    /// How many times a client tried to log in (whatever the outcome).
    pub fn logins(&self) -> usize {
        std::fs::read_to_string(self.maildir.with_extension("auth-log"))
            .map(|t| t.lines().count())
            .unwrap_or(0)
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn settings(pki: &Pki, port: u16) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: Security::Starttls,
        username: USER.into(),
        sender_name: "Escalation Desk".into(),
        sender_address: "escalations@doit.state.gov".into(),
        extra_ca_pem: pki.ca_pem.clone(),
    }
}
