//! The Explorer's front door. stateright's Explorer answers any request that
//! reaches its port, whatever `Host` it names. A web page on another site
//! could then read it through DNS rebinding (its own name resolved to
//! 127.0.0.1). This guard listens on the port the user asked for, accepts a
//! connection only when its request names a local host, and passes it on to
//! the Explorer listening on a private loopback port.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;

/// A request's head larger than this is refused: the Explorer's are small.
const HEAD_BYTES_MAX: usize = 16 * 1024;

/// Host names the guard lets through (with or without a port).
const LOCAL_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// A free loopback port for the Explorer itself.
pub(super) fn private_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Serves `listener` forever, passing local requests on to `backend_port`.
pub(super) fn serve(listener: TcpListener, backend_port: u16) {
    for client in listener.incoming().flatten() {
        thread::spawn(move || {
            let _ = pass_on(client, backend_port);
        });
    }
}

/// The `Host` header of a request head, lowercased, without its port.
fn host_of(head: &str) -> Option<String> {
    let value = head
        .lines()
        .skip(1)
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.trim().eq_ignore_ascii_case("host"))
        })?
        .1
        .trim()
        .to_ascii_lowercase();
    Some(match value.strip_prefix('[') {
        // An IPv6 literal keeps its brackets.
        Some(rest) => format!("[{}]", rest.split(']').next().unwrap_or("")),
        None => value.split(':').next().unwrap_or("").to_string(),
    })
}

/// Whether a request head may reach the Explorer.
fn allowed(head: &str) -> bool {
    host_of(head).is_some_and(|h| LOCAL_HOSTS.contains(&h.as_str()))
}

fn pass_on(mut client: TcpStream, backend_port: u16) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = client.read(&mut buffer)?;
        if n == 0 || head.len() + n > HEAD_BYTES_MAX {
            return Ok(());
        }
        head.extend_from_slice(&buffer[..n]);
    }
    if !allowed(&String::from_utf8_lossy(&head)) {
        client.write_all(
            b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n\
              the Explorer answers only requests for localhost\n",
        )?;
        return client.shutdown(Shutdown::Both);
    }
    // The Explorer starts listening a moment after the guard does.
    let mut tries = 0;
    let mut backend = loop {
        match TcpStream::connect(("127.0.0.1", backend_port)) {
            Ok(stream) => break stream,
            Err(e) if tries >= 100 => return Err(e),
            Err(_) => {
                tries += 1;
                thread::sleep(std::time::Duration::from_millis(100));
            }
        }
    };
    backend.write_all(&head)?;
    let (mut from_client, mut to_backend) = (client.try_clone()?, backend.try_clone()?);
    let upstream = thread::spawn(move || {
        let _ = std::io::copy(&mut from_client, &mut to_backend);
        let _ = to_backend.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut backend, &mut client);
    let _ = client.shutdown(Shutdown::Both);
    let _ = upstream.join();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_hosts_pass() {
        let head = |host: &str| format!("GET / HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n");
        for ok in [
            "localhost:3000",
            "LOCALHOST",
            "127.0.0.1:3000",
            "[::1]:3000",
        ] {
            assert!(allowed(&head(ok)), "{ok}");
        }
        for bad in [
            "evil.example:3000",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "",
        ] {
            assert!(!allowed(&head(bad)), "{bad}");
        }
        assert!(
            !allowed("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"),
            "no Host at all"
        );
    }
}
