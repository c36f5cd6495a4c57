//! A tiny HTTP/1.1 server on 127.0.0.1 for get-tidb.sh's tests: serves a
//! directory's files, 404 for the rest, and can cut a tarball's transfer
//! short or stall it (manifests always go whole).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// How the server answers a tarball it has.
#[derive(Clone, Copy, PartialEq)]
pub enum Serve {
    Whole,
    /// Promises the whole length, sends half, closes.
    CutShort,
    /// Sends half, then holds the connection open and says so on the channel.
    Stall,
}

/// A tiny HTTP/1.1 server on 127.0.0.1 serving `dir`'s files (404 for the rest).
/// It records the paths asked for; its threads end with the test binary.
pub struct Http {
    pub base: String,
    requests: Arc<Mutex<Vec<String>>>,
    pub stalled: mpsc::Receiver<()>,
}

impl Http {
    pub fn start(dir: PathBuf, mode: Serve) -> Http {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("local addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (tx, stalled) = mpsc::channel();
        let log = Arc::clone(&requests);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (dir, log, tx) = (dir.clone(), Arc::clone(&log), tx.clone());
                thread::spawn(move || {
                    let _ = answer(stream, &dir, mode, &log, &tx);
                });
            }
        });
        Http {
            base: format!("http://127.0.0.1:{port}"),
            requests,
            stalled,
        }
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

fn answer(
    stream: TcpStream,
    dir: &Path,
    mode: Serve,
    log: &Mutex<Vec<String>>,
    stalled: &mpsc::Sender<()>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" {
            break;
        }
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    if let Ok(mut l) = log.lock() {
        l.push(path.clone());
    }
    let mut stream = stream;
    let name = path.trim_start_matches('/');
    let found = if name.contains('/') || name.starts_with('.') {
        None
    } else {
        std::fs::read(dir.join(name)).ok()
    };
    let body = match found {
        Some(body) => body,
        None => {
            let msg = b"not found\n";
            write!(
                stream,
                "HTTP/1.1 404 Not Found\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                msg.len()
            )?;
            return stream.write_all(msg);
        }
    };
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    let mode = if name.ends_with(".tar.gz") {
        mode
    } else {
        Serve::Whole
    };
    match mode {
        Serve::Whole => stream.write_all(&body),
        Serve::CutShort => stream.write_all(&body[..body.len() / 2]),
        Serve::Stall => {
            stream.write_all(&body[..body.len() / 2])?;
            stream.flush()?;
            let _ = stalled.send(());
            // Hold the connection until the client gives up or is stopped.
            let mut sink = [0u8; 64];
            let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
            let _ = stream.read(&mut sink);
            Ok(())
        }
    }
}
