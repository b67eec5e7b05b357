//! A TCP forwarder that adds a fixed one-way delay in each direction, standing in for
//! the distance between a laptop and a cloud region (the kernel here has no netem).
//!
//! Each direction has a reader that stamps every chunk with the time it may leave and a
//! writer that holds it until then, so the delay is added once per direction without
//! limiting throughput.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The delay each way that makes about a 50 ms round trip.
pub const DEFAULT_ONE_WAY: Duration = Duration::from_millis(25);

/// A running latency proxy; stops when dropped.
pub struct LatencyProxy {
    /// Where clients connect.
    pub address: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
    live: Arc<Mutex<Vec<TcpStream>>>,
}

impl LatencyProxy {
    /// Listens on `listen` (port 0 picks one) and forwards each connection to `target`,
    /// delaying every byte by `one_way` in each direction.
    pub fn start(listen: SocketAddr, target: SocketAddr, one_way: Duration) -> io::Result<Self> {
        let listener = TcpListener::bind(listen)?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let live = Arc::new(Mutex::new(Vec::new()));
        let tracked = Arc::clone(&live);
        let acceptor = thread::Builder::new()
            .name("latency-accept".into())
            .spawn(move || {
                while !stopping.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((client, _)) => {
                            let _ = client.set_nonblocking(false);
                            if let Ok(server) = TcpStream::connect(target) {
                                track(&tracked, &client, &server);
                                connect(client, server, one_way);
                            }
                        }
                        Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                            thread::sleep(Duration::from_millis(5));
                        }
                        Err(_) => thread::sleep(Duration::from_millis(5)),
                    }
                }
            })?;
        Ok(Self {
            address,
            stop,
            acceptor: Some(acceptor),
            live,
        })
    }

    /// Breaks every connection through the proxy at once, as a network failure would;
    /// new connections are still accepted.
    pub fn cut(&self) {
        let mut live = self
            .live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for stream in live.drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for LatencyProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Keeps a handle on both ends so [`LatencyProxy::cut`] can break them.
fn track(live: &Mutex<Vec<TcpStream>>, client: &TcpStream, server: &TcpStream) {
    if let (Ok(a), Ok(b)) = (client.try_clone(), server.try_clone()) {
        live.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend([a, b]);
    }
}

fn connect(client: TcpStream, server: TcpStream, one_way: Duration) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    if let (Ok(client_read), Ok(server_read)) = (client.try_clone(), server.try_clone()) {
        pump(client_read, server, one_way);
        pump(server_read, client, one_way);
    }
}

/// Copies `from` to `to`, each chunk leaving `delay` after it arrived.
fn pump(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let (sender, receiver) = mpsc::channel::<(Instant, Vec<u8>)>();
    let _ = thread::Builder::new()
        .name("latency-read".into())
        .spawn(move || {
            let mut buffer = vec![0; 64 * 1024];
            loop {
                match from.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if sender
                            .send((Instant::now() + delay, buffer[..n].to_vec()))
                            .is_err()
                        {
                            break;
                        }
                    }
                }
            }
        });
    let _ = thread::Builder::new()
        .name("latency-write".into())
        .spawn(move || {
            for (due, chunk) in receiver {
                let wait = due.saturating_duration_since(Instant::now());
                if !wait.is_zero() {
                    thread::sleep(wait);
                }
                if to.write_all(&chunk).is_err() {
                    break;
                }
            }
            let _ = to.shutdown(Shutdown::Write);
        });
}
