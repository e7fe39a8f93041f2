use crate::util::*;
use serde_json::json;
use std::path::Path;
use std::process::Command;

/// A throwaway CA and a server certificate for 127.0.0.1, made with the openssl CLI.
pub fn make_certs(dir: &Path) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl is installed");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=purehealth-test-ca",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
}

#[tokio::test]
async fn readings_arrive_over_tls_from_mosquitto() {
    let certs = tempfile::tempdir().unwrap();
    make_certs(certs.path());
    let tls_port = free_port();
    let c = certs.path().display();
    let broker = Mosquitto::start_with(&format!(
        "listener {tls_port} 127.0.0.1\ncafile {c}/ca.pem\ncertfile {c}/server.pem\nkeyfile {c}/server.key\n"
    ));
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("tls.toml");
    std::fs::write(
        &conf,
        format!("mqtt_url = \"mqtts://127.0.0.1:{tls_port}\"\nmqtt_ca_file = \"{c}/ca.pem\"\n"),
    )
    .unwrap();
    // Hub::start returns once the hub reports its MQTT connection up: the TLS handshake worked.
    let hub = Hub::with_config(dir.path(), &conf).await;
    // A sensor on the plain listener of the same broker.
    let p = Publisher::connect(broker.port).await;
    p.publish("purehealth/secure-1/ph", json!({"value": 7.3}).to_string())
        .await;
    hub.wait_health("reading over TLS stored", |v| v["mqtt"]["stored"] == 1)
        .await;
    assert_eq!(
        hub.get("/api/stations/secure-1").await.unwrap()["latest"]["ph"]["value"],
        7.3
    );
}

#[test]
fn a_missing_ca_file_is_named_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(bin())
        .arg("hub")
        .arg("--data-dir")
        .arg(dir.path())
        .arg("--listen")
        .arg(format!("127.0.0.1:{}", free_port()))
        .arg("--mqtt")
        .arg(format!("mqtts://127.0.0.1:{}", free_port()))
        .env("PUREHEALTH_MQTT_CA_FILE", dir.path().join("no-such-ca.pem"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such-ca.pem"), "{err}");
}
