//! The kernel's share of a blocking TCP round trip on loopback, for
//! bin/bench-perseus.sh: perseus cannot spend less system time per iteration
//! than its two round trips cost any client.
//!
//!   tcp-floor server PORT      echo everything back (one connection)
//!   tcp-floor client PORT N    N round trips of a 60-byte message

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = args.get(2).and_then(|p| p.parse().ok()).unwrap_or(5599);
    let mut buf = [0u8; 4096];
    match args.get(1).map(String::as_str) {
        Some("server") => {
            let (mut conn, _) = TcpListener::bind(("127.0.0.1", port))?.accept()?;
            conn.set_nodelay(true)?;
            loop {
                let n = conn.read(&mut buf)?;
                if n == 0 {
                    return Ok(());
                }
                conn.write_all(&buf[..n])?;
            }
        }
        Some("client") => {
            let rounds: u64 = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(100_000);
            let mut conn = TcpStream::connect(("127.0.0.1", port))?;
            conn.set_nodelay(true)?;
            let msg = [b'x'; 60];
            for _ in 0..rounds {
                conn.write_all(&msg)?;
                let mut got = 0;
                while got < msg.len() {
                    got += conn.read(&mut buf)?;
                }
            }
            Ok(())
        }
        _ => {
            eprintln!("usage: tcp-floor server PORT | tcp-floor client PORT ROUNDS");
            std::process::exit(2);
        }
    }
}
