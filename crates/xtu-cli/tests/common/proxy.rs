//! Small proxies on loopback in front of the fake: SOCKS5 (RFC 1928, with
//! RFC 1929 user/password when asked) and HTTP (`CONNECT` tunnels and
//! absolute-form forwarding, with Basic `Proxy-Authorization` when asked).
//!
//! They never resolve a name through DNS: a name is connected only when it
//! is in the proxy's map (names like `sso.xtu.test` that the test machine
//! cannot resolve, mapped to the fake's loopback port), an address only when
//! it is a loopback one. Every destination asked for is recorded as sent.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A running proxy.
pub struct TestProxy {
    pub addr: SocketAddr,
    asked: Arc<Mutex<Vec<String>>>,
}

impl TestProxy {
    /// The destinations asked for (`host:port`, as the client sent them).
    pub fn destinations(&self) -> Vec<String> {
        self.asked.lock().expect("lock").clone()
    }
}

#[derive(Clone)]
struct Shared {
    names: Arc<HashMap<String, SocketAddr>>,
    credentials: Option<(String, String)>,
    asked: Arc<Mutex<Vec<String>>>,
}

impl Shared {
    /// Where `host:port` leads, without DNS.
    fn route(&self, host: &str, port: u16) -> Option<SocketAddr> {
        self.asked
            .lock()
            .expect("lock")
            .push(format!("{host}:{port}"));
        if let Some(addr) = self.names.get(&format!("{host}:{port}")) {
            return Some(*addr);
        }
        let ip: IpAddr = host.trim_matches(['[', ']']).parse().ok()?;
        ip.is_loopback().then_some(SocketAddr::new(ip, port))
    }
}

/// Which protocol a proxy speaks.
#[derive(Clone, Copy)]
pub enum Kind {
    Socks5,
    Http,
}

/// Starts a proxy mapping `names` (`host:port` → address), asking for
/// `credentials` when given.
pub async fn start(
    kind: Kind,
    names: &[(String, SocketAddr)],
    credentials: Option<(&str, &str)>,
) -> TestProxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
    let addr = listener.local_addr().expect("proxy address");
    let shared = Shared {
        names: Arc::new(names.iter().cloned().collect()),
        credentials: credentials.map(|(u, p)| (u.to_owned(), p.to_owned())),
        asked: Arc::default(),
    };
    let asked = shared.asked.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let shared = shared.clone();
            tokio::spawn(async move {
                let _ = match kind {
                    Kind::Socks5 => socks5(stream, shared).await,
                    Kind::Http => http(stream, shared).await,
                };
            });
        }
    });
    TestProxy { addr, asked }
}

/// `host:port` → the fake's loopback address, for each of its base URLs.
pub fn names_of(fake: &xtu_fake::FakeXtu) -> Vec<(String, SocketAddr)> {
    [fake.sso_base_url(), fake.ems_base_url()]
        .iter()
        .map(|base| {
            let url = url_host_port(base);
            let port = url.rsplit_once(':').expect("port").1;
            let addr = SocketAddr::from(([127, 0, 0, 1], port.parse().expect("port")));
            (url, addr)
        })
        .collect()
}

fn url_host_port(base: &str) -> String {
    base.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

type Io = std::io::Result<()>;

fn refused(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::PermissionDenied, what.to_owned())
}

