//! `healthcheck`: asks a running server's readiness endpoint, for container
//! `HEALTHCHECK`s in images that hold no curl (static or distroless).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::app::READY_PATH;

/// Why the server is not ready, as the probe saw it.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// Nothing answers on the address.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// Address probed.
        addr: SocketAddr,
        /// Underlying error.
        source: std::io::Error,
    },
    /// No whole answer in time.
    #[error("no answer from {0} in time")]
    Timeout(SocketAddr),
    /// The server answered, but not ready.
    #[error("{addr}{READY_PATH} answered {status}: {body}")]
    NotReady {
        /// Address probed.
        addr: SocketAddr,
        /// HTTP status.
        status: u16,
        /// The answer's body (the server's `detail`), cut to 200 bytes.
        body: String,
    },
    /// Not an HTTP answer.
    #[error("{0} did not answer HTTP")]
    NotHttp(SocketAddr),
}

/// Where to reach a server listening on `listen` from the same host: a wildcard
/// address (`0.0.0.0`, `::`) is reached on loopback.
pub fn local_address(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

/// `GET /doc/api/ready` on `addr` within `timeout`; `Ok` on 200.
pub async fn probe_ready(addr: SocketAddr, timeout: Duration) -> Result<(), ProbeError> {
    tokio::time::timeout(timeout, probe(addr))
        .await
        .unwrap_or(Err(ProbeError::Timeout(addr)))
}

async fn probe(addr: SocketAddr) -> Result<(), ProbeError> {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|source| ProbeError::Connect { addr, source })?;
    let request = format!("GET {READY_PATH} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let io = |source| ProbeError::Connect { addr, source };
    stream.write_all(request.as_bytes()).await.map_err(io)?;
    // The answer is a few dozen bytes; more is not a readiness answer.
    let mut answer = Vec::new();
    (&mut stream)
        .take(16 * 1024)
        .read_to_end(&mut answer)
        .await
        .map_err(io)?;
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.get(2..5))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or(ProbeError::NotHttp(addr))?;
    if status == 200 {
        return Ok(());
    }
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
        .chars()
        .take(200)
        .collect();
    Err(ProbeError::NotReady { addr, status, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_probed_on_loopback() {
        let cases = [
            ("0.0.0.0:8000", "127.0.0.1:8000"),
            ("[::]:8000", "[::1]:8000"),
            ("10.0.0.5:9000", "10.0.0.5:9000"),
        ];
        for (listen, probed) in cases {
            assert_eq!(
                local_address(listen.parse().unwrap()),
                probed.parse().unwrap()
            );
        }
    }

    #[tokio::test]
    async fn a_closed_port_and_a_silent_one_fail() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        // Accepts but never answers.
        let silent = tokio::spawn(async move {
            let _kept = l.accept().await;
            std::future::pending::<()>().await;
        });
        let e = probe_ready(addr, Duration::from_millis(200))
            .await
            .unwrap_err();
        assert!(matches!(e, ProbeError::Timeout(_)), "{e}");
        silent.abort();
        let _ = silent.await;
        let e = probe_ready(addr, Duration::from_secs(2)).await.unwrap_err();
        assert!(matches!(e, ProbeError::Connect { .. }), "{e}");
    }
}