async fn socks5(mut client: TcpStream, shared: Shared) -> Io {
    let mut head = [0u8; 2];
    client.read_exact(&mut head).await?;
    let mut methods = vec![0u8; usize::from(head[1])];
    client.read_exact(&mut methods).await?;
    let wanted = if shared.credentials.is_some() { 2 } else { 0 };
    if head[0] != 5 || !methods.contains(&wanted) {
        client.write_all(&[5, 0xff]).await?;
        return Err(refused("no acceptable method"));
    }
    client.write_all(&[5, wanted]).await?;
    if let Some((user, pass)) = &shared.credentials {
        let mut version_len = [0u8; 2];
        client.read_exact(&mut version_len).await?;
        let mut got_user = vec![0u8; usize::from(version_len[1])];
        client.read_exact(&mut got_user).await?;
        let mut pass_len = [0u8; 1];
        client.read_exact(&mut pass_len).await?;
        let mut got_pass = vec![0u8; usize::from(pass_len[0])];
        client.read_exact(&mut got_pass).await?;
        let ok = got_user == user.as_bytes() && got_pass == pass.as_bytes();
        client.write_all(&[1, if ok { 0 } else { 1 }]).await?;
        if !ok {
            return Err(refused("bad credentials"));
        }
    }
    let mut request = [0u8; 4];
    client.read_exact(&mut request).await?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).await?;
            IpAddr::from(ip).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len).await?;
            let mut name = vec![0u8; usize::from(len[0])];
            client.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
        4 => {
            let mut ip = [0u8; 16];
            client.read_exact(&mut ip).await?;
            IpAddr::from(ip).to_string()
        }
        _ => return Err(refused("address type")),
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port).await?;
    let port = u16::from_be_bytes(port);
    let reply = |code: u8| [5, code, 0, 1, 0, 0, 0, 0, 0, 0];
    let Some(target) = shared.route(&host, port) else {
        // Host unreachable: nothing is resolved here.
        client.write_all(&reply(4)).await?;
        return Err(refused("unknown host"));
    };
    let Ok(mut upstream) = TcpStream::connect(target).await else {
        client.write_all(&reply(5)).await?;
        return Err(refused("connection refused"));
    };
    client.write_all(&reply(0)).await?;
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

async fn http(client: TcpStream, shared: Shared) -> Io {
    let mut reader = BufReader::new(client);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let end = line == "\r\n";
        head.push(line);
        if end {
            break;
        }
    }
    let request_line = head[0].trim_end().to_owned();
    let mut parts = request_line.split(' ');
    let (method, target, version) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or("HTTP/1.1"),
    );
    if let Some((user, pass)) = &shared.credentials {
        use base64::Engine as _;
        let expected = format!(
            "basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        );
        let authorized = head.iter().any(|line| {
            line.split_once(':').is_some_and(|(name, value)| {
                name.eq_ignore_ascii_case("proxy-authorization")
                    && value.trim().eq_ignore_ascii_case(&expected)
            })
        });
        if !authorized {
            let mut client = reader.into_inner();
            client
                .write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n",
                )
                .await?;
            return Err(refused("no credentials"));
        }
    }
    let (authority, forwarded) = if method == "CONNECT" {
        (target.to_owned(), None)
    } else {
        let rest = target
            .strip_prefix("http://")
            .ok_or_else(|| refused("not absolute-form"))?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        // The origin-form request, without the proxy's own headers.
        let mut origin = format!("{method} /{path} {version}\r\n");
        for line in &head[1..] {
            let name = line.split_once(':').map_or("", |(n, _)| n.trim());
            if !name.to_ascii_lowercase().starts_with("proxy-") {
                origin.push_str(line);
            }
        }
        (authority.to_owned(), Some(origin))
    };
    let (host, port) = authority
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h.to_owned(), p.parse::<u16>().ok()?)))
        .unwrap_or((authority.clone(), 80));
    let mut client = reader;
    let Some(upstream) = shared.route(&host, port) else {
        client
            .get_mut()
            .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            .await?;
        return Err(refused("unknown host"));
    };
    let mut upstream = TcpStream::connect(upstream).await?;
    match forwarded {
        None => {
            client
                .get_mut()
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .await?
        }
        Some(origin) => upstream.write_all(origin.as_bytes()).await?,
    }
    // Whatever the client sent after the head is in the reader's buffer.
    let buffered = client.buffer().to_vec();
    upstream.write_all(&buffered).await?;
    let mut client = client.into_inner();
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}
